"""Root-cause analysis at the board, kept with the card: "5 x hvorfor" (five whys) and a fishbone (fiskebein) with
causes under the six classic headings. Opened from a card's dialog; big fields for fingers and the on-screen
keyboard; one cause per line under each heading.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from ..domain import SHORT_TEXT_MAX, WHY_MAX, Card, FishboneHeading, Problem
from ..i18n import Translator
from .theme import attrs

#: (card id, whys, causes) -> problems; empty when saved
SaveRootCauses = Callable[[str, list[str], list[tuple[FishboneHeading, str]]], Awaitable[list[Problem]]]


class RootCauseDialog:

    def __init__(self, *, t: Translator, on_save: SaveRootCauses) -> None:
        self._t = t
        self._on_save = on_save
        self._card_id = ''
        self._build()

    def _build(self) -> None:
        t = self._t
        with ui.dialog() as self.dialog, ui.card().classes('card-dialog root-cause gap-3'):
            self.heading = ui.label().classes('text-2xl font-bold').props('role=heading aria-level=2') \
                .style('overflow-wrap: anywhere')
            with ui.tabs().classes('w-full') as tabs:
                whys_tab = ui.tab(t('root_cause.whys')).mark('tab-whys')
                fishbone_tab = ui.tab(t('root_cause.fishbone')).mark('tab-fishbone')
            with ui.tab_panels(tabs, value=whys_tab).classes('w-full'):
                with ui.tab_panel(whys_tab).classes('gap-2'):
                    ui.label(t('root_cause.whys_help')).classes('text-lg')
                    self.whys = [attrs(ui.input(t('root_cause.why', number=n + 1)).props('outlined'),
                                       {'maxlength': SHORT_TEXT_MAX * 2}).classes('w-full text-lg')
                                 .mark(f'why-{n + 1}') for n in range(WHY_MAX)]
                with ui.tab_panel(fishbone_tab).classes('gap-2'):
                    ui.label(t('root_cause.fishbone_help')).classes('text-lg')
                    with ui.element('div').classes('fishbone'):
                        self.causes = {heading: ui.textarea(t(f'fishbone.{heading.value}'))
                                       .props('outlined autogrow').classes('w-full').mark(f'cause-{heading.value}')
                                       for heading in FishboneHeading}
            self.error = ui.label().classes('field-error').props('role=alert')
            with ui.row().classes('w-full justify-end gap-3'):
                ui.button(t('action.cancel'), on_click=self.dialog.close).props('flat').classes('touch-button')
                ui.button(t('action.save'), icon='check', on_click=self._save).classes('touch-button') \
                    .mark('root-cause-save')

    def open(self, card: Card) -> None:
        self._card_id = card.id
        self.heading.text = self._t('root_cause.heading', title=card.title)
        for index, field in enumerate(self.whys):
            field.value = card.whys[index] if index < len(card.whys) else ''
        for heading, field in self.causes.items():
            field.value = '\n'.join(text for h, text in card.causes if h == heading)
        self.error.text = ''
        self.dialog.open()

    async def _save(self) -> None:
        whys = [field.value or '' for field in self.whys]
        causes = [(heading, line) for heading, field in self.causes.items()
                  for line in (field.value or '').splitlines()]
        problems = await self._on_save(self._card_id, whys, causes)
        if problems:
            self.error.text = ' '.join(self._t(p.key, **p.params) for p in problems)
            return
        self.dialog.close()
