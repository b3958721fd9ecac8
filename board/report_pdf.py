"""The PDF status report of the gains in a period, in the reader's language (Norwegian first): totals, the split
by kind, per service area, per unit and the largest realised gains, with how årsverk are counted; for one unit
also its goals, each with its status and run chart (drawn as vector lines, so it prints sharp at any size).

Made with fpdf2 (pure Python; embeds the DejaVu fonts the posters use, so æøå print everywhere, and writes real
text a reader can search and copy). Imported only when a report is made.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, tzinfo

from fpdf import FPDF
from fpdf.fonts import FontFace

from .assets import FONT_BOLD, FONT_REGULAR
from .domain import Direction, GainCategory, Goal, GoalValue, Organisation, Reading, RunChart, goal_status, run_chart
from .domain.audit import Audit, score
from .domain.citizen import CitizenFigures
from .domain.programme import RolloutFigures
from .gains import VSA_TARGET, GainSource, GainsSummary, Period, Totals
from .goal_words import goal_status_text, short_date, signal_texts
from .i18n import Translator
from .reports import Improvement, ReportScope, change

__all__ = ['draw_run_chart', 'status_pdf']

#: the chart's colours as on the screen (board/ui/run_chart.py; tests/ui/test_run_chart.py keeps them equal)
LINE_RGB = (0x37, 0x41, 0x51)
SIGNAL_RGB = (0x00, 0x72, 0xB2)
MEDIAN_RGB = (0x6B, 0x72, 0x80)
TARGET_RGB = (0x11, 0x18, 0x27)
GRID_RGB = (0xE5, 0xE7, 0xEB)
CHART_HEIGHT = 72
#: a figure a table has none of (no idea answered yet): a dash, aligned with the numbers
NO_FIGURE = '–'


def status_pdf(summary: GainsSummary, scope: ReportScope, period: Period, t: Translator, *, generated: date,
               largest: int = 10, goals: Sequence[tuple[Goal, Sequence[GoalValue]]] = (),
               measured: Sequence[Improvement] = (), audits: Sequence[tuple[str, Sequence[Audit]]] = (),
               zone: tzinfo | None = None, rollout: RolloutFigures | None = None,
               citizens: CitizenFigures | None = None,
               citizens_per_unit: Sequence[tuple[str, CitizenFigures]] = ()) -> bytes:
    """The report. ``goals``: the unit's goals with their values, shown when the report covers one unit;
    ``measured``: the improvements with a før or etter measurement in the period (``reports.improvements``);
    ``audits``: each unit's name with its last audits (``zone``: where their dates are read); ``rollout``: how many
    of the units have had training (``board.domain.programme.rollout_figures``); ``citizens``: what became of the
    ideas citizens sent in the period (``board.domain.citizen.citizen_figures``), with each unit's that had any."""
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
    if rollout is not None:
        _rollout_section(pdf, t, rollout)
    _sources_section(pdf, t, whole)

    _tables(pdf, t, summary, org, largest)
    _before_and_after(pdf, t, measured)
    _audits_section(pdf, t, audits, zone)
    if citizens is not None:
        _citizens_section(pdf, t, citizens, citizens_per_unit)
    pdf.ln(4)
    pdf.set_font('DejaVu', '', 9)
    pdf.multi_cell(0, 5, t('report.method', hours=n(summary.full_time_week)), new_x='LMARGIN', new_y='NEXT')
    if len(org.units) == 1:
        _goals_section(pdf, goals, t, generated)
    return bytes(pdf.output())


def _tables(pdf: _Report, t: Translator, summary: GainsSummary, org: Organisation, largest: int) -> None:
    """Per service area, per unit, and the largest realised gains."""
    n = t.number
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


def _goals_section(pdf: _Report, goals: Sequence[tuple[Goal, Sequence[GoalValue]]], t: Translator,
                   today: date) -> None:
    pdf.add_page()
    pdf.set_font('DejaVu', 'B', 16)
    pdf.multi_cell(0, 9, t('run_chart.goals_heading'), new_x='LMARGIN', new_y='NEXT')
    if not goals:
        pdf.set_font('DejaVu', '', 12)
        pdf.multi_cell(0, 7, t('goal.none'), new_x='LMARGIN', new_y='NEXT')
        return
    for goal, values in goals:
        chart = run_chart(values)
        texts = signal_texts(chart, t)
        if pdf.get_y() + 24 + CHART_HEIGHT + 6 * len(texts) > pdf.page_break_trigger:
            pdf.add_page()
        pdf.heading(goal.name)
        pdf.set_font('DejaVu', '', 10)
        measure = goal.measure
        if measure is not None:
            better = t('run_chart.better_up' if measure.better == Direction.UP else 'run_chart.better_down')
            target = t('run_chart.target_label', value=t.number(measure.target, 2))
            pdf.multi_cell(0, 5, f'{measure.unit} · {better} · {target}', new_x='LMARGIN', new_y='NEXT')
        reading = goal_status(goal, values, today)
        how = t('goal_rule.by_rule' if reading.by_rule else 'goal_rule.by_hand')
        pdf.multi_cell(0, 5, f'{how}: {t(f"goal_status.{reading.status.value}")}. {goal_status_text(reading, t)}',
                       new_x='LMARGIN', new_y='NEXT')
        if chart.points:
            top = pdf.get_y() + 2
            draw_run_chart(pdf, goal, chart, t, x=pdf.l_margin, y=top, width=pdf.epw, height=CHART_HEIGHT)
            pdf.set_y(top + CHART_HEIGHT + 2)
        for text in texts:
            pdf.set_font('DejaVu', 'B' if chart.signals else '', 10)
            if chart.signals:
                _diamond(pdf, pdf.l_margin + 1.5, pdf.get_y() + 2.6, 1.4)
                pdf.set_x(pdf.l_margin + 4)
            pdf.multi_cell(0, 5.5, text, new_x='LMARGIN', new_y='NEXT')
        pdf.ln(3)


