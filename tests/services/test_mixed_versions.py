"""Mixed versions during an upgrade: a wall screen a release behind the hub (and a hub a release behind a wall
screen) keep syncing both ways; fields one side does not know are kept and passed on, never dropped.

The previous releases are ``tests/data/format-N/release.tar.gz`` (each one's ``board`` package as it was), run as
real processes on 127.0.0.1 beside this release's.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import tarfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest

from bench.hubprocess import RunningHub, start_hub, start_kiosk, stop_hub
from board.domain import (
    Answer,
    Card,
    CardFields,
    Column,
    Direction,
    Goal,
    Measure,
    PdcaStage,
    Reading,
    ServiceArea,
    Unit,
    settle_card,
)
from board.merge import STAMPED_FIELDS, merge_card
from board.store import Store
from board.store.codec import card_from_dict, card_to_dict
from board.store.files import FORMAT
from board.sync_client import KioskCredentials, SyncClient

from ..conftest import Hub
from ..factories import UNIT
from ..helpers import (
    add_card_offline,
    client,
    eventually,
    pair,
    phone_idea,
    restart_wall,
    stop,
    titles,
    wait_for,
    with_release,
)

DATA = Path(__file__).resolve().parents[1] / 'data'
#: the release before this one (format 3), and the first release, from before data files said their format.
#: Format 3 is the pairing every upgrade to this release goes through. Format 1 stays beside it: a wall screen that
#: missed upgrades (one of seventy, switched off for months) must still sync, and its side of the exchange takes
#: other paths than format 3's: it sends no format, its answers carry no format or hub instance (read as format 1),
#: and this release's cards and goals reach it with two formats' worth of fields it does not know. Each pairing is
#: two real processes, a few seconds, under the slow mark.
RELEASES = {'format-1': DATA / 'format-1' / 'release.tar.gz', 'format-3': DATA / 'format-3' / 'release.tar.gz'}
pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def previous_releases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each previous release's package, unpacked once for the module."""
    folders = {}
    for name, tarball in RELEASES.items():
        folder = tmp_path_factory.mktemp(f'release-{name}')
        with tarfile.open(tarball) as archive:
            archive.extractall(folder, filter='data')
        folders[name] = folder
    return folders


#: the test organisation as a previous release makes it (``tests.factories`` is this release's): its goal has a
#: target, the measure of releases before format 4
_SEED_OF_A_PREVIOUS_RELEASE = '''
from board.domain import Goal, GoalStatus, ServiceArea, Target, Unit
from board.store import Store
store = Store(folder).open()
store.rename_organisation('Testkommune')
store.add_service_area(ServiceArea(id='helse', name='Helse og omsorg'))
store.add_unit(Unit(id=unit, name='Avdeling A', service_area_id='helse'))
store.save_goal(Goal(id='ventetid', unit_id=unit, name='Kortere ventetid', colour='#0072B2', icon='schedule',
                     status=GoalStatus.AT_RISK, position='a', target=Target(unit='dager', current=3.1, target=2)))
store.save_goal(Goal(id='trivsel', unit_id=unit, name='Trivsel', colour='#009E73', icon='favorite',
                     status=GoalStatus.ON_TRACK, position='b'))
'''


def hub_data(folder: Path, release: Path | None, codes: int = 1) -> list[str]:
    """A hub's data folder made by the given release (``None``: this one): the test organisation; returns
    ``codes`` pairing codes for wall screens."""
    seed = _SEED_OF_A_PREVIOUS_RELEASE if release else '''
from tests.factories import seeded_store
store = seeded_store(folder)
'''
    # the repository's root goes last on the path, so that ``board`` is the given release's
    return with_release(release, f'''
from pathlib import Path
import sys
sys.path.append({str(Path(__file__).resolve().parents[2])!r})
folder, unit = Path({str(folder)!r}), {UNIT!r}
{seed}
try:
    from board.admin import issue_pairing_code
except ImportError:
    from board.sync_api import issue_pairing_code
print(' '.join(issue_pairing_code(store, unit)['code'] for _ in range({codes})))
store.close()
''').split()


