"""Hands the store's changes from its writer thread to the pages showing the unit that changed.

The store calls its subscribers on its writer thread; pages live on the event loop. This bridge moves each
change onto the loop and emits it on one NiceGUI ``Event`` per unit, so a change to one unit wakes only the
screens showing that unit. Page subscriptions end with their client (NiceGUI unsubscribes them).

A burst (a group commit of 100 phone ideas) is handed over once, and a turn of the loop after the writes'
callers were answered: the phones get their answers first, then the screens draw the new cards. While the writer
is still writing or forms are still being answered (the rest of the wave), the drawing waits, up to
:data:`BURST_WAIT`: the screens show the wave a moment later, all at once, and the hub's time goes to answering
the phones.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

from nicegui import Event

from ..store import Change, OrganisationChanged, Store

__all__ = ['LiveChanges']

log = logging.getLogger(__name__)

#: while the store's writer is busy, changes wait for it this long at most before they are drawn
BURST_WAIT = 0.5
BURST_POLL = 0.005


class LiveChanges:

    def __init__(self, store: Store, answering: Callable[[], bool] = lambda: False) -> None:
        """``answering()``: whether requests that bring writes are being answered now (POSTs in flight)."""
        self._store = store
        self._answering = answering
        self._units: dict[str, Event[Change]] = {}
        self.organisation: Event[Change] = Event()
        #: a board's QR code may have changed (new rotation period or a revocation)
        self.codes: Event[[]] = Event()
        #: a wall screen's connection to the hub changed (online, offline, changes waiting)
        self.sync_status: Event[[]] = Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        #: changes from the writer not yet handed to the pages (in order), and whether a hand-over is scheduled
        self._lock = threading.Lock()
        self._waiting: list[Change] = []
        self._handing_over = False
        self._first_waiting = 0.0

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._store.subscribe(self._from_writer)

    def subscribe(self, unit_id: str, callback: Callable[[Change], object]) -> None:
        """Call ``callback`` on the event loop for every change of the unit, while the calling page lives."""
        self._units.setdefault(unit_id, Event()).subscribe(callback)

    def _from_writer(self, change: Change) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with self._lock:
            self._waiting.append(change)
            if self._handing_over:
                return  # the hand-over already scheduled takes this one too
            self._handing_over = True
            self._first_waiting = time.monotonic()
        loop.call_soon_threadsafe(self._after_answers)

    def _after_answers(self) -> None:
        # one turn of the loop later: the writes' callers, answered just before their changes were told (see
        # Store._run_group), wake in the turn this callback runs in, so phones get their answers before 100 new
        # cards are drawn on the screens
        assert self._loop is not None
        self._loop.call_soon(self._dispatch_waiting)

    def _dispatch_waiting(self) -> None:
        assert self._loop is not None
        if ((self._store.writer_busy() or self._answering())
                and time.monotonic() - self._first_waiting < BURST_WAIT):
            # more writes under way (a wave of phone ideas): the screens are drawn after it, the phones answered first
            self._loop.call_later(BURST_POLL, self._dispatch_waiting)
            return
        with self._lock:
            changes, self._waiting = self._waiting, []
            self._handing_over = False
        for change in changes:
            try:
                self._dispatch(change)
            except Exception:  # one page's failure must not keep the other changes from the other screens
                log.exception('showing a change of unit %s failed', getattr(change, 'unit_id', '?'))

    def _dispatch(self, change: Change) -> None:
        if isinstance(change, OrganisationChanged):
            self.organisation.emit(change)
            return
        event = self._units.get(change.unit_id)
        if event is not None:
            event.emit(change)
