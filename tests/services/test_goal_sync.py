"""Goals and their values between wall screens and the hub (issue 15): values entered on a wall screen, offline
too, reach the hub and every other screen, merged per goal and date without loss; goals made and edited on the
wall travel the same way; and what a wall screen may not do (retire a goal, claim a leader, send a value outside
the measure's range, from the future or for no goal) is refused as strictly as a stranger's input."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import httpx
import orjson
import pytest

from board.domain import CardFields, Direction, Goal, GoalValue, Measure, Origin
from board.store.codec import goal_to_dict, goal_value_to_dict
from board.store.files import FORMAT

from ..conftest import Hub
from ..factories import UNIT
from ..helpers import Network, client, eventually, pair, start_kiosk, stop
from .test_sync_hostile import now_stamp


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


async def test_a_value_and_a_goal_made_on_a_wall_screen_offline_reach_the_hub(hub: Hub, tmp_path):
    network = Network(hub._transport)
    network.down = True
    kiosk, client_, tasks = await start_kiosk(hub, tmp_path / 'kiosk', network)
    try:
        week = monday(kiosk.local_now().date())
        new = Goal(id='fall', unit_id=UNIT, name='Færre fall', colour='#0072B2',
                   measure=Measure(unit='fall/mnd', better=Direction.DOWN, target=2, baseline=5, lowest=0))
        await kiosk.run(kiosk.edit_goal, new)
        await kiosk.run(kiosk.record_goal_values, UNIT, [('fall', week, 4), ('ventetid', week, 2.6)])
        await eventually(lambda: client_.status.waiting == 3)
        network.down = False
        await eventually(lambda: [v.value for v in hub.store.goal_values(UNIT, 'fall')] == [4.0], seconds=5)
        assert [v.value for v in hub.store.goal_values(UNIT, 'ventetid')] == [2.6]
        goal = hub.store.goal(UNIT, 'fall')
        assert goal is not None and goal.name == 'Færre fall' and goal.changed_origin == Origin.BOARD
        await eventually(lambda: client_.status.waiting == 0)
        # and back: a value entered on the hub (a leader's page) reaches the wall screen
        await hub.do.record_goal_values(UNIT, [('fall', week - timedelta(weeks=1), 5)], origin=Origin.LEADER,
                                        by='Kari Leder')
        await eventually(lambda: [v.value for v in kiosk.goal_values(UNIT, 'fall')] == [5.0, 4.0], seconds=5)
        assert kiosk.goal_values(UNIT, 'fall')[0].by == 'Kari Leder'
        await eventually(lambda: client_.status.waiting == 0)  # what came from the hub is not sent back
    finally:
        await stop(client_, tasks)
        kiosk.close()


async def test_the_same_week_entered_on_two_screens_apart_ends_the_same_everywhere(hub: Hub, tmp_path):
    network = Network(hub._transport)
    network.down = True
    kiosk, client_, tasks = await start_kiosk(hub, tmp_path / 'kiosk', network)
    try:
        week = monday(kiosk.local_now().date())
        await hub.do.record_goal_values(UNIT, [('ventetid', week, 2.4), ('ventetid', week - timedelta(weeks=1), 3)])
        await kiosk.run(kiosk.record_goal_values, UNIT, [('ventetid', week, 2.7)])  # later: its stamp wins
        network.down = False

        def same() -> bool:
            ours = [(v.on, v.value) for v in kiosk.goal_values(UNIT, 'ventetid')]
            theirs = [(v.on, v.value) for v in hub.store.goal_values(UNIT, 'ventetid')]
            return ours == theirs and len(ours) == 2
        await eventually(same, seconds=5)
        assert hub.store.goal_values(UNIT, 'ventetid')[-1].value == 2.7
    finally:
        await stop(client_, tasks)
        kiosk.close()


def a_value(**changes: object) -> dict:
    value = GoalValue(goal_id='ventetid', unit_id=UNIT, on=date.today() - timedelta(days=1), value=2.5,
                      stamp=now_stamp())
    return goal_value_to_dict(value) | changes


async def push(hub: Hub, token: str, **records: list) -> object:
    async with client(hub, token) as kiosk:
        return await kiosk.post(f'/api/v1/units/{UNIT}/sync', content=orjson.dumps({'pulled': 0, **records}),
                                headers={'Content-Type': 'application/json'})


async def test_bad_values_in_a_push_are_refused_and_nothing_is_stored(hub: Hub):
    token = await pair(hub)
    tomorrow = (date.today() + timedelta(days=3)).isoformat()
    for bad, reason in [(a_value(value=-5), 'value'), (a_value(on=tomorrow), 'on'),
                        (a_value(goal_id='ingen'), 'goal'), (a_value(value='3,5'), 'value'),
                        (a_value(stamp='1-2-3'), 'stamp'), (a_value(goal_id='trivsel'), 'measure')]:
        response = await push(hub, token, goal_values=[bad])
        assert response.status_code == 422, (bad, reason)
        assert response.json()['detail']['refused'][0]['kind'] == 'value'
    good = await push(hub, token, goal_values=[a_value()])
    assert good.status_code == 200
    assert [v.value for v in hub.store.goal_values(UNIT, 'ventetid')] == [2.5]


async def test_a_wall_screen_cannot_retire_a_goal_or_name_a_leader(hub: Hub):
    token = await pair(hub)
    goal = hub.store.goal(UNIT, 'ventetid')
    assert goal is not None
    forged = dataclasses.replace(goal, retired=True, name='Nytt navn', changed_origin=Origin.LEADER,
                                 changed_by='Direktøren')
    response = await push(hub, token, goals=[{'goal': goal_to_dict(forged), 'stamp': now_stamp()}],
                          goal_values=[a_value(origin='leader', by='Direktøren')])
    assert response.status_code == 200
    kept = hub.store.goal(UNIT, 'ventetid')
    assert kept is not None and kept.name == 'Nytt navn'  # an edit at the wall is fine
    assert not kept.retired and kept.changed_origin == Origin.BOARD and kept.changed_by == ''
    [value] = hub.store.goal_values(UNIT, 'ventetid')
    assert (value.origin, value.by) == (Origin.BOARD, '')


async def test_a_goal_with_a_bad_measure_is_refused(hub: Hub):
    token = await pair(hub)
    goal = hub.store.goal(UNIT, 'ventetid')
    assert goal is not None and goal.measure is not None
    bad = dataclasses.replace(goal, measure=dataclasses.replace(goal.measure, lowest=10, highest=5))
    response = await push(hub, token, goals=[{'goal': goal_to_dict(bad), 'stamp': now_stamp()}])
    assert response.status_code == 422
    assert hub.store.goal(UNIT, 'ventetid') == goal


# --- a hub a release behind: it ignores goals and values in a push --------------------------------------------------

class HubOfFormat3(Network):
    """The hub's app as a hub of the format-3 release takes and answers a sync: it reads a push without its
    ``goals`` and ``goal_values`` (its envelope ignores keys it does not know) and answers in format 3, without goal
    values. ``format = FORMAT``: the hub has been upgraded (the same data, now answered in full)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        super().__init__(inner)
        self.format = 3

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        syncing = request.url.path.endswith(('/sync', '/changes'))
        if self.format >= FORMAT or not syncing:
            return await super().handle_async_request(request)
        if request.method == 'POST':
            body = orjson.loads(await request.aread())
            body.pop('goals', None)
            body.pop('goal_values', None)
            request = httpx.Request(request.method, request.url, content=orjson.dumps(body), headers=[
                (name, value) for name, value in request.headers.items() if name.lower() != 'content-length'])
        response = await super().handle_async_request(request)
        if response.status_code != 200:
            return response
        answer = orjson.loads(await response.aread())
        answer.pop('goal_values', None)
        return httpx.Response(200, json=answer | {'format': self.format})


