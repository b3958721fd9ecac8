"""The leaders' pages on the hub: the overview of all boards, one unit's board, the gains dashboard and reports.

Every page checks the login when it is opened (no login: to the login page; not this leader's unit: 403), and
every action on it checks again when it runs (``Guard``), on the server. A leader sees the units they lead: one
unit, a service area's units, or all of them.

The overview and the dashboard are built once per visit from the store's memory and the gains index; they do
not follow every change live (a leader looks before a meeting; "Oppdater" builds the page again).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.responses import Response
from nicegui import app, run, ui
from nicegui.elements.mixins.text_element import TextElement

from ..audits import audits_due
from ..domain import LEADERSHIP_BOARD, Column, Organisation, Origin, Unit, area_board_id
from ..domain.audit import Audit, AuditKind, DueState
from ..domain.citizen import citizen_figures
from ..domain.programme import UnitRollout, rollout_figures
from ..gains import (
    ALL_TIME,
    VSA_TARGET,
    GainEntry,
    GainSource,
    GainsSummary,
    Period,
    Totals,
    parse_period,
    summarise,
)
from ..i18n import Translator
from ..overview import UnitOverview, last_change, unit_overview
from ..reports import ReportScope, cards_csv, improvements
from ..store import Change, CitizenIdeasChanged, GoalChanged, GoalValuesChanged, NotesChanged
from ..users import User
from .audit_page import due_text
from .auth import Auth, Guard, forbidden, to_login
from .board_page import BoardScreen
from .card_view import shown_goals
from .citizen_queue import CitizenQueue
from .gain_form import no_after_warning
from .goal_dialog import GoalDialog
from .goal_sheet import GoalCharts
from .goal_values_csv import GoalValuesCsv
from .leader_frame import leader_page, logout_button
from .leader_notes import LeaderNotes
from .live import LiveChanges
from .theme import NORWEGIAN_NUMBER, STATUS_CLASSES, STATUS_ICONS, Heading, attrs, safe_colour
from .writes import attempt, messages

if TYPE_CHECKING:
    from ..context import AppContext

log = logging.getLogger(__name__)

SORTS = ('attention', 'name')


def register(context: AppContext, changes: LiveChanges, auth: Auth) -> None:
    t = context.t
    store = context.store

    @ui.page('/leder', title=t('leader.overview'))
    async def overview_page(request: Request, area: str = '', sort: str = 'attention') -> Response | None:
        user = auth.user_of(request)
        if user is None:
            return to_login(request)
        warming = _WARMING.get((store.folder, store.instance))
        if warming is not None and not warming.done():
            await asyncio.wait([warming], timeout=WARM_WAIT)
        entries = await run.io_bound(store.gain_entries)
        build_overview(context, auth.guard(request), user, entries or [], area=area,
                       sort=sort if sort in SORTS else 'attention')
        return None

    @ui.page('/leder/enheter/{unit_id}', title=t('leader.overview'))
    def unit_page(request: Request, unit_id: str) -> Response | None:
        user = auth.user_of(request)
        if user is None:
            return to_login(request)
        unit = store.unit(unit_id)
        if unit is None or not user.leads(unit):
            log.warning('%s was refused the leader page of unit %s', user.username, unit_id)
            return forbidden(context, status=404 if unit is None else 403)
        build_unit_page(context, changes, auth.guard(request), user, unit)
        return None

    @ui.page('/leder/gevinster', title=t('gains.heading'))
    async def gains_page(request: Request, period: str = '') -> Response | None:
        user = auth.user_of(request)
        if user is None:
            return to_login(request)
        entries = await run.io_bound(store.gain_entries)
        build_gains(context, auth.guard(request), user, entries or [], period=period)
        return None

    @app.get('/leder/rapport.csv', include_in_schema=False)
    async def report_csv(request: Request) -> Response:
        user = auth.user_of(request)
        if user is None:
            return forbidden(context, status=401)
        content = await run.io_bound(_all_cards_csv, context, user)
        return Response(content, media_type='text/csv; charset=utf-8', headers=_download('forbedringer.csv'))

    @app.get('/leder/rapport.pdf', include_in_schema=False)
    async def report_pdf(request: Request, period: str = '') -> Response:
        user = auth.user_of(request)
        if user is None:
            return forbidden(context, status=401)
        chosen = parse_period(period) or ALL_TIME
        entries = await run.io_bound(store.gain_entries) or []
        content = await run.io_bound(_status_report, context, user, entries, chosen)
        name = f'statusrapport-{period.lower() if chosen is not ALL_TIME else "alle"}.pdf'
        return Response(content, media_type='application/pdf', headers=_download(name))


# --- shared -------------------------------------------------------------------------------------------------------

def visible_organisation(organisation: Organisation, user: User) -> Organisation:
    """The organisation as this user may see it: their units and the service areas those are in."""
    return _with_units(organisation, tuple(user.units(organisation)))


def _with_units(organisation: Organisation, units: tuple[Unit, ...]) -> Organisation:
    area_ids = {u.service_area_id for u in units}
    return dataclasses.replace(organisation, units=units,
                               service_areas=tuple(a for a in organisation.service_areas if a.id in area_ids))


async def warm_overview(context: AppContext) -> None:
    """Roll up the gains and make every unit's tile of the whole organisation's overview once, in a worker thread,
    after the hub has started (``board.app`` calls it once the archives' gains are indexed).

    The tiles are kept until their unit changes (:func:`_unit_overview`), so it is the first overview after a start
    that makes them all: the leadership group at 08:00 after a night's restart. Made here, that request finds them;
    a request that comes while they are being made waits for them rather than making them a second time.
    """
    store = context.store
    warming: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    _WARMING[(store.folder, store.instance)] = warming
    try:
        await run.io_bound(_make_tiles, context)
    except Exception:  # the overview then makes its tiles itself, as before
        log.exception('making the overview\'s tiles after the start failed')
    finally:
        warming.set_result(None)


def _make_tiles(context: AppContext) -> None:
    store = context.store
    organisation = _with_units(store.organisation, store.organisation.units)
    summary = _summary(context, organisation, store.gain_entries())
    now = store.local_now()
    for unit in organisation.units:
        _unit_overview(context, unit, summary, now)


#: the tiles being made after a start, by store (see :func:`warm_overview`), and how long a request waits for them
_WARMING: dict[tuple[object, object], asyncio.Future[None]] = {}
WARM_WAIT = 3.0


def scope_title(context: AppContext, user: User, organisation: Organisation) -> str:
    full = context.store.organisation
    if user.sees_whole_organisation() or len(organisation.units) == len(full.units):
        return full.name or context.t('app.name')
    if len(organisation.units) == 1:
        return organisation.units[0].name
    return ', '.join(a.name for a in organisation.service_areas)


def active_units(context: AppContext, units: tuple[Unit, ...], now: datetime) -> int:
    """Units with a change on the board or a board meeting in the last ``active_board_weeks`` weeks."""
    store = context.store
    cutoff = now - timedelta(weeks=context.settings.active_board_weeks)
    count = 0
    for unit in units:
        meeting = store.last_meeting(unit.id)
        if (meeting is not None and meeting.ended_at >= cutoff) or any(
                last_change(c) >= cutoff for c in store.cards(unit.id)):
            count += 1
    return count


def _summary(context: AppContext, organisation: Organisation, entries: list[GainEntry],
             period: Period = ALL_TIME) -> GainsSummary:
    """The roll-up of the gains of ``organisation``'s units, kept until a gain changes anywhere (the store's
    ``gains_version``): the overview at 08:00, opened by a whole leadership group, rolls up once."""
    store = context.store
    unit_ids = {u.id for u in organisation.units}
    key = (store.folder, store.instance, store.gains_version, len(entries), organisation, period,
           context.settings.full_time_week)
    cached = _SUMMARIES.get(key)
    if cached is None:
        cached = summarise((e for e in entries if e.unit_id in unit_ids), organisation,
                           full_time_week=context.settings.full_time_week, period=period)
        if len(_SUMMARIES) >= 32:
            _SUMMARIES.clear()
        _SUMMARIES[key] = cached
    return cached


#: recent roll-ups, by what they were made from (see :func:`_summary`)
_SUMMARIES: dict[tuple[object, ...], GainsSummary] = {}


def rollout_line(t: Translator, organisation: Organisation, rollouts: dict[str, UnitRollout]) -> str:
    """"N av M enheter har fått opplæring" (units only; see ``board.domain.programme``), with the units waiting for
    new training after a new leader."""
    figures = rollout_figures(organisation, rollouts)
    line = t('rollout.figure', trained=figures.trained, units=figures.units)
    return f'{line} {t("rollout.figure_new", count=figures.new_training)}' if figures.new_training else line


def period_options(t: Translator, years: list[int]) -> dict[str, str]:
    """All time; then per year (newest first) the year, its half-years and its quarters."""
    options = {'': t('gains.all_years')}
    for year in years:
        options[str(year)] = str(year)
        options |= {f'{year}-H{h}': t('gains.half', year=year, half=h) for h in (1, 2)}
        options |= {f'{year}-Q{q}': t('gains.quarter', year=year, quarter=q) for q in (1, 2, 3, 4)}
    return options


def _download(filename: str) -> dict[str, str]:
    return {'Content-Disposition': f'attachment; filename="{filename}"', 'Cache-Control': 'no-store'}


# --- the overview -------------------------------------------------------------------------------------------------

def build_overview(context: AppContext, guard: Guard, user: User, entries: list[GainEntry], *, area: str,
                   sort: str) -> None:
    t, store = context.t, context.store
    organisation = visible_organisation(store.organisation, user)
    summary = _summary(context, organisation, entries)
    now = store.local_now()  # "overdue" and "waiting" are counted in the board's time zone
    overviews = [_unit_overview(context, u, summary, now) for u in organisation.units]
    areas = sorted(organisation.service_areas, key=lambda a: a.name.casefold())
    with leader_page(context, guard, user, '/leder', t('leader.overview'),
                     subtitle=scope_title(context, user, organisation)) as header:
        with header:
            options = {'': t('leader.all_areas'), **{a.id: a.name for a in areas}}
            ui.select(options, value=area if area in options else '', label=t('leader.filter_area'),
                      on_change=lambda e: ui.navigate.to(_overview_url(e.value, sort))) \
                .props('outlined').classes('min-w-[16rem]').mark('filter-area')
            ui.toggle({s: t(f'leader.sort_{s}') for s in SORTS}, value=sort,
                      on_change=lambda e: ui.navigate.to(_overview_url(area, e.value))) \
                .props('no-caps').mark('sort')
            ui.button(t('leader.refresh'), icon='refresh',
                      on_click=lambda: ui.navigate.to(_overview_url(area, sort))).props('flat no-caps')
        with ui.row().classes('items-baseline gap-4'):
            ui.label(rollout_line(t, organisation, store.rollouts())).classes('text-xl').mark('rollout-figure')
            ui.link(t('rollout.open'), '/leder/utrulling').classes('big-link')
        top = store.organisation.unit(LEADERSHIP_BOARD)
        if top is not None and user.leads(top):
            ui.link(t('leader.leadership_board'), f'/leder/enheter/{top.id}').classes('big-link') \
                .mark('leadership-board')
        if not overviews:
            ui.label(t('leader.no_units')).classes('text-xl')
        for service_area in areas:
            if area and service_area.id != area:
                continue
            group = [o for o in overviews if o.unit.service_area_id == service_area.id]
            group.sort(key=(lambda o: (-o.attention, o.unit.name.casefold())) if sort == 'attention'
                       else (lambda o: o.unit.name.casefold()))
            totals = summary.areas.get(service_area.id)
            with ui.element('section').classes('w-full area-block'):
                with ui.row().classes('items-baseline gap-4'):
                    Heading(service_area.name, 2)
                    board = store.organisation.unit(area_board_id(service_area.id))
                    if board is not None and user.leads(board):
                        ui.link(t('leader.area_board'), f'/leder/enheter/{board.id}').classes('big-link') \
                            .mark(f'area-board-{service_area.id}')
                    if totals is not None:
                        ui.label(t('leader.gains_line', identified=t.number(totals.identified),
                                   realised=t.number(totals.realised))).classes('text-lg')
                with ui.element('div').classes('overview-grid'):
                    for item in group:
                        _unit_tile(context, item)


def _unit_overview(context: AppContext, unit: Unit, summary: GainsSummary, now: datetime) -> UnitOverview:
    """One unit's tile, kept until the unit changes (its sequence number), the day turns or a gain changes."""
    store = context.store
    audits = audits_due(store, unit.id, now.date())
    key = (store.folder, store.instance, unit, store.seq(unit.id), now.date(), now.hour, store.gains_version,
           id(summary), audits)
    cached = _TILES.get((store.folder, unit.id))
    if cached is not None and cached[0] == key:
        return cached[1]
    tile = unit_overview(unit, store.cards(unit.id), shown_goals(store, unit.id), store.meetings(unit.id), summary,
                         now=now, waiting_weeks=context.settings.idea_waiting_weeks, notes=store.leader_notes(unit.id),
                         audits=audits)
    if len(_TILES) > 2000:
        _TILES.clear()
    _TILES[(store.folder, unit.id)] = (key, tile)
    return tile


