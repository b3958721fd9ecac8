"""Security headers on every response of the app: NiceGUI's pages, their assets, the API, error pages.

A response that sets its own Content-Security-Policy keeps it: the phone, login and message pages
(``htmlpage.HEADERS``) have a stricter one, with no script at all. Everything else gets:

- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer`` (a phone page's token, a leader's
  page address never travel to another site);
- on HTML, a Content-Security-Policy as strict as NiceGUI allows. NiceGUI renders its page with inline scripts
  and compiles Vue templates and ``js_handler`` code at run time, so scripts need ``'unsafe-inline'`` and
  ``'unsafe-eval'``; Quasar and NiceGUI set inline styles. What the policy does take away: every other origin
  (scripts, styles, fonts, images, connections: NiceGUI serves everything itself, the websocket included),
  plugins, ``<base>``, forms that post elsewhere, and being framed by another page (clickjacking).

The hub serves no API viewer (FastAPI's load their scripts from a CDN): the sync API's OpenAPI description is at
``/openapi.json``.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ['PAGE_POLICY', 'SecurityHeaders']

PAGE_POLICY = '; '.join((
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",  # the QR code is a data: image
    "font-src 'self' data:",
    "connect-src 'self'",  # NiceGUI's websocket to the same host and port (CSP 3: 'self' covers ws: and wss:)
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
_ALWAYS = {'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer'}


class SecurityHeaders:
    """Plain ASGI middleware (no request buffering; websockets pass untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message['type'] == 'http.response.start':
                message.setdefault('headers', [])
                add_headers(MutableHeaders(scope=message), PAGE_POLICY)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def add_headers(headers: MutableHeaders, policy: str = PAGE_POLICY) -> None:
    """The headers a response lacks; a Content-Security-Policy it sets itself is kept, never widened."""
    for name, value in _ALWAYS.items():
        if name not in headers:
            headers[name] = value
    if 'content-security-policy' in headers:
        return
    if headers.get('content-type', '').startswith('text/html'):
        headers['Content-Security-Policy'] = policy
        headers.setdefault('X-Frame-Options', 'DENY')  # frame-ancestors for browsers from before CSP 2