async def test_values_and_goals_pushed_to_a_hub_a_release_behind_reach_it_once_it_is_upgraded(hub: Hub, tmp_path):
    network = HubOfFormat3(hub._transport)
    kiosk, client_, tasks = await start_kiosk(hub, tmp_path / 'kiosk', network)
    week = monday(kiosk.local_now().date())
    try:
        await kiosk.run(kiosk.edit_goal, Goal(id='fall', unit_id=UNIT, name='Færre fall', colour='#0072B2',
                                              measure=Measure(unit='fall/mnd', better=Direction.DOWN, target=2)))
        await kiosk.run(kiosk.record_goal_values, UNIT, [('ventetid', week, 2.6)])
        # the older hub answers as if it took them: they leave the outbox, and the hub has none of them
        await eventually(lambda: kiosk.goal_outbox(UNIT) == ([], []) and client_.status.waiting == 0, seconds=5)
        assert kiosk.sync_cursor(UNIT).hub_format == 3
        assert hub.store.goal_values(UNIT, 'ventetid') == [] and hub.store.goal(UNIT, 'fall') is None
        # they stay on the wall screen, and are shown there
        assert [v.value for v in kiosk.goal_values(UNIT, 'ventetid')] == [2.6]
    finally:
        await stop(client_, tasks)
        kiosk.close()  # the wall screen restarts meanwhile: what it knows of the hub's format is in its files
    network.format = FORMAT  # the hub is upgraded
    kiosk, client_, tasks = await start_kiosk(hub, tmp_path / 'kiosk', network)
    try:
        await eventually(lambda: [v.value for v in hub.store.goal_values(UNIT, 'ventetid')] == [2.6], seconds=5)
        goal = hub.store.goal(UNIT, 'fall')
        assert goal is not None and goal.name == 'Færre fall'
        await eventually(lambda: client_.status.waiting == 0 and kiosk.sync_cursor(UNIT).hub_format == FORMAT)
        assert kiosk.sync_cursor(UNIT).pushed > 0  # the whole board went once; after that the cursor moves on
    finally:
        await stop(client_, tasks)
        kiosk.close()


