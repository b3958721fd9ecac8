"""What many tests share: opening a board as a screen, waiting for a change to arrive, a wall screen's sync.

Test modules import these from here, never from each other.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.hubprocess import RunningHub, hub_environment
from bench.hubprocess import start_kiosk as start_wall_process
from board.admin import issue_pairing_code
from board.app import make_tokens
from board.domain import Column
from board.settings import Settings
from board.store import Store, SyncCursor
from board.sync_client import KioskCredentials, SyncClient

from .conftest import Hub, off_loop
from .factories import UNIT, seeded_store

__all__ = ['Network', 'add_card_offline', 'cards_in', 'client', 'eventually', 'open_board', 'open_replica', 'pair',
           'phone_idea', 'restart_wall', 'start_kiosk', 'stop', 'tap_card', 'titles', 'wait_for', 'with_release']


# --- a board on a simulated screen ---------------------------------------------------------------------------------

async def open_board(hub: Hub, unit_id: str = UNIT):
    user = hub.new_user()
    await user.open(f'/units/{unit_id}')
    return user


async def eventually(check: Callable[[], object], seconds: float = 3.0) -> None:
    """Wait until ``check`` holds: writes run on the store's thread and reach the page a moment later."""
    for _ in range(int(seconds / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    assert check()


def tap_card(user, card) -> None:
    """Tap a card as a finger does: the column's listener receives the card's id."""
    user.find(marker=f'column-{card.column.value}').trigger('click', card.id)


def cards_in(user, column: Column) -> list[str]:
    [container] = user.find(marker=f'column-{column.value}').elements
    return [card.title for card in container.default_slot.children]


# --- the sync API, as a wall screen calls it ------------------------------------------------------------------------

def client(hub: Hub, token: str = '') -> httpx.AsyncClient:
    headers = {'Authorization': f'Bearer {token}'} if token else {}
    return httpx.AsyncClient(transport=hub._transport, base_url='http://127.0.0.1', headers=headers)


async def pair(hub: Hub, unit_id: str = UNIT) -> str:
    code = (await off_loop(issue_pairing_code, hub.store, unit_id))['code']
    async with client(hub) as api:
        response = await api.post('/api/v1/pair', json={'code': code, 'unit_id': unit_id})
    assert response.status_code == 200, response.text
    return response.json()['token']


# --- a wall screen's sync client through a network that can be cut -------------------------------------------------

class Network(httpx.AsyncBaseTransport):
    """The hub's app behind a switch: when ``down``, every request fails as a dead network would."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.down = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError('network is down', request=request)
        return await self.inner.handle_async_request(request)


def open_replica(folder: Path, node_id: str) -> Store:
    """A wall screen's store: the organisation and goals the hub has, as if pulled from it (not in the outbox)."""
    if folder.exists():
        return Store(folder, node_id=node_id).open()
    store = seeded_store(folder, node_id=node_id)
    for unit in store.organisation.units:
        store.set_sync_cursor(unit.id, SyncCursor(pushed=store.seq(unit.id)))
    return store


async def start_kiosk(hub: Hub, folder: Path, network: Network) -> tuple[Store, SyncClient, list[asyncio.Task]]:
    token = await pair(hub)
    [device] = [k for k in hub.store.wall_screens.all() if not k.revoked][-1:]
    store = await off_loop(open_replica, folder, device.id)
    credentials = KioskCredentials(hub_url='http://127.0.0.1', unit_id=UNIT, kiosk_id=device.id, token=token)
    client = SyncClient(store, credentials, version='test', transport=network)
    return store, client, client.start()


async def stop(client: SyncClient, tasks: list[asyncio.Task]) -> None:
    client.stop()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


# --- real processes: a hub, a wall screen, another release, the command line ----------------------------------------

def with_release(release: Path | None, code: str) -> str:
    """Run Python ``code`` with this release's or another's ``board`` package; its printed last line."""
    env = hub_environment() | ({'PYTHONPATH': str(release)} if release else {})
    done = subprocess.run([sys.executable, '-c', code], cwd=release or Path.cwd(), env=env, capture_output=True,
                          text=True, timeout=60, check=True)
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ''


def add_card_offline(data: Path, release: Path | None, title: str) -> None:
    """A card made on a stopped wall screen's replica, by its own release (as if typed while its app was down)."""
    with_release(release, f'''
import json
from pathlib import Path
from board.store import Store
from board.domain import CardFields
data = Path({str(data)!r})
store = Store(data, node_id=json.loads((data / 'secrets' / 'kiosk.json').read_text())['kiosk_id']).open()
store.create_card({UNIT!r}, CardFields(title={title!r}))
store.close()
''')


def titles(data: Path) -> set[str]:
    with Store(data, read_only=True) as store:
        return {c.title for c in store.cards(UNIT)}


def phone_idea(hub: RunningHub, title: str) -> None:
    token = make_tokens(Settings(data_dir=hub.data_dir)).current(UNIT)
    with httpx.Client(base_url=hub.url, timeout=10) as http:
        http.get(f'/p/{token}')
        assert http.post(f'/p/{token}', data={'title': title}).status_code == 303


def wait_for(check: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, 'not within the time'
        time.sleep(0.2)


def restart_wall(wall: RunningHub, release: Path | None) -> RunningHub:
    """Start a paired wall screen again (its hub address and token are in its data folder)."""
    return start_wall_process(wall.data_dir, hub_url='', unit_id='', code='', port=wall.port, release=release)