#: each unit's last tile, by what it was made from (see :func:`_unit_overview`)
_TILES: dict[tuple[object, str], tuple[tuple[object, ...], UnitOverview]] = {}


def _overview_url(area: str, sort: str) -> str:
    return f'/leder?area={area}&sort={sort}' if area else f'/leder?sort={sort}'


def _unit_tile(context: AppContext, item: UnitOverview) -> None:
    t = context.t
    with ui.element('article').classes('unit-tile').mark(f'tile-{item.unit.id}'):
        with ui.row().classes('w-full items-start justify-between gap-2 no-wrap'):
            ui.link(item.unit.name, f'/leder/enheter/{item.unit.id}').classes('tile-title')
            if item.attention:
                attrs(ui.label(t('leader.attention', score=item.attention)).classes('attention-badge'),
                      {'title': t('leader.attention_help')})
        with attrs(ui.element('div').classes('mini-board'), {'aria-label': t('leader.mini_board')}):
            for column in Column:
                with ui.element('div').classes('mini-column'):
                    ui.label(str(item.counts[column])).classes('mini-count')
                    ui.label(t(f'column.{column.value}')).classes('mini-label')
        if item.goals:
            with ui.row().classes('gap-2 items-center'):
                for goal in item.goals:
                    dot = attrs(ui.label(goal.name).classes('goal-dot meta-item ' + STATUS_CLASSES[goal.status.value]),
                                {'data-icon': STATUS_ICONS[goal.status.value]})
                    dot.style['--goal-colour'] = safe_colour(goal.colour)
        with ui.element('ul').classes('tile-facts'):
            if item.waiting_ideas:
                _fact(t('leader.waiting', count=item.waiting_ideas, weeks=context.settings.idea_waiting_weeks),
                      'hourglass_bottom', warn=True)
            if item.overdue:
                _fact(t('leader.overdue', count=item.overdue), 'alarm', warn=True)
            if item.last_meeting is not None:
                held = item.last_meeting.ended_at.astimezone(context.store.timezone).date()
                _fact(t('leader.last_meeting', date=t.date(held)), 'groups', warn=item.meeting_late)
            else:
                _fact(t('leader.no_meeting'), 'groups', warn=True)
            key = 'leader.new_since_meeting' if item.last_meeting else 'leader.new_this_week'
            _fact(t(key, new=item.new_cards, changed=item.changed_cards), 'new_releases')
            _fact(t('leader.gains_line', identified=t.number(item.identified), realised=t.number(item.realised)),
                  'savings')
            _programme_facts(context, item)
        if item.audits_shown:
            ui.link(t('audit.open'), f'/leder/revisjon/{item.unit.id}').classes('big-link') \
                .mark(f'audit-link-{item.unit.id}')


