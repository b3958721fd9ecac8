"""A limit on request bodies, before anything reads them: 413 for more than a megabyte.

A stolen wall-screen token or anyone on the internet could otherwise send a body of any size: a 57 MB push once
took the hub 83 seconds. The limit is checked against the declared length at once and against the bytes as they
arrive (a chunked body declares none). NiceGUI's own endpoints (``/_nicegui/``, e.g. the admin page's file upload)
are left to NiceGUI.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ['BodyLimit']

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Pure ASGI middleware (it must see the body as a stream, which Starlette's ``BaseHTTPMiddleware`` hides)."""

    def __init__(self, app: ASGIApp, *, limit: int, exempt: tuple[str, ...] = ('/_nicegui/',)) -> None:
        self.app = app
        self.limit = limit
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http' or scope['path'].startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared == -1:
            await _answer(send, 400, 'invalid Content-Length')
            return
        if declared is not None and declared > self.limit:
            log.warning('refused a body of %d bytes for %s', declared, scope['path'])
            await _answer(send, 413, f'the body is larger than {self.limit} bytes')
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message['type'] == 'http.request':
                received += len(message.get('body', b''))
                if received > self.limit:
                    raise _TooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message['type'] == 'http.response.start'
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except _TooLarge:
            log.warning('refused a body of more than %d bytes for %s', self.limit, scope['path'])
            if not started:
                await _answer(send, 413, f'the body is larger than {self.limit} bytes')


def _content_length(scope: Scope) -> int | None:
    """The declared length, None if none, -1 if it is not a number."""
    for name, value in scope.get('headers', ()):
        if name == b'content-length':
            return int(value) if value.isdigit() and len(value) < 19 else -1
    return None


async def _answer(send: Send, status: int, detail: str) -> None:
    body = json.dumps({'detail': detail}).encode()
    await send({'type': 'http.response.start', 'status': status,
                'headers': [(b'content-type', b'application/json'), (b'content-length', str(len(body)).encode()),
                            (b'connection', b'close')]})
    await send({'type': 'http.response.body', 'body': body})
