"""A leader's dialog for the unit's goals: the list, and a form for a new or changed goal.

Colours come from the colour-blind-safe palette the board uses, icons from a short list that reads well across
a room; the goal's status is a traffic light with a word, never colour alone. Every save asks ``actor`` first:
the leader's login is checked on the server when the goal is saved, not only when the page was opened.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nicegui import ui

from ..domain import NAME_MAX, Direction, Goal, GoalStatus, Measure, Origin, Problem, Unit, validate_goal
from ..ordering import key_between
from .theme import GOAL_PALETTE, STATUS_CLASSES, STATUS_ICONS, attrs, safe_colour
from .writes import attempt, messages

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
            baseline = float(self.current.value) if self.current.value is not None else None
            measure = Measure(unit=(self.target_unit.value or '').strip(), better=Direction(self.better.value or 'up'),
                              target=float(self.target.value), baseline=baseline,
                              baseline_on=before.baseline_on if before and before.baseline == baseline else None,
                              target_on=before.target_on if before else None,
                              lowest=before.lowest if before else None, highest=before.highest if before else None)
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
        goal = self.read()
        problems = validate_goal(goal)
        if problems:
            self._show(problems)
            return
        store = self.context.store
        written = await attempt(store, store.save_goal, goal)
        if not written.ok:
            self.error.text = ' '.join(messages(t, written.problems))
            return
        self.dialog.close()
        self.list_dialog.close()
        ui.notify(t('goal.saved', name=goal.name), type='positive')

    def _show(self, problems: list[Problem]) -> None:
        for problem in problems:
            message = self.t(problem.key, **problem.params)
            if problem.field == 'name':
                self.name.error = message
            else:
                self.error.text = message
