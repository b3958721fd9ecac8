"""Spreading what works at the wall, through NiceGUI's simulated user: *Del med andre enheter* on a finished card,
the suggestion in the other unit's meeting, and *Tatt i bruk av 1 enhet* on the original once it is taken in."""

from __future__ import annotations

from board.domain import CardFields, Column
from board.store.core import suggestion_id

from ..conftest import Hub
from ..factories import OTHER_UNIT, UNIT
from ..helpers import eventually, open_board, tap_card


async def test_a_finished_card_is_shared_and_comes_up_in_the_other_units_meeting(hub: Hub):
    store = hub.store
    card = await hub.do.create_card(UNIT, CardFields(title='Fast plass for rullatorene'), column=Column.DOING)
    await hub.do.move_card(UNIT, card.id, Column.DONE, 0)
    wall = await open_board(hub)
    tap_card(wall, store.card(UNIT, card.id))
    wall.find(marker='dialog-share').click()
    wall.find(marker='share-confirm').click()
    await wall.should_see('Velg minst én enhet.')
    wall.find(marker=f'share-unit-{OTHER_UNIT}').click()
    wall.find(marker='share-confirm').click()
    await wall.should_see('Delt med 1 enhet')
    copy_id = suggestion_id(OTHER_UNIT, UNIT, card.id)
    await eventually(lambda: store.card(OTHER_UNIT, copy_id) is not None, seconds=1)
    other = await open_board(hub, OTHER_UNIT)
    other.find(marker='start-meeting').click()
    other.find(marker='step-ideas').click()
    await other.should_see('Fast plass for rullatorene')
    await other.should_see(marker='suggested-from')  # in the meeting's idea itself, not only on the board behind
    other.find(marker='accept').click()
    other.find(marker='accept-confirm').click()
    await wall.should_see('Tatt i bruk av 1 enhet')
