"""The PDF status report of the gains in a period, in the reader's language (Norwegian first): totals, the split
by kind, per service area, per unit and the largest realised gains, with how årsverk are counted.

Made with fpdf2 (pure Python; embeds the DejaVu fonts the posters use, so æøå print everywhere, and writes real
text a reader can search and copy). Imported only when a report is made.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from fpdf import FPDF
from fpdf.fonts import FontFace

from .assets import FONT_BOLD, FONT_REGULAR
from .domain import GainCategory, Reading
from .gains import GainsSummary, Period
from .i18n import Translator
from .reports import Improvement, ReportScope, change

__all__ = ['status_pdf']


def status_pdf(summary: GainsSummary, scope: ReportScope, period: Period, t: Translator, *, generated: date,
               largest: int = 10, measured: Sequence[Improvement] = ()) -> bytes:
    """``measured``: the improvements with a før or etter measurement in the period (``reports.improvements``)."""
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
    _before_and_after(pdf, t, measured)
    pdf.ln(4)
    pdf.set_font('DejaVu', '', 9)
    pdf.multi_cell(0, 5, t('report.method', hours=n(summary.full_time_week)), new_x='LMARGIN', new_y='NEXT')
    return bytes(pdf.output())


def _before_and_after(pdf: _Report, t: Translator, measured: Sequence[Improvement]) -> None:
    """Improvements with what was measured before and after: the measured change behind the årsverk."""
    pdf.heading(t('report.before_after'))
    if not measured:
        pdf.set_font('DejaVu', '', 12)
        pdf.multi_cell(0, 7, t('report.none_measured'), new_x='LMARGIN', new_y='NEXT')
        return
    rows = [[m.title, m.unit, _reading(t, m.before), _reading(t, m.after), _change(t, m)] for m in measured]
    pdf.table_of([t('report.card'), t('report.unit'), t('report.before'), t('report.after'), t('report.change')],
                 rows, (36, 22, 18, 18, 16))


def _reading(t: Translator, reading: Reading | None) -> str:
    if reading is None:
        return ''
    return f'{t.number(reading.value, 2)} {reading.unit}\n{t.date(reading.on)}'.strip()


def _change(t: Translator, measured: Improvement) -> str:
    difference = change(measured.before, measured.after)
    if difference is None:
        return ''
    amount, share = difference
    sign = '+' if amount > 0 else '\u2212' if amount < 0 else ''
    text = f'{sign}{t.number(abs(amount), 2)}'
    return text if share is None else f'{text} ({sign}{t.number(abs(share) * 100, 0)} %)'


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