def _programme_facts(context: AppContext, item: UnitOverview) -> None:
    """What the programme around the board adds to a tile: lifts unanswered, citizens' ideas waiting, the answers
    to the leaders' questions, audits due."""
    t = context.t
    if item.escalations_unanswered:
        _fact(t('escalation.overdue', count=item.escalations_unanswered), 'north', warn=True)
    citizens_waiting = len(context.store.citizen_ideas.pending(item.unit.id))
    if citizens_waiting:  # on the unit's page, for its leader to approve or decline
        _fact(t('citizen.tile_waiting', count=citizens_waiting), 'groups', warn=True)
    for note in item.answers[:3]:
        _fact(t('leader.answer', question=note.text, answer=note.answer), 'question_answer')
    for audit in item.audits_shown:
        _fact(due_text(context, audit), 'fact_check', warn=audit.state == DueState.OVERDUE)


def _fact(text: str, icon: str, *, warn: bool = False) -> None:
    attrs(TextElement(tag='li', text=text).classes('tile-fact' + (' fact-warn' if warn else '')), {'data-icon': icon})


# --- one unit, for its leader -----------------------------------------------------------------------------------

def build_unit_page(context: AppContext, changes: LiveChanges, guard: Guard, user: User, unit: Unit) -> None:
    t, store = context.t, context.store
    meeting = store.last_meeting(unit.id)

    def actor() -> tuple[Origin, str] | None:
        current = guard.user()
        if current is None or not current.leads(unit):
            ui.notify(t('login.expired'), type='warning', multi_line=True)
            return None
        return Origin.LEADER, current.name

    goals_dialog = GoalDialog(context, unit, actor)
    notes: LeaderNotes | None = None
    values_csv = GoalValuesCsv(context, unit, actor)
    screen = BoardScreen(context, changes, unit, actor=actor,
                         highlight_since=meeting.ended_at if meeting else context.store.now() - timedelta(days=7))

    def toolbar() -> None:
        ui.button(t('goal.manage'), icon='flag', on_click=goals_dialog.open_list).props('no-caps') \
            .classes('touch-button').mark('manage-goals')
        ui.button(t('goal_csv.heading'), icon='table_view', on_click=values_csv.open).props('no-caps outline') \
            .classes('touch-button').mark('goal-csv-open')
        ui.button(t('leader_note.add'), icon='question_answer', on_click=lambda: notes.open() if notes else None) \
            .props('no-caps outline').classes('touch-button').mark('note-open')
        ui.link(t('leader.overview'), '/leder').classes('big-link')
        ui.link(t('audit.open'), f'/leder/revisjon/{unit.id}').classes('big-link').mark('audit-open')
        ui.link(t('leader.wall_board'), f'/units/{unit.id}').classes('big-link')
        logout_button(context, guard)

    screen.build(toolbar)
    since = t.date(meeting.ended_at.astimezone(context.store.timezone).date()) if meeting else None
    with screen.root:
        ui.label(t('leader.highlight_since', date=since) if since else t('leader.highlight_week')) \
            .classes('highlight-note').move(screen.root, 0)
        # the leader's questions and praise for the next meeting, and the answers; the goals' run charts
        notes = LeaderNotes(context, unit, actor)
        # ideas from citizens wait here for a leader (live: see on_change), and the unit's public code
        queue = CitizenQueue(context, unit, actor)
        charts = GoalCharts(t=t, store=store, unit_id=unit.id, on_open=screen.open_goal)

    def on_change(change: Change) -> None:
        if isinstance(change, NotesChanged) and notes is not None:
            notes.refresh()
        elif isinstance(change, GoalValuesChanged):
            charts.refresh({v.goal_id for v in change.values})
        elif isinstance(change, GoalChanged):
            charts.refresh({change.goal.id})
        elif isinstance(change, CitizenIdeasChanged):
            queue.refresh()
    changes.subscribe(unit.id, on_change)


