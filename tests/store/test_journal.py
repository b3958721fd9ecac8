"""The write-ahead journal (issue 18): a unit's write is durable after one append to ``journal.wal``; its file is
rewritten at a checkpoint (idle writer, a large journal, a backup, a clean stop); what a crash leaves is written
back at the next start, a cut-off end ignored, anything strange kept aside; a failed append leaves memory as the
disk has it; a read-only look beside a running hub sees the journal's newest content."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from board.domain import CardFields, Column, Meeting, NoteKind
from board.store import Store, StoreWriteError, unit_board
from board.store import journal as journal_module
from board.store.journal import DELTA, HEADER, JOURNAL_NAME, latest_records

from ..factories import OTHER_UNIT, UNIT, seeded_store
from ..helpers import eventually


def unit_file_titles(folder: Path, unit_id: str) -> set[str]:
    path = folder / 'units' / f'{unit_id}.json'
    if not path.exists():
        return set()
    return {doc['title'] for doc in orjson.loads(path.read_bytes()).get('cards', {}).values()}


def titles_after_a_start(folder: Path, unit_id: str) -> list[str]:
    """The unit's card titles (sorted) as a store opened on ``folder`` has them: the journal recovered first."""
    store = Store(folder).open()
    try:
        return sorted(c.title for c in store.cards(unit_id))
    finally:
        store.close()


def crash_copy(store: Store, to: Path) -> Path:
    """The data folder as a crash at this moment leaves it (files and journal; the lock goes with the process)."""
    shutil.copytree(store.folder, to, ignore=shutil.ignore_patterns('.lock'))
    return to


def test_a_write_is_durable_in_the_journal_and_a_crash_before_the_checkpoint_loses_nothing(tmp_path):
    store = seeded_store(tmp_path / 'data')
    try:
        store.checkpoint()
        card = store.create_card(UNIT, CardFields(title='Bare i journalen'))
        assert card.title not in unit_file_titles(store.folder, UNIT)  # the file is rewritten later
        assert store.journal_pending() and store.journal_bytes() > len(HEADER)
        crashed = crash_copy(store, tmp_path / 'crashed')
    finally:
        store.close()
    again = Store(crashed).open()
    try:
        assert [c.title for c in again.cards(UNIT)] == ['Bare i journalen']
        assert card.title in unit_file_titles(crashed, UNIT)  # written back into the unit's file at the start
    finally:
        again.close()
    assert not (crashed / JOURNAL_NAME).exists()


def test_a_clean_stop_writes_every_file_and_removes_the_journal(tmp_path):
    store = seeded_store(tmp_path / 'data')
    store.create_card(UNIT, CardFields(title='Én'))
    store.create_card(OTHER_UNIT, CardFields(title='To'))
    store.close()
    assert not (tmp_path / 'data' / JOURNAL_NAME).exists()
    assert unit_file_titles(tmp_path / 'data', UNIT) == {'Én'}
    assert unit_file_titles(tmp_path / 'data', OTHER_UNIT) == {'To'}


async def test_the_writer_checkpoints_when_it_has_been_idle(tmp_path):
    store = await asyncio.to_thread(seeded_store, tmp_path / 'data')
    try:
        await asyncio.gather(*(store.run_grouped(unit, store.create_card, unit, CardFields(title=f'Idé {i}'))
                               for i, unit in enumerate([UNIT, OTHER_UNIT] * 10)))
        await eventually(lambda: not store.journal_pending(), seconds=5)
        assert store.journal_bytes() == len(HEADER)  # emptied
        assert len(unit_file_titles(store.folder, UNIT)) == 10
        assert len(unit_file_titles(store.folder, OTHER_UNIT)) == 10
    finally:
        await asyncio.to_thread(store.close)


def test_a_checkpoint_gives_way_to_waiting_writes_between_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(journal_module, 'CHECKPOINT_CHUNK', 1)
    store = seeded_store(tmp_path / 'data')
    try:
        store.checkpoint()
        store.create_card(UNIT, CardFields(title='A'))
        store.create_card(OTHER_UNIT, CardFields(title='B'))
        assert store.checkpoint(stop=lambda: True) is False  # one file written, then the writes waiting go first
        assert store.journal_pending() and store.journal_bytes() > len(HEADER)
        assert len(unit_file_titles(store.folder, UNIT) | unit_file_titles(store.folder, OTHER_UNIT)) == 1
        assert store.checkpoint() is True
        assert store.journal_bytes() == len(HEADER)
    finally:
        store.close()


