"""The files under the store: TinyDB's storage made atomic and durable, and the errors a person must see.

A write goes to a temporary file in the same folder, is fsynced, renamed over the data file and the folder is
fsynced (``board.atomicfile``), so a kill or power cut leaves the old file or the new one. A file that does not
parse is never overwritten: reading it raises :class:`DataFileError` naming it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

from ..atomicfile import TEMPORARY_PATTERN, write_atomic, write_atomic_many
from .journal import DELTA, FULL, JOURNAL_NAME, Journal, apply_delta

__all__ = ['FORMAT', 'SKIPPED', 'AtomicJSONStorage', 'DataFileError', 'EventLoopWriteError', 'FileTooLarge',
           'GroupCommit', 'StoreWriteError', 'current_group', 'document', 'group_commit', 'guard_event_loop', 'open_db',
           'remove_stale_temporary_files', 'snapshot_files']

log = logging.getLogger('board.store')


#: the format of the data files this release reads and writes (see ``board.store.migrations``)
FORMAT = 4


class DataFileError(RuntimeError):
    """A data file that does not parse. It is left exactly as it is; a person must look at it."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        super().__init__(f'data file {path} cannot be read ({reason}); it has not been changed')


class StoreWriteError(RuntimeError):
    """A write could not be made durable (e.g. the disk is full). Nothing stored before it is lost."""

    def __init__(self, path: Path, error: OSError | TypeError) -> None:
        self.path = path
        self.errno = getattr(error, 'errno', None)
        super().__init__(f'could not write {path}: {getattr(error, "strerror", None) or error}')



