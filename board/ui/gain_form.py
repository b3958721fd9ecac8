"""The gain part of a card's dialog: categories, time freed, identified or realised, note and kroner.

Shown for cards in Pågår and Ferdig. Made for a meeting standing at the wall: the kinds are big toggles and the
time is one tap on a chip as people say it ("10 min om dagen", "2 timer i uka"); any other figure is typed as
hours per week, or as minutes per day and days per week. The årsverk it makes is shown as the numbers change, so
the meeting sees what the estimate means. Recorded as identified; realised is the leaders' confirmation.
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

#: the time chips: (per day or per week, minutes a day or hours a week); minutes a day count five days a week
QUICK_TIMES = ((PER_DAY, 5), (PER_DAY, 10), (PER_DAY, 15), (PER_DAY, 30), (PER_WEEK, 1), (PER_WEEK, 2),
               (PER_WEEK, 4))
#: an icon beside each kind's word, so the kinds are told apart without reading the colour
CATEGORY_ICONS = {GainCategory.QUALITY: 'star', GainCategory.CAPACITY: 'trending_up',
                  GainCategory.SAVINGS: 'savings'}


class GainForm:

    def __init__(self, *, t: Translator, full_time_week: float, leader: bool = False) -> None:
        """``leader``: the person may confirm a gain as realised and give kroner (the leaders' pages); on the wall
        and in the meeting a gain is recorded as identified, and one a leader confirmed is shown, not changed."""
        self._t = t
        self._full_time_week = full_time_week
        self._leader = leader
        self._identified_on: date | None = None
        self._locked: Gain | None = None
        self._chosen: set[GainCategory] = set()
        self._build()

    def _build(self) -> None:
        t = self._t
        with ui.column().classes('gain-form w-full gap-2') as self.container:
            self.enabled = ui.switch(t('gain.record')).classes('text-lg').mark('gain-enabled')
            self.locked_note = ui.label(t('gain.locked')).classes('text-lg').mark('gain-locked')
            with ui.column().classes('w-full gap-2') as self.fields:
                ui.label(t('gain.categories')).classes('text-lg font-semibold')
                with ui.row().classes('gap-3'):
                    self.categories = {
                        c: ui.button(t(f'gain_category.{c.value}'), icon=CATEGORY_ICONS[c],
                                     on_click=lambda c=c: self._toggle(c))
                        .props('no-caps size=lg').classes('touch-button gain-kind').mark(f'gain-category-{c.value}')
                        for c in GainCategory}
                self.category_error = ui.label().classes('field-error').props('role=alert')
                ui.label(t('gain.how_much')).classes('text-lg font-semibold')
                with ui.row().classes('gap-3'):
                    self.quick = {
                        (mode, amount): ui.button(t('gain.quick_week_one') if (mode, amount) == (PER_WEEK, 1)
                                                  else t(f'gain.quick_{mode}', amount=amount),
                                                  on_click=lambda m=mode, a=amount: self._quick(m, a))
                        .props('no-caps size=lg').classes('touch-button gain-chip').mark(f'gain-quick-{mode}-{amount}')
                        for mode, amount in QUICK_TIMES}
                ui.label(t('gain.other_amount')).classes('text-lg')
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
                self.no_after = no_after_warning(t)
                self.no_after.set_visibility(False)
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
            element.on_value_change(self._show_choices)

    def show(self, gain: Gain | None, *, visible: bool) -> None:
        self.container.set_visibility(visible)
        self._locked = gain if gain is not None and not self._leader and leader_only(gain) else None
        self.locked_note.set_visibility(self._locked is not None)
        inputs: list[DisableableElement] = [self.enabled, *self.categories.values(), *self.quick.values(),
                                            self.mode, self.hours,
                                            self.minutes, self.days, self.status, self.realised_on,
                                            self.confirmed_by, self.note, self.amount]
        for element in inputs:
            element.set_enabled(self._locked is None)
        self.enabled.value = gain is not None
        self._identified_on = gain.identified_on if gain else None
        self._chosen = set(gain.categories) if gain is not None else set()
        self._show_choices()
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
        categories = tuple(c for c in GainCategory if c in self._chosen)
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

    def _toggle(self, category: GainCategory) -> None:
        self._chosen ^= {category}
        self._show_choices()

    def _quick(self, mode: str, amount: int) -> None:
        """One tap for the time: minutes a day (on five days a week) or hours a week."""
        self.mode.value = mode
        if mode == PER_DAY:
            self.minutes.value = amount
            self.days.value = 5
        else:
            self.hours.value = amount
        self._show_choices()

    def _show_choices(self) -> None:
        """Chosen kinds and the chip matching the time are filled, the rest outlined, and say so to a screen reader."""
        for category, button in self.categories.items():
            _pressed(button, category in self._chosen)
        for (mode, amount), button in self.quick.items():
            typed = self.minutes.value if mode == PER_DAY else self.hours.value
            _pressed(button, self.mode.value == mode and typed == amount
                     and (mode == PER_WEEK or self.days.value == 5))

    def _show_fte(self) -> None:
        if self.mode.value == PER_DAY:
            hours = float(self.minutes.value or 0) * float(self.days.value or 0) / 60
        else:
            hours = float(self.hours.value or 0)
        t = self._t
        self.fte.text = t('gain.fte', fte=t.number(hours / self._full_time_week, 2)) if hours > 0 else ''


def no_after_warning(t: Translator) -> ui.row:
    """Confirming a gain whose card has no *etter* measurement: a warning, not a block (the gain may be plain to
    see without a number), since the report will not show what the change achieved. Neutral: no status colour."""
    with ui.row().classes('no-after-warning items-start gap-2 no-wrap').props('role=alert') \
            .mark('no-after-warning') as row:
        ui.icon('info', size='1.6rem').props('aria-hidden=true')
        with ui.column().classes('gap-1'):
            ui.label(t('gains.no_after')).classes('text-lg font-semibold')
            ui.label(t('gains.no_after_help')).classes('text-base')
    return row


def _pressed(button: ui.button, pressed: bool) -> None:
    button.props['aria-pressed'] = 'true' if pressed else 'false'
    button.props(remove='outline' if pressed else None, add=None if pressed else 'outline')