def test_a_cut_off_end_is_ignored_and_a_strange_record_is_kept_aside(tmp_path, caplog):
    store = seeded_store(tmp_path / 'data')
    try:
        store.checkpoint()
        store.create_card(UNIT, CardFields(title='Før kuttet'))
        crashed = crash_copy(store, tmp_path / 'crashed')
    finally:
        store.close()
    journal = crashed / JOURNAL_NAME
    complete = journal.read_bytes()
    journal.write_bytes(complete + complete[len(HEADER):][:40])  # a record the crash cut off in the middle
    with caplog.at_level(logging.WARNING, logger='board.store'):
        again = Store(crashed).open()
    try:
        assert [c.title for c in again.cards(UNIT)] == ['Før kuttet']
    finally:
        again.close()
    assert '40 bytes at its end were cut off' in caplog.text
    assert not journal.exists()

    # a record for a file that is not a unit's (written by hand, or damaged into a valid one): never written back
    journal.write_bytes(HEADER + journal_module._record('organisation.json', b'{"units": {}}'))
    organisation = (crashed / 'organisation.json').read_bytes()
    again = Store(crashed).open()
    again.close()
    assert (crashed / 'organisation.json').read_bytes() == organisation
    [aside] = crashed.glob(f'{JOURNAL_NAME}.unreadable-*')
    assert aside.read_bytes().startswith(HEADER)
    assert 'not a unit file' in caplog.text


def test_a_failed_append_keeps_memory_as_the_disk_has_it_and_writing_works_again(tmp_path, monkeypatch):
    store = seeded_store(tmp_path / 'data')
    try:
        store.checkpoint()
        kept = store.create_card(UNIT, CardFields(title='I journalen'))  # not yet in the unit's file
        real_write = os.write

        def disk_full(fd: int, data: bytes) -> int:
            raise OSError(errno.ENOSPC, 'No space left on device')
        monkeypatch.setattr(os, 'write', disk_full)
        with pytest.raises(StoreWriteError):
            store.create_card(UNIT, CardFields(title='Får ikke plass'))
        # the card that is in the journal only is still there: memory goes back to the journal, not the old file
        assert [c.title for c in store.cards(UNIT)] == [kept.title]
        monkeypatch.setattr(os, 'write', real_write)
        store.create_card(UNIT, CardFields(title='Plass igjen'))
        crashed = crash_copy(store, tmp_path / 'crashed')
    finally:
        store.close()
    assert titles_after_a_start(crashed, UNIT) == ['I journalen', 'Plass igjen']


async def test_a_failed_append_fails_the_whole_group_and_tells_no_screen(tmp_path, monkeypatch):
    store = await asyncio.to_thread(seeded_store, tmp_path / 'data')
    heard: list[object] = []
    store.subscribe(heard.append)
    real_fdatasync = os.fdatasync

    def failing(fd: int) -> None:
        raise OSError(errno.EIO, 'Input/output error')
    try:
        monkeypatch.setattr(os, 'fdatasync', failing)
        results = await asyncio.gather(*(
            store.run_grouped(unit, store.create_card, unit, CardFields(title=f'Idé {i}'))
            for i, unit in enumerate([UNIT, OTHER_UNIT] * 3)), return_exceptions=True)
        assert all(isinstance(r, StoreWriteError) for r in results)
        assert store.cards(UNIT) == [] and store.cards(OTHER_UNIT) == []
        assert heard == []
        monkeypatch.setattr(os, 'fdatasync', real_fdatasync)
        card = await store.run_grouped(UNIT, store.create_card, UNIT, CardFields(title='Etter'))
        assert [c.id for c in store.cards(UNIT)] == [card.id]
    finally:
        monkeypatch.setattr(os, 'fdatasync', real_fdatasync)
        await asyncio.to_thread(store.close)
    again = await asyncio.to_thread(lambda: Store(tmp_path / 'data').open())
    try:
        assert [c.title for c in again.cards(UNIT)] == ['Etter']
    finally:
        await asyncio.to_thread(again.close)


