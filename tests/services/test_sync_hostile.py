"""Issue 11's findings, each first reproduced as an attack through the sync API, then refused.

A wall screen's token may be stolen (the device hangs in a corridor): everything it sends is read as strictly as a
stranger's input. Each test sends what an attacker sent and checks that nothing of it was stored, that the hub's
files still load, and that the pages of the unit and the leaders still answer.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from board.admin import issue_pairing_code
from board.atomicfile import write_atomic
from board.clock import stamp_ms
from board.domain import Card, CardFields, Column, Gain, GainCategory, Meeting, RuleViolation
from board.store import Store, files
from board.store.codec import card_to_dict
from board.store.files import EventLoopWriteError
from board.store.journal import Journal

from ..conftest import Hub, off_loop
from ..factories import OTHER_UNIT, UNIT
from ..helpers import client, pair


def now_stamp(ahead_ms: int = 0) -> str:
    return f'{int(time.time() * 1000) + ahead_ms:013d}-00000-kioskx'


def a_card(**changes: object) -> dict:
    """A card as a wall screen would push it, with some fields replaced."""
    now = datetime.now(UTC)
    card = Card(id='kort1', unit_id=UNIT, title='Fast plass for rullatorene', created_at=now,
                stamps={'title': now_stamp(), 'column': now_stamp()})
    return card_to_dict(card) | changes


async def push(hub: Hub, token: str, *cards: dict, raw: bytes | None = None):
    async with client(hub, token) as kiosk:
        body = raw if raw is not None else orjson.dumps({'pulled': 0, 'cards': list(cards)})
        return await kiosk.post(f'/api/v1/units/{UNIT}/sync', content=body,
                                headers={'Content-Type': 'application/json'})


def files_still_load(hub: Hub) -> None:
    """What a restart of the hub does first: read every unit's file (a refused push must leave them readable)."""
    again = Store(hub.store.folder, read_only=True).open()
    try:
        assert {u.id for u in again.organisation.units} == {UNIT, OTHER_UNIT}
    finally:
        again.close()


async def pages_answer(hub: Hub) -> None:
    user = hub.new_user()
    for path in (f'/units/{UNIT}', f'/units/{UNIT}/historikk', '/'):
        assert (await user.http_client.get(path)).status_code == 200, path


# a card, or (for those that depend on the time) a function making it when the test runs: a slow suite must not
# turn "ten minutes ahead" into "three minutes ahead"
HOSTILE_CARDS: dict[str, dict | Callable[[], dict]] = {
    # 1. the stored script: an id that became an event attribute on the board
    'id with markup': a_card(id='x onmouseover="fetch(`/admin`)"'),
    # 2. values that stopped the hub or made pages answer 500
    'NaN hours': None,  # raw JSON below: json would write NaN, orjson cannot
    'naive datetime': a_card(created_at='2026-11-20T10:00:00'),
    'integer position': a_card(position=5),
    'malformed stamp': a_card(stamps={'title': 'zz'}),
    'string for a boolean': a_card(quick_win='yes'),
    'unknown column': a_card(column='trash'),
    'title too long': a_card(title='x' * 201),
    'control characters': a_card(title='Hei\x00\x1b[31m'),
    'unknown goal': a_card(goal_id='finnes-ikke'),
    'declined without a reason': a_card(answer='declined', answer_note=''),
    'gain out of range': a_card(column='doing', gain={'categories': ['quality'], 'hours_per_week': 1e9,
                                                       'identified_on': '2026-11-20'}),
    # 3. a stamp far in the future, which dragged the hub's clock to the year 2286
    'far-future stamp': a_card(stamps={'title': '9999999999999-99999-zz'}),
    'stamp ten minutes ahead': lambda: a_card(stamps={'title': now_stamp(ahead_ms=10 * 60_000)}),
    'creation in the future': lambda: a_card(created_at=(datetime.now(UTC) + timedelta(hours=2)).isoformat()),
    # another unit's card through this unit's token
    'another unit': a_card(unit_id=OTHER_UNIT),
    # found by the review: stamps for made-up fields grew a card (and the unit's file) without bound
    'problem statement too long': a_card(problem='x' * 301),
    'stamp for an unknown field': a_card(stamps={'title': now_stamp(), 'x' * 40: now_stamp()}),
    # a position key of 255 digits made every later card on top longer still, until the wall refused them
    'position key too long': a_card(position='0' * 64 + '1'),
    # a due date the wall screens' model refuses must not be stored by the hub either
    'due date in 2101': a_card(due='2101-01-15'),
    # values the rules keep off a card (held, each with its stamp) are read as strictly as the card's own
    'held stage unknown': a_card(held_pdca={'value': 'later', 'stamp': now_stamp()}),
    'held stamp malformed': a_card(held_answer={'value': 'parked', 'stamp': 'zz'}),
    'held gain out of range': a_card(held_gain={'value': {'categories': ['quality'], 'hours_per_week': 1e9,
                                                          'identified_on': '2026-11-20'}, 'stamp': now_stamp()}),
    'held answer note too long': a_card(held_answer_note={'value': 'x' * 301, 'stamp': now_stamp()}),
    'held time naive': a_card(held_started_at={'value': '2026-11-20T10:00:00', 'stamp': now_stamp()}),
    'held time in the future': lambda: a_card(held_answered_at={
        'value': (datetime.now(UTC) + timedelta(hours=2)).isoformat(), 'stamp': now_stamp()}),
    'held stamp ten minutes ahead': lambda: a_card(held_pdca={'value': 'check',
                                                              'stamp': now_stamp(ahead_ms=10 * 60_000)}),
    'held gain note with control characters': lambda: held_gain_card(note='Hei\x1b[31m'),
}


