"""The run-chart rules and the goal status rule, against series worked out by hand.

Each series is written out with its sorted values and median, so a reader can check the expected signals with
a pencil: a shift is 6 or more points on one side of the median (points on it skipped), a trend 5 or more points
going one way (a point equal to the one before skipped), and nothing is read below 10 points.
"""

import itertools
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from board.domain import (
    MIN_POINTS,
    Direction,
    Goal,
    GoalStatus,
    GoalValue,
    Measure,
    Signal,
    SignalKind,
    goal_status,
    run_chart,
)

START = date(2026, 1, 5)  # a Monday: weekly values
SHIFT, TREND = SignalKind.SHIFT, SignalKind.TREND


def series(*numbers: float, start: date = START) -> list[GoalValue]:
    return [GoalValue(goal_id='g', unit_id='u', on=start + timedelta(weeks=i), value=v)
            for i, v in enumerate(numbers)]


def signals(*numbers: float) -> list[tuple[SignalKind, int, int, bool]]:
    return [(s.kind, s.first, s.last, s.rising) for s in run_chart(series(*numbers)).signals]


# --- the run chart --------------------------------------------------------------------------------------------------

def test_six_above_then_six_below_are_two_shifts():
    # sorted 1 1 2 2 3 3 | 7 7 8 8 9 9: median (3 + 7) / 2 = 5
    chart = run_chart(series(7, 9, 8, 9, 7, 8, 2, 3, 1, 3, 2, 1))
    assert chart.median == 5
    assert [(s.kind, s.first, s.last, s.rising) for s in chart.signals] == [(SHIFT, 0, 5, True), (SHIFT, 6, 11, False)]
    assert [chart.counted(s) for s in chart.signals] == [6, 6]
    assert all(chart.in_signal(i) for i in range(12))


def test_five_on_one_side_is_not_a_shift():
    # sorted 2 2 2 3 3 | 7 7 7 8 8: median 5; five above, then five below
    assert run_chart(series(7, 8, 7, 8, 7, 2, 3, 2, 3, 2)).median == 5
    assert signals(7, 8, 7, 8, 7, 2, 3, 2, 3, 2) == []


def test_points_on_the_median_neither_add_to_nor_break_a_shift():
    # 13 points, sorted 1 1 1 2 2 5 [5] 6 6 6 7 7 8: median 5, the points at 5 and 8 lie on it
    values = (1, 2, 1, 2, 1, 5, 6, 7, 5, 6, 7, 6, 8)
    chart = run_chart(series(*values))
    assert chart.median == 5
    # above: 6 7 _ 6 7 6 8 -> six counted points, the 5 at index 8 skipped inside the run; it starts after index 5
    assert signals(*values) == [(SHIFT, 6, 12, True)]
    assert chart.counted(chart.signals[0]) == 6
    assert chart.in_signal(7) and chart.in_signal(9) and not chart.in_signal(5)
    assert not chart.in_signal(8)  # on the median: skipped, so not marked
    assert sum(map(chart.in_signal, range(13))) == 6
    # below: 1 2 1 2 1 are only five
    assert not chart.in_signal(0)


def test_a_shift_with_a_point_on_the_median_counts_only_the_others():
    # 11 points, sorted 1 1 2 2 5 [5] 6 6 6 7 7: median 5; above are 7 6 _ 6 7 6: five, so no shift
    assert run_chart(series(2, 1, 2, 1, 5, 7, 6, 5, 6, 7, 6)).median == 5
    assert signals(2, 1, 2, 1, 5, 7, 6, 5, 6, 7, 6) == []


