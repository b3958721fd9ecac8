"""A number typed by finger at the wall: a large pad with a decimal comma, erase, and − / + steps.

The wall's touch screen has no keyboard worth the name, and a value is typed by someone standing in a meeting:
the pad's keys are large, the number shows large as it is typed, and − / + change the value shown (the last
value, when the pad opens) by one step, so this week's value is often two taps away. Whatever is typed is read by
:func:`board.numbers.parse_number` and checked by the same rule as a value from a CSV file or a wall screen's push.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable

from nicegui import ui

from ..i18n import Translator
from ..numbers import parse_number
from .theme import attrs

__all__ = ['NumberPad', 'step_for']

#: at most this many characters are typed into the pad (a sign, nine digits, a comma and three decimals)
MAX_TYPED = 14

def step_for(*numbers: float | None) -> float:
    """The − / + step for a measure: 1 for whole numbers, 0.1 when its target, baseline or values have decimals."""
    return 0.1 if any(n is not None and round(n) != n for n in numbers) else 1.0


class NumberPad(ui.column):
    """The pad: the number as typed, its unit, keys 0-9, a comma, erase, − / + and *Lagre*.

    ``on_enter`` gets the number when *Lagre* is tapped and returns the problem to show in words, or None.
    """

    def __init__(self, *, t: Translator, on_enter: Callable[[float], Awaitable[str | None]], unit: str = '',
                 step: float = 1.0, marker: str = 'pad') -> None:
        super().__init__()
        self._t = t
        self._on_enter = on_enter
        self.step = step
        self.typed = ''
        #: the number shown is the one the pad opened with: the first key typed replaces it (as on a calculator)
        self.fresh = False
        self.classes('number-pad gap-2').mark(marker)
        with self:
            with ui.row(wrap=False).classes('pad-display items-baseline gap-3 w-full'):
                self.display = attrs(ui.label().classes('pad-number').mark(f'{marker}-display'),
                                     {'role': 'status', 'aria-live': 'polite'})
                self.unit = ui.label(unit).classes('pad-unit')
            self.error = attrs(ui.label().classes('field-error').mark(f'{marker}-error'), {'role': 'alert'})
            with ui.grid(columns=3).classes('pad-keys gap-2'):
                for key in ('7', '8', '9', '4', '5', '6', '1', '2', '3', ',', '0'):
                    ui.button(key, on_click=lambda key=key: self.press(key)).props('no-caps unelevated') \
                        .classes('pad-key').mark(f'{marker}-key-{"comma" if key == "," else key}')
                attrs(ui.button(icon='backspace', on_click=self.erase).props('unelevated').classes('pad-key'),
                      {'aria-label': t('pad.erase')}).mark(f'{marker}-erase')
            with ui.row(wrap=False).classes('gap-2 w-full'):
                attrs(ui.button(icon='remove', on_click=lambda: self.nudge(-1)).props('unelevated')
                      .classes('pad-key grow'), {'aria-label': t('pad.minus')}).mark(f'{marker}-minus')
                attrs(ui.button(icon='add', on_click=lambda: self.nudge(1)).props('unelevated')
                      .classes('pad-key grow'), {'aria-label': t('pad.plus')}).mark(f'{marker}-plus')
            ui.button(t('pad.save'), icon='check', on_click=self.enter).props('no-caps size=xl') \
                .classes('touch-button pad-save w-full').mark(f'{marker}-save')
        self._show()

    def set_value(self, value: float | None, *, unit: str | None = None, step: float | None = None) -> None:
        """Start from ``value`` (the last one entered, or nothing)."""
        self.typed = '' if value is None else self._t.number(value, decimals=3).replace('\u00a0', '')
        self.fresh = value is not None
        if unit is not None:
            self.unit.text = unit
        if step is not None:
            self.step = step
        self.error.text = ''
        self._show()

    def press(self, key: str) -> None:
        if self.fresh:
            self.typed, self.fresh = '', False
        if len(self.typed) >= MAX_TYPED:
            return
        if key == ',':
            if ',' in self.typed or '.' in self.typed:
                return
            self.typed = (self.typed or '0') + ','
        elif self.typed in ('0', '-0'):
            self.typed = self.typed[:-1] + key
        else:
            self.typed += key
        self.error.text = ''
        self._show()

    def erase(self) -> None:
        self.typed = '' if self.fresh else self.typed[:-1]
        self.fresh = False
        self.error.text = ''
        self._show()

    def nudge(self, direction: int) -> None:
        """− / +: one step from the number shown (from 0 when nothing is typed)."""
        try:
            current = parse_number(self.typed) if self.typed else 0.0
        except ValueError:
            current = 0.0
        decimals = 0 if self.step >= 1 else max(1, -math.floor(math.log10(self.step)))
        self.typed = self._t.number(round(current + direction * self.step, decimals), decimals=decimals) \
            .replace('\u00a0', '')
        self.fresh = False
        self.error.text = ''
        self._show()

    async def enter(self) -> None:
        try:
            value = parse_number(self.typed)
        except ValueError:
            self.error.text = self._t('error.not_a_number')
            return
        problem = await self._on_enter(value)
        self.error.text = problem or ''

    def _show(self) -> None:
        self.display.text = self.typed or '–'
        self.display.classes(add='suggested' if self.fresh else None, remove=None if self.fresh else 'suggested')
