"""A goal's run chart and status said in words, in the reader's language: beside the chart on the wall and the
leaders' page, and under it in the PDF report (so a signal is never told by colour alone).
"""

from __future__ import annotations

from datetime import date

from .domain import MIN_POINTS, RunChart, SignalKind, StatusReading
from .i18n import Translator

__all__ = ['goal_status_text', 'short_date', 'signal_texts']


def signal_texts(chart: RunChart, t: Translator) -> list[str]:
    """One line per signal, or one line saying why there is none (no values, too few points, ordinary variation)."""
    if not chart.points:
        return [t('run_chart.no_values')]
    if not chart.enough:
        return [t('run_chart.too_few', minimum=MIN_POINTS)]
    if not chart.signals:
        return [t('run_chart.no_signal')]
    texts = []
    for signal in chart.signals:
        if signal.kind == SignalKind.SHIFT:
            key = 'run_chart.shift_above' if signal.rising else 'run_chart.shift_below'
        else:
            key = 'run_chart.trend_up' if signal.rising else 'run_chart.trend_down'
        texts.append(t(key, count=chart.counted(signal), start=t.date(chart.points[signal.first].on),
                       end=t.date(chart.points[signal.last].on)))
    return texts


def goal_status_text(reading: StatusReading, t: Translator) -> str:
    """Why the goal has its status, with the reading's numbers and dates as the language writes them."""
    params = {name: _word(t, value) for name, value in reading.params.items()}
    return t(reading.key, **params)


def short_date(t: Translator, day: date) -> str:
    """A date on a chart's axis: 23.11.26 in Norwegian, 2026-11-23 in English."""
    return day.strftime('%d.%m.%y') if t.language != 'en' else day.isoformat()


def _word(t: Translator, value: object) -> object:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return t.number(float(value), 2)
    if isinstance(value, date):
        return t.date(value)
    return value
