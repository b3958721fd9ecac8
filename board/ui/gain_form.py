"""The gain part of a card's dialog: categories, time freed, identified or realised, note and kroner.

Shown for cards in Pågår and Ferdig. Time is typed as hours per week, or as minutes per day and days per week;
the årsverk it makes is shown as the numbers change, so the meeting sees what the estimate means.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from nicegui import ui
from nicegui.elements.mixins.disableable_element import DisableableElement

from ..domain import NAME_MAX, NOTE_MAX, Gain, GainCategory, GainStatus, Problem, leader_only
from ..i18n import Translator
from .theme import attrs

PER_WEEK = 'week'
PER_DAY = 'day'


class GainForm:

    def __init__(self, *, t: Translator, full_time_week: float, leader: bool = False) -> None:
        """``leader``: the person may confirm a gain as realised and give kroner (the leaders' pages); on the wall
        and in the meeting a gain is recorded as identified, and one a leader confirmed is shown, not changed."""
        self._t = t
        self._full_time_week = full_time_week
        self._leader = leader
        self._identified_on: date | None = None
        self._locked: Gain | None = None
        self._build()

    def _build(self) -> None:
        t = self._t
        with ui.column().classes('gain-form w-full gap-2') as self.container:
            self.enabled = ui.switch(t('gain.record')).classes('text-lg').mark('gain-enabled')
            self.locked_note = ui.label(t('gain.locked')).classes('text-lg').mark('gain-locked')
            with ui.column().classes('w-full gap-2') as self.fields:
                ui.label(t('gain.categories')).classes('text-lg font-semibold')
                with ui.row().classes('gap-4'):
                    self.categories = {c: ui.checkbox(t(f'gain_category.{c.value}')).classes('text-lg')
                                       .mark(f'gain-category-{c.value}') for c in GainCategory}
                self.category_error = ui.label().classes('field-error').props('role=alert')
                self.mode = ui.toggle({PER_WEEK: t('gain.per_week'), PER_DAY: t('gain.per_day')}, value=PER_WEEK)
                self.mode.props('no-caps size=lg').mark('gain-mode')
                with ui.row().classes('w-full gap-3 items-start'):
                    self.hours = ui.number(t('gain.hours_per_week'), min=0, step=0.5).props('outlined')
                    self.hours.classes('w-48').mark('gain-hours')
                    self.minutes = ui.number(t('gain.minutes_per_day'), min=0, step=5).props('outlined')
                    self.minutes.classes('w-48').mark('gain-minutes')
                    self.days = ui.number(t('gain.days_per_week'), min=1, max=7, step=1).props('outlined')
                    self.days.classes('w-48').mark('gain-days')
                    self.fte = ui.label().classes('text-xl font-bold self-center').mark('gain-fte')
                self.hours.bind_visibility_from(self.mode, 'value', value=PER_WEEK)
                self.minutes.bind_visibility_from(self.mode, 'value', value=PER_DAY)
                self.days.bind_visibility_from(self.mode, 'value', value=PER_DAY)
                self.status = ui.toggle({s.value: t(f'gain_status.{s.value}') for s in GainStatus},
                                        value=GainStatus.IDENTIFIED.value)
                self.status.props('no-caps size=lg').mark('gain-status')
                with ui.row().classes('w-full gap-3 items-start') as realised_row:
                    self.realised_on = ui.input(t('gain.realised_on')).props('outlined type=date stack-label')
                    self.realised_on.classes('w-48').mark('gain-realised-on')
                    self.confirmed_by = attrs(ui.input(t('gain.confirmed_by')).props('outlined'),
                                              {'maxlength': NAME_MAX * 2})
                    self.confirmed_by.classes('grow').mark('gain-confirmed-by')
                realised_row.bind_visibility_from(self.status, 'value', value=GainStatus.REALISED.value)
                with ui.row().classes('w-full gap-3 items-start'):
                    self.note = attrs(ui.input(t('gain.note')).props('outlined'), {'maxlength': NOTE_MAX * 2})
                    self.note.classes('grow').mark('gain-note')
                    self.amount = ui.number(t('gain.amount'), min=0, step=1000).props('outlined')
                    self.amount.classes('w-48').mark('gain-amount')
                if not self._leader:  # realised, who confirmed and kroner are the leaders' (Bekreft realisert)
                    self.status.set_visibility(False)
                    self.amount.set_visibility(False)
            self.fields.bind_visibility_from(self.enabled, 'value')
        for element in (self.hours, self.minutes, self.days, self.mode):
            element.on_value_change(self._show_fte)

    def show(self, gain: Gain | None, *, visible: bool) -> None:
        self.container.set_visibility(visible)
        self._locked = gain if gain is not None and not self._leader and leader_only(gain) else None
        self.locked_note.set_visibility(self._locked is not None)
        inputs: list[DisableableElement] = [self.enabled, *self.categories.values(), self.mode, self.hours,
                                            self.minutes, self.days, self.status, self.realised_on,
                                            self.confirmed_by, self.note, self.amount]
        for element in inputs:
            element.set_enabled(self._locked is None)
        self.enabled.value = gain is not None
        self._identified_on = gain.identified_on if gain else None
        for category, box in self.categories.items():
            box.value = gain is not None and category in gain.categories
        per_day = gain is not None and gain.minutes_per_day is not None
        self.mode.value = PER_DAY if per_day else PER_WEEK
        self.hours.value = gain.hours_per_week if gain and not per_day else None
        self.minutes.value = gain.minutes_per_day if gain and per_day else None
        self.days.value = gain.days_per_week if gain and per_day else 5
        self.status.value = (gain.status if gain else GainStatus.IDENTIFIED).value
        self.realised_on.value = gain.realised_on.isoformat() if gain and gain.realised_on else ''
        self.confirmed_by.value = gain.confirmed_by if gain else ''
        self.note.value = gain.note if gain else ''
        self.amount.value = gain.amount_nok if gain else None
        self.clear_errors()
        self._show_fte()

    def set_visible(self, visible: bool) -> None:
        self.container.set_visibility(visible)

    def read(self, today: date) -> Gain | Problem | None:
        """The gain as typed, ``None`` for no gain, or the first problem that stops reading it."""
        if self._locked is not None:
            return self._locked  # confirmed by a leader: shown here, changed only on the leaders' pages
        if not self.enabled.value or not self.container.visible:
            return None
        categories = tuple(c for c, box in self.categories.items() if box.value)
        status = GainStatus(self.status.value) if self._leader else GainStatus.IDENTIFIED
        realised_on: date | None = None
        if status == GainStatus.REALISED:
            try:
                realised_on = date.fromisoformat(self.realised_on.value) if self.realised_on.value else today
            except ValueError:
                return Problem('realised_on', 'error.bad_date')
        common: dict[str, Any] = {
            'categories': categories, 'status': status, 'identified_on': self._identified_on or today,
            'realised_on': realised_on, 'confirmed_by': (self.confirmed_by.value or '') if self._leader else '',
            'note': self.note.value or '',
            'amount_nok': round(float(self.amount.value)) if self._leader and self.amount.value not in (None, '')
            else None,
        }
        if self.mode.value == PER_DAY:
            return Gain.per_day(float(self.minutes.value or 0), float(self.days.value or 0), **common)
        return Gain(hours_per_week=float(self.hours.value or 0), **common)

    def show_problem(self, problem: Problem) -> bool:
        """Put the message under the field it concerns; False if it is not one of this form's fields."""
        per_week = self.minutes if self.mode.value == PER_DAY else self.hours
        targets: dict[str, ui.input | ui.number] = {
            'hours_per_week': per_week, 'minutes_per_day': self.minutes, 'days_per_week': self.days,
            'realised_on': self.realised_on, 'confirmed_by': self.confirmed_by, 'note': self.note,
            'amount_nok': self.amount,
        }
        message = self._t(problem.key, **problem.params)
        if problem.field == 'categories':
            self.category_error.text = message
            return True
        target = targets.get(problem.field)
        if target is None:
            return False
        target.error = message
        return True

    def clear_errors(self) -> None:
        self.category_error.text = ''
        for element in (self.hours, self.minutes, self.days, self.realised_on, self.confirmed_by, self.note,
                        self.amount):
            element.error = None

    def _show_fte(self) -> None:
        if self.mode.value == PER_DAY:
            hours = float(self.minutes.value or 0) * float(self.days.value or 0) / 60
        else:
            hours = float(self.hours.value or 0)
        t = self._t
        self.fte.text = t('gain.fte', fte=t.number(hours / self._full_time_week, 2)) if hours > 0 else ''
