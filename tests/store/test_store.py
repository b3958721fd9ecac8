import errno
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from board.domain import CardFields, Column, Goal, Origin, PdcaStage, RuleViolation
from board.store import (
    AtomicJSONStorage,
    CardChanged,
    CardsArchived,
    DataFileError,
    Store,
    StoreWriteError,
)
from board.store.files import FORMAT

from ..factories import OTHER_UNIT, UNIT, seeded_store


def reopen(store: Store) -> Store:
    store.close()
    return Store(store.folder, archive_after_weeks=store.archive_after_weeks, now=store.now).open()


def test_cards_survive_a_restart_as_domain_objects(store):
    created = store.create_card(UNIT, CardFields(title='Færre telefoner på kveldsvakt', goal_id='ventetid',
                                                 owner='Kari', quick_win=True), origin=Origin.PHONE)
    again = reopen(store)
    try:
        assert again.card(UNIT, created.id) == created
        assert again.organisation.unit(UNIT).name == 'Avdeling A'
        assert [g.name for g in again.goals(UNIT)] == ['Kortere ventetid', 'Trivsel']
        assert again.goals(UNIT)[0].measure.baseline == 3.1  # type: ignore[union-attr]
    finally:
        again.close()


def test_text_is_stored_exactly_as_typed_apart_from_surrounding_space(store):
    title = 'Ære, øl og «åpne» dører <b>ikke fet</b> \u200b😀'
    card = store.create_card(UNIT, CardFields(title=f'  {title}\n'))
    assert card.title == title
    store.checkpoint()  # the unit file as a restart reads it (a write is durable in the journal first)
    raw = json.loads((store.folder / 'units' / f'{UNIT}.json').read_text(encoding='utf-8'))
    assert title in [doc['title'] for doc in raw['cards'].values()]


def test_invalid_input_is_refused_and_nothing_is_lost(store):
    kept = store.create_card(UNIT, CardFields(title='Behold meg'))
    for fields in (CardFields(title=''), CardFields(title='x' * 201), CardFields(title='ok', description='y' * 4001)):
        with pytest.raises(RuleViolation):
            store.create_card(UNIT, fields)
        with pytest.raises(RuleViolation):
            store.edit_card(UNIT, kept.id, fields)
    assert [c.title for c in store.cards(UNIT)] == ['Behold meg']
    assert store.card(UNIT, kept.id) == kept


def test_every_change_bumps_the_unit_sequence_and_stamps_only_changed_fields(store):
    start = store.seq(UNIT)
    card = store.create_card(UNIT, CardFields(title='A'))
    assert card.seq == start + 1
    edited = store.edit_card(UNIT, card.id, CardFields(title='A', owner='Per'))
    assert edited.seq == start + 2
    assert edited.stamps['owner'] > card.stamps['owner']
    assert edited.stamps['title'] == card.stamps['title']
    assert store.seq(OTHER_UNIT) == 0
    moved = store.move_card(UNIT, card.id, Column.DOING, 0)
    assert moved.stamps['column'] > edited.stamps['column']
    assert store.seq(UNIT) == start + 3
    assert reopen(store).seq(UNIT) == start + 3


def test_a_change_records_where_it_came_from_and_who_made_it(store):
    card = store.create_card(UNIT, CardFields(title='Fra mobilen'), origin=Origin.PHONE)
    assert (card.origin, card.created_by, card.changed_origin) == (Origin.PHONE, '', Origin.PHONE)
    edited = store.edit_card(UNIT, card.id, CardFields(title='Fra mobilen', owner='Kari'), origin=Origin.LEADER,
                             by='Leder Lise')
    assert (edited.origin, edited.changed_origin, edited.changed_by) == (Origin.PHONE, Origin.LEADER, 'Leder Lise')
    moved = store.move_card(UNIT, card.id, Column.DOING, 0)
    assert (moved.changed_origin, moved.changed_by) == (Origin.BOARD, '')
    assert reopen(store).card(UNIT, card.id) == moved