def test_a_long_shift_is_reported_once_over_all_its_points():
    values = (1, 2, 1, 2, 3, 2, 1, 2, 8, 9, 9, 8, 9, 9, 9, 9, 1, 3)
    # sorted 1 1 1 1 2 2 2 2 3 | 3 8 8 9 9 9 9 9 9: median (3 + 3) / 2 = 3, the two 3s lie on it
    chart = run_chart(series(*values))
    assert chart.median == 3
    # below: 1 2 1 2 _ 2 1 2 -> seven counted (the 3 at index 4 skipped); above: indices 8-15, eight
    assert signals(*values) == [(SHIFT, 0, 7, False), (SHIFT, 8, 15, True)]
    assert [chart.counted(s) for s in chart.signals] == [7, 8]


def test_five_rising_is_a_trend_and_an_equal_neighbour_is_skipped():
    # 5 3 4 4 5 6 7 2 9 1: the second 4 is skipped, so 3 4 _ 5 6 7 rise: five counted points
    values = (5, 3, 4, 4, 5, 6, 7, 2, 9, 1)
    chart = run_chart(series(*values))
    assert chart.median == 4.5  # sorted 1 2 3 4 4 | 5 5 6 7 9
    assert signals(*values) == [(TREND, 1, 6, True)]
    assert chart.counted(chart.signals[0]) == 5
    assert [i for i in range(10) if chart.in_signal(i)] == [1, 2, 4, 5, 6]  # the second 4 is skipped


def test_four_rising_is_not_a_trend():
    # 3 4 5 6 rise, then it falls; median 4.5 (sorted 1 2 2 3 4 | 5 5 6 8 9) and no side holds six
    assert signals(5, 3, 4, 5, 6, 2, 9, 1, 8, 2) == []


def test_five_falling_is_a_trend_going_down():
    # 9 8 7 6 5 at indices 4-8; median 6 (sorted 5 5 5 6 6 | 6 6 7 8 9)
    assert signals(5, 6, 5, 6, 9, 8, 7, 6, 5, 6) == [(TREND, 4, 8, False)]


def test_two_trends_share_the_point_where_they_turn():
    # sorted 1 1 2 2 2 | 3 3 4 4 5: median 2.5; above: 3 4 5 4 3 are five, so no shift
    assert signals(1, 2, 3, 4, 5, 4, 3, 2, 1, 2) == [(TREND, 0, 4, True), (TREND, 4, 8, False)]


def test_nine_points_are_too_few_and_ten_are_enough():
    nine = run_chart(series(1, 2, 3, 4, 5, 6, 7, 8, 9))
    assert not nine.enough and nine.signals == () and nine.median == 5
    ten = run_chart(series(1, 2, 3, 4, 5, 6, 7, 8, 9, 10))
    # median 5.5: five below and five above, no shift; all ten rise
    assert ten.enough and ten.median == 5.5
    assert ten.signals == (Signal(TREND, 0, 9, True),)


def test_no_values_no_median():
    chart = run_chart([])
    assert chart.points == () and chart.median is None and chart.signals == () and not chart.enough


def test_deleted_values_are_left_out_and_the_points_go_by_date():
    values = series(3, 1, 2)
    deleted = GoalValue(goal_id='g', unit_id='u', on=START - timedelta(weeks=1), value=100, deleted=True)
    chart = run_chart([values[2], deleted, values[0], values[1]])
    assert [p.value for p in chart.points] == [3, 1, 2]
    assert chart.median == 2


def test_signals_do_not_depend_on_which_way_is_better():
    # the rules read the numbers; which way is better is for the status (a falling trend in falls is good news)
    assert signals(5, 6, 5, 6, 9, 8, 7, 6, 5, 6) == [(TREND, 4, 8, False)]


# --- properties -----------------------------------------------------------------------------------------------------

numbers = st.lists(st.integers(-20, 20), max_size=40)


@given(numbers, st.integers(-1000, 1000))
def test_signals_stay_when_a_constant_is_added(values, constant):
    assert signals(*values) == signals(*(v + constant for v in values))


