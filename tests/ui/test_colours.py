"""One meaning per colour (issue 14): red, amber and green mean a goal's status and an overdue date, nothing else."""

from __future__ import annotations

import colorsys
import re

from board.assets import ASSETS
from board.ui.theme import GOAL_PALETTE

#: what the stylesheet uses for the statuses and for overdue
STATUS_COLOURS = {'#1b6e2a', '#8a5a00', '#b00020', '#e69f00', '#009e73', '#d55e00'}
#: the badges and marks that must be neutral, told apart by icon and word
NEUTRAL = ('.new-badge', '.board-card.is-new', '.quick-win', '.gain-badge', '.gain-badge.realised', '.parked-badge',
           '.recognition', '.recognition[data-icon]::before')


def hue_family(colour: str) -> str:
    red, green, blue = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    hue, lightness, saturation = colorsys.rgb_to_hls(red, green, blue)
    if saturation < 0.2 or lightness < 0.12:
        return 'grey'
    degrees = hue * 360
    if degrees < 20 or degrees >= 330:
        return 'red'
    if degrees < 65:
        return 'amber'
    if degrees < 170:
        return 'green'
    return 'blue-purple'


def test_goal_colours_are_never_red_amber_or_green():
    assert {colour: hue_family(colour) for colour in GOAL_PALETTE if hue_family(colour) in ('red', 'amber', 'green')} \
        == {}
    assert len(set(GOAL_PALETTE)) == len(GOAL_PALETTE) >= 6


def test_the_badges_are_drawn_without_status_colours():
    css = (ASSETS / 'board.css').read_text()
    for selector in NEUTRAL:
        rules = re.findall(re.escape(selector) + r'\s*\{([^}]*)\}', css)
        assert rules, selector
        colours = {c.lower() for rule in rules for c in re.findall(r'#[0-9a-fA-F]{6}', rule)}
        assert not colours & STATUS_COLOURS, (selector, colours & STATUS_COLOURS)
        assert all(hue_family(c) not in ('red', 'amber', 'green') for c in colours), (selector, colours)


def test_the_status_colours_are_what_they_say():
    assert hue_family('#1b6e2a') == 'green' and hue_family('#8a5a00') == 'amber' and hue_family('#b00020') == 'red'
