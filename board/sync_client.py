"""The wall screen's side of sync: keep the local replica and the hub in step, whatever the network does.

The board on the wall only ever talks to its local store, so it never waits on the network. This client runs
beside it: it pushes the outbox (cards changed here since the last acknowledged push), pulls the hub's changes,
then long-polls so that a phone idea or a leader's edit arrives within a second. A local change wakes it at once.
When the hub cannot be reached it retries about once a second and catches up by itself.

The outbox is not a separate queue: it is "cards whose sequence number is above the pushed cursor", read from the
durable store, so it survives a restart or a power cut. Cursors move only after the hub has answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import httpx

from .clock import utc_now
from .codec import (
    card_from_dict,
    card_to_dict,
    goal_from_dict,
    meeting_from_dict,
    meeting_to_dict,
    recognition_from_dict,
    recognition_to_dict,
)
from .domain import Meeting, Recognition
from .store import CardChanged, Change, RecordsChanged, Store, SyncCursor

__all__ = ['KioskCredentials', 'SyncClient', 'SyncStatus']

log = logging.getLogger(__name__)

LONG_POLL = 25.0
# a wall screen notices within a second that the hub is back: a refused connection costs nothing to retry, and the
# jitter keeps 70 screens from retrying in step
MAX_BACKOFF = 1.0
HEARTBEAT_INTERVAL = 60.0


@dataclass(frozen=True, slots=True)
class KioskCredentials:
    hub_url: str
    unit_id: str
    kiosk_id: str
    token: str


@dataclass
class SyncStatus:
    """What the board's indicator shows. ``listeners`` are called on the event loop after every change."""
    online: bool = False
    offline_since: datetime | None = None
    waiting: int = 0
    last_sync: datetime | None = None
    unauthorised: bool = False
    listeners: list[Callable[[], object]] = field(default_factory=list)

    def update(self, **values: object) -> None:
        changed = False
        for name, value in values.items():
            if getattr(self, name) != value:
                setattr(self, name, value)
                changed = True
        if changed:
            for listener in list(self.listeners):
                listener()