def held_gain_card(**gain: object) -> dict:
    """An idea holding a gain (as a merge leaves one): the gain's stamp is the field's, so it counts."""
    stamp = now_stamp()
    card = a_card(stamps={'title': stamp, 'column': stamp, 'gain': stamp})
    return card | {'held_gain': {'value': {'categories': ['quality'], 'hours_per_week': 3,
                                           'identified_on': datetime.now(UTC).date().isoformat()} | gain,
                                 'stamp': stamp}}


@pytest.mark.parametrize('name', list(HOSTILE_CARDS))
async def test_a_hostile_card_is_refused_by_name_and_nothing_of_the_push_is_stored(hub: Hub, name: str):
    token = await pair(hub)
    good = a_card(id='god', title='Et helt vanlig kort')
    if name == 'NaN hours':
        hostile = a_card(column='doing')
        raw = json.dumps({'pulled': 0, 'cards': [good, hostile | {'gain': {
            'categories': ['quality'], 'hours_per_week': float('nan'), 'identified_on': '2026-11-20'}}]}).encode()
        response = await push(hub, token, raw=raw)
    else:
        made = HOSTILE_CARDS[name]
        hostile = made() if callable(made) else made
        response = await push(hub, token, good, hostile)
    assert response.status_code == 422, response.text
    detail = response.json()['detail']
    if name != 'NaN hours':  # NaN is not JSON: the whole body is refused
        assert [r['id'] for r in detail['refused']] == [hostile['id']]
    assert hub.store.card(UNIT, 'god') is None  # all of a push or nothing of it
    assert {c.title for c in hub.store.cards(UNIT)} == set()
    files_still_load(hub)
    await pages_answer(hub)


async def test_a_refused_far_future_stamp_leaves_the_hubs_clock_in_today(hub: Hub):
    token = await pair(hub)
    response = await push(hub, token, a_card(stamps={'title': '9999999999999-99999-zz', 'column': now_stamp()}))
    assert response.status_code == 422
    assert 'ahead' in response.json()['detail']['refused'][0]['reason']
    card = await hub.do.create_card(UNIT, CardFields(title='Etterpå'))
    stamped = stamp_ms(card.stamps['title']) / 1000
    assert abs(stamped - time.time()) < 60  # the hub's next stamp is of today, not of 2286


async def test_a_valid_push_is_taken_in_one_durable_write(hub: Hub, monkeypatch: pytest.MonkeyPatch):
    token = await pair(hub)
    written: list[Path] = []

    def counting(path: Path, payload: bytes, **kwargs: object) -> None:
        written.append(path)
        write_atomic(path, payload, **kwargs)  # type: ignore[arg-type]
    append = Journal.append

    def appending(journal: Journal, entries) -> None:  # the unit's file made durable through the journal
        entries = list(entries)
        written.extend(storage.path for storage, *_ in entries)
        append(journal, entries)
    monkeypatch.setattr(files, 'write_atomic', counting)
    monkeypatch.setattr(Journal, 'append', appending)
    cards = [a_card(id=f'kort{i}', title=f'Kort nummer {i}') for i in range(60)]
    response = await push(hub, token, *cards)
    assert response.status_code == 200, response.text
    assert len(hub.store.cards(UNIT)) == 60
    assert [p.name for p in written] == [f'{UNIT}.json']  # 60 cards, one durable write of the unit's file


