"""Plain HTML pages without scripts: the phone form, the login form and short messages.

These pages are forms, not NiceGUI pages: a form keeps what was typed when a phone locks its screen, works
without JavaScript and costs one request. They are Jinja2 templates in ``templates/`` with autoescaping on, so
every value (a unit's or goal's name, typed text, a translation) is escaped where it is inserted; no page is
assembled from strings. The pages' Content-Security-Policy forbids scripts and inline styles altogether.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from ..i18n import Translator

__all__ = ['HEADERS', 'MAX_BODY', 'TEMPLATES', 'foreign_origin', 'read_body', 'read_form', 'refuse_foreign', 'render']

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # a title, a description of 4,000 characters and a name fit many times over
HEADERS = {
    'Cache-Control': 'no-store',
    # the phone page's token is in the address: never pass it to another site. Not 'no-referrer': with it a
    # browser sends 'Origin: null' with the page's own form, and the forms' Origin check would refuse it
    'Referrer-Policy': 'same-origin',
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


# --- forms posted from another site ---------------------------------------------------------------------------------

_DEFAULT_PORTS = {'http': 80, 'https': 443}


def foreign_origin(request: Request) -> str | None:
    """The other site a form was posted from, or None if it came from this hub or does not say.

    The browser's ``Origin`` (or, if it sends none, ``Referer``) must name the host the request was sent to: the
    ``Host`` header as the app receives it (a reverse proxy passes the visitor's, as Caddy does). A request with
    neither header is let through: old phones and scripts send none, and a browser always sends one of them with a
    form from another page. ``Origin: null`` (a sandboxed or privacy-stripped page) is another site.
    """
    claimed = request.headers.get('origin') or request.headers.get('referer')
    if not claimed:
        return None
    origin = _host_and_port(claimed, scheme_given=True)
    own = _host_and_port(request.headers.get('host', ''), scheme_given=False)
    if origin is None or own is None:
        return claimed[:100]
    (host, port), (own_host, own_port) = origin, own
    if host == own_host and (port == own_port or (own_port is None and port in _DEFAULT_PORTS.values())):
        return None
    return claimed[:100]


def _host_and_port(text: str, *, scheme_given: bool) -> tuple[str, int | None] | None:
    """``(host, port)`` of an origin or a URL (the scheme's port if none), or of a Host header (None if none)."""
    try:
        parts = urlsplit(text if scheme_given else f'//{text}')
        port = parts.port
    except ValueError:
        return None
    if scheme_given and parts.scheme not in _DEFAULT_PORTS:
        return None
    if not parts.hostname:
        return None
    if port is None and scheme_given:
        port = _DEFAULT_PORTS[parts.scheme]
    elif port is not None and not scheme_given and port in _DEFAULT_PORTS.values():
        port = None  # "hub:443" or "hub:80": the browser's origin names the scheme's port, compare with that
    return parts.hostname.lower(), port


def refuse_foreign(t: Translator, request: Request, *, back: str = '') -> HTMLResponse | None:
    """A friendly 403 page for a form posted from another site (linking to ``back``, by default the form's own
    address); None if it came from here."""
    foreign = foreign_origin(request)
    if foreign is None:
        return None
    log.warning('refused a form posted to %s from another site (%r, this is %r)', request.url.path, foreign,
                request.headers.get('host', '')[:100])
    return render(t, 'message.html', title=t('origin.heading'), status=403, heading=t('origin.heading'),
                  text=t('origin.text'), links=[(back or request.url.path, t('origin.again'))])
