"""GZip for the hub's responses, with the package's own files compressed once per process, not once per request.

A board page loads about twenty files of NiceGUI, Vue and Quasar and the board's own stylesheets and scripts,
860 kB before compression. Starlette's ``GZipMiddleware`` compressed all of them again for every page opened: about
30 ms of the hub's CPU per board, on the critical path of its load (``bench/live.py``: an 80-card board usable at
p50 736 ms with it, 609 ms without any compression; measured side by side on 2026-11-26).

Those files do not change while a hub runs (an upgrade restarts it), so :class:`StaticGzip` keeps each one's
compressed response after the first request, compressed in a worker thread, and sends the same bytes to every
later board (at level 9: it is paid once). Everything else (pages, forms, the sync API) goes through Starlette's
``GZipMiddleware`` as before, at zlib's default level 6 rather than 9 (a few per cent larger, far less CPU).

Only a plain ``GET`` of a package file with ``gzip`` accepted is answered from the cache; a range or conditional
request, a ``HEAD``, or an answer other than ``200`` goes the ordinary way.
"""

from __future__ import annotations

import asyncio
import zlib

from nicegui.version import __version__
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ['CACHED_PREFIXES', 'StaticGzip']

#: the package's files: NiceGUI's versioned static files, components and modules, and the board's assets;
#: never NiceGUI's per-element ``dynamic_resources``
CACHED_PREFIXES = (*(f'/_nicegui/{__version__}/{kind}/' for kind in ('static', 'components', 'esm', 'libraries')),
                   '/assets/')
_DYNAMIC = f'/_nicegui/{__version__}/dynamic_resources/'
#: worth compressing: text (scripts, styles, fonts' CSS, SVG); images and woff2 fonts are compressed already
_COMPRESSIBLE = ('text/', 'application/javascript', 'application/json', 'image/svg+xml')
_NOT_FROM_CACHE = ('range', 'if-none-match', 'if-modified-since', 'if-range')
#: the most the cache holds (the package's files are about 1 MB before compression)
CACHE_LIMIT = 8 * 1024 * 1024
#: compression of pages and API answers (per request) and of the package's files (once)
LEVEL = 6
STATIC_LEVEL = 9
#: ways of sending a file that would bypass the body this middleware reads
_FILE_SENDS = ('http.response.pathsend', 'http.response.zerocopysend')


class _Cached:
    __slots__ = ('body', 'headers')

    def __init__(self, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.headers = headers
        self.body = body


class StaticGzip:
    """``GZipMiddleware`` for everything, with the package's files compressed once and kept (see module doc)."""

    def __init__(self, app: ASGIApp, *, limit: int = CACHE_LIMIT) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, compresslevel=LEVEL)
        self.limit = limit
        self.cache: dict[str, _Cached] = {}
        self.held = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http' or not _cacheable(scope):
            await self.gzip(scope, receive, send)
            return
        path: str = scope['path']
        cached = self.cache.get(path)
        if cached is None:
            cached = await self._compress(path, scope, receive, send)
            if cached is None:
                return  # answered the ordinary way
        await send({'type': 'http.response.start', 'status': 200, 'headers': cached.headers})
        await send({'type': 'http.response.body', 'body': cached.body})

    async def _compress(self, path: str, scope: Scope, receive: Receive, send: Send) -> _Cached | None:
        """Ask the app for the file; keep and return its compressed response, or pass on what is not to be kept."""
        messages: list[Message] = []

        async def collect(message: Message) -> None:
            messages.append(message)

        extensions = {k: v for k, v in (scope.get('extensions') or {}).items() if k not in _FILE_SENDS}
        await self.app(dict(scope, extensions=extensions), receive, collect)
        start = messages[0] if messages else None
        headers = Headers(raw=start['headers']) if start and start['type'] == 'http.response.start' else None
        if start is None or headers is None or start['status'] != 200 or 'content-encoding' in headers \
                or not headers.get('content-type', '').startswith(_COMPRESSIBLE):
            for message in messages:
                await send(message)
            return None
        body = b''.join(m.get('body', b'') for m in messages[1:] if m['type'] == 'http.response.body')
        compressed = await asyncio.to_thread(_gzip, body)
        changed = MutableHeaders(raw=list(start['headers']))
        changed['content-encoding'] = 'gzip'
        changed['content-length'] = str(len(compressed))
        changed.add_vary_header('Accept-Encoding')
        cached = _Cached(changed.raw, compressed)
        if self.held + len(compressed) <= self.limit and path not in self.cache:
            self.cache[path] = cached
            self.held += len(compressed)
        return cached


def _cacheable(scope: Scope) -> bool:
    path: str = scope['path']
    if scope['method'] != 'GET' or not path.startswith(CACHED_PREFIXES) or path.startswith(_DYNAMIC):
        return False
    headers = Headers(scope=scope)
    return 'gzip' in headers.get('accept-encoding', '') and not any(name in headers for name in _NOT_FROM_CACHE)


def _gzip(body: bytes) -> bytes:
    """``body`` in the gzip format (no file name, no time: the same bytes each time)."""
    compressor = zlib.compressobj(STATIC_LEVEL, zlib.DEFLATED, 31)
    return compressor.compress(body) + compressor.flush()
