"""A goal's run chart as ECharts options for ``ui.echart`` (ECharts is served by NiceGUI from its package, no CDN).

The values as a line with points, the median dashed, the target and the baseline as lines labelled in words, and
the points of a shift or a trend larger, as diamonds, in the signal colour; the signals are also said in words
beside the chart (``signal_texts``). Stored text (the goal's unit) goes in only as plain data, never into a
formatter or HTML: the only code in the options is the constant number formatter, and the tooltip is drawn on the
canvas, not as HTML. Nothing is animated, so a chart of five years of weekly values opens at once.
"""

from __future__ import annotations

from typing import Any

from ..domain import Goal, RunChart
from ..goal_words import goal_status_text, short_date, signal_texts
from ..i18n import Translator
from .theme import NORWEGIAN_NUMBER

__all__ = [
    'BASELINE_COLOUR',
    'LINE_COLOUR',
    'MEDIAN_COLOUR',
    'SIGNAL_COLOUR',
    'TARGET_COLOUR',
    'goal_status_text',
    'run_chart_options',
    'signal_texts',
]

#: the values: dark grey, so that neither a goal's colour nor a status colour is read into the line
LINE_COLOUR = '#374151'
#: the points of a signal: Okabe-Ito blue, told from the grey line by colour-blind eyes too (and drawn larger, as
#: diamonds, so it is never colour alone); not red, amber or green, which mean a goal's status only
SIGNAL_COLOUR = '#0072B2'
MEDIAN_COLOUR = '#6B7280'
TARGET_COLOUR = '#111827'
BASELINE_COLOUR = '#6B7280'


def run_chart_options(goal: Goal, chart: RunChart, t: Translator, *, wall: bool) -> dict[str, Any]:
    """The options of one goal's run chart; ``wall``: type read from 3 m (nothing under 22 px)."""
    text = 24 if wall else 14
    small = 22 if wall else 12
    point = 12 if wall else 7
    n = len(chart.points)
    measure = goal.measure
    series: list[dict[str, Any]] = [{
        'name': t('run_chart.values'),
        'type': 'line',
        'color': LINE_COLOUR,
        'lineStyle': {'width': 3 if wall else 2},
        'symbol': 'circle',
        'symbolSize': point,
        # ECharts leaves out points where they crowd; a signal's points must always show
        'showAllSymbol': True,
        'z': 3,
        'data': [_point(p.value, chart.in_signal(i), point) for i, p in enumerate(chart.points)],
    }]
    if chart.signals:
        # no data of its own: it puts the signal's diamond and colour in the legend, with the word beside them
        series.append({'name': t('run_chart.signal'), 'type': 'scatter', 'data': [], 'symbol': 'diamond',
                       'symbolSize': point * 2, 'color': SIGNAL_COLOUR})
    if chart.median is not None:
        series.append(_level(t('run_chart.median'), t('run_chart.median_label', value=t.number(chart.median, 2)),
                             chart.median, n, colour=MEDIAN_COLOUR, line='dashed', font=small))
    if measure is not None and n:
        series.append(_level(t('run_chart.target'), t('run_chart.target_label', value=t.number(measure.target, 2)),
                             measure.target, n, colour=TARGET_COLOUR, line='solid', font=small))
        if measure.baseline is not None:
            series.append(_level(t('run_chart.baseline'),
                                 t('run_chart.baseline_label', value=t.number(measure.baseline, 2)),
                                 measure.baseline, n, colour=BASELINE_COLOUR, line='dotted', font=small))
    return {
        'animation': False,
        'textStyle': {'fontSize': text},
        'legend': {'top': 0, 'data': [s['name'] for s in series], 'textStyle': {'fontSize': text},
                   'itemWidth': 40 if wall else 25, 'itemHeight': 16 if wall else 10},
        'grid': {'top': 80 if wall else 64, 'left': 16, 'right': 280 if wall else 140, 'bottom': 16,
                 'containLabel': True},
        # drawn on the canvas: no HTML to put any text into
        'tooltip': {'trigger': 'axis', 'renderMode': 'richText', 'textStyle': {'fontSize': text},
                    ':valueFormatter': NORWEGIAN_NUMBER},
        'xAxis': {'type': 'category', 'boundaryGap': True, 'data': [short_date(t, p.on) for p in chart.points],
                  'axisLabel': {'fontSize': small, 'hideOverlap': True}},
        'yAxis': {'type': 'value', 'scale': True, 'name': measure.unit if measure else '',
                  'nameTextStyle': {'fontSize': small, 'align': 'left'},
                  'axisLabel': {'fontSize': small, ':formatter': NORWEGIAN_NUMBER}},
        'series': series,
    }


def _point(value: float, in_signal: bool, size: int) -> float | dict[str, Any]:
    if not in_signal:
        return value
    return {'value': value, 'symbol': 'diamond', 'symbolSize': size * 2,
            'itemStyle': {'color': SIGNAL_COLOUR, 'borderColor': '#ffffff', 'borderWidth': 1}}


def _level(name: str, label: str, value: float, count: int, *, colour: str, line: str, font: int) -> dict[str, Any]:
    """A level line (median, target, baseline) over the whole chart, named at its right end in words."""
    return {
        'name': name,
        'type': 'line',
        'color': colour,
        'symbol': 'none',
        'lineStyle': {'type': line, 'width': 2},
        'data': [value] * count,
        # a plain text built from the catalogue and a number: it has no placeholders for ECharts to fill
        'endLabel': {'show': True, 'formatter': label, 'fontSize': font, 'color': colour},
        'labelLayout': {'moveOverlap': 'shiftY'},
        'emphasis': {'disabled': True},
    }
