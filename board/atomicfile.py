"""Write a file so that a crash at any moment leaves the old content or the new one, never a mix.

The content goes to a temporary file in the same folder, which is fsynced, renamed over the target with
``os.replace`` (atomic on POSIX) and then the folder is fsynced so the rename itself survives a power cut.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

__all__ = ['TEMPORARY_PATTERN', 'write_atomic']

#: leftovers of writes cut off by a crash; safe to delete at start
TEMPORARY_PATTERN = '.*.tmp'


def write_atomic(path: Path, payload: bytes, *, mode: int = 0o640) -> None:
    """Replace ``path`` with ``payload`` durably. Raises ``OSError`` (and leaves ``path`` as it was) on failure."""
    temporary = path.with_name(f'.{path.name}.{os.getpid()}.{threading.get_ident()}.tmp')
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        temporary.replace(path)
        _fsync_folder(path.parent)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