def draw_run_chart(pdf: FPDF, goal: Goal, chart: RunChart, t: Translator, *, x: float, y: float, width: float,
                   height: float) -> None:
    """One goal's run chart in the box at (x, y), in mm: the values as a line with points, the signal points as
    larger blue diamonds, the median dashed, the target solid and the baseline dotted, each named at the right;
    numbers and dates as the language writes them. Expects the report's DejaVu font."""
    points = chart.points
    if not points:
        return
    measure = goal.measure
    # label, value, colour, dash and gap in mm (no dash: solid)
    levels: list[tuple[str, float, tuple[int, int, int], tuple[float, float]]] = []
    if chart.median is not None:
        levels.append((t('run_chart.median_label', value=t.number(chart.median, 2)), chart.median, MEDIAN_RGB,
                       (1.5, 1.2)))
    if measure is not None:
        levels.append((t('run_chart.target_label', value=t.number(measure.target, 2)), measure.target, TARGET_RGB,
                       (0, 0)))
        if measure.baseline is not None:
            levels.append((t('run_chart.baseline_label', value=t.number(measure.baseline, 2)), measure.baseline,
                           MEDIAN_RGB, (0.4, 1.0)))
    ticks = _ticks([p.value for p in points] + [value for _, value, _, _ in levels])
    left, right, top, bottom = x + 16, x + width - 34, y + 6, y + height - 7
    step = (right - left) / len(points)

    def at_x(index: int) -> float:
        return left + (index + 0.5) * step

    def at_y(value: float) -> float:
        return bottom - (value - ticks[0]) / (ticks[-1] - ticks[0]) * (bottom - top)

    with pdf.local_context():
        pdf.set_font('DejaVu', '', 8)
        pdf.set_text_color(75, 85, 99)
        if measure is not None:
            pdf.text(x, y + 3, measure.unit)
        pdf.set_line_width(0.2)
        pdf.set_draw_color(*GRID_RGB)
        for tick in ticks:
            pdf.line(left, at_y(tick), right, at_y(tick))
            label = t.number(tick, 2)
            pdf.text(left - 2 - pdf.get_string_width(label), at_y(tick) + 1.1, label)
        every = max(1, math.ceil(len(points) / 8))
        for index in range(0, len(points), every):
            label = short_date(t, points[index].on)
            pdf.text(at_x(index) - pdf.get_string_width(label) / 2, bottom + 5, label)

        placed: list[float] = []
        for label, value, colour, (dash, gap) in sorted(levels, key=lambda level: at_y(level[1])):
            pdf.set_draw_color(*colour)
            pdf.set_text_color(*colour)
            pdf.set_line_width(0.35 if dash else 0.5)
            pdf.set_dash_pattern(dash=dash, gap=gap)
            pdf.line(left, at_y(value), right, at_y(value))
            text_y = max(at_y(value) + 1.1, placed[-1] + 3.4) if placed else at_y(value) + 1.1
            placed.append(text_y)
            pdf.text(right + 1.5, text_y, label)
        pdf.set_dash_pattern()

        pdf.set_draw_color(*LINE_RGB)
        pdf.set_fill_color(*LINE_RGB)
        pdf.set_line_width(0.4)
        pdf.polyline([(at_x(i), at_y(p.value)) for i, p in enumerate(points)])
        radius = min(0.7, step / 3)
        for index, point in enumerate(points):
            if not chart.in_signal(index):
                pdf.ellipse(at_x(index) - radius, at_y(point.value) - radius, 2 * radius, 2 * radius, style='F')
        pdf.set_fill_color(*SIGNAL_RGB)
        for index, point in enumerate(points):
            if chart.in_signal(index):
                _diamond(pdf, at_x(index), at_y(point.value), max(1.0, radius * 2))


def _diamond(pdf: FPDF, x: float, y: float, size: float) -> None:
    with pdf.local_context():
        pdf.set_fill_color(*SIGNAL_RGB)
        pdf.polygon([(x, y - size), (x + size, y), (x, y + size), (x - size, y)], style='F')


def _ticks(values: Sequence[float], count: int = 5) -> list[float]:
    """Round values for the y axis from below the lowest to above the highest (steps of 1, 2 or 5 times 10^k)."""
    low, high = min(values), max(values)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    return [round(first + i * step, 10) for i in range(round((last - first) / step) + 1)]
