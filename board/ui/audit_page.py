"""The auditor's page ``/leder/revisjon/<unit>``: start an audit, answer its checklist on a tablet, turn findings
into cards.

For leaders who lead the unit (checked when the page opens and again on every tap, on the server). Each tap
answers one item only: two tablets on the same audit each keep their own answers, and where both answered the
same item the later answer stands (``store.audits.answer`` merges per item by stamp). The page shows the audit as
the store holds it after each write, this tablet's or another's (live: the store tells an
:class:`~board.store.AuditChanged`); a note being written here is never replaced by another tablet's. Everything
stored is shown as text, never as markup.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.responses import Response
from nicegui import ui

from ..audits import audits_due, finding_to_card, start_audit
from ..domain import Unit
from ..domain.audit import NOTE_MAX, Audit, AuditDue, AuditKind, DueState, ItemAnswer, Verdict, score
from ..store import AuditChanged, Change
from ..users import User
from .auth import Auth, Guard, forbidden, to_login
from .leader_frame import leader_page
from .theme import Heading, attrs
from .writes import attempt, notify_problems

if TYPE_CHECKING:
    from ..context import AppContext
    from .live import LiveChanges

__all__ = ['due_text', 'register']

log = logging.getLogger(__name__)


def register(context: AppContext, changes: LiveChanges, auth: Auth) -> None:

    @ui.page('/leder/revisjon/{unit_id}', title=context.t('audit.heading'))
    def audit_page(request: Request, unit_id: str, audit: str = '') -> Response | None:
        user = auth.user_of(request)
        if user is None:
            return to_login(request)
        unit = context.store.unit(unit_id)
        if unit is None or not user.leads(unit):
            log.warning('%s was refused the audit page of unit %s', user.username, unit_id)
            return forbidden(context, status=404 if unit is None else 403)
        page = AuditPage(context, auth.guard(request), user, unit)
        page.build(audit)
        changes.subscribe(unit.id, page.on_change)
        return None


def due_text(context: AppContext, item: AuditDue) -> str:
    """"Intern: forfalt 30.11.2026" and the like, for the overview's tiles and this page."""
    t = context.t
    kind = t(f'audit.kind_{item.kind.value}_short')
    if item.due_on is None:
        return t('audit.due_never', kind=kind)
    key = {DueState.OVERDUE: 'audit.overdue', DueState.DUE: 'audit.due_on', DueState.OK: 'audit.next_on'}[item.state]
    return t(key, kind=kind, date=t.date(item.due_on))


