"""Root-cause analysis at the board, kept with the card: the problem, "5 x hvorfor" (five whys) and a fishbone
(fiskebein) with causes under the six classic headings. Opened from a card's dialog; made for fingers at the wall.

The analysis starts from the problem in a sentence (the fish's head; the card's title until someone writes one).
The fishbone is drawn: a spine to the head and six bones, three above and three below, each carrying its heading
and its causes in words large enough for the meeting to read; a tap on a bone opens its causes for editing, one
per line, with the on-screen keyboard. The drawing is fixed lines only: every word in it is a label's text, never
markup.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from nicegui import ui

from ..domain import SHORT_TEXT_MAX, WHY_MAX, Card, FishboneHeading, Problem
from ..i18n import Translator
from .theme import attrs

#: (card id, problem, whys, causes) -> problems; empty when saved
SaveRootCauses = Callable[[str, str, list[str], list[tuple[FishboneHeading, str]]], Awaitable[list[Problem]]]

#: the bones' places: three above the spine, three below, from the tail towards the head
UPPER = (FishboneHeading.PEOPLE, FishboneHeading.METHOD, FishboneHeading.EQUIPMENT)
LOWER = (FishboneHeading.MATERIAL, FishboneHeading.ENVIRONMENT, FishboneHeading.MEASUREMENT)

#: the skeleton, in a 1000 x 440 box: the spine, the head's outline and six slanted bones (no text: no data here)
SKELETON = (
    '<svg class="fishbone-skeleton" viewBox="0 0 1000 440" preserveAspectRatio="none" aria-hidden="true" '
    'focusable="false"><g fill="none" stroke="currentColor" stroke-width="6" stroke-linecap="round">'
    '<line x1="20" y1="220" x2="800" y2="220"/>'
    '<path d="M800 150 L990 220 L800 290 Z"/>'
    + ''.join(f'<line x1="{x}" y1="{y}" x2="{x + 90}" y2="220"/>'
              for x in (90, 360, 630) for y in (20, 420))
    + '</g></svg>')


class RootCauseDialog:

    def __init__(self, *, t: Translator, on_save: SaveRootCauses, draft_prefix: str = '') -> None:
        """``draft_prefix``: the start of this board's drafts in the browser (``assets/drafts.js``): what is typed
        here survives a lost connection or a reload until it is saved or cancelled."""
        self._t = t
        self._on_save = on_save
        self._draft_prefix = draft_prefix
        self._card_id = ''
        self._title = ''
        self._build()

    def _build(self) -> None:
        t = self._t
        with ui.dialog().props('persistent') as self.dialog, \
                ui.card().classes('card-dialog root-cause-dialog gap-3') as self.form:
            self.heading = ui.label().classes('text-2xl font-bold').props('role=heading aria-level=2') \
                .style('overflow-wrap: anywhere')
            self.problem = attrs(ui.input(t('root_cause.problem')).props('outlined'),
                                 {'maxlength': SHORT_TEXT_MAX, 'data-draft-field': 'problem'}) \
                .classes('w-full text-xl').mark('problem')
            self.problem.on_value_change(self._show_head)
            with ui.tabs().classes('w-full').on_value_change(lambda: self._draft_call('restore')) as tabs:
                whys_tab = ui.tab(t('root_cause.whys')).mark('tab-whys')
                fishbone_tab = ui.tab(t('root_cause.fishbone')).mark('tab-fishbone')
            with ui.tab_panels(tabs, value=whys_tab).classes('w-full'):
                with ui.tab_panel(whys_tab).classes('gap-2'):
                    ui.label(t('root_cause.whys_help')).classes('text-lg')
                    self.whys = [attrs(ui.input(t('root_cause.why', number=n + 1)).props('outlined'),
                                       {'maxlength': SHORT_TEXT_MAX * 2, 'data-draft-field': f'why-{n + 1}'})
                                 .classes('w-full text-lg')
                                 .mark(f'why-{n + 1}') for n in range(WHY_MAX)]
                with ui.tab_panel(fishbone_tab).classes('gap-2'):
                    ui.label(t('root_cause.fishbone_help')).classes('text-lg')
                    self._build_fishbone()
            self.error = ui.label().classes('field-error').props('role=alert')
            with ui.row().classes('w-full justify-end gap-3'):
                attrs(ui.button(t('action.cancel'), on_click=self._cancel).props('flat no-caps'),
                      {'data-draft-cancel': ''}).classes('touch-button')
                ui.button(t('action.save'), icon='check', on_click=self._save).props('no-caps') \
                    .classes('touch-button').mark('root-cause-save')

    def _build_fishbone(self) -> None:
        t = self._t
        self.bones: dict[FishboneHeading, ui.column] = {}
        self.bone_buttons: dict[FishboneHeading, ui.button] = {}
        with ui.element('div').classes('fishbone-diagram').mark('fishbone-diagram'):
            ui.html(SKELETON).classes('fishbone-drawing')  # a constant drawing: lines only, no stored text
            for row, headings in (('fishbone-row fishbone-upper', UPPER), ('fishbone-row fishbone-lower', LOWER)):
                with ui.element('div').classes(row):
                    for heading in headings:
                        button = attrs(ui.button(on_click=lambda h=heading: self._edit(h))
                                       .props('flat no-caps color=grey-10').classes('fishbone-bone'),
                                       {'aria-label': t('root_cause.edit_bone',
                                                        heading=t(f'fishbone.{heading.value}'))})
                        self.bone_buttons[heading] = button.mark(f'bone-{heading.value}')
                        with button, ui.column().classes('gap-1 items-start w-full'):
                            ui.label(t(f'fishbone.{heading.value}')).classes('fishbone-heading')
                            self.bones[heading] = ui.column().classes('gap-0 items-start w-full')
            self.head = ui.label().classes('fishbone-head').mark('fishbone-head')
        # one bone's causes at a time, opened by a tap on the bone (or typed straight into any of them)
        self.causes: dict[FishboneHeading, ui.textarea] = {}
        with ui.element('div').classes('w-full'):
            for heading in FishboneHeading:
                area = attrs(ui.textarea(t('root_cause.causes_of', heading=t(f'fishbone.{heading.value}')))
                             .props('outlined autogrow'), {'data-draft-field': f'cause-{heading.value}'}) \
                    .classes('w-full text-lg').mark(f'cause-{heading.value}')
                area.on_value_change(lambda h=heading: self._show_bone(h))
                self.causes[heading] = area

    def open(self, card: Card) -> None:
        self._card_id = card.id
        self._title = card.title
        self.heading.text = self._t('root_cause.heading', title=card.title)
        self.problem.value = card.problem
        for index, field in enumerate(self.whys):
            field.value = card.whys[index] if index < len(card.whys) else ''
        for heading, field in self.causes.items():
            field.value = '\n'.join(text for h, text in card.causes if h == heading)
            self._show_bone(heading)
        self._show_head()
        self._edit(FishboneHeading.METHOD)
        self.error.text = ''
        attrs(self.form, {'data-draft-key': self.draft_key})
        self.dialog.open()
        self._draft_call('restore')

    @property
    def draft_key(self) -> str:
        """This analysis's draft in the browser: ``<unit>/why/<card id>``."""
        return f'{self._draft_prefix}why/{self._card_id}'

    def _draft_call(self, function: str) -> None:
        if self._card_id:  # the key is JSON, so it is one JavaScript string whatever it holds
            self.dialog.client.run_javascript(
                f'window.boardDrafts && window.boardDrafts.{function}({json.dumps(self.draft_key)})')

    def _cancel(self) -> None:
        self._draft_call('clear')
        self.dialog.close()

    def _edit(self, heading: FishboneHeading) -> None:
        """A tap on a bone: its causes open for editing (the others are drawn on their bones)."""
        for other, field in self.causes.items():
            field.set_visibility(other == heading)
        for other, button in self.bone_buttons.items():
            editing = other == heading
            button.classes(add='fishbone-editing' if editing else None, remove=None if editing else 'fishbone-editing')
            button.props['aria-pressed'] = 'true' if editing else 'false'

    def _show_bone(self, heading: FishboneHeading) -> None:
        bone = self.bones[heading]
        bone.clear()
        with bone:
            for line in (self.causes[heading].value or '').splitlines():
                if line.strip():
                    ui.label(line.strip()).classes('fishbone-cause')

    def _show_head(self) -> None:
        self.head.text = (self.problem.value or '').strip() or self._title

    async def _save(self) -> None:
        whys = [field.value or '' for field in self.whys]
        causes = [(heading, line) for heading, field in self.causes.items()
                  for line in (field.value or '').splitlines()]
        problems = await self._on_save(self._card_id, self.problem.value or '', whys, causes)
        if problems:
            self.error.text = ' '.join(self._t(p.key, **p.params) for p in problems)
            return
        self._draft_call('clear')
        self.dialog.close()
