"""GZip for the hub's responses, with the package's own files compressed once per process, not once per request.

A board page loads about twenty files of NiceGUI, Vue and Quasar and the board's own stylesheets and scripts,
860 kB before compression. Starlette's ``GZipMiddleware`` compressed all of them again for every page opened: about
30 ms of the hub's CPU per board, on the critical path of its load (``bench/live.py``: an 80-card board usable at
p50 736 ms with it, 609 ms without any compression; measured side by side on 2026-11-26).

Those files do not change while a hub runs (an upgrade restarts it), so :class:`StaticGzip` keeps each one's
compressed response after the first request, compressed in a worker thread, and sends the same bytes to every
later board (at level 9: it is paid once). Everything else (pages, forms, the sync API) goes through Starlette's
``GZipMiddleware`` as before, at zlib's default level 6 rather than 9 (a few per cent larger, far less CPU).

Only a plain ``GET`` of a package file by its proper path with ``gzip`` accepted is answered from the cache; a
range or conditional request, a ``HEAD``, a path spelt another way (``/assets/./x.css``), or an answer other than a
``200`` with text goes the ordinary way, streamed as it comes. The cache is bounded in bytes and in entries.
"""

from __future__ import annotations

import asyncio
import posixpath
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
#: the most the cache holds (the package's files are about 1 MB before compression, in about 60 files)
CACHE_LIMIT = 8 * 1024 * 1024
CACHE_ENTRIES = 256
#: a longer path is no package file's
MAX_PATH = 200
#: compression of pages and API answers (per request) and of the package's files (once)
LEVEL = 6
STATIC_LEVEL = 9
#: ways of sending a file that would bypass the body this middleware reads
_FILE_SENDS = ('http.response.pathsend', 'http.response.zerocopysend')


class _Cached:
    __slots__ = ('body', 'headers', 'size')

    def __init__(self, headers: list[tuple[bytes, bytes]], body: bytes, path: str) -> None:
        self.headers = headers
        self.body = body
        #: what keeping it costs: the body, the headers and the key
        self.size = len(body) + sum(len(k) + len(v) for k, v in headers) + len(path)


class StaticGzip:
    """``GZipMiddleware`` for everything, with the package's files compressed once and kept (see module doc)."""

    def __init__(self, app: ASGIApp, *, limit: int = CACHE_LIMIT, entries: int = CACHE_ENTRIES) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, compresslevel=LEVEL)
        self.limit = limit
        self.entries = entries
        self.cache: dict[str, _Cached] = {}
        self.held = 0
        #: the first request of a file being compressed: boards asking meanwhile wait for its answer (after a restart
        #: all the wall screens reload at once, and each would compress Quasar again)
        self._filling: dict[str, asyncio.Future[_Cached | None]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http' or not _cacheable(scope):
            await self.gzip(scope, receive, send)
            return
        path: str = scope['path']
        cached = self.cache.get(path)
        if cached is None:
            filling = self._filling.get(path)
            if filling is not None:
                cached = await asyncio.shield(filling)
                if cached is None:  # the first answer was not one to keep: this one goes the ordinary way too
                    await self.gzip(scope, receive, send)
                    return
            else:
                cached = await self._fill(path, scope, receive, send)
                if cached is None:
                    return  # answered the ordinary way
        await send({'type': 'http.response.start', 'status': 200, 'headers': cached.headers})
        await send({'type': 'http.response.body', 'body': cached.body})

    async def _fill(self, path: str, scope: Scope, receive: Receive, send: Send) -> _Cached | None:
        filling: asyncio.Future[_Cached | None] = asyncio.get_running_loop().create_future()
        self._filling[path] = filling
        cached: _Cached | None = None
        try:
            cached = await self._compress(path, scope, receive, send)
            return cached
        finally:
            del self._filling[path]
            filling.set_result(cached)  # the waiting boards: the same answer, or the ordinary way (None)

    async def _compress(self, path: str, scope: Scope, receive: Receive, send: Send) -> _Cached | None:
        """Ask the app for the file; keep and return its compressed response. An answer not to be kept (not 200,
        compressed already, not text) is passed on as it comes, and None returned."""
        kept: list[Message] = []
        chunks: list[bytes] = []

        async def decide(message: Message) -> None:
            if message['type'] == 'http.response.start':
                headers = Headers(raw=message['headers'])
                if message['status'] == 200 and 'content-encoding' not in headers \
                        and headers.get('content-type', '').startswith(_COMPRESSIBLE):
                    kept.append(message)
                    return
            if kept:
                if message['type'] == 'http.response.body':
                    chunks.append(message.get('body', b''))
                return
            await send(message)

        extensions = {k: v for k, v in (scope.get('extensions') or {}).items() if k not in _FILE_SENDS}
        await self.app(dict(scope, extensions=extensions), receive, decide)
        if not kept:
            return None
        compressed = await asyncio.to_thread(_gzip, b''.join(chunks))
        changed = MutableHeaders(raw=list(kept[0]['headers']))
        changed['content-encoding'] = 'gzip'
        changed['content-length'] = str(len(compressed))
        changed.add_vary_header('Accept-Encoding')
        cached = _Cached(changed.raw, compressed, path)
        if self.held + cached.size <= self.limit and len(self.cache) < self.entries and path not in self.cache:
            self.cache[path] = cached
            self.held += cached.size
        return cached


def _cacheable(scope: Scope) -> bool:
    """A plain GET of a package file, by its one proper name (``/assets/./x.css`` is the same file, never a second
    entry), from a browser that takes gzip."""
    path: str = scope['path']
    if scope['method'] != 'GET' or not path.startswith(CACHED_PREFIXES) or path.startswith(_DYNAMIC) \
            or len(path) > MAX_PATH or '//' in path or posixpath.normpath(path) != path:
        return False
    headers = Headers(scope=scope)
    return 'gzip' in headers.get('accept-encoding', '') and not any(name in headers for name in _NOT_FROM_CACHE)


def _gzip(body: bytes) -> bytes:
    """``body`` in the gzip format (no file name, no time: the same bytes each time)."""
    compressor = zlib.compressobj(STATIC_LEVEL, zlib.DEFLATED, 31)
    return compressor.compress(body) + compressor.flush()