class SyncClient:

    def __init__(self, store: Store, credentials: KioskCredentials, *, version: str,
                 transport: httpx.AsyncBaseTransport | None = None, phone_url: str = '') -> None:
        self.store = store
        self.credentials = credentials
        self.version = version
        self.status = SyncStatus(offline_since=utc_now())
        self.phone_url = phone_url
        self._transport = transport
        self._local_change = asyncio.Event()
        self._from_hub: set[int] = set()  # local seqs given to changes that came from the hub: not to be echoed
        self._stopped = False

    @property
    def unit_id(self) -> str:
        return self.credentials.unit_id

    def start(self) -> list[asyncio.Task]:
        """Subscribe to local changes and run the sync and heartbeat loops (call on the event loop)."""
        loop = asyncio.get_running_loop()

        def from_writer(change: Change) -> None:
            loop.call_soon_threadsafe(self._on_local_change, change)

        self.store.subscribe(from_writer)
        self._count_waiting()
        return [asyncio.create_task(self.run(), name='sync'), asyncio.create_task(self._heartbeats(), name='beat')]

    def stop(self) -> None:
        self._stopped = True

    async def run(self) -> None:
        backoff = 0.25
        async with self._client() as client:
            while not self._stopped:
                try:
                    await self.exchange(client)
                    backoff = 0.25
                    await self._listen(client)
                except httpx.HTTPStatusError as error:
                    if error.response.status_code in (401, 403):
                        log.error('the hub refused this wall screen (%s): pair it again', error.response.status_code)
                        self.status.update(online=False, unauthorised=True)
                        await asyncio.sleep(60)
                    else:
                        await self._offline(error, backoff)
                        backoff = min(backoff * 2, MAX_BACKOFF)
                except (httpx.HTTPError, OSError, ValueError) as error:
                    await self._offline(error, backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF)

    async def exchange(self, client: httpx.AsyncClient) -> None:
        """Push the outbox and pull the hub's changes; move the cursors only once the hub has answered."""
        cursor = self.store.sync_cursor(self.unit_id)
        outbox = self._outbox()
        meetings, recognitions = self._record_outbox()
        pushed_up_to = max([cursor.pushed, *(c.seq for c in outbox), *(m.seq for m in meetings),
                            *(r.seq for r in recognitions)])
        if outbox:
            self.status.update(waiting=len(outbox))
        response = await client.post(f'/api/v1/units/{self.unit_id}/sync', json={
            'pulled': cursor.pulled, 'cards': [card_to_dict(c) for c in outbox],
            'meetings': [meeting_to_dict(m) for m in meetings],
            'recognitions': [recognition_to_dict(r) for r in recognitions]})
        response.raise_for_status()
        await self._apply(response.json())
        latest = self.store.sync_cursor(self.unit_id)
        await self.store.run(self.store.set_sync_cursor, self.unit_id,
                             SyncCursor(pushed=max(latest.pushed, pushed_up_to), pulled=latest.pulled))
        self._count_waiting()
        self.status.update(online=True, offline_since=None, unauthorised=False, last_sync=utc_now())

    async def _listen(self, client: httpx.AsyncClient) -> None:
        """Long-poll the hub until it or this screen has a change; then return for the next exchange."""
        if self._outbox() or any(self._record_outbox()):
            return
        self._local_change.clear()
        since = self.store.sync_cursor(self.unit_id).pulled
        poll = asyncio.create_task(client.get(f'/api/v1/units/{self.unit_id}/changes',
                                              params={'since': since, 'wait': LONG_POLL}))
        local = asyncio.create_task(self._local_change.wait())
        done, pending = await asyncio.wait({poll, local}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                await task
        if poll in done:
            response = poll.result()
            response.raise_for_status()
            await self._apply(response.json())

    async def _apply(self, body: dict) -> None:
        cards = [card_from_dict(doc) for doc in body.get('cards', [])]
        if cards:
            merged = await self.store.run(self.store.merge_cards, self.unit_id, cards)
            self._from_hub.update(c.seq for c in merged)
        goals = [(goal_from_dict(g['goal']), g['stamp']) for g in body.get('goals', [])]
        if goals:
            await self.store.run(self.store.merge_goals, self.unit_id, goals)
        meetings = [meeting_from_dict(m) for m in body.get('meetings', [])]
        recognitions = [recognition_from_dict(r) for r in body.get('recognitions', [])]
        if meetings or recognitions:
            seqs = await self.store.run(self.store.merge_records, self.unit_id, meetings, recognitions)
            self._from_hub.update(seqs)
        self.phone_url = body.get('phone_url') or self.phone_url
        cursor = self.store.sync_cursor(self.unit_id)
        await self.store.run(self.store.set_sync_cursor, self.unit_id,
                             SyncCursor(pushed=cursor.pushed, pulled=max(cursor.pulled, int(body['seq']))))

    async def _heartbeats(self) -> None:
        async with self._client() as client:
            while not self._stopped:
                with contextlib.suppress(httpx.HTTPError, OSError):
                    await client.post('/api/v1/heartbeat', json={
                        'version': self.version, 'outbox': len(self._outbox()), 'clock_ms': int(time.time() * 1000)})
                await asyncio.sleep(HEARTBEAT_INTERVAL)

    async def _offline(self, error: Exception, backoff: float) -> None:
        if self.status.online or self.status.offline_since is None:
            log.warning('hub not reachable (%s); the board keeps working and syncs when it returns', error)
        self.status.update(online=False, offline_since=self.status.offline_since or utc_now())
        self._count_waiting()
        self._local_change.clear()
        with contextlib.suppress(TimeoutError):  # a local change: try again at once
            await asyncio.wait_for(self._local_change.wait(), backoff * random.uniform(0.5, 1.0))

    def _on_local_change(self, change: Change) -> None:
        seq = change.card.seq if isinstance(change, CardChanged) else (
            change.seq if isinstance(change, RecordsChanged) else None)
        if seq is not None and seq not in self._from_hub:
            self._count_waiting()
            self._local_change.set()

    def _outbox(self) -> list:
        return [c for c in self.store.outbox(self.unit_id) if c.seq not in self._from_hub]

    def _record_outbox(self) -> tuple[list[Meeting], list[Recognition]]:
        meetings, recognitions = self.store.record_outbox(self.unit_id)
        return ([m for m in meetings if m.seq not in self._from_hub],
                [r for r in recognitions if r.seq not in self._from_hub])

    def _count_waiting(self) -> None:
        meetings, recognitions = self._record_outbox()
        self.status.update(waiting=len(self._outbox()) + len(meetings) + len(recognitions))

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.credentials.hub_url, transport=self._transport,
                                 headers={'Authorization': f'Bearer {self.credentials.token}'},
                                 timeout=httpx.Timeout(10.0, read=LONG_POLL + 10))
