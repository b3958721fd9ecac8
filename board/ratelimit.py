"""A sliding-window rate limit in memory: at most ``limit`` events per ``window`` for each key."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

__all__ = ['RateLimit']


class RateLimit:

    def __init__(self, limit: int, window: float, *, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._max_keys = max_keys
        self._events: dict[str, deque[float]] = {}


    def __len__(self) -> int:
        """How many keys (phones, addresses, names) it remembers now."""
        return len(self._events)
    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may act again (0 if it may now)."""
        events = self._fresh(key)
        if len(events) < self.limit:
            return 0.0
        return max(0.0, events[0] + self.window - self._clock())

    def record(self, key: str) -> None:
        if len(self._events) >= self._max_keys:
            self._forget_stale()
        self._fresh(key).append(self._clock())

    def _fresh(self, key: str) -> deque[float]:
        events = self._events.setdefault(key, deque())
        cutoff = self._clock() - self.window
        while events and events[0] <= cutoff:
            events.popleft()
        return events

    def _forget_stale(self) -> None:
        cutoff = self._clock() - self.window
        self._events = {k: v for k, v in self._events.items() if v and v[-1] > cutoff}