@pytest.fixture
def stops() -> Iterator[list[RunningHub]]:
    running: list[RunningHub] = []
    yield running
    for process in running:
        if process.process.poll() is None:
            stop_hub(process)


@pytest.mark.parametrize('hub_release,wall_release', [
    pairing for previous in RELEASES for pairing in (
        pytest.param(None, previous, id=f'new hub, wall screen of {previous}'),
        pytest.param(previous, None, id=f'hub of {previous}, new wall screen'))])
def test_a_hub_and_a_wall_screen_a_release_apart_keep_syncing_both_ways(tmp_path, previous_releases, stops,
                                                                         hub_release, wall_release):
    releases: dict[str | None, Path | None] = {None: None, **previous_releases}
    hub_folder = tmp_path / 'hub' / 'data'
    [code] = hub_data(hub_folder, releases[hub_release])
    hub = start_hub(hub_folder, release=releases[hub_release])
    stops.append(hub)
    wall_folder = tmp_path / 'wall' / 'data'
    wall = start_kiosk(wall_folder, hub_url=hub.url, unit_id=UNIT, code=code, release=releases[wall_release])
    stops.append(wall)
    # the hub's change reaches the wall
    phone_idea(hub, 'Fra mobilen til huben')
    with httpx.Client(base_url=wall.url, timeout=10) as http:
        wait_for(lambda: 'Fra mobilen til huben' in http.get(f'/units/{UNIT}').text)
    # the wall's change (made while its app was down) reaches the hub
    stop_hub(wall)
    add_card_offline(wall_folder, releases[wall_release], 'Laget på veggen')
    wall = restart_wall(wall, releases[wall_release])
    stops.append(wall)
    with httpx.Client(base_url=hub.url, timeout=10) as http:
        wait_for(lambda: 'Laget på veggen' in http.get(f'/units/{UNIT}').text)
    stop_hub(wall)
    stop_hub(hub)
    assert {'Fra mobilen til huben', 'Laget på veggen'} <= titles(hub_folder)
    assert {'Fra mobilen til huben', 'Laget på veggen'} <= titles(wall_folder)
    # the goal went from the hub to the wall too, its measure as a target for a release before format 4
    for folder in (hub_folder, wall_folder):
        with Store(folder, read_only=True) as store:
            goal = store.goal(UNIT, 'ventetid')
        assert goal is not None and goal.measure is not None, folder
        assert (goal.measure.better, goal.measure.target, goal.measure.baseline) == (Direction.DOWN, 2, 3.1)


# --- fields a newer release added -------------------------------------------------------------------------------------

def newer_card(card_id: str, **fields: object) -> dict:
    """A card as a wall screen of a newer release sends it: with ``fields`` this release does not know."""
    now = datetime.now(UTC)
    stamp = f'{int(now.timestamp() * 1000):013d}-00000-kiosknewer'
    card = card_to_dict(Card(id=card_id, unit_id=UNIT, title='Fra en nyere skjerm', created_at=now))
    return card | {'stamps': dict.fromkeys(('title', 'column', *fields), stamp)} | fields


async def test_fields_a_newer_wall_screen_added_are_kept_by_the_hub_and_passed_on(hub: Hub):
    newer = await pair(hub)
    older = await pair(hub)
    card = newer_card('framtida', risiko={'nivå': 'høy', 'score': 3})
    async with client(hub, newer) as kiosk:
        pushed = await kiosk.post(f'/api/v1/units/{UNIT}/sync', json={'format': FORMAT + 1, 'pulled': 0,
                                                                      'cards': [card]})
    assert pushed.status_code == 200, pushed.text
    assert hub.store.card(UNIT, 'framtida').extra == {'risiko': {'nivå': 'høy', 'score': 3}}  # type: ignore
    # another wall screen (of this release) gets the field with the card, edits the card, and sends it back on
    async with client(hub, older) as kiosk:
        pulled = (await kiosk.post(f'/api/v1/units/{UNIT}/sync', json={'pulled': 0})).json()
        [theirs] = [c for c in pulled['cards'] if c['id'] == 'framtida']
        assert theirs['risiko'] == {'nivå': 'høy', 'score': 3} and 'risiko' in theirs['stamps']
        edited = theirs | {'title': 'Endret på en eldre skjerm',
                           'stamps': theirs['stamps'] | {'title': f'{int(time.time() * 1000) + 5:013d}-00000-old'}}
        assert (await kiosk.post(f'/api/v1/units/{UNIT}/sync', json={'pulled': 0, 'cards': [edited]})) \
            .status_code == 200
    kept = hub.store.card(UNIT, 'framtida')
    assert kept is not None and kept.title == 'Endret på en eldre skjerm'
    assert kept.extra == {'risiko': {'nivå': 'høy', 'score': 3}}
    assert pulled['format'] == FORMAT


