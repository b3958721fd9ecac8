"""The store's write-ahead journal: a unit's change is durable after one append, its file is rewritten later.

Without it, every durable write of a unit rewrites the unit's whole file (a temporary file written and fsynced,
renamed, the folder fsynced). A wave of 100 phone ideas over 70 units made 70 such rewrites per group, and the
files' creation, renaming and flushing took most of the hub's time in the wave. With the journal a write appends
a record of each changed unit to one file (``journal.wal`` in the data folder) and flushes that one file
(``fdatasync``); the unit files themselves are rewritten by a *checkpoint*, when the store's writer has been idle
for a moment (:data:`CHECKPOINT_IDLE`) or the journal has grown large, at a clean stop and before a backup. A unit
written ten times between two checkpoints is rewritten once.

A record holds either the file's whole content (:data:`FULL`: a unit's first write after the store read it, a
write no TinyDB table described, or one that could take the file past its size limit) or only the documents the
write changed (:data:`DELTA`: tables replaced whole, documents set and removed by id, see :func:`apply_delta`).
A phone idea's record is a few hundred bytes whatever the board's size; with whole files, a wave of 100 ideas on
boards of 250 cards appended about 20 MB and cost the writer three to four times what it did on boards of 40.

What a crash leaves: the unit files as of the last checkpoint, or newer, and the journal. When the store opens it
*recovers*: each file's records are applied in order onto its file (a whole-file record replaces what came before
it) and the result written into place (atomically, as before), then the journal is removed. A record cut off by
the crash fails its length or checksum and is ignored with everything after it; its write was never acknowledged,
because every answer waits for the append's ``fdatasync``. Every record sets documents, tables or files to the
values they had, so applying records older than the file's content (a checkpoint rewrote the file, then gave way
to more writes before it could empty the journal) ends with the same content: the journal is emptied only once
every file it has records of has been rewritten, so the file is never older than the journal's first record of it.

Format: the header ``FBJ1\\n``, then records: ``length of path (4 bytes) | length of content (4 bytes) | CRC-32
of both lengths, path and content, started from a constant (4 bytes) | path (UTF-8, relative to the data folder) |
content``, big-endian; the content's first byte is the record's kind (``F`` or ``D``), the rest JSON. A record an
earlier release wrote has no kind byte (its content is a whole file, a JSON object: ``{``), and is read as such;
that release, given a journal of this one after a crash, keeps it aside rather than applying records it does not
know (start this release once first). An incomplete record
ends the journal (a cut-off write, never acknowledged); a complete one that fails its checksum is damage: what was
read before it is written back and the journal is kept aside for a person. Only unit files (``units/<id>.json``)
are journaled; a record for anything else, or one that cannot be applied, is refused at recovery, with every later
record of that file, and the journal is kept aside.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import struct
import threading
import zlib
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import orjson

from ..atomicfile import fsync_folder, write_all, write_atomic, write_atomic_many

__all__ = ['CHECKPOINT_BYTES', 'CHECKPOINT_IDLE', 'DELTA', 'FULL', 'JOURNAL_NAME', 'Journal', 'JournalRecovery',
           'Journaled', 'apply_delta', 'latest_records', 'recover']

log = logging.getLogger('board.store')

JOURNAL_NAME = 'journal.wal'
HEADER = b'FBJ1\n'
#: a record's kind, its content's first byte: the file's whole content, or the documents a write changed (a record
#: an earlier release wrote has no kind: its content, a JSON object, begins with ``{`` and is the whole file)
FULL = b'F'
DELTA = b'D'
_RECORD = struct.Struct('>III')
#: what a journaled file's path must look like (relative to the data folder)
_JOURNALED = re.compile(r'units/[A-Za-z0-9][A-Za-z0-9_.-]{0,120}\.json')
#: the store's writer checkpoints after being idle this long (seconds) with records in the journal
CHECKPOINT_IDLE = 0.5
#: past this size the writer checkpoints between writes even while busy, a chunk of files at a time
CHECKPOINT_BYTES = 32 * 1024 * 1024
#: past this size it checkpoints at once, however busy (a bound on the journal and on the replay at a start)
CHECKPOINT_HARD_BYTES = 4 * CHECKPOINT_BYTES
#: files written per step of a checkpoint (between steps, waiting writes go first)
CHECKPOINT_CHUNK = 16
#: a record's path and content are never longer than these (a unit file is at most 8 MB): longer is not a record
MAX_PATH_BYTES = 256
MAX_RECORD_BYTES = 64 * 1024 * 1024
_CRC_START = 0x46424A31  # "FBJ1"


class Journaled(Protocol):
    """A file whose writes go through the journal (``board.store.files.AtomicJSONStorage``)."""
    path: Path

    def content(self) -> bytes:
        """Its whole content as it is now (what a checkpoint writes)."""

    def appended(self, kind: bytes, body: bytes) -> None:
        """A record of its change is durable in the journal."""

    def checkpointed(self, size: int) -> None:
        """Its file has been rewritten with its content (``size`` bytes)."""


class Journal:
    """The open journal of one data folder (the store's writer process only)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / JOURNAL_NAME
        self._lock = threading.Lock()
        #: storages with records in the journal whose files have not been rewritten since (by ``id``)
        self._dirty: dict[int, Journaled] = {}
        #: an append failed and its partial record could not be cut off (or emptying the journal could not be made
        #: durable): nothing more may be appended until a checkpoint has emptied it
        self._broken = False
        self._closed = False
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_TRUNC, 0o640)
        try:
            write_all(self._fd, HEADER)
            os.fsync(self._fd)
            fsync_folder(folder)
        except OSError:
            os.close(self._fd)
            raise
        self.size = len(HEADER)

    @property
    def pending(self) -> bool:
        """Whether a checkpoint has work to do: some file's newest content is in the journal only, or the journal
        must be emptied before it takes writes again."""
        return bool(self._dirty) or self._broken

    def append(self, entries: Iterable[tuple[Journaled, bytes, bytes]]) -> None:
        """Make the files' changes durable (each a kind, :data:`FULL` or :data:`DELTA`, and its body): one append,
        one ``fdatasync``. Raises ``OSError``; the journal is then as it was before (a partial record is cut off
        again). Should cutting it off fail too, the journal takes nothing more until a checkpoint empties it, and
        that record, complete on disk, could come back if the hub stopped before the checkpoint: a write reported
        as failed that was kept after all, never the reverse."""
        entries = list(entries)
        blob = b''.join(_record(self._relative(storage.path), body, kind) for storage, kind, body in entries)
        with self._lock:
            if self._closed:
                raise OSError(errno.EBADF, f'the journal {self.path} is closed (the store was closed)')
            if self._broken:
                raise OSError(errno.EIO, f'the journal {self.path} could not be cut back after a failed write; '
                                         'writes wait for the next checkpoint')
            start = os.fstat(self._fd).st_size  # where this append begins, whatever happened before
            try:
                write_all(self._fd, blob)
                os.fdatasync(self._fd)
            except OSError:
                try:
                    os.ftruncate(self._fd, start)
                    os.fsync(self._fd)
                except OSError:
                    self._broken = True
                    log.error('the journal %s could not be cut back after a failed write; writes wait until the '
                              'next checkpoint has emptied it', self.path)
                raise
            self.size = start + len(blob)
            for storage, kind, body in entries:
                storage.appended(kind, body)
                self._dirty[id(storage)] = storage

    def checkpoint(self, *, stop: Callable[[], bool] = lambda: False) -> bool:
        """Rewrite the files whose newest content is in the journal, :data:`CHECKPOINT_CHUNK` at a time, asking
        ``stop()`` between chunks; when none is left, empty the journal. Call it where no write can run meanwhile
        (the store's lock). Returns True if the journal is empty now, False if ``stop()`` said so first; raises
        ``OSError`` if a file could not be written (what was not written stays in the journal)."""
        with self._lock:  # the store's lock keeps writes out already; this keeps the journal's own state whole
            while self._dirty:
                chunk = [(storage, storage.content()) for storage in list(self._dirty.values())[:CHECKPOINT_CHUNK]]
                written = write_atomic_many([(storage.path, content, 0o640) for storage, content in chunk])
                failure: OSError | None = None
                for storage, content in chunk:
                    error = written.get(storage.path)
                    if error is not None:
                        failure = failure or error
                        continue
                    storage.checkpointed(len(content))
                    del self._dirty[id(storage)]
                if failure is not None:
                    raise failure
                if self._dirty and stop():
                    return False
            if self._closed or not (self._broken or self.size > len(HEADER)):
                return True
            os.ftruncate(self._fd, len(HEADER))
            self.size = len(HEADER)
            try:
                os.fsync(self._fd)
            except OSError:
                self._broken = True  # emptied in memory, perhaps not on disk: append nothing until that is sure
                raise
            self._broken = False
            return True

    def close(self) -> None:
        """Checkpoint everything and remove the journal (a clean stop leaves only the data files); if that fails the
        journal stays, and the next start recovers from it."""
        try:
            emptied = self.checkpoint()
        except Exception as error:  # a file that could not be written, or whose content could not be made
            log.error('the journal %s could not be written into the unit files at the stop (%s); the next start '
                      'recovers from it', self.path, error)
            emptied = False
        with self._lock:
            self._closed = True  # a late write fails clearly instead of going to whatever reuses the descriptor
            os.close(self._fd)
        if emptied:
            with contextlib.suppress(OSError):
                self.path.unlink()
                fsync_folder(self.folder)

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.folder).as_posix()