def test_unchanged_edit_writes_nothing(store):
    card = store.create_card(UNIT, CardFields(title='A'))
    assert store.edit_card(UNIT, card.id, CardFields(title='A')) == card
    assert store.seq(UNIT) == card.seq


def test_moves_place_cards_where_they_were_dropped(store):
    a, b, c = (store.create_card(UNIT, CardFields(title=t)) for t in 'abc')
    assert [x.title for x in store.cards(UNIT)] == ['c', 'b', 'a']  # newest on top
    store.move_card(UNIT, c.id, Column.IDEAS, 2)
    assert [x.title for x in store.cards(UNIT)] == ['b', 'a', 'c']
    store.move_card(UNIT, a.id, Column.DOING, 0)
    store.move_card(UNIT, b.id, Column.DOING, 1)
    doing = [x for x in store.cards(UNIT) if x.column == Column.DOING]
    assert [x.title for x in doing] == ['a', 'b']
    assert doing[0].pdca == PdcaStage.PLAN


def test_a_refused_move_changes_nothing(store):
    card = store.create_card(UNIT, CardFields(title='Ikke rask'))
    with pytest.raises(RuleViolation):
        store.move_card(UNIT, card.id, Column.DONE, 0)
    assert store.card(UNIT, card.id) == card


def test_delete_leaves_a_tombstone_for_sync(store):
    card = store.create_card(UNIT, CardFields(title='Slett meg'))
    store.delete_card(UNIT, card.id)
    assert store.card(UNIT, card.id) is None
    assert store.cards(UNIT) == []
    store.checkpoint()  # the unit file as a restart reads it (a write is durable in the journal first)
    raw = json.loads((store.folder / 'units' / f'{UNIT}.json').read_text())
    [doc] = raw['cards'].values()
    assert doc['deleted'] is True
    with pytest.raises(RuleViolation):
        store.edit_card(UNIT, card.id, CardFields(title='x'))


def test_subscribers_get_each_committed_change(store):
    changes = []
    store.subscribe(changes.append)
    card = store.create_card(UNIT, CardFields(title='A'))
    with pytest.raises(RuleViolation):
        store.create_card(UNIT, CardFields(title=''))
    store.move_card(UNIT, card.id, Column.DOING, 0)
    assert [type(c) for c in changes] == [CardChanged, CardChanged]
    assert changes[1].previous == card
    assert changes[1].card.column == Column.DOING


def test_goal_edits_persist(store):
    goal = store.goals(UNIT)[1]
    store.save_goal(Goal(id=goal.id, unit_id=UNIT, name='Trivsel på jobb', colour='#D55E00', position=goal.position))
    assert reopen(store).goals(UNIT)[1].name == 'Trivsel på jobb'


def test_finished_cards_move_to_yearly_archive_after_the_configured_weeks(tmp_path):
    clock = {'now': datetime(2025, 12, 20, 12, tzinfo=UTC)}
    store = seeded_store(tmp_path / 'data', archive_after_weeks=4, now=lambda: clock['now'])
    old = store.create_card(UNIT, CardFields(title='Gammel', quick_win=True), column=Column.DONE)
    clock['now'] += timedelta(weeks=3)
    recent = store.create_card(UNIT, CardFields(title='Ny', quick_win=True), column=Column.DONE)
    archived = []
    store.subscribe(lambda c: archived.append(c) if isinstance(c, CardsArchived) else None)
    assert store.archive_finished() == 0
    clock['now'] += timedelta(weeks=2)
    assert store.archive_finished() == 1
    assert archived == [CardsArchived(UNIT, (old.id,))]
    assert [c.title for c in store.cards(UNIT)] == ['Ny']
    assert store.archive_years(UNIT) == [2025]
    assert [c.title for c in store.archived_cards(UNIT, 2025)] == ['Gammel']
    store = reopen(store)
    assert store.card(UNIT, recent.id) is not None
    assert store.card(UNIT, old.id) is None
    store.close()


