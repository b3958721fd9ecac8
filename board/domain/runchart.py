"""Reading a goal's values: the run chart with its signals, and the goal's status by rule.

**Run chart** (the IHI's run-chart rules; Perla, Provost & Murray 2011, and *The Health Care Data Guide*): the live
values in date order and the median of all of them. With at least ``MIN_POINTS`` (10) points two signals of a real
change are read; with fewer the chart shows the values and says there are too few to read signals.

- A **shift** is ``SHIFT_LENGTH`` (6) or more consecutive points all above or all below the median. A point exactly
  on the median is skipped: it neither adds to a shift nor breaks it.
- A **trend** is ``TREND_LENGTH`` (5) or more consecutive points all going up or all going down. A point equal to
  the one before it is skipped: it neither adds to a trend nor breaks it.

Each maximal run is reported once, from its first counted point to its last; the points skipped inside that span
are not marked as part of it. Two trends may share the point where one turns into the other.

**Status by rule** (``goal_status``), in this order:

1. a reason given for the status set by hand: that status (the team's judgement overrides the rule);
2. no measure or no values yet: the status set by hand;
3. otherwise *recent* is the median of the last (up to) 3 values, which one odd week does not move:
   - recent has reached the target: **on track**;
   - the target date has passed without reaching it: **off track**;
   - recent is worse than the baseline: **off track**;
   - with a baseline, its date and a target date the plan is the straight line from the baseline to the target:
     recent at or better than the plan for today is **on track**, behind it **at risk**;
   - without such a plan: recent better than the median of the (up to) 3 values before it (better than the baseline
     while there are fewer than 4 values) is **on track**, otherwise **at risk**.

Each reading carries a message key under ``goal_rule`` saying why, in words, with its numbers as parameters.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from .model import Goal, GoalStatus, GoalValue, Measure

__all__ = [
    'MIN_POINTS',
    'SHIFT_LENGTH',
    'TREND_LENGTH',
    'RunChart',
    'Signal',
    'SignalKind',
    'StatusReading',
    'goal_status',
    'run_chart',
]

#: the fewest points the signals are read on
MIN_POINTS = 10
#: the fewest points on one side of the median that make a shift
SHIFT_LENGTH = 6
#: the fewest points going one way that make a trend
TREND_LENGTH = 5
#: how many of the latest values make "recent" in the status rule
RECENT = 3


class SignalKind(StrEnum):
    SHIFT = 'shift'
    TREND = 'trend'


@dataclass(frozen=True, slots=True)
class Signal:
    """A shift or a trend over ``points[first:last + 1]``. Shift: ``rising`` means above the median; trend: going
    up (whatever the better direction of the measure is)."""
    kind: SignalKind
    first: int
    last: int
    rising: bool


@dataclass(frozen=True, slots=True)
class RunChart:
    #: the live (not deleted) values, by date
    points: tuple[GoalValue, ...]
    #: the median of all points; None without points
    median: float | None
    #: empty when there are fewer than ``MIN_POINTS`` points: the rules are not read then
    signals: tuple[Signal, ...]

    @property
    def enough(self) -> bool:
        """Enough points to read signals."""
        return len(self.points) >= MIN_POINTS

    def in_signal(self, index: int) -> bool:
        """Whether ``points[index]`` is one of the points that make a signal. A point the rule skipped inside a
        signal's span (on the median in a shift, equal to the point before in a trend) is not: the chart then marks
        as many points as the words say."""
        return any(s.first <= index <= s.last and self._counts(s, index) for s in self.signals)

    def counted(self, signal: Signal) -> int:
        """How many points make the signal: those in its span, less the skipped ones."""
        return sum(1 for i in range(signal.first, signal.last + 1) if self._counts(signal, i))

    def _counts(self, signal: Signal, index: int) -> bool:
        if signal.kind == SignalKind.SHIFT:
            return self.points[index].value != self.median
        return index == signal.first or self.points[index].value != self.points[index - 1].value


def run_chart(values: Iterable[GoalValue]) -> RunChart:
    points = tuple(sorted((v for v in values if not v.deleted), key=lambda v: v.on))
    if not points:
        return RunChart(points=(), median=None, signals=())
    numbers = [p.value for p in points]
    median = statistics.median(numbers)
    if len(points) < MIN_POINTS:
        return RunChart(points=points, median=median, signals=())
    signals = sorted([*_shifts(numbers, median), *_trends(numbers)], key=lambda s: (s.first, s.kind.value))
    return RunChart(points=points, median=median, signals=tuple(signals))


def _shifts(numbers: Sequence[float], median: float) -> list[Signal]:
    """Runs of counted points on one side of the median (points on it are skipped)."""
    found = []
    counted = [(i, v > median) for i, v in enumerate(numbers) if v != median]
    start = 0
    for end in range(1, len(counted) + 1):
        if end == len(counted) or counted[end][1] != counted[start][1]:
            if end - start >= SHIFT_LENGTH:
                found.append(Signal(SignalKind.SHIFT, counted[start][0], counted[end - 1][0], counted[start][1]))
            start = end
    return found


def _trends(numbers: Sequence[float]) -> list[Signal]:
    """Runs of counted points going one way (a point equal to the one before is skipped)."""
    kept = [i for i, v in enumerate(numbers) if i == 0 or v != numbers[i - 1]]
    # steps[k]: whether kept point k + 1 is above kept point k
    steps = [numbers[kept[k + 1]] > numbers[kept[k]] for k in range(len(kept) - 1)]
    found = []
    start = 0
    for end in range(1, len(steps) + 1):
        if end == len(steps) or steps[end] != steps[start]:
            # steps start..end-1 go one way: kept points start..end, i.e. end - start + 1 points
            if end - start + 1 >= TREND_LENGTH:
                found.append(Signal(SignalKind.TREND, kept[start], kept[end], steps[start]))
            start = end
    return found


@dataclass(frozen=True, slots=True)
class StatusReading:
    """A goal's status and why: ``by_rule`` False when it is the status set by hand. ``key`` is a message under
    ``goal_rule`` and ``params`` its values (numbers as floats and dates as dates, for the reader's language)."""
    status: GoalStatus
    by_rule: bool
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


def goal_status(goal: Goal, values: Sequence[GoalValue], today: date) -> StatusReading:
    """The goal's status by the rule in this module's docstring."""
    if goal.status_reason.strip():
        return StatusReading(goal.status, False, 'goal_rule.override', {'reason': goal.status_reason.strip()})
    measure = goal.measure
    live = sorted((v for v in values if not v.deleted), key=lambda v: v.on)
    if measure is None or not live:
        return StatusReading(goal.status, False, 'goal_rule.not_measured', {})
    numbers = [v.value for v in live]
    recent = statistics.median(numbers[-RECENT:])
    base = {'recent': recent, 'target': measure.target}
    if measure.reached(recent):
        return StatusReading(GoalStatus.ON_TRACK, True, 'goal_rule.reached', base)
    if measure.target_on is not None and today > measure.target_on:
        return StatusReading(GoalStatus.OFF_TRACK, True, 'goal_rule.deadline_passed',
                             base | {'deadline': measure.target_on})
    if measure.baseline is not None and measure.better_than(measure.baseline, recent):
        return StatusReading(GoalStatus.OFF_TRACK, True, 'goal_rule.worse_than_baseline',
                             base | {'baseline': measure.baseline})
    planned = _planned(measure, today)
    if planned is not None:
        if _at_or_better(measure, recent, planned):
            return StatusReading(GoalStatus.ON_TRACK, True, 'goal_rule.on_plan', base | {'planned': planned})
        return StatusReading(GoalStatus.AT_RISK, True, 'goal_rule.behind_plan', base | {'planned': planned})
    earlier = statistics.median(numbers[-2 * RECENT:-RECENT]) if len(numbers) > RECENT else measure.baseline
    if earlier is None:
        return StatusReading(GoalStatus.AT_RISK, True, 'goal_rule.too_few', base | {'count': len(numbers)})
    if measure.better_than(recent, earlier):
        return StatusReading(GoalStatus.ON_TRACK, True, 'goal_rule.improving', base | {'earlier': earlier})
    return StatusReading(GoalStatus.AT_RISK, True, 'goal_rule.not_improving', base | {'earlier': earlier})


def _planned(measure: Measure, today: date) -> float | None:
    """Where the straight line from the baseline to the target stands today, if the measure has such a plan."""
    if measure.baseline is None or measure.baseline_on is None or measure.target_on is None:
        return None
    span = (measure.target_on - measure.baseline_on).days
    if span <= 0:
        return None
    share = min(max((today - measure.baseline_on).days / span, 0.0), 1.0)
    return measure.baseline + (measure.target - measure.baseline) * share


def _at_or_better(measure: Measure, value: float, planned: float) -> bool:
    # the plan is computed; a value typed as exactly the plan's number counts as on it
    return math.isclose(value, planned, rel_tol=1e-9, abs_tol=1e-9) or measure.better_than(value, planned)