# --- the gains dashboard ------------------------------------------------------------------------------------------

def build_gains(context: AppContext, guard: Guard, user: User, entries: list[GainEntry], *, period: str) -> None:
    t, store = context.t, context.store
    organisation = visible_organisation(store.organisation, user)
    chosen = parse_period(period)
    if chosen is None:
        period, chosen = '', ALL_TIME
    summary = _summary(context, organisation, entries, chosen)
    everything = _summary(context, organisation, entries)  # the chart shows every quarter, whatever the period
    years = sorted({e.identified_on.year for e in entries} | {e.realised_on.year for e in entries if e.realised_on}
                   | {context.store.local_now().year} | ({chosen.start.year} if chosen.start else set()), reverse=True)
    whole = summary.organisation
    n = t.number
    with leader_page(context, guard, user, '/leder/gevinster', t('gains.heading'),
                     subtitle=scope_title(context, user, organisation)) as header:
        with header:
            ui.select(period_options(t, years), value=period.upper() if period else '', label=t('gains.period'),
                      on_change=lambda e: ui.navigate.to(f'/leder/gevinster?period={e.value}' if e.value
                                                         else '/leder/gevinster')) \
                .props('outlined').classes('min-w-[12rem]').mark('period')
            ui.button(t('gains.csv'), icon='table_view',
                      on_click=lambda: ui.navigate.to('/leder/rapport.csv')).props('no-caps outline').mark('csv')
            ui.button(t('gains.pdf'), icon='picture_as_pdf',
                      on_click=lambda: ui.navigate.to(f'/leder/rapport.pdf?period={period}')).props('no-caps') \
                .mark('pdf')
        with ui.element('div').classes('kpi-row'):
            _kpi(t('gains.identified'), n(whole.identified), t('gains.fte_unit'), 'kpi-identified')
            _kpi(t('gains.realised'), n(whole.realised), t('gains.fte_unit'), 'kpi-realised')
            _kpi(t('gains.active_units'), f'{active_units(context, organisation.units, context.store.now())}',
                 t('gains.of_units', units=len(organisation.units)), 'kpi-active')
            _kpi(t('gains.count'), str(whole.count), '', 'kpi-count')
            if whole.amount_realised:
                _kpi(t('gains.amount'), n(whole.amount_realised, 0), 'kr', 'kpi-amount')
        with ui.row().classes('w-full gap-4 items-stretch'):
            with ui.card().classes('grow min-w-[22rem]'):
                Heading(t('gains.by_category'), 2)
                ui.table(columns=_columns(t, ('category', 'identified', 'realised')), row_key='category',
                         rows=[{'category': t(f'gain_category.{c.value}'),
                                'identified': n(whole.identified_by_category[c], 2),
                                'realised': n(whole.realised_by_category[c], 2)} for c in whole.identified_by_category]
                         ).props('flat').mark('category-table')
                ui.label(t('gains.split_note')).classes('text-sm')
            with ui.card().classes('grow min-w-[28rem]'):
                Heading(t('gains.per_quarter'), 2)
                quarters = list(everything.quarters.items())[-12:]
                ui.echart({
                    'animation': False,
                    'tooltip': {'trigger': 'axis', ':valueFormatter': NORWEGIAN_NUMBER},
                    'legend': {'data': [t('gains.identified'), t('gains.realised')], 'top': 0},
                    'grid': {'top': 48, 'bottom': 64},
                    # every quarter named (ECharts would skip every other one), Norwegian numbers on the axis
                    # and in the tooltip, and no status colour: identified blue, realised indigo
                    'xAxis': {'type': 'category', 'data': [str(q) for q, _ in quarters],
                              'axisLabel': {'interval': 0, 'rotate': 45 if len(quarters) > 8 else 0}},
                    'yAxis': {'type': 'value', 'name': t('gains.fte_unit'),
                              'axisLabel': {':formatter': NORWEGIAN_NUMBER}},
                    'series': [
                        {'name': t('gains.identified'), 'type': 'bar', 'color': '#0072B2',
                         'data': [round(v[0], 2) for _, v in quarters]},
                        {'name': t('gains.realised'), 'type': 'bar', 'color': '#332288',
                         'data': [round(v[1], 2) for _, v in quarters]},
                    ],
                }).classes('w-full h-80').mark('quarter-chart')
        _by_source(t, whole)
        Heading(t('gains.per_area'), 2)
        area_rows = [{'area': a.name, 'units': len(organisation.units_in(a.id)),
                      'identified': n(summary.areas[a.id].identified, 2),
                      'realised': n(summary.areas[a.id].realised, 2)}
                     for a in sorted(organisation.service_areas, key=lambda a: a.name.casefold())]
        ui.table(columns=_columns(t, ('area', 'units', 'identified', 'realised')), row_key='area', rows=area_rows) \
            .classes('w-full').mark('area-table')
        Heading(t('gains.per_unit'), 2)
        rows = []
        for unit in organisation.units:
            totals = summary.units[unit.id]
            area = organisation.service_area(unit.service_area_id)
            rows.append({'unit': unit.name, 'area': area.name if area else '', 'count': totals.count,
                         'identified': n(totals.identified, 2), 'realised': n(totals.realised, 2),
                         '_sort': -totals.identified})
        rows.sort(key=lambda r: (r['_sort'], r['unit']))
        ui.table(columns=_columns(t, ('unit', 'area', 'count', 'identified', 'realised')), row_key='unit',
                 rows=rows, pagination=25).classes('w-full').mark('unit-table')
        _awaiting_confirmation(context, guard, organisation, entries)