def test_archiving_twice_after_a_crash_between_the_files_keeps_one_copy(tmp_path):
    clock = {'now': datetime(2026, 1, 5, tzinfo=UTC)}
    store = seeded_store(tmp_path / 'data', now=lambda: clock['now'])
    card = store.create_card(UNIT, CardFields(title='Ferdig', quick_win=True), column=Column.DONE)
    clock['now'] += timedelta(weeks=10)
    store.archive.write(UNIT, 2026, [card])  # the archive got its copy, then the process died
    assert store.archive_finished() == 1
    assert [c.id for c in store.archived_cards(UNIT, 2026)] == [card.id]
    store.close()


def test_a_broken_file_stops_the_start_and_is_left_untouched(store):
    store.create_card(UNIT, CardFields(title='A'))
    store.close()
    path = store.folder / 'units' / f'{UNIT}.json'
    broken = path.read_bytes()[:-7]
    path.write_bytes(broken)
    with pytest.raises(DataFileError) as error:
        Store(store.folder).open()
    assert str(path) in str(error.value)
    assert path.read_bytes() == broken


def test_a_file_with_the_wrong_shape_is_refused_too(store):
    store.close()
    path = store.folder / 'organisation.json'
    path.write_text('[1, 2, 3]')
    with pytest.raises(DataFileError, match=r'organisation\.json'):
        Store(store.folder).open()


def test_leftover_temporary_files_from_a_crash_are_cleared(store):
    store.close()
    stale = store.folder / 'units' / f'.{UNIT}.json.123.456.tmp'
    stale.write_text('{"half')
    reopen(store).close()
    assert not stale.exists()


def test_full_disk_fails_the_write_clearly_and_keeps_everything_earlier(store, monkeypatch):
    kept = store.create_card(UNIT, CardFields(title='Før disken ble full'))
    real_write = os.write

    def disk_full(fd, data):
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(os, 'write', disk_full)
    with pytest.raises(StoreWriteError) as error:
        store.create_card(UNIT, CardFields(title='Får ikke plass'))
    assert error.value.errno == errno.ENOSPC
    assert [c.title for c in store.cards(UNIT)] == [kept.title]
    monkeypatch.setattr(os, 'write', real_write)
    store.create_card(UNIT, CardFields(title='Plass igjen'))
    assert [c.title for c in reopen(store).cards(UNIT)] == ['Plass igjen', kept.title]
    assert not list(Path(store.folder / 'units').glob('.*.tmp'))


def test_atomic_storage_batches_writes_into_one_file_write(tmp_path, monkeypatch):
    storage = AtomicJSONStorage(tmp_path / 'x.json')
    replaced = []
    real_replace = os.replace
    monkeypatch.setattr(os, 'replace', lambda a, b: (replaced.append(b), real_replace(a, b)))
    with storage.batch():
        storage.write({'a': {}})
        storage.write({'a': {'1': {'x': 1}}})
    assert len(replaced) == 1
    # every file says which format wrote it (board/store/migrations.py)
    written = json.loads((tmp_path / 'x.json').read_text())
    assert written == {'a': {'1': {'x': 1}}, '_format': {'1': {'version': FORMAT}}}


def test_unknown_unit_is_a_key_error(store):
    with pytest.raises(KeyError, match='nope'):
        store.cards('nope')


async def test_writes_run_off_the_event_loop_on_one_thread(store):
    import threading
    names = set()

    def write(title):
        names.add(threading.current_thread().name)
        return store.create_card(UNIT, CardFields(title=title))

    import asyncio
    cards = await asyncio.gather(*(store.run(write, f'kort {i}') for i in range(20)))
    assert len({c.id for c in cards}) == 20
    assert len(names) == 1
    assert threading.current_thread().name not in names


def test_one_writer_per_data_folder_but_reading_beside_it_is_fine(store):
    from board.store.lock import DataFolderBusy
    with pytest.raises(DataFolderBusy, match='another board process'):
        Store(store.folder).open()
    stale = store.folder / 'units' / f'.{UNIT}.json.1.2.tmp'
    stale.write_text('{"a write in progress')
    reader = Store(store.folder, read_only=True).open()
    assert reader.unit(UNIT).name == 'Avdeling A'
    assert stale.exists()  # a reader never touches what may be the writer's write in progress
    reader.close()