@pytest.mark.parametrize('fields', [
    {f'felt{n}': n for n in range(17)},  # more than sixteen
    {'stort': 'x' * 5000},               # larger than 4 kB
    {'_skjult': 1},                       # not a plain name
])
async def test_fields_of_another_release_are_bounded(hub: Hub, fields: dict):
    token = await pair(hub)
    async with client(hub, token) as kiosk:
        response = await kiosk.post(f'/api/v1/units/{UNIT}/sync',
                                    content=orjson.dumps({'pulled': 0, 'cards': [newer_card('grenser') | fields]}),
                                    headers={'Content-Type': 'application/json'})
    assert response.status_code == 422, response.text
    assert hub.store.card(UNIT, 'grenser') is None


async def test_a_stamp_for_a_field_the_card_does_not_have_is_refused(hub: Hub):
    token = await pair(hub)
    card = newer_card('stray')
    card['stamps']['finnes_ikke'] = card['stamps']['title']
    async with client(hub, token) as kiosk:
        response = await kiosk.post(f'/api/v1/units/{UNIT}/sync', json={'pulled': 0, 'cards': [card]})
    assert response.status_code == 422
    assert 'finnes_ikke' in json.dumps(response.json())



# --- values the rules hold back travel through older releases ---------------------------------------------------------

def held_card() -> Card:
    """A card of this release in Pågår holding the meeting's answer (it came while the card was moved there)."""
    now = datetime.now(UTC) - timedelta(seconds=5)
    stamp = f'{int(now.timestamp() * 1000):013d}-00000-kioskny'
    answered_stamp = f'{int(now.timestamp() * 1000) + 1:013d}-00000-hub'
    stamps = dict.fromkeys(STAMPED_FIELDS, stamp) | dict.fromkeys(('answer', 'answered_at'), answered_stamp)
    return settle_card(Card(id='holdt', unit_id=UNIT, title='Holdt svar', column=Column.DOING, created_at=now,
                            started_at=now, pdca=PdcaStage.PLAN, answer=Answer.PARKED, answered_at=now,
                            stamps=stamps))


@pytest.mark.parametrize('release', ['format-1', 'format-3'])
def test_a_card_holding_values_is_read_by_an_older_release_and_comes_back_without_losing_them(
        previous_releases, release):
    card = held_card()
    assert (card.answer, set(card.held)) == (None, {'answer', 'answered_at'})
    folder = previous_releases[release]
    doc = card_to_dict(card)
    # the older release reads it as a wall screen's push and as the hub's answer, and writes it back as it keeps it
    back = with_release(folder, f'''
import json
from datetime import UTC, datetime
from board.store.codec import card_to_dict
from board.wire import read_changes, read_push
doc = json.loads({json.dumps(json.dumps(doc))})
pushed = read_push(json.dumps({{'pulled': 0, 'cards': [doc]}}).encode(), {UNIT!r}, [], now=datetime.now(UTC))
answer = read_changes({{'seq': 1, 'cards': [doc]}}, {UNIT!r}, now=datetime.now(UTC))
assert not answer.refused and [c.id for c in answer.cards] == ['holdt'], answer.refused
print(json.dumps(card_to_dict(pushed.cards[0])))
''')
    returned = card_from_dict(json.loads(back))
    assert (returned.column, returned.answer, returned.stamps['answer']) == (Column.DOING, None,
                                                                             card.stamps['answer'])
    # format 3 keeps the held keys and passes them on; format 1 drops them, and merging keeps this side's
    assert set(returned.held) == ({'answer', 'answered_at'} if release == 'format-3' else set())
    assert dataclasses.replace(merge_card(card, returned), seq=0) == dataclasses.replace(card, seq=0)
    assert dataclasses.replace(merge_card(returned, card), seq=0) == dataclasses.replace(card, seq=0)