def _by_source(t: Translator, whole: Totals) -> None:
    """Where the gains come from (tavle, mobil, innbygger, verdistrømanalyse), and the share found by value stream
    analyses against the municipality's aim of about 80 %."""
    n = t.number
    with ui.card().classes('w-full').mark('source-block'):
        Heading(t('gains.by_source'), 2)
        ui.table(columns=_columns(t, ('source', 'identified', 'realised')), row_key='source',
                 rows=[{'source': t(f'gain_source.{s.value}'), 'identified': n(whole.identified_by_source[s], 2),
                        'realised': n(whole.realised_by_source[s], 2)} for s in GainSource]
                 ).props('flat').mark('source-table')
        share = whole.vsa_share
        ui.label(t('gains.vsa_target', target=n(VSA_TARGET * 100, 0),
                   actual=n(share * 100, 0) if share is not None else '–')).classes('text-lg font-semibold') \
            .mark('vsa-share')


def _awaiting_confirmation(context: AppContext, guard: Guard, organisation: Organisation,
                           entries: list[GainEntry]) -> None:
    """Finished work whose gain is not yet confirmed, with a button to confirm it (also for archived cards)."""
    t = context.t
    units = {u.id: u for u in organisation.units}
    waiting = sorted((e for e in entries if e.finished and e.realised_on is None and e.unit_id in units),
                     key=lambda e: (e.identified_on, e.unit_id, e.card_id))
    Heading(t('gains.awaiting'), 2)
    if not waiting:
        ui.label(t('gains.none_awaiting')).classes('text-lg')
        return
    ui.label(t('gains.awaiting_help')).classes('text-base')
    shown = waiting[:50]
    with ui.column().classes('w-full gap-2'):
        for entry in shown:
            with ui.row().classes('user-row w-full items-center gap-4').mark(f'awaiting-{entry.card_id}') as row:
                ui.label(units[entry.unit_id].name).classes('min-w-[14rem] font-semibold')
                ui.label(entry.title).classes('grow').style('overflow-wrap: anywhere')
                ui.label(t('gain.badge', fte=t.number(entry.hours_per_week / context.settings.full_time_week, 2)))
                ui.label(t('gains.identified_on', date=t.date(entry.identified_on)))
                ui.button(t('gains.confirm'), icon='verified',
                          on_click=lambda e=entry, r=row: _confirm_dialog(context, guard, units[e.unit_id], e, r)) \
                    .props('no-caps outline').mark(f'confirm-{entry.card_id}')
    if len(waiting) > len(shown):
        ui.label(t('gains.more_awaiting', count=len(waiting) - len(shown)))