def test_a_read_only_look_beside_a_running_hub_sees_what_is_in_the_journal(tmp_path):
    store = seeded_store(tmp_path / 'data')
    try:
        store.checkpoint()
        store.create_card(UNIT, CardFields(title='Nettopp sendt'))
        assert 'Nettopp sendt' not in unit_file_titles(store.folder, UNIT)
        reader = Store(store.folder, read_only=True).open()
        try:
            assert [c.title for c in reader.cards(UNIT)] == ['Nettopp sendt']
        finally:
            reader.close()
        assert store.journal_pending()  # the look changed nothing
    finally:
        store.close()


def test_a_backup_of_a_running_hub_has_what_is_in_the_journal(tmp_path):
    from board.backup import create_backup, restore_backup
    store = seeded_store(tmp_path / 'data')
    try:
        store.create_card(UNIT, CardFields(title='Rett før sikkerhetskopien'))
        archive = create_backup(store.folder, tmp_path / 'backups', keep=2, snapshot=store.snapshot)
        store.create_card(UNIT, CardFields(title='Etter sikkerhetskopien'))  # appended after: not in the backup
    finally:
        store.close()
    restore_backup(archive, tmp_path / 'data')
    restored = Store(tmp_path / 'data').open()
    try:
        assert [c.title for c in restored.cards(UNIT)] == ['Rett før sikkerhetskopien']
    finally:
        restored.close()


def test_the_newest_record_of_each_file_wins(tmp_path):
    journal = tmp_path / JOURNAL_NAME
    journal.write_bytes(HEADER + journal_module._record('units/a.json', b'{"n": 1}')
                        + journal_module._record('units/b.json', b'{"n": 2}')
                        + journal_module._record('units/a.json', b'{"n": 3}'))
    latest, found = latest_records(journal)
    assert latest == {'units/a.json': b'{"n": 3}', 'units/b.json': b'{"n": 2}'}
    assert (found.skipped, found.torn_bytes) == (0, 0)
    for name in ('../organisation.json', 'units/../../x.json', '/etc/passwd', 'units/a.txt'):
        journal.write_bytes(HEADER + journal_module._record(name, b'{}'))
        assert latest_records(journal)[0] == {}, name
    journal.write_bytes(HEADER + journal_module._record('units/a.json', b'[1, 2]'))  # not a TinyDB document
    assert latest_records(journal)[0] == {}


def test_a_damaged_record_keeps_the_journal_aside_and_zeros_at_the_end_are_a_cut_off_write(tmp_path, caplog):
    folder = tmp_path / 'data'
    (folder / 'units').mkdir(parents=True)
    first = journal_module._record('units/a.json', b'{"n": 1}')
    second = journal_module._record('units/b.json', b'{"n": 2}')
    journal = folder / JOURNAL_NAME
    journal.write_bytes(HEADER + first + second + bytes(300))  # a size that reached the disk before its data
    with caplog.at_level(logging.WARNING, logger='board.store'):
        found = journal_module.recover(folder)
    assert (found.files, found.skipped, found.damaged, found.torn_bytes) == (2, 0, False, 300)
    assert caplog.text.count('ERROR') == 0 and not journal.exists()

    damaged = bytearray(HEADER + first + second)
    damaged[len(HEADER) + len(first) - 2] ^= 0xFF  # one byte of the first record's content changed
    journal.write_bytes(bytes(damaged))
    (folder / 'units' / 'a.json').unlink()
    found = journal_module.recover(folder)
    assert found.damaged and found.files == 0
    assert not (folder / 'units' / 'a.json').exists()
    [aside] = folder.glob(f'{JOURNAL_NAME}.unreadable-*')
    assert aside.read_bytes() == bytes(damaged)  # nothing of it thrown away
    assert 'is damaged' in caplog.text


def test_a_refused_newest_record_does_not_let_an_older_one_back(tmp_path):
    journal = tmp_path / JOURNAL_NAME
    journal.write_bytes(HEADER + journal_module._record('units/a.json', b'{"n": 1}')
                        + journal_module._record('units/a.json', b'[]'))
    assert latest_records(journal)[0] == {}


