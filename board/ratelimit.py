"""Limits in memory that protect users, not attackers.

- :class:`RateLimit`: a sliding window, at most ``limit`` events per ``window`` for each key (phone ideas per
  phone, per address and per unit).
- :class:`LoginThrottle`: failed logins slow down the next attempt with a growing delay, per address and per name,
  instead of locking an account, which anyone who knows the name could do to its owner.
"""

from __future__ import annotations

import contextlib
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .clock import utc_now

__all__ = ['FailedLogin', 'LoginAttempt', 'LoginThrottle', 'RateLimit', 'growing_delay']


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

    def give_back(self, key: str) -> None:
        """Undo the latest :meth:`record` of ``key`` (what it counted did not happen after all)."""
        events = self._events.get(key)
        if events:
            events.pop()

    def _fresh(self, key: str) -> deque[float]:
        events = self._events.setdefault(key, deque())
        cutoff = self._clock() - self.window
        while events and events[0] <= cutoff:
            events.popleft()
        return events

    def _forget_stale(self) -> None:
        cutoff = self._clock() - self.window
        self._events = {k: v for k, v in self._events.items() if v and v[-1] > cutoff}


# --- logins -------------------------------------------------------------------------------------------------------

def growing_delay(count: int, free: int, cap: float) -> float:
    """No delay for the first ``free`` attempts, then 1 s, 2 s, 4 s ... at most ``cap`` seconds."""
    if count < free:
        return 0.0
    return min(cap, 2.0 ** min(count - free, 32))


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """One login attempt, counted when it started: wait ``wait`` seconds before checking the password.

    ``refused`` > 0: this address has so many attempts queued that this one is not checked at all; it may try
    again in ``refused`` seconds (only that address is refused, never the name).
    """
    name: str
    address: str
    started: float
    wait: float = 0.0
    refused: float = 0.0


@dataclass(frozen=True, slots=True)
class FailedLogin:
    """Failed logins of one name from one address, for the admin page."""
    name: str
    address: str
    count: int
    first: datetime
    last: datetime


class LoginThrottle:
    """A growing delay before a password is checked, after failed attempts; never a lock.

    Every attempt counts from the moment it starts (so concurrent guesses are slowed as much as consecutive
    ones); a failed one keeps counting for ``window`` seconds, a successful one stops counting and clears the
    failures of its name from its address.

    - **Per address**: after ``free_per_address`` attempts, each further attempt from that address waits its turn
      behind the earlier ones and then 1 s, 2 s, 4 s ... (at most ``cap``). An address whose queue is longer than
      ``max_wait`` is told to come back later without a check. This is what slows one guesser.
    - **Per name**: after ``free_per_name`` attempts, 1 s, 2 s, 4 s ... at most ``cap`` (not queued, so the owner
      never waits longer than ``cap``). Each address counts at most ``share`` (fewer than ``free_per_name``)
      towards a name, so one address alone never slows anyone else's login to that name: it takes guesses from
      several addresses, which is what this is for.

    Kept in memory (a restart forgets it), bounded to ``max_keys`` names and addresses; not thread-safe: use it
    from the event loop. The clocks are injectable for tests.
    """

    def __init__(self, *, free_per_name: int = 5, free_per_address: int = 20, share: int | None = None,
                 cap: float = 30.0, max_wait: float = 60.0, window: float = 15 * 60.0,
                 clock: Callable[[], float] = time.monotonic, now: Callable[[], datetime] = utc_now,
                 max_keys: int = 10_000, keep_failures: int = 200) -> None:
        self.free_per_name = free_per_name
        self.free_per_address = free_per_address
        self.share = share if share is not None else max(1, (free_per_name + 1) // 2)
        self.cap = cap
        self.max_wait = max_wait
        self.window = window
        self._clock = clock
        self._now = now
        self._max_keys = max_keys
        self._keep_failures = keep_failures
        #: when counted attempts (under way or failed) started, per address, and per name and address
        self._by_address: dict[str, deque[float]] = {}
        self._by_name: dict[str, dict[str, deque[float]]] = {}
        #: when the next attempt from an address may be checked (its queue)
        self._next_turn: dict[str, float] = {}
        self._failures: OrderedDict[tuple[str, str], FailedLogin] = OrderedDict()

    def start(self, name: str, address: str) -> LoginAttempt:
        """Count an attempt now; it says how long to wait before checking the password (or to refuse it)."""
        now = self._clock()
        self._make_room(now)
        by_address = self._fresh(self._by_address.setdefault(address, deque()), now)
        turn = max(now, self._next_turn.get(address, now)) + growing_delay(len(by_address), self.free_per_address,
                                                                          self.cap)
        if turn - now > self.max_wait:
            return LoginAttempt(name, address, now, refused=max(1.0, self._next_turn[address] - now))
        names = self._by_name.setdefault(name, {})
        counted = sum(min(len(self._fresh(times, now)), self.share) for times in names.values())
        wait = max(turn - now, growing_delay(counted, self.free_per_name, self.cap))
        self._next_turn[address] = turn
        by_address.append(now)
        names.setdefault(address, deque()).append(now)
        return LoginAttempt(name, address, now, wait=wait)

    def failed(self, attempt: LoginAttempt) -> None:
        """The password was wrong: the attempt keeps counting, and the admin page lists it."""
        key = (attempt.name, attempt.address)
        now = self._now()
        before = self._failures.pop(key, None)
        self._failures[key] = FailedLogin(attempt.name, attempt.address, (before.count if before else 0) + 1,
                                          before.first if before else now, now)
        while len(self._failures) > self._keep_failures:
            self._failures.popitem(last=False)

    def succeeded(self, attempt: LoginAttempt) -> None:
        """The right password: this attempt stops counting, and so do the name's failures from this address."""
        _remove(self._by_address.get(attempt.address), attempt.started)
        names = self._by_name.get(attempt.name)
        if names is not None:
            names.pop(attempt.address, None)
            if not names:
                del self._by_name[attempt.name]

    def failures(self) -> list[FailedLogin]:
        """Recent failed logins (name and address), the latest first."""
        return list(reversed(self._failures.values()))

    def _fresh(self, times: deque[float], now: float) -> deque[float]:
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def _make_room(self, now: float) -> None:
        """Forget quiet names and addresses when there are too many (a flood of made-up names)."""
        if len(self._by_address) >= self._max_keys:
            self._by_address = {a: t for a, t in self._by_address.items() if self._fresh(t, now)}
            self._next_turn = {a: t for a, t in self._next_turn.items() if t > now or a in self._by_address}
            while len(self._by_address) >= self._max_keys:  # still full: the longest quiet goes
                oldest = min(self._by_address, key=lambda a: self._by_address[a][-1])
                del self._by_address[oldest]
                self._next_turn.pop(oldest, None)
        if len(self._by_name) >= self._max_keys:
            for name in list(self._by_name):
                addresses = {a: t for a, t in self._by_name[name].items() if self._fresh(t, now)}
                if addresses:
                    self._by_name[name] = addresses
                else:
                    del self._by_name[name]
            while len(self._by_name) >= self._max_keys:
                oldest = min(self._by_name, key=lambda n: max(t[-1] for t in self._by_name[n].values()))
                del self._by_name[oldest]


def _remove(times: deque[float] | None, started: float) -> None:
    if times is not None:
        with contextlib.suppress(ValueError):  # forgotten meanwhile (the window passed, or room was made)
            times.remove(started)
