"""The admin page ``/admin``: service areas and units (and their import, and their meeting times), users and roles
(and their e-mail), wall screens, the leaders' mail (``admin_mail``), the audit checklists (``admin_audits``) and
recent failed logins.

Only for admins; every action checks the admin's login again on the server when it runs. The rules are those of
``board.admin``, the same as the CLI's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.responses import Response
from nicegui import events, ui

from .. import admin
from ..devices import STALE_AFTER
from ..domain import ServiceArea, Unit
from ..i18n import Translator
from ..orgfile import OrganisationFile, OrganisationFileError, parse_organisation_bytes, slug
from ..store.files import FORMAT
from ..users import Grant, Scope, User, hash_password, password_work
from ..version import VERSION
from . import admin_audits, admin_mail
from .auth import Auth, Guard, forbidden, to_login
from .leader_frame import leader_page
from .writes import LOGIN_ENDED, attempt, messages, notify_problems

if TYPE_CHECKING:
    from ..context import AppContext

log = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 1024 * 1024


def register(context: AppContext, auth: Auth) -> None:

    @ui.page('/admin', title=context.t('admin.heading'))
    def admin_page(request: Request) -> Response | None:
        user = auth.user_of(request)
        if user is None:
            return to_login(request)
        if not user.is_admin:
            log.warning('%s was refused the admin page', user.username)
            return forbidden(context)
        AdminPage(context, auth.guard(request), user).build()
        return None


class AdminPage:

    def __init__(self, context: AppContext, guard: Guard, user: User) -> None:
        self.context = context
        self.t = context.t
        self.store = context.store
        self.guard = guard
        self.user = user

    def allowed(self) -> bool:
        """Asked before every change: is this still a logged-in admin?"""
        current = self.guard.user()
        if current is None or not current.is_admin:
            ui.notify(self.t('login.expired'), type='warning', multi_line=True)
            return False
        return True

    def build(self) -> None:
        t = self.t
        with leader_page(self.context, self.guard, self.user, '/admin', t('admin.heading')):
            with ui.tabs().classes('w-full') as tabs:
                units_tab = ui.tab(t('admin.tab_units')).mark('tab-units')
                users_tab = ui.tab(t('admin.tab_users')).mark('tab-users')
                screens_tab = ui.tab(t('admin.tab_screens')).mark('tab-screens')
                mail_tab = ui.tab(t('admin_mail.tab')).mark('tab-mail')
                audits_tab = ui.tab(t('audit.heading')).mark('tab-audits')
                logins_tab = ui.tab(t('admin.tab_logins')).mark('tab-logins')
            with ui.tab_panels(tabs, value=units_tab).classes('w-full'):
                with ui.tab_panel(units_tab):
                    self.units_panel = ui.column().classes('w-full gap-3')
                    self.show_units()
                with ui.tab_panel(users_tab):
                    self.users_panel = ui.column().classes('w-full gap-3')
                    self.show_users()
                with ui.tab_panel(screens_tab):
                    self.screens_panel = ui.column().classes('w-full gap-3')
                    self.show_screens()
                with ui.tab_panel(mail_tab):
                    self.mail_panel = ui.column().classes('w-full gap-3')
                    self.show_mail()
                with ui.tab_panel(audits_tab):
                    self.audits_panel = ui.column().classes('w-full gap-3')
                    admin_audits.show_templates(self.context, self.audits_panel, self.allowed)
                with ui.tab_panel(logins_tab):
                    self.logins_panel = ui.column().classes('w-full gap-3')
                    self.show_failed_logins()

    # --- service areas and units ---

    def show_units(self) -> None:
        t, organisation = self.t, self.store.organisation
        self.units_panel.clear()
        with self.units_panel:
            with ui.row().classes('w-full gap-3 items-end'):
                area_name = ui.input(t('admin.area_name')).props('outlined').classes('w-72').mark('area-name')
                ui.button(t('admin.add_area'), icon='add',
                          on_click=lambda: self._add_area(area_name.value)).props('no-caps').mark('add-area')
            with ui.row().classes('w-full gap-3 items-end'):
                unit_name = ui.input(t('admin.unit_name')).props('outlined').classes('w-72').mark('unit-name')
                areas = {a.id: a.name for a in organisation.service_areas}
                unit_area = ui.select(areas, label=t('admin.unit_area'),
                                      value=next(iter(areas), None)).props('outlined').classes('w-64') \
                    .mark('unit-area')
                ui.button(t('admin.add_unit'), icon='add',
                          on_click=lambda: self._add_unit(unit_name.value, unit_area.value)) \
                    .props('no-caps').mark('add-unit')
            with ui.row().classes('w-full gap-3 items-end'):
                unit_options = {u.id: u.name for u in sorted(organisation.units, key=lambda u: u.name.casefold())}
                chosen = ui.select(unit_options, label=t('admin.change_unit')).props('outlined').classes('w-72') \
                    .mark('change-unit')
                new_name = ui.input(t('admin.unit_name_new')).props('outlined').classes('w-72').mark('change-name')
                new_area = ui.select(areas, label=t('admin.unit_area')).props('outlined').classes('w-64') \
                    .mark('change-area')

                def fill(unit_id: str | None) -> None:
                    unit = organisation.unit(unit_id or '')
                    if unit is not None:
                        new_name.value, new_area.value = unit.name, unit.service_area_id

                chosen.on_value_change(lambda e: fill(e.value))
                ui.button(t('admin.save_unit'), icon='check',
                          on_click=lambda: self._change_unit(chosen.value, new_name.value, new_area.value)) \
                    .props('no-caps outline').mark('save-unit')
            with ui.row().classes('w-full gap-3 items-center'):
                ui.label(t('admin.import_help')).classes('text-lg')
                ui.upload(label=t('admin.import'), auto_upload=True, max_file_size=MAX_IMPORT_BYTES,
                          on_upload=self._import, on_rejected=lambda: ui.notify(t('admin.import_too_large'))) \
                    .props('accept=".csv,.toml,.txt"').classes('w-96').mark('import')
            rows = []
            for area in sorted(organisation.service_areas, key=lambda a: a.name.casefold()):
                for unit in organisation.units_in(area.id):
                    rows.append({'area': area.name, 'unit': unit.name, 'id': unit.id,
                                 'address': f'/units/{unit.id}'})
            ui.table(columns=_columns(t, ('area', 'unit', 'id', 'address')), rows=rows, row_key='id',
                     pagination=50).classes('w-full').mark('units-table')
            admin_mail.show_meeting_times(self.context, self.allowed, self.show_units)

    def show_mail(self) -> None:
        admin_mail.show_mail(self.context, self.mail_panel)

    async def _add_area(self, name: str | None) -> None:
        name = (name or '').strip()
        if not self.allowed():
            return
        if not name:
            ui.notify(self.t('error.name_empty'), type='warning')
            return
        area = ServiceArea(id=slug(name) or 'omrade', name=name)
        await self._write(lambda: admin.import_organisation(self.store, _file(areas=[area])),
                          self.t('admin.area_added', name=name))

    async def _add_unit(self, name: str | None, area_id: str | None) -> None:
        name = (name or '').strip()
        if not self.allowed():
            return
        if not name or not area_id:
            ui.notify(self.t('admin.unit_needs_area'), type='warning')
            return
        unit = Unit(id=slug(name) or 'enhet', name=name, service_area_id=area_id)
        if self.store.unit(unit.id) is not None:
            ui.notify(self.t('admin.unit_exists', id=unit.id), type='warning')
            return
        await self._write(lambda: admin.import_organisation(self.store, _file(units=[unit])),
                          self.t('admin.unit_added', name=name, address=f'/units/{unit.id}'))

    async def _change_unit(self, unit_id: str | None, name: str | None, area_id: str | None) -> None:
        """Rename a unit or move it to another service area; its address, board and cards stay."""
        name = (name or '').strip()
        if not self.allowed():
            return
        if not unit_id or not name or not area_id:
            ui.notify(self.t('admin.unit_needs_area'), type='warning')
            return
        unit = Unit(id=unit_id, name=name, service_area_id=area_id)
        await self._write(lambda: admin.import_organisation(self.store, _file(units=[unit])),
                          self.t('admin.unit_saved', name=name))

    async def _import(self, event: events.UploadEventArguments) -> None:
        if not self.allowed():
            return
        try:
            parsed = parse_organisation_bytes(await event.file.read(), event.file.name)
        except OrganisationFileError as error:
            ui.notify(self.t('admin.import_failed', problems='; '.join(error.problems[:5])), type='negative',
                      multi_line=True, timeout=0, close_button=True)
            return
        await self._write(lambda: admin.import_organisation(self.store, parsed),
                          self.t('admin.imported', areas=len(parsed.areas), units=len(parsed.units)))

    async def _write(self, change: Callable[[], object], message: str) -> None:
        try:
            written = await attempt(self.store, change, allowed=self.allowed)
        except ValueError as error:  # an id or a service area the admin typed that the store refused
            log.warning('admin change by %s failed: %s', self.user.username, error)
            ui.notify(str(error), type='negative', multi_line=True)
            return
        if not written.ok:
            notify_problems(self.t, (p for p in written.problems if p != LOGIN_ENDED))  # allowed() said so
            return
        ui.notify(message, type='positive')
        self.show_units()

    # --- users and roles ---

    def show_users(self) -> None:
        t = self.t
        self.users_panel.clear()
        with self.users_panel:
            ui.button(t('admin.new_user'), icon='person_add', on_click=lambda: self.edit_user(None)) \
                .props('no-caps').mark('new-user')
            for user in self.store.accounts.all():
                with ui.row().classes('user-row w-full items-center gap-4').mark(f'user-{user.username}'):
                    ui.label(user.name).classes('text-lg font-semibold min-w-[14rem]')
                    ui.label(user.username).classes('min-w-[10rem]')
                    ui.label(', '.join(self._grant_label(g) for g in user.grants) or t('admin.no_roles')) \
                        .classes('grow')
                    if user.is_leader:
                        ui.label(user.email or t('admin_mail.no_email')) \
                            .classes('' if user.email else 'fact-warn').mark(f'user-email-{user.username}')
                    if user.disabled:
                        ui.label(t('admin.disabled')).classes('fact-warn')
                    ui.button(t('goal.edit'), icon='edit', on_click=lambda u=user: self.edit_user(u)) \
                        .props('flat no-caps').mark(f'edit-user-{user.username}')

    def _grant_label(self, grant: Grant) -> str:
        t, organisation = self.t, self.store.organisation
        if grant.scope == Scope.AREA:
            area = organisation.service_area(grant.target)
            return t('role.area', name=area.name if area else grant.target)
        if grant.scope == Scope.UNIT:
            unit = organisation.unit(grant.target)
            return t('role.unit', name=unit.name if unit else grant.target)
        return t(f'role.{grant.scope.value}')

    def _grant_options(self) -> dict[str, str]:
        organisation = self.store.organisation
        grants = [Grant(Scope.ADMIN), Grant(Scope.ORGANISATION)]
        grants += [Grant(Scope.AREA, a.id) for a in sorted(organisation.service_areas, key=lambda a: a.name)]
        grants += [Grant(Scope.UNIT, u.id) for u in sorted(organisation.units, key=lambda u: u.name)]
        return {str(g): self._grant_label(g) for g in grants}

    def edit_user(self, user: User | None) -> None:
        t = self.t
        with ui.dialog() as dialog, ui.card().classes('card-dialog gap-3'):
            ui.label(t('admin.edit_user') if user else t('admin.new_user')).classes('text-2xl font-bold') \
                .props('role=heading aria-level=2')
            username = ui.input(t('admin.username'), value=user.username if user else '') \
                .props('outlined autocomplete=off').classes('w-full').mark('user-username')
            if user is not None:
                username.disable()
            name = ui.input(t('admin.full_name'), value=user.name if user else '').props('outlined') \
                .classes('w-full').mark('user-name')
            grants = ui.select(self._grant_options(), multiple=True, label=t('admin.roles'),
                               value=[str(g) for g in user.grants] if user else []) \
                .props('outlined use-chips').classes('w-full').mark('user-roles')
            password = ui.input(t('admin.password_new') if user else t('admin.password'), password=True,
                                password_toggle_button=True).props('outlined autocomplete=new-password') \
                .classes('w-full').mark('user-password')
            email, choice = admin_mail.user_mail_fields(self.context, user)
            disabled = ui.checkbox(t('admin.disable'), value=user.disabled if user else False).mark('user-disabled')
            error = ui.label().classes('field-error').props('role=alert')

            async def save() -> None:
                if not self.allowed():
                    dialog.close()
                    return
                chosen = [Grant.parse(g) for g in grants.value or []]
                new_password = password.value or None
                problems = admin.check_user(self.store, username.value or '', name=name.value or '', grants=chosen,
                                            password=new_password, email=email.value or '')
                if problems:
                    error.text = ' '.join(t(p.key, **p.params) for p in problems)
                    return
                # Argon2 on the password workers, the write on the store's writer: the event loop waits for neither
                hashed = await password_work(hash_password, new_password) if new_password else None
                written = await attempt(
                    self.store, admin.set_user, self.store, username.value or '', name=name.value or '',
                    grants=chosen, password_hash=hashed, disabled=bool(disabled.value),
                    sessions=self.guard.auth.sessions, email=email.value or '',
                    brief=admin_mail.chosen(choice.value), allowed=self.allowed)
                if not written.ok:
                    error.text = ' '.join(messages(t, written.problems))
                    return
                log.info('%s saved user %s', self.user.username, username.value)
                dialog.close()
                self.show_users()
                self.show_mail()

            with ui.row().classes('w-full justify-end gap-3'):
                ui.button(t('action.cancel'), on_click=dialog.close).props('flat').classes('touch-button')
                ui.button(t('action.save'), icon='check', on_click=save).classes('touch-button').mark('user-save')
        dialog.open()

    # --- wall screens ---

    def show_screens(self) -> None:
        t, store = self.t, self.store
        self.screens_panel.clear()
        now = store.now()
        with self.screens_panel:
            with ui.row().classes('w-full gap-3 items-end'):
                units = {u.id: u.name for u in sorted(store.organisation.units, key=lambda u: u.name.casefold())}
                unit = ui.select(units, label=t('admin.unit'), value=next(iter(units), None)) \
                    .props('outlined').classes('w-72').mark('pair-unit')
                ui.button(t('admin.pairing_code'), icon='vpn_key', on_click=lambda: self._pair(unit.value)) \
                    .props('no-caps').mark('pair')
            self.code_label = ui.label().classes('pairing-code').props('role=status').mark('pairing-code')
            ui.label(t('admin.stale_help', minutes=int(STALE_AFTER.total_seconds() // 60))).classes('text-base')
            for kiosk in store.wall_screens.status():
                stale = kiosk.stale(now)
                known = store.unit(kiosk.unit_id)
                unit_name = known.name if known else kiosk.unit_id
                seen = (kiosk.last_seen.astimezone(store.timezone).strftime('%d.%m.%Y %H:%M') if kiosk.last_seen
                        else t('admin.never'))
                state = t('admin.revoked') if kiosk.revoked else (t('admin.stale') if stale else t('admin.ok'))
                with ui.row().classes('user-row w-full items-center gap-4').mark(f'kiosk-{kiosk.id}'):
                    ui.label(unit_name).classes('text-lg font-semibold min-w-[14rem]')
                    ui.label(kiosk.id).classes('min-w-[10rem]')
                    ui.label(t('admin.kiosk_facts', seen=seen, version=kiosk.version or '-', outbox=kiosk.outbox,
                               offset=kiosk.clock_offset_ms)).classes('grow')
                    if kiosk.refused:
                        ui.label(t('admin.kiosk_refused', count=kiosk.refused)).classes('fact-warn') \
                            .mark(f'kiosk-refused-{kiosk.id}')
                    if kiosk.last_seen is not None and (kiosk.data_format < FORMAT or kiosk.version != VERSION):
                        ui.label(t('admin.kiosk_upgrade', version=kiosk.version or '-', format=kiosk.data_format,
                                   hub=VERSION, hub_format=FORMAT)) \
                            .classes('fact-warn').mark(f'kiosk-upgrade-{kiosk.id}')
                    ui.label(state).classes('fact-warn' if stale or kiosk.revoked else 'fact-ok') \
                        .mark(f'kiosk-state-{kiosk.id}')
                    if not kiosk.revoked:
                        ui.button(t('admin.revoke'), icon='block', on_click=lambda k=kiosk.id: self._revoke(k)) \
                            .props('flat no-caps color=negative').mark(f'revoke-{kiosk.id}')

    async def _pair(self, unit_id: str | None) -> None:
        from ..admin import issue_pairing_code
        if not self.allowed() or not unit_id:
            return
        issued = await self.store.run(issue_pairing_code, self.store, unit_id)
        log.info('%s created a pairing code for unit %s', self.user.username, unit_id)
        self.code_label.text = self.t('admin.code_text', code=issued['code'], unit=unit_id,
                                      expires=issued['expires_at'][:16].replace('T', ' '))

    async def _revoke(self, kiosk_id: str) -> None:
        written = await attempt(self.store, self.store.wall_screens.revoke, kiosk_id, allowed=self.allowed)
        if not written.ok:
            notify_problems(self.t, (p for p in written.problems if p != LOGIN_ENDED))  # allowed() said so
            return
        log.info('%s revoked wall screen %s', self.user.username, kiosk_id)
        self.show_screens()

    # --- failed logins ---

    def show_failed_logins(self) -> None:
        """Recent failed logins, kept in memory since the hub started: who was tried, from where, how often."""
        t, zone = self.t, self.store.timezone
        self.logins_panel.clear()
        with self.logins_panel:
            with ui.row().classes('w-full items-center gap-4'):
                ui.label(t('admin.failed_logins_help')).classes('text-base grow')
                ui.button(t('admin.refresh'), icon='refresh', on_click=self._refresh_failed_logins) \
                    .props('flat no-caps').mark('refresh-logins')
            failures = self.guard.auth.throttle.failures()
            if not failures:
                ui.label(t('admin.no_failed_logins')).classes('text-lg').mark('no-failed-logins')
                return
            rows = [{'id': f'{f.name}\n{f.address}', 'name': f.name or '-', 'from': f.address,
                     'count': f.count, 'first': f.first.astimezone(zone).strftime('%d.%m.%Y %H:%M:%S'),
                     'last': f.last.astimezone(zone).strftime('%d.%m.%Y %H:%M:%S')} for f in failures]
            ui.table(columns=_columns(t, ('name', 'from', 'count', 'first', 'last')), rows=rows, row_key='id',
                     pagination=50).classes('w-full').mark('failed-logins')

    def _refresh_failed_logins(self) -> None:
        if self.allowed():
            self.show_failed_logins()


def _file(*, areas: list[ServiceArea] | None = None, units: list[Unit] | None = None) -> OrganisationFile:
    return OrganisationFile(areas=areas or [], units=units or [])


def _columns(t: Translator, names: tuple[str, ...]) -> list[dict[str, object]]:
    return [{'name': n, 'field': n, 'label': t(f'admin.col_{n}'), 'align': 'left'} for n in names]
