"""An approved citizen's idea on the way to wall screens: the mark *Fra innbygger* (``Card.from_citizen``) travels
self-stamped, survives wall screens of this and older releases, and only the hub sets it; a pending idea has
nothing a wall screen could pull."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from board import citizens
from board.domain import CardFields
from board.merge import merge_card
from board.store.codec import card_from_dict, card_to_dict
from board.wire import read_changes, read_push

from ..conftest import Hub
from ..factories import UNIT
from ..helpers import Network, client, eventually, pair, start_kiosk, stop, with_release
from .test_mixed_versions import previous_releases  # noqa: F401 (a fixture)


def stamp() -> str:
    return f'{int(datetime.now(UTC).timestamp() * 1000):013d}-00000-kioskx'


async def approved_card(hub: Hub, title: str = 'Benker langs turveien'):
    store = hub.store
    idea = await store.run(citizens.receive, store, UNIT, title, '', '')
    _, card = await store.run(citizens.approve, store, UNIT, idea.id, by='Kari Leder')
    return card


async def test_the_mark_is_written_under_its_own_key_with_its_stamp(hub: Hub):
    card = await approved_card(hub)
    doc = card_to_dict(card)
    assert doc['from_citizen'] == {'flag': True, 'stamp': card.stamps['from_citizen']}
    assert 'from_citizen' not in doc['stamps']  # an older release refuses a stamp for a field it does not know
    assert card_from_dict(doc) == card
    plain = card_to_dict(await hub.do.create_card(UNIT, CardFields(title='Fra tavla')))
    assert 'from_citizen' not in plain  # written only once set: a plain card is as before
    assert read_changes({'seq': 1, 'cards': [doc]}, UNIT, now=datetime.now(UTC)).cards == [card]


def test_the_wire_takes_a_true_or_false_flag_only():
    now = datetime.now(UTC)
    card = card_to_dict(dataclasses.replace(
        card_from_dict({'id': 'c1', 'unit_id': UNIT, 'title': 'x', 'column': 'ideas', 'position': 'V',
                        'created_at': now.isoformat()}), from_citizen=True, stamps={'from_citizen': stamp()}))
    assert read_push(orjson.dumps({'pulled': 0, 'cards': [card]}), UNIT, [], now=now).cards[0].from_citizen
    for bad in ('yes', 1, None, {'nested': True}):
        forged = card | {'from_citizen': {'flag': bad, 'stamp': stamp()}}
        answer = read_changes({'seq': 1, 'cards': [forged]}, UNIT, now=now)
        assert answer.refused and not answer.cards, bad


async def push(hub: Hub, token: str, **records: list) -> object:
    async with client(hub, token) as kiosk:
        return await kiosk.post(f'/api/v1/units/{UNIT}/sync', content=orjson.dumps({'pulled': 0, **records}),
                                headers={'Content-Type': 'application/json'})


async def test_only_the_hub_marks_a_card_as_from_a_citizen(hub: Hub):
    token = await pair(hub)
    # a wall screen (its token may be stolen) claiming a citizen's idea: the hub keeps its own word
    card = await hub.do.create_card(UNIT, CardFields(title='Fra tavla'))
    forged = dataclasses.replace(card, from_citizen=True, stamps={**card.stamps, 'from_citizen': stamp()})
    assert (await push(hub, token, cards=[card_to_dict(forged)])).status_code == 200
    assert hub.store.card(UNIT, card.id).from_citizen is False  # type: ignore[union-attr]
    # nor can it take the mark off an approved one
    approved = await approved_card(hub)
    stripped = dataclasses.replace(approved, from_citizen=False, title='Benker',
                                   stamps={**approved.stamps, 'from_citizen': stamp(), 'title': stamp()})
    assert (await push(hub, token, cards=[card_to_dict(stripped)])).status_code == 200
    kept = hub.store.card(UNIT, approved.id)
    assert kept is not None and kept.from_citizen and kept.title == 'Benker'  # the wall's edit of the title stands


async def test_a_wall_screen_gets_the_approved_idea_marked_and_never_a_pending_one(hub: Hub, tmp_path):
    network = Network(hub._transport)
    kiosk, client_, tasks = await start_kiosk(hub, tmp_path / 'kiosk', network)
    try:
        store = hub.store
        waiting = await store.run(citizens.receive, store, UNIT, 'Venter på en leder', '', '')
        declined = await store.run(citizens.receive, store, UNIT, 'Blir avslått', '', 'a@example.no')
        await store.run(citizens.decline, store, UNIT, declined.id, 'Ikke vårt ansvar', by='Kari Leder')
        card = await approved_card(hub)
        await eventually(lambda: kiosk.card(UNIT, card.id) is not None, seconds=5)
        on_wall = kiosk.card(UNIT, card.id)
        assert on_wall is not None and on_wall.from_citizen and on_wall.unseen
        titles = {c.title for c in kiosk.cards(UNIT)}
        assert 'Venter på en leder' not in titles and 'Blir avslått' not in titles
        # the wall screen's data folder holds nothing of them (pending ideas live in the hub's own file)
        text = ''.join(p.read_text() for p in (tmp_path / 'kiosk').rglob('*.json'))
        assert 'Venter på en leder' not in text and 'Blir avslått' not in text and 'a@example.no' not in text
        assert waiting.id not in text
        # an edit on the wall comes back with the mark kept
        await kiosk.run(kiosk.edit_card, UNIT, card.id, CardFields(title='Benker til senteret'))
        await eventually(lambda: store.card(UNIT, card.id).title == 'Benker til senteret', seconds=5)  # type: ignore[union-attr]
        assert store.card(UNIT, card.id).from_citizen  # type: ignore[union-attr]
    finally:
        await stop(client_, tasks)
        kiosk.close()


@pytest.mark.slow
@pytest.mark.parametrize('release', ['format-1', 'format-3'])
async def test_an_older_release_takes_the_card_and_passes_the_mark_on_or_the_merge_keeps_it(
        hub: Hub, previous_releases: dict[str, Path], release: str):  # noqa: F811
    card = await approved_card(hub)
    doc = card_to_dict(card)
    # the older release reads it as the hub's answer and as a wall screen's push, and writes it back as it keeps it
    back = with_release(previous_releases[release], f'''
import json
from datetime import UTC, datetime
from board.store.codec import card_to_dict
from board.wire import read_changes, read_push
doc = json.loads({json.dumps(json.dumps(doc))})
answer = read_changes({{'seq': 1, 'cards': [doc]}}, {UNIT!r}, now=datetime.now(UTC))
assert not answer.refused and len(answer.cards) == 1, answer.refused
pushed = read_push(json.dumps({{'pulled': 0, 'cards': [doc]}}).encode(), {UNIT!r}, [], now=datetime.now(UTC))
print(json.dumps(card_to_dict(pushed.cards[0])))
''')
    returned = card_from_dict(json.loads(back))
    # format 3 keeps the key and passes it on; format 1 drops it, and merging keeps this side's by its stamp
    assert returned.from_citizen == (release == 'format-3')
    assert merge_card(card, returned).from_citizen and merge_card(returned, card).from_citizen
