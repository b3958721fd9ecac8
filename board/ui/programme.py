"""The leaders' pages for the programme around the boards: the rollout (``/leder/utrulling``) and the value stream
analyses (``/leder/verdistrom``).

Rollout: a table of the units the leader sees, with phase, dates, staff trained, coach and leader; admins and
organisation leaders (who see the whole organisation) change them, and record a new leader, which flags the unit and
puts a training task on its board. Value stream analyses: recorded with their date, name, units and participants by
a leader of every unit chosen; each improvement becomes an idea on its unit's board, tagged with the analysis.

Every action checks the login again on the server (``Guard``) before it writes.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.responses import Response
from nicegui import ui

from ..domain import Problem, Unit
from ..domain.programme import Phase, UnitRollout, ValueStreamAnalysis
from ..users import User
from .auth import Auth, Guard, to_login
from .leader_frame import leader_page
from .leaders import rollout_line, scope_title, visible_organisation
from .theme import Heading
from .writes import attempt, messages

if TYPE_CHECKING:
    from ..context import AppContext

__all__ = ['can_edit_rollout', 'parse_improvements', 'register']

log = logging.getLogger(__name__)


def can_edit_rollout(user: User | None) -> bool:
    """Admins and the organisation's leaders record the rollout (a service area's leader reads it)."""
    return user is not None and user.sees_whole_organisation()


def register(context: AppContext, auth: Auth) -> None:
    t = context.t

    @ui.page('/leder/utrulling', title=t('rollout.heading'))
    def rollout_page(request: Request) -> Response | None:
        user = auth.user_of(request)
        if user is None:
            return to_login(request)
        build_rollout(context, auth.guard(request), user)
        return None

    @ui.page('/leder/verdistrom', title=t('vsa.heading'))
    def vsa_page(request: Request) -> Response | None:
        user = auth.user_of(request)
        if user is None:
            return to_login(request)
        build_vsa(context, auth.guard(request), user)
        return None


def _once(handler: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
    """A save that runs once at a time: a double tap records one analysis (or one new leader's task), not two."""
    busy: list[bool] = []

    async def run_once() -> None:
        if busy:
            return
        busy.append(True)
        try:
            await handler()
        finally:
            busy.clear()
    return run_once


def _day(text: object) -> date | None:
    try:
        return date.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


# --- rollout ------------------------------------------------------------------------------------------------------

def build_rollout(context: AppContext, guard: Guard, user: User) -> None:
    t, store = context.t, context.store
    organisation = visible_organisation(store.organisation, user)
    rollouts = store.rollouts()
    editable = can_edit_rollout(user)
    with leader_page(context, guard, user, '/leder/utrulling', t('rollout.heading'),
                     subtitle=scope_title(context, user, organisation)):
        ui.label(rollout_line(t, organisation, rollouts)).classes('text-2xl font-semibold').mark('rollout-figure')
        ui.label(t('rollout.counts_help')).classes('text-base')
        names = ('unit', 'phase', *(f'date_{p.value}' for p in Phase), 'trained', 'coach', 'leader', 'flag')
        columns = [{'name': n, 'field': n, 'label': t(f'rollout.col_{n}'), 'align': 'left'} for n in names]
        rows = []
        units = sorted(organisation.units, key=lambda u: u.name.casefold())
        for unit in units:
            rollout = rollouts.get(unit.id) or UnitRollout(unit_id=unit.id)
            rows.append({'id': unit.id, 'unit': unit.name, 'phase': t(f'rollout.phase_{rollout.phase.value}'),
                         **{f'date_{p.value}': t.date(rollout.dates[p]) if p in rollout.dates else '' for p in Phase},
                         'trained': rollout.trained, 'coach': rollout.coach, 'leader': rollout.leader,
                         'flag': t('rollout.new_leader_flag') if rollout.needs_new_training else ''})
        ui.table(columns=columns, rows=rows, row_key='id', pagination=100).classes('w-full').mark('rollout-table')
        if not editable:
            ui.label(t('rollout.read_only')).classes('text-base')
            return
        Heading(t('rollout.edit_heading'), 2)
        options = {u.id: u.name for u in units}
        with ui.row().classes('items-center gap-4'):
            chosen = ui.select(options, label=t('rollout.col_unit')).props('outlined').classes('min-w-[16rem]') \
                .mark('rollout-unit')
            ui.button(t('rollout.edit'), icon='edit',
                      on_click=lambda: _rollout_dialog(context, guard, store.unit(chosen.value or ''))) \
                .props('no-caps').classes('touch-button').mark('rollout-edit')
            ui.button(t('rollout.new_leader'), icon='person_add',
                      on_click=lambda: _leader_dialog(context, guard, store.unit(chosen.value or ''))) \
                .props('no-caps outline').classes('touch-button').mark('rollout-new-leader')


def _rollout_dialog(context: AppContext, guard: Guard, unit: Unit | None) -> None:
    if unit is None:
        return
    t, store = context.t, context.store
    current = store.rollout(unit.id)
    with ui.dialog() as dialog, ui.card().classes('gap-3 p-6 min-w-[24rem]'):
        ui.label(t('rollout.edit_unit', unit=unit.name)).classes('text-xl font-bold')
        phase = ui.select({p.value: t(f'rollout.phase_{p.value}') for p in Phase}, value=current.phase.value,
                          label=t('rollout.col_phase')).props('outlined').mark('rollout-phase')
        dates = {p: ui.input(t(f'rollout.col_date_{p.value}'),
                             value=current.dates[p].isoformat() if p in current.dates else '')
                 .props('outlined type=date').mark(f'rollout-date-{p.value}') for p in Phase}
        trained = ui.number(t('rollout.col_trained'), value=current.trained, step=1, format='%d') \
            .props('outlined').mark('rollout-trained')
        coach = ui.input(t('rollout.col_coach'), value=current.coach).props('outlined').mark('rollout-coach')
        retrained = ui.input(t('rollout.retrained_on'),
                             value=current.retrained_on.isoformat() if current.retrained_on else '') \
            .props('outlined type=date').mark('rollout-retrained')
        error = ui.label().classes('field-error').props('role=alert').mark('rollout-error')

        async def save() -> None:
            number = trained.value
            if not isinstance(number, (int, float)) or not math.isfinite(number) or number != int(number):
                error.text = t('error.rollout_trained', max='')
                return
            bad = [p for p, field in dates.items() if field.value and _day(field.value) is None]
            if bad or (retrained.value and _day(retrained.value) is None):
                error.text = t('error.bad_date')
                return
            rollout = dataclasses.replace(
                current, phase=Phase(phase.value), trained=int(number), coach=str(coach.value or ''),
                dates={p: d for p, field in dates.items() if (d := _day(field.value)) is not None},
                retrained_on=_day(retrained.value))
            written = await attempt(store, store.set_rollout, rollout,
                                    allowed=lambda: can_edit_rollout(guard.user()))
            if not written.ok:
                error.text = ' '.join(messages(t, written.problems))
                return
            dialog.close()
            ui.notify(t('rollout.saved'), type='positive')
            ui.navigate.reload()

        with ui.row().classes('w-full justify-end gap-3'):
            ui.button(t('action.cancel'), on_click=dialog.close).props('flat').classes('touch-button')
            ui.button(t('action.save'), icon='check', on_click=save).classes('touch-button').mark('rollout-save')
    dialog.open()


def _leader_dialog(context: AppContext, guard: Guard, unit: Unit | None) -> None:
    if unit is None:
        return
    t, store = context.t, context.store
    with ui.dialog() as dialog, ui.card().classes('gap-3 p-6 min-w-[24rem]'):
        ui.label(t('rollout.new_leader_heading', unit=unit.name)).classes('text-xl font-bold')
        ui.label(t('rollout.new_leader_help')).classes('text-base')
        name = ui.input(t('rollout.col_leader')).props('outlined').mark('leader-name')
        since = ui.input(t('rollout.leader_since'), value=store.local_now().date().isoformat()) \
            .props('outlined type=date').mark('leader-since')
        error = ui.label().classes('field-error').props('role=alert').mark('leader-error')

        @_once
        async def save() -> None:
            day = _day(since.value)
            if day is None:
                error.text = t('error.bad_date')
                return
            user = guard.user()
            written = await attempt(store, store.record_new_leader, unit.id, str(name.value or ''), day,
                                    by=user.name if user else '', allowed=lambda: can_edit_rollout(guard.user()))
            if not written.ok:
                error.text = ' '.join(messages(t, written.problems))
                return
            log.info('a new leader was recorded for unit %s', unit.id)
            dialog.close()
            ui.notify(t('rollout.new_leader_saved'), type='positive')
            ui.navigate.reload()

        with ui.row().classes('w-full justify-end gap-3'):
            ui.button(t('action.cancel'), on_click=dialog.close).props('flat').classes('touch-button')
            ui.button(t('action.save'), icon='check', on_click=save).classes('touch-button').mark('leader-save')
    dialog.open()


# --- value stream analyses ----------------------------------------------------------------------------------------

def build_vsa(context: AppContext, guard: Guard, user: User) -> None:
    t, store = context.t, context.store
    organisation = visible_organisation(store.organisation, user)
    names = {u.id: u.name for u in store.organisation.units}
    with leader_page(context, guard, user, '/leder/verdistrom', t('vsa.heading'),
                     subtitle=scope_title(context, user, organisation)):
        ui.label(t('vsa.help')).classes('text-base')
        visible = {u.id for u in organisation.units}
        analyses = [v for v in store.value_stream_analyses() if set(v.unit_ids) & visible]
        rows = [{'id': v.id, 'on': t.date(v.on), 'name': v.name,
                 'units': ', '.join(names.get(u, u) for u in v.unit_ids),
                 'participants': ', '.join(v.participants)} for v in analyses]
        ui.table(columns=[{'name': n, 'field': n, 'label': t(f'vsa.col_{n}'), 'align': 'left'}
                          for n in ('on', 'name', 'units', 'participants')], rows=rows, row_key='id') \
            .classes('w-full').mark('vsa-table')
        Heading(t('vsa.new_heading'), 2)
        units = sorted(organisation.units, key=lambda u: u.name.casefold())
        name = ui.input(t('vsa.col_name')).props('outlined').classes('min-w-[24rem]').mark('vsa-name')
        on = ui.input(t('vsa.col_on'), value=store.local_now().date().isoformat()).props('outlined type=date') \
            .mark('vsa-on')
        chosen = ui.select({u.id: u.name for u in units}, multiple=True, label=t('vsa.col_units')) \
            .props('outlined use-chips').classes('min-w-[24rem]').mark('vsa-units')
        participants = ui.textarea(t('vsa.col_participants')).props('outlined').classes('min-w-[24rem]') \
            .mark('vsa-participants')
        ui.label(t('vsa.improvements_help')).classes('text-base')
        improvements = ui.textarea(t('vsa.improvements')).props('outlined').classes('w-full max-w-[48rem]') \
            .mark('vsa-improvements')
        error = ui.label().classes('field-error').props('role=alert').mark('vsa-error')

        @_once
        async def save() -> None:
            day = _day(on.value)
            if day is None:
                error.text = t('error.bad_date')
                return
            unit_ids = tuple(chosen.value or ())
            items, problem = parse_improvements(str(improvements.value or ''), unit_ids,
                                                {u.id: u.name for u in units})
            if problem is not None:
                error.text = t(problem.key, **problem.params)
                return
            vsa = ValueStreamAnalysis(id=f'vsa-{uuid.uuid4().hex[:12]}', name=str(name.value or ''), on=day,
                                      unit_ids=unit_ids,
                                      participants=tuple(p.strip() for p in str(participants.value or '').splitlines()
                                                         if p.strip()))
            current = guard.user()

            def allowed() -> bool:
                now = guard.user()
                return now is not None and now.is_leader and all(
                    (u := store.unit(unit_id)) is not None and now.leads(u) for unit_id in unit_ids)

            written = await attempt(store, store.record_vsa, vsa, items, by=current.name if current else '',
                                    allowed=allowed)
            if not written.ok:
                error.text = ' '.join(messages(t, written.problems))
                return
            ui.notify(t('vsa.saved', count=len(written.value or [])), type='positive')
            ui.navigate.reload()

        ui.button(t('vsa.save'), icon='account_tree', on_click=save).classes('touch-button').mark('vsa-save')


def parse_improvements(text: str, unit_ids: tuple[str, ...],
                       names: dict[str, str]) -> tuple[list[tuple[str, str]], Problem | None]:
    """The improvements as typed, one a line: ``Unit name: title`` (or just a title, for every unit chosen)."""
    by_name = {names[u].casefold(): u for u in unit_ids if u in names}
    items: list[tuple[str, str]] = []
    for typed in text.splitlines():
        line = typed.strip()
        if not line:
            continue
        head, colon, rest = line.partition(':')
        if colon and head.strip().casefold() in by_name:
            items.append((by_name[head.strip().casefold()], rest.strip()))
        elif colon and head.strip() and len(head) < 60 and head.strip().casefold() in {
                n.casefold() for n in names.values()}:
            return [], Problem('improvements', 'error.vsa_unknown_unit')
        else:
            items += [(unit_id, line) for unit_id in unit_ids]
    return items, None