# --- this release's wall screens with a hub of format 3 (the hub is upgraded last, or late) ------------------------

@asynccontextmanager
async def wall_screen(hub_url: str, code: str, folder: Path) -> AsyncIterator[tuple[Store, SyncClient]]:
    """A wall screen of this release, paired with the hub at ``hub_url``: its replica and its sync client, running
    here (the hub is the real process)."""
    async with httpx.AsyncClient(base_url=hub_url, timeout=10) as http:
        paired = (await http.post('/api/v1/pair', json={'code': code, 'unit_id': UNIT})).raise_for_status().json()
    store = await asyncio.to_thread(lambda: Store(folder, node_id=paired['kiosk_id']).open())
    await asyncio.to_thread(store.add_service_area, ServiceArea(id='helse', name='Helse og omsorg'))
    await asyncio.to_thread(store.add_unit, Unit(id=UNIT, name='Avdeling A', service_area_id='helse'))
    credentials = KioskCredentials(hub_url=hub_url, unit_id=UNIT, kiosk_id=paired['kiosk_id'], token=paired['token'])
    sync = SyncClient(store, credentials, version='test')
    tasks = sync.start()
    try:
        yield store, sync
    finally:
        await stop(sync, tasks)
        await asyncio.to_thread(store.close)


def hub_has(folder: Path, look: Callable[[Store], object]) -> object:
    """What the hub's data folder holds (read while it runs: each file is written whole)."""
    with Store(folder, read_only=True) as store:
        return look(store)


async def upgraded(hub: RunningHub) -> RunningHub:
    """The hub stopped and started again by this release, on its data folder and port (it migrates the folder)."""
    await asyncio.to_thread(stop_hub, hub)
    return await asyncio.to_thread(start_hub, hub.data_dir, hub.port)


async def test_a_cards_before_and_after_pass_through_a_hub_of_format_3_and_an_edit_is_settled_by_the_upgrade(
        tmp_path, previous_releases, stops):
    """A format-3 hub keeps a card's before and after (format 4) as fields it does not know, under their own keys,
    and passes them on: they arrive intact. It merges such a field without its stamp, though (the stamp is inside
    the value, where it does not look): when the field changes, the hub keeps whichever value sorts higher as text,
    so an edited reading can stay behind on the hub and the other wall screens while the screen that made it shows
    it. The upgraded hub takes the screens' whole boards again and settles it by the stamps."""
    release = previous_releases['format-3']
    hub_folder = tmp_path / 'hub' / 'data'
    first, second = hub_data(hub_folder, release, codes=2)
    hub = await asyncio.to_thread(start_hub, hub_folder, release=release)
    stops.append(hub)
    today = date.today()
    before = Reading(value=3.4, unit='dager', on=today - timedelta(days=40), note='Før tiltaket', goal_id='ventetid')
    after = Reading(value=2.6, unit='dager', on=today - timedelta(days=2), goal_id='ventetid')
    lower = Reading(value=2.0, unit='dager', on=today - timedelta(days=1), goal_id='ventetid')  # '2.0' < '2.6'
    async with wall_screen(hub.url, first, tmp_path / 'a') as (a, _), \
            wall_screen(hub.url, second, tmp_path / 'b') as (b, _):
        await eventually(lambda: a.goal(UNIT, 'ventetid') is not None, seconds=10)  # the hub's goal, with a target
        card = await a.run(a.create_card, UNIT, CardFields(title='Med før og etter'))
        await a.run(a.set_readings, UNIT, card.id, before, after)

        def readings(store: Store) -> tuple[Reading | None, Reading | None] | None:
            found = store.card(UNIT, card.id)
            return None if found is None else (found.before, found.after)

        def title_on_b(title: str) -> bool:
            found = b.card(UNIT, card.id)
            return found is not None and found.title == title

        await eventually(lambda: readings(b) == (before, after), seconds=10)
        assert hub_has(hub_folder, readings) == (before, after)
        # a later edit on B (of a field the hub knows) is merged there with the readings kept, and comes back
        await b.run(b.edit_card, UNIT, card.id, CardFields(title='Endret på B'))
        await eventually(lambda: a.card(UNIT, card.id).title == 'Endret på B', seconds=10)  # type: ignore
        assert readings(a) == (before, after)
        # the after reading edited on A, to a value that sorts lower: the format-3 hub keeps the one it had
        await a.run(a.set_readings, UNIT, card.id, before, lower)
        await a.run(a.edit_card, UNIT, card.id, CardFields(title='Endret på A'))  # to know the push has gone
        await eventually(lambda: title_on_b('Endret på A'), seconds=10)
        assert readings(a) == (before, lower)
        assert readings(b) == (before, after) and hub_has(hub_folder, readings) == (before, after)
        # the hub upgraded: A notices the hub's new format, pushes its board again, and the later stamp wins
        hub = await upgraded(hub)
        stops.append(hub)
        await eventually(lambda: readings(b) == (before, lower), seconds=20)
        assert hub_has(hub_folder, readings) == (before, lower) and readings(a) == (before, lower)


