"""A goal full screen at the wall: its run chart, its status in words, this week's value on a number pad.

A tap on a goal in the strip opens it. The team reads the chart together (values, median, target and baseline,
with a shift or a trend said in words beside it), enters this week's value by finger, corrects or deletes a value
(a deleted value can be restored), sets the status by hand with a reason when the rule does not fit, and edits the
goal itself. Every change goes through the same store rules as everywhere else, recorded as made at the board (or
by the leader on a leader's page).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from nicegui import ui

from ..domain import Goal, GoalStatus, GoalValue, IsoWeek, Problem
from ..domain.runchart import goal_status, run_chart
from ..i18n import Translator
from .card_view import readable_colour
from .date_field import parse_date
from .number_pad import NumberPad, step_for
from .run_chart import goal_status_text, run_chart_options, signal_texts
from .theme import STATUS_CLASSES, STATUS_ICONS, attrs
from .writes import Attempt, notify_problems

if TYPE_CHECKING:
    from ..store import Store

__all__ = ['GoalCharts', 'GoalSheet', 'SheetChart', 'value_week']

#: the values listed under the chart, newest first (the chart shows them all)
LISTED_VALUES = 8
#: weeks offered as chips for the value's date: this week and the two before
WEEK_CHIPS = 3

Write = Callable[..., Awaitable[Attempt[Any]]]


def value_week(day: date) -> date:
    """A weekly value is dated the Monday of its week: entering this week's value again replaces it."""
    return day - timedelta(days=day.weekday())


class SheetChart(ui.echart):
    """The goal sheet's chart, drawn once each time the sheet opens.

    NiceGUI asks an echart to draw (``update_chart``) after every update of its element. When the same update also
    mounts it, as when the sheet opens, the chart is not made yet and the request is retried 10 ms later, after
    mounting has drawn it: every open drew the chart twice (a third of an open's time, bench/goal_chart.py). Here
    an update only sends the options, which mounting draws; ``show`` asks for a draw when the chart is on screen.
    """

    def __init__(self) -> None:
        super().__init__({})
        self._update_method = None  # NiceGUI's own call after each update (a private attribute of its Element)

    def show(self, options: dict[str, Any], *, mounted: bool) -> None:
        """Show ``options``; ``mounted``: the chart may be on screen now (drawing it when it is not costs time only)."""
        self.options.clear()
        self.options.update(options)
        self.update()
        if mounted:
            self.run_method('update_chart')