def _rollout_section(pdf: _Report, t: Translator, rollout: RolloutFigures) -> None:
    """Rollout and training, as the municipality reports it: "N av M enheter har fått opplæring"."""
    pdf.heading(t('report.rollout'))
    pdf.set_font('DejaVu', '', 12)
    line = t('rollout.figure', trained=rollout.trained, units=rollout.units)
    if rollout.new_training:
        line = f'{line} {t("rollout.figure_new", count=rollout.new_training)}'
    pdf.multi_cell(0, 7, line, new_x='LMARGIN', new_y='NEXT')
    pdf.multi_cell(0, 7, t('report.staff_trained', count=rollout.staff_trained), new_x='LMARGIN', new_y='NEXT')
    pdf.set_font('DejaVu', '', 9)
    pdf.multi_cell(0, 5, t('rollout.counts_help'), new_x='LMARGIN', new_y='NEXT')


def _sources_section(pdf: _Report, t: Translator, whole: Totals) -> None:
    """Where the gains come from, and the share of value stream analyses against the aim."""
    n = t.number
    pdf.heading(t('gains.by_source'))
    rows = [[t(f'gain_source.{s.value}'), n(whole.identified_by_source[s], 2), n(whole.realised_by_source[s], 2)]
            for s in GainSource]
    pdf.table_of([t('report.source'), t('report.identified'), t('report.realised')], rows, (50, 25, 25))
    share = whole.vsa_share
    pdf.set_font('DejaVu', '', 12)
    pdf.multi_cell(0, 7, t('gains.vsa_target', target=n(VSA_TARGET * 100, 0),
                           actual=n(share * 100, 0) if share is not None else '–'), new_x='LMARGIN', new_y='NEXT')


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


def _audits_section(pdf: _Report, t: Translator, audits: Sequence[tuple[str, Sequence[Audit]]],
                    zone: tzinfo | None) -> None:
    """Each unit's last audits (revisjoner): kind, date, auditor, score and the findings (items answered Nei or
    Delvis)."""
    pdf.heading(t('audit.report_heading'))
    rows = []
    for unit_name, unit_audits in audits:
        for audit in unit_audits:
            value = score(audit)
            findings = [i.text for i in audit.findings]
            shown = '\n'.join(findings[:5]) + ('\n…' if len(findings) > 5 else '')
            rows.append([unit_name, t(f'audit.kind_{audit.kind.value}_short'),
                         t.date(audit.created_at.astimezone(zone).date() if zone else audit.created_at.date()),
                         audit.auditor, '' if value is None else f'{t.number(value * 100, 0)} %', shown])
    pdf.set_font('DejaVu', '', 12)
    if not rows:
        pdf.multi_cell(0, 7, t('audit.report_none'), new_x='LMARGIN', new_y='NEXT')
        return
    pdf.table_of([t('audit.report_unit'), t('audit.report_kind'), t('audit.report_date'), t('audit.auditor'),
                  t('audit.report_score'), t('audit.report_findings')], rows, (22, 12, 14, 18, 10, 40))
    pdf.set_font('DejaVu', '', 9)
    pdf.multi_cell(0, 5, t('audit.report_method'), new_x='LMARGIN', new_y='NEXT')


def _citizens_section(pdf: _Report, t: Translator, whole: CitizenFigures,
                      per_unit: Sequence[tuple[str, CitizenFigures]]) -> None:
    """Ideas from citizens (innbyggere, brukere, pårørende): received in the period, and what became of them."""
    n = t.number
    pdf.heading(t('citizen.report_heading'))
    pdf.set_font('DejaVu', '', 12)
    if not whole.received:
        pdf.multi_cell(0, 7, t('citizen.report_none'), new_x='LMARGIN', new_y='NEXT')
        return
    lines = [t('citizen.report_text', received=whole.received, approved=whole.approved, declined=whole.declined,
               pending=whole.pending)]
    if whole.median_days is not None:
        lines.append(t('citizen.report_median', days=n(whole.median_days, 1)))
    lines.append(t('citizen.report_mailed', count=whole.mailed))
    pdf.multi_cell(0, 7, ' '.join(lines), new_x='LMARGIN', new_y='NEXT')
    pdf.ln(2)
    rows = [[name, str(f.received), str(f.approved), str(f.declined), str(f.pending),
             NO_FIGURE if f.median_days is None else n(f.median_days, 1)] for name, f in per_unit if f.received]
    pdf.table_of([t('audit.report_unit'), t('citizen.report_received'), t('citizen.report_approved'),
                  t('citizen.report_declined'), t('citizen.report_pending'), t('citizen.report_days')],
                 rows, (40, 14, 14, 14, 14, 18))


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
        if self.get_y() + 40 > self.page_break_trigger:  # a heading never stands alone at the foot of a page
            self.add_page()
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
    return text == NO_FIGURE or (bool(text) and text.replace(',', '').replace('\u00a0', '').replace('.', '').isdigit())
