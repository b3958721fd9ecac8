"""Time for the board: the wall clock (replaceable in tests) and a hybrid logical clock for change stamps.

Per-field change stamps must order the same way on every node even when a wall screen's clock is wrong or
steps backwards, so they come from a hybrid logical clock: the wall time in milliseconds, a counter for
changes within the same millisecond or while the wall clock lags, and the node id as the final tie-break.

A stamp is written ``<13-digit ms>-<5-digit counter>-<node>``. Stamps are compared as numbers
(:func:`stamp_order`), never as strings, and only well-formed stamps are accepted from another node
(:func:`valid_stamp`): the hub refuses a stamp from the future (see ``board.wire``), so one hostile or broken wall
screen cannot drag the hub's clock, and with it every later change of every unit, into the year 2286.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ['COUNTER_MAX', 'NODE_ID', 'HybridClock', 'parse_stamp', 'stamp_ms', 'stamp_order', 'utc_now',
           'valid_node_id', 'valid_stamp']

#: the counter has five digits; a node that makes 100,000 changes within one millisecond borrows the next one
COUNTER_MAX = 99_999
#: node ids: the hub's name (``hub``) or a wall screen's id (``kiosk3f2a...``); no "-", which separates the parts
NODE_ID = r'[A-Za-z0-9_]{1,40}'
_STAMP = re.compile(rf'^(\d{{13}})-(\d{{5}})-({NODE_ID})$')
_NODE = re.compile(rf'^{NODE_ID}$')
_NEVER = (-1, -1, '')


def utc_now() -> datetime:
    return datetime.now(UTC)


def valid_node_id(node_id: str) -> bool:
    return bool(_NODE.fullmatch(node_id))


def valid_stamp(stamp: str) -> bool:
    return bool(_STAMP.fullmatch(stamp))


def parse_stamp(stamp: str) -> tuple[int, int, str]:
    """``(ms, counter, node)``; raises ``ValueError`` for anything that is not a stamp."""
    found = _STAMP.fullmatch(stamp)
    if found is None:
        raise ValueError(f'not a change stamp: {stamp[:80]!r}')
    return int(found[1]), int(found[2]), found[3]


def stamp_order(stamp: str) -> tuple[int, int, str]:
    """The stamp as a sortable value: time, counter, node. No stamp (``''``) sorts before every stamp."""
    return parse_stamp(stamp) if stamp else _NEVER


def stamp_ms(stamp: str) -> int:
    return stamp_order(stamp)[0]


class HybridClock:
    """Hybrid logical clock; ``tick`` for a local change, ``observe`` for a stamp received from another node."""

    def __init__(self, node_id: str, wall_ms: Callable[[], int] | None = None) -> None:
        if not valid_node_id(node_id):
            raise ValueError(f'node id must be 1-40 letters, digits or "_": {node_id!r}')
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
            elif self._counter < COUNTER_MAX:
                self._counter += 1
            else:  # the counter is full: borrow the next millisecond rather than overflow the format
                self._ms, self._counter = self._ms + 1, 0
            return self._format()

    def observe(self, stamp: str) -> None:
        """Move on past a stamp from another node (callers check it first: see ``board.wire``)."""
        ms, counter, _node = parse_stamp(stamp)
        with self._lock:
            self._ms, self._counter = max((ms, counter), (self._ms, self._counter))

    def wall_ms(self) -> int:
        return self._wall_ms()

    def _format(self) -> str:
        return f'{self._ms:013d}-{self._counter:05d}-{self.node_id}'