async def test_bodies_over_a_megabyte_get_413(hub: Hub):
    token = await pair(hub)
    huge = orjson.dumps({'pulled': 0, 'cards': [a_card(title='x' * (8 * 1024 * 1024))]})
    assert (await push(hub, token, raw=huge)).status_code == 413

    async def chunks():  # no declared length: counted as it arrives
        for _ in range(20):
            yield b' ' * 100_000
    async with client(hub, token) as kiosk:
        chunked = await kiosk.post(f'/api/v1/units/{UNIT}/sync', content=chunks(),
                                   headers={'Content-Type': 'application/json'})
    assert chunked.status_code == 413
    assert hub.store.cards(UNIT) == []


@pytest.mark.parametrize(('method', 'path', 'body'), [
    ('POST', '/api/v1/heartbeat', {'version': '1', 'outbox': 0, 'clock_ms': 2**80}),
    ('POST', '/api/v1/heartbeat', {'version': '1', 'outbox': '3', 'clock_ms': 1}),
    ('POST', '/api/v1/heartbeat', {'version': '<b>', 'outbox': 0, 'clock_ms': 1}),
    ('GET', f'/api/v1/units/{UNIT}/changes?wait=nan', None),
    ('GET', f'/api/v1/units/{UNIT}/changes?wait=inf', None),
    ('GET', f'/api/v1/units/{UNIT}/changes?since=-1', None),
    ('GET', f'/api/v1/units/{UNIT}/changes?since=99999999999999999999999', None),
    ('POST', f'/api/v1/units/{UNIT}/sync', {'pulled': 2**80}),
    ('POST', f'/api/v1/units/{UNIT}/sync', [1, 2]),
])
async def test_bad_parameters_get_422_never_500(hub: Hub, method: str, path: str, body: object):
    token = await pair(hub)
    async with client(hub, token) as kiosk:
        response = await kiosk.request(method, path, json=body)
    assert response.status_code == 422, response.text


async def test_a_durable_write_on_the_event_loop_is_refused(hub: Hub):
    with pytest.raises(EventLoopWriteError):
        hub.store.create_card(UNIT, CardFields(title='Skrevet på hendelsesløkka'))
    assert hub.store.cards(UNIT) == []


def test_one_units_broken_card_does_not_stop_the_archiving_of_another(store: Store, caplog):
    now = datetime.now(UTC)
    for unit in (UNIT, OTHER_UNIT):
        store.import_cards(unit, [Card(id=f'ferdig-{unit}', unit_id=unit, title='Ferdig', column=Column.DONE,
                                       created_at=now, started_at=now, finished_at=now)])
    board = store._board(UNIT)
    # a card as a push without validation could leave it: a finish time without a time zone
    broken = dataclasses.replace(board.cards[f'ferdig-{UNIT}'], finished_at=now.replace(tzinfo=None))
    board.cards = {**board.cards, broken.id: broken}
    store.now = lambda: now + timedelta(weeks=10)  # ten weeks later: both finished cards are due for the archive
    with caplog.at_level(logging.ERROR):
        assert store.archive_finished() == 1
    assert store.card(OTHER_UNIT, f'ferdig-{OTHER_UNIT}') is None  # the other unit's card went to the archive
    assert store.card(UNIT, broken.id) is not None  # the one that cannot be judged stays, and is logged
    assert any(broken.id in r.getMessage() for r in caplog.records)


def test_a_broken_archive_file_leaves_the_other_units_gains_counted(store: Store, caplog):
    long_ago = datetime.now(UTC) - timedelta(weeks=10)
    gain = Gain(categories=(GainCategory.QUALITY,), hours_per_week=2, identified_on=long_ago.date())
    for unit in (UNIT, OTHER_UNIT):
        store.import_cards(unit, [Card(id=f'g-{unit}', unit_id=unit, title='Gevinst', column=Column.DONE,
                                       created_at=long_ago, started_at=long_ago, finished_at=long_ago, gain=gain)])
    [year] = store.archive_years(UNIT)
    (store.folder / 'archive' / UNIT / f'{year}.json').write_text('{"cards": {"1": {"gain": {"oops": 1}}}}')
    with caplog.at_level(logging.ERROR):
        entries = store.gain_entries()
        assert store.index_archive(UNIT, year) == 0
    assert [e.unit_id for e in entries] == [OTHER_UNIT]
    assert any(UNIT in r.getMessage() for r in caplog.records)


