"""Write a file so that a crash at any moment leaves the old content or the new one, never a mix.

The content goes to a temporary file in the same folder, which is fsynced, renamed over the target with
``os.replace`` (atomic on POSIX) and then the folder is fsynced so the rename itself survives a power cut.
"""

from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

__all__ = ['TEMPORARY_PATTERN', 'fsync_folder', 'write_all', 'write_atomic', 'write_atomic_many']

#: leftovers of writes cut off by a crash; safe to delete at start
TEMPORARY_PATTERN = '.*.tmp'


def write_atomic(path: Path, payload: bytes, *, mode: int = 0o640) -> None:
    """Replace ``path`` with ``payload`` durably. Raises ``OSError`` (and leaves ``path`` as it was) on failure."""
    temporary = path.with_name(f'.{path.name}.{os.getpid()}.{threading.get_ident()}.tmp')
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        try:
            write_all(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)
        temporary.replace(path)
        fsync_folder(path.parent)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


#: files of one group commit are written and fsynced side by side: the disk takes the flushes together (on ext4 one
#: journal commit can carry several), where one after the other each waits for its own
_FLUSHERS = ThreadPoolExecutor(max_workers=8, thread_name_prefix='board-fsync')


def write_atomic_many(files: list[tuple[Path, bytes, int]]) -> dict[Path, OSError | None]:
    """Replace several files durably at once, each atomically: every temporary file is written and fsynced side by
    side, then each is renamed over its file, then each folder is fsynced once. Returns, per path, None if its new
    content is durable, or the error that left it as it was."""
    if len(files) == 1:
        path, payload, mode = files[0]
        try:
            write_atomic(path, payload, mode=mode)
        except OSError as error:
            return {path: error}
        return {path: None}
    temporaries = {path: path.with_name(f'.{path.name}.{os.getpid()}.group.tmp') for path, _, _ in files}
    written = list(_FLUSHERS.map(lambda item: _write_synced(temporaries[item[0]], item[1], item[2]), files))
    result: dict[Path, OSError | None] = {}
    renamed: list[Path] = []
    for (path, _, _), failure in zip(files, written, strict=True):
        problem = failure
        if problem is None:
            try:
                temporaries[path].replace(path)
                renamed.append(path)
            except OSError as rename_error:
                problem = rename_error
        if problem is not None:
            with contextlib.suppress(OSError):
                temporaries[path].unlink()
        result[path] = problem
    for folder in {path.parent for path in renamed}:
        try:
            fsync_folder(folder)
        except OSError as error:  # the renames may not survive a power cut: say so for each of them
            for path in renamed:
                if path.parent == folder:
                    result[path] = error
    return result


def _write_synced(temporary: Path, payload: bytes, mode: int) -> OSError | None:
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        try:
            write_all(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as error:
        return error
    return None


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (``os.write`` may write less than it was given)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def fsync_folder(folder: Path) -> None:
    """Make the folder's entries (a file created, renamed or removed in it) durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
