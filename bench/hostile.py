"""Hostile load from issue 11, against a real hub process on 127.0.0.1, each beside the same figure without it.

- A phone idea to one unit while a wall screen of another unit pushes 1 MB at a time, again and again: the push is
  parsed off the event loop and merged in one durable write, so the phone's idea does not wait behind it.
- A move on one board seen on another page of it (Chromium) while five leaders log in at once: Argon2 runs off
  the event loop, so the boards do not freeze while passwords are checked.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import orjson
from playwright.async_api import async_playwright

from board.admin import set_user
from board.app import make_tokens
from board.domain import Card, CardFields, Column
from board.settings import Settings
from board.store.codec import card_to_dict
from board.users import Grant, Scope
from board.wire import MAX_BODY_BYTES

from .common import Row, percentile
from .hubprocess import CHROMIUM, CHROMIUM_ARGS, start_hub, stop_hub
from .live import _APPEARS, _touch_drag
from .screens import SimulatedScreen
from .store_writes import build_history

PUSHED = 'enhet-00'
PHONED = 'enhet-01'
MOVED = 'enhet-02'
PASSWORD = 'benchmark passord for ledere'
LEADERS = 5


def run(*, ideas: int = 30, moves: int = 12, history: int = 70 * 20) -> list[Row]:
    return asyncio.run(_run(ideas=ideas, moves=moves, history=history))


async def _run(*, ideas: int, moves: int, history: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix='bench-hostile-') as tmp:
        data = Path(tmp) / 'data'
        store = build_history(data, history)
        for number in range(moves * 2):
            store.create_card(MOVED, CardFields(title=f'Flytt meg {number}'))
        for number in range(LEADERS):
            set_user(store, f'leder{number}', name=f'Leder {number}', grants=[Grant(Scope.ORGANISATION)],
                     password=PASSWORD)
        store.close()
        tokens = make_tokens(Settings(data_dir=data))
        hub = start_hub(data)
        try:
            token = await _pair(hub.url, data)
            async with aiohttp.ClientSession() as session:
                screens = [SimulatedScreen(hub.url, f'/units/enhet-{i:02d}', session) for i in range(70)]
                for chunk in range(0, len(screens), 10):
                    await asyncio.gather(*(s.connect() for s in screens[chunk:chunk + 10]))
                quiet = await _phone_ideas(hub.url, tokens, ideas, pushing=None)
                pushed_sizes: list[int] = []
                loud = await _phone_ideas(hub.url, tokens, ideas, pushing=(token, pushed_sizes))
                moves_quiet, moves_logins = await _moves_with_logins(hub, moves)
                await asyncio.gather(*(s.close() for s in screens))
        finally:
            stop_hub(hub)
    pushes = len(pushed_sizes)
    size = max(pushed_sizes, default=0) / 1024
    ratio = percentile(loud, 95) / percentile(quiet, 95)
    return [
        Row(figure='phone idea to unit B, no push', target='', samples=quiet, note='70 boards connected'),
        Row(figure='phone idea to unit B while unit A receives 1 MB pushes', target='p95 <= 300 ms', samples=loud,
            passed=percentile(loud, 95) <= 300,
            note=f'{pushes} pushes of {size:.0f} kB back to back; p95 {ratio:.1f}x the quiet one'),
        Row(figure='move seen on another page, no logins', target='', samples=moves_quiet),
        Row(figure=f'move seen on another page while {LEADERS} leaders log in', target='p95 <= 150 ms',
            samples=moves_logins, passed=percentile(moves_logins, 95) <= 150,
            note='Argon2id verification off the event loop'),
    ]


async def _pair(url: str, data: Path) -> str:
    admin = json.loads((data / 'secrets' / 'local_admin.json').read_text())
    headers = {'Authorization': f'Bearer {admin["token"]}'}
    async with aiohttp.ClientSession(headers=headers) as session, session.post(
            f'{url}/api/v1/admin/pairing-codes', json={'unit_id': PUSHED}) as response:
        code = (await response.json())['code']
    async with aiohttp.ClientSession() as session, session.post(
            f'{url}/api/v1/pair', json={'code': code, 'unit_id': PUSHED}) as response:
        return (await response.json())['token']


def _push_body(round_: int) -> bytes:
    """A push just under 1 MB: the same cards each round, every one of them changed again (new title, new stamp),
    so the hub merges, writes and shows all of them each time."""
    now = datetime.now(UTC)
    stamp = f'{int(now.timestamp() * 1000):013d}-{round_ % 100_000:05d}-kioskbench'
    cards = []
    for number in itertools.count():
        card = Card(id=f'push-{number}', unit_id=PUSHED, title=f'Fra veggen {number}, runde {round_}',
                    description='Lang beskrivelse av en forbedring. ' * 110, created_at=now,
                    stamps={'title': stamp, 'description': stamp, 'column': stamp})
        cards.append(card_to_dict(card))
        if len(orjson.dumps({'pulled': 0, 'cards': cards})) > MAX_BODY_BYTES - 8 * 1024:
            cards.pop()
            break
    return orjson.dumps({'pulled': 0, 'cards': cards})


async def _phone_ideas(url: str, tokens, ideas: int, *, pushing: tuple[str, list[int]] | None) -> list[float]:
    path = f'{url}/p/{tokens.current(PHONED)}'
    stop = asyncio.Event()
    pusher = None
    if pushing is not None:
        token, sizes = pushing
        async def push_forever() -> None:
            headers = {'Authorization': f'Bearer {token}', 'Content-Type': 'application/json'}
            async with aiohttp.ClientSession(headers=headers) as session:
                for round_ in itertools.count():
                    if stop.is_set():
                        return
                    body = await asyncio.to_thread(_push_body, round_)  # the bench shares the machine: off its loop
                    async with session.post(f'{url}/api/v1/units/{PUSHED}/sync', data=body) as response:
                        await response.read()
                        if response.status != 200:
                            raise RuntimeError(f'push answered {response.status}: {await response.text()}')
                    sizes.append(len(body))
        pusher = asyncio.create_task(push_forever())
        await asyncio.sleep(0.5)
    samples = []
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as phone:
        await (await phone.get(path)).read()
        for number in range(ideas):
            start = time.monotonic()
            async with phone.post(path, data={'title': f'Idé {number} {pushing is not None}'},
                                  allow_redirects=False) as response:
                await response.read()
            samples.append((time.monotonic() - start) * 1000)
            phone.cookie_jar.clear()  # a new phone each time: the per-phone limit is not what is measured
            await phone.get(path)
            await asyncio.sleep(0.15)
    stop.set()
    if pusher is not None:
        await pusher
    return samples


async def _moves_with_logins(hub, moves: int) -> tuple[list[float], list[float]]:
    url = hub.board_url(MOVED)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            contexts = [await browser.new_context(viewport={'width': 1920, 'height': 1080}, has_touch=True)
                        for _ in range(2)]
            mover, watcher = [await c.new_page() for c in contexts]
            for page in (mover, watcher):
                await page.goto(url)
                await page.wait_for_function('window.did_handshake === true')
            titles = iter(reversed(range(moves * 2)))
            quiet = [await _one_move(mover, watcher, next(titles)) for _ in range(moves)]
            with_logins = []
            for _ in range(moves):
                logins = asyncio.gather(*(_log_in(hub.url, f'leder{n}') for n in range(LEADERS)))
                await asyncio.sleep(0.1)  # the verifications are under way
                with_logins.append(await _one_move(mover, watcher, next(titles)))
                statuses = await logins
                if statuses != [303] * LEADERS:
                    raise RuntimeError(f'logins answered {statuses}')
        finally:
            await browser.close()
    return quiet, with_logins


async def _one_move(mover, watcher, number: int) -> float:
    card = mover.locator('.board-card', has_text=f'Flytt meg {number}').first
    card_id = await card.get_attribute('data-card-id')
    seen = asyncio.ensure_future(watcher.evaluate(_APPEARS, [card_id, Column.DOING.value]))
    dropped_at = await _touch_drag(mover, card.locator('.drag-handle'), mover.locator('[data-column=doing]'))
    return await asyncio.wait_for(seen, 10) - dropped_at


async def _log_in(url: str, username: str) -> int:
    async with aiohttp.ClientSession() as session, session.post(
            f'{url}/login', data={'username': username, 'password': PASSWORD}, allow_redirects=False) as response:
        await response.read()
        return response.status


if __name__ == '__main__':
    from .common import report
    started = time.monotonic()
    raise SystemExit(report('hostile input', run(), started))
