"""Backups of the data folder, taken while the hub runs, and restoring one.

A snapshot is consistent across files: under the store's writer lock every data file is hard-linked into a
staging folder. That takes milliseconds even for hundreds of archive files, and it is safe because the store never
writes a file in place; it replaces it (``board.atomicfile``), so a link keeps the version it pointed to. The
staging folder is then packed into ``forbedringstavla-YYYYmmdd-HHMMSS.tar.gz`` outside the lock, and only the
newest ``keep`` backups are kept.

Restoring (with the hub stopped) unpacks into a new folder beside the data folder, checks that every file loads,
and only then moves the current data aside (``<data>.before-restore-<time>``) and the restored data into place.
"""

from __future__ import annotations

import logging
import shutil
import tarfile
import tempfile
from datetime import datetime
from pathlib import Path

from .store.files import SKIPPED, snapshot_files
from .store.lock import DataFolderLock

__all__ = ['BackupError', 'create_backup', 'restore_backup']

log = logging.getLogger(__name__)

PREFIX = 'forbedringstavla-'


class BackupError(RuntimeError):
    """A backup or restore that could not be done; the message says why. Nothing was changed."""


def create_backup(data_dir: Path, out_dir: Path, *, keep: int, snapshot: object = None) -> Path:
    """Write a dated archive of ``data_dir`` into ``out_dir`` and keep the newest ``keep``.

    ``snapshot(staging)`` takes the snapshot under the writer lock (the running hub's store); without it the data
    folder's lock is taken here, so no hub may write meanwhile.
    """
    if keep < 1:
        raise BackupError('keep at least one backup')
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime('%Y%m%d-%H%M%S')
    archive = out_dir / f'{PREFIX}{stamp}.tar.gz'
    with tempfile.TemporaryDirectory(prefix='.backup-', dir=out_dir) as tmp:
        staging = Path(tmp) / 'data'
        staging.mkdir()
        if callable(snapshot):
            files = snapshot(staging)
        else:
            with DataFolderLock(data_dir):
                files = snapshot_files(data_dir, staging)
        partial = archive.with_suffix('.partial')
        with tarfile.open(partial, 'w:gz') as tar:
            tar.add(staging, arcname='data')
        partial.chmod(0o600)  # it holds the token secret
        partial.replace(archive)
    for old in sorted(out_dir.glob(f'{PREFIX}*.tar.gz'))[:-keep]:
        old.unlink()
    log.info('backup of %d files written to %s', files, archive)
    return archive


def restore_backup(archive: Path, data_dir: Path) -> Path | None:
    """Replace ``data_dir`` with the backup; returns where the previous data was moved (None if there was none)."""
    from .store import DataFileError, Store
    if not archive.is_file():
        raise BackupError(f'no backup at {archive}')
    data_dir = data_dir.resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # the lock refuses while a hub runs on this folder
    with DataFolderLock(data_dir), tempfile.TemporaryDirectory(prefix='.restore-', dir=data_dir.parent) as tmp:
        try:
            with tarfile.open(archive, 'r:gz') as tar:
                tar.extractall(tmp, filter='data')
        except (tarfile.TarError, OSError, EOFError) as error:
            raise BackupError(f'{archive} cannot be read ({error}); nothing was changed') from error
        restored = Path(tmp) / 'data'
        if not (restored / 'organisation.json').is_file():
            raise BackupError(f'{archive} is not a backup of a data folder; nothing was changed')
        try:
            # every file must load (older formats are brought up) before anything moves; and the restored folder
            # gets a new identity, so wall screens push their whole boards again and read the hub anew
            with Store(restored) as store:
                store.renew_instance()
        except DataFileError as error:
            raise BackupError(f'{error}; nothing was changed') from error
        previous = None
        if data_dir.exists() and any(p.name not in SKIPPED for p in data_dir.iterdir()):
            previous = data_dir.with_name(f'{data_dir.name}.before-restore-{datetime.now():%Y%m%d-%H%M%S}')
            data_dir.rename(previous)
        elif data_dir.exists():
            shutil.rmtree(data_dir)
        restored.rename(data_dir)
    log.info('restored %s into %s (previous data: %s)', archive, data_dir, previous)
    return previous
