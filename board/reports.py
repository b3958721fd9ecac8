"""Reports for the leadership group, the political council and the audit: a CSV of every card and gain (here), and
a PDF status report of the gains in a period (``board.report_pdf``, imported only when a PDF is made: fpdf2 and
its font tools cost the hub about 20 MB of memory).

The CSV is UTF-8 with a byte-order mark and ``;`` between fields, which is what Norwegian Excel opens directly
with æ, ø and å intact (``,`` is the decimal mark here). Cells that start like a formula are prefixed with an
apostrophe, so an idea typed on a phone can never run as a formula in someone's spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from .domain import Card, Organisation
from .i18n import Translator

__all__ = ['ReportScope', 'cards_csv']

_FORMULA_START = ('=', '+', '-', '@', '\t', '\r')


@dataclass(frozen=True, slots=True)
class ReportScope:
    """What a report covers: the organisation as the reader may see it (all of it, an area, or some units)."""
    organisation: Organisation
    title: str
    active_units: int


def cards_csv(cards: Iterable[tuple[Card, bool]], organisation: Organisation, t: Translator, *,
              full_time_week: float) -> bytes:
    """Every card with its gain; ``cards`` are (card, archived) pairs."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=';', lineterminator='\r\n')
    writer.writerow([t(f'csv.{name}') for name in (
        'area', 'unit', 'card_id', 'title', 'column', 'owner', 'due', 'pdca', 'created', 'started', 'finished',
        'origin', 'archived', 'gain_categories', 'hours_per_week', 'fte', 'gain_status', 'identified_on',
        'realised_on', 'confirmed_by', 'amount', 'gain_note')])
    units = {u.id: u for u in organisation.units}
    for card, archived in cards:
        unit = units.get(card.unit_id)
        area = organisation.service_area(unit.service_area_id) if unit else None
        gain = card.gain
        row = [area.name if area else '', unit.name if unit else card.unit_id, card.id, card.title,
               t(f'column.{card.column.value}'), card.owner, _day(card.due),
               t(f'pdca.{card.pdca.value}') if card.pdca else '', _day(card.created_at), _day(card.started_at),
               _day(card.finished_at), t(f'csv.origin_{card.origin.value}'),
               t('csv.yes') if archived else t('csv.no')]
        if gain is None:
            row += [''] * 9
        else:
            row += [', '.join(t(f'gain_category.{c.value}') for c in gain.categories),
                    _decimal(gain.hours_per_week, 2), _decimal(gain.fte(full_time_week), 3),
                    t(f'gain_status.{gain.status.value}'), _day(gain.identified_on), _day(gain.realised_on),
                    gain.confirmed_by, '' if gain.amount_nok is None else str(gain.amount_nok), gain.note]
        writer.writerow([_safe_cell(v) for v in row])
    return '\ufeff'.encode() + out.getvalue().encode('utf-8')


def _safe_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _day(value: date | datetime | None) -> str:
    if value is None:
        return ''
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def _decimal(value: float, decimals: int) -> str:
    return f'{value:.{decimals}f}'.replace('.', ',')
