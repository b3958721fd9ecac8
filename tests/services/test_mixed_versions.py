"""Mixed versions during an upgrade: a wall screen a release behind the hub (and a hub a release behind a wall
screen) keep syncing both ways; fields one side does not know are kept and passed on, never dropped.

The previous release is ``tests/data/format-1/release.tar.gz`` (its ``board`` package as it was), run as real
processes on 127.0.0.1 beside this release's.
"""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import tarfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest

from bench.hubprocess import RunningHub, start_hub, start_kiosk, stop_hub
from board.domain import Answer, Card, Column, PdcaStage, settle_card
from board.merge import STAMPED_FIELDS, merge_card
from board.store.codec import card_from_dict, card_to_dict
from board.store.files import FORMAT

from ..conftest import Hub
from ..factories import UNIT
from ..helpers import add_card_offline, client, pair, phone_idea, restart_wall, titles, wait_for, with_release

PREVIOUS = Path(__file__).resolve().parents[1] / 'data' / 'format-1' / 'release.tar.gz'
pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def previous_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp('previous-release')
    with tarfile.open(PREVIOUS) as archive:
        archive.extractall(folder, filter='data')
    return folder


def hub_data(folder: Path, release: Path | None) -> str:
    """A hub's data folder made by the given release: the test organisation; returns a wall screen's pairing code."""
    return with_release(release, f'''
from pathlib import Path
import sys
sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
from tests.factories import seeded_store, UNIT
store = seeded_store(Path({str(folder)!r}))
try:
    from board.admin import issue_pairing_code
except ImportError:
    from board.sync_api import issue_pairing_code
print(issue_pairing_code(store, UNIT)['code'])
store.close()
''')


@pytest.fixture
def stops() -> Iterator[list[RunningHub]]:
    running: list[RunningHub] = []
    yield running
    for process in running:
        if process.process.poll() is None:
            stop_hub(process)


@pytest.mark.parametrize('hub_release,wall_release', [('this', 'previous'), ('previous', 'this')],
                         ids=['new hub, old wall screen', 'old hub, new wall screen'])
def test_a_hub_and_a_wall_screen_a_release_apart_keep_syncing_both_ways(tmp_path, previous_release, stops,
                                                                         hub_release, wall_release):
    releases = {'this': None, 'previous': previous_release}
    hub_folder = tmp_path / 'hub' / 'data'
    code = hub_data(hub_folder, releases[hub_release])
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

FORMAT_3_RELEASE = '1d0e885'  # the commit before format 4: the release of format 3


@pytest.fixture(scope='module')
def format_3_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The format-3 release's ``board`` package, from the repository's history (skipped where it has none)."""
    folder = tmp_path_factory.mktemp('format-3-release')
    root = Path(__file__).resolve().parents[2]
    archive = subprocess.run(['git', 'archive', FORMAT_3_RELEASE, 'board'], cwd=root, capture_output=True,
                             check=False)
    if archive.returncode != 0:
        pytest.skip(f'the format-3 release ({FORMAT_3_RELEASE}) is not in this repository\'s history')
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter='data')
    return folder


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
        request, previous_release, release):
    card = held_card()
    assert (card.answer, set(card.held)) == (None, {'answer', 'answered_at'})
    folder = previous_release if release == 'format-1' else request.getfixturevalue('format_3_release')
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
