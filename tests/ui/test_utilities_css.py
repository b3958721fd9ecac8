"""The hub serves Tailwind's CSS for the classes the code uses as a file (assets/utilities.css) instead of
compiling it in every browser (issue 18); these tests keep that file true to the code."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from board.app import run_options
from board.i18n import translator
from board.settings import Settings
from board.ui.theme import STYLESHEETS
from tests.tools import utilities_css


def test_the_file_was_made_from_the_classes_the_code_uses_now():
    listed = set(utilities_css.listed_classes(utilities_css.OUTPUT.read_text(encoding='utf-8')))
    used = utilities_css.classes_used()
    added, gone = sorted(set(used) - listed), sorted(listed - set(used))
    assert not added and not gone, (
        f'classes new in the code: {[(c, sorted(used[c])) for c in added]}; no longer used: {gone}. '
        'Run `python -m tests.tools.utilities_css` to make assets/utilities.css again.')


def test_every_tailwind_looking_class_has_a_rule():
    # the classes the code uses that no stylesheet defines are the code's own hooks (tests, scripts): none of
    # them may be a Tailwind utility that lost its rule
    defined = utilities_css.defined_classes(
        [utilities_css.OUTPUT, *utilities_css.OUR_CSS, *utilities_css.FRAMEWORK_CSS])
    undefined = set(utilities_css.classes_used()) - defined
    utility = ('w-', 'h-', 'min-', 'max-', 'p-', 'px-', 'py-', 'pt-', 'pb-', 'm-', 'mx-', 'my-', 'mt-', 'mb-', 'gap-',
               'text-', 'font-', 'bg-', 'items-', 'justify-', 'self-', 'grid', 'flex', 'opacity-', 'rounded',
               'shadow', 'border')
    assert sorted(c for c in undefined if c.startswith(utility)) == []


def test_pages_load_the_compiled_utilities_before_the_board_s_styles_and_no_tailwind_compiler():
    assert STYLESHEETS.index('/assets/utilities.css') < STYLESHEETS.index('/assets/board.css')
    context = SimpleNamespace(settings=Settings(), t=translator('nb'))
    assert run_options(context)['tailwind'] is False  # type: ignore[arg-type]
    assert 'tailwindcss v4' in utilities_css.OUTPUT.read_text(encoding='utf-8')


@pytest.mark.browser
def test_the_file_is_what_tailwind_writes_for_those_classes():
    text = utilities_css.OUTPUT.read_text(encoding='utf-8')
    classes = utilities_css.listed_classes(text)
    assert utilities_css.render(classes, utilities_css.compile_css(classes)) == text
