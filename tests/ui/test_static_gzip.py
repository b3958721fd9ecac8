"""The package's scripts and styles compressed once per process (issue 18: a board's load paid about 30 ms of the
hub's CPU to compress the same 860 kB again for every board opened); everything else compressed as before."""

from __future__ import annotations

import asyncio
import gzip

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from nicegui.version import __version__
from starlette.types import Message, Receive, Scope, Send

from board.ui import static_gzip
from board.ui.static_gzip import StaticGzip

SCRIPT = ('const board = "tavle";\n' * 400).encode()  # well over GZipMiddleware's minimum of 500 bytes
STATIC = f'/_nicegui/{__version__}/static/quasar.js'


def _app(calls: list[str]) -> FastAPI:
    app = FastAPI()

    @app.get('/assets/{name}')
    @app.get('/units/{name}')
    @app.get('/_nicegui/{version}/{kind}/{name}')
    @app.get('/_nicegui/{version}/components/{key}/{name}')
    def file(name: str, request: Request) -> Response:
        calls.append(request.url.path)
        if name == 'missing.js':
            return PlainTextResponse('ikke funnet ' * 100, status_code=404)
        if name == 'font.woff2':
            return Response(SCRIPT, media_type='font/woff2')
        return Response(SCRIPT, media_type='text/javascript; charset=utf-8', headers={'etag': '"v1"'})

    @app.post('/assets/{name}')
    def post(name: str) -> Response:
        calls.append('POST')
        return Response(SCRIPT, media_type='text/javascript')
    return app


async def _get(app: FastAPI, path: str, *, limit: int = static_gzip.CACHE_LIMIT,
               **headers: str) -> list[httpx.Response]:
    wrapped = StaticGzip(app, limit=limit)
    answers = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(wrapped), base_url='http://hub') as client:
        for _ in range(3):
            answers.append(await client.get(path, headers={'accept-encoding': 'gzip', **headers}))
    return answers


@pytest.mark.parametrize('path', [STATIC, '/assets/board.js', f'/_nicegui/{__version__}/components/abc/sortable.js'])
async def test_a_package_file_is_compressed_once_and_the_same_bytes_go_to_every_board(path: str):
    calls: list[str] = []
    answers = await _get(_app(calls), path)
    assert calls == [path]
    for answer in answers:
        assert answer.status_code == 200
        assert answer.headers['content-encoding'] == 'gzip' and answer.headers['vary'] == 'Accept-Encoding'
        assert int(answer.headers['content-length']) < len(SCRIPT) // 10
        assert answer.content == SCRIPT  # httpx decodes the gzip: the file as it is
    assert len({gzip.compress(a.content) for a in answers}) == 1


async def test_what_the_file_said_of_itself_is_kept():
    answers = await _get(_app([]), STATIC)
    assert {a.headers['etag'] for a in answers} == {'"v1"'}
    assert {a.headers['content-type'] for a in answers} == {'text/javascript; charset=utf-8'}


@pytest.mark.parametrize(('path', 'headers'), [
    (f'/_nicegui/{__version__}/dynamic_resources/chart.js', {}),  # an element's own resource: not the package's
    ('/units/a.js', {}),
    (STATIC, {'range': 'bytes=0-99'}),
    (STATIC, {'if-none-match': '"v1"'}),
    (STATIC, {'if-modified-since': 'Thu, 26 Nov 2026 10:00:00 GMT'}),
])
async def test_other_requests_go_the_ordinary_way_every_time(path: str, headers: dict[str, str]):
    calls: list[str] = []
    await _get(_app(calls), path, **headers)
    assert len(calls) == 3


async def test_a_browser_that_takes_no_gzip_gets_the_plain_file():
    calls: list[str] = []
    wrapped = StaticGzip(_app(calls))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(wrapped), base_url='http://hub') as client:
        answer = await client.get(STATIC, headers={'accept-encoding': 'identity'})
    assert 'content-encoding' not in answer.headers and answer.content == SCRIPT and calls == [STATIC]


