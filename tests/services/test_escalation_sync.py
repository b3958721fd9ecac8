"""Issue 16 through the sync API: a card lifted on a wall screen while the hub is away reaches the board above
once the hub is back, and the answer reaches the wall screen; a leader's question reaches the wall screen and its
answer the hub; what a wall screen may not say (an answer of the board above, where a card was lifted from, a note
of its own or a changed question) is replaced by the hub's or refused."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import orjson

from board.domain import (
    Answer,
    CardFields,
    Column,
    Escalation,
    EscalationState,
    Lift,
    NoteKind,
    Origin,
    VsaTag,
    area_board_id,
)
from board.store.codec import card_to_dict, leader_note_to_dict
from board.store.core import lifted_id, suggestion_id

from ..conftest import Hub
from ..factories import OTHER_UNIT, UNIT
from ..helpers import Network, client, eventually, pair, start_kiosk, stop

AREA_BOARD = area_board_id('helse')


async def test_a_card_lifted_on_a_wall_screen_offline_reaches_the_board_above_and_the_answer_comes_back(
        hub: Hub, tmp_path):
    network = Network(hub._transport)
    network.down = True
    kiosk, client_, tasks = await start_kiosk(hub, tmp_path / 'kiosk', network)
    try:
        card = await kiosk.run(kiosk.create_card, UNIT, CardFields(title='Heisen står hver uke'))
        await kiosk.run(kiosk.escalate, UNIT, card.id, 'Vi eier ikke bygget')
        await eventually(lambda: client_.status.waiting >= 1)
        network.down = False
        copy_id = lifted_id(UNIT, card.id)
        await eventually(lambda: hub.store.card(AREA_BOARD, copy_id) is not None, seconds=5)
        await hub.do.answer_idea(AREA_BOARD, copy_id, Answer.PARKED, '')
        await eventually(lambda: kiosk.card(UNIT, card.id).escalation.state == EscalationState.PARKED,  # type: ignore[union-attr]
                         seconds=5)
    finally:
        await stop(client_, tasks)
        kiosk.close()


async def test_a_leaders_question_is_answered_on_a_wall_screen_and_the_answer_reaches_the_hub(hub: Hub, tmp_path):
    network = Network(hub._transport)
    kiosk, client_, tasks = await start_kiosk(hub, tmp_path / 'kiosk', network)
    try:
        note = await hub.do.add_leader_note(UNIT, NoteKind.QUESTION, 'Hva trenger dere?', by='Kari Leder')
        await eventually(lambda: kiosk.leader_note(UNIT, note.id) is not None, seconds=5)
        network.down = True
        await kiosk.run(kiosk.handle_leader_note, UNIT, note.id, 'En ny heis')
        network.down = False
        await eventually(lambda: hub.store.leader_note(UNIT, note.id).answer == 'En ny heis', seconds=5)  # type: ignore[union-attr]
        assert hub.store.leader_note(UNIT, note.id).text == 'Hva trenger dere?'  # type: ignore[union-attr]
    finally:
        await stop(client_, tasks)
        kiosk.close()


def stamp() -> str:
    return f'{int(datetime.now(UTC).timestamp() * 1000):013d}-00000-kioskx'


async def push(hub: Hub, token: str, **records: list) -> object:
    async with client(hub, token) as kiosk:
        return await kiosk.post(f'/api/v1/units/{UNIT}/sync', content=orjson.dumps({'pulled': 0, **records}),
                                headers={'Content-Type': 'application/json'})


async def test_a_wall_screen_cannot_forge_the_answer_of_the_board_above_or_a_lift(hub: Hub):
    token = await pair(hub)
    card = await hub.do.create_card(UNIT, CardFields(title='Heisen står'))
    now = datetime.now(UTC)
    forged = dataclasses.replace(
        card, escalation=Escalation(to=AREA_BOARD, reason='Hjelp', at=now, state=EscalationState.TAKEN),
        lifted_from=Lift(unit_id='skole-b', card_id='x1', unit_name='Skole B'),
        stamps={**card.stamps, 'escalation': stamp(), 'lifted_from': stamp(), 'title': stamp()})
    response = await push(hub, token, cards=[card_to_dict(forged)])
    assert response.status_code == 200
    kept = hub.store.card(UNIT, card.id)
    assert kept is not None and kept.escalation is None and kept.lifted_from is None
    # a plain lift (waiting) is the wall's to make
    asked = dataclasses.replace(card, escalation=Escalation(to=AREA_BOARD, reason='Hjelp', at=now),
                                stamps={**card.stamps, 'escalation': stamp()})
    assert (await push(hub, token, cards=[card_to_dict(asked)])).status_code == 200
    await eventually(lambda: hub.store.card(AREA_BOARD, lifted_id(UNIT, card.id)) is not None, seconds=2)


async def test_a_wall_screen_only_answers_a_leaders_note(hub: Hub):
    token = await pair(hub)
    note = await hub.do.add_leader_note(UNIT, NoteKind.PRAISE, 'Godt jobba med sjekklista', by='Kari Leder')
    own = dataclasses.replace(note, id='egen', text='Vi roser oss selv', stamp=stamp())
    changed = dataclasses.replace(note, text='Dårlig jobba', stamp=stamp())
    for bad in (own, changed):
        response = await push(hub, token, leader_notes=[leader_note_to_dict(bad)])
        assert response.status_code == 422
        assert response.json()['detail']['refused'][0]['kind'] == 'note'
    handled = dataclasses.replace(note, handled_at=datetime.now(UTC), stamp=stamp())
    assert (await push(hub, token, leader_notes=[leader_note_to_dict(handled)])).status_code == 200
    kept = hub.store.leader_note(UNIT, note.id)
    assert kept is not None and kept.text == 'Godt jobba med sjekklista' and not kept.open
    assert Origin.LEADER  # the note stays the leader's


async def test_a_wall_screen_cannot_forge_who_took_a_shared_card_into_use_or_where_a_suggestion_came_from(hub: Hub):
    token = await pair(hub)
    card = await hub.do.create_card(UNIT, CardFields(title='Ny vaktbok'))
    forged = dataclasses.replace(
        card, adopted_by=('skole-b',), suggested_from=Lift(unit_id='skole-b', card_id='x1', unit_name='Skole B'),
        stamps={**card.stamps, 'adopted_by': stamp(), 'suggested_from': stamp(), 'title': stamp()})
    assert (await push(hub, token, cards=[card_to_dict(forged)])).status_code == 200
    kept = hub.store.card(UNIT, card.id)
    assert kept is not None and kept.adopted_by == () and kept.suggested_from is None


async def test_a_card_shared_on_a_wall_screen_offline_reaches_the_other_unit(hub: Hub, tmp_path):
    network = Network(hub._transport)
    network.down = True
    kiosk, client_, tasks = await start_kiosk(hub, tmp_path / 'kiosk', network)
    try:
        card = await kiosk.run(kiosk.create_card, UNIT, CardFields(title='Fast plass for rullatorene'),
                               column=Column.DOING)
        await kiosk.run(kiosk.move_card, UNIT, card.id, Column.DONE, 0)
        await kiosk.run(kiosk.share_card, UNIT, card.id, [OTHER_UNIT])
        network.down = False
        copy_id = suggestion_id(OTHER_UNIT, UNIT, card.id)
        await eventually(lambda: hub.store.card(OTHER_UNIT, copy_id) is not None, seconds=5)
        await hub.do.move_card(OTHER_UNIT, copy_id, Column.DOING, 0)
        await eventually(lambda: kiosk.card(UNIT, card.id).adopted_by == (OTHER_UNIT,), seconds=5)  # type: ignore[union-attr]
    finally:
        await stop(client_, tasks)
        kiosk.close()


async def test_a_wall_screen_cannot_tag_a_card_with_a_value_stream_analysis(hub: Hub):
    token = await pair(hub)
    card = await hub.do.create_card(UNIT, CardFields(title='Ny vaktbok'))
    forged = dataclasses.replace(card, vsa=VsaTag(id='vsa1', name='Påfunnet analyse'),
                                 stamps={**card.stamps, 'vsa': stamp(), 'title': stamp()})
    assert (await push(hub, token, cards=[card_to_dict(forged)])).status_code == 200
    kept = hub.store.card(UNIT, card.id)
    assert kept is not None and kept.vsa is None  # it would count in the leaders' share of gains from analyses