async def test_a_change_the_older_hub_refused_is_offered_again_once_it_is_upgraded(hub: Hub, tmp_path):
    """A card naming a goal made on the wall screen is refused by a hub of format 3 (it never got the goal): held
    back here, as any refused change. The upgraded hub gets the goal and judges the card anew."""
    network = HubOfFormat3(hub._transport)
    network.down = True
    kiosk, client_, tasks = await start_kiosk(hub, tmp_path / 'kiosk', network)
    try:
        card = await kiosk.run(kiosk.create_card, UNIT, CardFields(title='Om fall'))
        await kiosk.run(kiosk.set_sync_cursor, UNIT, dataclasses.replace(
            kiosk.sync_cursor(UNIT), refused=(('card', card.id, card.seq),), hub_format=3))  # as that hub left it
        network.down = False
        await eventually(lambda: client_.status.online and client_.status.refused == 1, seconds=5)
        assert hub.store.card(UNIT, card.id) is None
        network.format = FORMAT
        await hub.do.create_card(UNIT, CardFields(title='Fra huben'))  # its answer wakes the wall screen
        await eventually(lambda: hub.store.card(UNIT, card.id) is not None, seconds=5)
        await eventually(lambda: client_.status.refused == 0 and kiosk.sync_cursor(UNIT).refused == ())
    finally:
        await stop(client_, tasks)
        kiosk.close()


@pytest.mark.parametrize(('before', 'now', 'again'), [
    (0, FORMAT, False),           # first answer: nothing is known to have been ignored
    (3, FORMAT, True),            # a format-3 hub upgraded: goals and values pushed to it were ignored
    (1, 3, True),                 # upgraded, though still older than this screen: it may know more now
    (FORMAT, FORMAT, False),
    (FORMAT, FORMAT + 1, False),  # a hub newer than this screen took everything this screen sent
    (3, 3, False),
])
def test_the_whole_board_goes_again_only_when_a_hub_older_than_the_wall_is_upgraded(before, now, again):
    from board.sync_client import _hub_upgraded
    assert _hub_upgraded(before, now) is again
