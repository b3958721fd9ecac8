"""Format versions of the data files, and the steps that bring older files up to date.

Every data file says which format wrote it: a TinyDB file in its table ``_format`` (``{"version": N}``), the
revocation list in its key ``_format``. Files from before versions existed (format 1, until November 2026) say
nothing and are read as format 1.

When the store opens a data folder to write it (the hub, a wall screen), :func:`migrate_folder` runs first:

1. every data file's version is read; a file from a *newer* format stops the start with a message naming the file
   and both versions (an older release must never rewrite what a newer one wrote);
2. the files that are older are copied to ``<data>/migrations/<time>-format-<old>-to-<new>/``, as they were;
3. each is brought up step by step (``STEPS``) and written atomically, with one log line per file.

A crash in the middle leaves each file either as it was or migrated (each file carries its own version), so the
next start simply migrates the rest; the store is never opened on a half-migrated folder, because it loads only
after every file is current. A release that adds a field adds a step here and raises :data:`FORMAT`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from ..atomicfile import write_atomic
from .files import FORMAT, DataFileError

__all__ = ['FORMAT', 'STEPS', 'NewerFormat', 'check_folder', 'data_files', 'format_of', 'migrate_folder',
           'stamp_format']

log = logging.getLogger(__name__)

Data = dict[str, Any]
#: from version N to N + 1, for a file of a kind ('organisation', 'unit', 'archive', 'kiosks', 'users', 'mail',
#: 'revocations'): a function of the file's JSON that returns the new JSON
STEPS: dict[int, Callable[[str, Data], Data]] = {}


class NewerFormat(DataFileError):
    """A data file written by a newer release: this one must not read or rewrite it."""

    def __init__(self, path: Path, found: int) -> None:
        self.found = found
        RuntimeError.__init__(self, f'data file {path} is in format {found}, written by a newer release; this '
                                    f'release reads format {FORMAT} and older. Start the newer release again, or '
                                    'restore the backup the upgrade wrote.')
        self.path = path


def _step_1_to_2(kind: str, data: Data) -> Data:
    """Format 2 only says its version: the revocation list becomes ``{"_format": 2, "generations": {...}}``."""
    if kind == 'revocations':
        return {'generations': dict(data)}
    return data


STEPS[1] = _step_1_to_2


def _step_2_to_3(kind: str, data: Data) -> Data:
    """Format 3: a card's root-cause analysis may start from a problem statement, kept under the card's ``problem``
    key with its own stamp once written (``board.store.codec.SELF_STAMPED``). A card of format 2 has none: nothing
    in the file changes but its version."""
    return data


STEPS[2] = _step_2_to_3


def _step_3_to_4(kind: str, data: Data) -> Data:
    """Format 4: goals are measured over time. A goal's ``target`` ("now ``current``, aiming for ``target``")
    becomes its ``measure``: the current value is the baseline, and the measure gets better towards the target.
    Dated values go in the new table ``goal_values``; a card's before and after measurements under its own keys
    with their stamps, like the problem statement (nothing to change in a card of format 3)."""
    if kind != 'unit' or not isinstance(data.get('goals'), dict):
        return data
    goals = {doc_id: _goal_3_to_4(doc) if isinstance(doc, dict) else doc for doc_id, doc in data['goals'].items()}
    return {**data, 'goals': goals}


def _goal_3_to_4(doc: Data) -> Data:
    target = doc.get('target')
    if doc.get('measure') is not None or not isinstance(target, dict):
        return doc
    current, aim = float(target['current']), float(target['target'])
    return {**doc, 'measure': {'unit': target.get('unit', ''), 'better': 'down' if aim < current else 'up',
                               'target': aim, 'baseline': current, 'baseline_on': None, 'target_on': None,
                               'lowest': None, 'highest': None}}


STEPS[3] = _step_3_to_4


def data_files(folder: Path) -> list[tuple[Path, str]]:
    """Every data file of a data folder, with its kind."""
    found = [(folder / 'organisation.json', 'organisation'), (folder / 'kiosks.json', 'kiosks'),
             (folder / 'users.json', 'users'), (folder / 'mail.json', 'mail'),
             (folder / 'audit_templates.json', 'audits'),
             (folder / 'citizen-ideas.json', 'citizen'), (folder / 'secrets' / 'revocations.json', 'revocations'),
             (folder / 'secrets' / 'citizen-revocations.json', 'revocations')]
    found += [(path, 'unit') for path in sorted((folder / 'units').glob('*.json'))]
    found += [(path, 'archive') for path in sorted((folder / 'archive').glob('*/*.json'))]
    found += [(path, 'audits') for path in sorted((folder / 'audits').glob('*.json'))]
    return [(path, kind) for path, kind in found if path.is_file()]


def format_of(kind: str, data: object) -> int:
    if not isinstance(data, dict):
        return 1
    marker = data.get('_format')
    if kind == 'revocations':
        return marker if isinstance(marker, int) else 1
    if isinstance(marker, dict):
        document = next(iter(marker.values()), None)
        version = document.get('version') if isinstance(document, dict) else None
        return version if isinstance(version, int) else 1
    return 1


def stamp_format(kind: str, data: Data) -> Data:
    """The file's JSON marked with this release's format (what every write does)."""
    if kind == 'revocations':
        return {**data, '_format': FORMAT}
    return {**data, '_format': {'1': {'version': FORMAT}}}


def check_folder(folder: Path) -> list[tuple[Path, str, int, Data]]:
    """Each data file older than :data:`FORMAT`, with its version and JSON; raises :class:`NewerFormat`."""
    older = []
    for path, kind in data_files(folder):
        try:
            data = orjson.loads(path.read_bytes())
            if not isinstance(data, dict):
                raise ValueError('not a JSON object')
        except (OSError, ValueError) as error:
            if kind == 'revocations':  # the tokens refuse every phone code until it is fixed, and say so
                continue
            raise DataFileError(path, f'not a data file: {error}') from error
        version = format_of(kind, data)
        if version > FORMAT:
            raise NewerFormat(path, version)
        if version < FORMAT:
            older.append((path, kind, version, data))
    return older


def migrate_folder(folder: Path, *, now: datetime) -> list[Path]:
    """Bring every data file of ``folder`` to :data:`FORMAT` (see the module's description); returns those changed.

    Call with the data folder's lock held: no other process may write meanwhile.
    """
    older = check_folder(folder)
    if not older:
        return []
    oldest = min(version for _, _, version, _ in older)
    backup = folder / 'migrations' / f'{now:%Y%m%d-%H%M%S}-format-{oldest}-to-{FORMAT}'
    for path, _, _, _ in older:  # durably, before any file is changed
        target = backup / path.relative_to(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, path.read_bytes(), mode=0o600)
    log.warning('upgrading %d data files to format %d; the files as they were are in %s', len(older), FORMAT,
                backup)
    for path, kind, version, original in older:
        data = original
        for step in range(version, FORMAT):
            data = STEPS[step](kind, data)
        write_atomic(path, orjson.dumps(stamp_format(kind, data)), mode=path.stat().st_mode & 0o777)
        log.info('migrated %s from format %d to %d', path.relative_to(folder), version, FORMAT)
    return [path for path, _, _, _ in older]
