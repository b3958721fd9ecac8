"""Cards between boards, on the hub: lifted to the board above and answered, and shared with other units.

A unit lifts a card (*Løft til …*, ``Store.escalate``) at its board, also on a wall screen offline: the card's
``escalation`` says to which board and why, and travels like any change. The hub watches its store: a card waiting
to be lifted gets a copy on the board above (once: the copy's id comes from the card's), marked *Løftet fra
<enhet>*, among that board's new ideas. That board's meeting answers it as it answers any idea: taken into Pågår,
parked, or declined with a reason; the answer is written back onto the unit's card (*Løftet – venter svar* becomes
*Tatt inn av …*, *Parkert av …* or *Avslått av …: <grunn>*), and reaches the unit's wall screen and its next
meeting. Only the hub does this, so there is one copy however many screens the unit has.

Spreading what works goes the same way: a finished card shared with other units (*Del med andre enheter*,
``Store.share_card``) appears among each chosen unit's ideas as *Forslag fra <enhet>*, answered in their meetings;
each unit that takes it into use is counted on the original (*Tatt i bruk av N enheter*) and records its own gain
on its own card, so the roll-ups count every unit's gain once."""

from __future__ import annotations

import asyncio
import logging

from .domain import Answer, Card, Column, EscalationState
from .store import BoardFull, CardChanged, Change, Store, StoreWriteError
from .store.acting import HUB, acting_from

__all__ = ['Escalations', 'answer_of']

log = logging.getLogger(__name__)


def answer_of(lifted: Card) -> tuple[EscalationState, str]:
    """The board above's answer, read from its copy of a lifted card."""
    if lifted.deleted:
        return EscalationState.DECLINED, ''
    if lifted.answer == Answer.DECLINED:
        return EscalationState.DECLINED, lifted.answer_note
    if lifted.column != Column.IDEAS:
        return EscalationState.TAKEN, ''
    if lifted.answer == Answer.PARKED:
        return EscalationState.PARKED, lifted.answer_note
    return EscalationState.WAITING, ''


class Escalations:
    """The hub's part: started with the hub, it follows the store's changes and catches up on what it missed."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._queue: asyncio.Queue[Card] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.store.subscribe(self._from_writer)
        for board in self.store.organisation.boards:  # what changed while the hub was not running
            for card in self.store.escalations(board.id):
                self._queue.put_nowait(card)
            for card in self.store.cards(board.id):
                if card.lifted_from is not None or card.shared_to or card.suggested_from is not None:
                    self._queue.put_nowait(card)
        self._task = asyncio.create_task(self._run(), name='escalations')

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _from_writer(self, change: Change) -> None:
        card = change.card if isinstance(change, CardChanged) else None
        if card is None or (card.escalation is None and card.lifted_from is None and not card.shared_to
                            and card.suggested_from is None):
            return
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._queue.put_nowait, card)

    async def _run(self) -> None:
        while True:
            card = await self._queue.get()
            try:
                await self.react(card)
            except (BoardFull, StoreWriteError, KeyError, ValueError):
                # one card that cannot be lifted (its board full, a disk error) must not stop the others
                log.exception('could not pass on the escalation of card %s of unit %s', card.id, card.unit_id)

    async def react(self, card: Card) -> None:
        with acting_from(HUB):
            await self._lift(card)
            await self._spread(card)

    async def _spread(self, card: Card) -> None:
        """A card shared with other units appears among their ideas; a unit taking its copy into use is counted on
        the original (*Tatt i bruk av N enheter*)."""
        store = self.store
        if card.shared_to and card.on_board:
            for unit_id in card.shared_to:
                if store.organisation.unit(unit_id) is not None and unit_id != card.unit_id:
                    await store.run(store.suggested_card, unit_id, card)
        source = card.suggested_from
        if source is not None and store.organisation.unit(source.unit_id) is not None:
            taken = card.on_board and card.column != Column.IDEAS
            await store.run(store.set_adopted, source.unit_id, source.card_id, card.unit_id, taken)

    async def _lift(self, card: Card) -> None:
        """A card lifted to the board above appears there; that board's answer comes back to the card."""
        store = self.store
        escalation = card.escalation
        if escalation is not None and escalation.state == EscalationState.WAITING and card.on_board \
                and store.organisation.unit(escalation.to) is not None:
            lifted = await store.run(store.lifted_card, escalation.to, card)
            if lifted is not None:
                log.info('card %s of unit %s lifted to %s as %s', card.id, card.unit_id, escalation.to,
                         lifted.id)
        source = card.lifted_from
        if source is not None and store.organisation.unit(source.unit_id) is not None:
            state, note = answer_of(card)
            board = store.organisation.unit(card.unit_id)
            await store.run(store.answer_escalation, source.unit_id, source.card_id, state, note,
                            by=board.name if board else card.unit_id)
