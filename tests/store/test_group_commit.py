"""Group commit (issue 18): writes for units that reach the writer at the same moment share one durable write,
every acknowledgement still after its data is on disk; a refused write is refused alone; a disk that fails one
unit's file fails that unit's writes only, and nothing of them stays in memory or reaches the screens; a write that
fails half-way makes the group run one by one."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from board import atomicfile
from board.domain import Card, CardFields, RuleViolation
from board.store import Store, StoreWriteError, core
from board.store import files as store_files
from board.store.journal import Journal

from ..factories import OTHER_UNIT, UNIT, seeded_store
from ..helpers import eventually


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many files each durable write of a group made durable (one entry per group: files rewritten side by
    side, or records appended to the journal at once)."""
    calls: list[int] = []
    original = atomicfile.write_atomic_many
    append = Journal.append

    def counting(files: list[tuple[Path, bytes, int]]) -> dict[Path, OSError | None]:
        calls.append(len(files))
        return original(files)

    def appending(journal: Journal, entries) -> None:
        entries = list(entries)
        if len(entries) > 1:
            calls.append(len(entries))
        append(journal, entries)
    monkeypatch.setattr(store_files, 'write_atomic_many', counting)
    monkeypatch.setattr(Journal, 'append', appending)
    return calls


@pytest.mark.parametrize('journaled', [True, False], ids=['journal', 'files'])
async def test_a_burst_of_writes_shares_durable_writes_and_every_one_is_on_disk(tmp_path, counted, journaled):
    store = await asyncio.to_thread(seeded_store, tmp_path / 'data', journaled=journaled)
    heard: list[object] = []
    store.subscribe(heard.append)
    try:
        cards = await asyncio.gather(*(
            store.run_grouped(unit, store.create_card, unit, CardFields(title=f'Idé {i}'))
            for i, unit in enumerate([UNIT, OTHER_UNIT] * 30)))
    finally:
        await asyncio.to_thread(store.close)
    assert len({c.id for c in cards}) == 60
    assert counted and sum(counted) < 60  # fewer durable writes than changes
    assert len(heard) == 60  # every change told once, after it was on disk
    again = await asyncio.to_thread(lambda: Store(tmp_path / 'data').open())
    try:
        assert len(again.cards(UNIT)) == 30 and len(again.cards(OTHER_UNIT)) == 30
    finally:
        await asyncio.to_thread(again.close)


async def test_a_refused_write_is_refused_alone(tmp_path, counted):
    store = await asyncio.to_thread(seeded_store, tmp_path / 'data')
    try:
        results = await asyncio.gather(
            *(store.run_grouped(UNIT, store.create_card, UNIT, CardFields(title=title))
              for title in ('Første', '   ', 'Tredje')), return_exceptions=True)
    finally:
        await asyncio.to_thread(store.close)
    assert isinstance(results[1], RuleViolation)
    assert [getattr(r, 'title', None) for r in results] == ['Første', None, 'Tredje']
    again = await asyncio.to_thread(lambda: Store(tmp_path / 'data').open())
    try:
        assert sorted(c.title for c in again.cards(UNIT)) == ['Første', 'Tredje']
    finally:
        await asyncio.to_thread(again.close)


async def test_a_disk_failing_one_units_file_fails_that_units_writes_only(tmp_path, monkeypatch):
    # without the journal each unit's file is written on its own (with it, one append: see test_journal.py)
    store = await asyncio.to_thread(seeded_store, tmp_path / 'data', journaled=False)
    original = atomicfile.write_atomic_many

    def failing(files: list[tuple[Path, bytes, int]]) -> dict[Path, OSError | None]:
        kept = [f for f in files if f[0].name != f'{UNIT}.json']
        result = original(kept) if kept else {}
        return result | {f[0]: OSError(28, 'No space left on device') for f in files if f[0].name == f'{UNIT}.json'}
    monkeypatch.setattr(store_files, 'write_atomic_many', failing)
    heard: list[object] = []
    store.subscribe(heard.append)
    try:
        results = await asyncio.gather(*(
            store.run_grouped(unit, store.create_card, unit, CardFields(title=f'Idé {i}'))
            for i, unit in enumerate([UNIT, OTHER_UNIT] * 3)), return_exceptions=True)
        assert [isinstance(r, StoreWriteError) for r in results] == [True, False] * 3
        assert store.cards(UNIT) == []  # memory never runs ahead of the disk
        assert len(store.cards(OTHER_UNIT)) == 3
        await eventually(lambda: len(heard) >= 3)  # the screens are told just after the callers are answered
        assert {getattr(c, 'unit_id', None) for c in heard} == {OTHER_UNIT}
        monkeypatch.setattr(store_files, 'write_atomic_many', original)
        card = await store.run_grouped(UNIT, store.create_card, UNIT, CardFields(title='Etter'))
        assert [c.id for c in store.cards(UNIT)] == [card.id]  # writing works again when the disk does
    finally:
        await asyncio.to_thread(store.close)


