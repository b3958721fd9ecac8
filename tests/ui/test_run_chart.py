"""A goal's run chart as ECharts options: what it draws, that signals are marked and said in words, and that no
stored text ever becomes code or markup. Plain unit tests: the options are data."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from board.domain import Direction, Goal, GoalValue, Measure, goal_status, run_chart
from board.i18n import translator
from board.ui.run_chart import SIGNAL_COLOUR, goal_status_text, run_chart_options, signal_texts
from board.ui.theme import NORWEGIAN_NUMBER

from .test_colours import hue_family

nb = translator('nb')
START = date(2026, 1, 5)
HOSTILE = '<img src=x onerror=alert(1)> {a} {b|c} ${x} `y`'
#: 6 points above the median, then 6 below (median 5): two shifts
SHIFTED = (7, 9, 8, 9, 7, 8, 2, 3, 1, 3, 2, 1)


def values(*numbers: float) -> list[GoalValue]:
    return [GoalValue(goal_id='g', unit_id='u', on=START + timedelta(weeks=i), value=v) for i, v in enumerate(numbers)]


def goal(name: str = 'Ventetid', unit: str = 'dager', baseline: float | None = 8.5) -> Goal:
    return Goal(id='g', unit_id='u', name=name, colour='#0072B2',
                measure=Measure(unit=unit, better=Direction.DOWN, target=2.5, baseline=baseline))


def walk(node: Any, path: str = '') -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f'{path}.{key}')
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f'{path}[{index}]')
    else:
        yield path, node


def test_values_median_target_and_baseline_are_drawn_with_dates_as_norwegians_write_them():
    chart = run_chart(values(*SHIFTED))
    options = run_chart_options(goal(), chart, nb, wall=False)
    assert options['animation'] is False
    assert options['xAxis']['data'][:2] == ['05.01.26', '12.01.26']
    assert options['yAxis']['axisLabel'][':formatter'] == NORWEGIAN_NUMBER
    assert options['yAxis']['name'] == 'dager'
    by_name = {s['name']: s for s in options['series']}
    assert list(by_name) == ['Målinger', 'Signal', 'Median', 'Mål', 'Utgangspunkt']
    assert options['legend']['data'] == list(by_name)
    assert by_name['Median']['data'] == [5] * 12 and by_name['Median']['lineStyle']['type'] == 'dashed'
    assert by_name['Median']['endLabel']['formatter'] == 'Median 5'
    assert by_name['Mål']['endLabel']['formatter'] == 'Mål 2,5'
    assert by_name['Utgangspunkt']['endLabel']['formatter'] == 'Utgangspunkt 8,5'
    assert [v if isinstance(v, int | float) else v['value'] for v in by_name['Målinger']['data']] == list(SHIFTED)


def test_signal_points_are_larger_diamonds_in_the_signal_colour_and_said_in_words():
    # sorted 1 1 1 2 2 5 [5] 6 6 6 7 7 8, median 5: the last seven points hold a shift of six above (the 5 at
    # index 8 lies on the median, inside its span)
    chart = run_chart(values(1, 2, 1, 2, 1, 5, 6, 7, 5, 6, 7, 6, 8))
    data = run_chart_options(goal(), chart, nb, wall=False)['series'][0]['data']
    assert data[:6] == [1, 2, 1, 2, 1, 5]
    assert data[8] == 5  # on the median: the rule skips it, so it is not marked
    marked = data[6:8] + data[9:]
    assert len(marked) == 6
    assert all(p['symbol'] == 'diamond' and p['itemStyle']['color'] == SIGNAL_COLOUR for p in marked)
    assert data[6]['symbolSize'] > run_chart_options(goal(), chart, nb, wall=False)['series'][0]['symbolSize']
    assert signal_texts(chart, nb) == [
        'Skift: 6 punkter over medianen (16.02.2026–30.03.2026) – trolig en reell endring']


def test_trends_and_the_charts_without_signals_are_said_in_words():
    assert signal_texts(run_chart(values(5, 3, 4, 4, 5, 6, 7, 2, 9, 1)), nb) == [
        'Trend: 5 punkter på rad som stiger (12.01.2026–16.02.2026)']
    assert signal_texts(run_chart(values(5, 6, 5, 6, 9, 8, 7, 6, 5, 6)), nb) == [
        'Trend: 5 punkter på rad som synker (02.02.2026–02.03.2026)']
    assert signal_texts(run_chart(values(1, 2, 3, 4, 5, 6, 7, 8, 9)), nb) == [
        'For få punkter til å lese signaler (minst 10)']
    assert signal_texts(run_chart(values(5, 3, 4, 5, 6, 2, 9, 1, 8, 2)), nb) == [
        'Ingen skift eller trend: endringene ligner vanlig variasjon.']
    assert signal_texts(run_chart([]), nb) == ['Ingen målinger ennå.']
    assert signal_texts(run_chart(values(*SHIFTED)), translator('en'))[0].startswith('Shift: 6 points above')


def test_the_signal_colour_is_not_a_status_colour():
    assert hue_family(SIGNAL_COLOUR) not in ('red', 'amber', 'green')


def test_a_chart_without_values_or_measure_still_opens():
    bare = Goal(id='g', unit_id='u', name='Mål', colour='#0072B2')
    options = run_chart_options(bare, run_chart([]), nb, wall=True)
    assert [s['name'] for s in options['series']] == ['Målinger'] and options['xAxis']['data'] == []
    assert options['yAxis']['name'] == ''


def test_the_wall_chart_has_no_text_under_22_px():
    options = run_chart_options(goal(), run_chart(values(*SHIFTED)), nb, wall=True)
    sizes = [value for path, value in walk(options) if path.endswith('.fontSize')]
    assert len(sizes) >= 6 and min(sizes) >= 22
    assert min(value for path, value in walk(run_chart_options(goal(), run_chart(values(*SHIFTED)), nb, wall=False))
               if path.endswith('.fontSize')) >= 12


def test_stored_text_is_data_never_code_or_markup():
    hostile = goal(name=HOSTILE, unit=HOSTILE)
    options = run_chart_options(hostile, run_chart(values(*SHIFTED)), nb, wall=False)
    code = {path: value for path, value in walk(options) if path.rsplit('.', 1)[-1].startswith(':')}
    assert set(code.values()) == {NORWEGIAN_NUMBER}  # the only code is the constant number formatter
    formatters = [value for path, value in walk(options) if path.endswith('.formatter')]
    assert formatters and all('{' not in f and '<' not in f for f in formatters)
    assert options['tooltip']['renderMode'] == 'richText'  # drawn on the canvas, not HTML
    # the unit appears once, as the axis name (plain text on the canvas); the goal's name not at all
    assert [path for path, value in walk(options) if value == HOSTILE] == ['.yAxis.name']
    assert 'onerror' not in json.dumps({k: v for k, v in options.items() if k != 'yAxis'})


def test_the_status_is_said_with_norwegian_numbers():
    reading = goal_status(goal(), values(8.5, 6.5, 4.0, 3.5, 3.0), date(2026, 3, 1))
    # last three 4.0 3.5 3.0 (median 3.5) against the two before (8.5 6.5, median 7.5)
    assert goal_status_text(reading, nb) == 'Siste målinger (3,5) er bedre enn før (7,5).'
    late = Goal(id='g', unit_id='u', name='Ventetid', colour='#0072B2',
                measure=Measure(unit='dager', better=Direction.DOWN, target=2.5, target_on=date(2026, 2, 1)))
    assert goal_status_text(goal_status(late, values(4, 3, 3), date(2026, 3, 1)), nb) == \
        'Fristen 01.02.2026 er passert uten at målet 2,5 er nådd.'


def test_five_years_of_weekly_values_make_their_options_fast():
    weekly = values(*(50 + (i % 7) - (i // 52) for i in range(260)))
    begun = time.perf_counter()
    for _ in range(10):
        options = run_chart_options(goal(), run_chart(weekly), nb, wall=True)
    assert (time.perf_counter() - begun) / 10 < 0.05
    assert len(options['series'][0]['data']) == 260
    assert len(json.dumps(options)) < 60_000  # what the screen is sent
