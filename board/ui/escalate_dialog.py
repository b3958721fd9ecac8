"""Cards to other boards: *Løft til …* (to the board above, with a reason) and *Del med andre enheter*.

*Løft til …*: a card the unit cannot solve alone goes to the board above with a reason in a sentence.

On a wall screen offline the lift waits in the outbox like any change; once the hub has it, the card is among the
board above's new ideas within a second (``board.escalation``), and its answer comes back to the card.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from ..domain import SHORT_TEXT_MAX, Card, Organisation, Problem, Unit
from ..i18n import Translator
from .theme import attrs

__all__ = ['EscalateDialog', 'ShareDialog']


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


class ShareDialog:
    """*Del med andre enheter*: a finished improvement is suggested to the units chosen, by service area.

    Each chosen unit finds it among its ideas as *Forslag fra <enhet>*, to answer in its meeting; the card here shows
    how many have taken it into use.
    """

    def __init__(self, *, t: Translator, organisation: Organisation, unit: Unit,
                 on_share: Callable[[str, list[str]], Awaitable[list[Problem]]]) -> None:
        self.t = t
        self.on_share = on_share
        self.card_id: str | None = None
        self.boxes: dict[str, ui.checkbox] = {}
        with ui.dialog() as self.dialog, ui.card().classes('card-dialog gap-3').mark('share-dialog'):
            self.heading = attrs(ui.label().classes('text-2xl font-bold'), {'role': 'heading', 'aria-level': '2'})
            ui.label(t('share.help')).classes('text-lg')
            with ui.column().classes('w-full gap-1 share-units'):
                for area in sorted(organisation.service_areas, key=lambda a: a.name.casefold()):
                    units = [u for u in organisation.units_in(area.id) if u.id != unit.id]
                    if not units:
                        continue
                    ui.label(area.name).classes('text-xl font-semibold pt-2')
                    for other in units:
                        self.boxes[other.id] = ui.checkbox(other.name).classes('text-lg') \
                            .mark(f'share-unit-{other.id}')
            self.error = attrs(ui.label().classes('field-error'), {'role': 'alert'})
            with ui.row().classes('w-full justify-end gap-3'):
                ui.button(t('action.cancel'), on_click=self.dialog.close).props('flat no-caps') \
                    .classes('touch-button')
                ui.button(t('share.confirm'), icon='share', on_click=self._share).props('no-caps') \
                    .classes('touch-button').mark('share-confirm')

    def open(self, card: Card) -> None:
        self.card_id = card.id
        self.heading.text = self.t('share.heading', title=card.title)
        for unit_id, box in self.boxes.items():
            box.value = unit_id in card.shared_to
        self.error.text = ''
        self.dialog.open()

    async def _share(self) -> None:
        if self.card_id is None:
            return
        chosen = [unit_id for unit_id, box in self.boxes.items() if box.value]
        problems = await self.on_share(self.card_id, chosen)
        if problems:
            self.error.text = ' '.join(self.t(p.key, **p.params) for p in problems)
            return
        self.dialog.close()
