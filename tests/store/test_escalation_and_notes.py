"""Issue 16: a card lifted to the board above appears there within a second and the answer comes back down; a
leader's question or praise waits for the unit's next meeting and the answer returns; what a wall screen may not
do with either is refused or replaced by the hub's."""

from __future__ import annotations

import dataclasses

import pytest

from board.domain import (
    LEADERSHIP_BOARD,
    Answer,
    CardFields,
    Column,
    EscalationState,
    NoteKind,
    Origin,
    RuleViolation,
    area_board_id,
)
from board.store.core import lifted_id

from ..conftest import Hub
from ..factories import UNIT
from ..helpers import eventually

AREA_BOARD = area_board_id('helse')


async def test_the_boards_above_the_units_exist_and_are_not_units(hub: Hub):
    organisation = hub.store.organisation
    assert {b.id for b in organisation.upper_boards} == {area_board_id('helse'), area_board_id('oppvekst'),
                                                        LEADERSHIP_BOARD}
    assert all(u.level == 'unit' for u in organisation.units)
    unit = organisation.unit(UNIT)
    assert unit is not None and organisation.board_above(unit).id == AREA_BOARD  # type: ignore[union-attr]
    area = organisation.unit(AREA_BOARD)
    assert area is not None and organisation.board_above(area).id == LEADERSHIP_BOARD  # type: ignore[union-attr]
    top = organisation.unit(LEADERSHIP_BOARD)
    assert top is not None and organisation.board_above(top) is None
    assert hub.store.cards(AREA_BOARD) == []


async def test_a_lifted_card_reaches_the_board_above_and_its_answer_comes_back(hub: Hub):
    store = hub.store
    card = await hub.do.create_card(UNIT, CardFields(title='Ingen vikarer i helgene'))
    with pytest.raises(RuleViolation):
        await hub.do.escalate(UNIT, card.id, '   ')  # a reason is needed
    await hub.do.escalate(UNIT, card.id, 'Vi kan ikke ansette selv')
    copy_id = lifted_id(UNIT, card.id)
    await eventually(lambda: store.card(AREA_BOARD, copy_id) is not None, seconds=1)
    copy = store.card(AREA_BOARD, copy_id)
    assert copy is not None and copy.lifted_from is not None and copy.lifted_from.unit_name == 'Avdeling A'
    assert copy.title == 'Ingen vikarer i helgene' and copy.column == Column.IDEAS and copy.unseen
    assert store.card(UNIT, card.id).escalation.state == EscalationState.WAITING  # type: ignore[union-attr]
    # the area's meeting declines it with a reason: the unit's card says so
    await hub.do.answer_idea(AREA_BOARD, copy_id, Answer.DECLINED, 'Budsjettet er brukt opp i år')
    await eventually(lambda: store.card(UNIT, card.id).escalation.state == EscalationState.DECLINED)  # type: ignore[union-attr]
    escalation = store.card(UNIT, card.id).escalation  # type: ignore[union-attr]
    assert escalation is not None and escalation.answer_note == 'Budsjettet er brukt opp i år'
    # lifted again with a new reason: asked anew up there
    await hub.do.escalate(UNIT, card.id, 'Nå er det nytt budsjettår')
    await eventually(lambda: getattr(store.card(AREA_BOARD, copy_id), 'answer', 'gone') is None)
    await hub.do.move_card(AREA_BOARD, copy_id, Column.DOING, 0)
    await eventually(lambda: store.card(UNIT, card.id).escalation.state == EscalationState.TAKEN)  # type: ignore[union-attr]
    assert len([c for c in store.cards(AREA_BOARD) if c.lifted_from]) == 1  # one copy, however often lifted


async def test_the_leadership_groups_board_lifts_no_further(hub: Hub):
    card = await hub.do.create_card(LEADERSHIP_BOARD, CardFields(title='Felles turnussystem'))
    with pytest.raises(RuleViolation):
        await hub.do.escalate(LEADERSHIP_BOARD, card.id, 'Hvem skal ta dette?')


async def test_a_leaders_question_is_answered_in_the_meeting(hub: Hub):
    store = hub.store
    note = await hub.do.add_leader_note(UNIT, NoteKind.QUESTION, 'Hvordan går det med fallene?', by='Kari Leder')
    with pytest.raises(RuleViolation):
        await hub.do.add_leader_note(UNIT, NoteKind.PRAISE, 'Bra jobba', origin=Origin.BOARD)  # leaders only
    with pytest.raises(RuleViolation):
        await hub.do.handle_leader_note(UNIT, note.id, '')  # a question needs an answer
    await hub.do.handle_leader_note(UNIT, note.id, 'Ned fra fem til tre i måneden')
    answered = store.leader_note(UNIT, note.id)
    assert answered is not None and answered.answer == 'Ned fra fem til tre i måneden' and not answered.open
    praise = await hub.do.add_leader_note(UNIT, NoteKind.PRAISE, 'Takk for innsatsen med sjekklista', by='Kari')
    handled = await hub.do.handle_leader_note(UNIT, praise.id)
    assert handled.handled_at is not None and handled.answer == ''
    assert [n.id for n in store.leader_notes(UNIT)] == [note.id, praise.id]
    gone = await hub.do.remove_leader_note(UNIT, note.id)
    assert gone is not None and gone.deleted and [n.id for n in store.leader_notes(UNIT)] == [praise.id]
    assert dataclasses.replace(gone, deleted=False) != gone
