"""The wall screen's side of sync: keep the local replica and the hub in step, whatever the network does.

The board on the wall only ever talks to its local store, so it never waits on the network. This client runs
beside it: it pushes the outbox (cards changed here since the last acknowledged push), pulls the hub's changes,
then long-polls so that a phone idea or a leader's edit arrives within a second. A local change wakes it at once.
When the hub cannot be reached it retries about once a second and catches up by itself.

The outbox is not a separate queue: it is "cards whose sequence number is above the pushed cursor", read from the
durable store, so it survives a restart or a power cut. Cursors move only after the hub has answered. The outbox
goes in pushes of at most 500 records and well under the hub's 1 MB limit, oldest first.

A hub of an older format ignores the records its format does not have (goals and goal values before format 4); the
client remembers the format the hub answers with, and when that rises from below its own it pushes its whole board
again, so they reach the upgraded hub (:func:`_hub_upgraded`).

A change the hub refuses (422, naming the record: it broke a rule, or this screen's clock is more than five
minutes ahead) is kept here and held back, so the rest still syncs; the board shows "n endringer avvist av huben"
and the heartbeat tells the hub's admin page. A later change of the same record is offered again.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import httpx
import orjson

from .clock import utc_now
from .domain import Card, Goal, GoalValue, LeaderNote, Meeting, Recognition
from .store import CardChanged, Change, GoalChanged, GoalValuesChanged, NotesChanged, RecordsChanged, Store, SyncCursor
from .store.acting import HUB, acting_from
from .store.codec import (
    card_to_dict,
    goal_to_dict,
    goal_value_to_dict,
    leader_note_to_dict,
    meeting_to_dict,
    recognition_to_dict,
)
from .store.files import FORMAT
from .wire import (
    MAX_BODY_BYTES,
    MAX_GOALS_PER_PUSH,
    MAX_MEETINGS_PER_PUSH,
    MAX_NOTES_PER_PUSH,
    MAX_RECOGNITIONS_PER_PUSH,
    MAX_RECORDS_PER_PUSH,
    read_changes,
)

__all__ = ['KioskCredentials', 'SyncClient', 'SyncStatus']

log = logging.getLogger(__name__)

LONG_POLL = 25.0
# a wall screen notices within a second that the hub is back: a refused connection costs nothing to retry, and the
# jitter keeps 70 screens from retrying in step
MAX_BACKOFF = 1.0
HEARTBEAT_INTERVAL = 60.0
#: a push stays well under the hub's body limit
PUSH_BYTES = MAX_BODY_BYTES // 2



@dataclass(frozen=True, slots=True)
class GoalRecord:
    """A goal made or edited on this screen, as it waits in the outbox: with its stamp and number."""
    goal: Goal
    stamp: str
    seq: int

    @property
    def id(self) -> str:
        return self.goal.id

    def as_dict(self) -> dict[str, object]:
        return {'goal': goal_to_dict(self.goal), 'stamp': self.stamp}


Record = Card | Meeting | Recognition | GoalRecord | GoalValue | LeaderNote
_KIND = {Card: 'card', Meeting: 'meeting', Recognition: 'recognition', GoalRecord: 'goal', GoalValue: 'value',
         LeaderNote: 'note'}
#: where each kind goes in a push
_KEY = {Card: 'cards', Meeting: 'meetings', Recognition: 'recognitions', GoalRecord: 'goals', GoalValue: 'goal_values',
        LeaderNote: 'leader_notes'}
_ENCODE = {Card: card_to_dict, Meeting: meeting_to_dict, Recognition: recognition_to_dict,
           GoalRecord: GoalRecord.as_dict, GoalValue: goal_value_to_dict, LeaderNote: leader_note_to_dict}


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
    #: changes the hub refused, held back here
    refused: int = 0
    #: changes from the hub this screen could not read (left out, logged), since it started
    unreadable: int = 0
    #: this screen's clock minus the hub's, from the last heartbeat (None: not known yet)
    clock_offset_ms: int | None = None
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

    def start(self) -> list[asyncio.Task[None]]:
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
        """Push (part of) the outbox and pull the hub's changes; move the cursors only once the hub has answered."""
        cursor = self.store.sync_cursor(self.unit_id)
        seq_before = self.store.seq(self.unit_id)
        waiting = self._waiting_records()
        chunk, encoded = _chunk(waiting)
        # everything up to the chunk's last record has gone (or is held back); with the whole outbox, everything
        # numbered so far has (the rest came from the hub), so the cursor passes the hub's changes too
        # (the outbox is in order of number but for goals, which go first: up to just before the first record left)
        sent_ids = {id(r) for r in chunk}
        pushed_up_to = max(cursor.pushed, seq_before) if len(chunk) == len(waiting) else \
            max(cursor.pushed, min(r.seq for r in waiting if id(r) not in sent_ids) - 1)
        if chunk:
            self.status.update(waiting=len(waiting))
        body: dict[str, object] = {'format': FORMAT, 'pulled': cursor.pulled, 'cards': [], 'meetings': [],
                                   'recognitions': [], 'goals': [], 'goal_values': [], 'leader_notes': []}
        for record, doc in zip(chunk, encoded, strict=True):
            body[_KEY[type(record)]].append(doc)  # type: ignore[attr-defined]
        response = await client.post(f'/api/v1/units/{self.unit_id}/sync', content=orjson.dumps(body),
                                     headers={'Content-Type': 'application/json'})
        if response.status_code == 422 and chunk:
            await self._hold_back(chunk, response)
            return
        response.raise_for_status()
        if await self._apply(response.json()):
            return  # the hub was restored: the next exchange starts again from nothing
        latest = self.store.sync_cursor(self.unit_id)
        sent = {(_KIND[type(r)], r.id) for r in chunk}
        refused = tuple(entry for entry in latest.refused if (entry[0], entry[1]) not in sent)
        pushed = max(latest.pushed, pushed_up_to)
        await self.store.run(self.store.set_sync_cursor, self.unit_id,
                             dataclasses.replace(latest, pushed=pushed, refused=refused))
        # the hub's changes at or below the pushed cursor are out of the outbox for good: forget them
        self._from_hub = {seq for seq in self._from_hub if seq > pushed}
        self._count_waiting()
        self.status.update(online=True, offline_since=None, unauthorised=False, last_sync=utc_now())

    async def _hold_back(self, chunk: list[Record], response: httpx.Response) -> None:
        """The hub refused some of the push: keep those records here, held back, and push the rest next."""
        try:
            named = {(r['kind'], r['id']) for r in response.json()['detail']['refused']}
        except (ValueError, KeyError, TypeError):
            named = set()
        held = [r for r in chunk if (_KIND[type(r)], r.id) in named]
        if not held:  # the hub could not say which: hold the whole push back rather than send it for ever
            log.error('the hub refused a push of %d records without naming them: %s', len(chunk),
                      response.text[:500])
            held = chunk
        for record in held:
            log.warning('the hub refused %s %s: it stays on this screen and is not sent again until it changes',
                        _KIND[type(record)], record.id)
        latest = self.store.sync_cursor(self.unit_id)
        keys = {(_KIND[type(r)], r.id) for r in held}
        refused = tuple(e for e in latest.refused if (e[0], e[1]) not in keys) + tuple(
            (_KIND[type(r)], r.id, r.seq) for r in held)
        await self.store.run(self.store.set_sync_cursor, self.unit_id,
                             dataclasses.replace(latest, refused=refused))
        self._count_waiting()

    async def _listen(self, client: httpx.AsyncClient) -> None:
        """Long-poll the hub until it or this screen has a change; then return for the next exchange."""
        if self._waiting_records():
            return
        self._local_change.clear()
        since = self.store.sync_cursor(self.unit_id).pulled
        poll = asyncio.create_task(client.get(f'/api/v1/units/{self.unit_id}/changes',
                                              params={'since': since, 'wait': LONG_POLL}))
        local = asyncio.create_task(self._local_change.wait())
        try:
            done, _ = await asyncio.wait({poll, local}, return_when=asyncio.FIRST_COMPLETED)
        finally:  # also when this screen's sync stops while waiting: no wait left behind
            for task in (poll, local):
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                        await task
        if poll in done:
            response = poll.result()
            response.raise_for_status()
            await self._apply(response.json())  # a restored hub resets the cursors; the next exchange pushes all

    async def _apply(self, body: object) -> bool:
        """Take the hub's changes, read with the same strict models the hub uses for a push.

        Returns True if the hub's data folder was restored since the last exchange: then the cursors start again
        from nothing, so this screen pushes its whole board (the hub may have lost what it had) and reads the
        hub's anew. Also True if the hub was upgraded from a format older than this screen's (see
        :func:`_hub_upgraded`): then this screen pushes its whole board again, and reads on from where it was.
        """
        changes = read_changes(body, self.unit_id, now=utc_now(),
                               known_goals=self.store.goals(self.unit_id, retired=True))
        cursor = self.store.sync_cursor(self.unit_id)
        restored = bool(cursor.hub_instance and changes.instance and changes.instance != cursor.hub_instance) \
            or changes.seq < cursor.pulled
        if restored:
            log.warning('the hub was restored from a backup (or its data replaced): this screen sends its whole '
                        'board again and reads the hub anew')
            self._from_hub = set()
            await self.store.run(self.store.set_sync_cursor, self.unit_id,
                                 SyncCursor(hub_instance=changes.instance, hub_format=changes.format))
            return True
        if _hub_upgraded(cursor.hub_format, changes.format):
            log.warning('the hub was upgraded from format %d to %d: this screen sends its whole board again (the '
                        'older hub ignored what its format did not have, such as goals and values entered here)',
                        cursor.hub_format, changes.format)
            await self.store.run(self.store.set_sync_cursor, self.unit_id,
                                 dataclasses.replace(cursor, pushed=0, refused=(), hub_format=changes.format))
            return True
        if (changes.instance and changes.instance != cursor.hub_instance) or changes.format != cursor.hub_format:
            await self.store.run(self.store.set_sync_cursor, self.unit_id, dataclasses.replace(
                cursor, hub_instance=changes.instance or cursor.hub_instance, hub_format=changes.format))
        for refused in changes.refused:
            log.error('a %s from the hub could not be read and was left out: %s (%s)', refused.kind, refused.id,
                      refused.reason)
        if changes.refused:
            self.status.update(unreadable=self.status.unreadable + len(changes.refused))
        if changes.cards or changes.meetings or changes.recognitions or changes.goals or changes.values \
                or changes.notes:
            with acting_from(HUB):  # the cards' logs: taken from the hub (who made the change travels with the card)
                seqs = await self.store.run(self.store.merge_push, self.unit_id, changes.cards, changes.meetings,
                                            changes.recognitions, goals=changes.goals, values=changes.values,
                                            notes=changes.notes)
            self._from_hub.update(seqs)
        self.phone_url = changes.phone_url or self.phone_url
        cursor = self.store.sync_cursor(self.unit_id)
        await self.store.run(self.store.set_sync_cursor, self.unit_id,
                             dataclasses.replace(cursor, pulled=max(cursor.pulled, changes.seq)))
        return False

    async def _heartbeats(self) -> None:
        async with self._client() as client:
            while not self._stopped:
                with contextlib.suppress(httpx.HTTPError, OSError, ValueError, KeyError, TypeError):
                    sent = time.time()
                    response = await client.post('/api/v1/heartbeat', json={
                        'version': self.version, 'outbox': len(self._outbox()), 'clock_ms': int(sent * 1000),
                        'refused': len(self.store.sync_cursor(self.unit_id).refused) + self.status.unreadable,
                        'format': FORMAT})
                    response.raise_for_status()
                    # the hub read its clock about half-way through the round trip
                    middle_ms = (sent + time.time()) / 2 * 1000
                    self.status.update(clock_offset_ms=int(middle_ms - int(response.json()['hub_time_ms'])))
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
            change.seq if isinstance(change, RecordsChanged | GoalChanged | GoalValuesChanged | NotesChanged) else None)
        if seq is not None and seq not in self._from_hub:
            self._count_waiting()
            self._local_change.set()

    def _outbox(self) -> list[Card]:
        return [c for c in self.store.outbox(self.unit_id) if c.seq not in self._from_hub]

    def _record_outbox(self) -> tuple[list[Meeting], list[Recognition]]:
        meetings, recognitions = self.store.record_outbox(self.unit_id)
        return ([m for m in meetings if m.seq not in self._from_hub],
                [r for r in recognitions if r.seq not in self._from_hub])

    def _waiting_records(self) -> list[Record]:
        """What is to be pushed, oldest first, without the changes the hub refused (held back until they change)."""
        held = {(kind, record_id, seq) for kind, record_id, seq in self.store.sync_cursor(self.unit_id).refused}
        meetings, recognitions = self._record_outbox()
        goals, values = self.store.goal_outbox(self.unit_id)
        records: list[Record] = [*self._outbox(), *meetings, *recognitions,
                                 *(GoalRecord(g, stamp, seq) for g, stamp, seq in goals if seq not in self._from_hub),
                                 *(v for v in values if v.seq not in self._from_hub),
                                 *(n for n in self.store.note_outbox(self.unit_id) if n.seq not in self._from_hub)]
        # goals first: a card or a value pushed with a goal may name it
        return sorted((r for r in records if (_KIND[type(r)], r.id, r.seq) not in held),
                      key=lambda r: (not isinstance(r, GoalRecord), r.seq))

    def _count_waiting(self) -> None:
        self.status.update(waiting=len(self._waiting_records()),
                           refused=len(self.store.sync_cursor(self.unit_id).refused))

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.credentials.hub_url, transport=self._transport,
                                 headers={'Authorization': f'Bearer {self.credentials.token}'},
                                 timeout=httpx.Timeout(10.0, read=LONG_POLL + 10))