class JournalRecovery:
    """What :func:`recover` found: files written back, records skipped, bytes of a cut-off end ignored."""

    def __init__(self) -> None:
        self.files = 0
        self.skipped = 0
        self.torn_bytes = 0
        #: a complete record failed its checksum: what follows it cannot be read, so the journal is kept aside
        self.damaged = False


def latest_records(path: Path) -> tuple[dict[str, bytes], JournalRecovery]:
    """The newest content of each file the journal has records of: its newest whole-file record, or its file (in
    the journal's folder) as the last checkpoint left it, with every later record of changed documents applied in
    order. A start writes them into place; a read-only look beside a running hub reads them, again if the journal
    changed meanwhile (a checkpoint may have rewritten a file it read and emptied the journal)."""
    for _ in range(5):
        before = _version(path)
        contents, found = _replay(path)
        if _version(path) == before:
            break
    return contents, found


def _version(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def _replay(path: Path) -> tuple[dict[str, bytes], JournalRecovery]:
    records, found = _read_records(path)
    state: dict[str, bytes | dict[str, Any]] = {}
    refused: set[str] = set()

    def refuse(name: str, error: Exception) -> None:
        found.skipped += 1
        refused.add(name)  # neither an older record nor a later change of it is written back in its place
        state.pop(name, None)
        log.error('journal %s: a record for %r is not a unit file\'s content, or cannot be applied (%s); it is not '
                  'written back', path, name[:200], error)

    for name, kind, body in records:
        if name in refused:
            continue
        try:
            if not _JOURNALED.fullmatch(name):
                raise ValueError('not a unit file')
            if kind == FULL:
                if not _is_document(body):
                    raise ValueError('not a TinyDB document')
                state[name] = body
            elif kind == DELTA:
                current = state.get(name)
                document = _base(path.parent / name) if current is None else (
                    orjson.loads(current) if isinstance(current, bytes) else current)
                apply_delta(document, orjson.loads(body))
                state[name] = document
            else:
                raise ValueError(f'a record of an unknown kind {kind!r}')
        except (OSError, ValueError) as error:
            refuse(name, error)
    contents: dict[str, bytes] = {}
    for name, content in list(state.items()):
        try:
            contents[name] = content if isinstance(content, bytes) else orjson.dumps(content)
        except TypeError as error:  # e.g. nested deeper than orjson writes: never a change this store made
            refuse(name, error)
    return contents, found


def _read_records(path: Path) -> tuple[list[tuple[str, bytes, bytes]], JournalRecovery]:
    """The journal's complete records in order: (file, kind, body); what ends it early is in the recovery."""
    found = JournalRecovery()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return [], found
    if not raw.startswith(HEADER):
        if raw:  # not ours, or cut off inside the header when it was made (then nothing was in it)
            found.torn_bytes = len(raw)
        return [], found
    records: list[tuple[str, bytes, bytes]] = []
    offset = len(HEADER)
    while offset < len(raw):
        if offset + _RECORD.size > len(raw):
            break
        path_length, payload_length, checksum = _RECORD.unpack_from(raw, offset)
        start = offset + _RECORD.size
        end = start + path_length + payload_length
        if not (0 < path_length <= MAX_PATH_BYTES and payload_length <= MAX_RECORD_BYTES) or end > len(raw):
            break  # the end of what was written (zeros, or a record cut off): nothing after it was acknowledged
        if _checksum(raw[start:start + path_length], raw[start + path_length:end]) != checksum:
            found.damaged = True  # a whole record whose content changed: not a cut-off end, kept for a person
            break
        name = raw[start:start + path_length].decode('utf-8', 'replace')
        payload = raw[start + path_length:end]
        kind = payload[:1]
        records.append((name, kind, payload[1:]) if kind in (FULL, DELTA) else (name, FULL, payload))
        offset = end
    found.torn_bytes = len(raw) - offset
    return records, found


def _base(path: Path) -> dict[str, Any]:
    """A unit file's content as the last checkpoint left it, for the changes recorded after it."""
    try:
        document = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return {}  # a unit created since: its first record is its whole file, so this is not reached in practice
    if not isinstance(document, dict):
        raise ValueError(f'{path.name} is not a TinyDB document')
    return document


def apply_delta(document: dict[str, Any], delta: object) -> None:
    """Apply a record of changed documents (see ``AtomicJSONStorage.delta``) to a file's content: tables given
    whole replace their old content; in the others, documents are set or removed by id. Raises ``ValueError`` for
    anything of another shape (the document is then partly changed: the caller drops it)."""
    if not isinstance(delta, dict) or not set(delta) <= {'replace', 'set', 'del'}:
        raise ValueError('a record of changed documents of an unknown shape')
    for part in ('replace', 'set'):
        for table, docs in _mapping(delta.get(part, {})).items():
            if not all(isinstance(doc, dict) for doc in _mapping(docs).values()):
                raise ValueError(f'a document of table {table!r} is not an object')
            if part == 'replace':
                document[table] = dict(docs)
            else:
                _mapping(document.setdefault(table, {})).update(docs)
    for table, ids in _mapping(delta.get('del', {})).items():
        if not isinstance(ids, list) or not all(isinstance(doc_id, str) for doc_id in ids):
            raise ValueError(f'the removed ids of table {table!r} are not a list of ids')
        stored = _mapping(document.get(table, {}))
        for doc_id in ids:
            stored.pop(doc_id, None)


def _mapping(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError('a table that is not an object')
    return value


def recover(folder: Path) -> JournalRecovery:
    """Write the journal's newest record of each file into place, then remove the journal (at the start of the
    store's writer, before anything reads the files). A journal with anything unexpected in it is kept aside,
    never just removed."""
    path = folder / JOURNAL_NAME
    latest, found = latest_records(path)
    if not path.exists():
        return found
    for name, payload in sorted(latest.items()):
        write_atomic(folder / name, payload)
        found.files += 1
    if found.damaged:
        log.error('journal %s: a record is damaged (its checksum does not match); the %d bytes from it on cannot be '
                  'read and are kept with the journal', path, found.torn_bytes)
    elif found.torn_bytes:
        log.warning('journal %s: %d bytes at its end were cut off by a stop in the middle of a write (never '
                    'acknowledged); ignored', path, found.torn_bytes)
    if found.skipped or found.damaged:
        aside = path.with_name(f'{JOURNAL_NAME}.unreadable-{datetime.now():%Y%m%d-%H%M%S}')
        path.replace(aside)
        log.error('journal kept aside as %s for a person to look at', aside)
    else:
        path.unlink()
    fsync_folder(folder)
    if found.files:
        log.info('recovered %d unit files from the journal %s', found.files, path)
    return found


def _is_document(payload: bytes) -> bool:
    try:
        return isinstance(orjson.loads(payload), dict)
    except ValueError:
        return False


def _record(name: str, body: bytes, kind: bytes = FULL) -> bytes:
    encoded, payload = name.encode(), kind + body
    return _RECORD.pack(len(encoded), len(payload), _checksum(encoded, payload)) + encoded + payload


def _checksum(name: bytes, payload: bytes) -> int:
    """CRC-32 of the record's lengths, path and content, started from a value of its own (so zeros never match)."""
    crc = zlib.crc32(struct.pack('>II', len(name), len(payload)), _CRC_START)
    return zlib.crc32(payload, zlib.crc32(name, crc))
