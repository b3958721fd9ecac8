"""*Løft til …*: a card the unit cannot solve alone goes to the board above with a reason in a sentence.

On a wall screen offline the lift waits in the outbox like any change; once the hub has it, the card is among the
board above's new ideas within a second (``board.escalation``), and its answer comes back to the card.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from ..domain import SHORT_TEXT_MAX, Card, Problem
from ..i18n import Translator
from .theme import attrs

__all__ = ['EscalateDialog']


class EscalateDialog:

    def __init__(self, *, t: Translator, above: str, on_lift: Callable[[str, str], Awaitable[list[Problem]]]) -> None:
        self.t = t
        self.on_lift = on_lift
        self.card_id: str | None = None
        with ui.dialog() as self.dialog, ui.card().classes('card-dialog gap-3').mark('escalate-dialog'):
            self.heading = attrs(ui.label().classes('text-2xl font-bold'), {'role': 'heading', 'aria-level': '2'})
            ui.label(t('escalation.help', board=above)).classes('text-lg')
            self.reason = attrs(ui.textarea(t('escalation.reason')).props('outlined autogrow'),
                                {'maxlength': SHORT_TEXT_MAX}).classes('w-full').mark('escalate-reason')
            with ui.row().classes('w-full justify-end gap-3'):
                ui.button(t('action.cancel'), on_click=self.dialog.close).props('flat no-caps') \
                    .classes('touch-button')
                ui.button(t('escalation.lift_to', board=above), icon='north', on_click=self._lift) \
                    .props('no-caps').classes('touch-button').mark('escalate-confirm')

    def open(self, card: Card) -> None:
        self.card_id = card.id
        self.heading.text = self.t('escalation.heading', title=card.title)
        self.reason.value = ''
        self.reason.error = None
        self.dialog.open()

    async def _lift(self) -> None:
        if self.card_id is None:
            return
        problems = await self.on_lift(self.card_id, self.reason.value or '')
        if problems:
            self.reason.error = ' '.join(self.t(p.key, **p.params) for p in problems)
            return
        self.dialog.close()
