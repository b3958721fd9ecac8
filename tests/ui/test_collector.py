"""Full garbage collections wait for a quiet moment, and still happen under constant load."""

import gc
import time
from types import SimpleNamespace

from board.app import collect_when_quiet


def test_full_collections_wait_for_quiet_and_are_never_skipped_for_long(monkeypatch):
    now = [1000.0]
    runs: list[float] = []
    monkeypatch.setattr(time, 'monotonic', lambda: now[0])
    monkeypatch.setattr(gc, 'collect', lambda *args: runs.append(now[0]))
    store = SimpleNamespace(last_change=0.0)
    check = collect_when_quiet(store)  # type: ignore[arg-type]

    now[0] += 30
    check()
    assert runs == []  # less than a minute since the last one
    now[0] += 40
    store.last_change = now[0] - 1
    check()
    assert runs == []  # a change a second ago: busy
    now[0] += 10
    check()
    assert len(runs) == 1  # quiet for 11 s
    for _ in range(200):  # a quarter of an hour of changes every few seconds
        now[0] += 5
        store.last_change = now[0]
        check()
    assert len(runs) == 2  # forced once, after 15 minutes
