"""A hub asked to stop (SIGTERM, as systemd does) stops within seconds, also while wall screens wait on it.

A wall screen's long-poll waits up to 30 s for a change; uvicorn would wait for it before the hub's shutdown, and
systemd would kill the hub first (TimeoutStopSec=30), so the hub's own shutdown (closing the store) never ran.
"""

from __future__ import annotations

import json
import signal
import time
import urllib.request
from pathlib import Path

import pytest

from bench.hubprocess import start_hub, start_kiosk, stop_hub
from board.admin import issue_pairing_code

from ..factories import UNIT, seeded_store
from ..helpers import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def test_a_hub_with_a_wall_screen_long_polling_stops_within_seconds(tmp_path: Path):
    hub_data = tmp_path / 'hub' / 'data'
    store = seeded_store(hub_data)
    code = issue_pairing_code(store, UNIT)['code']
    store.close()
    hub = start_hub(hub_data)
    wall = start_kiosk(tmp_path / 'wall' / 'data', hub_url=hub.url, unit_id=UNIT, code=code)
    try:
        def online() -> bool:
            with urllib.request.urlopen(f'{wall.url}/status', timeout=5) as response:
                return bool(json.loads(response.read())['online'])

        wait_for(online, seconds=20)
        time.sleep(2)  # the wall screen is now waiting in a long-poll
        started = time.monotonic()
        hub.process.send_signal(signal.SIGTERM)
        hub.process.wait(timeout=15)  # on its own: nothing kills it
        assert time.monotonic() - started < 6
        assert hub.process.returncode in (0, -signal.SIGTERM)  # uvicorn's orderly end re-raises the signal
    finally:
        stop_hub(wall)
        stop_hub(hub)