class GoalSheet:
    """The full-screen goal dialog of one board screen (built on first use, one per screen).

    ``write`` runs a store write as whoever acts on the screen (``BoardScreen._attempt``); ``on_edit`` opens the
    goal form.
    """

    def __init__(self, *, t: Translator, store: Store, unit_id: str, write: Write, wall: bool,
                 on_edit: Callable[[Goal], None]) -> None:
        self.t = t
        self.store = store
        self.unit_id = unit_id
        self.write = write
        self.wall = wall
        self.on_edit = on_edit
        self.goal_id: str | None = None
        self.day: date | None = None  # the value's date; None: this week's Monday
        #: the sheet's content may be in the browser: from opening until Quasar says it is hidden (and unmounted)
        self.mounted = False
        self._build()

    def _build(self) -> None:
        t = self.t
        with ui.dialog().props('maximized').on('hide', self._hidden) as self.dialog, \
                ui.card().classes('goal-sheet w-full h-full gap-3').mark('goal-sheet'):
            with ui.row(wrap=False).classes('w-full items-center gap-4'):
                self.icon = ui.icon('flag', size='2.5rem').props('aria-hidden=true')
                self.heading = attrs(ui.label().classes('goal-sheet-title grow'), {'role': 'heading',
                                                                                  'aria-level': '2'})
                ui.button(t('goal_sheet.edit'), icon='edit', on_click=self._edit).props('no-caps flat size=lg') \
                    .classes('touch-button').mark('goal-sheet-edit')
                ui.button(t('action.close'), icon='close', on_click=self.dialog.close) \
                    .props('no-caps size=lg').classes('touch-button').mark('goal-sheet-close')
            with ui.row(wrap=False).classes('w-full items-center gap-3'):
                self.status = ui.label().classes('meta-item goal-sheet-status').mark('goal-sheet-status')
                self.status_why = ui.label().classes('goal-sheet-why grow')
                ui.button(t('goal_sheet.override'), icon='tune', on_click=self._open_override) \
                    .props('no-caps flat size=lg').classes('touch-button').mark('goal-sheet-override')
            with ui.element('div').classes('goal-sheet-body w-full'):
                with ui.column().classes('goal-sheet-chart gap-2'):
                    self.chart = SheetChart().classes('run-chart w-full').mark('run-chart')
                    self.signals = attrs(ui.column().classes('run-chart-signals gap-1'),
                                         {'role': 'status', 'aria-live': 'polite'}).mark('run-chart-signals')
                    self.values_list = ui.column().classes('goal-values w-full gap-1').mark('goal-values')
                with ui.column().classes('goal-sheet-entry gap-2'):
                    ui.label(t('goal_sheet.enter')).classes('goal-sheet-subheading')
                    self.weeks = ui.toggle({}, on_change=self._week_chosen).props('no-caps spread size=lg') \
                        .classes('w-full').mark('value-week')
                    self.other_day = ui.input(t('goal_sheet.other_date'), on_change=self._day_typed) \
                        .props('outlined clearable').classes('w-full').mark('value-date')
                    self.pad = NumberPad(t=t, on_enter=self._enter, marker='value-pad')
        self._build_override()

    def _build_override(self) -> None:
        t = self.t
        with ui.dialog() as self.override_dialog, ui.card().classes('card-dialog gap-3'):
            ui.label(t('goal_sheet.override_heading')).classes('text-2xl font-bold') \
                .props('role=heading aria-level=2')
            ui.label(t('goal_sheet.override_help')).classes('text-lg')
            self.override_status = ui.toggle({s.value: t(f'goal_status.{s.value}') for s in GoalStatus}) \
                .props('no-caps spread size=lg').classes('w-full').mark('override-status')
            self.override_reason = ui.input(t('goal_sheet.reason')).props('outlined maxlength=300') \
                .classes('w-full').mark('override-reason')
            with ui.row().classes('w-full justify-end gap-3'):
                ui.button(t('goal_sheet.use_rule'), on_click=lambda: self._override(None)) \
                    .props('flat no-caps').classes('touch-button').mark('override-clear')
                ui.button(t('action.cancel'), on_click=self.override_dialog.close).props('flat no-caps') \
                    .classes('touch-button')
                ui.button(t('action.save'), icon='check', on_click=lambda: self._override(self.override_status.value)) \
                    .props('no-caps').classes('touch-button').mark('override-save')

    # --- opening and showing ---

    def open(self, goal_id: str) -> None:
        self.goal_id = goal_id
        self.day = None
        self.other_day.value = ''
        goal = self.store.goal(self.unit_id, goal_id)
        if goal is None:
            return
        values = self.store.goal_values(self.unit_id, goal_id)
        last = values[-1] if values else None
        measure = goal.measure
        self.pad.set_value(last.value if last else (measure.baseline if measure else None),
                           unit=measure.unit if measure else '',
                           step=step_for(*(v.value for v in values[-5:]), *(
                               (measure.target, measure.baseline) if measure else ())))
        self.show()
        self.dialog.open()
        self.mounted = True

    def _hidden(self) -> None:
        self.mounted = False

    def show(self) -> None:
        """Show the goal as it is now (also when it changed on another screen while open)."""
        goal = self.store.goal(self.unit_id, self.goal_id or '')
        if goal is None or goal.retired:
            self.dialog.close()
            return
        t = self.t
        today = self.store.local_now().date()
        values = self.store.goal_values(self.unit_id, goal.id)
        self.heading.text = goal.name
        self.icon.name = goal.icon
        self.icon.style['color'] = readable_colour(goal.colour)
        reading = goal_status(goal, values, today)
        status = reading.status.value
        self.status.classes(replace=f'meta-item goal-sheet-status {STATUS_CLASSES[status]}')
        attrs(self.status, {'data-icon': STATUS_ICONS[status]})
        self.status.text = t(f'goal_status.{status}')
        self.status_why.text = goal_status_text(reading, t)
        chart = run_chart(values)
        self.chart.show(run_chart_options(goal, chart, t, wall=self.wall), mounted=self.mounted)
        self.signals.clear()
        with self.signals:
            for text in signal_texts(chart, t):
                ui.label(text).classes('run-chart-signal')
        self._show_weeks(today)
        self._show_values(goal, values)
        self.pad.set_visibility(goal.measure is not None)
        self.weeks.set_visibility(goal.measure is not None)
        self.other_day.set_visibility(goal.measure is not None)

    def _show_weeks(self, today: date) -> None:
        monday = value_week(today)
        options = {}
        for back in range(WEEK_CHIPS):
            day = monday - timedelta(weeks=back)
            options[day.isoformat()] = self.t('goal_sheet.week', week=IsoWeek.of(day).week)
        chosen = (self.day or monday).isoformat()
        self.weeks.set_options(options, value=chosen if chosen in options else None)

    def _show_values(self, goal: Goal, values: list[GoalValue]) -> None:
        t = self.t
        unit = goal.measure.unit if goal.measure else ''
        self.values_list.clear()
        with self.values_list:
            if not values:
                ui.label(t('goal_sheet.no_values')).classes('text-xl')
            for value in reversed(values[-LISTED_VALUES:]):
                with ui.row(wrap=False).classes('goal-value-row w-full items-center gap-3') \
                        .mark(f'value-{value.on.isoformat()}'):
                    ui.label(t('goal_sheet.value_line', week=IsoWeek.of(value.on).week, date=t.date(value.on),
                               value=t.number(value.value, decimals=3), unit=unit)).classes('grow')
                    attrs(ui.button(icon='delete', on_click=lambda v=value: self._delete(v, True))
                          .props('flat round size=lg').classes('touch-button'),
                          {'aria-label': t('goal_sheet.delete_value')}).mark(f'delete-value-{value.on.isoformat()}')
            deleted = self.store.goal_values(self.unit_id, goal.id, deleted=True)[-3:]
            for value in reversed(deleted):
                with ui.row(wrap=False).classes('goal-value-row deleted w-full items-center gap-3'):
                    ui.label(t('goal_sheet.deleted_line', date=t.date(value.on),
                               value=t.number(value.value, decimals=3), unit=unit)).classes('grow')
                    ui.button(t('bin.restore'), icon='restore_from_trash',
                              on_click=lambda v=value: self._delete(v, False)) \
                        .props('flat no-caps').classes('touch-button').mark(f'restore-value-{value.on.isoformat()}')

    # --- what people do ---

    def _week_chosen(self) -> None:
        if self.weeks.value:
            self.day = date.fromisoformat(self.weeks.value)
            if self.other_day.value:
                self.other_day.value = ''

    def _day_typed(self) -> None:
        text = self.other_day.value or ''
        self.other_day.error = None
        if not text.strip():
            return
        try:
            day = parse_date(text)
        except ValueError:
            self.other_day.error = self.t('error.bad_date')
            return
        if day is not None:
            self.day = day
            self.weeks.value = None

    async def _enter(self, number: float) -> str | None:
        goal_id = self.goal_id
        if goal_id is None:
            return None
        if self.other_day.error:
            return self.other_day.error
        day = self.day or value_week(self.store.local_now().date())
        written = await self.write(self.store.record_goal_values, self.unit_id, [(goal_id, day, number)])
        if not written.ok:
            return ' '.join(self.t(p.key, **p.params) for p in written.problems)
        ui.notify(self.t('goal_sheet.saved', date=self.t.date(day)), type='positive')
        return None

    async def _delete(self, value: GoalValue, deleted: bool) -> None:
        written = await self.write(self.store.set_goal_value_deleted, self.unit_id, value.goal_id, value.on, deleted)
        notify_problems(self.t, written.problems)

    def _edit(self) -> None:
        goal = self.store.goal(self.unit_id, self.goal_id or '')
        if goal is not None:
            self.on_edit(goal)

    def _open_override(self) -> None:
        goal = self.store.goal(self.unit_id, self.goal_id or '')
        if goal is None:
            return
        self.override_status.value = goal.status.value
        self.override_reason.value = goal.status_reason
        self.override_reason.error = None
        self.override_dialog.open()

    async def _override(self, status: str | None) -> None:
        """Set the status by hand with a reason (``status``), or let the rule decide again (None)."""
        goal = self.store.goal(self.unit_id, self.goal_id or '')
        if goal is None:
            return
        reason = (self.override_reason.value or '').strip()
        if status is not None and not reason:
            self.override_reason.error = self.t('goal_sheet.reason_needed')
            return
        changed = dataclasses.replace(goal, status=GoalStatus(status) if status else goal.status,
                                      status_reason=reason if status else '')
        written = await self.write(self.store.edit_goal, changed)
        if written.ok:
            self.override_dialog.close()
        else:
            self._problems(written.problems)

    def _problems(self, problems: tuple[Problem, ...]) -> None:
        for problem in problems:
            if problem.field == 'status_reason':
                self.override_reason.error = self.t(problem.key, **problem.params)
            else:
                notify_problems(self.t, [problem])