async def test_a_post_a_missing_file_and_a_compressed_font_are_never_kept():
    calls: list[str] = []
    wrapped = StaticGzip(_app(calls))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(wrapped), base_url='http://hub') as client:
        for _ in range(2):
            posted = await client.post('/assets/board.js', headers={'accept-encoding': 'gzip'})
            missing = await client.get('/assets/missing.js', headers={'accept-encoding': 'gzip'})
            font = await client.get('/assets/font.woff2', headers={'accept-encoding': 'gzip'})
            assert posted.content == SCRIPT and posted.headers['content-encoding'] == 'gzip'  # gzipped as before
            assert missing.status_code == 404 and missing.text.startswith('ikke funnet')
            assert font.content == SCRIPT and 'content-encoding' not in font.headers
    assert calls == ['POST', '/assets/missing.js', '/assets/font.woff2'] * 2
    assert wrapped.cache == {}


async def test_the_cache_holds_no_more_than_its_limit_and_still_answers_beyond_it():
    calls: list[str] = []
    answers = await _get(_app(calls), STATIC, limit=10)
    assert len(calls) == 3  # nothing kept: each request compressed again
    assert all(a.content == SCRIPT and a.headers['content-encoding'] == 'gzip' for a in answers)


async def test_a_file_by_another_spelling_of_its_path_is_answered_but_never_kept_again():
    calls: list[str] = []

    async def any_file(scope: Scope, receive: Receive, send: Send) -> None:  # as StaticFiles: tidies the path
        calls.append(scope['path'])
        await send({'type': 'http.response.start', 'status': 200, 'headers': [(b'content-type', b'text/css')]})
        await send({'type': 'http.response.body', 'body': SCRIPT})

    wrapped = StaticGzip(any_file)
    spellings = ['/assets/board.css', '/assets/./board.css', '/assets//board.css', '/assets/x/../board.css',
                 '/assets/' + './' * 200 + 'board.css']
    for path in spellings * 2:  # raw paths, as uvicorn hands them on (an HTTP client would tidy them first)
        sent: list[Message] = []
        scope = {'type': 'http', 'method': 'GET', 'path': path, 'headers': [(b'accept-encoding', b'gzip')]}

        async def receive() -> Message:
            return {'type': 'http.request', 'body': b''}

        async def send(message: Message, sent: list[Message] = sent) -> None:
            sent.append(message)

        await wrapped(scope, receive, send)
        assert sent[0]['status'] == 200
        assert gzip.decompress(b''.join(m.get('body', b'') for m in sent[1:])) == SCRIPT
    assert list(wrapped.cache) == ['/assets/board.css']  # one entry, whatever a visitor makes up
    assert calls.count('/assets/board.css') == 1 and len(calls) == 1 + 2 * (len(spellings) - 1)


async def test_the_cache_holds_no_more_than_its_number_of_entries():
    wrapped = StaticGzip(_app([]), entries=2)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(wrapped), base_url='http://hub') as client:
        for name in ('a', 'b', 'c', 'd'):
            await client.get(f'/assets/{name}.js', headers={'accept-encoding': 'gzip'})
    assert list(wrapped.cache) == ['/assets/a.js', '/assets/b.js']
    assert wrapped.held == sum(entry.size for entry in wrapped.cache.values())


async def test_boards_opening_at_once_compress_a_file_once_and_all_get_it():
    calls: list[str] = []
    app = FastAPI()

    @app.get('/assets/{name}')
    async def slow(name: str) -> Response:
        calls.append(name)
        await asyncio.sleep(0.05)  # the first board's file is still being read when the others ask
        return Response(SCRIPT, media_type='text/javascript')

    wrapped = StaticGzip(app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(wrapped), base_url='http://hub') as client:
        answers = await asyncio.gather(*(client.get('/assets/quasar.js', headers={'accept-encoding': 'gzip'})
                                         for _ in range(5)))
    assert calls == ['quasar.js']
    assert all(a.content == SCRIPT and a.headers['content-encoding'] == 'gzip' for a in answers)