class FileTooLarge(StoreWriteError):
    """A write would take a file past its size limit: refused, and nothing of it is kept (memory included)."""

    def __init__(self, path: Path, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(path, OSError(f'{size} bytes, more than the limit of {limit}'))


class GroupCommit:
    """Several changes made one after the other on the store's writer, made durable together (``group_commit``).

    While a group is open on a thread, a storage's write is kept in memory and the storage joins the group; at the
    end, :meth:`commit` makes every file the group changed durable: the journaled ones (the units' boards) with one
    append to the store's journal (``board.store.journal``), any other written side by side (``write_atomic_many``).
    A change that fails after writing part of itself marks the group ``spoilt``: the store then undoes the group in
    memory and makes its changes one by one.
    """

    def __init__(self) -> None:
        self.storages: dict[int, AtomicJSONStorage] = {}
        self.spoilt = False
        #: writes taken by any storage while the group is open (tells whether a failed change wrote anything)
        self.writes = 0

    def add(self, storage: AtomicJSONStorage) -> None:
        self.storages[id(storage)] = storage

    def joined(self) -> set[int]:
        return set(self.storages)

    def commit(self) -> dict[int, StoreWriteError | None]:
        """Write every changed file durably; per storage, None or why its change did not reach the disk (its memory
        is then dropped, so it reads the file as it is)."""
        result: dict[int, StoreWriteError | None] = {}
        journaled: list[tuple[AtomicJSONStorage, bytes, bytes]] = []
        rewritten: list[tuple[AtomicJSONStorage, bytes]] = []
        for key, storage in self.storages.items():
            refuse_on_event_loop(storage.path)
            try:
                if storage.journal is not None:
                    journaled.append((storage, *storage.journal_record()))
                else:
                    rewritten.append((storage, storage.payload()))
            except StoreWriteError as error:
                result[key] = error
        written = write_atomic_many([(storage.path, payload, 0o640) for storage, payload in rewritten]) \
            if rewritten else {}
        if journaled:
            journal = journaled[0][0].journal
            assert journal is not None and all(storage.journal is journal for storage, _, _ in journaled)
            try:
                journal.append(journaled)
                failure: OSError | None = None
            except OSError as error:
                failure = error
            written.update((storage.path, failure) for storage, _, _ in journaled)
        for storage in [storage for storage, *_ in journaled] + [storage for storage, _ in rewritten]:
            failure = written[storage.path]
            if failure is not None:
                storage.forget()  # memory must never run ahead of the disk
                log.error('write of %s failed: %s', storage.path, failure)
                result[id(storage)] = StoreWriteError(storage.path, failure)
            else:
                result[id(storage)] = None
        return result


_groups = threading.local()


def current_group() -> GroupCommit | None:
    return getattr(_groups, 'group', None)


@contextlib.contextmanager
def group_commit() -> Iterator[GroupCommit]:
    """Open a group on this thread (see :class:`GroupCommit`); the caller commits it."""
    group = GroupCommit()
    _groups.group = group
    try:
        yield group
    finally:
        _groups.group = None


class EventLoopWriteError(RuntimeError):
    """A durable write was attempted on a thread running an event loop: a bug, since every screen would wait.

    Writes go through the store's writer (``await store.run(...)``); this check makes a forgotten one fail in the
    tests instead of freezing 70 wall screens for the length of an fsync in production.
    """


_guard = {'on': False}


def guard_event_loop(on: bool = True) -> None:
    """Refuse durable writes on any thread that runs an event loop (the app turns this on while it serves).

    A command-line tool or a benchmark that prepares data inside its own event loop is not serving screens, so
    the check belongs to the serving process only.
    """
    _guard['on'] = on


def refuse_on_event_loop(path: Path) -> None:
    if not _guard['on']:
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return  # no event loop in this thread: the store's writer, a worker thread or the command line
    raise EventLoopWriteError(f'durable write of {path} on the event loop thread; use "await store.run(...)"')


class AtomicJSONStorage(Storage):
    """TinyDB storage that writes atomically and durably, reads from memory and refuses a broken file.

    A write goes to a temporary file in the same folder, is fsynced, renamed over the data file with
    ``os.replace`` and the folder is fsynced, so a kill or power cut leaves the old file or the new one.
    If a write fails (disk full), the in-memory copy is dropped and read again from the newest durable content: the
    intact file, with the records of it appended to the journal since its last checkpoint (see ``journal``).
    """

    def __init__(self, path: str | os.PathLike[str], *, max_bytes: int | None = None,
                 journal: Journal | None = None, journaled: bytes | None = None) -> None:
        """``journal``: the store's write-ahead journal, which makes this file's writes durable (the file itself is
        rewritten at the journal's checkpoints); ``journaled``: the file's newest content if the journal has it and
        the file not yet (a read-only look beside a running hub)."""
        super().__init__()
        self.path = Path(path)
        #: a write that would make the file larger than this is refused (:class:`FileTooLarge`)
        self.max_bytes = max_bytes
        self.journal = journal
        #: a read-only look's: the newest durable content, from a running hub's journal (``journal.latest_records``)
        self.journaled = journaled
        self._data: dict[str, Any] | None = None
        self._depth = 0
        self._dirty = False
        #: how many writes this storage has taken (a group commit tells by it whether a failed change wrote)
        self.writes = 0
        #: the documents changed since the last durable write, by table (None: the whole table); None: not known,
        #: and the next record is the whole file (a new file's first write, a write no table described, or the first
        #: after memory was dropped, until it is read again)
        self._changes: dict[str, set[str] | None] | None = None
        #: whether the table writing now has described its change (:meth:`note`)
        self._noted = False
        #: at least the size of the file as the journal has it (the last whole content, plus every change since)
        self._bound: int | None = None
        #: the records of this file appended since its file was last rewritten: after a failed write, memory is read
        #: again from the file and these (the newest durable content), without reading the journal back
        self._since_checkpoint: list[tuple[bytes, bytes]] = []

    def read(self) -> dict[str, Any] | None:
        if self._data is None:
            records = self._since_checkpoint  # a whole-file record can only be the first (see appended)
            whole = bool(records) and records[0][0] == FULL
            try:
                raw = (self.journaled if self.journaled is not None else records[0][1] if whole
                       else self.path.read_bytes())
            except FileNotFoundError:
                if not records:
                    return None
                raw = b'{}'  # a new file whose first record is a change (not made so: see journal_record)
            applied = records[1:] if whole else records  # after a failed write
            try:
                data = orjson.loads(raw)
                if isinstance(data, dict):
                    for _, body in applied:
                        apply_delta(data, orjson.loads(body))
            except (UnicodeDecodeError, ValueError) as error:
                raise DataFileError(self.path, f'not valid JSON: {error}') from error
            if not isinstance(data, dict):
                raise DataFileError(self.path, 'not a TinyDB document')
            self._data = data
            # memory is the durable content now: the next record may be the documents changed (a unit's first write
            # after a start is as small as any, not its whole file), and the file is at most this large
            self._changes = {}
            self._bound = len(raw) + sum(len(body) for _, body in applied)
        return self._data

    def note(self, table: str, doc_ids: set[str] | None) -> None:
        """What the table about to write changed: these documents (by id), or the whole table (None)."""
        changes = self._changes
        if changes is not None:
            known = changes.get(table, set())
            changes[table] = None if doc_ids is None or known is None else known | doc_ids
        self._noted = True

    def write(self, data: dict[str, Any]) -> None:
        data['_format'] = {'1': {'version': FORMAT}}  # every file says which format wrote it
        if not self._noted:
            self._changes = None  # a write no table described: the journal gets the whole file
        self._noted = False
        self._data = data
        self.writes += 1
        group = current_group()
        if group is not None:
            group.writes += 1
        if self._depth:
            self._dirty = True
        elif group is not None:
            group.add(self)
        else:
            self._flush()

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Collect the writes inside the block into one durable file write at its end."""
        self._depth += 1
        writes = self.writes
        try:
            yield
        except BaseException:
            self._depth -= 1
            group = current_group()
            if group is not None and self.writes != writes:
                group.spoilt = True  # a change failed half-way in a group: the group is undone and made one by one
            elif self._depth == 0 and self._dirty and group is None:
                self.forget()  # drop the half-made change; the disk still has the old state
            raise
        self._depth -= 1
        if self._depth == 0 and self._dirty:
            group = current_group()
            if group is not None:
                self._dirty = False
                group.add(self)
            else:
                self._flush()

    def close(self) -> None:
        pass

    def payload(self) -> bytes:
        """The file's content as it will be written; raises :class:`FileTooLarge` (dropping the change) or
        :class:`StoreWriteError`."""
        payload = self._encode(self._data)  # orjson: about 14x faster than json for a board
        if self.max_bytes is not None and len(payload) > self.max_bytes:
            self.forget()
            log.warning('write of %s refused: %d bytes, more than %d', self.path, len(payload), self.max_bytes)
            raise FileTooLarge(self.path, len(payload), self.max_bytes)
        return payload

    def journal_record(self) -> tuple[bytes, bytes]:
        """What the journal appends for the change: the documents it changed (``journal.DELTA``), a few hundred
        bytes whatever the board's size, or the whole file (``journal.FULL``) for a new file, after a write no table
        described, or when the file could grow past its limit (then measured, :meth:`payload`). Raises like
        :meth:`payload`."""
        if self._changes is not None and self._bound is not None:
            delta = self._encode(self.delta())
            if self.max_bytes is None or self._bound + len(delta) <= self.max_bytes:
                return DELTA, delta
        return FULL, self.payload()

    def delta(self) -> dict[str, Any]:
        """The change since the last durable write, for ``journal.apply_delta``: tables changed whole, documents set
        and documents removed (by id), each as memory has it now."""
        data = self._data or {}
        replace: dict[str, Any] = {'_format': data.get('_format', {})}
        set_docs: dict[str, dict[str, Any]] = {}
        removed: dict[str, list[str]] = {}
        for table, doc_ids in (self._changes or {}).items():
            stored = data.get(table, {})
            if doc_ids is None:
                replace[table] = stored
                continue
            # in the order of their ids, as memory has them (an id is never given twice but after a truncate, which
            # replaces the table whole): the order of a card's log entries is their order in the table
            for doc_id in sorted(doc_ids, key=lambda key: (len(key), key)):
                if doc_id in stored:
                    set_docs.setdefault(table, {})[doc_id] = stored[doc_id]
                else:
                    removed.setdefault(table, []).append(doc_id)
        return {'replace': replace, 'set': set_docs, 'del': removed}

    def content(self) -> bytes:
        """The whole content as memory has it (a checkpoint writes it into the file)."""
        return self._encode(self.read())

    def appended(self, kind: bytes, body: bytes) -> None:
        self._bound = len(body) if kind == FULL or self._bound is None else self._bound + len(body)
        self._changes = {}
        if kind == FULL:
            self._since_checkpoint = [(kind, body)]
        else:
            self._since_checkpoint.append((kind, body))

    def checkpointed(self, size: int) -> None:
        self._bound = size
        self._since_checkpoint = []

    def forget(self) -> None:
        """Drop what is in memory: the next read takes the newest durable content (the file, with this file's
        records in the journal since its checkpoint applied)."""
        self._data, self._dirty, self._changes, self._bound = None, False, None, None

    def _encode(self, value: object) -> bytes:
        try:
            return orjson.dumps(value)
        except TypeError as error:  # content orjson cannot encode (validation keeps it out)
            self.forget()
            raise StoreWriteError(self.path, error) from error

    def _flush(self) -> None:
        refuse_on_event_loop(self.path)
        self._dirty = False
        try:
            if self.journal is not None:
                self.journal.append([(self, *self.journal_record())])
            else:
                write_atomic(self.path, self.payload())
        except (OSError, TypeError) as error:  # TypeError: content orjson cannot encode (validation keeps it out)
            self.forget()  # memory must never run ahead of the disk
            log.error('write of %s failed: %s', self.path, error)
            raise StoreWriteError(self.path, error) from error


class _ById(MutableMapping[int, Any]):
    """A table's stored documents (keyed by the id as a string, as in the file) seen with integer ids, as TinyDB's
    table operations expect them: each id is converted when it is used, not every id of the table."""

    __slots__ = ('cleared', 'raw', 'touched')

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        #: the ids of the documents the operation may have changed (one it reads it may change in place)
        self.touched: set[str] = set()
        self.cleared = False

    def __getitem__(self, doc_id: int) -> Any:
        key = str(doc_id)
        self.touched.add(key)
        return self.raw[key]

    def __setitem__(self, doc_id: int, document: Any) -> None:
        key = str(doc_id)
        self.touched.add(key)
        self.raw[key] = document

    def __delitem__(self, doc_id: int) -> None:
        key = str(doc_id)
        self.touched.add(key)
        del self.raw[key]

    def __contains__(self, doc_id: object) -> bool:
        return str(doc_id) in self.raw

    def __iter__(self) -> Iterator[int]:
        return (int(doc_id) for doc_id in list(self.raw))

    def __len__(self) -> int:
        return len(self.raw)

    def clear(self) -> None:
        self.cleared = True
        self.raw.clear()


class BoardTable(Table):
    """TinyDB's table, changed in two ways: an insert or a change by id costs the same however long the table is,
    and the storage is told which documents each operation changed (``AtomicJSONStorage.note``: the journal
    records those, not the file).

    TinyDB converts every document id of the table to an integer and back on each operation; a unit's board of
    300 cards and their logs spent more on that than on the change (bench/store_writes.py). Here the operation
    works on a copy of the stored table (a C-level copy: readers on other threads keep the table they had, as
    with TinyDB's own new dictionary) seen through :class:`_ById`, which notes the documents it hands out. An
    update or removal by a query finds the matching ids first, so the documents it only looked at are not noted.
    """

    def update(self, fields: Any, cond: Any = None, doc_ids: Iterable[int] | None = None) -> list[int]:
        if cond is not None and doc_ids is None:  # by id: the journal records the documents changed, not all read
            return super().update(fields, doc_ids=self._matching(cond))
        return super().update(fields, cond, doc_ids)

    def remove(self, cond: Any = None, doc_ids: Iterable[int] | None = None) -> list[int]:
        if cond is not None and doc_ids is None:
            return super().remove(doc_ids=self._matching(cond))
        return super().remove(cond, doc_ids)

    def _matching(self, cond: Callable[[Mapping[str, Any]], bool]) -> list[int]:
        return [int(doc_id) for doc_id, document in self._read_table().items() if cond(document)]

    def _update_table(self, updater: Callable[[dict[int, Mapping[str, Any]]], None]) -> None:
        tables = self._storage.read()
        if tables is None:
            tables = {}
        raw = dict(tables.get(self.name, {}))
        view = _ById(raw)
        updater(view)  # type: ignore[arg-type]  # a mapping with the dict's methods TinyDB's updaters use
        tables[self.name] = raw
        note = getattr(self._storage, 'note', None)
        if note is not None:  # the journal records the documents changed, not the whole file (AtomicJSONStorage)
            note(self.name, None if view.cleared else view.touched)
        self._storage.write(tables)
        self.clear_cache()


class BoardDB(TinyDB):
    table_class = BoardTable


def open_db(path: Path, *, max_bytes: int | None = None, journal: Journal | None = None,
            journaled: bytes | None = None) -> TinyDB:
    db = BoardDB(path, storage=AtomicJSONStorage, max_bytes=max_bytes, journal=journal, journaled=journaled)
    db.storage.read()  # parse now: a broken file must stop the start, not the first write
    return db


def remove_stale_temporary_files(folder: Path) -> None:
    for temporary in folder.rglob(TEMPORARY_PATTERN):
        log.warning('removing unfinished write %s (left by a crash; the data file itself is intact)', temporary)
        temporary.unlink(missing_ok=True)


def document(value: dict[str, Any], doc_id: int) -> Document:
    return Document(value, doc_id=doc_id)


#: what is never part of a backup: the running process's lock and its per-run admin token
SKIPPED = {'.lock', 'local_admin.json'}


def snapshot_files(data_dir: Path, staging: Path) -> int:
    """Hard-link every data file into ``staging`` (call while holding the store's writer lock)."""
    count = 0
    for path in sorted(data_dir.rglob('*')):
        if not path.is_file() or path.name in SKIPPED or path.name.endswith('.tmp'):
            continue
        target = staging / path.relative_to(data_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.name == JOURNAL_NAME:  # appended to in place and emptied after a checkpoint: a link would change
            shutil.copy2(path, target)
            count += 1
            continue
        try:
            os.link(path, target)
        except OSError:
            shutil.copy2(path, target)  # another file system: a copy, still under the lock
        count += 1
    return count
