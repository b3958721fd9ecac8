"""Plain HTML pages without scripts: the phone form and the login form.

These pages are forms, not NiceGUI pages: a form keeps what was typed when a phone locks its screen, works
without JavaScript and costs one request. Every piece of user text goes through :func:`escape`; the pages'
Content-Security-Policy forbids scripts and inline styles altogether.
"""

from __future__ import annotations

import html
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import HTMLResponse

from ..i18n import Translator

__all__ = ['HEADERS', 'MAX_BODY', 'escape', 'page', 'read_body', 'read_form', 'text_field']

MAX_BODY = 64 * 1024  # a title, a description of 4,000 characters and a name fit many times over
HEADERS = {
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',  # the phone page's token is in the address: never pass it on
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
}


def escape(text: str) -> str:
    return html.escape(text, quote=True)


def page(t: Translator, title: str, body: str, *, status: int = 200, extra_css: str = '') -> HTMLResponse:
    language = 'en' if t.language == 'en' else 'nb'
    extra = f'<link rel="stylesheet" href="{escape(extra_css)}">' if extra_css else ''
    document = (f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
                '<meta name="viewport" content="width=device-width, initial-scale=1">'
                f'<title>{escape(title)}</title><link rel="stylesheet" href="/assets/phone.css">{extra}'
                '<link rel="icon" href="/assets/favicon.svg"></head>'
                f'<body><main>{body}</main></body></html>')
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


def text_field(name: str, label: str, value: str, error: str | None, *, hint: str = '', area: bool = False,
               kind: str = 'text', autocomplete: str = 'off') -> str:
    described = ' '.join(x for x in (f'{name}-hint' if hint else '', f'{name}-error' if error else '') if x)
    attributes = f'id="{name}" name="{name}" autocomplete="{autocomplete}"'
    if described:
        attributes += f' aria-describedby="{described}"'
    if error:
        attributes += ' aria-invalid="true"'
    control = (f'<textarea {attributes} rows="5">{escape(value)}</textarea>' if area
               else f'<input type="{kind}" {attributes} value="{escape(value)}">')
    return (f'<div class="field"><label for="{name}">{escape(label)}</label>'
            + (f'<p class="hint" id="{name}-hint">{escape(hint)}</p>' if hint else '')
            + control
            + (f'<p class="error" id="{name}-error">{escape(error)}</p>' if error else '')
            + '</div>')
