"""The Tailwind utility classes the UI uses, compiled once into ``assets/utilities.css``.

NiceGUI compiles Tailwind in the browser by default: a 400 kB script that watches the page and writes CSS for the
classes it finds, on every load of every screen. Traced in Chromium on the 80-card board it was the largest part
of the page's time (style and layout recalculated as it wrote; issue 18). The hub runs with ``tailwind=False`` and
serves the same CSS as a file instead: Tailwind's own output (its base styles, the theme values used and a rule per
class), made by the same Tailwind build NiceGUI ships, in Chromium, from the classes the code names.

``python -m tests.tools.utilities_css`` writes the file again; ``tests/ui/test_utilities_css.py`` fails when a
class in the code has no rule (in this file, Quasar's or NiceGUI's stylesheets, or ``assets/board.css``).
"""

from __future__ import annotations

import ast
import html
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nicegui

ROOT = Path(__file__).resolve().parents[2]
BOARD = ROOT / 'board'
OUTPUT = ROOT / 'assets' / 'utilities.css'
NICEGUI_STATIC = Path(nicegui.__file__).parent / 'static'
#: the stylesheets other than ours that define classes on the pages
FRAMEWORK_CSS = [NICEGUI_STATIC / 'quasar.unimportant.prod.css', NICEGUI_STATIC / 'quasar.important.prod.css',
                 NICEGUI_STATIC / 'nicegui.css']
OUR_CSS = [ROOT / 'assets' / 'board.css']

#: names of module constants whose values are classes (``STATUS_CLASSES['at_risk']``)
_CLASS_CONSTANTS = re.compile(r'.*_CLASSES$')
#: a static class attribute in a Vue component's template (a bound ``:class`` takes the Python side's classes)
_TEMPLATE_CLASS = re.compile(r'(?<![:\w-])class="([^"]*)"')
#: Quasar props that take classes
_CLASS_PROPS = re.compile(r'(?:^|\s)(?:class|content-class|input-class|card-class)=(?:"([^"]*)"|(\S+))')


def classes_used(root: Path = BOARD) -> dict[str, set[str]]:
    """Every class the Python code under ``root`` puts on an element, with the files naming it."""
    found: dict[str, set[str]] = {}
    for path in sorted(root.rglob('*.py')):
        where = str(path.relative_to(root.parent))
        for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
            for text in _class_texts(node):
                for token in text.split():
                    found.setdefault(token, set()).add(where)
    for path in sorted(root.rglob('*.js')):  # the components' templates (``board/ui/card_view.js``)
        for match in _TEMPLATE_CLASS.finditer(path.read_text(encoding='utf-8')):
            for token in match.group(1).split():
                found.setdefault(token, set()).add(str(path.relative_to(root.parent)))
    return found


def _class_texts(node: ast.AST) -> Iterator[str]:
    """The texts of classes one node of the code names."""
    if isinstance(node, ast.Call):
        method = node.func.attr if isinstance(node.func, ast.Attribute) else None
        if method == 'classes':
            for argument in [*node.args, *(k.value for k in node.keywords)]:
                yield from _strings(argument)
            return
        if method == 'props':
            for argument in node.args:
                for text in _strings(argument):
                    yield from (match.group(1) or match.group(2) or '' for match in _CLASS_PROPS.finditer(text))
        # a helper's ``classes=`` (``_item(items, ..., classes='quick-win')`` in board/ui/card_view.py)
        for keyword in node.keywords:
            if keyword.arg == 'classes':
                yield from _strings(keyword.value)
    elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and _CLASS_CONSTANTS.fullmatch(t.id)
                                              for t in node.targets):
        yield from _strings(node.value)


def _strings(node: ast.AST) -> Iterator[str]:
    """The literal text of an expression: constants, f-strings' fixed parts, both sides of ``a if c else b``,
    ``a + b``, and the values of dicts and tuples."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                yield value.value
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)
    elif isinstance(node, ast.BinOp):
        yield from _strings(node.left)
        yield from _strings(node.right)
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _strings(value)
    elif isinstance(node, ast.Tuple | ast.List):
        for element in node.elts:
            yield from _strings(element)


def defined_classes(paths: list[Path]) -> set[str]:
    """The class names the stylesheets have rules for (``.name`` in a selector, escapes undone)."""
    defined: set[str] = set()
    for path in paths:
        text = re.sub(r'/\*.*?\*/', '', path.read_text(encoding='utf-8'), flags=re.S)
        for match in re.finditer(r'\.((?:\\.|[A-Za-z0-9_-])+)', text):
            defined.add(re.sub(r'\\(.)', r'\1', match.group(1)))
    return defined


def compile_css(classes: list[str]) -> str:
    """What NiceGUI's Tailwind writes in the browser for a page with these classes (Chromium, no network)."""
    from playwright.sync_api import sync_playwright

    from bench.hubprocess import CHROMIUM, CHROMIUM_ARGS
    script = (NICEGUI_STATIC / 'tailwindcss.min.js').as_uri()
    # NiceGUI's own Tailwind set-up (its index.html): the dark variant follows Quasar's body class
    page_html = ('<!doctype html><html><head><style type="text/tailwindcss">'
                 '@custom-variant dark (&:where(body.body--dark, body.body--dark *));</style>'
                 f'<script src="{script}"></script></head><body>'
                 + ''.join(f'<div class="{html.escape(name)}"></div>' for name in classes) + '</body></html>')
    with tempfile.TemporaryDirectory() as folder:
        page_path = Path(folder) / 'classes.html'
        page_path.write_text(page_html, encoding='utf-8')
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(page_path.as_uri())
                page.wait_for_function("[...document.querySelectorAll('style')].some("
                                       "s => s.textContent.includes('tailwindcss v'))")
                css: str = page.evaluate("[...document.querySelectorAll('style')].map(s => s.textContent)"
                                         ".find(t => t.includes('tailwindcss v'))")
            finally:
                browser.close()
    return css


def render(classes: list[str], css: str) -> str:
    """The file: a header naming the classes it was made from (the test compares them with the code's), then CSS."""
    lines = ['/* Generated by `python -m tests.tools.utilities_css` (do not edit: run it again) from the classes',
             '   named in board/:']
    line = '  '
    for name in classes:
        if len(line) + len(name) > 110:
            lines.append(line.rstrip())
            line = '  '
        line += ' ' + name.replace('*/', '')
    lines += [line.rstrip(), '*/']
    return '\n'.join(lines) + '\n' + css.strip() + '\n'


def listed_classes(text: str) -> list[str]:
    """The classes a generated file was made from (its header)."""
    header = text.split('*/', 1)[0]
    return header.split('named in board/:', 1)[1].split() if 'named in board/:' in header else []


def main() -> int:
    classes = sorted(classes_used())
    css = compile_css(classes)
    OUTPUT.write_text(render(classes, css), encoding='utf-8')
    print(f'{OUTPUT.relative_to(ROOT)}: {len(classes)} classes, {len(css)} characters')
    return 0


if __name__ == '__main__':
    sys.exit(main())
