"""Time for the board: the wall clock (replaceable in tests) and a hybrid logical clock for change stamps.

Per-field change stamps must order the same way on every node even when a wall screen's clock is wrong or
steps backwards, so they come from a hybrid logical clock: the wall time in milliseconds, a counter for
changes within the same millisecond or while the wall clock lags, and the node id as the final tie-break.
Stamps are fixed-width strings that sort in time order.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ['HybridClock', 'utc_now']


def utc_now() -> datetime:
    return datetime.now(UTC)


class HybridClock:
    """Hybrid logical clock; ``tick`` for a local change, ``observe`` for a stamp received from another node."""

    def __init__(self, node_id: str, wall_ms: Callable[[], int] | None = None) -> None:
        if not node_id or '-' in node_id:
            raise ValueError(f'node id must be non-empty and without "-": {node_id!r}')
        self.node_id = node_id
        self._wall_ms = wall_ms or (lambda: time.time_ns() // 1_000_000)
        self._ms = 0
        self._counter = 0
        self._lock = threading.Lock()

    def tick(self) -> str:
        with self._lock:
            now = self._wall_ms()
            if now > self._ms:
                self._ms, self._counter = now, 0
            else:
                self._counter += 1
            return self._format()

    def observe(self, stamp: str) -> None:
        ms, counter, _node = parse_stamp(stamp)
        with self._lock:
            self._ms, self._counter = max((ms, counter), (self._ms, self._counter))

    def _format(self) -> str:
        return f'{self._ms:013d}-{self._counter:05d}-{self.node_id}'


def parse_stamp(stamp: str) -> tuple[int, int, str]:
    ms, counter, node = stamp.split('-', 2)
    return int(ms), int(counter), node
