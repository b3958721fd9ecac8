"""Shared page chrome: the stylesheet from ``assets/``, the page language and the friendly error page."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import nicegui
from nicegui import app, ui
from nicegui.elements.mixins.text_element import TextElement

if TYPE_CHECKING:
    from ..context import AppContext

log = logging.getLogger(__name__)

#: colour-blind-safe goal colours (Okabe-Ito), each with an icon so colour is never the only signal
#: the goals' colours: told apart with colour-blind eyes (Okabe-Ito and Paul Tol's palettes), and none of them red,
#: amber or green, which on the board mean a goal's status and an overdue date only
GOAL_PALETTE = ('#0072B2', '#56B4E9', '#332288', '#AA4499', '#CC79A7', '#6B7280', '#000000')

PRIMARY = '#1d4ed8'

#: an ECharts formatter (run in the browser): a number as Norwegian writes it, decimal comma and a space between
#: thousands (a constant: no stored value ever goes into it)
NORWEGIAN_NUMBER = "v => Number(v).toLocaleString('nb-NO', {maximumFractionDigits: 2})"

STATUS_ICONS = {'on_track': 'check_circle', 'at_risk': 'warning', 'off_track': 'cancel'}
#: the class of each goal status (a fixed lookup: a class name is never built from a stored value)
STATUS_CLASSES = {'on_track': 'status-on_track', 'at_risk': 'status-at_risk', 'off_track': 'status-off_track'}

#: the colour of a card without a goal, and of a goal whose stored colour is not a plain ``#rrggbb``
NO_GOAL_COLOUR = '#9aa3ad'
_COLOUR = re.compile(r'#[0-9a-fA-F]{6}')

E = TypeVar('E', bound=ui.element)


def safe_colour(colour: object, fallback: str = NO_GOAL_COLOUR) -> str:
    """A stored or received colour as it may go into CSS: exactly ``#rrggbb``, otherwise ``fallback``.

    The store validates goal colours; this is the last check before a value reaches a style, so that a colour
    such as ``#000000; background: url(...)`` can never add a declaration of its own.
    """
    return colour if isinstance(colour, str) and _COLOUR.fullmatch(colour) else fallback


def attrs(element: E, values: Mapping[str, Any]) -> E:
    """Set attributes (props) from values, never from a parsed string: data and translations are never markup.

    ``element.props('aria-label="..."')`` parses its text, so a value with a quote, a space or ``=`` in it would
    become further attributes; a dictionary assignment keeps each value one attribute's value.
    """
    element.props.update(values)
    return element


def font_preloads(fonts_css: Path = Path(nicegui.__file__).parent / 'static' / 'fonts.css') -> str:
    """``<link rel=preload>`` for the two fonts every page draws with: Material Icons (the icons, drawn from their
    names as ligatures) and Roboto's latin subset (the text, æøå included).

    Left to be found from the stylesheets, they were asked for only once the cards were laid out, 200-350 ms into
    an 80-card board's load, and the board was laid out again when they came (its icons first as words). Named in
    the page's head they load beside the stylesheets. The files are NiceGUI's own, named by hashes in its
    ``fonts.css``, which is read once here: a NiceGUI with other files gets their names, one without them none.
    """
    try:
        css = fonts_css.read_text(encoding='utf-8')
    except OSError:
        return ''
    files: dict[str, None] = {}
    for face in re.findall(r'@font-face\s*{([^}]*)}', css):
        family = re.search(r'font-family:\s*"([^"]+)"', face)
        source = re.search(r'url\((fonts/[0-9A-Za-z_-]+\.woff2)\)', face)
        if family and source and (family.group(1) == 'Material Icons'
                                  or (family.group(1) == 'Roboto' and 'U+0000-00FF' in face)):
            files[source.group(1)] = None
    return ''.join(f'<link rel="preload" href="/_nicegui/{nicegui.__version__}/static/{name}" as="font" '
                   'type="font/woff2" crossorigin>' for name in files)


#: the fonts, then the Tailwind classes the code uses, compiled once (the hub runs without Tailwind's in-browser
#: compiler; see tests/tools/utilities_css.py), then the board's own styles
STYLESHEETS = (font_preloads()
               + '<link rel="stylesheet" href="/assets/utilities.css">'
               '<link rel="stylesheet" href="/assets/board.css">')


@contextmanager
def frame(context: AppContext, title: str, *, wall: bool = False) -> Iterator[None]:
    """Wrap a page: stylesheet, window title, and a main landmark around its content.

    ``wall``: a page read on the wall from 3 m (the board, its history, the landing page): the body gets the class
    ``wall``, which turns on the wall's type scale and 48 px targets in ``assets/board.css``; the leaders' and
    admin pages keep desktop sizes.
    """
    ui.add_head_html(STYLESHEETS)
    _on_screen_keyboard(context)
    ui.colors(primary=PRIMARY, negative='#b00020')  # contrast of at least 4.5:1 with white text (WCAG AA)
    ui.page_title(title)
    ui.query('body').classes('board-body wall' if wall else 'board-body')
    with ui.element('main').classes('w-full'):
        yield


def _on_screen_keyboard(context: AppContext) -> None:
    """The on-screen keyboard (assets/keyboard.js) with its labels in the screen's language, and the drafts of
    open forms (assets/drafts.js)."""
    t = context.t
    labels = {key: t(f'keyboard.{key}') for key in ('show', 'close', 'shift', 'backspace', 'space')}
    # JSON inside a script element: every "<" escaped, so no text can end the element or open a comment
    data = json.dumps({'labels': labels}).replace('<', '\\u003c')
    ui.add_head_html(f'<script>window.boardKeyboard = {data};</script>'
                     '<script src="/assets/keyboard.js" defer></script>'
                     '<script src="/assets/drafts.js" defer></script>')


class Heading(TextElement):
    """A real ``<h1>``..``<h3>`` with plain text (escaped, never HTML), for screen readers and axe."""

    def __init__(self, text: str, level: int = 1) -> None:
        super().__init__(tag=f'h{level}', text=text)


def register_error_pages(context: AppContext) -> None:
    t = context.t

    @app.on_page_exception
    def page_failed(error: Exception) -> None:
        # the details go to the log for IT; the person at the screen gets a plain message, never a stack trace
        log.error('page failed: %r', error, exc_info=error)
        ui.add_head_html(STYLESHEETS)
        with ui.element('main').classes('friendly-page'):
            Heading(t('error.page_title')).classes('text-4xl font-bold')
            ui.label(t('error.page_text')).classes('text-xl')
            ui.link(t('landing.back_to_all'), '/').classes('big-link')