@given(numbers)
def test_reversing_the_series_swaps_the_trends_and_keeps_the_shifts(values):
    # equal neighbours are skipped from the front, so where a trend starts among them depends on the direction
    # of reading (-1, -1, 0, 1, 2, 3 rises from the first -1; read backwards it falls to the second): without them
    # the rules read the same both ways
    values = [v for i, v in enumerate(values) if i == 0 or v != values[i - 1]]
    last = len(values) - 1
    expected = sorted(((kind, last - end, last - start, rising if kind == SHIFT else not rising)
                       for kind, start, end, rising in signals(*values)), key=lambda s: (s[1], s[0].value))
    assert signals(*reversed(values)) == expected


@given(numbers)
def test_every_signal_keeps_its_rule(values):
    chart = run_chart(series(*values))
    if len(values) < MIN_POINTS:
        assert chart.signals == ()
    for signal in chart.signals:
        span = values[signal.first:signal.last + 1]
        if signal.kind == SHIFT:
            assert chart.counted(signal) >= 6
            assert all((v > chart.median) == signal.rising for v in span if v != chart.median)
        else:
            assert chart.counted(signal) >= 5
            steps = [b - a for a, b in itertools.pairwise(span) if b != a]
            assert all((step > 0) == signal.rising for step in steps)


# --- the status rule ------------------------------------------------------------------------------------------------

TODAY = date(2026, 3, 2)


def goal(**measure: object) -> Goal:
    values = {'unit': 'prosent', 'better': Direction.UP, 'target': 90.0} | measure
    return Goal(id='g', unit_id='u', name='Tid med beboerne', colour='#0072B2', status=GoalStatus.AT_RISK,
                measure=Measure(**values))  # type: ignore[arg-type]


def reading(g: Goal, *values: float, today: date = TODAY) -> tuple[GoalStatus, bool, str, dict[str, object]]:
    r = goal_status(g, series(*values), today)
    return r.status, r.by_rule, r.key, dict(r.params)


def test_a_reason_makes_the_status_set_by_hand_count():
    g = Goal(id='g', unit_id='u', name='Mål', colour='#0072B2', status=GoalStatus.OFF_TRACK,
             status_reason=' Ny turnus fra mars ', measure=Measure(unit='%', better=Direction.UP, target=90))
    assert reading(g, 95, 96, 97) == (GoalStatus.OFF_TRACK, False, 'goal_rule.override',
                                      {'reason': 'Ny turnus fra mars'})


def test_without_a_measure_or_values_the_status_is_set_by_hand():
    bare = Goal(id='g', unit_id='u', name='Mål', colour='#0072B2', status=GoalStatus.AT_RISK)
    assert reading(bare, 1, 2, 3) == (GoalStatus.AT_RISK, False, 'goal_rule.not_measured', {})
    assert reading(goal()) == (GoalStatus.AT_RISK, False, 'goal_rule.not_measured', {})
    gone = GoalValue(goal_id='g', unit_id='u', on=START, value=99, deleted=True)
    assert goal_status(goal(), [gone], TODAY).key == 'goal_rule.not_measured'


def test_recent_is_the_median_of_the_last_three_so_one_low_week_does_not_undo_reaching():
    # last three 92 91 85: median 91 >= 90
    assert reading(goal(), 80, 92, 91, 85) == (GoalStatus.ON_TRACK, True, 'goal_rule.reached',
                                               {'recent': 91, 'target': 90})


def test_reached_when_lower_is_better():
    # waiting days, target 2: last three 2.0 1.8 2.4, median 2.0
    g = goal(unit='dager', better=Direction.DOWN, target=2.0, baseline=3.1)
    assert reading(g, 3.1, 2.0, 1.8, 2.4)[:3] == (GoalStatus.ON_TRACK, True, 'goal_rule.reached')
    assert reading(g, 3.1, 2.0, 2.2, 2.4)[2] != 'goal_rule.reached'