async def test_goal_values_entered_while_the_hub_is_of_format_3_reach_it_once_it_is_upgraded(
        tmp_path, previous_releases, stops):
    """What a wall screen of this release does with goals and values while its hub is a release behind.

    The format-3 hub reads a push without its ``goals`` and ``goal_values`` (its envelope ignores keys it does not
    know), takes the rest and answers as usual, so the wall screen's pushed cursor passes them: they are not
    waiting and not sent again. They stay on that wall screen (its board and run chart show them); the hub and
    the other wall screens do not get them. The answer says format 3, which the wall screen keeps in its sync
    cursor; once the upgraded hub answers with format 4, the wall screen pushes its whole board again, and the
    values and the goal made on it reach the hub and the other screens.
    """
    release = previous_releases['format-3']
    hub_folder = tmp_path / 'hub' / 'data'
    first, second = hub_data(hub_folder, release, codes=2)
    hub = await asyncio.to_thread(start_hub, hub_folder, release=release)
    stops.append(hub)
    week = date.today() - timedelta(days=date.today().weekday() + 7)
    async with wall_screen(hub.url, first, tmp_path / 'a') as (a, sync_a), \
            wall_screen(hub.url, second, tmp_path / 'b') as (b, _):
        await eventually(lambda: a.goal(UNIT, 'ventetid') is not None, seconds=10)
        goal = a.goal(UNIT, 'ventetid')
        assert goal is not None and goal.measure is not None  # the hub's target, read as a measure
        await a.run(a.record_goal_values, UNIT, [('ventetid', week, 2.6)])
        await a.run(a.edit_goal, Goal(id='fall', unit_id=UNIT, name='Færre fall', colour='#0072B2',
                                      measure=Measure(unit='fall/mnd', better=Direction.DOWN, target=2)))
        marker = await a.run(a.create_card, UNIT, CardFields(title='Etter målingen'))  # to know the push has gone
        await eventually(lambda: b.card(UNIT, marker.id) is not None, seconds=10)
        await eventually(lambda: sync_a.status.waiting == 0 and a.goal_outbox(UNIT) == ([], []))
        assert a.sync_cursor(UNIT).hub_format == 3
        assert [v.value for v in a.goal_values(UNIT, 'ventetid')] == [2.6] and a.goal(UNIT, 'fall') is not None
        assert b.goal_values(UNIT, 'ventetid') == [] and b.goal(UNIT, 'fall') is None
        assert hub_has(hub_folder, lambda store: (store.all_goal_values(UNIT), store.goal(UNIT, 'fall'))) == (
            [], None)
        hub = await upgraded(hub)
        stops.append(hub)
        await eventually(lambda: [v.value for v in b.goal_values(UNIT, 'ventetid')] == [2.6], seconds=20)
        await eventually(lambda: b.goal(UNIT, 'fall') is not None, seconds=5)
        assert [(v.goal_id, v.on, v.value) for v in hub_has(hub_folder, lambda s: s.all_goal_values(UNIT))] == [
            ('ventetid', week, 2.6)]
        assert a.sync_cursor(UNIT).hub_format == FORMAT