def _hub_upgraded(before: int, now: int) -> bool:
    """Whether a hub that said format ``before`` (0: not known) in an earlier answer, and ``now`` in this one, was
    upgraded from a format older than this screen's.

    A hub of an older format ignores what its format does not have: a hub of format 3 takes a push's cards (their
    fields it does not know kept and passed on, see ``board.wire``) but not its ``goals`` and ``goal_values``, and
    answers as if they were taken, so the pushed cursor passes them. They stay on this screen; once the hub says a
    newer format, this screen pushes its whole board again (as after a restored hub; every record merges by its
    stamps, so what the hub has is unchanged), and the goals and values reach it. A card field the older hub kept
    without its stamp (format 4's before and after) is merged by its stamp again on the way. The changes the older
    hub refused are offered again too (e.g. a card naming a goal made on this screen, which that hub never got):
    the upgraded hub judges them anew, and holds back here only what it refuses itself.
    """
    return 0 < before < FORMAT and now > before


def _chunk(records: list[Record]) -> tuple[list[Record], list[dict[str, object]]]:
    """The oldest records that fit in one push (by count and by size), and their documents."""
    chunk: list[Record] = []
    docs: list[dict[str, object]] = []
    size = 0
    room = {Card: MAX_RECORDS_PER_PUSH, Meeting: MAX_MEETINGS_PER_PUSH, Recognition: MAX_RECOGNITIONS_PER_PUSH,
            GoalRecord: MAX_GOALS_PER_PUSH, GoalValue: MAX_RECORDS_PER_PUSH, LeaderNote: MAX_NOTES_PER_PUSH}
    for record in records[:MAX_RECORDS_PER_PUSH]:
        doc = _ENCODE[type(record)](record)  # type: ignore[operator]
        size += len(orjson.dumps(doc))
        room[type(record)] -= 1
        if chunk and (size > PUSH_BYTES or room[type(record)] < 0):
            break
        chunk.append(record)
        docs.append(doc)
    return chunk, docs