def _confirm_dialog(context: AppContext, guard: Guard, unit: Unit, entry: GainEntry, row: ui.row) -> None:
    t, store = context.t, context.store
    current = guard.user()
    with ui.dialog() as dialog, ui.card().classes('gap-3 p-6'):
        ui.label(t('gains.confirm_heading', title=entry.title)).classes('text-xl font-bold') \
            .style('overflow-wrap: anywhere')
        if not entry.measured_after:  # a warning, not a block: the gain may be plain to see without a number
            no_after_warning(t)
        day = ui.input(t('gain.realised_on'), value=store.local_now().date().isoformat()) \
            .props('outlined type=date') \
            .mark('confirm-date')
        who = ui.input(t('gain.confirmed_by'), value=current.name if current else '').props('outlined') \
            .mark('confirm-by')
        error = ui.label().classes('field-error').props('role=alert')

        async def save() -> None:
            user = guard.user()
            if user is None or not user.leads(unit):
                ui.notify(t('login.expired'), type='warning', multi_line=True)
                dialog.close()
                return
            try:
                realised_on = date.fromisoformat(day.value)
            except (TypeError, ValueError):
                error.text = t('error.bad_date')
                return
            written = await attempt(store, store.confirm_gain, unit.id, entry.card_id, realised_on=realised_on,
                                    by=who.value or user.name)
            if not written.ok:
                error.text = ' '.join(messages(t, written.problems))
                return
            log.info('%s confirmed the gain of card %s (unit %s)', user.username, entry.card_id, unit.id)
            dialog.close()
            row.delete()
            ui.notify(t('gains.confirmed'), type='positive')

        with ui.row().classes('w-full justify-end gap-3'):
            ui.button(t('action.cancel'), on_click=dialog.close).props('flat').classes('touch-button')
            ui.button(t('gains.confirm'), icon='check', on_click=save).classes('touch-button').mark('confirm-save')
    dialog.open()


