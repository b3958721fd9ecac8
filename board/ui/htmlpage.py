"""Plain HTML pages without scripts: the phone form, the login form and short messages.

These pages are forms, not NiceGUI pages: a form keeps what was typed when a phone locks its screen, works
without JavaScript and costs one request. They are Jinja2 templates in ``templates/`` with autoescaping on, so
every value (a unit's or goal's name, typed text, a translation) is escaped where it is inserted; no page is
assembled from strings. The pages' Content-Security-Policy forbids scripts and inline styles altogether.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from ..i18n import Translator

__all__ = ['HEADERS', 'MAX_BODY', 'TEMPLATES', 'read_body', 'read_form', 'render']

MAX_BODY = 64 * 1024  # a title, a description of 4,000 characters and a name fit many times over
HEADERS = {
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',  # the phone page's token is in the address: never pass it on
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
}
TEMPLATES = Path(__file__).resolve().parent / 'templates'

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,  # every template here is HTML: escape every value, whatever its origin
    undefined=jinja2.StrictUndefined,  # a misspelt name fails the page in tests instead of printing nothing
    trim_blocks=True, lstrip_blocks=True,
    auto_reload=False,  # read once: the templates ship with the code
)


def render(t: Translator, template: str, *, title: str, status: int = 200, extra_css: str = '',
           **values: Any) -> HTMLResponse:
    """The page ``template`` with ``values`` (escaped by the template), in the translator's language."""
    document = _environment.get_template(template).render(
        t=t, language='en' if t.language == 'en' else 'nb', title=title, extra_css=extra_css, **values)
    return HTMLResponse(document, status_code=status, headers=HEADERS)


async def read_body(request: Request) -> str | None:
    """The urlencoded form body as text, or None if it is larger than MAX_BODY."""
    declared = request.headers.get('content-length', '')
    if declared.isdigit() and int(declared) > MAX_BODY:
        return None
    chunks = bytearray()
    async for chunk in request.stream():
        chunks += chunk
        if len(chunks) > MAX_BODY:
            return None
    return chunks.decode('latin-1')  # urlencoded bodies are ASCII; parse_qs decodes the %-escapes as UTF-8


def read_form(body: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True, encoding='utf-8', errors='replace',
                                         max_num_fields=20).items()}
