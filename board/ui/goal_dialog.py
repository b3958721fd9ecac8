"""The form for a new or changed goal (at the wall and on a leader's page), and a leader's list of the goals.

Colours come from the colour-blind-safe palette the board uses, icons from a short list that reads well across
a room; the goal's status is a traffic light with a word, never colour alone. The measure (unit, which way is
better, baseline, target, by when, the range a value can have) makes the goal measurable by the team at the board.
Every save asks ``actor`` first (on a leader's page the login is checked on the server when the goal is saved),
and records who made the change: the board, or the leader by name. Only a leader retires a goal.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nicegui import ui

from ..domain import NAME_MAX, Direction, Goal, GoalStatus, Measure, Origin, Problem, Unit, validate_goal
from ..ordering import key_between
from .date_field import parse_date
from .theme import GOAL_PALETTE, STATUS_CLASSES, STATUS_ICONS, attrs, safe_colour
from .writes import attempt, notify_problems

if TYPE_CHECKING:
    from ..context import AppContext

GOAL_ICONS = ('flag', 'favorite', 'schedule', 'health_and_safety', 'medication', 'restaurant', 'groups',
              'school', 'child_care', 'directions_car', 'description', 'savings', 'eco', 'sentiment_satisfied',
              'psychology', 'handshake', 'star', 'speed')


class GoalDialog:

    def __init__(self, context: AppContext, unit: Unit, actor: Callable[[], tuple[Origin, str] | None]) -> None:
        self.context = context
        self.t = context.t
        self.unit = unit
        self.actor = actor
        self.goal: Goal | None = None
        self._build()

    def _build(self) -> None:
        t = self.t
        with ui.dialog() as self.list_dialog, ui.card().classes('card-dialog gap-3'):
            ui.label(t('goal.manage')).classes('text-2xl font-bold').props('role=heading aria-level=2')
            self.list = ui.column().classes('w-full gap-2')
            with ui.row().classes('w-full justify-end gap-3'):
                ui.button(t('action.cancel'), on_click=self.list_dialog.close).props('flat').classes('touch-button')
                ui.button(t('goal.new'), icon='add', on_click=lambda: self.open_goal(None)) \
                    .classes('touch-button').mark('new-goal')
        with ui.dialog() as self.dialog, ui.card().classes('card-dialog gap-3'):
            self.heading = ui.label().classes('text-2xl font-bold').props('role=heading aria-level=2')
            self.name = attrs(ui.input(t('goal.name')).props('outlined'), {'maxlength': NAME_MAX * 2}) \
                .classes('w-full').mark('goal-name')
            ui.label(t('goal.colour')).classes('text-lg font-semibold')
            # each choice names its colour in words; the stylesheet draws the swatch before the name
            self.colour = ui.radio({c: t(f'goal.colour_{i}') for i, c in enumerate(GOAL_PALETTE)}) \
                .props('inline').classes('goal-colours text-lg').mark('goal-colour')
            self.colour.style.update({f'--swatch-{i}': c for i, c in enumerate(GOAL_PALETTE)})
            self.icon = ui.select({i: t(f'goal_icon.{i}') for i in GOAL_ICONS}, label=t('goal.icon')) \
                .props('outlined').classes('w-64').mark('goal-icon')
            self.status = ui.toggle({s.value: t(f'goal_status.{s.value}') for s in GoalStatus}) \
                .props('spread no-caps size=lg').classes('w-full').mark('goal-status')
            with ui.row().classes('w-full gap-3 items-start'):
                self.target_unit = ui.input(t('goal.target_unit')).props('outlined maxlength=40').classes('w-40') \
                    .mark('goal-target-unit')
                self.better = ui.toggle({d.value: t(f'goal.better_{d.value}') for d in Direction}, value='up') \
                    .props('no-caps').mark('goal-better')
                self.current = ui.number(t('goal.current')).props('outlined').classes('w-40').mark('goal-current')
                self.target = ui.number(t('goal.target_value')).props('outlined').classes('w-40') \
                    .mark('goal-target')
            with ui.row().classes('w-full gap-3 items-start'):
                self.target_on = ui.input(t('goal.target_on'), placeholder='31.12.2027').props('outlined') \
                    .classes('w-48').mark('goal-target-on')
                self.lowest = ui.number(t('goal.lowest')).props('outlined').classes('w-40').mark('goal-lowest')
                self.highest = ui.number(t('goal.highest')).props('outlined').classes('w-40').mark('goal-highest')
            self.error = ui.label().classes('field-error').props('role=alert')
            with ui.row().classes('w-full justify-end gap-3'):
                ui.button(t('action.cancel'), on_click=self.dialog.close).props('flat').classes('touch-button')
                ui.button(t('action.save'), icon='check', on_click=self.save).classes('touch-button') \
                    .mark('goal-save')

    def open_list(self) -> None:
        t = self.t
        self.list.clear()
        with self.list:
            goals = self.context.store.goals(self.unit.id)
            if not goals:
                ui.label(t('goal.none')).classes('text-lg')
            for goal in goals:
                with ui.row().classes('goal-chip w-full') as chip:
                    chip.style['--goal-colour'] = safe_colour(goal.colour)
                    ui.icon(goal.icon, size='1.8rem').props('aria-hidden=true')
                    ui.label(goal.name).classes('goal-name grow')
                    with ui.element('span').classes('meta-item ' + STATUS_CLASSES[goal.status.value]):
                        ui.icon(STATUS_ICONS[goal.status.value]).props('aria-hidden=true')
                        ui.label(t(f'goal_status.{goal.status.value}'))
                    ui.button(t('goal.edit'), icon='edit', on_click=lambda g=goal: self.open_goal(g)) \
                        .props('flat no-caps').mark(f'edit-goal-{goal.id}')
                    ui.button(t('goal.retire'), icon='archive', on_click=lambda g=goal: self.retire(g, True)) \
                        .props('flat no-caps').mark(f'retire-goal-{goal.id}')
            retired = self.context.store.goals(self.unit.id, retired=True)
            for goal in (g for g in retired if g.retired):
                with ui.row().classes('goal-chip retired w-full'):
                    ui.label(t('goal.retired', name=goal.name)).classes('goal-name grow')
                    ui.button(t('goal.unretire'), icon='unarchive', on_click=lambda g=goal: self.retire(g, False)) \
                        .props('flat no-caps').mark(f'unretire-goal-{goal.id}')
        self.list_dialog.open()

    def open_goal(self, goal: Goal | None) -> None:
        t = self.t
        self.goal = goal
        self.heading.text = t('goal.edit_heading') if goal else t('goal.new')
        self.name.value = goal.name if goal else ''
        colour = goal.colour if goal else GOAL_PALETTE[0]
        options = {c: t(f'goal.colour_{i}') for i, c in enumerate(GOAL_PALETTE)}
        if colour not in options:  # a colour from before the palette (an import): keep it, named by its code
            options[colour] = colour
        self.colour.set_options(options, value=colour)
        icons = {i: t(f'goal_icon.{i}') for i in GOAL_ICONS}
        icon = goal.icon if goal else GOAL_ICONS[0]
        if icon not in icons:
            icons[icon] = icon
        self.icon.set_options(icons, value=icon)
        self.status.value = (goal.status if goal else GoalStatus.ON_TRACK).value
        measure = goal.measure if goal else None
        self.target_unit.value = measure.unit if measure else ''
        self.better.value = measure.better.value if measure else Direction.UP.value
        self.current.value = measure.baseline if measure else None
        self.target.value = measure.target if measure else None
        self.target_on.value = self.t.date(measure.target_on) if measure and measure.target_on else ''
        self.lowest.value = measure.lowest if measure else None
        self.highest.value = measure.highest if measure else None
        self.target_on.error = None
        self.error.text = ''
        self.name.error = None
        self.dialog.open()

    def read(self) -> Goal:
        store = self.context.store
        existing = self.goal
        goals = store.goals(self.unit.id)
        measure = None
        if self.target.value is not None:
            before = existing.measure if existing else None
            baseline = _number(self.current.value)
            today = store.local_now().date()
            measure = Measure(unit=(self.target_unit.value or '').strip(), better=Direction(self.better.value or 'up'),
                              target=float(self.target.value), baseline=baseline,
                              baseline_on=before.baseline_on if before and before.baseline == baseline else (
                                  today if baseline is not None else None),
                              target_on=parse_date(self.target_on.value or ''),
                              lowest=_number(self.lowest.value), highest=_number(self.highest.value))
        values: dict[str, Any] = {
            'name': (self.name.value or '').strip(), 'colour': self.colour.value or GOAL_PALETTE[0],
            'icon': self.icon.value or 'flag', 'status': GoalStatus(self.status.value), 'measure': measure}
        if existing is not None:
            return dataclasses.replace(existing, **values)
        position = key_between(goals[-1].position if goals else None, None)
        return Goal(id=uuid.uuid4().hex[:12], unit_id=self.unit.id, position=position, **values)

    async def save(self) -> None:
        t = self.t
        self.error.text = ''
        self.name.error = None
        if self.actor() is None:  # the login ended or the role was removed since the page was opened
            self.dialog.close()
            self.list_dialog.close()
            return

        self.target_on.error = None
        try:
            goal = self.read()
        except ValueError:  # a date that is no date
            self.target_on.error = t('error.bad_date')
            return
        problems = validate_goal(goal)
        if problems:
            self._show(problems)
            return
        actor = self.actor()
        if actor is None:
            return
        origin, by = actor
        store = self.context.store
        written = await attempt(store, store.edit_goal, goal, origin=origin, by=by)
        if not written.ok:
            self._show(list(written.problems))
            return
        self.dialog.close()
        self.list_dialog.close()
        ui.notify(t('goal.saved', name=goal.name), type='positive')

    async def retire(self, goal: Goal, retired: bool) -> None:
        """Take a goal off the board (kept with its values) or put it back: a leader's decision."""
        actor = self.actor()
        if actor is None:
            self.list_dialog.close()
            return
        origin, by = actor
        store = self.context.store
        written = await attempt(store, store.retire_goal, self.unit.id, goal.id, retired, origin=origin, by=by)
        notify_problems(self.t, written.problems)
        if written.ok:
            ui.notify(self.t('goal.retired_note' if retired else 'goal.unretired_note', name=goal.name),
                      type='positive')
            self.open_list()

    def _show(self, problems: list[Problem]) -> None:
        for problem in problems:
            message = self.t(problem.key, **problem.params)
            if problem.field == 'name':
                self.name.error = message
            else:
                self.error.text = message


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None
