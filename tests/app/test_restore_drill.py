"""The restore drill of the README ("Set up the hub"), step by step, on a real hub process on 127.0.0.1.

Back up the running hub with ``board backup`` (as the nightly timer does), stop the hub, destroy the data folder,
``board restore`` the archive, start the hub again: every card is back on its board, in its column, and the
accounts log in. A card added after the backup is not back: it is the backup that was restored.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bench.hubprocess import ROOT, hub_environment, start_hub, stop_hub
from board.app import make_tokens
from board.domain import CardFields, Column
from board.settings import Settings
from board.store import Store

from ..factories import OTHER_UNIT, UNIT, seeded_store

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

PASSWORD = 'et langt passord for øvelsen'


def board(*args: str, stdin: str | None = None) -> str:
    """The ``board`` command in its own process, as an administrator or a systemd unit runs it."""
    result = subprocess.run([sys.executable, '-m', 'board.cli', *args], input=stdin, capture_output=True, text=True,
                            cwd=ROOT, env=hub_environment(), timeout=60, check=False)
    assert result.returncode == 0, f'board {" ".join(args)}: {result.stderr}'
    return result.stdout


def cards_on_boards(data: Path) -> dict[str, dict[str, tuple[str, Column]]]:
    """Every unit's live cards: id -> (title, column)."""
    store = Store(data, read_only=True).open()
    try:
        return {unit.id: {c.id: (c.title, c.column) for c in store.cards(unit.id)}
                for unit in store.organisation.units}
    finally:
        store.close()


def test_back_up_a_running_hub_destroy_its_data_restore_and_every_card_is_back(tmp_path):
    data, backups = tmp_path / 'data', tmp_path / 'backups'
    store = seeded_store(data)
    for number in range(6):
        store.create_card(UNIT, CardFields(title=f'Drill idé {number} på avdelingen', goal_id='ventetid'))
    moved = store.create_card(UNIT, CardFields(title='Drill pågår: færre avbrudd'))
    store.move_card(UNIT, moved.id, Column.DOING, 0)
    store.create_card(OTHER_UNIT, CardFields(title='Drill idé på skolen'))
    store.close()

    hub = start_hub(data)
    try:
        # changes only the running hub has made: an account through its local admin API, an idea from a phone
        board('user', 'kari.drill', '--name', 'Kari Drill', '--role', 'admin', '--password-stdin',
              '--data', str(data), stdin=PASSWORD + '\n')
        token = make_tokens(Settings(data_dir=data)).current(OTHER_UNIT)
        sent = httpx.post(f'{hub.url}/p/{token}', data={'title': 'Drill idé fra mobilen'}, timeout=30)
        assert sent.status_code == 303

        said = board('backup', '--data', str(data), '--out', str(backups), '--keep', '14')
        [archive] = backups.glob('forbedringstavla-*.tar.gz')
        assert f'Backup written: {archive}' in said

        late = httpx.post(f'{hub.url}/p/{token}', data={'title': 'Drill etter sikkerhetskopien'}, timeout=30)
        assert late.status_code == 303
    finally:
        stop_hub(hub)
    before = cards_on_boards(data)
    late_ids = {card_id for card_id, (title, _) in before[OTHER_UNIT].items() if title.startswith('Drill etter')}
    assert len(late_ids) == 1
    expected = {unit: {i: card for i, card in cards.items() if i not in late_ids} for unit, cards in before.items()}
    assert sum(map(len, expected.values())) == 9

    shutil.rmtree(data)  # the disk is lost
    said = board('restore', str(archive), '--data', str(data))
    assert f'Restored {archive} into {data}.' in said
    assert cards_on_boards(data) == expected

    hub = start_hub(data)
    try:
        with httpx.Client(base_url=hub.url, timeout=30) as client:
            for unit, cards in expected.items():
                page = client.get(f'/units/{unit}')
                assert page.status_code == 200
                for title, _ in cards.values():
                    assert title in page.text, f'{title!r} is not on the board of {unit}'
                assert 'Drill etter sikkerhetskopien' not in page.text
            refused = client.post('/login', data={'username': 'kari.drill', 'password': 'feil passord her'})
            assert refused.status_code == 401
            login = client.post('/login', data={'username': 'kari.drill', 'password': PASSWORD})
            assert login.status_code == 303
            assert client.get('/leder').status_code == 200  # the session cookie from the login
    finally:
        stop_hub(hub)
