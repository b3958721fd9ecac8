"""One process per data folder: the hub (or a kiosk) holds an exclusive lock on ``<data>/.lock`` while it runs.

Two writers of the same files would lose changes, so a second hub on the same folder refuses to start, and a CLI
command that changes data asks the running hub (over its local admin API) instead of writing the files itself.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

__all__ = ['DataFolderBusy', 'DataFolderLock']


class DataFolderBusy(RuntimeError):
    def __init__(self, folder: Path) -> None:
        super().__init__(f'another board process is using the data folder {folder}')


class DataFolderLock:

    def __init__(self, folder: Path) -> None:
        self.path = folder / '.lock'
        self._fd: int | None = None

    def acquire(self) -> DataFolderLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DataFolderBusy(self.path.parent) from None
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> DataFolderLock:
        return self.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.release()