async def test_pairing_and_heartbeats_write_through_the_stores_writer(hub: Hub):
    # pairing and heartbeats used to write kiosks.json from FastAPI's thread pool; the check above would not see
    # that, so look at which thread writes
    import threading
    threads: list[str] = []
    code = (await off_loop(issue_pairing_code, hub.store, UNIT))['code']
    original = hub.store.wall_screens._devices_storage().__class__._flush

    def watched(storage) -> None:
        threads.append(threading.current_thread().name)
        original(storage)
    storage_class = hub.store.wall_screens._devices_storage().__class__
    storage_class._flush = watched  # type: ignore[method-assign]
    try:
        async with client(hub) as anonymous:
            paired = await anonymous.post('/api/v1/pair', json={'code': code, 'unit_id': UNIT})
        async with client(hub, paired.json()['token']) as kiosk:
            beat = await kiosk.post('/api/v1/heartbeat', json={'version': '0.2.0', 'outbox': 0,
                                                               'clock_ms': int(time.time() * 1000)})
        assert beat.status_code == 200
    finally:
        storage_class._flush = original  # type: ignore[method-assign]
    assert threads and all(name.startswith('board-store-writer') for name in threads), threads


async def test_the_wall_screens_clock_offset_and_refusals_reach_the_admin_list(hub: Hub):
    token = await pair(hub)
    async with client(hub, token) as kiosk:
        await kiosk.post('/api/v1/heartbeat', json={'version': '0.2.0', 'outbox': 1, 'refused': 0,
                                                    'clock_ms': int(time.time() * 1000) - 90_000})
    assert (await push(hub, token, a_card(id='x onmouseover="a"'))).status_code == 422
    [device] = hub.store.wall_screens.status()
    assert device.refused == 1
    assert -95_000 < device.clock_offset_ms < -85_000



async def test_a_push_cannot_grow_a_board_without_bound(hub: Hub, monkeypatch: pytest.MonkeyPatch):
    from board.store import core
    monkeypatch.setattr(core, 'MAX_BOARD_CARDS', 5)
    token = await pair(hub)
    first = [a_card(id=f'kort{i}') for i in range(4)]
    assert (await push(hub, token, *first)).status_code == 200
    response = await push(hub, token, *(a_card(id=f'mer{i}') for i in range(3)))
    assert response.status_code == 422
    assert [r['id'] for r in response.json()['detail']['refused']] == ['mer1', 'mer2']
    assert len(hub.store.cards(UNIT)) == 4  # nothing of the refused push
    changed = [card | {'title': 'Endret'} for card in first]  # changes to cards it has are always taken
    assert (await push(hub, token, *changed)).status_code == 200


async def test_a_planted_position_key_does_not_make_later_keys_grow(hub: Hub):
    token = await pair(hub)
    assert (await push(hub, token, a_card(position='0' * 63 + '1'))).status_code == 200
    for number in range(40):  # ideas from phones go on top, before the planted card
        await hub.do.create_card(UNIT, CardFields(title=f'Idé {number}'))
    ideas = [c for c in hub.store.cards(UNIT) if c.column == Column.IDEAS]
    assert [c.title for c in ideas[:3]] == ['Idé 39', 'Idé 38', 'Idé 37']
    assert ideas[-1].id == 'kort1'  # still last: the column's keys were spread anew, in the same order
    assert max(len(c.position) for c in ideas) <= 24