def test_a_passed_target_date_without_reaching_is_off_track():
    g = goal(target_on=date(2026, 3, 1))
    assert reading(g, 70, 80, 85) == (GoalStatus.OFF_TRACK, True, 'goal_rule.deadline_passed',
                                      {'recent': 80, 'target': 90, 'deadline': date(2026, 3, 1)})
    assert reading(g, 70, 80, 85, today=date(2026, 3, 1))[2] != 'goal_rule.deadline_passed'  # the day itself
    assert reading(g, 70, 95, 91)[2] == 'goal_rule.reached'  # reaching counts even after the date


def test_worse_than_the_baseline_is_off_track():
    g = goal(better=Direction.DOWN, target=2.0, baseline=3.1)
    # last three 3.0 3.4 3.5: median 3.4, more waiting days than at the start
    assert reading(g, 3.0, 3.4, 3.5) == (GoalStatus.OFF_TRACK, True, 'goal_rule.worse_than_baseline',
                                         {'recent': 3.4, 'target': 2.0, 'baseline': 3.1})


def test_the_plan_is_the_straight_line_from_the_baseline_to_the_target():
    # 50 on 1 January to 90 a hundred days later: 70 after fifty days
    g = goal(baseline=50.0, baseline_on=date(2026, 1, 1), target_on=date(2026, 4, 11))
    halfway = date(2026, 2, 20)
    assert reading(g, 60, 72, 70, today=halfway) == (GoalStatus.ON_TRACK, True, 'goal_rule.on_plan',
                                                     {'recent': 70, 'target': 90, 'planned': 70})
    assert reading(g, 60, 68, 69, today=halfway) == (GoalStatus.AT_RISK, True, 'goal_rule.behind_plan',
                                                     {'recent': 68, 'target': 90, 'planned': 70})
    # before the baseline's date the plan is the baseline itself
    assert reading(g, 51, 52, 53, today=date(2025, 12, 1))[2:] == (
        'goal_rule.on_plan', {'recent': 52, 'target': 90, 'planned': 50})


def test_a_plan_when_lower_is_better():
    # sick leave 10 % down to 6 % over 100 days: 8 % after fifty
    g = goal(better=Direction.DOWN, target=6.0, baseline=10.0, baseline_on=date(2026, 1, 1),
             target_on=date(2026, 4, 11))
    assert reading(g, 9, 7.5, 8, today=date(2026, 2, 20))[:3] == (GoalStatus.ON_TRACK, True, 'goal_rule.on_plan')
    assert reading(g, 9, 8.5, 8.2, today=date(2026, 2, 20))[:3] == (GoalStatus.AT_RISK, True, 'goal_rule.behind_plan')


def test_without_a_plan_recent_is_compared_with_the_three_before():
    g = goal()
    # before: 50 52 51 (median 51); recent: 55 54 56 (median 55)
    assert reading(g, 50, 52, 51, 55, 54, 56) == (GoalStatus.ON_TRACK, True, 'goal_rule.improving',
                                                  {'recent': 55, 'target': 90, 'earlier': 51})
    assert reading(g, 55, 54, 56, 50, 52, 51) == (GoalStatus.AT_RISK, True, 'goal_rule.not_improving',
                                                  {'recent': 51, 'target': 90, 'earlier': 55})
    # four values: the one before the last three is all there is to compare with
    assert reading(g, 60, 61, 59, 62)[2:] == ('goal_rule.improving', {'recent': 61, 'target': 90, 'earlier': 60})
    assert reading(g, 61, 61, 59, 62)[2] == 'goal_rule.not_improving'  # equal is not better


def test_with_fewer_than_four_values_recent_is_compared_with_the_baseline():
    g = goal(baseline=50.0)
    assert reading(g, 55) == (GoalStatus.ON_TRACK, True, 'goal_rule.improving',
                              {'recent': 55, 'target': 90, 'earlier': 50})
    assert reading(g, 50, 50)[:3] == (GoalStatus.AT_RISK, True, 'goal_rule.not_improving')
    assert reading(goal(), 55, 56) == (GoalStatus.AT_RISK, True, 'goal_rule.too_few',
                                       {'recent': 55.5, 'target': 90, 'count': 2})
