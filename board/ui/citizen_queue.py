"""*Forslag fra innbyggere* on the leaders' unit page: the moderation queue, and the unit's public code and poster.

A leader of the unit approves an idea (it goes onto the board in Ideer, marked *Fra innbygger*; the text can be
corrected first, a name taken out) or declines it with a reason (it never reaches the board). Every action checks
the login again on the server (``actor``). If the sender left an address, the outcome is mailed right away and the
address erased (``board.citizens.send_outcomes``; the leaders' mail timer retries a failure).

The queue is live: the store tells a :class:`~board.store.CitizenIdeasChanged` when an idea arrives or is decided
(by anyone), and the unit page calls :meth:`CitizenQueue.refresh`. Only the list is drawn again; the approve and
decline forms are dialogs outside it, so what a leader is typing stays, and a form whose idea another leader
decided meanwhile says so.

The poster (PDF or PNG) is served at ``/leder/enheter/<unit>/innbyggerplakat.<pdf|png>`` to the unit's leaders only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.responses import Response
from nicegui import app, background_tasks, run, ui

from .. import citizens
from ..domain import DESCRIPTION_MAX, SHORT_TEXT_MAX, TITLE_MAX, Origin, Unit
from ..domain.citizen import CitizenIdea, IdeaState
from ..qr import POSTER_FORMATS, qr_data_url, qr_poster
from .auth import Auth, forbidden
from .theme import attrs
from .writes import attempt, messages

if TYPE_CHECKING:
    from ..context import AppContext

__all__ = ['CitizenQueue', 'register', 'send_outcomes_now']

log = logging.getLogger(__name__)

#: decided ideas listed under *Behandlet*
DECIDED_SHOWN = 10


def register(context: AppContext, auth: Auth) -> None:
    """The poster download, for the unit's leaders."""

    @app.get('/leder/enheter/{unit_id}/innbyggerplakat.{fmt}', include_in_schema=False)
    async def citizen_poster(request: Request, unit_id: str, fmt: str) -> Response:
        user = auth.user_of(request)
        unit = context.store.unit(unit_id)
        if user is None:
            return forbidden(context, status=401)
        if unit is None or fmt not in POSTER_FORMATS or not user.leads(unit):
            return forbidden(context, status=404 if unit is None or fmt not in POSTER_FORMATS else 403)
        content = await run.io_bound(poster, context, unit, fmt)
        media = 'application/pdf' if fmt == 'pdf' else 'image/png'
        return Response(content, media_type=media, headers={
            'Content-Disposition': f'attachment; filename="innbyggerplakat-{unit.id}.{fmt}"',
            'Cache-Control': 'no-store'})


def poster(context: AppContext, unit: Unit, fmt: str) -> bytes:
    t = context.t
    return qr_poster(unit_name=unit.name, url=context.citizen_url(unit.id), heading=t('citizen.poster_heading'),
                     instruction=t('citizen.poster_instruction'), footer=t('citizen.poster_footer'), fmt=fmt)


async def send_outcomes_now(context: AppContext) -> None:
    """Mail the outcomes due (after a decision; the mail timer does it again each minute for a failed one)."""
    mailer = context.mailer
    if mailer is None:
        return
    try:
        await citizens.send_outcomes(context.store, context.settings, context.t, mailer.transport)
    except Exception:  # a mail problem never breaks the leader's page; the timer tries again
        log.exception('the outcomes of citizens\' ideas could not be sent')