class AuditPage:

    def __init__(self, context: AppContext, guard: Guard, user: User, unit: Unit) -> None:
        self.context = context
        self.t = context.t
        self.store = context.store
        self.guard = guard
        self.user = user
        self.unit = unit
        self.score_label: ui.label | None = None
        self.shown: Audit | None = None
        self.rows: list[_ItemRow] = []

    def allowed(self) -> User | None:
        """Asked before every change: is this still a logged-in leader of the unit?"""
        current = self.guard.user()
        if current is None or not current.leads(self.unit):
            ui.notify(self.t('login.expired'), type='warning', multi_line=True)
            return None
        return current

    def build(self, audit_id: str) -> None:
        t, store = self.t, self.store
        audits = store.audits.all(self.unit.id)
        chosen = self.shown = next((a for a in audits if a.id == audit_id), audits[0] if audits else None)
        with leader_page(self.context, self.guard, self.user, f'/leder/revisjon/{self.unit.id}',
                         t('audit.page_title', unit=self.unit.name)) as header:
            with header:
                ui.link(t('leader.overview'), '/leder').classes('big-link')
                ui.link(self.unit.name, f'/leder/enheter/{self.unit.id}').classes('big-link')
            with ui.row().classes('gap-4').mark('audit-due'):
                for item in audits_due(store, self.unit.id, store.local_now().date()):
                    ui.label(due_text(self.context, item)).classes(
                        'text-lg' + (' fact-warn' if item.state == DueState.OVERDUE else ''))
            self._start_form()
            if chosen is None:
                ui.label(t('audit.none')).classes('text-xl')
            else:
                self._checklist(chosen)
            self._history(audits, chosen)

    # --- starting an audit ---

    def _start_form(self) -> None:
        t = self.t
        with ui.card().classes('w-full gap-3').mark('audit-start'):
            Heading(t('audit.start'), 2)
            kind = ui.toggle({k.value: t(f'audit.kind_{k.value}') for k in AuditKind}, value=AuditKind.INTERNAL.value) \
                .props('no-caps spread').classes('w-full audit-toggle').mark('audit-kind')
            auditor = attrs(ui.input(t('audit.auditor'), value=self.user.name).props('outlined'),
                            {'maxlength': 100}).classes('w-96').mark('audit-auditor')

            async def start() -> None:
                user = self.allowed()
                if user is None:
                    return
                written = await attempt(self.store, start_audit, self.store, t, self.unit.id, AuditKind(kind.value),
                                        auditor=auditor.value or '',
                                        waiting_weeks=self.context.settings.idea_waiting_weeks)
                if not written.ok or written.value is None:
                    auditor.error = ' '.join(t(p.key, **p.params) for p in written.problems)
                    return
                log.info('%s started audit %s of unit %s', user.username, written.value.id, self.unit.id)
                ui.notify(t('audit.started'), type='positive')
                ui.navigate.to(f'/leder/revisjon/{self.unit.id}?audit={written.value.id}')

            ui.button(t('audit.start'), icon='fact_check', on_click=start).props('no-caps') \
                .classes('touch-button').mark('audit-start-button')

    # --- the checklist ---

    def _checklist(self, audit: Audit) -> None:
        t = self.t
        zone = self.store.timezone
        with ui.column().classes('w-full gap-3').mark('audit-checklist'):
            Heading(t(f'audit.kind_{audit.kind.value}'), 2)
            ui.label(t('audit.period', start=t.date(audit.period_start), end=t.date(audit.period_end))) \
                .classes('text-lg')
            ui.label(t('audit.by_line', auditor=audit.auditor,
                       date=t.date(audit.created_at.astimezone(zone).date()))).classes('text-lg')
            self.score_label = attrs(ui.label().classes('text-2xl font-bold'), {'title': t('audit.score_help')}) \
                .mark('audit-score')
            ui.label(t('audit.score_help')).classes('text-sm')
            self._show_score(audit)
            self.rows = [_ItemRow(self, audit, item.id) for item in audit.items]

    def on_change(self, change: Change) -> None:
        """Another tablet (or this one) answered the audit shown here: each item and the score as stored now."""
        if not isinstance(change, AuditChanged) or self.shown is None or change.audit_id != self.shown.id:
            return
        current = self.guard.user()
        if current is None or not current.leads(self.unit):
            return  # logged out, or no longer the unit's leader: nothing more reaches this tablet
        audit = self.store.audits.get(change.audit_id)
        if audit is None:
            return
        self.shown = audit
        for row in self.rows:
            row.show(audit)
        self._show_score(audit)

    def _show_score(self, audit: Audit) -> None:
        t = self.t
        if self.score_label is None:
            return
        value = score(audit)
        text = t('audit.no_score') if value is None else t('audit.score', percent=t.number(value * 100, 0))
        if audit.unanswered:
            text += ' · ' + t('audit.unanswered', count=audit.unanswered)
        self.score_label.text = text

    def _history(self, audits: list[Audit], chosen: Audit | None) -> None:
        t = self.t
        earlier = [a for a in audits if chosen is None or a.id != chosen.id]
        if not earlier:
            return
        Heading(t('audit.history'), 2)
        with ui.column().classes('gap-1').mark('audit-history'):
            for audit in earlier[:24]:
                value = score(audit)
                words = [t(f'audit.kind_{audit.kind.value}_short'),
                         t.date(audit.created_at.astimezone(self.store.timezone).date()), audit.auditor,
                         t('audit.no_score') if value is None else t('audit.score', percent=t.number(value * 100, 0))]
                ui.link(' · '.join(words), f'/leder/revisjon/{self.unit.id}?audit={audit.id}').classes('text-lg')


