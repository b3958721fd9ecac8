"""Reports for the leadership group, the political council and the audit: a CSV of every card and gain, and a
PDF status report of the gains in a period.

The CSV is UTF-8 with a byte-order mark and ``;`` between fields, which is what Norwegian Excel opens directly
with æ, ø and å intact (``,`` is the decimal mark here). Cells that start like a formula are prefixed with an
apostrophe, so an idea typed on a phone can never run as a formula in someone's spreadsheet.

The PDF is made with fpdf2 (pure Python, embeds the DejaVu fonts the posters use, so æøå print everywhere).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from fpdf import FPDF
from fpdf.fonts import FontFace

from .assets import FONT_BOLD, FONT_REGULAR
from .domain import Card, GainCategory, Organisation
from .gains import GainsSummary, Period
from .i18n import Translator

__all__ = ['ReportScope', 'cards_csv', 'status_pdf']

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


# --- the PDF status report ---------------------------------------------------------------------------------------

def status_pdf(summary: GainsSummary, scope: ReportScope, period: Period, t: Translator, *, generated: date,
               largest: int = 10) -> bytes:
    org = scope.organisation
    pdf = _Report(t, scope.title)
    pdf.add_font('DejaVu', '', str(FONT_REGULAR))
    pdf.add_font('DejaVu', 'B', str(FONT_BOLD))
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    n = t.number

    pdf.set_font('DejaVu', 'B', 20)
    pdf.multi_cell(0, 10, t('report.title'), new_x='LMARGIN', new_y='NEXT')
    pdf.set_font('DejaVu', '', 12)
    pdf.multi_cell(0, 7, scope.title, new_x='LMARGIN', new_y='NEXT')
    pdf.multi_cell(0, 7, t('report.period', start=_period_side(t, period.start, 'report.beginning'),
                           end=_period_side(t, period.end, 'report.today')), new_x='LMARGIN', new_y='NEXT')
    pdf.multi_cell(0, 7, t('report.generated', date=t.date(generated)), new_x='LMARGIN', new_y='NEXT')
    pdf.ln(4)

    whole = summary.organisation
    pdf.heading(t('report.totals'))
    pdf.set_font('DejaVu', '', 12)
    pdf.multi_cell(0, 7, t('report.totals_text', identified=n(whole.identified), realised=n(whole.realised),
                           active=scope.active_units, units=len(org.units)), new_x='LMARGIN', new_y='NEXT')
    if whole.amount_realised:
        pdf.multi_cell(0, 7, t('report.amount', amount=n(whole.amount_realised, 0)), new_x='LMARGIN', new_y='NEXT')
    pdf.ln(2)
    rows = [[t(f'gain_category.{c.value}'), n(whole.identified_by_category[c], 2), n(whole.realised_by_category[c], 2)]
            for c in GainCategory]
    pdf.table_of([t('report.category'), t('report.identified'), t('report.realised')], rows, (50, 25, 25))

    pdf.heading(t('report.per_area'))
    rows = [[a.name, str(len(org.units_in(a.id))), n(summary.areas[a.id].identified, 2),
             n(summary.areas[a.id].realised, 2)]
            for a in sorted(org.service_areas, key=lambda a: a.name.casefold()) if a.id in summary.areas]
    pdf.table_of([t('report.area'), t('report.units'), t('report.identified'), t('report.realised')], rows,
                 (46, 14, 20, 20))

    pdf.heading(t('report.per_unit'))
    rows = []
    for area in sorted(org.service_areas, key=lambda a: a.name.casefold()):
        for unit in org.units_in(area.id):
            totals = summary.units.get(unit.id)
            if totals is not None:
                rows.append([unit.name, area.name, str(totals.count), n(totals.identified, 2), n(totals.realised, 2)])
    pdf.table_of([t('report.unit'), t('report.area'), t('report.gains'), t('report.identified'),
                  t('report.realised')], rows, (36, 26, 10, 14, 14))

    pdf.heading(t('report.largest', count=largest))
    names = {u.id: u.name for u in org.units}
    rows = [[names.get(e.unit_id, e.unit_id), e.title, n(e.hours_per_week / summary.full_time_week, 2),
             t.date(e.realised_on) if e.realised_on else '', e.confirmed_by]
            for e in summary.largest_realised[:largest]]
    if rows:
        pdf.table_of([t('report.unit'), t('report.card'), t('report.fte'), t('report.realised_on'),
                      t('report.confirmed_by')], rows, (22, 38, 10, 14, 16))
    else:
        pdf.set_font('DejaVu', '', 12)
        pdf.multi_cell(0, 7, t('report.none_realised'), new_x='LMARGIN', new_y='NEXT')
    pdf.ln(4)
    pdf.set_font('DejaVu', '', 9)
    pdf.multi_cell(0, 5, t('report.method', hours=n(summary.full_time_week)), new_x='LMARGIN', new_y='NEXT')
    return bytes(pdf.output())


def _period_side(t: Translator, day: date | None, open_key: str) -> str:
    return t.date(day) if day else t(open_key)


class _Report(FPDF):

    def __init__(self, t: Translator, title: str) -> None:
        super().__init__(orientation='portrait', unit='mm', format='A4')
        self._t = t
        self._title = title
        self.set_title(t('report.title'))
        self.set_creator(t('app.name'))

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font('DejaVu', '', 8)
        self.cell(0, 6, f'{self._t("app.name")} · {self._title} · {self.page_no()}/{{nb}}', align='C')

    def heading(self, text: str) -> None:
        self.ln(3)
        self.set_font('DejaVu', 'B', 14)
        self.multi_cell(0, 8, text, new_x='LMARGIN', new_y='NEXT')
        self.ln(1)

    def table_of(self, header: list[str], rows: list[list[str]], widths: tuple[int, ...]) -> None:
        self.set_font('DejaVu', '', 10)
        numeric = [i for i in range(len(header)) if i > 0 and all(_numeric(r[i]) for r in rows)]
        with self.table(col_widths=widths, headings_style=FontFace(emphasis='BOLD', fill_color=(225, 230, 236)),
                        line_height=6, text_align=tuple('RIGHT' if i in numeric else 'LEFT'
                                                        for i in range(len(header)))) as table:
            table.row(header)
            for values in rows:
                table.row(values)
        self.ln(2)


def _numeric(text: str) -> bool:
    return bool(text) and text.replace(',', '').replace('\u00a0', '').replace('.', '').isdigit()
