"""A date set by finger: big chips (I dag, I morgen, Neste uke, Om to uker, Neste tavlemøte), a large Norwegian
calendar, and a field that shows and accepts 23.11.2026.

Used for a card's due date in its dialog and when an idea is taken into Pågår in the meeting. The calendar is
Quasar's QDate with the Norwegian language pack (loaded by ``ui.run(language='nb-NO')``): Monday first, Norwegian
names; its cells are made large by ``.date-calendar`` in ``assets/board.css``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from nicegui import ui

from ..i18n import Translator
from .theme import attrs

__all__ = ['DateField', 'next_meeting_day', 'parse_date']

_DOTTED = re.compile(r'\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})\s*')
_ISO = re.compile(r'\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*')


def parse_date(text: str) -> date | None:
    """``23.11.2026`` (also 23.11.26, 23/11/2026, 2026-11-23) as a date; None for an empty field.

    Raises ``ValueError`` for anything else, such as 31.02.2026.
    """
    if not text or not text.strip():
        return None
    if match := _DOTTED.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
        return date(year + 2000 if year < 100 else year, month, day)
    if match := _ISO.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
        return date(year, month, day)
    raise ValueError(f'not a date: {text!r}')


def next_meeting_day(today: date, last_meeting: date | None) -> date | None:
    """The next board meeting: the first day after today on the weekday of the unit's last recorded meeting.

    None when the unit has had no meeting (the chip is then not shown): the code has no meeting weekday of its own.
    """
    if last_meeting is None:
        return None
    days = (last_meeting.weekday() - today.weekday()) % 7
    return today + timedelta(days=days or 7)


class DateField:
    """A date field with chips and a calendar; ``value`` is the text shown (``dd.mm.yyyy``)."""

    def __init__(self, label: str, *, t: Translator, today: Callable[[], date],
                 next_meeting: Callable[[], date | None] | None = None, marker: str = 'due') -> None:
        self._t = t
        self._today = today
        self._next_meeting = next_meeting or (lambda: None)
        with ui.column().classes('date-field gap-2 w-full') as self.container:
            self.input = attrs(ui.input(label).props('outlined stack-label inputmode=numeric'),
                               {'placeholder': t('date.placeholder'), 'maxlength': 10})
            self.input.classes('date-input').mark(marker)
            with self.input.add_slot('append'):
                attrs(ui.button(icon='calendar_month', on_click=self._open_calendar).props('flat round'),
                      {'aria-label': t('date.calendar')}).classes('touch-button').mark(f'{marker}-calendar')
            with ui.row().classes('date-chips gap-2') as self.chip_row:
                self.chips: dict[str, ui.button] = {}
                for name in ('today', 'tomorrow', 'next_week', 'two_weeks', 'next_meeting', 'none'):
                    self.chips[name] = ui.button(t(f'date.{name}'), on_click=lambda n=name: self._chip(n)) \
                        .props('no-caps outline rounded').classes('date-chip').mark(f'{marker}-chip-{name}')
        with ui.dialog() as self.calendar_dialog, ui.card().classes('date-dialog items-center gap-3'):
            self.calendar = ui.date(mask='DD.MM.YYYY', on_change=self._picked) \
                .props('first-day-of-week=1 minimal').classes('date-calendar').mark(f'{marker}-date')
            ui.button(t('action.close'), on_click=self.calendar_dialog.close).props('flat no-caps') \
                .classes('touch-button')
        self.input.on_value_change(self._show_chosen)

    @property
    def value(self) -> str:
        return self.input.value or ''

    @value.setter
    def value(self, text: str) -> None:
        self.input.value = text

    def set(self, day: date | None) -> None:
        self.input.value = self._t.date(day) if day is not None else ''
        self.input.error = None

    def read(self) -> date | None:
        """The date typed or chosen, None for no date; ``ValueError`` if the text is not a date."""
        return parse_date(self.value)

    @property
    def error(self) -> str | None:
        return self.input.error

    @error.setter
    def error(self, message: str | None) -> None:
        self.input.error = message

    def refresh(self) -> None:
        """Before the form is shown: the meeting chip only when the unit's next meeting is known."""
        self.chips['next_meeting'].set_visibility(self._next_meeting() is not None)
        self._show_chosen()

    def _dates(self) -> dict[str, date | None]:
        today = self._today()
        return {'today': today, 'tomorrow': today + timedelta(days=1), 'next_week': today + timedelta(days=7),
                'two_weeks': today + timedelta(days=14), 'next_meeting': self._next_meeting(), 'none': None}

    def _chip(self, name: str) -> None:
        self.set(self._dates()[name])

    def _show_chosen(self) -> None:
        """The chip whose date is in the field is filled, the others outlined: the choice is seen from afar."""
        try:
            chosen, valid = self.read(), True
        except ValueError:
            chosen, valid = None, False
        for name, day in self._dates().items():
            on = valid and day == chosen
            chip = self.chips[name]
            if ('outline' in chip.props) == on:
                chip.props(remove='outline' if on else None, add=None if on else 'outline')

    def _open_calendar(self) -> None:
        try:
            chosen = self.read()
        except ValueError:
            chosen = None
        shown = chosen or self._today()
        self.calendar.props['default-year-month'] = shown.strftime('%Y/%m')
        self.calendar.set_value(self._t.date(chosen) if chosen else None)
        self.calendar_dialog.open()

    def _picked(self) -> None:
        if self.calendar.value and self.calendar_dialog.value:
            self.input.value = self.calendar.value
            self.input.error = None
            self.calendar_dialog.close()