async def test_meetings_are_checked_and_bounded_like_cards(hub: Hub):
    token = await pair(hub)
    now = datetime.now(UTC)

    def meeting(number: int, decisions: int = 3) -> dict:
        return {'id': f'mote{number}', 'unit_id': UNIT, 'started_at': (now - timedelta(minutes=15)).isoformat(),
                'ended_at': now.isoformat(), 'present': 5, 'decisions': [f'Vedtak {d}' for d in range(decisions)]}
    async with client(hub, token) as kiosk:
        too_many = await kiosk.post(f'/api/v1/units/{UNIT}/sync',
                                    json={'pulled': 0, 'meetings': [meeting(n) for n in range(51)]})
        too_long = await kiosk.post(f'/api/v1/units/{UNIT}/sync',
                                    json={'pulled': 0, 'meetings': [meeting(1, decisions=201)]})
        fine = await kiosk.post(f'/api/v1/units/{UNIT}/sync', json={'pulled': 0, 'meetings': [meeting(2)]})
    assert (too_many.status_code, too_long.status_code, fine.status_code) == (422, 422, 200)
    assert [m.id for m in hub.store.meetings(UNIT)] == ['mote2']
    with pytest.raises(RuleViolation):  # the same rule for a meeting recorded on this hub's own board
        await hub.do.record_meeting(Meeting(id='mote3', unit_id=UNIT, started_at=now,
                                            ended_at=now - timedelta(hours=1)))


async def test_a_unit_file_cannot_grow_past_its_limit_and_a_refusal_keeps_nothing(hub: Hub):
    token = await pair(hub)
    hub.store._board(UNIT).storage.max_bytes = 60_000  # as if the unit's file were at its 8 MB limit
    small = await push(hub, token, a_card(id='liten'))
    assert small.status_code == 200
    big = [a_card(id=f'stor{n}', description='x' * 3000) for n in range(30)]
    response = await push(hub, token, *big)
    assert response.status_code == 422, response.text
    assert [c.id for c in hub.store.cards(UNIT)] == ['liten']  # nothing of the push, in memory or on disk
    files_still_load(hub)
    assert (await push(hub, token, a_card(id='etterpa'))).status_code == 200


async def test_pages_with_odd_parameters_answer_without_error(hub: Hub):
    user = hub.new_user()
    for path in (f'/units/{UNIT}/historikk?week=9999-W52', f'/units/{UNIT}/historikk?week=0000-W01'):
        assert (await user.http_client.get(path)).status_code == 200, path


async def test_a_wall_screen_cannot_confirm_a_gain_but_a_leaders_confirmation_travels_back(hub: Hub):
    token = await pair(hub)
    today = datetime.now(UTC).date().isoformat()
    realised = {'categories': ['quality'], 'hours_per_week': 3, 'identified_on': today, 'status': 'realised',
                'realised_on': today, 'confirmed_by': 'Rådmann Kari Nordmann', 'amount_nok': 999_999_999}
    card = a_card(column='doing', started_at=datetime.now(UTC).isoformat(),
                  stamps={'title': now_stamp(), 'column': now_stamp(), 'gain': now_stamp()})
    refused = await push(hub, token, card | {'gain': realised})
    assert refused.status_code == 422
    assert 'gain_leader_only' in refused.json()['detail']['refused'][0]['reason']
    identified = {'categories': ['quality'], 'hours_per_week': 3, 'identified_on': today}
    assert (await push(hub, token, card | {'gain': identified})).status_code == 200
    # a leader confirms it on the hub; the wall screen later sends the card back with the hub's gain (same stamp)
    confirmed = await hub.do.confirm_gain(UNIT, card['id'], realised_on=datetime.now(UTC).date(), by='Kari')
    echoed = card_to_dict(confirmed) | {'title': 'Nytt navn fra veggen',
                                        'stamps': confirmed.stamps | {'title': now_stamp(5)}}
    assert (await push(hub, token, echoed)).status_code == 200
    kept = hub.store.card(UNIT, card['id'])
    assert kept is not None and kept.gain is not None and kept.gain.realised and kept.title == 'Nytt navn fra veggen'


async def test_a_wall_screen_cannot_confirm_a_gain_by_holding_it_on_an_idea(hub: Hub):
    """A gain held on an idea shows when the card goes to Pågår: the leaders' gain rules judge it like one shown."""
    token = await pair(hub)
    today = datetime.now(UTC).date().isoformat()
    refused = await push(hub, token, held_gain_card(status='realised', realised_on=today, confirmed_by='Kari'))
    assert refused.status_code == 422
    assert 'gain_leader_only' in refused.json()['detail']['refused'][0]['reason']
    assert (await push(hub, token, held_gain_card())).status_code == 200
    kept = hub.store.card_version(UNIT, 'kort1')
    assert kept is not None and kept.gain is None and kept.held['gain'].value.hours_per_week == 3
