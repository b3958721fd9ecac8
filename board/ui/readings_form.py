"""The *Før og etter* part of a card's dialog: what was measured before the change and after it.

Shown for a card in Pågår at *Kontrollere* and for a card in Ferdig: that is when a team checks what the change
did. Each side has a value (typed as people write it: "3,5"), a unit, a date (not in the future), a short note
and, if it measures one of the unit's goals, that goal (whose unit then fills in). A side whose value is empty is
not recorded. What is read here goes to the store, which checks it with the same rule a wall screen's push meets
(``validate_reading``); this form only turns text into numbers and dates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from nicegui import ui
from nicegui.elements.mixins.value_element import ValueElement

from ..domain import NOTE_MAX, UNIT_MAX, Column, Goal, PdcaStage, Problem, Reading
from ..i18n import Translator
from ..numbers import parse_number
from .date_field import DateField
from .theme import attrs

__all__ = ['ReadingSide', 'ReadingsForm', 'readings_shown']

SIDES = ('before', 'after')


def readings_shown(column: Column, pdca: PdcaStage | None) -> bool:
    """Før and etter belong to checking what a change did: Pågår at Kontrollere, and Ferdig."""
    return column == Column.DONE or (column == Column.DOING and pdca == PdcaStage.CHECK)


#: each side's class, from this constant (never from data)
SIDE_CLASSES = {'before': 'reading-before', 'after': 'reading-after'}


class ReadingSide:
    """One side, før or etter: value, unit, date, goal and note."""

    def __init__(self, side: str, *, t: Translator, today: Callable[[], date]) -> None:
        self.side = side
        self._t = t
        self._goals: dict[str, Goal] = {}
        with ui.column().classes('reading-side w-full gap-2 ' + SIDE_CLASSES[side]):
            ui.label(t(f'reading.{side}')).classes('text-lg font-semibold')
            with ui.row().classes('w-full gap-3 items-start'):
                self.value = attrs(ui.input(t('reading.value')).props('outlined inputmode=decimal'),
                                   {'maxlength': 20, 'data-draft-field': f'{side}-value'})
                self.value.classes('w-64').mark(f'reading-{side}-value')
                self.unit = attrs(ui.input(t('reading.unit')).props('outlined'),
                                  {'maxlength': UNIT_MAX, 'data-draft-field': f'{side}-unit'})
                self.unit.classes('w-56').mark(f'reading-{side}-unit')
                self.goal = ui.select({}, label=t('reading.goal')).props('outlined')
                self.goal.classes('min-w-[14rem] grow').mark(f'reading-{side}-goal')
                self.goal.on_value_change(self._goal_chosen)
            self.on = DateField(t('reading.on'), t=t, today=today, marker=f'reading-{side}-on')
            attrs(self.on.input, {'data-draft-field': f'{side}-on'})
            for name in ('tomorrow', 'next_week', 'two_weeks', 'next_meeting', 'none'):  # never ahead, no "frist"
                self.on.chips[name].set_visibility(False)
            self.note = attrs(ui.input(t('reading.note')).props('outlined'),
                              {'maxlength': NOTE_MAX, 'data-draft-field': f'{side}-note'})
            self.note.classes('w-full').mark(f'reading-{side}-note')
            self.error = ui.label().classes('field-error').props('role=alert').mark(f'reading-{side}-error')

    def show(self, reading: Reading | None, goals: list[Goal]) -> None:
        t = self._t
        self._goals = {g.id: g for g in goals}
        options = {'': t('reading.no_goal'), **{g.id: g.name for g in goals}}
        if reading is not None and reading.goal_id and reading.goal_id not in options:
            options[reading.goal_id] = reading.goal_id  # a goal gone from the board: kept as it was recorded
        self.goal.options = options
        self.goal.update()
        self.goal.value = (reading.goal_id or '') if reading else ''
        self.value.value = t.number(reading.value, 3) if reading else ''
        self.unit.value = reading.unit if reading else ''
        self.on.set(reading.on if reading else None)
        self.note.value = reading.note if reading else ''
        self.clear_errors()

    def read(self) -> Reading | Problem | None:
        """The reading as typed; None when nothing is typed; the first problem that stops reading it."""
        text = (self.value.value or '').strip()
        if not text:
            if (self.note.value or '').strip() or (self.on.value or '').strip():
                return Problem(self.side, 'error.not_a_number')
            return None
        try:
            value = parse_number(text)
        except ValueError:
            return Problem(self.side, 'error.not_a_number')
        try:
            on = self.on.read()
        except ValueError:
            return Problem(f'{self.side}_on', 'error.bad_date')
        if on is None:
            return Problem(f'{self.side}_on', 'error.reading_date')
        return Reading(value=value, unit=self.unit.value or '', on=on, note=self.note.value or '',
                       goal_id=self.goal.value or None)

    def show_problem(self, problem: Problem) -> None:
        message = self._t(problem.key, **problem.params)
        if problem.field == f'{self.side}_on' or problem.key in ('error.date_in_future', 'error.bad_date'):
            self.on.error = message
        elif problem.key in {'error.not_a_number', 'error.goal_number'}:
            self.value.error = message
        else:
            self.error.text = message

    def clear_errors(self) -> None:
        self.value.error = None
        self.on.error = None
        self.error.text = ''

    def _goal_chosen(self) -> None:
        goal = self._goals.get(self.goal.value or '')
        if goal is not None and goal.measure is not None and goal.measure.unit:
            self.unit.value = goal.measure.unit


class ReadingsForm:
    """Før and etter together, under one heading."""

    def __init__(self, *, t: Translator, today: Callable[[], date]) -> None:
        with ui.column().classes('readings-form w-full gap-2') as self.container:
            ui.label(t('reading.heading')).classes('text-xl font-bold').props('role=heading aria-level=3')
            ui.label(t('reading.help')).classes('text-lg')
            self.sides = {side: ReadingSide(side, t=t, today=today) for side in SIDES}
        self.container.mark('readings-form')

    def show(self, before: Reading | None, after: Reading | None, goals: list[Goal], *, visible: bool) -> None:
        self.sides['before'].show(before, goals)
        self.sides['after'].show(after, goals)
        self.set_visible(visible)

    def set_visible(self, visible: bool) -> None:
        self.container.set_visibility(visible)

    @property
    def visible(self) -> bool:
        return bool(self.container.visible)

    def read(self) -> tuple[Reading | None, Reading | None] | Problem:
        before = self.sides['before'].read()
        if isinstance(before, Problem):
            return before
        after = self.sides['after'].read()
        if isinstance(after, Problem):
            return after
        return before, after

    def show_problem(self, problem: Problem) -> bool:
        """Put the message beside the side it concerns; False if it is not this form's."""
        for side in SIDES:
            if problem.field in (side, f'{side}_on'):
                self.sides[side].show_problem(problem)
                return True
        return False

    def clear_errors(self) -> None:
        for side in self.sides.values():
            side.clear_errors()

    def snapshot(self) -> tuple[object, ...]:
        return tuple((s.value.value, s.unit.value, s.on.value, s.note.value, s.goal.value)
                     for s in self.sides.values())

    def inputs(self) -> list[ValueElement[Any]]:
        return [e for s in self.sides.values() for e in (s.value, s.unit, s.on.input, s.note, s.goal)]
