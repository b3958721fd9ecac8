"""A hub restored from last night's backup, with a wall screen that synced after the backup was taken.

The restored hub has lost what came after the backup, and its change numbers have gone back. The wall screen
notices (the data folder has a new identity after ``board restore``), pushes its whole board, so what the hub lost
comes back from the wall, and reads the hub anew, so what happens after the restore reaches it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bench.hubprocess import ROOT, hub_environment, start_hub, start_kiosk, stop_hub
from board.admin import issue_pairing_code

from ..factories import UNIT, seeded_store
from ..helpers import add_card_offline, phone_idea, restart_wall, titles, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


def board(*args: str) -> None:
    done = subprocess.run([sys.executable, '-m', 'board.cli', *args], capture_output=True, text=True, cwd=ROOT,
                          env=hub_environment(), timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def test_a_wall_screen_gives_a_restored_hub_back_what_it_lost_and_keeps_syncing(tmp_path: Path):
    hub_data, backups, wall_data = tmp_path / 'hub' / 'data', tmp_path / 'backups', tmp_path / 'wall' / 'data'
    store = seeded_store(hub_data)
    code = issue_pairing_code(store, UNIT)['code']
    store.close()
    hub = start_hub(hub_data)
    wall = start_kiosk(wall_data, hub_url=hub.url, unit_id=UNIT, code=code)
    try:
        phone_idea(hub, 'Før sikkerhetskopien')
        board('backup', '--data', str(hub_data), '--out', str(backups))
        phone_idea(hub, 'Etter sikkerhetskopien, fra mobilen')
        with httpx.Client(base_url=wall.url, timeout=10) as http:
            wait_for(lambda: 'Etter sikkerhetskopien, fra mobilen' in http.get(f'/units/{UNIT}').text)
        stop_hub(wall)
        add_card_offline(wall_data, None, 'Laget på veggen etter sikkerhetskopien')
        wall = restart_wall(wall, None)
        with httpx.Client(base_url=hub.url, timeout=10) as http:
            wait_for(lambda: 'Laget på veggen etter sikkerhetskopien' in http.get(f'/units/{UNIT}').text)

        stop_hub(hub)  # the hub's disk dies; last night's backup is restored
        [archive] = backups.glob('*.tar.gz')
        board('restore', str(archive), '--data', str(hub_data))
        assert 'Laget på veggen etter sikkerhetskopien' not in titles(hub_data)  # lost with the disk ...
        hub = start_hub(hub_data, port=hub.port)
        with httpx.Client(base_url=hub.url, timeout=10) as http:  # ... and back from the wall screen
            for title in ('Laget på veggen etter sikkerhetskopien', 'Etter sikkerhetskopien, fra mobilen'):
                wait_for(lambda title=title: title in http.get(f'/units/{UNIT}').text, seconds=30)
        phone_idea(hub, 'Etter gjenopprettingen')  # the restored hub's numbers went back: the wall still gets it
        with httpx.Client(base_url=wall.url, timeout=10) as http:
            wait_for(lambda: 'Etter gjenopprettingen' in http.get(f'/units/{UNIT}').text, seconds=30)
    finally:
        for process in (wall, hub):
            if process.process.poll() is None:
                stop_hub(process)
