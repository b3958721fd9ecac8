"""*Spørsmål fra leder* and *Ros fra leder*: a leader asks for results and recognises them, at the next meeting.

On the leaders' unit page a leader writes a question or praise; it comes up in the unit's next board meeting (the
step *Fra lederne*), where the team answers the question or sees the praise, and the answer comes back here, to the
overview and to the leader's next brief.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from nicegui import ui

from ..domain import SHORT_TEXT_MAX, NoteKind, Origin, Unit
from .theme import attrs
from .writes import attempt, notify_problems

if TYPE_CHECKING:
    from ..context import AppContext

__all__ = ['LeaderNotes']


class LeaderNotes:

    def __init__(self, context: AppContext, unit: Unit, actor: Callable[[], tuple[Origin, str] | None]) -> None:
        self.context = context
        self.t = context.t
        self.store = context.store
        self.unit = unit
        self.actor = actor
        t = self.t
        with ui.dialog() as self.dialog, ui.card().classes('card-dialog gap-3').mark('note-dialog'):
            attrs(ui.label(t('leader_note.heading')).classes('text-2xl font-bold'), {'role': 'heading',
                                                                                    'aria-level': '2'})
            ui.label(t('leader_note.help')).classes('text-lg')
            self.kind = ui.toggle({k.value: t(f'leader_note.kind_{k.value}') for k in NoteKind},
                                  value=NoteKind.QUESTION.value).props('no-caps spread').classes('w-full') \
                .mark('note-kind')
            self.text = attrs(ui.textarea(t('leader_note.text')).props('outlined autogrow'),
                              {'maxlength': SHORT_TEXT_MAX}).classes('w-full').mark('note-text')
            with ui.row().classes('w-full justify-end gap-3'):
                ui.button(t('action.cancel'), on_click=self.dialog.close).props('flat no-caps') \
                    .classes('touch-button')
                ui.button(t('action.save'), icon='check', on_click=self.save).props('no-caps') \
                    .classes('touch-button').mark('note-save')
        with ui.column().classes('leader-notes w-full gap-2').mark('leader-notes') as self.section:
            attrs(ui.label(t('leader_note.heading')).classes('text-2xl font-bold'), {'role': 'heading',
                                                                                    'aria-level': '2'})
            self.list = ui.column().classes('w-full gap-1')
        self.refresh()

    def open(self) -> None:
        self.text.value = ''
        self.text.error = None
        self.kind.value = NoteKind.QUESTION.value
        self.dialog.open()

    async def save(self) -> None:
        actor = self.actor()
        if actor is None:
            self.dialog.close()
            return
        origin, by = actor
        written = await attempt(self.store, self.store.add_leader_note, self.unit.id, NoteKind(self.kind.value),
                                self.text.value or '', origin=origin, by=by)
        if not written.ok:
            self.text.error = ' '.join(self.t(p.key, **p.params) for p in written.problems)
            return
        self.dialog.close()
        ui.notify(self.t('leader_note.saved'), type='positive')

    async def remove(self, note_id: str) -> None:
        actor = self.actor()
        if actor is None:
            return
        origin, by = actor
        written = await attempt(self.store, self.store.remove_leader_note, self.unit.id, note_id, origin=origin,
                                by=by)
        notify_problems(self.t, written.problems)

    def refresh(self) -> None:
        t = self.t
        zone = self.store.timezone
        notes = list(reversed(self.store.leader_notes(self.unit.id)))[:20]
        self.list.clear()
        with self.list:
            if not notes:
                ui.label(t('leader_note.none')).classes('text-lg')
            for note in notes:
                with ui.row(wrap=False).classes('w-full items-start gap-3 leader-note').mark(f'leader-note-{note.id}'):
                    with ui.column().classes('grow gap-0'):
                        ui.label(t('leader_note.from_leader', kind=t(f'leader_note.kind_{note.kind.value}'),
                                   by=note.by)).classes('font-semibold')
                        ui.label(note.text).style('overflow-wrap: anywhere')
                        if note.answer:
                            ui.label(t('leader_note.answered', answer=note.answer)).classes('note-answer') \
                                .style('overflow-wrap: anywhere')
                        elif note.handled_at is not None:
                            ui.label(t('leader_note.shown', date=t.date(note.handled_at.astimezone(zone).date())))
                        else:
                            ui.label(t('leader_note.waiting')).classes('text-gray-700')
                    if note.open:
                        ui.button(t('leader_note.remove'), icon='delete',
                                  on_click=lambda n=note.id: self.remove(n)).props('flat no-caps')
