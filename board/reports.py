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
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from .domain import Card, Organisation, Reading
from .gains import Period
from .i18n import Translator

__all__ = ['Improvement', 'ReportScope', 'cards_csv', 'change', 'improvements']

_FORMULA_START = ('=', '+', '-', '@', '\t', '\r')
_NUMBER = re.compile(r'-?\d+(,\d+)?')


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
        'realised_on', 'confirmed_by', 'amount', 'gain_note', 'before', 'before_unit', 'before_on', 'after',
        'after_unit', 'after_on', 'change')])
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
        row += _reading_cells(card.before) + _reading_cells(card.after)
        difference = change(card.before, card.after)
        row.append('' if difference is None else _decimal(difference[0], 2))
        writer.writerow([_safe_cell(v) for v in row])
    return '\ufeff'.encode() + out.getvalue().encode('utf-8')


@dataclass(frozen=True, slots=True)
class Improvement:
    """A card with what was measured before and after the change, for the reports' table."""
    unit: str
    title: str
    before: Reading | None
    after: Reading | None


def improvements(cards: Iterable[Card], organisation: Organisation, period: Period | None = None) -> list[Improvement]:
    """The cards with a *før* or *etter* measurement, by unit and title; with ``period``, those measured in it
    (the etter's date, or the før's when there is no etter yet)."""
    names = {u.id: u.name for u in organisation.units}
    found = []
    for card in cards:
        if card.deleted or (card.before is None and card.after is None):
            continue
        measured = (card.after or card.before)
        if period is not None and measured is not None and measured.on not in period:
            continue
        found.append(Improvement(names.get(card.unit_id, card.unit_id), card.title, card.before, card.after))
    return sorted(found, key=lambda i: (i.unit.casefold(), i.title.casefold()))


def change(before: Reading | None, after: Reading | None) -> tuple[float, float | None] | None:
    """Etter minus før, and that as a share of før (None when før is 0); None unless both are measured in the
    same unit."""
    if before is None or after is None or before.unit.casefold() != after.unit.casefold():
        return None
    difference = after.value - before.value
    return difference, (difference / before.value if before.value else None)


def _reading_cells(reading: Reading | None) -> list[str]:
    if reading is None:
        return ['', '', '']
    return [_decimal_plain(reading.value), reading.unit, _day(reading.on)]


def _decimal_plain(value: float) -> str:
    return f'{value:.6f}'.rstrip('0').rstrip('.').replace('.', ',')


def _safe_cell(value: str) -> str:
    if _NUMBER.fullmatch(value):  # a negative number is a number, not a formula: Excel must see it as one
        return value
    return "'" + value if value.startswith(_FORMULA_START) else value


def _day(value: date | datetime | None) -> str:
    if value is None:
        return ''
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def _decimal(value: float, decimals: int) -> str:
    return f'{value:.{decimals}f}'.replace('.', ',')
