"""A unit's history at ``/units/<unit-id>/historikk``: past weeks with their board meetings and finished work.

Open on the wall like the board (no login), touch first: the previous and next week are big buttons. A week shows
its meetings (when, how long, how many were there, what was decided), the cards finished in it (from the board
or the yearly archive) with their gains, the ideas declined in it with their reasons, and its recognitions.
Below the week, *Slettet*: the unit's deleted cards of the last ``deleted_days`` days, each with *Gjenopprett*.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

from nicegui import run, ui

from ..domain import EARLIEST_DATE, LATEST_DATE, Answer, Card, IsoWeek, Unit
from ..store.acting import acting_from
from .landing import unknown_unit
from .theme import Heading, attrs, frame
from .writes import attempt, notify_problems

if TYPE_CHECKING:
    from ..context import AppContext


def register(context: AppContext) -> None:

    @ui.page('/units/{unit_id}/historikk', title=context.t('history.heading'))
    async def history_page(unit_id: str, week: str = '') -> None:
        unit = context.store.unit(unit_id)
        if unit is None:
            unknown_unit(context, unit_id)
            return
        shown = _parse_week(week) or IsoWeek.of(context.store.local_now())
        # the year's archive is read from disk: off the event loop that serves every screen
        cards = await run.io_bound(_cards_of_year, context, unit, shown)
        if cards is not None:  # None: the hub is shutting down
            build_history(context, unit, shown, cards)


def _parse_week(text: str) -> IsoWeek | None:
    year, _, week = text.upper().partition('-W')
    if not (year.isdigit() and week.isdigit() and EARLIEST_DATE.year <= int(year) <= LATEST_DATE.year):
        return None
    try:
        return IsoWeek.of(IsoWeek(int(year), int(week)).monday())
    except ValueError:
        return None


def build_history(context: AppContext, unit: Unit, week: IsoWeek, cards: list[Card]) -> None:
    t, store = context.t, context.store
    zone = store.timezone

    def in_week(moment: object) -> bool:
        return moment is not None and IsoWeek.of(moment.astimezone(zone)) == week  # type: ignore[attr-defined]

    meetings = [m for m in store.meetings(unit.id) if in_week(m.started_at)]
    finished = sorted((c for c in cards if c.answer != Answer.DECLINED and in_week(c.finished_at)),
                      key=lambda c: c.finished_at)  # type: ignore[arg-type, return-value]
    declined = [c for c in cards if c.answer == Answer.DECLINED and in_week(c.answered_at)]
    recognitions = [r for r in store.recognitions(unit.id) if in_week(r.created_at)]
    fte = context.settings.full_time_week
    with frame(context, f'{t("history.heading")} - {unit.name}', wall=True), \
            ui.column().classes('history w-full max-w-[90rem] mx-auto p-4 gap-4'):
        with ui.row().classes('w-full items-center gap-4'):
            Heading(t('history.title', unit=unit.name), 1)
            ui.space()
            ui.link(t('history.back'), f'/units/{unit.id}').classes('big-link')
        with ui.row().classes('w-full items-center gap-4'):
            attrs(ui.button(icon='chevron_left', on_click=lambda: ui.navigate.to(_url(unit, week.shifted(-1))))
                  .props('round size=xl'), {'aria-label': t('history.previous')}).mark('previous-week')
            Heading(t('history.week', week=week.week, year=week.year, monday=t.date(week.monday())), 2) \
                .classes('history-week').mark('history-week')
            attrs(ui.button(icon='chevron_right', on_click=lambda: ui.navigate.to(_url(unit, week.shifted(1))))
                  .props('round size=xl'), {'aria-label': t('history.next')}).mark('next-week')
        with ui.element('section').classes('w-full'):
            Heading(t('history.meetings'), 2)
            if not meetings:
                ui.label(t('history.no_meeting')).classes('text-xl')
            for meeting in meetings:
                with ui.element('article').classes('history-item').mark(f'meeting-{meeting.id}'):
                    ui.label(t('history.meeting', date=t.date(meeting.started_at.astimezone(zone).date()),
                               time=meeting.started_at.astimezone(zone).strftime('%H:%M'), minutes=meeting.minutes,
                               present=meeting.present)).classes('text-xl font-semibold')
                    with ui.element('ul').classes('history-decisions'):
                        for decision in meeting.decisions:
                            with ui.element('li'):
                                ui.label(decision)
        with ui.element('section').classes('w-full'):
            Heading(t('history.finished', count=len(finished)), 2)
            for card in finished:
                with ui.row().classes('history-item history-card w-full items-center gap-4') \
                        .mark(f'finished-{card.id}'):
                    ui.label(card.title).classes('grow text-xl').style('overflow-wrap: anywhere')
                    if card.owner:
                        ui.label(card.owner).classes('meta-item').props('data-icon=person')
                    if card.gain is not None:
                        ui.label(t('gain.badge', fte=t.number(card.gain.fte(fte), 2))).classes('gain-badge')
        if declined:
            with ui.element('section').classes('w-full'):
                Heading(t('history.declined'), 2)
                for card in declined:
                    with ui.row().classes('history-item w-full items-center gap-4'):
                        ui.label(card.title).classes('text-xl').style('overflow-wrap: anywhere')
                        ui.label(t('history.reason', reason=card.answer_note)).classes('text-lg')
        if recognitions:
            with ui.element('section').classes('w-full'):
                Heading(t('meeting.recognition_strip'), 2)
                for recognition in recognitions:
                    ui.label(recognition.text).classes('recognition text-xl').props('data-icon=favorite')
        _build_bin(context, unit)


def _build_bin(context: AppContext, unit: Unit) -> None:
    """*Slettet*: deleted cards that can still be restored, newest first; a restore syncs like any change."""
    from .board_page import screen_source
    t, store = context.t, context.store
    zone = store.timezone
    source = screen_source(context)
    deleted = store.deleted_cards(unit.id)

    async def restore(card: Card, row: ui.element) -> None:
        with acting_from(source):
            restored = await attempt(store, store.restore_card, unit.id, card.id)
        if not restored.ok or restored.value is None:
            notify_problems(t, restored.problems)
            return
        back, goal_gone = restored.value
        ui.notify(t('bin.restored', title=back.title, column=t(f'column.{back.column.value}')), type='positive')
        if goal_gone:
            ui.notify(t('bin.goal_gone'), type='info', multi_line=True)
        row.delete()  # last: the button that called this is in the row

    with ui.element('section').classes('w-full').mark('bin'):
        Heading(t('bin.heading'), 2)
        ui.label(t('bin.explain', days=context.settings.deleted_days)).classes('text-lg')
        if not deleted:
            ui.label(t('bin.empty')).classes('text-xl')
        for card, when in deleted:
            local = when.astimezone(zone)
            with ui.row().classes('history-item w-full items-center gap-4').mark(f'deleted-{card.id}') as row:
                ui.label(card.title).classes('grow text-xl').style('overflow-wrap: anywhere')
                ui.label(t('bin.deleted_at', date=t.date(local.date()), time=local.strftime('%H:%M'))) \
                    .classes('text-lg')
                ui.button(t('bin.restore'), icon='restore_from_trash',
                          on_click=partial(restore, card, row)) \
                    .props('no-caps size=lg').classes('touch-button').mark(f'restore-{card.id}')


def _cards_of_year(context: AppContext, unit: Unit, week: IsoWeek) -> list[Card]:
    """The unit's cards that may belong to ``week``: on the board, declined, and archived in its years."""
    store = context.store
    monday = week.monday()
    years = {monday.year, (monday + timedelta(days=6)).year}
    cards = {c.id: c for c in store.cards(unit.id) + store.declined(unit.id)}
    for year in years & set(store.archive_years(unit.id)):
        cards.update({c.id: c for c in store.archived_cards(unit.id, year)})
    return list(cards.values())


def _url(unit: Unit, week: IsoWeek) -> str:
    return f'/units/{unit.id}/historikk?week={week}'