async def test_a_write_that_fails_half_way_makes_the_group_run_one_by_one(tmp_path):
    store = await asyncio.to_thread(seeded_store, tmp_path / 'data')

    def half_way(unit_id: str) -> None:
        store.create_card(unit_id, CardFields(title='Halvveis'))
        raise ValueError('a fault after writing')
    try:
        results = await asyncio.gather(
            store.run_grouped(UNIT, store.create_card, UNIT, CardFields(title='Før')),
            store.run_grouped(UNIT, half_way, UNIT),
            store.run_grouped(UNIT, store.create_card, UNIT, CardFields(title='Etter')), return_exceptions=True)
        assert isinstance(results[1], ValueError)
        # made one by one, the fault's own card was written before it failed: as without group commit
        assert sorted(c.title for c in store.cards(UNIT)) == ['Etter', 'Før', 'Halvveis']
    finally:
        await asyncio.to_thread(store.close)


async def test_without_group_commit_each_write_is_durable_on_its_own(tmp_path, counted):
    store = await asyncio.to_thread(seeded_store, tmp_path / 'data', group_commit=False)
    try:
        await asyncio.gather(*(store.run_grouped(UNIT, store.create_card, UNIT, CardFields(title=f'Idé {i}'))
                               for i in range(10)))
    finally:
        await asyncio.to_thread(store.close)
    assert counted == []  # never a group


def test_the_archives_gains_index_is_kept_on_disk_for_the_next_start(tmp_path, caplog):
    from bench.store_writes import build_history
    from board.store.archive import INDEX_FILE
    store = build_history(tmp_path / 'data', 5_000, gain_share=0.25)  # 31 of each unit's 71 in the archives
    first = sorted((e.unit_id, e.card_id) for e in store.gain_entries())
    store.close()
    index = tmp_path / 'data' / 'archive' / INDEX_FILE
    assert index.exists()
    again = Store(tmp_path / 'data').open()
    try:
        assert again.archive._gain_cache  # the start has them without reading an archive
        assert again.unindexed_archives() == []  # nothing for the hub to read after its start
        assert sorted((e.unit_id, e.card_id) for e in again.gain_entries()) == first
        unit_id = again.organisation.units[0].id
        year = again.archive_years(unit_id)[0]
        changed = again.archive.path(unit_id, year)
        changed.write_bytes(changed.read_bytes() + b' ')  # changed since it was indexed: read again
        assert again.unindexed_archives() == [(unit_id, year)]
        again.index_archive(unit_id, year)
        assert again.unindexed_archives() == []
    finally:
        again.close()
    index.write_text('not json')  # a cache: broken, it is built again
    third = Store(tmp_path / 'data').open()
    try:
        assert len(third.unindexed_archives()) == sum(len(third.archive_years(u.id)) for u in third.organisation.units)
        assert sorted((e.unit_id, e.card_id) for e in third.gain_entries()) == first
        assert 'cannot be read' in caplog.text
    finally:
        third.close()


async def test_a_write_whose_caller_gave_up_waiting_is_not_made_and_the_writer_goes_on(tmp_path):
    store = await asyncio.to_thread(seeded_store, tmp_path / 'data')
    try:
        waiting = [asyncio.ensure_future(store.run_grouped(UNIT, store.create_card, UNIT, CardFields(title=f'Idé {i}')))
                   for i in range(20)]
        await asyncio.sleep(0)
        for task in waiting[10:]:
            task.cancel()  # a phone that gave up (the connection dropped)
        await asyncio.gather(*waiting, return_exceptions=True)
        after = await store.run_grouped(UNIT, store.create_card, UNIT, CardFields(title='Etterpå'))
        titles = {c.title for c in store.cards(UNIT)}
        assert after.title in titles and {f'Idé {i}' for i in range(10)} <= titles
    finally:
        await asyncio.to_thread(store.close)



async def test_the_callers_of_a_group_are_answered_before_the_screens_are_told(tmp_path, monkeypatch):
    # a phone waits for its answer; the screens draw the new cards a moment later (both only after the disk)
    store = await asyncio.to_thread(seeded_store, tmp_path / 'data')
    answered: set[str] = set()
    original = core._answer

    def recording(job: core._Job, value: object, error: BaseException | None) -> None:
        if isinstance(value, Card):
            answered.add(value.id)
        original(job, value, error)
    monkeypatch.setattr(core, '_answer', recording)
    told_after_answer: list[bool] = []
    store.subscribe(lambda change: told_after_answer.append(change.card.id in answered))
    try:
        await asyncio.gather(*(store.run_grouped(unit, store.create_card, unit, CardFields(title=f'Idé {i}'))
                               for i, unit in enumerate([UNIT, OTHER_UNIT] * 20)))
    finally:
        await asyncio.to_thread(store.close)
    assert told_after_answer == [True] * 40


async def test_the_writer_says_whether_it_is_busy(tmp_path):
    store = await asyncio.to_thread(seeded_store, tmp_path / 'data')
    release = threading.Event()
    try:
        await eventually(lambda: not store.writer_busy())
        running = asyncio.ensure_future(store.run(release.wait, 5))
        await eventually(store.writer_busy)  # a write under way
        queued = asyncio.ensure_future(store.run_grouped(UNIT, store.create_card, UNIT, CardFields(title='Neste')))
        release.set()
        await asyncio.gather(running, queued)
        await eventually(lambda: not store.writer_busy())
    finally:
        release.set()
        await asyncio.to_thread(store.close)
