"""Backups taken while the store is being written, and restoring them."""

from __future__ import annotations

import tarfile
import threading
import time

import pytest

from board.backup import BackupError, create_backup, restore_backup
from board.cli import main
from board.domain import CardFields
from board.store import Store
from board.store.lock import DataFolderBusy

from ..factories import UNIT, seeded_store


def test_backups_taken_during_a_write_storm_load_and_hold_every_write_made_before_them(tmp_path):
    store = seeded_store(tmp_path / 'data')
    acknowledged: list[str] = []
    stop = threading.Event()

    def writer() -> None:
        number = 0
        while not stop.is_set() and number < 900:  # a board takes 1000 cards; a slow backup must not reach that
            acknowledged.append(store.create_card(UNIT, CardFields(title=f'kort {number}')).id)
            number += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        backups = []
        for round_ in range(5):
            # each backup starts while writes are going on: wait for some, however slow the machine is today
            deadline = time.monotonic() + 10
            while len(acknowledged) < 5 * (round_ + 1) and time.monotonic() < deadline:
                time.sleep(0.005)
            before = set(acknowledged)
            backups.append((before, create_backup(store.folder, tmp_path / 'backups', keep=10,
                                                  snapshot=store.snapshot)))
    finally:
        stop.set()
        thread.join()
        store.close()
    assert len(acknowledged) > 20
    for number, (before, archive) in enumerate(backups):
        target = tmp_path / f'restored-{number}'
        restore_backup(archive, target)
        restored = Store(target, read_only=True).open()
        assert before <= {c.id for c in restored.cards(UNIT)}
        restored.close()


def test_only_the_newest_backups_are_kept_and_they_are_private(tmp_path):
    seeded_store(tmp_path / 'data').close()
    backups = tmp_path / 'backups'
    backups.mkdir()
    for day in (1, 2, 3):
        (backups / f'forbedringstavla-2026010{day}-030000.tar.gz').write_bytes(b'an older backup')
    archive = create_backup(tmp_path / 'data', backups, keep=2)
    assert sorted(p.name for p in backups.iterdir()) == ['forbedringstavla-20260103-030000.tar.gz', archive.name]
    assert archive.stat().st_mode & 0o077 == 0  # it holds the token secret
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert 'data/organisation.json' in names
    assert 'data/.lock' not in names


def test_restore_puts_the_backup_in_place_and_keeps_what_it_replaced(tmp_path, capsys):
    data = tmp_path / 'data'
    store = seeded_store(data)
    kept = store.create_card(UNIT, CardFields(title='I sikkerhetskopien'))
    store.close()
    assert main(['backup', '--data', str(data), '--out', str(tmp_path / 'backups')]) == 0
    [archive] = (tmp_path / 'backups').glob('*.tar.gz')
    store = Store(data).open()
    store.delete_card(UNIT, kept.id)
    store.close()
    assert main(['restore', str(archive), '--data', str(data)]) == 0
    assert 'The data it replaced is kept in' in capsys.readouterr().out
    restored = Store(data).open()
    assert restored.card(UNIT, kept.id).title == 'I sikkerhetskopien'
    restored.close()
    [previous] = tmp_path.glob('data.before-restore-*')
    assert Store(previous, read_only=True).open().card(UNIT, kept.id) is None


def test_a_bad_archive_or_a_running_hub_changes_nothing(tmp_path):
    data = tmp_path / 'data'
    store = seeded_store(data)
    store.create_card(UNIT, CardFields(title='Skal bli'))
    (tmp_path / 'broken.tar.gz').write_bytes(b'not a tar file')
    with tarfile.open(tmp_path / 'other.tar.gz', 'w:gz') as tar:
        tar.add(__file__, arcname='something/else.py')
    with pytest.raises(DataFolderBusy):  # the store holds the folder: as a running hub would
        restore_backup(tmp_path / 'broken.tar.gz', data)
    store.close()
    for bad in ('broken.tar.gz', 'other.tar.gz', 'missing.tar.gz'):
        with pytest.raises(BackupError, match=r'nothing was changed|no backup'):
            restore_backup(tmp_path / bad, data)
    again = Store(data).open()
    assert [c.title for c in again.cards(UNIT)] == ['Skal bli']
    again.close()


def test_backup_through_a_running_hub(tmp_path, capsys):
    from bench.hubprocess import start_hub, stop_hub
    data = tmp_path / 'data'
    seeded_store(data).close()
    hub = start_hub(data)
    try:
        assert main(['backup', '--data', str(data), '--out', str(tmp_path / 'b'), '--keep', '3']) == 0
    finally:
        stop_hub(hub)
    [archive] = (tmp_path / 'b').glob('*.tar.gz')
    assert 'Backup written' in capsys.readouterr().out
    restore_backup(archive, tmp_path / 'restored')
    assert Store(tmp_path / 'restored', read_only=True).open().unit(UNIT) is not None
