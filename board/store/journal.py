"""The store's write-ahead journal: a unit's new state is durable after one append, its file is rewritten later.

Without it, every durable write of a unit rewrites the unit's whole file (a temporary file written and fsynced,
renamed, the folder fsynced). A wave of 100 phone ideas over 70 units made 70 such rewrites per group, and the
files' creation, renaming and flushing took most of the hub's time in the wave. With the journal a write appends
each changed unit's new file content to one file (``journal.wal`` in the data folder) and flushes that one file
(``fdatasync``); the unit files themselves are rewritten by a *checkpoint*, when the store's writer has been idle
for a moment (:data:`CHECKPOINT_IDLE`) or the journal has grown large, at a clean stop and before a backup. A unit
written ten times between two checkpoints is rewritten once.

What a crash leaves: the unit files as of the last checkpoint, or newer, and the journal. When the store opens it
*recovers*: the newest complete record of each file is written into place (atomically, as before), then the
journal is removed. A record cut off by the crash fails its length or checksum and is ignored with everything
after it; its write was never acknowledged, because every answer waits for the append's ``fdatasync``. A record
holds a whole file, so replaying a record older than the file's content (a checkpoint wrote the file just before
the crash) writes the same content the checkpoint wrote: the journal's last record of a file is always what is in
memory, and a checkpoint writes what is in memory.

Format: the header ``FBJ1\\n``, then records: ``length of path (4 bytes) | length of content (4 bytes) | CRC-32
of both lengths, path and content, started from a constant (4 bytes) | path (UTF-8, relative to the data folder) |
content``, big-endian. An incomplete record ends the journal (a cut-off write, never acknowledged); a complete one
that fails its checksum is damage: what was read before it is written back and the journal is kept aside for a
person. Only unit files (``units/<id>.json``) are journaled; anything else in a record is refused at recovery.
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
from typing import Protocol

import orjson

from ..atomicfile import fsync_folder, write_all, write_atomic, write_atomic_many

__all__ = ['CHECKPOINT_BYTES', 'CHECKPOINT_IDLE', 'JOURNAL_NAME', 'Journal', 'JournalRecovery', 'Journaled',
           'latest_records', 'recover']

log = logging.getLogger('board.store')

JOURNAL_NAME = 'journal.wal'
HEADER = b'FBJ1\n'
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
    #: its newest durable content while that is in the journal only; None once a checkpoint wrote the file
    journaled: bytes | None


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

    def append(self, entries: Iterable[tuple[Journaled, bytes]]) -> None:
        """Make the files' new content durable: one append, one ``fdatasync``. Raises ``OSError``; the journal is
        then as it was before (a partial record is cut off again). Should cutting it off fail too, the journal takes
        nothing more until a checkpoint empties it, and that record, complete on disk, could come back if the hub
        stopped before the checkpoint: a write reported as failed that was kept after all, never the reverse."""
        entries = list(entries)
        blob = b''.join(_record(self._relative(storage.path), payload) for storage, payload in entries)
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
            for storage, payload in entries:
                storage.journaled = payload
                self._dirty[id(storage)] = storage

    def checkpoint(self, *, stop: Callable[[], bool] = lambda: False) -> bool:
        """Rewrite the files whose newest content is in the journal, :data:`CHECKPOINT_CHUNK` at a time, asking
        ``stop()`` between chunks; when none is left, empty the journal. Call it where no write can run meanwhile
        (the store's lock). Returns True if the journal is empty now, False if ``stop()`` said so first; raises
        ``OSError`` if a file could not be written (what was not written stays in the journal)."""
        with self._lock:  # the store's lock keeps writes out already; this keeps the journal's own state whole
            while self._dirty:
                chunk = list(self._dirty.values())[:CHECKPOINT_CHUNK]
                written = write_atomic_many([(storage.path, storage.journaled, 0o640) for storage in chunk
                                             if storage.journaled is not None])
                failure: OSError | None = None
                for storage in chunk:
                    error = written.get(storage.path)
                    if error is not None:
                        failure = failure or error
                        continue
                    storage.journaled = None
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
        except OSError as error:
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
    """The newest complete record of each file in a journal (a read-only look needs no more)."""
    found = JournalRecovery()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}, found
    if not raw.startswith(HEADER):
        if raw:  # not ours, or cut off inside the header when it was made (then nothing was in it)
            found.torn_bytes = len(raw)
        return {}, found
    latest: dict[str, bytes] = {}
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
        if _JOURNALED.fullmatch(name) and _is_document(payload):
            latest[name] = payload
        else:
            found.skipped += 1
            latest.pop(name, None)  # an older record of the same file must not be written back in its place
            log.error('journal %s: a record for %r is not a unit file\'s content; it is not written back', path,
                      name[:200])
        offset = end
    found.torn_bytes = len(raw) - offset
    return latest, found


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


def _record(name: str, payload: bytes) -> bytes:
    encoded = name.encode()
    return _RECORD.pack(len(encoded), len(payload), _checksum(encoded, payload)) + encoded + payload


def _checksum(name: bytes, payload: bytes) -> int:
    """CRC-32 of the record's lengths, path and content, started from a value of its own (so zeros never match)."""
    crc = zlib.crc32(struct.pack('>II', len(name), len(payload)), _CRC_START)
    return zlib.crc32(payload, zlib.crc32(name, crc))
