"""Start-up: from starting the hub's process to serving boards (``GET /units/<id>`` answers 200).

Measured on the leaders' data folder (70 units, 100,000 cards of history over ten years). The first start finds
no gains index and builds it in the background (``archive/gains-index.json``, written when it is done); every
later start reads it. Both are reported: the first start once, the restarts (the usual case: an update, a reboot)
against the target.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

from .common import Row, percentile
from .hubprocess import RunningHub, start_hub, stop_hub

TARGET_MS = 3000
INDEX = Path('archive') / 'gains-index.json'
UNIT = 'enhet-00'


def measure(data: Path, *, restarts: int, history: int) -> list[Row]:
    """Time a first start (if the folder has no gains index yet) and ``restarts`` restarts; then leave the folder
    as it was found (without the index, if it had none)."""
    index = data / INDEX
    had_index = index.exists()
    first: list[float] = []
    if not had_index:
        hub, elapsed = _timed_start(data)
        first.append(elapsed)
        stop_once_indexed(hub, data)
    again = []
    for _ in range(restarts):
        hub, elapsed = _timed_start(data)
        again.append(elapsed)
        stop_hub(hub)
    if not had_index:
        index.unlink(missing_ok=True)
    note = f'70 units, {history:,} cards of history; start of the process to GET /units/{UNIT} answering 200'
    rows = [Row(figure='start-up to serving boards, restart (gains index on disk)', target=f'p95 <= {TARGET_MS} ms',
                samples=again, passed=percentile(again, 95) <= TARGET_MS, note=note)]
    if first:
        rows.append(Row(figure='start-up to serving boards, first start (no gains index yet)', target='reported',
                        samples=first, note='the archives are then indexed in the background'))
    return rows


def stop_once_indexed(hub: RunningHub, data: Path, *, seconds: float = 180) -> None:
    """Stop ``hub`` once it has written the gains index of ``data`` (it builds it after its first start)."""
    try:
        deadline = time.monotonic() + seconds
        while not (data / INDEX).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop_hub(hub)


def _timed_start(data: Path) -> tuple[RunningHub, float]:
    started = time.perf_counter()
    hub = start_hub(data, timeout=120, poll=0.02)
    while True:
        try:
            with urllib.request.urlopen(hub.board_url(UNIT), timeout=10) as response:
                if response.status == 200:
                    return hub, (time.perf_counter() - started) * 1000
        except urllib.error.URLError:
            pass
        if time.perf_counter() - started > 120:
            stop_hub(hub)
            raise RuntimeError(f'{hub.board_url(UNIT)} did not answer 200 within 120 s')
        time.sleep(0.02)