def _kpi(label: str, value: str, unit: str, marker: str) -> None:
    with ui.element('div').classes('kpi').mark(marker):
        ui.label(label).classes('kpi-label')
        with ui.row().classes('items-baseline gap-2'):
            ui.label(value).classes('kpi-value')
            if unit:
                ui.label(unit).classes('kpi-unit')


def _columns(t: Translator, names: tuple[str, ...]) -> list[dict[str, object]]:
    return [{'name': name, 'field': name, 'label': t(f'gains.col_{name}'),
             'align': 'left' if name in ('unit', 'area', 'category', 'source') else 'right'} for name in names]


# --- reports ------------------------------------------------------------------------------------------------------

def _all_cards_csv(context: AppContext, user: User) -> bytes:
    store = context.store
    organisation = visible_organisation(store.organisation, user)
    rows = []
    for unit in organisation.units:
        rows += [(c, False) for c in store.cards(unit.id)]
        for year in store.archive_years(unit.id):
            rows += [(c, True) for c in store.archived_cards(unit.id, year)]
    return cards_csv(rows, store.organisation, context.t, full_time_week=context.settings.full_time_week)


def _status_report(context: AppContext, user: User, entries: list[GainEntry], period: Period) -> bytes:
    from ..report_pdf import status_pdf
    organisation = visible_organisation(context.store.organisation, user)
    summary = _summary(context, organisation, entries, period)
    scope = ReportScope(organisation=organisation, title=scope_title(context, user, organisation),
                        active_units=active_units(context, organisation.units, context.store.now()))
    # one unit's report also shows its goals with their run charts; the report itself reads no store
    store = context.store
    goals = [(g, store.goal_values(unit.id, g.id)) for unit in organisation.units[:1] for g in store.goals(unit.id)] \
        if len(organisation.units) == 1 else []
    measured = improvements(store.measured_cards(u.id for u in organisation.units), organisation, period)
    citizens, zone = {u.id: store.citizen_ideas.of_unit(u.id) for u in organisation.units}, store.timezone
    return status_pdf(summary, scope, period, context.t, generated=store.local_now().date(), goals=goals,
                      measured=measured, audits=_last_audits(context, organisation), zone=store.timezone,
                      rollout=rollout_figures(organisation, store.rollouts()),
                      citizens=citizen_figures((i for ideas in citizens.values() for i in ideas), period, zone),
                      citizens_per_unit=[(u.name, citizen_figures(citizens[u.id], period, zone))
                                         for u in organisation.units])


def _last_audits(context: AppContext, organisation: Organisation) -> list[tuple[str, list[Audit]]]:
    """Each unit's last audit of each kind, newest first (units without audits are left out)."""
    found = []
    for unit in organisation.units:
        audits = context.store.audits.all(unit.id)
        last = [a for a in (next((a for a in audits if a.kind == kind), None) for kind in AuditKind) if a is not None]
        if last:
            found.append((unit.name, sorted(last, key=lambda a: a.created_at, reverse=True)))
    return found
