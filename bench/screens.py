"""Simulated wall screens: a board page fetched over HTTP and NiceGUI's socket.io connection, without a browser.

70 browsers would measure the machine's memory, not the hub. A simulated screen does what the hub sees of a
real one: it loads the page (which creates the NiceGUI client), connects the websocket with the same query as
NiceGUI's JavaScript, and receives every update the hub sends to it.
"""

from __future__ import annotations

import re
import time
import uuid
from urllib.parse import urlencode

import aiohttp
import orjson
import socketio

_CLIENT_ID = re.compile(r"""['"]client_id['"]:\s*['"]([0-9a-f-]+)['"]""")


class SimulatedScreen:

    def __init__(self, base_url: str, path: str, session: aiohttp.ClientSession) -> None:
        self.base_url = base_url
        self.path = path
        self.session = session
        self.updates = 0
        self.watched: dict[str, float] = {}  # text to look for -> when it first arrived (time.monotonic)
        self.sio = socketio.AsyncClient(reconnection=False, http_session=session)
        self.sio.on('*', self._on_message)

    async def connect(self) -> None:
        async with self.session.get(self.base_url + self.path) as response:
            response.raise_for_status()
            html = await response.text()
        match = _CLIENT_ID.search(html)
        if match is None:
            raise RuntimeError(f'no NiceGUI client id in {self.path}')
        query = {'client_id': match.group(1), 'next_message_id': 0, 'implicit_handshake': 'true',
                 'document_id': str(uuid.uuid4()), 'tab_id': str(uuid.uuid4())}
        await self.sio.connect(f'{self.base_url}?{urlencode(query)}', socketio_path='/_nicegui_ws/socket.io',
                               transports=['websocket'], wait_timeout=10)

    async def close(self) -> None:
        await self.sio.disconnect()

    def watch(self, text: str) -> None:
        """Note when an update containing ``text`` (e.g. a new card's title) reaches this screen."""
        self.watched.setdefault(text, 0.0)

    async def _on_message(self, event: str, *args: object) -> None:
        self.updates += 1
        pending = [text for text, seen in self.watched.items() if not seen]
        if pending:
            now = time.monotonic()
            payload = orjson.dumps(args).decode()  # much cheaper than repr: this process shares the CPU with the hub
            for text in pending:
                if text in payload:
                    self.watched[text] = now