def test_a_write_after_the_store_closed_fails_instead_of_landing_elsewhere(tmp_path):
    store = seeded_store(tmp_path / 'data')
    storage = store._board(UNIT).storage
    closed_fd = store._journal._fd  # type: ignore[union-attr]
    store.close()
    opened: list[tuple[int, Path]] = []
    try:
        while not opened or opened[-1][0] < closed_fd:  # new files take the lowest free numbers: the journal's too
            other = tmp_path / f'another-file-{len(opened)}'
            opened.append((os.open(other, os.O_RDWR | os.O_CREAT), other))
        assert closed_fd in [fd for fd, _ in opened]
        with pytest.raises(StoreWriteError):
            storage.write({'cards': {}})
    finally:
        for fd, _ in opened:
            os.close(fd)
    assert all(path.read_bytes() == b'' for _, path in opened)


def test_a_journal_that_could_not_be_emptied_durably_takes_no_write_until_a_checkpoint(tmp_path, monkeypatch):
    store = seeded_store(tmp_path / 'data')
    try:
        store.create_card(UNIT, CardFields(title='Før'))
        real_fsync = os.fsync
        journal_fd = store._journal._fd  # type: ignore[union-attr]

        def failing(fd: int) -> None:  # the unit files are written; emptying the journal cannot be made durable
            if fd == journal_fd:
                raise OSError(errno.EIO, 'Input/output error')
            real_fsync(fd)
        monkeypatch.setattr(os, 'fsync', failing)
        with pytest.raises(OSError):
            store.checkpoint()
        monkeypatch.setattr(os, 'fsync', real_fsync)
        assert store.journal_pending()  # the writer's next quiet moment repairs it
        with pytest.raises(StoreWriteError):
            store.create_card(UNIT, CardFields(title='Mens journalen er usikker'))
        assert store.checkpoint() is True
        store.create_card(UNIT, CardFields(title='Etter'))
        assert store.journal_bytes() == (tmp_path / 'data' / JOURNAL_NAME).stat().st_size
        crashed = crash_copy(store, tmp_path / 'crashed')
    finally:
        store.close()
    assert titles_after_a_start(crashed, UNIT) == ['Etter', 'Før']


def unit_files(folder: Path) -> dict[str, bytes]:
    """Each unit file's bytes: the order of documents counts (a card's log is in the order of its table)."""
    return {path.name: path.read_bytes() for path in sorted((folder / 'units').glob('*.json'))}


def test_a_crash_after_changes_of_every_kind_starts_with_the_files_as_memory_had_them(tmp_path, monkeypatch):
    """A write appends the documents it changed, not the whole file; what a crash leaves (the files as the last
    checkpoint left them, some rewritten by a checkpoint that gave way to writes, and the journal) starts as memory
    had it: every unit file, document for document."""
    monkeypatch.setattr(unit_board, 'MAX_LOG_PER_CARD', 3)  # a card's log trimmed: documents removed by a query
    monkeypatch.setattr(unit_board, 'MAX_LOG_ENTRIES', 12)  # the unit's log rewritten whole: a table replaced
    store = seeded_store(tmp_path / 'data')
    try:
        store.checkpoint()
        cards = [store.create_card(UNIT, CardFields(title=f'Kort {n}', goal_id='ventetid')) for n in range(8)]
        for turn in range(5):
            store.edit_card(UNIT, cards[0].id, CardFields(title=f'Endret {turn}'))
        store.move_card(UNIT, cards[1].id, Column.DOING, 0)
        store.delete_card(UNIT, cards[2].id)
        store.create_card(OTHER_UNIT, CardFields(title='Den andre enheten'))
        # a checkpoint that rewrites one file and then gives way: the journal keeps every record of both
        monkeypatch.setattr(journal_module, 'CHECKPOINT_CHUNK', 1)
        assert store.checkpoint(stop=lambda: True) is False
        store.restore_card(UNIT, cards[2].id)
        for turn in range(30):  # past the unit's bound of 12 entries: its log rewritten
            store.edit_card(UNIT, cards[3 + turn % 4].id, CardFields(title=f'Runde {turn}'))
        assert sum(map(len, store._board(UNIT).log.values())) <= 12
        now = datetime.now(UTC)
        store.record_meeting(Meeting(id='mote1', unit_id=UNIT, started_at=now - timedelta(minutes=15), ended_at=now,
                                     present=6, decisions=('Prøv i to uker',)))
        store.add_leader_note(UNIT, NoteKind.QUESTION, 'Hvordan gikk det?')
        store.record_goal_values(UNIT, [('ventetid', now.date(), 12.5)])

        async def wave() -> None:  # six ideas for one unit in one durable write: six new documents in one record
            await asyncio.gather(*(store.run_grouped(UNIT, store.create_card, UNIT, CardFields(title=f'Bølge {n}'))
                                   for n in range(6)))
        asyncio.run(wave())
        assert store.journal_pending()
        expected = {f'{unit}.json': store._board(unit).storage.content() for unit in (UNIT, OTHER_UNIT)}
        logs = {card.id: store.card_log(UNIT, card.id) for card in cards}
        crashed = crash_copy(store, tmp_path / 'crashed')
    finally:
        store.close()
    recovered = Store(crashed).open()
    try:
        assert {card.id: recovered.card_log(UNIT, card.id) for card in cards} == logs  # oldest first, as before
    finally:
        recovered.close()
    assert unit_files(crashed) == expected


