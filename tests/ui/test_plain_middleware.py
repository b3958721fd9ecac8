"""NiceGUI's two response middlewares replaced by one plain ASGI middleware (issue 18: a sixth of the hub's time in
a burst of phone ideas went to Starlette's ``BaseHTTPMiddleware``), doing the same two things, and FastAPI's
OpenTelemetry hooks off."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse, RedirectResponse
from nicegui import core
from nicegui.middlewares import RedirectWithPrefixMiddleware, SetCacheControlMiddleware
from nicegui.version import __version__
from starlette.middleware.base import BaseHTTPMiddleware

from board.ui import plain_middleware
from board.ui.plain_middleware import PrefixAndCache

DIRECTIVES = 'public, max-age=31536000, immutable'


@pytest.fixture(autouse=True)
def cache_directives(monkeypatch: pytest.MonkeyPatch) -> None:
    # what ui.run sets on NiceGUI's app config (and both middlewares read)
    monkeypatch.setattr(core.app.config, 'cache_control_directives', DIRECTIVES, raising=False)


def _app() -> FastAPI:
    app = FastAPI()

    @app.get('/go')
    def go() -> RedirectResponse:
        return RedirectResponse('/units/a', status_code=303)

    @app.get('/_nicegui/{version}/static/{name}')
    def static(version: str, name: str) -> PlainTextResponse:
        return PlainTextResponse(name)

    @app.get('/_nicegui/{version}/dynamic_resources/{name}')
    def dynamic(version: str, name: str) -> PlainTextResponse:
        return PlainTextResponse(name)
    # as ui.run adds them: the cache control outermost
    app.add_middleware(RedirectWithPrefixMiddleware)
    app.add_middleware(SetCacheControlMiddleware)
    return app


async def _get(app: FastAPI, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url='http://hub') as client:
        return await client.get(path, headers=headers or {}, follow_redirects=False)


def _stack(app: FastAPI) -> list[type]:
    layers, layer = [], app.middleware_stack
    while layer is not None and len(layers) < 50:
        layers.append(type(layer))
        layer = getattr(layer, 'app', None)
    return layers


async def test_the_built_stack_has_one_plain_middleware_in_place_of_nicegui_s_two():
    app = _app()
    plain_middleware.install(app)
    await _get(app, '/go')
    layers = _stack(app)
    assert PrefixAndCache in layers
    assert not any(issubclass(layer, BaseHTTPMiddleware) for layer in layers)
    assert [m.cls for m in app.user_middleware].count(PrefixAndCache) == 1


async def test_a_redirect_gets_the_proxy_s_prefix_and_static_files_nicegui_s_cache_control():
    app = _app()
    plain_middleware.install(app)
    plain = await _get(app, '/go')
    behind = await _get(app, '/go', {'X-Forwarded-Prefix': '/tavle'})
    cached = await _get(app, f'/_nicegui/{__version__}/static/vue.js')
    dynamic = await _get(app, f'/_nicegui/{__version__}/dynamic_resources/x.js')
    other_version = await _get(app, '/_nicegui/0.0.1/static/vue.js')
    assert plain.headers['location'] == '/units/a'
    assert behind.headers['location'] == '/tavle/units/a'
    assert cached.headers['cache-control'] == DIRECTIVES
    assert 'cache-control' not in dynamic.headers and 'cache-control' not in other_version.headers


async def test_the_same_answers_as_nicegui_s_own_middlewares():
    ours, theirs = _app(), _app()
    plain_middleware.install(ours)
    for path, headers in (('/go', {}), ('/go', {'X-Forwarded-Prefix': '/p'}),
                          (f'/_nicegui/{__version__}/static/a.css', {})):
        mine, nicegui = await _get(ours, path, headers), await _get(theirs, path, headers)
        assert mine.status_code == nicegui.status_code
        assert {k: v for k, v in mine.headers.items() if k != 'date'} == \
            {k: v for k, v in nicegui.headers.items() if k != 'date'}


def test_fastapi_s_telemetry_is_off():
    app = _app()
    plain_middleware.install(app)
    assert app._telemetry['tracing'] is False and app._telemetry['metrics'] is False  # type: ignore[attr-defined]
    assert not app._native_telemetry.enabled()  # type: ignore[attr-defined]


async def test_installing_twice_builds_the_same_stack():
    app = _app()
    plain_middleware.install(app)
    plain_middleware.install(app)
    await _get(app, '/go')
    assert [m.cls for m in app.user_middleware].count(PrefixAndCache) == 1


async def test_it_counts_the_posts_being_answered_also_when_one_fails():
    app = _app()
    during: list[int] = []

    @app.post('/send')
    def send() -> RedirectResponse:
        during.append(plain_middleware.posts.count)
        return RedirectResponse('/units/a?sent=1', status_code=303)

    @app.post('/fails')
    def fails() -> None:
        during.append(plain_middleware.posts.count)
        raise RuntimeError('a bug in a form')

    plain_middleware.install(app)
    before = plain_middleware.posts.count
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app, raise_app_exceptions=False),
                                 base_url='http://hub') as client:
        assert (await client.post('/send')).status_code == 303
        assert (await client.post('/fails')).status_code == 500
        await client.get('/go')
    assert during == [before + 1, before + 1]
    assert plain_middleware.posts.count == before  # nothing left counted, the failure included
