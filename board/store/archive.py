"""The yearly archives (``archive/<unit-id>/<year>.json``) and the index of their gains.

Finished cards leave the active board after ``archive_after_weeks`` and go to the file of the year they were
finished in, with their logs; deleted cards leave it after ``deleted_days`` for ``deleted.json``. A unit's
active file then costs the same after ten years as in the first week. The gains of the
archives are read once and kept until a file changes, so the leaders' dashboard and reports do not parse ten
years of history per request.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any, TypeVar

import orjson
from tinydb import Query

from ..atomicfile import write_atomic
from ..clock import stamp_ms
from ..domain import Answer, Card, Column, GainCategory
from ..domain.changelog import LogEntry
from ..gains import GainEntry, entries_of
from ..merge import newest_stamp
from .codec import card_from_dict, card_to_dict, log_to_dict
from .files import AtomicJSONStorage, DataFileError, open_db

__all__ = ['INDEX_FILE', 'Archive', 'archivable', 'archive_year', 'deleted_at', 'leaving']

#: the archives' gains index, kept beside them (a cache: removed or broken, it is built again)
INDEX_FILE = 'gains-index.json'


def _entry(doc: dict[str, Any]) -> GainEntry:
    """A gain entry as the index keeps it (orjson writes the dataclass as an object)."""
    return GainEntry(unit_id=doc['unit_id'], card_id=doc['card_id'], title=doc['title'],
                     categories=tuple(GainCategory(c) for c in doc['categories']),
                     hours_per_week=float(doc['hours_per_week']),
                     identified_on=date.fromisoformat(doc['identified_on']),
                     realised_on=date.fromisoformat(doc['realised_on']) if doc.get('realised_on') else None,
                     confirmed_by=str(doc.get('confirmed_by', '')), amount_nok=doc.get('amount_nok'),
                     finished=bool(doc.get('finished')), measured_after=bool(doc.get('measured_after')))

log = logging.getLogger(__name__)

T = TypeVar('T')


class Archive:
    """The archive files of every unit, under ``<data>/archive``."""

    def __init__(self, folder: Path, timezone: tzinfo) -> None:
        self.folder = folder
        self.timezone = timezone
        self._index_lock = threading.Lock()
        self._gain_cache: dict[Path, tuple[tuple[int, int], list[GainEntry]]] = self._load_index()
        self._index_dirty = False
        #: per archive file, its cards with a før or etter measurement (kept in memory, read again when it changes)
        self._measured_cache: dict[Path, tuple[tuple[int, int], list[Card]]] = {}

    def path(self, unit_id: str, year: int) -> Path:
        return self.folder / unit_id / f'{year}.json'

    def years(self, unit_id: str) -> list[int]:
        folder = self.folder / unit_id
        return sorted(int(p.stem) for p in folder.glob('*.json') if p.stem.isdigit()) if folder.exists() else []

    def cards(self, unit_id: str, year: int) -> list[Card]:
        """Cards finished in ``year`` that have left the board (reads the file)."""
        path = self.path(unit_id, year)
        if not path.exists():
            return []
        with open_db(path) as db:
            return [card_from_dict(doc) for doc in db.table('cards').all()]

    def find(self, unit_id: str, card_id: str) -> tuple[Card | None, int | None]:
        """A card in the unit's archive, newest year first, and the year of its file."""
        for year in reversed(self.years(unit_id)):
            with open_db(self.path(unit_id, year)) as db:
                doc = db.table('cards').get(Query().id == card_id)
            if isinstance(doc, dict):
                return card_from_dict(doc), year
        return None, None

    def write(self, unit_id: str, year: int, cards: list[Card], *, log: Iterable[LogEntry] = ()) -> None:
        """Add cards (and their log entries) to a year's file, or replace them there (one durable write)."""
        self._write(self.path(unit_id, year), cards, log)

    def deleted(self, unit_id: str) -> list[Card]:
        """The unit's deleted cards whose time under *Slettet* is over (reads the file)."""
        path = self.folder / unit_id / 'deleted.json'
        if not path.exists():
            return []
        with open_db(path) as db:
            return [card_from_dict(doc) for doc in db.table('cards').all()]

    def write_deleted(self, unit_id: str, cards: list[Card], *, log: Iterable[LogEntry] = ()) -> None:
        """Keep deleted cards whose time in *Slettet* is over (not read by history or gains: they were deleted)."""
        if cards:
            self._write(self.folder / unit_id / 'deleted.json', cards, log)

    def _write(self, path: Path, cards: list[Card], log: Iterable[LogEntry]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open_db(path) as db:
            table = db.table('cards')
            storage: AtomicJSONStorage = db.storage
            with storage.batch():
                existing = {doc['id']: doc.doc_id for doc in table.all()}
                fresh = [card_to_dict(c) for c in cards if c.id not in existing]
                replaced = {c.id: card_to_dict(c) for c in cards if c.id in existing}

                def replace(doc: dict[str, Any]) -> None:  # the whole card: a field it no longer has goes too
                    replacement = replaced[doc['id']]
                    doc.clear()
                    doc.update(replacement)
                if replaced:
                    table.update(replace, doc_ids=[existing[card_id] for card_id in replaced])
                table.insert_multiple(fresh)
                entries = [log_to_dict(e) for e in log]
                if entries:
                    db.table('log').insert_multiple(entries)

    def write_by_year(self, unit_id: str, cards: Iterable[Card], *, log: Iterable[LogEntry] = ()) -> int:
        """Archive cards (and their log entries) in the files of their years; returns how many cards."""
        by_year: dict[int, list[Card]] = {}
        for card in cards:
            by_year.setdefault(archive_year(card, self.timezone), []).append(card)
        entries: dict[str, list[LogEntry]] = {}
        for entry in log:
            entries.setdefault(entry.card_id, []).append(entry)
        for year, those in by_year.items():
            self.write(unit_id, year, those, log=[e for c in those for e in entries.get(c.id, ())])
        return sum(len(v) for v in by_year.values())

    def measured(self, unit_ids: Iterable[str]) -> list[Card]:
        """The archived cards of these units with a før or etter measurement (for the reports): each file is read
        once and again only when it changed, and only its measured cards become Card objects."""
        cards: list[Card] = []
        for unit_id in unit_ids:
            for year in self.years(unit_id):
                path = self.path(unit_id, year)
                try:
                    cards.extend(self._measured_of(path))
                except DataFileError:
                    log.exception('the measured cards of unit %s in %d are left out', unit_id, year)
        return cards

    def _measured_of(self, path: Path) -> list[Card]:
        def measured(docs: list[dict[str, Any]]) -> list[Card]:
            # a reading (or its stamp) is in the document: only those become Card objects
            read = (card_from_dict(d) for d in docs if d.get('before') or d.get('after'))
            return [c for c in read if c.before is not None or c.after is not None]
        cards, _ = _read_cached(path, self._measured_cache, measured)
        return cards

    # --- the gains index ---

    def gains(self, unit_ids: Iterable[str]) -> list[GainEntry]:
        """The gains in every archive of these units; a file that cannot be read is logged and left out."""
        entries: list[GainEntry] = []
        for unit_id in unit_ids:
            for year in self.years(unit_id):
                try:
                    entries.extend(self._gains_of(self.path(unit_id, year)))
                except DataFileError:
                    log.exception('the gains of unit %s in %d are left out', unit_id, year)
        self.save_index()
        return entries

    def is_indexed(self, unit_id: str, year: int) -> bool:
        """Whether the index has this file's gains as the file is now (or the file is gone): reading it is free."""
        path = self.path(unit_id, year)
        stamp = _file_stamp(path)
        cached = self._gain_cache.get(path)
        return stamp is None or (cached is not None and cached[0] == stamp)

    def index(self, unit_id: str, year: int) -> int:
        """Read one file's gains into the index now (the hub does this file by file after it starts)."""
        try:
            return len(self._gains_of(self.path(unit_id, year)))
        except DataFileError:
            log.exception('the gains of unit %s in %d cannot be indexed', unit_id, year)
            return 0

    # the index is kept on disk too (``archive/gains-index.json``), so that a hub that starts has ten years of gains at
    # once instead of reading every archive again: each file's entry says which version of the file it was read from
    # (its time and size), and a file that changed since is read again

    def _load_index(self) -> dict[Path, tuple[tuple[int, int], list[GainEntry]]]:
        path = self.folder / INDEX_FILE
        try:
            data = orjson.loads(path.read_bytes())
            return {self.folder / name: ((int(mtime), int(size)), [_entry(e) for e in entries])
                    for name, (mtime, size, entries) in data['files'].items()}
        except FileNotFoundError:
            return {}
        except (ValueError, KeyError, TypeError) as error:  # a cache: read the archives again, and say so
            log.warning('the gains index %s cannot be read (%s): the archives are read again', path, error)
            return {}

    def save_index(self) -> bool:
        """Write the gains index if it changed since it was read or last written (off the event loop)."""
        with self._index_lock:
            if not self._index_dirty:
                return False
            self._index_dirty = False
            files = {str(path.relative_to(self.folder)): [key[0], key[1], entries]
                     for path, (key, entries) in list(self._gain_cache.items()) if path.is_relative_to(self.folder)}
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            write_atomic(self.folder / INDEX_FILE, orjson.dumps({'files': files}))
        except OSError as error:
            log.warning('the gains index could not be written (%s); it is built again at the next start', error)
        return True

    def _gains_of(self, path: Path) -> list[GainEntry]:
        def gains(docs: list[dict[str, Any]]) -> list[GainEntry]:
            # only the cards with a gain become Card objects: most of the history has none
            return entries_of(card_from_dict(d) for d in docs if d.get('gain'))
        entries, fresh = _read_cached(path, self._gain_cache, gains)
        if fresh:
            self._index_dirty = True
        return entries


def archivable(card: Card, cutoff: datetime) -> bool:
    """A finished card (or a declined idea) from before ``cutoff``: it leaves the board for the archive."""
    if card.deleted:
        return False
    if card.answer == Answer.DECLINED:
        return card.answered_at is not None and card.answered_at < cutoff
    return card.column == Column.DONE and card.finished_at is not None and card.finished_at < cutoff


def archive_year(card: Card, timezone: tzinfo) -> int:
    """The year of a card's archive file: when it was finished (or declined), in local time."""
    moment = card.finished_at if card.answer != Answer.DECLINED else card.answered_at
    return (moment or card.created_at).astimezone(timezone).year


def leaving(card: Card, cutoff: datetime, bin_cutoff: datetime) -> bool:
    """Whether the archive pass takes the card off the board (finished before ``cutoff``, or deleted before
    ``bin_cutoff``); a card it cannot judge stays, and is logged."""
    try:
        return archivable(card, cutoff) or (card.deleted and deleted_at(card) < bin_cutoff)
    except (TypeError, ValueError):
        log.exception('card %s of unit %s cannot be archived; it stays on the board', card.id, card.unit_id)
        return False


def deleted_at(card: Card) -> datetime:
    """When a deleted card was deleted: the stamp of its deletion (its newest change, for a card of a release that
    did not stamp it), or its creation if it has no stamps at all."""
    stamp = card.stamps.get('deleted') or (newest_stamp(card) if card.stamps else '')
    if not stamp:
        return card.created_at
    return datetime.fromtimestamp(stamp_ms(stamp) / 1000, UTC)


def _file_stamp(path: Path) -> tuple[int, int] | None:
    """The version of a file the caches keep what they read by (its time and size); None if it is gone."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _read_cached(path: Path, cache: dict[Path, tuple[tuple[int, int], list[T]]],
                 pick: Callable[[list[dict[str, Any]]], list[T]]) -> tuple[list[T], bool]:
    """What ``pick`` takes from an archive file's cards, kept in ``cache`` by the file's time and size and read
    again when they change; and whether it was read now. A missing file has nothing; a broken one raises
    :class:`DataFileError`."""
    key = _file_stamp(path)
    if key is None:
        return [], False
    cached = cache.get(path)
    if cached is not None and cached[0] == key:
        return cached[1], False
    try:
        data = orjson.loads(path.read_bytes())
        picked = pick(list(data.get('cards', {}).values()))
    except (ValueError, KeyError, TypeError) as error:
        raise DataFileError(path, f'unexpected content: {error!r}') from error
    cache[path] = (key, picked)
    return picked, True