async def test_a_change_that_failed_half_way_in_a_group_is_made_again_alone_without_its_half(tmp_path, monkeypatch):
    store = seeded_store(tmp_path / 'data')
    try:
        real_write_log = unit_board.UnitBoard.write_log
        calls = []

        def failing_once(board: unit_board.UnitBoard, entries: list) -> None:  # after the card was written
            calls.append(board.unit_id)
            if len(calls) == 2:
                raise RuntimeError('halvveis')
            real_write_log(board, entries)
        monkeypatch.setattr(unit_board.UnitBoard, 'write_log', failing_once)
        results = await asyncio.gather(*(store.run_grouped(unit, store.create_card, unit, CardFields(title=title))
                                         for unit, title in ((OTHER_UNIT, 'Første'), (UNIT, 'Halvveis'),
                                                             (OTHER_UNIT, 'Tredje'))), return_exceptions=True)
        assert len(calls) == 5 and all(not isinstance(r, BaseException) for r in results)  # made again, alone
        monkeypatch.setattr(unit_board.UnitBoard, 'write_log', real_write_log)
        await store.run_grouped(UNIT, store.create_card, UNIT, CardFields(title='Etterpå'))
        stored = [doc['title'] for doc in store._board(UNIT).storage.read()['cards'].values()]
        assert sorted(stored) == sorted(c.title for c in store.cards(UNIT)) == ['Etterpå', 'Halvveis']
        crashed = crash_copy(store, tmp_path / 'crashed')
    finally:
        store.close()
    assert titles_after_a_start(crashed, UNIT) == ['Etterpå', 'Halvveis']  # the half-made card is not there twice


def test_a_change_on_a_full_board_appends_a_record_the_size_of_the_change(tmp_path, monkeypatch):
    monkeypatch.setattr(unit_board, 'MAX_LOG_PER_CARD', 3)
    store = seeded_store(tmp_path / 'data')
    try:
        cards = [store.create_card(UNIT, CardFields(title=f'Kort nummer {n} med en tittel av vanlig lengde'))
                 for n in range(300)]
        for turn in range(3):
            store.edit_card(UNIT, cards[0].id, CardFields(title=f'Før {turn}'))  # its log at its bound of 3
        grew = []
        for title in ('Enda en idé fra mobilen', None, None):  # a new card; a card whose log is trimmed (twice)
            before = store.journal_bytes()
            if title:
                store.create_card(UNIT, CardFields(title=title))
            else:
                store.edit_card(UNIT, cards[0].id, CardFields(title=f'Endret {len(grew)}'))
            grew.append(store.journal_bytes() - before)
        file_size = len(store._board(UNIT).storage.content())
    finally:
        store.close()
    store = Store(tmp_path / 'data').open()  # the first write after a start: as small (a kick-off after a restart)
    try:
        before = store.journal_bytes()
        store.create_card(UNIT, CardFields(title='Første etter omstart'))
        grew.append(store.journal_bytes() - before)
        crashed = crash_copy(store, tmp_path / 'crashed')
    finally:
        store.close()
    assert titles_after_a_start(crashed, UNIT).count('Første etter omstart') == 1  # applied onto the file
    assert file_size > 100_000 and max(grew) < 2_000, (file_size, grew)