class CitizenQueue:
    """The unit's queue of citizens' ideas, with approve and decline, and its public code."""

    def __init__(self, context: AppContext, unit: Unit, actor: Callable[[], tuple[Origin, str] | None]) -> None:
        self.context = context
        self.t = context.t
        self.store = context.store
        self.unit = unit
        self.actor = actor
        self.idea_id = ''
        #: this page is saving its own decision on ``idea_id`` (its change may arrive before the answer does)
        self.saving = False
        #: what the list shows now: it is drawn again only when that changes (not for an outcome mailed, say)
        self.shown: tuple[tuple[object, ...], ...] | None = None
        self._approve_dialog()
        self._decline_dialog()
        t = self.t
        with ui.column().classes('citizen-queue w-full gap-2').mark('citizen-queue') as self.section:
            attrs(ui.label(t('citizen.queue_heading')).classes('text-2xl font-bold'),
                  {'role': 'heading', 'aria-level': '2'})
            self.list = ui.column().classes('w-full gap-2')
            self._code()
        self.refresh()

    # --- the dialogs ---

    def _approve_dialog(self) -> None:
        t = self.t
        with ui.dialog() as self.approve_dialog, ui.card().classes('card-dialog gap-3').mark('citizen-approve-dialog'):
            attrs(ui.label(t('citizen.approve_heading')).classes('text-2xl font-bold'),
                  {'role': 'heading', 'aria-level': '2'})
            ui.label(t('citizen.approve_help')).classes('text-lg')
            self.approve_gone = self._gone_note('citizen-approve-gone')
            self.title = attrs(ui.input(t('citizen.field_card_title')).props('outlined'),
                               {'maxlength': TITLE_MAX}).classes('w-full').mark('citizen-title')
            self.description = attrs(ui.textarea(t('citizen.field_card_description')).props('outlined autogrow'),
                                     {'maxlength': DESCRIPTION_MAX}).classes('w-full').mark('citizen-description')
            with ui.row().classes('w-full justify-end gap-3'):
                ui.button(t('citizen.cancel'), on_click=self.approve_dialog.close).props('flat no-caps') \
                    .classes('touch-button')
                ui.button(t('citizen.approve_save'), icon='check', on_click=self.approve).props('no-caps') \
                    .classes('touch-button').mark('citizen-approve-save')

    def _decline_dialog(self) -> None:
        t = self.t
        with ui.dialog() as self.decline_dialog, ui.card().classes('card-dialog gap-3').mark('citizen-decline-dialog'):
            attrs(ui.label(t('citizen.decline_heading')).classes('text-2xl font-bold'),
                  {'role': 'heading', 'aria-level': '2'})
            ui.label(t('citizen.decline_help')).classes('text-lg')
            self.decline_gone = self._gone_note('citizen-decline-gone')
            self.reason = attrs(ui.textarea(t('citizen.field_reason')).props('outlined autogrow'),
                                {'maxlength': SHORT_TEXT_MAX}).classes('w-full').mark('citizen-reason')
            with ui.row().classes('w-full justify-end gap-3'):
                ui.button(t('citizen.cancel'), on_click=self.decline_dialog.close).props('flat no-caps') \
                    .classes('touch-button')
                ui.button(t('citizen.decline_save'), icon='block', on_click=self.decline).props('no-caps') \
                    .classes('touch-button').mark('citizen-decline-save')

    def _gone_note(self, marker: str) -> ui.label:
        """Shown in an open form when its idea was decided meanwhile (by another leader): the text typed stays."""
        note = attrs(ui.label(self.t('citizen.decided_meanwhile')), {'role': 'alert'}) \
            .classes('text-lg font-semibold text-negative').mark(marker)
        note.set_visibility(False)
        return note

    def open_approve(self, idea: CitizenIdea) -> None:
        self.idea_id = idea.id
        self.title.value, self.description.value = idea.title, idea.description
        self.title.error = None
        self.approve_gone.set_visibility(False)
        self.approve_dialog.open()

    def open_decline(self, idea: CitizenIdea) -> None:
        self.idea_id = idea.id
        self.reason.value = ''
        self.reason.error = None
        self.decline_gone.set_visibility(False)
        self.decline_dialog.open()

    # --- the actions (each checks the login again) ---

    async def approve(self) -> None:
        actor = self.actor()
        if actor is None:
            self.approve_dialog.close()
            return
        _, by = actor
        self.saving = True
        try:
            done = await attempt(self.store, citizens.approve, self.store, self.unit.id, self.idea_id, by=by,
                                 title=self.title.value or '', description=self.description.value or '')
        finally:
            self.saving = False
        if not done.ok:
            self.title.error = ' '.join(messages(self.t, done.problems))
            return
        self.approve_dialog.close()
        ui.notify(self.t('citizen.approved_note'), type='positive')
        self._decided()

    async def decline(self) -> None:
        actor = self.actor()
        if actor is None:
            self.decline_dialog.close()
            return
        _, by = actor
        self.saving = True
        try:
            done = await attempt(self.store, citizens.decline, self.store, self.unit.id, self.idea_id,
                                 self.reason.value or '', by=by)
        finally:
            self.saving = False
        if not done.ok:
            self.reason.error = ' '.join(messages(self.t, done.problems))
            return
        self.decline_dialog.close()
        ui.notify(self.t('citizen.declined_note'), type='positive')
        self._decided()

    def _decided(self) -> None:
        self.idea_id = ''  # decided here: no form of this page waits for it any more
        self.refresh()
        background_tasks.create(send_outcomes_now(self.context), name='citizen outcomes')

    # --- what the section shows ---

    def refresh(self) -> None:
        """Draw the list again if what it shows changed (the forms, outside it, keep what is typed in them)."""
        t = self.t
        ideas = self.store.citizen_ideas.of_unit(self.unit.id)
        pending = [i for i in ideas if i.pending]
        decided = sorted((i for i in ideas if not i.pending), key=lambda i: i.decided_at or i.received_at,
                         reverse=True)[:DECIDED_SHOWN]
        if self.idea_id and not self.saving and all(i.id != self.idea_id for i in pending):  # by someone else
            self.approve_gone.set_visibility(bool(self.approve_dialog.value))
            self.decline_gone.set_visibility(bool(self.decline_dialog.value))
        shown = tuple((i.id, i.state.value, i.title, i.description, i.wants_answer, i.decided_by, i.reason)
                      for i in (*pending, *decided))
        if shown == self.shown:
            return
        self.shown = shown
        self.list.clear()
        with self.list:
            ui.label(t('citizen.queue_waiting', count=len(pending)) if pending else t('citizen.queue_empty')) \
                .classes('text-lg').mark('citizen-count')
            for idea in pending:
                self._pending(idea)
            if decided:
                attrs(ui.label(t('citizen.decided_heading')).classes('text-xl font-bold'),
                      {'role': 'heading', 'aria-level': '3'})
                for idea in decided:
                    self._decided_row(idea)

    def _pending(self, idea: CitizenIdea) -> None:
        t = self.t
        zone = self.store.timezone
        with ui.row(wrap=False).classes('w-full items-start gap-3 citizen-idea').mark(f'citizen-idea-{idea.id}'):
            with ui.column().classes('grow gap-0'):
                ui.label(idea.title).classes('font-semibold text-lg').style('overflow-wrap: anywhere')
                if idea.description:
                    ui.label(idea.description).style('overflow-wrap: anywhere; white-space: pre-line')
                ui.label(t('citizen.received', date=t.date(idea.received_at.astimezone(zone).date()))) \
                    .classes('text-gray-700')
                if idea.wants_answer:
                    ui.label(t('citizen.wants_answer')).classes('text-gray-700')
            ui.button(t('citizen.approve'), icon='check', on_click=lambda i=idea: self.open_approve(i)) \
                .props('no-caps').classes('touch-button').mark(f'citizen-approve-{idea.id}')
            ui.button(t('citizen.decline'), icon='block', on_click=lambda i=idea: self.open_decline(i)) \
                .props('no-caps outline').classes('touch-button').mark(f'citizen-decline-{idea.id}')

    def _decided_row(self, idea: CitizenIdea) -> None:
        t = self.t
        when = t.date((idea.decided_at or idea.received_at).astimezone(self.store.timezone).date())
        text = (t('citizen.decided_approved', date=when, by=idea.decided_by) if idea.state == IdeaState.APPROVED
                else t('citizen.decided_declined', date=when, by=idea.decided_by, reason=idea.reason))
        with ui.column().classes('w-full gap-0 citizen-decided').mark(f'citizen-decided-{idea.id}'):
            ui.label(idea.title).classes('font-semibold').style('overflow-wrap: anywhere')
            ui.label(text).style('overflow-wrap: anywhere')

    def _code(self) -> None:
        t = self.t
        url = self.context.citizen_url(self.unit.id)
        if not url:
            return
        with ui.row(wrap=False).classes('w-full items-start gap-4 citizen-code').mark('citizen-code'):
            attrs(ui.image(qr_data_url(url)).classes('citizen-qr w-40 h-40'),
                  {'alt': t('citizen.code_heading')})
            with ui.column().classes('grow gap-1'):
                attrs(ui.label(t('citizen.code_heading')).classes('text-xl font-bold'),
                      {'role': 'heading', 'aria-level': '3'})
                ui.label(t('citizen.code_help'))
                ui.link(t('citizen.code_link'), url, new_tab=True).classes('big-link').mark('citizen-link')
                with ui.row().classes('gap-3'):
                    for fmt in POSTER_FORMATS:
                        ui.link(t(f'citizen.poster_{fmt}'),
                                f'/leder/enheter/{self.unit.id}/innbyggerplakat.{fmt}').classes('big-link') \
                            .mark(f'citizen-poster-{fmt}')