class GoalCharts:
    """Every measured goal of a unit as a run chart, side by side: the leaders' unit page, read before a meeting.

    Kept up to date as values come in (``refresh`` with the goals that changed); a tap on a chart's heading opens
    the goal as the wall shows it.
    """

    def __init__(self, *, t: Translator, store: Store, unit_id: str, on_open: Callable[[str], None]) -> None:
        self.t = t
        self.store = store
        self.unit_id = unit_id
        self.on_open = on_open
        self.charts: dict[str, tuple[ui.echart, ui.column]] = {}
        with ui.column().classes('goal-charts w-full gap-2').mark('goal-charts') as self.root:
            ui.label(t('run_chart.goals_heading')).classes('text-2xl font-bold').props('role=heading aria-level=2')
            self.grid = ui.element('div').classes('goal-charts-grid w-full')
        self.refresh(None)

    def refresh(self, goal_ids: set[str] | None) -> None:
        """Redraw the charts of ``goal_ids`` (None: all); goals new or retired since are added or removed."""
        goals = [g for g in self.store.goals(self.unit_id) if g.measure is not None]
        wanted = {g.id for g in goals}
        if set(self.charts) != wanted:  # a goal measured, added or retired: lay the grid out again
            self.grid.clear()
            self.charts = {}
            goal_ids = None
            with self.grid:
                for goal in goals:
                    with ui.column().classes('goal-chart-cell gap-1').mark(f'goal-chart-{goal.id}'):
                        ui.button(goal.name, icon='open_in_full', on_click=lambda g=goal.id: self.on_open(g)) \
                            .props('flat no-caps align=left').classes('text-lg font-semibold')
                        chart = ui.echart({}).classes('run-chart-small w-full').mark(f'run-chart-{goal.id}')
                        words = ui.column().classes('gap-0')
                    self.charts[goal.id] = (chart, words)
        today = self.store.local_now().date()
        for goal in goals:
            if goal_ids is not None and goal.id not in goal_ids:
                continue
            chart, words = self.charts[goal.id]
            values = self.store.goal_values(self.unit_id, goal.id)
            drawn = run_chart(values)
            chart.options.clear()
            chart.options.update(run_chart_options(goal, drawn, self.t, wall=False))
            chart.update()
            words.clear()
            with words:
                reading = goal_status(goal, values, today)
                ui.label(f'{self.t(f"goal_status.{reading.status.value}")}: {goal_status_text(reading, self.t)}')
                for text in signal_texts(drawn, self.t):
                    ui.label(text).classes('run-chart-signal')