class _ItemRow:
    """One checklist item: its text, the big Ja / Delvis / Nei / Ikke aktuelt toggle, a note, and for a finding the
    button that makes it a card."""

    def __init__(self, page: AuditPage, audit: Audit, item_id: str) -> None:
        self.page = page
        self.t = page.t
        self.audit_id = audit.id
        self.item_id = item_id
        t = self.t
        item = audit.item(item_id)
        assert item is not None
        answer = audit.answers.get(item_id)
        #: the note as stored when last shown: the field differs from it while someone writes here
        self._stored_note = answer.note if answer and not answer.auto else ''
        #: the verdict as stored when last shown: the toggle set to it by the page is not a tap
        self._shown_verdict = answer.verdict.value if answer else None
        with ui.card().classes('w-full gap-2 audit-item').mark(f'audit-item-{item_id}'):
            ui.label(item.text).classes('text-xl font-semibold').style('overflow-wrap: anywhere')
            self.origin = ui.label().classes('text-base text-gray-700')
            self.toggle = ui.toggle({v.value: t(f'audit.verdict_{v.value}') for v in Verdict},
                                    value=answer.verdict.value if answer else None,
                                    on_change=lambda e: self._tapped(e.value)) \
                .props('no-caps spread').classes('w-full audit-toggle').mark(f'verdict-{item_id}')
            with ui.row().classes('w-full items-end gap-3'):
                self.note = attrs(ui.textarea(t('audit.note'), value=self._stored_note)
                                  .props('outlined autogrow'), {'maxlength': NOTE_MAX}) \
                    .classes('grow').mark(f'note-{item_id}')
                ui.button(t('audit.note_save'), icon='check', on_click=self._save_note).props('no-caps outline') \
                    .classes('touch-button').mark(f'note-save-{item_id}')
            self.finding = ui.row().classes('items-center gap-3')
        self.show(audit)

    def _tapped(self, value: str | None) -> Awaitable[None] | None:
        # decided at once, not when the write's task starts: by then another tablet's answer may be shown
        if value is None or value == self._shown_verdict:
            return None  # the page showed the stored answer: nobody tapped
        return self._write(value, self.note.value or '')

    async def _save_note(self) -> None:
        if self.toggle.value is None:
            self.note.error = self.t('audit.bad_verdict')
            return
        await self._write(self.toggle.value, self.note.value or '')

    async def _write(self, verdict: str, note: str) -> None:
        store = self.page.store
        user = self.page.allowed()
        if user is None:
            return
        written = await attempt(store, store.audits.answer, self.audit_id, self.item_id, verdict, note, by=user.name)
        if not written.ok or written.value is None:
            self.note.error = ' '.join(self.t(p.key, **p.params) for p in written.problems)
            current = store.audits.get(self.audit_id)
            if current is not None:
                self.show(current)
            return
        self.note.error = None
        self.show(written.value)
        self.page._show_score(written.value)

    async def _make_card(self) -> None:
        store = self.page.store
        user = self.page.allowed()
        if user is None:
            return
        written = await attempt(store, finding_to_card, store, self.t, self.audit_id, self.item_id, by=user.name)
        notify_problems(self.t, written.problems)
        if written.ok:
            log.info('%s made card %s from a finding of audit %s', user.username,
                     written.value.id if written.value else '', self.audit_id)
            ui.notify(self.t('audit.card_made'), type='positive')
        current = store.audits.get(self.audit_id)
        if current is not None:
            self.show(current)

    def show(self, audit: Audit) -> None:
        """The item as stored now (after this tablet's write and any other's); a note being written here is kept."""
        t = self.t
        answer: ItemAnswer | None = audit.answers.get(self.item_id)
        self._shown_verdict = answer.verdict.value if answer else None
        self.toggle.value = self._shown_verdict
        if answer is None:
            self.origin.text = ''
        elif answer.auto:
            self.origin.text = t('audit.automatic') + (f': {answer.note}' if answer.note else '')
        else:
            self.origin.text = t('audit.answered_by', by=answer.by)
        stored = answer.note if answer is not None and not answer.auto else ''
        if (self.note.value or '').strip() == self._stored_note:  # not being written here (the store strips it)
            self.note.value = stored
        self._stored_note = stored
        self.finding.clear()
        item = audit.item(self.item_id)
        if item is None or item not in audit.findings:
            return
        with self.finding:
            if self.item_id in audit.cards:
                ui.label(t('audit.card_exists_label')).classes('text-lg').mark(f'card-made-{self.item_id}')
            else:
                ui.button(t('audit.make_card'), icon='add_card', on_click=self._make_card).props('no-caps') \
                    .classes('touch-button').mark(f'make-card-{self.item_id}')