def test_a_journal_an_earlier_release_left_is_still_written_back(tmp_path):
    store = seeded_store(tmp_path / 'data')
    unit_file = tmp_path / 'data' / 'units' / f'{UNIT}.json'
    try:
        store.checkpoint()
        before = unit_file.read_bytes()
        card = store.create_card(UNIT, CardFields(title='Fra en eldre utgave'))
        payload = store._board(UNIT).storage.content()
    finally:
        store.close()
    name = f'units/{UNIT}.json'.encode()
    old_record = (journal_module._RECORD.pack(len(name), len(payload), journal_module._checksum(name, payload))
                  + name + payload)  # no kind byte: a record of the earlier layout is the whole file, a JSON object
    (tmp_path / 'data' / JOURNAL_NAME).write_bytes(HEADER + old_record)
    unit_file.write_bytes(before)  # as the crash left it
    assert titles_after_a_start(tmp_path / 'data', UNIT) == [card.title]
    assert not (tmp_path / 'data' / JOURNAL_NAME).exists()


def test_changed_documents_are_applied_onto_the_file_as_the_last_checkpoint_left_it(tmp_path, caplog):
    (tmp_path / 'units').mkdir()
    (tmp_path / 'units' / 'a.json').write_bytes(orjson.dumps(
        {'cards': {'1': {'id': 'en'}, '2': {'id': 'to'}}, 'log': {'1': {'card_id': 'en'}}}))
    change = {'replace': {'log': {}}, 'set': {'cards': {'2': {'id': 'to endret'}, '3': {'id': 'tre'}}},
              'del': {'cards': ['1']}}
    journal = tmp_path / JOURNAL_NAME
    journal.write_bytes(HEADER + journal_module._record('units/a.json', orjson.dumps(change), DELTA))
    latest, found = latest_records(journal)
    assert orjson.loads(latest['units/a.json']) == {'cards': {'2': {'id': 'to endret'}, '3': {'id': 'tre'}},
                                                    'log': {}}
    assert found.skipped == 0
    # a change of another shape is not applied, and neither is anything of that file after it
    deep = b'{"set": {"cards": {"9": ' + b'{"a": ' * 300 + b'1' + b'}' * 300 + b'}}}'  # deeper than is written
    for strange in (b'[1]', b'{"set": {"cards": []}}', b'{"del": {"cards": [1]}}', b'{"rename": {}}', b'nei', deep):
        journal.write_bytes(HEADER + journal_module._record('units/a.json', strange, DELTA)
                            + journal_module._record('units/a.json', orjson.dumps(change), DELTA)
                            + journal_module._record('units/b.json', b'{"n": 2}'))
        with caplog.at_level(logging.ERROR, logger='board.store'):
            latest, found = latest_records(journal)
        assert latest == {'units/b.json': b'{"n": 2}'} and found.skipped == 1, strange  # the other file is kept
    assert 'cannot be applied' in caplog.text
    # at a start: the unit's file stays as the checkpoint left it, the other file is written, the journal kept aside
    journal.write_bytes(HEADER + journal_module._record('units/a.json', deep, DELTA)
                        + journal_module._record('units/b.json', b'{"n": 2}'))
    before = (tmp_path / 'units' / 'a.json').read_bytes()
    found = journal_module.recover(tmp_path)
    assert (found.files, found.skipped) == (1, 1)
    assert (tmp_path / 'units' / 'a.json').read_bytes() == before
    assert (tmp_path / 'units' / 'b.json').read_bytes() == b'{"n": 2}'
    assert not journal.exists() and list(tmp_path.glob(f'{JOURNAL_NAME}.unreadable-*'))
