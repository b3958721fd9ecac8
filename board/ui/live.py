"""Hands the store's changes from its writer thread to the pages showing the unit that changed.

The store calls its subscribers on its writer thread; pages live on the event loop. This bridge moves each
change onto the loop and emits it on one NiceGUI ``Event`` per unit, so a change to one unit wakes only the
screens showing that unit. Page subscriptions end with their client (NiceGUI unsubscribes them).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from nicegui import Event

from ..store import Change, OrganisationChanged, Store

__all__ = ['LiveChanges']


class LiveChanges:

    def __init__(self, store: Store) -> None:
        self._store = store
        self._units: dict[str, Event[Change]] = {}
        self.organisation: Event[Change] = Event()
        #: a board's QR code may have changed (new rotation period or a revocation)
        self.codes: Event[[]] = Event()
        #: a wall screen's connection to the hub changed (online, offline, changes waiting)
        self.sync_status: Event[[]] = Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._store.subscribe(self._from_writer)

    def subscribe(self, unit_id: str, callback: Callable[[Change], object]) -> None:
        """Call ``callback`` on the event loop for every change of the unit, while the calling page lives."""
        self._units.setdefault(unit_id, Event()).subscribe(callback)

    def _from_writer(self, change: Change) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._dispatch, change)

    def _dispatch(self, change: Change) -> None:
        if isinstance(change, OrganisationChanged):
            self.organisation.emit(change)
            return
        event = self._units.get(change.unit_id)
        if event is not None:
            event.emit(change)
