"""The admin page's parts for the leaders' mail: each unit's meeting time (with the one proposed from its recorded
meetings, accepted with one tap), and the *E-post* tab: where the mail goes, leaders without an e-mail address,
and mails that failed, were given up or may not have arrived, with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from nicegui import ui

from ..domain.mail import MailState
from ..domain.meeting_time import MeetingTime, propose_meeting_time
from ..mailer import FolderTransport
from ..users import BriefChoice, User
from .writes import LOGIN_ENDED, attempt, notify_problems

if TYPE_CHECKING:
    from ..context import AppContext

__all__ = ['choice_options', 'show_mail', 'show_meeting_times']

log = logging.getLogger(__name__)

#: the mails listed as sent, the latest first
SHOW_SENT = 20


def choice_options(context: AppContext) -> dict[str, str]:
    """The leader's choice of mail, for a select: '' is the default for their roles."""
    t = context.t
    return {'': t('admin_mail.choice_default'), **{c.value: t(f'admin_mail.choice_{c.value}') for c in BriefChoice}}


def weekday_options(context: AppContext) -> dict[int, str]:
    return {day: context.t(f'weekday.d{day}') for day in range(1, 8)}


def show_meeting_times(context: AppContext, allowed: Callable[[], bool], refresh: Callable[[], None]) -> None:
    """Each unit's meeting time, a form to set one, and each proposal with a button to accept it."""
    t, store = context.t, context.store
    units = sorted(store.organisation.units, key=lambda u: u.name.casefold())
    ui.label(t('admin_mail.meeting_times')).classes('text-xl font-semibold').props('role=heading aria-level=2')
    ui.label(t('admin_mail.meeting_times_help', time=f'{context.settings.brief_time:%H:%M}')).classes('text-base')

    async def save(unit_id: str | None, meeting_time: MeetingTime | None) -> None:
        if not unit_id or not allowed():
            return
        written = await attempt(store, store.set_meeting_time, unit_id, meeting_time, allowed=allowed)
        if not written.ok:
            notify_problems(t, (p for p in written.problems if p != LOGIN_ENDED))
            return
        log.info('meeting time of %s set to %s', unit_id, _shown(context, meeting_time))
        ui.notify(t('admin_mail.meeting_time_saved', time=_shown(context, meeting_time)), type='positive')
        refresh()

    with ui.row().classes('w-full gap-3 items-end'):
        chosen = ui.select({u.id: u.name for u in units}, label=t('admin.unit')).props('outlined').classes('w-72') \
            .mark('meeting-unit')
        weekday = ui.select(weekday_options(context), label=t('admin_mail.weekday')).props('outlined') \
            .classes('w-48').mark('meeting-weekday')
        clock = ui.input(t('admin_mail.time'), placeholder='09:00').props('outlined').classes('w-32') \
            .mark('meeting-time')

        async def set_time() -> None:
            try:
                meeting_time = MeetingTime.parse(weekday.value, clock.value or '') if weekday.value else None
            except ValueError:
                ui.notify(t('admin_mail.time_format'), type='warning')
                return
            await save(chosen.value, meeting_time)

        ui.button(t('admin_mail.save_time'), icon='schedule', on_click=set_time).props('no-caps outline') \
            .mark('save-meeting-time')
    for unit in units:
        current = store.meeting_time(unit.id)
        proposal = propose_meeting_time(store.meetings(unit.id), context.settings.zone)
        with ui.row().classes('user-row w-full items-center gap-4').mark(f'meeting-{unit.id}'):
            ui.label(unit.name).classes('text-lg font-semibold min-w-[14rem]')
            ui.label(_shown(context, current)).classes('min-w-[12rem]').mark(f'meeting-current-{unit.id}')
            if proposal is not None and proposal != current:
                ui.label(t('admin_mail.proposal', time=_shown(context, proposal))).classes('grow')
                ui.button(t('admin_mail.accept'), icon='check',
                          on_click=lambda u=unit.id, p=proposal: save(u, p)) \
                    .props('flat no-caps').mark(f'accept-meeting-{unit.id}')


