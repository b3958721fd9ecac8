"""Issue 16 at the board and on the leaders' pages, through NiceGUI's simulated user: a card lifted from a unit's
board reaches the area's board and its answer comes back to the card and the unit's next meeting; a leader's
question comes up in the unit's next meeting and its answer reaches the leader's page and the overview."""

from __future__ import annotations

from board.domain import Answer, CardFields, EscalationState, NoteKind, area_board_id
from board.store.core import lifted_id

from ..conftest import Hub
from ..factories import UNIT
from ..helpers import eventually, open_board, tap_card
from .test_leaders import logged_in

AREA_BOARD = area_board_id('helse')


async def test_a_card_is_lifted_at_the_wall_and_the_answer_comes_back(hub: Hub):
    store = hub.store
    card = await hub.do.create_card(UNIT, CardFields(title='Ingen vikarer i helgene'))
    wall = await open_board(hub)
    tap_card(wall, card)
    wall.find(marker='dialog-escalate').click()
    wall.find(marker='escalate-confirm').click()
    await wall.should_see('Skriv noen ord først.')  # a reason is needed
    wall.find(marker='escalate-reason').type('Vi kan ikke ansette selv')
    wall.find(marker='escalate-confirm').click()
    await wall.should_see('Løftet til Helse og omsorg – venter svar')
    copy_id = lifted_id(UNIT, card.id)
    await eventually(lambda: store.card(AREA_BOARD, copy_id) is not None, seconds=1)
    area_wall = await open_board(hub, AREA_BOARD)
    await area_wall.should_see('Løftet fra Avdeling A')
    # the area's meeting sees where it came from and why
    area_wall.find(marker='start-meeting').click()
    area_wall.find(marker='step-ideas').click()
    await area_wall.should_see('Løftet fra Avdeling A: Vi kan ikke ansette selv')
    # the area's board meeting declines it with a reason
    await hub.do.answer_idea(AREA_BOARD, copy_id, Answer.DECLINED, 'Budsjettet er brukt opp')
    await wall.should_see('Helse og omsorg avslo: Budsjettet er brukt opp')
    # and the unit's next meeting shows the answer
    wall.find(marker='start-meeting').click()
    wall.find(marker='step-leaders').click()
    await wall.should_see('Helse og omsorg avslo: Budsjettet er brukt opp')
    assert store.card(UNIT, card.id).escalation.state == EscalationState.DECLINED  # type: ignore[union-attr]


async def test_a_leaders_question_is_answered_in_the_next_meeting_and_the_answer_returns(hub: Hub):
    store = hub.store
    leader = await logged_in(hub, 'kari', f'unit:{UNIT}')
    await leader.open(f'/leder/enheter/{UNIT}')
    leader.find(marker='note-open').click()
    leader.find(marker='note-text').type('Hvordan går det med fallene?')
    leader.find(marker='note-save').click()
    await eventually(lambda: len(store.leader_notes(UNIT)) == 1)
    note = store.leader_notes(UNIT)[0]
    assert note.kind == NoteKind.QUESTION and note.by  # the leader's name
    await leader.should_see('Venter på tavlemøtet')
    wall = await open_board(hub)
    wall.find(marker='start-meeting').click()
    wall.find(marker='step-leaders').click()
    await wall.should_see('Hvordan går det med fallene?')
    wall.find(marker=f'note-save-{note.id}').click()
    await wall.should_see('Skriv noen ord først.')
    wall.find(marker=f'note-answer-{note.id}').type('Ned fra fem til tre i måneden')
    wall.find(marker=f'note-save-{note.id}').click()
    await eventually(lambda: store.leader_note(UNIT, note.id).answer == 'Ned fra fem til tre i måneden')  # type: ignore[union-attr]
    await leader.should_see('Svar: Ned fra fem til tre i måneden')  # live on the leader's page
    overview = await logged_in(hub, 'kari2', f'unit:{UNIT}')
    await overview.open('/leder')
    await overview.should_see('Svar på «Hvordan går det med fallene?»: Ned fra fem til tre i måneden')
