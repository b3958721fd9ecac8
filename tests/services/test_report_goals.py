"""The PDF report's section "Mål og målinger": each goal of a one-unit report with its status, its run chart drawn
as vectors and its signals in words, read back with pypdf. The report is made from data passed in (no store)."""

from __future__ import annotations

import io
import re
import time
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from board.domain import Direction, Goal, GoalStatus, GoalValue, Measure, Organisation, ServiceArea, Unit
from board.gains import ALL_TIME, summarise
from board.i18n import translator
from board.report_pdf import LINE_RGB, MEDIAN_RGB, SIGNAL_RGB, TARGET_RGB, _ticks, status_pdf
from board.reports import ReportScope
from board.ui import run_chart as screen

nb = translator('nb')
AREA = ServiceArea(id='helse', name='Helse og omsorg')
ONE = Organisation(name='Testkommune', service_areas=(AREA,),
                   units=(Unit(id='u', name='Avdeling Ålesund', service_area_id='helse'),))
TWO = Organisation(name='Testkommune', service_areas=(AREA,),
                   units=(*ONE.units, Unit(id='v', name='Avdeling B', service_area_id='helse')))
START = date(2026, 1, 5)
#: sorted 1 1 1 2 2 5 [5] 6 6 6 7 7 8, median 5: the last seven points hold a shift of six above
SHIFTED = (1, 2, 1, 2, 1, 5, 6, 7, 5, 6, 7, 6, 8)
WAITING = Goal(id='g', unit_id='u', name='Kortere ventetid på korttidsplass', colour='#0072B2',
               status=GoalStatus.AT_RISK,
               measure=Measure(unit='timer/uke', better=Direction.UP, target=9.5, baseline=1.5))


def values(*numbers: float, goal_id: str = 'g') -> list[GoalValue]:
    return [GoalValue(goal_id=goal_id, unit_id='u', on=START + timedelta(weeks=i), value=v)
            for i, v in enumerate(numbers)]


def report(organisation: Organisation, goals) -> bytes:
    scope = ReportScope(organisation=organisation, title=organisation.units[0].name, active_units=1)
    summary = summarise([], organisation, full_time_week=37.5)
    return status_pdf(summary, scope, ALL_TIME, nb, generated=date(2026, 4, 6), goals=goals)


def text_of(pdf: bytes) -> str:
    return '\n'.join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_one_unit_report_shows_each_goal_with_its_run_chart_and_signals_in_words():
    bare = Goal(id='h', unit_id='u', name='Trivsel «på jobb»', colour='#AA4499', status=GoalStatus.ON_TRACK)
    pdf = report(ONE, [(WAITING, values(*SHIFTED)), (bare, [])])
    text = text_of(pdf)
    assert 'Mål og målinger' in text
    assert 'Kortere ventetid på korttidsplass' in text and 'Trivsel «på jobb»' in text
    assert 'timer/uke · Høyere er bedre · Mål 9,5' in text
    # recent: median of 7 6 8 = 7, against the three before (7 5 6, median 6): better, no plan: on track by the rule
    assert 'Status etter regelen: På sporet. Siste målinger (7) er bedre enn før (6).' in text
    assert 'Skift: 6 punkter over medianen (16.02.2026–30.03.2026) – trolig en reell endring' in text
    assert 'Median 5' in text and 'Utgangspunkt 1,5' in text
    assert '05.01.26' in text  # the first date on the axis
    assert 'Status satt for hånd: På sporet. Ingen målinger ennå' in text
    assert 'Ingen målinger ennå.' in text


def test_the_chart_is_drawn_as_vectors_in_the_screens_colours():
    pdf = report(ONE, [(WAITING, values(*SHIFTED))])
    page = PdfReader(io.BytesIO(pdf)).pages[-1]
    content = page.get_contents().get_data().decode('latin-1')
    # the signal blue fills the diamonds; the values' polyline has one segment per point after the first
    fills = {tuple(round(float(c) * 255) for c in m.groups())
             for m in re.finditer(r'([\d.]+) ([\d.]+) ([\d.]+) rg', content)}
    assert SIGNAL_RGB in fills and LINE_RGB in fills
    assert content.count(' l\n') + content.count(' l ') >= len(SHIFTED) - 1
    assert re.search(r'\[[\d.]+ [\d.]+\] [\d.]+ d', content)  # a dashed median
    rgb = {colour: tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
           for colour in (screen.SIGNAL_COLOUR, screen.LINE_COLOUR, screen.MEDIAN_COLOUR, screen.TARGET_COLOUR)}
    assert (rgb[screen.SIGNAL_COLOUR], rgb[screen.LINE_COLOUR], rgb[screen.MEDIAN_COLOUR],
            rgb[screen.TARGET_COLOUR]) == (SIGNAL_RGB, LINE_RGB, MEDIAN_RGB, TARGET_RGB)


def test_a_report_over_several_units_has_no_goal_section():
    assert 'Mål og målinger' not in text_of(report(TWO, [(WAITING, values(*SHIFTED))]))
    assert 'Enheten har ingen mål ennå.' in text_of(report(ONE, []))


def test_few_points_are_said_too_few_to_read():
    text = text_of(report(ONE, [(WAITING, values(3, 4, 5))]))
    assert 'For få punkter til å lese signaler (minst 10)' in text
    assert 'Skift' not in text


def test_five_years_of_weekly_values_draw_fast():
    weekly = values(*(5 + (i % 7) - (i // 52) * 0.5 for i in range(260)))
    begun = time.perf_counter()
    pdf = report(ONE, [(WAITING, weekly)] * 3)
    assert time.perf_counter() - begun < 2.0
    assert len(pdf) < 400_000


@pytest.mark.parametrize(('numbers', 'expected'), [
    ((1.5, 9.5), [0, 2, 4, 6, 8, 10]),
    ((3.0, 3.0), [2, 2.5, 3, 3.5, 4]),
    ((0.12, 0.31), [0.1, 0.15, 0.2, 0.25, 0.3, 0.35]),
    ((-4, 7), [-5, 0, 5, 10]),
])
def test_the_axis_ticks_are_round_and_cover_the_values(numbers, expected):
    assert _ticks(numbers) == pytest.approx(expected)
