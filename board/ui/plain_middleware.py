"""NiceGUI's two response middlewares, as one plain ASGI middleware.

``ui.run`` adds ``RedirectWithPrefixMiddleware`` (a redirect's ``Location`` gets the ``X-Forwarded-Prefix`` a
reverse proxy names) and ``SetCacheControlMiddleware`` (NiceGUI's versioned static files get its Cache-Control).
Both are Starlette ``BaseHTTPMiddleware``: each request through one of them costs a task group, a memory stream
and several events, and a request passes both. With 100 phones sending at once that was about a sixth of the
hub's time (bench/phones.py, profiled with py-spy). :class:`PrefixAndCache` does both jobs on the response's
headers, with nothing buffered or spawned; :func:`install` puts it in their place when the app builds its
middleware stack (after ``ui.run`` has added them, before the first request). On its way it counts the POSTs
being answered (:data:`posts`): while phones' ideas are coming in, the screens draw them a moment later.
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import core
from nicegui.middlewares import RedirectWithPrefixMiddleware, SetCacheControlMiddleware
from nicegui.version import __version__
from starlette.applications import Starlette
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ['InFlight', 'PrefixAndCache', 'install', 'posts']

_REPLACED = (RedirectWithPrefixMiddleware, SetCacheControlMiddleware)
_STATIC = f'/_nicegui/{__version__}/'
_DYNAMIC = f'/_nicegui/{__version__}/dynamic_resources/'


class InFlight:
    """How many requests of a kind the hub is answering now (all on the event loop: a plain counter)."""

    def __init__(self) -> None:
        self.count = 0

    def started(self) -> None:
        self.count += 1

    def ended(self) -> None:
        self.count -= 1


#: the forms and pushes being answered now (POST): a wave of phone ideas under way (see board.ui.live)
posts = InFlight()


class PrefixAndCache:
    """What NiceGUI's ``RedirectWithPrefixMiddleware`` and ``SetCacheControlMiddleware`` do, in plain ASGI."""

    def __init__(self, app: ASGIApp, cache_control: Callable[[], str] | None = None) -> None:
        self.app = app
        self.cache_control = cache_control or (lambda: core.app.config.cache_control_directives)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        if scope['method'] == 'POST':
            posts.started()
            try:
                await self._handle(scope, receive, send)
            finally:
                posts.ended()
            return
        await self._handle(scope, receive, send)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        prefix = Headers(scope=scope).get('x-forwarded-prefix', '')
        path: str = scope['path']
        cached = path.startswith(_STATIC) and not path.startswith(_DYNAMIC)
        if not prefix and not cached:
            await self.app(scope, receive, send)
            return

        async def send_changed(message: Message) -> None:
            if message['type'] == 'http.response.start':
                headers = MutableHeaders(scope=message)
                location = headers.get('location', '')
                if prefix and location.startswith('/'):
                    headers['location'] = prefix + location
                if cached:
                    headers['cache-control'] = self.cache_control()
            await send(message)

        await self.app(scope, receive, send_changed)


def install(app: Starlette) -> None:
    """Build ``app``'s middleware stack with :class:`PrefixAndCache` where NiceGUI's two middlewares are, and
    switch off FastAPI's OpenTelemetry hooks.

    The hub configures no OpenTelemetry (it serves its own figures at ``/metrics``), yet FastAPI asks the global
    providers on every request whether it should record: about 4 % of the hub's time in a burst of phone ideas.
    FastAPI takes the switches as ``FastAPI(telemetry=...)``, which NiceGUI's app does not pass on; they are set on
    the app's configuration instead, before the first request.
    """
    telemetry = getattr(app, '_telemetry', None)
    if isinstance(telemetry, dict):
        telemetry.update(tracing=False, metrics=False, logs=False)
    build = app.build_middleware_stack
    if getattr(build, 'plain', False):
        return  # installed before (the tests create the app again and again)

    def build_plain() -> ASGIApp:
        app.user_middleware = replaced(app.user_middleware)
        return build()

    build_plain.plain = True  # type: ignore[attr-defined]
    app.build_middleware_stack = build_plain  # type: ignore[method-assign]


def replaced(middleware: list[Middleware]) -> list[Middleware]:
    """The list with NiceGUI's two middlewares taken out and :class:`PrefixAndCache` in the place of the first."""
    kept: list[Middleware] = []
    placed = False
    for entry in middleware:
        factory: object = entry.cls
        if factory in _REPLACED or factory is PrefixAndCache:
            if not placed:
                kept.append(Middleware(PrefixAndCache))
                placed = True
            continue
        kept.append(entry)
    return kept