def show_mail(context: AppContext, panel: ui.column) -> None:
    """The *E-post* tab: where mail goes, leaders without an address, problems with their reasons, the last sent."""
    t, store, zone = context.t, context.store, context.store.timezone
    panel.clear()
    with panel:
        transport = context.mailer.transport if context.mailer is not None else None
        if isinstance(transport, FolderTransport):
            ui.label(t('admin_mail.to_folder', folder=str(transport.folder))).classes('text-lg').mark('mail-target')
        elif transport is not None:
            ui.label(t('admin_mail.to_server', server=transport.describe())).classes('text-lg').mark('mail-target')
        ui.label(t('admin_mail.when', brief=f'{context.settings.brief_time:%H:%M}',
                   weekday=t(f'weekday.d{context.settings.summary_weekday}'),
                   summary=f'{context.settings.summary_time:%H:%M}')).classes('text-base')
        if context.settings.brief_counts_only:
            ui.label(t('admin_mail.counts_only')).classes('text-base')
        missing = [u for u in store.accounts.all() if u.is_leader and not u.disabled and not u.email
                   and u.led_units(store.organisation)]
        ui.label(t('admin_mail.missing_heading')).classes('text-xl font-semibold').props('role=heading aria-level=2')
        if not missing:
            ui.label(t('admin_mail.none_missing')).classes('text-lg').mark('no-missing-email')
        for user in missing:
            with ui.row().classes('user-row w-full items-center gap-4').mark(f'no-email-{user.username}'):
                ui.label(user.name).classes('text-lg font-semibold min-w-[14rem]')
                ui.label(user.username)
        records = store.mail.all()
        problems = [r for r in records if r.state in (MailState.FAILED, MailState.GAVE_UP, MailState.UNCERTAIN)]
        ui.label(t('admin_mail.problems_heading')).classes('text-xl font-semibold') \
            .props('role=heading aria-level=2')
        if not problems:
            ui.label(t('admin_mail.no_problems')).classes('text-lg').mark('no-mail-problems')
        for record in problems:
            when = record.last_try.astimezone(zone).strftime('%d.%m.%Y %H:%M')
            retry = record.next_try.astimezone(zone).strftime('%H:%M') if record.next_try else ''
            state = t(f'admin_mail.state_{record.state.value}', retry=retry) if record.state == MailState.FAILED \
                else t(f'admin_mail.state_{record.state.value}')
            with ui.column().classes('user-row w-full gap-1').mark(f'mail-problem-{record.username}'):
                ui.label(t('admin_mail.record', to=record.to, unit=_unit_name(context, record.unit_id),
                           date=t.date(record.on), when=when, attempts=record.attempts)) \
                    .classes('text-lg font-semibold')
                ui.label(state).classes('fact-warn')
                ui.label(record.error).style('overflow-wrap: anywhere')
        sent = [r for r in records if r.state == MailState.SENT][:SHOW_SENT]
        if sent:
            ui.label(t('admin_mail.sent_heading')).classes('text-xl font-semibold') \
                .props('role=heading aria-level=2')
            rows = [{'key': r.key, 'to': r.to, 'unit': _unit_name(context, r.unit_id), 'date': t.date(r.on),
                     'sent': r.last_try.astimezone(zone).strftime('%d.%m.%Y %H:%M')} for r in sent]
            ui.table(columns=[{'name': n, 'field': n, 'label': t(f'admin_mail.col_{n}'), 'align': 'left'}
                              for n in ('to', 'unit', 'date', 'sent')], rows=rows, row_key='key') \
                .classes('w-full').mark('mail-sent')


def user_mail_fields(context: AppContext, user: User | None) -> tuple[ui.input, ui.select]:
    """The e-mail address and the choice of mail in the user dialog."""
    t = context.t
    email = ui.input(t('admin_mail.email'), value=user.email if user else '') \
        .props('outlined type=email autocomplete=off').classes('w-full').mark('user-email')
    choice = ui.select(choice_options(context), label=t('admin_mail.choice'),
                       value=user.brief.value if user and user.brief else '') \
        .props('outlined').classes('w-full').mark('user-brief')
    return email, choice


def chosen(value: object) -> BriefChoice | None:
    return BriefChoice(str(value)) if value else None


def _shown(context: AppContext, meeting_time: MeetingTime | None) -> str:
    if meeting_time is None:
        return context.t('admin_mail.no_time')
    return context.t('admin_mail.time_shown', weekday=context.t(f'weekday.d{meeting_time.weekday}'),
                     time=meeting_time.clock)


def _unit_name(context: AppContext, unit_id: str) -> str:
    if not unit_id:
        return context.t('admin_mail.summary')
    unit = context.store.unit(unit_id)
    return unit.name if unit else unit_id
