"""Goals measured at the board, through NiceGUI's simulated user: a tap on a goal opens it full screen, this
week's value goes in on the number pad, values are deleted and restored, the status is set by hand with a reason,
goals are added at the wall and retired by a leader; in the meeting's first step a value takes three taps."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from board.domain import GoalStatus, Origin

from ..conftest import Hub
from ..factories import UNIT
from ..helpers import eventually, open_board
from .test_leaders import logged_in


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


async def test_a_value_typed_on_the_pad_is_this_weeks_value_of_the_goal(hub: Hub):
    store = hub.store
    user = await open_board(hub)
    user.find(marker='goal-chip-ventetid').click()
    await user.should_see('Legg inn verdi')
    for key in ('2', 'comma', '5'):
        user.find(marker=f'value-pad-key-{key}').click()
    user.find(marker='value-pad-save').click()
    this_week = monday(store.local_now().date())
    await eventually(lambda: [(v.on, v.value) for v in store.goal_values(UNIT, 'ventetid')] == [(this_week, 2.5)])
    await user.should_see('Nå 2,5 · mål 2 dager')  # the chip on the board shows it


async def test_bad_values_get_a_message_and_nothing_is_stored(hub: Hub):
    store = hub.store
    user = await open_board(hub)
    user.find(marker='goal-chip-ventetid').click()
    await user.should_see('Legg inn verdi')
    user.find(marker='value-pad-erase').click()  # the baseline shown goes at the first tap
    user.find(marker='value-pad-save').click()
    await user.should_see('Skriv et tall, for eksempel 3,5.')
    user.find(marker='value-date').type('01.01.2099')
    for key in ('3',):
        user.find(marker=f'value-pad-key-{key}').click()
    user.find(marker='value-pad-save').click()
    await user.should_see('Datoen kan ikke være fram i tid.')
    assert store.goal_values(UNIT, 'ventetid') == []


async def test_in_the_meeting_this_weeks_value_takes_three_taps(hub: Hub):
    store = hub.store
    last_week = monday(store.local_now().date()) - timedelta(weeks=1)
    await hub.do.record_goal_values(UNIT, [('ventetid', last_week, 3.0)])
    user = await open_board(hub)
    user.find(marker='start-meeting').click()
    await user.should_see('Sist: 3 dager')
    user.find(marker='enter-value-ventetid').click()      # 1
    user.find(marker='meeting-pad-minus').click()         # 2: one step (0,1 here) down from last week's 3
    user.find(marker='meeting-pad-save').click()          # 3
    this_week = monday(store.local_now().date())
    await eventually(lambda: [v.value for v in store.goal_values(UNIT, 'ventetid')] == [3.0, 2.9])
    assert store.goal_values(UNIT, 'ventetid')[-1].on == this_week
    await user.should_see('Denne uka: 2,9 dager')


async def test_a_deleted_value_can_be_restored(hub: Hub):
    store = hub.store
    day = monday(store.local_now().date())
    await hub.do.record_goal_values(UNIT, [('ventetid', day, 2.8)])
    user = await open_board(hub)
    user.find(marker='goal-chip-ventetid').click()
    user.find(marker=f'delete-value-{day.isoformat()}').click()
    await eventually(lambda: store.goal_values(UNIT, 'ventetid') == [])
    await user.should_see(marker=f'restore-value-{day.isoformat()}')  # the sheet hears of the change a moment later
    user.find(marker=f'restore-value-{day.isoformat()}').click()
    await eventually(lambda: [v.value for v in store.goal_values(UNIT, 'ventetid')] == [2.8])


async def test_the_status_is_set_by_hand_only_with_a_reason(hub: Hub):
    store = hub.store
    user = await open_board(hub)
    user.find(marker='goal-chip-ventetid').click()
    user.find(marker='goal-sheet-override').click()
    user.find(marker='override-status').elements.pop().value = 'off_track'
    user.find(marker='override-save').click()
    await user.should_see('Skriv hvorfor dere setter status selv.')
    assert store.goal(UNIT, 'ventetid').status_reason == ''  # type: ignore[union-attr]
    user.find(marker='override-reason').type('To av tre sykepleiere er syke')
    user.find(marker='override-save').click()
    await eventually(lambda: store.goal(UNIT, 'ventetid').status_reason == 'To av tre sykepleiere er syke')  # type: ignore[union-attr]
    goal = store.goal(UNIT, 'ventetid')
    assert goal is not None and goal.status == GoalStatus.OFF_TRACK and goal.changed_origin == Origin.BOARD


async def test_a_goal_is_added_at_the_wall_and_retired_by_a_leader(hub: Hub):
    store = hub.store
    user = await open_board(hub)
    user.find(marker='menu-new-goal').click()
    user.find(marker='goal-name').type('Færre fall')
    user.find(marker='goal-target-unit').type('fall/mnd')
    user.find(marker='goal-better').elements.pop().value = 'down'
    user.find(marker='goal-current').elements.pop().value = 5
    user.find(marker='goal-target').elements.pop().value = 2
    user.find(marker='goal-lowest').elements.pop().value = 0
    user.find(marker='goal-save').click()
    await eventually(lambda: any(g.name == 'Færre fall' for g in store.goals(UNIT)))
    goal = next(g for g in store.goals(UNIT) if g.name == 'Færre fall')
    assert goal.changed_origin == Origin.BOARD and goal.measure is not None and goal.measure.lowest == 0
    await user.should_see('Mål 2 fall/mnd')  # its chip on the board
    # a wall cannot retire a goal; a leader can, and it leaves the board with its values kept
    await hub.do.record_goal_values(UNIT, [(goal.id, monday(store.local_now().date()), 4)])
    await hub.do.retire_goal(UNIT, goal.id, True, origin=Origin.LEADER, by='Kari Leder')
    await user.should_not_see(marker=f'goal-chip-{goal.id}')
    assert store.goal_values(UNIT, goal.id)[0].value == 4
    assert goal.id not in [g.id for g in store.goals(UNIT)]
    assert goal.id in [g.id for g in store.goals(UNIT, retired=True)]


async def test_a_value_outside_the_measures_range_is_refused(hub: Hub):
    store = hub.store
    goal = store.goal(UNIT, 'ventetid')
    assert goal is not None and goal.measure is not None
    await hub.do.edit_goal(dataclasses.replace(goal, measure=dataclasses.replace(goal.measure, lowest=0, highest=60)))
    user = await open_board(hub)
    user.find(marker='goal-chip-ventetid').click()
    for key in ('9', '9'):
        user.find(marker=f'value-pad-key-{key}').click()
    user.find(marker='value-pad-save').click()
    await user.should_see('Verdien må være mellom 0 og 60 dager.')
    assert store.goal_values(UNIT, 'ventetid') == []



async def test_the_leaders_unit_page_shows_each_goals_run_chart_kept_up_to_date(hub: Hub):
    store = hub.store
    week = monday(store.local_now().date())
    await hub.do.record_goal_values(UNIT, [('ventetid', week - timedelta(weeks=1), 3.0)])
    leader = await logged_in(hub, 'kari', f'unit:{UNIT}')
    await leader.open(f'/leder/enheter/{UNIT}')
    await leader.should_see('Mål og målinger')
    chart = leader.find(marker='run-chart-ventetid').elements.pop()

    def plotted() -> list[float]:  # the values' line: a number, or a signal point with its value
        line = chart.options['series'][0]
        return [point['value'] if isinstance(point, dict) else point for point in line['data']]
    assert 3.0 in plotted()
    # a value entered at the wall reaches the leader's chart without a reload
    wall = await open_board(hub)
    wall.find(marker='goal-chip-ventetid').click()
    for key in ('2', 'comma', '7'):
        wall.find(marker=f'value-pad-key-{key}').click()
    wall.find(marker='value-pad-save').click()
    await eventually(lambda: 2.7 in plotted())