def test_closing_while_a_write_runs_waits_for_it_instead_of_deadlocking(tmp_path):
    import threading
    import time
    store = seeded_store(tmp_path / 'data')
    started = threading.Event()

    def archiving_at_start() -> int:  # like the hub's archive pass, still running when a test or the hub stops
        started.set()
        time.sleep(0.2)
        return store.archive_finished()

    running = store._writer.submit(archiving_at_start)  # type: ignore[union-attr]
    started.wait()
    closer = threading.Thread(target=store.close)
    closer.start()
    closer.join(timeout=5)
    assert not closer.is_alive(), 'close() deadlocked with the running write'
    assert running.result(timeout=1) == 0


def test_the_boards_table_does_what_tinydbs_own_table_does():
    """``BoardTable`` only changes how an operation reaches the stored documents: the same operations on it and on
    TinyDB's own table leave the same documents under the same ids."""
    from tinydb import Query, TinyDB
    from tinydb.storages import MemoryStorage
    from tinydb.table import Document

    from board.store.files import BoardDB

    def script(db: TinyDB) -> list[object]:
        table, seen = db.table('cards'), []
        seen.append(table.insert({'id': 'a', 'n': 1}))
        seen.append(table.insert_multiple({'id': i, 'n': n} for n, i in enumerate('bcdef', start=2)))
        seen.append(table.update({'n': 20}, doc_ids=[2]))
        seen.append(table.update(lambda doc: doc.update(n=doc['n'] * 10), Query().n > 4))
        seen.append(table.upsert(Document({'id': 'c', 'n': 3}, doc_id=3)))
        seen.append(table.upsert({'id': 'g', 'n': 7}, Query().id == 'g'))
        seen.append(table.remove(doc_ids=[1]))
        seen.append(table.remove(Query().n == 50))
        seen.append(table.get(doc_id=3))
        seen.append([(doc.doc_id, dict(doc)) for doc in table.all()])
        seen.append([doc.doc_id for doc in table.search(Query().n >= 20)])
        seen.append((len(table), table.contains(doc_id=2), table.contains(doc_id=1)))
        with pytest.raises(ValueError):
            table.insert(Document({'id': 'x'}, doc_id=2))  # an id in use is refused by both
        table.truncate()
        seen.append(table.insert({'id': 'h'}))
        db.table('log').insert({'card_id': 'h'})
        seen.append(db.storage.read())
        return seen

    assert script(BoardDB(storage=MemoryStorage)) == script(TinyDB(storage=MemoryStorage))


def test_a_write_leaves_the_table_a_reader_holds_as_it_was(tmp_path):
    from board.store.files import open_db
    db = open_db(tmp_path / 'x.json')
    table = db.table('cards')
    table.insert_multiple({'id': str(n)} for n in range(3))
    held = db.storage.read()['cards']  # what a reader on another thread iterates
    table.insert({'id': 'ny'})
    table.remove(doc_ids=[1])
    assert list(held) == ['1', '2', '3']
    assert list(db.storage.read()['cards']) == ['2', '3', '4']


def test_a_new_card_goes_on_top_of_its_column_as_the_sorted_column_has_it(store):
    board = store._board(UNIT)
    assert board.top_of(Column.DOING) is None or board.top_of(Column.DOING) == board.column(Column.DOING)[0]
    cards = [store.create_card(UNIT, CardFields(title=f'Kort {n}')) for n in range(5)]
    store.move_card(UNIT, cards[0].id, Column.IDEAS, 0)  # dropped on top again
    store.move_card(UNIT, cards[3].id, Column.DOING, 1)
    store.delete_card(UNIT, cards[1].id)
    for column in Column:
        ordered = board.column(column)
        assert board.top_of(column) == (ordered[0] if ordered else None)
    newest = store.create_card(UNIT, CardFields(title='Øverst'))
    assert board.column(Column.IDEAS)[0].id == newest.id
