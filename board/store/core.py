"""The Store: every unit's board in memory, written through one writer, publishing each change."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import partial
from pathlib import Path
from typing import Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

import orjson
from tinydb import Query, TinyDB
from tinydb.table import Table

from ..clock import HybridClock, stamp_ms, utc_now
from ..codec import (
    card_from_dict,
    card_to_dict,
    goal_from_dict,
    goal_to_dict,
    meeting_from_dict,
    meeting_to_dict,
    recognition_from_dict,
    recognition_to_dict,
)
from ..domain import (
    CAUSE_MAX,
    WHY_MAX,
    Answer,
    Card,
    CardFields,
    Column,
    FishboneHeading,
    Gain,
    GainStatus,
    Goal,
    Meeting,
    Organisation,
    Origin,
    PdcaStage,
    Problem,
    Recognition,
    RuleViolation,
    ServiceArea,
    Unit,
    changed_fields,
    is_valid_id,
    move_card,
    normalise_card,
    position_at,
    validate_card_fields,
    validate_gain,
    validate_meeting,
    validate_recognition,
    validate_short_text,
    week_start,
)
from ..gains import GainEntry, entries_of
from ..lock import DataFolderLock
from ..merge import STAMPED_FIELDS, merge_card, merge_goal, newest_stamp
from ..ordering import spread_keys
from .files import AtomicJSONStorage, DataFileError, StoreWriteError, document, open_db, remove_stale_temporary_files
from .kiosks import KioskRecords
from .users import UserRecords

__all__ = [
    'MAX_BOARD_CARDS',
    'AtomicJSONStorage',
    'BoardFull',
    'CardChanged',
    'CardsArchived',
    'Change',
    'DataFileError',
    'GoalChanged',
    'OrganisationChanged',
    'RecordsChanged',
    'Store',
    'StoreWriteError',
    'SyncCursor',
]

log = logging.getLogger(__name__)

P = ParamSpec('P')
T = TypeVar('T')

_COLUMN_ORDER = {Column.IDEAS: 0, Column.DOING: 1, Column.DONE: 2}



@dataclass(frozen=True, slots=True)
class SyncCursor:
    """A replica's progress: its own changes up to ``pushed`` are on the hub; the hub's up to ``pulled`` are here.

    ``refused``: changes the hub refused, as (kind, id, seq): held back until that record changes here again.
    """
    pushed: int = 0
    pulled: int = 0
    refused: tuple[tuple[str, str, int], ...] = ()

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> SyncCursor:
        return cls(pushed=int(doc.get('pushed', 0)), pulled=int(doc.get('pulled', 0)),
                   refused=tuple((str(k), str(i), int(s)) for k, i, s in doc.get('refused', ())))


# --- changes, as the UI and the sync see them ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CardChanged:
    unit_id: str
    seq: int
    card: Card
    previous: Card | None


@dataclass(frozen=True, slots=True)
class GoalChanged:
    unit_id: str
    seq: int
    goal: Goal


@dataclass(frozen=True, slots=True)
class CardsArchived:
    unit_id: str
    card_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RecordsChanged:
    """A meeting was recorded or a recognition given or removed in a unit."""
    unit_id: str
    seq: int


@dataclass(frozen=True, slots=True)
class OrganisationChanged:
    organisation: Organisation


Change = CardChanged | GoalChanged | CardsArchived | OrganisationChanged | RecordsChanged


# --- the store ----------------------------------------------------------------------------------------------------

#: cards a unit's active board may hold (ideas, work, finished, tombstones): a real board has under a hundred; a
#: stolen token or a script must not grow one unit's file, and every screen of it, without bound
MAX_BOARD_CARDS = 1000
#: a card's position key longer than this makes the store spread its column's keys anew (see Store._place)
POSITION_SPREAD_AT = 24
#: meetings and recognitions a unit keeps (a weekly meeting for 50 years; three recognitions a week for 30)
MAX_MEETINGS = 2500
MAX_RECOGNITIONS = 5000
#: a unit's active board file may not grow past this (a busy ward's file after ten years is about 2 MB): whatever
#: a stolen wall-screen token pushes, one unit's writes stay cheap for the writer every unit shares
MAX_UNIT_FILE_BYTES = 8 * 1024 * 1024


class BoardFull(RuleViolation):
    """New cards beyond :data:`MAX_BOARD_CARDS`; ``card_ids`` are the ones that did not fit."""

    def __init__(self, card_ids: Iterable[str]) -> None:
        self.card_ids = tuple(card_ids)
        super().__init__([Problem('title', 'error.board_full', {'max': MAX_BOARD_CARDS})])


class Store(KioskRecords, UserRecords):
    """All units' boards. Create, :meth:`open`, use, :meth:`close`."""

    def __init__(self, folder: Path, *, archive_after_weeks: int = 4, node_id: str = 'hub',
                 now: Callable[[], datetime] = utc_now, clock: HybridClock | None = None,
                 read_only: bool = False, timezone: tzinfo | None = None) -> None:
        """``read_only``: look, without taking the data folder's lock (e.g. a CLI command beside a running hub)."""
        self.folder = Path(folder)
        self.read_only = read_only
        self._folder_lock = DataFolderLock(self.folder)
        self.archive_after_weeks = archive_after_weeks
        self.now = now
        #: where the board's weeks begin (Monday 00:00 here): the rollover and the weekly recognitions use it
        self.timezone = timezone or ZoneInfo('Europe/Oslo')
        self.clock = clock or HybridClock(node_id)
        self._lock = threading.RLock()
        self._writer: ThreadPoolExecutor | None = None
        self._subscribers: list[Callable[[Change], None]] = []
        #: changes of a transaction under way, told to the subscribers once it is on disk (see _transaction)
        self._pending = threading.local()
        self._org_db: TinyDB | None = None
        self._devices_db: TinyDB | None = None
        self._users_db: TinyDB | None = None
        self._organisation = Organisation(name='')
        self._units: dict[str, _UnitBoard] = {}
        self._heartbeats: dict[str, tuple[datetime, str, int, int, int]] = {}
        self._gain_cache: dict[Path, tuple[tuple[int, int], list[GainEntry]]] = {}
        #: time.monotonic() of the last committed change: how the hub knows it is busy
        self.last_change = 0.0

    # --- lifecycle ---

    def open(self) -> Store:
        """Load the organisation and every unit's active board; refuse files that do not parse."""
        with self._lock:
            (self.folder / 'units').mkdir(parents=True, exist_ok=True)
            (self.folder / 'archive').mkdir(exist_ok=True)
            if not self.read_only:
                self._folder_lock.acquire()  # raises DataFolderBusy if another process writes here
                remove_stale_temporary_files(self.folder)  # only the lock holder may: they could be its own
            self._org_db = open_db(self.folder / 'organisation.json')
            self._devices_db = open_db(self.folder / 'kiosks.json')
            self._users_db = open_db(self.folder / 'users.json')
            self._organisation = _load_organisation(self._org_db)
            self._units = {u.id: _UnitBoard.load(self.folder, u.id) for u in self._organisation.units}
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix='board-store-writer')
        return self

    def close(self) -> None:
        """Finish the writes under way, then close the files and release the data folder."""
        writer, self._writer = self._writer, None
        if writer is not None:
            # outside the lock: a write still running (the archiving at start, say) needs it to finish
            writer.shutdown(wait=True)
        with self._lock:
            for board in self._units.values():
                board.db.close()
            for db in (self._org_db, self._devices_db, self._users_db):
                if db is not None:
                    db.close()
            self._folder_lock.release()

    async def run(self, write: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a write on the store's single writer thread, so the event loop never waits for the disk."""
        import asyncio
        if self._writer is None:
            raise RuntimeError('store is not open')
        return await asyncio.get_running_loop().run_in_executor(self._writer, partial(write, *args, **kwargs))

    def subscribe(self, callback: Callable[[Change], None]) -> None:
        """Call ``callback`` after every committed change (on the writer's thread: hand it over, do not block)."""
        self._subscribers.append(callback)

    def unsubscribe(self, callback: Callable[[Change], None]) -> None:
        self._subscribers = [s for s in self._subscribers if s is not callback]

    # --- reads (memory only) ---

    @property
    def organisation(self) -> Organisation:
        return self._organisation

    def unit(self, unit_id: str) -> Unit | None:
        return self._organisation.unit(unit_id)

    def cards(self, unit_id: str) -> list[Card]:
        """The unit's cards on the board, by column and place."""
        cards = self._board(unit_id).cards.values()
        return sorted((c for c in cards if c.on_board), key=lambda c: (_COLUMN_ORDER[c.column], c.sort_key()))

    def card(self, unit_id: str, card_id: str) -> Card | None:
        card = self._board(unit_id).cards.get(card_id)
        return card if card is not None and card.on_board else None

    def declined(self, unit_id: str) -> list[Card]:
        """Ideas the board meeting declined that have not yet gone to the archive (for the history)."""
        return sorted((c for c in self._board(unit_id).cards.values() if not c.deleted and not c.on_board),
                      key=lambda c: c.answered_at or c.created_at)

    def local_now(self) -> datetime:
        return self.now().astimezone(self.timezone)

    def recognitions(self, unit_id: str) -> list[Recognition]:
        """The unit's recognitions (ros), oldest first, without removed ones."""
        return sorted((r for r in self._board(unit_id).recognitions.values() if not r.deleted),
                      key=lambda r: r.created_at)

    def records_since(self, unit_id: str, seq: int) -> tuple[list[Meeting], list[Recognition]]:
        """Meetings and recognitions recorded or changed after ``seq`` (for sync)."""
        board = self._board(unit_id)
        return ([m for m in board.meetings if m.seq > seq],
                sorted((r for r in board.recognitions.values() if r.seq > seq), key=lambda r: r.seq))

    def record_outbox(self, unit_id: str) -> tuple[list[Meeting], list[Recognition]]:
        """Meetings and recognitions made on this replica since they were last pushed to the hub."""
        return self.records_since(unit_id, self._board(unit_id).cursor.pushed)

    def goals(self, unit_id: str) -> list[Goal]:
        return sorted(self._board(unit_id).goals.values(), key=lambda g: (g.position, g.id))

    def meetings(self, unit_id: str) -> list[Meeting]:
        """The unit's board meetings, oldest first."""
        return self._board(unit_id).meetings

    def last_meeting(self, unit_id: str) -> Meeting | None:
        meetings = self._board(unit_id).meetings
        return meetings[-1] if meetings else None

    def seq(self, unit_id: str) -> int:
        return self._board(unit_id).seq

    def archived_cards(self, unit_id: str, year: int) -> list[Card]:
        """Cards finished in ``year`` that have left the board (reads the archive file)."""
        path = _archive_path(self.folder, unit_id, year)
        if not path.exists():
            return []
        with open_db(path) as db:
            return [card_from_dict(doc) for doc in db.table('cards').all()]

    def gain_entries(self) -> list[GainEntry]:
        """Every unit's gains: on the boards (memory) and in the yearly archives.

        An archive file is read once and its gains kept until the file changes (archiving appends to it once an
        hour at most), so the dashboard and the reports do not parse ten years of history on every look. An
        archive file that cannot be read is logged and left out; the other units' gains are still counted.
        """
        entries = entries_of(c for board in self._units.values() for c in board.cards.values())
        for unit_id in self._units:
            for year in self.archive_years(unit_id):
                try:
                    entries.extend(self._archived_gains(_archive_path(self.folder, unit_id, year)))
                except DataFileError:
                    log.exception('the gains of unit %s in %d are left out', unit_id, year)
        return entries

    def index_archive(self, unit_id: str, year: int) -> int:
        """Read one archive file's gains into the index now (the hub does this file by file after it starts).

        A file that cannot be read is logged with its unit and year, and the index goes on with the next one.
        """
        try:
            return len(self._archived_gains(_archive_path(self.folder, unit_id, year)))
        except DataFileError:
            log.exception('the gains of unit %s in %d cannot be indexed', unit_id, year)
            return 0

    def _archived_gains(self, path: Path) -> list[GainEntry]:
        try:
            stat = path.stat()
        except FileNotFoundError:
            return []
        key = (stat.st_mtime_ns, stat.st_size)
        cached = self._gain_cache.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        try:
            data = orjson.loads(path.read_bytes())
            # only the cards with a gain become Card objects: most of the history has none
            docs = [d for d in data.get('cards', {}).values() if d.get('gain')]
            gains = entries_of(card_from_dict(d) for d in docs)
        except (ValueError, KeyError, TypeError) as error:
            raise DataFileError(path, f'unexpected content: {error!r}') from error
        self._gain_cache[path] = (key, gains)
        return gains

    def snapshot(self, staging: Path) -> int:
        """Hard-link every data file into ``staging`` while no write can happen (for a consistent backup)."""
        from ..backup import snapshot_files
        with self._lock:
            return snapshot_files(self.folder, staging)

    def archive_years(self, unit_id: str) -> list[int]:
        folder = self.folder / 'archive' / unit_id
        return sorted(int(p.stem) for p in folder.glob('*.json') if p.stem.isdigit()) if folder.exists() else []

    # --- writes: organisation ---

    def add_service_area(self, area: ServiceArea) -> ServiceArea:
        _check_id(area.id)
        with self._lock, self._org_storage().batch():
            table = self._org().table('service_areas')
            table.upsert({'id': area.id, 'name': area.name}, Query().id == area.id)
            self._organisation = _load_organisation(self._org())
        self._emit(OrganisationChanged(self._organisation))
        return area

    def add_unit(self, unit: Unit) -> Unit:
        _check_id(unit.id)
        if self._organisation.service_area(unit.service_area_id) is None:
            raise ValueError(f'unknown service area {unit.service_area_id!r} for unit {unit.id!r}')
        with self._lock:
            with self._org_storage().batch():
                table = self._org().table('units')
                table.upsert({'id': unit.id, 'name': unit.name, 'service_area_id': unit.service_area_id},
                             Query().id == unit.id)
            self._organisation = _load_organisation(self._org())
            if unit.id not in self._units:
                self._units = {**self._units, unit.id: _UnitBoard.load(self.folder, unit.id)}
        self._emit(OrganisationChanged(self._organisation))
        return unit

    def import_organisation(self, areas: Iterable[ServiceArea], units: Iterable[Unit]) -> tuple[int, int]:
        """Add or rename service areas and units in one write (an import of a municipality's ~70 units).

        Checks everything first: a bad id or an unknown service area changes nothing. Returns how many areas and
        units are new.
        """
        areas, units = list(areas), list(units)
        known_areas = {a.id for a in self._organisation.service_areas} | {a.id for a in areas}
        for item_id in [a.id for a in areas] + [u.id for u in units]:
            _check_id(item_id)
        for unit in units:
            if unit.service_area_id not in known_areas:
                raise ValueError(f'unknown service area {unit.service_area_id!r} for unit {unit.id!r}')
        with self._lock:
            before_areas = {a.id for a in self._organisation.service_areas}
            before_units = {u.id for u in self._organisation.units}
            with self._org_storage().batch():
                for area in areas:
                    self._org().table('service_areas').upsert({'id': area.id, 'name': area.name},
                                                              Query().id == area.id)
                for unit in units:
                    self._org().table('units').upsert(
                        {'id': unit.id, 'name': unit.name, 'service_area_id': unit.service_area_id},
                        Query().id == unit.id)
            self._organisation = _load_organisation(self._org())
            new_units = {u.id for u in units} - before_units
            self._units = {**self._units, **{u: _UnitBoard.load(self.folder, u) for u in sorted(new_units)}}
        self._emit(OrganisationChanged(self._organisation))
        return len({a.id for a in areas} - before_areas), len(new_units)

    def rename_organisation(self, name: str) -> None:
        with self._lock, self._org_storage().batch():
            self._org().table('organisation').upsert({'key': 'organisation', 'name': name},
                                                     Query().key == 'organisation')
            self._organisation = _load_organisation(self._org())
        self._emit(OrganisationChanged(self._organisation))

    # --- writes: goals ---

    def save_goal(self, goal: Goal, *, stamp: str | None = None) -> Goal:
        """Create or replace a goal of its unit (``stamp``: keep the stamp of a goal received from another node)."""
        _check_id(goal.id)
        with self._lock:
            board = self._board(goal.unit_id)
            if stamp is not None:
                self.clock.observe(stamp)
            stamp = stamp or self.clock.tick()
            seq = board.seq + 1
            doc = goal_to_dict(goal) | {'seq': seq, 'stamp': stamp}
            with board.storage.batch():
                board.goals_table.upsert(doc, Query().id == goal.id)
                board.write_seq(seq)
            board.goals = {**board.goals, goal.id: goal}
            board.goal_versions = {**board.goal_versions, goal.id: (seq, stamp)}
            board.seq = seq
            self._emit(GoalChanged(goal.unit_id, seq, goal))
        return goal

    # --- sync: what the hub and the wall screens exchange ---

    def changes_since(self, unit_id: str, seq: int) -> tuple[list[Card], list[tuple[Goal, str]], int]:
        """Cards (tombstones included) and goals with their stamps changed after ``seq``, and the current seq."""
        board = self._board(unit_id)
        cards = sorted((c for c in board.cards.values() if c.seq > seq), key=lambda c: c.seq)
        goals = [(board.goals[g], stamp) for g, (goal_seq, stamp) in board.goal_versions.items() if goal_seq > seq]
        return cards, goals, board.seq

    def merge_cards(self, unit_id: str, cards: Iterable[Card]) -> list[Card]:
        """Take cards changed on another node: merge field by field, keep their stamps, number what changed here.

        All of them in one durable write: a push of 60 cards costs one write of the unit's file, not 60.
        """
        board = self._board(unit_id)
        with self._transaction(board):
            changes: dict[str, tuple[Card | None, Card]] = {}  # by id: the card before the push, and merged
            for incoming in cards:
                if incoming.unit_id != unit_id:
                    raise ValueError(f'card {incoming.id} belongs to {incoming.unit_id}, not {unit_id}')
                before = board.cards.get(incoming.id)
                current = changes[incoming.id][1] if incoming.id in changes else before
                merged = merge_card(current, incoming)
                if current is not None and dataclasses.replace(merged, seq=current.seq) == current:
                    continue  # nothing new: sent again, or already known
                changes[incoming.id] = (before, merged)
            new = [card_id for card_id, (before, _) in changes.items() if before is None]
            room = MAX_BOARD_CARDS - len(board.cards)
            if len(new) > room:
                raise BoardFull(new[max(room, 0):])
            for _, merged in changes.values():
                for stamp in merged.stamps.values():
                    self.clock.observe(stamp)
            return self._commit_many(board, list(changes.values()))

    def merge_push(self, unit_id: str, cards: Iterable[Card], meetings: Iterable[Meeting] = (),
                   recognitions: Iterable[Recognition] = ()) -> list[int]:
        """What one sync exchange brings: cards, meetings and recognitions, merged in one durable write.

        Returns the sequence numbers they got here (see :meth:`merge_records`).
        """
        board = self._board(unit_id)
        with self._transaction(board):
            seqs = [c.seq for c in self.merge_cards(unit_id, cards)]
            seqs += self.merge_records(unit_id, meetings, recognitions)
        return seqs

    def merge_goals(self, unit_id: str, goals: Iterable[tuple[Goal, str]]) -> None:
        """Take goals changed on the hub: the later version of a goal wins."""
        with self._lock:
            board = self._board(unit_id)
            for goal, stamp in goals:
                mine = board.goals.get(goal.id)
                mine_stamp = board.goal_versions.get(goal.id, (0, ''))[1]
                winner, winner_stamp = merge_goal(mine, mine_stamp, goal, stamp)
                if winner is not mine:
                    self.save_goal(winner, stamp=winner_stamp)

    def sync_cursor(self, unit_id: str) -> SyncCursor:
        return self._board(unit_id).cursor

    def set_sync_cursor(self, unit_id: str, cursor: SyncCursor) -> None:
        """Remember durably how far the replica has synced, so the outbox survives a restart or a power cut."""
        with self._lock:
            board = self._board(unit_id)
            if cursor == board.cursor:
                return
            with board.storage.batch():
                board.db.table('meta').upsert(document({'unit_id': unit_id, 'seq': board.seq,
                                                         'sync': dataclasses.asdict(cursor)}, 1))
            board.cursor = cursor

    def outbox(self, unit_id: str) -> list[Card]:
        """Cards changed on this replica since they were last pushed to the hub."""
        board = self._board(unit_id)
        return sorted((c for c in board.cards.values() if c.seq > board.cursor.pushed), key=lambda c: c.seq)

    # --- writes: cards ---

    def create_card(self, unit_id: str, fields: CardFields, *, origin: Origin = Origin.BOARD,
                    created_by: str = '', column: Column = Column.IDEAS, card_id: str | None = None) -> Card:
        """A new card, on top of its column. Raises :class:`RuleViolation` for invalid input."""
        fields = fields.cleaned()
        with self._lock:
            board = self._board(unit_id)
            _raise_problems(validate_card_fields(fields, board.goals.values()))
            if len(board.cards) >= MAX_BOARD_CARDS:
                raise BoardFull(['new'])
            now = self.now()
            position, respread = self._place(self._column(board, column), 0)
            card = Card(id=card_id or uuid.uuid4().hex, unit_id=unit_id, column=column, position=position,
                        origin=origin, created_by=created_by.strip(), changed_origin=origin,
                        changed_by=created_by.strip(), created_at=now,
                        started_at=now if column != Column.IDEAS else None,
                        finished_at=now if column == Column.DONE else None,
                        **_fields_dict(fields))
            if column == Column.DOING and card.pdca is None:
                card = dataclasses.replace(card, pdca=PdcaStage.PLAN)
            if origin == Origin.PHONE:
                card = dataclasses.replace(card, unseen=True)
            return self._commit(board, None, card, respread=respread)

    def edit_card(self, unit_id: str, card_id: str, fields: CardFields, *, origin: Origin = Origin.BOARD,
                  by: str = '') -> Card:
        """Change what a person edits on a card. Raises :class:`RuleViolation` for invalid input."""
        fields = fields.cleaned()
        with self._lock:
            board = self._board(unit_id)
            before = self._existing(board, card_id)
            _raise_problems(validate_card_fields(fields, board.goals.values()))
            after = dataclasses.replace(before, **_fields_dict(fields))
            if before.column != Column.DOING:
                after = dataclasses.replace(after, pdca=before.pdca)  # a PDCA stage belongs to work in progress
            return self._commit(board, before, after, origin=origin, by=by)

    def move_card(self, unit_id: str, card_id: str, column: Column, index: int, *,
                  origin: Origin = Origin.BOARD, by: str = '') -> Card:
        """Move a card to ``index`` in ``column`` (counted without the card itself)."""
        with self._lock:
            board = self._board(unit_id)
            before = self._existing(board, card_id)
            others = [c for c in self._column(board, column) if c.id != card_id]
            position, respread = self._place(others, index)
            after = move_card(before, column, position=position, now=self.now())
            return self._commit(board, before, after, origin=origin, by=by, respread=respread)

    def set_gain(self, unit_id: str, card_id: str, gain: Gain | None, *, origin: Origin = Origin.BOARD,
                 by: str = '') -> Card:
        """Record, change or remove (``None``) a card's gain. Raises :class:`RuleViolation` for an invalid gain."""
        with self._lock:
            board = self._board(unit_id)
            before = self._existing(board, card_id)
            if gain is not None:
                gain = dataclasses.replace(gain, note=gain.note.strip(), confirmed_by=gain.confirmed_by.strip())
                _raise_problems(validate_gain(gain, before.column, self.local_now().date()))
            return self._commit(board, before, dataclasses.replace(before, gain=gain), origin=origin, by=by)

    def record_meeting(self, meeting: Meeting) -> Meeting:
        """Keep a board meeting's record; the ideas it went through are no longer marked new."""
        board = self._board(meeting.unit_id)
        with self._transaction(board):
            meeting = self._commit_meeting(board, meeting)
            for card in [c for c in board.cards.values() if c.unseen and not c.deleted]:
                self._commit(board, card, dataclasses.replace(card, unseen=False))
        return meeting

    def add_recognition(self, unit_id: str, text: str, *, recognition_id: str | None = None) -> Recognition:
        """Ros on the board for this week. Raises :class:`RuleViolation` for empty or too long text."""
        text = text.strip()
        _raise_problems(validate_short_text(text, 'text'))
        with self._lock:
            board = self._board(unit_id)
            recognition = Recognition(id=recognition_id or uuid.uuid4().hex, unit_id=unit_id, text=text,
                                      created_at=self.now())
            return self._commit_recognition(board, recognition)

    def remove_recognition(self, unit_id: str, recognition_id: str) -> Recognition | None:
        with self._lock:
            board = self._board(unit_id)
            existing = board.recognitions.get(recognition_id)
            if existing is None or existing.deleted:
                return None
            return self._commit_recognition(board, dataclasses.replace(existing, deleted=True))

    def merge_records(self, unit_id: str, meetings: Iterable[Meeting],
                      recognitions: Iterable[Recognition]) -> list[int]:
        """Take meetings and recognitions from another node: new ones are kept, a removal wins.

        Returns the sequence numbers they got here, so a replica knows which of its changes came from the hub.
        """
        board = self._board(unit_id)
        with self._transaction(board):
            known = {m.id for m in board.meetings}
            new_meetings: dict[str, Meeting] = {}
            for meeting in meetings:
                if meeting.unit_id == unit_id and meeting.id not in known:
                    new_meetings.setdefault(meeting.id, meeting)
            taken: dict[str, Recognition] = {}
            for recognition in recognitions:
                mine = taken.get(recognition.id) or board.recognitions.get(recognition.id)
                if recognition.unit_id != unit_id or (mine is not None and (mine.deleted or not recognition.deleted)):
                    continue
                taken[recognition.id] = recognition
            if len(board.meetings) + len(new_meetings) > MAX_MEETINGS \
                    or len(board.recognitions) + len(taken) > MAX_RECOGNITIONS:
                raise RuleViolation([Problem('records', 'error.too_many', {'max': MAX_MEETINGS})])
            return self._commit_records(board, list(new_meetings.values()), list(taken.values()))

    def _commit_meeting(self, board: _UnitBoard, meeting: Meeting) -> Meeting:
        _raise_problems(validate_meeting(meeting))
        self._commit_records(board, [meeting], [])
        return next(m for m in board.meetings if m.id == meeting.id)

    def _commit_recognition(self, board: _UnitBoard, recognition: Recognition) -> Recognition:
        _raise_problems(validate_recognition(recognition))
        self._commit_records(board, [], [recognition])
        return board.recognitions[recognition.id]

    def _commit_records(self, board: _UnitBoard, meetings: list[Meeting],
                        recognitions: list[Recognition]) -> list[int]:
        """Number meetings and recognitions and write them in one durable write: one table walk per kind."""
        if not meetings and not recognitions:
            return []
        seq = board.seq
        numbered_meetings = [dataclasses.replace(m, seq=seq + n) for n, m in enumerate(meetings, start=1)]
        seq += len(meetings)
        numbered_recognitions = [dataclasses.replace(r, seq=seq + n) for n, r in enumerate(recognitions, start=1)]
        seq += len(recognitions)
        with self._transaction(board), board.storage.batch():
            _save_records(board.db.table('meetings'), [meeting_to_dict(m) for m in numbered_meetings])
            _save_records(board.db.table('recognitions'), [recognition_to_dict(r) for r in numbered_recognitions])
            board.write_seq(seq)
            board.seq = seq
            if numbered_meetings:
                ids = {m.id for m in numbered_meetings}
                board.meetings = sorted([*(m for m in board.meetings if m.id not in ids), *numbered_meetings],
                                        key=lambda m: m.started_at)
            if numbered_recognitions:
                board.recognitions = {**board.recognitions, **{r.id: r for r in numbered_recognitions}}
            seqs = [m.seq for m in numbered_meetings] + [r.seq for r in numbered_recognitions]
            for number in seqs:
                self._emit(RecordsChanged(board.unit_id, number))
        return seqs

    def answer_idea(self, unit_id: str, card_id: str, answer: Answer, note: str = '', *,
                    origin: Origin = Origin.BOARD, by: str = '') -> Card:
        """The meeting parks an idea (it stays in Ideer, marked) or declines it with a reason (it leaves the board).

        Raises :class:`RuleViolation` if the card is not an idea or a declined idea has no reason.
        """
        note = note.strip()
        with self._lock:
            board = self._board(unit_id)
            before = self._existing(board, card_id)
            if before.column != Column.IDEAS:
                raise RuleViolation([Problem('answer', 'error.answer_not_idea')])
            if answer == Answer.DECLINED or note:
                _raise_problems(validate_short_text(note, 'answer_note'))
            after = dataclasses.replace(before, answer=answer, answer_note=note, answered_at=self.now(),
                                        unseen=False)
            return self._commit(board, before, after, origin=origin, by=by)

    def set_root_causes(self, unit_id: str, card_id: str, whys: Iterable[str],
                        causes: Iterable[tuple[FishboneHeading, str]], *, origin: Origin = Origin.BOARD,
                        by: str = '') -> Card:
        """Keep a card's five whys and fishbone causes (blank lines are dropped)."""
        whys = tuple(w.strip() for w in whys if w.strip())
        causes = tuple((h, c.strip()) for h, c in causes if c.strip())
        problems = [Problem('whys', 'error.too_many', {'max': WHY_MAX})] if len(whys) > WHY_MAX else []
        if len(causes) > CAUSE_MAX:
            problems.append(Problem('causes', 'error.too_many', {'max': CAUSE_MAX}))
        for text in (*whys, *(c for _, c in causes)):
            problems += validate_short_text(text, 'causes')
        _raise_problems(problems[:1])
        with self._lock:
            board = self._board(unit_id)
            before = self._existing(board, card_id)
            return self._commit(board, before, dataclasses.replace(before, whys=whys, causes=causes), origin=origin,
                                by=by)

    def confirm_gain(self, unit_id: str, card_id: str, *, realised_on: date, by: str) -> Card:
        """A leader confirms a card's gain as realised: on the board, or in the archive (months after the work).

        Raises :class:`RuleViolation` if the card has no gain or the confirmation is invalid.
        """
        with self._lock:
            board = self._board(unit_id)
            card = board.cards.get(card_id)
            archived_in = None
            if card is None or card.deleted:
                card, archived_in = self._archived_card(unit_id, card_id)
            if card is None or card.gain is None:
                raise RuleViolation([Problem('card', 'error.card_gone')])
            gain = dataclasses.replace(card.gain, status=GainStatus.REALISED, realised_on=realised_on,
                                       confirmed_by=by.strip())
            if archived_in is None:
                return self.set_gain(unit_id, card_id, gain, origin=Origin.LEADER, by=by)
            _raise_problems(validate_gain(gain, card.column, self.local_now().date()))
            stamp = self.clock.tick()
            updated = dataclasses.replace(card, gain=gain, changed_origin=Origin.LEADER, changed_by=by.strip(),
                                          stamps={**card.stamps, 'gain': stamp})
            self._write_archive(unit_id, archived_in, [updated])
            return updated

    def _archived_card(self, unit_id: str, card_id: str) -> tuple[Card | None, int | None]:
        for year in reversed(self.archive_years(unit_id)):
            with open_db(_archive_path(self.folder, unit_id, year)) as db:
                doc = db.table('cards').get(Query().id == card_id)
            if isinstance(doc, dict):
                return card_from_dict(doc), year
        return None, None

    def mark_seen(self, unit_id: str, card_id: str) -> Card:
        """Someone opened a new idea on the board: it is no longer marked new."""
        with self._lock:
            board = self._board(unit_id)
            before = self._existing(board, card_id)
            return self._commit(board, before, dataclasses.replace(before, unseen=False))

    def delete_card(self, unit_id: str, card_id: str, *, origin: Origin = Origin.BOARD, by: str = '') -> Card:
        """Remove a card from the board; a tombstone stays so that every screen and replica learns of it."""
        with self._lock:
            board = self._board(unit_id)
            before = self._existing(board, card_id)
            return self._commit(board, before, dataclasses.replace(before, deleted=True), origin=origin, by=by)

    def import_cards(self, unit_id: str, cards: Iterable[Card]) -> int:
        """Put existing cards (a demo, a migration, a benchmark's history) into a unit in one write per file."""
        with self._lock:
            board = self._board(unit_id)
            cutoff = self.archive_cutoff()
            active: list[Card] = []
            by_year: dict[int, list[Card]] = {}
            for card in cards:
                if card.unit_id != unit_id:
                    raise ValueError(f'card {card.id} belongs to {card.unit_id}, not {unit_id}')
                if _archivable(card, cutoff):
                    by_year.setdefault(_archive_year(card, self.timezone), []).append(card)
                else:
                    active.append(card)
            for year, archived in by_year.items():
                self._write_archive(unit_id, year, archived)
            seq = board.seq
            docs = []
            stamp = self.clock.tick()
            stamped = []
            for card in active:
                seq += 1
                numbered = dataclasses.replace(card, seq=seq, stamps=card.stamps or dict.fromkeys(_STAMPED, stamp))
                stamped.append(numbered)
                docs.append(card_to_dict(numbered))
            with board.storage.batch():
                doc_ids = board.cards_table.insert_multiple(docs)
                board.write_seq(seq)
            board.cards = {**board.cards, **{c.id: c for c in stamped}}
            board.doc_ids = {**board.doc_ids, **{c.id: d for c, d in zip(stamped, doc_ids, strict=True)}}
            board.seq = seq
        for card in stamped:
            self._emit(CardChanged(unit_id, card.seq, card, None))
        return len(active) + sum(len(v) for v in by_year.values())

    def archive_cutoff(self) -> datetime:
        """Cards finished (or ideas declined) before this leave the board: at the start of a week (Monday 00:00,
        local time), those from ``archive_after_weeks`` weeks back and earlier. With 4: finished in week 44, gone
        when week 48 begins."""
        return week_start(self.local_now(), self.archive_after_weeks - 1)

    def archive_finished(self) -> int:
        """Move finished cards older than ``archive_after_weeks`` (and old tombstones) off every board."""
        moved = 0
        for unit_id in list(self._units):
            try:
                moved += self._archive_unit(unit_id)
            except Exception:  # one unit's problem must not stop the others' archiving
                log.exception('archiving unit %s failed; its cards stay on the board', unit_id)
        return moved

    # --- internals ---

    def _archive_unit(self, unit_id: str) -> int:
        with self._lock:
            board = self._board(unit_id)
            cutoff = self.archive_cutoff()
            leaving = [c for c in board.cards.values() if _leaving(c, cutoff)]
            if not leaving:
                return 0
            by_year: dict[int, list[Card]] = {}
            for card in leaving:
                if not card.deleted:
                    by_year.setdefault(_archive_year(card, self.timezone), []).append(card)
            # archive first: a kill in between leaves a card in both places, and the next pass finishes the move
            for year, cards in by_year.items():
                self._write_archive(unit_id, year, cards)
            with board.storage.batch():
                board.cards_table.remove(doc_ids=[board.doc_ids[c.id] for c in leaving])
            ids = {c.id for c in leaving}
            board.cards = {k: v for k, v in board.cards.items() if k not in ids}
            board.doc_ids = {k: v for k, v in board.doc_ids.items() if k not in ids}
        self._emit(CardsArchived(unit_id, tuple(sorted(ids))))
        log.info('archived %d cards of unit %s', len(ids), unit_id)
        return len(ids)

    def _write_archive(self, unit_id: str, year: int, cards: list[Card]) -> None:
        path = _archive_path(self.folder, unit_id, year)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open_db(path) as db:
            table = db.table('cards')
            storage: AtomicJSONStorage = db.storage  # type: ignore[assignment]
            with storage.batch():
                existing = {doc['id']: doc.doc_id for doc in table.all()}
                fresh = [card_to_dict(c) for c in cards if c.id not in existing]
                for card in cards:
                    if card.id in existing:
                        table.update(card_to_dict(card), doc_ids=[existing[card.id]])
                table.insert_multiple(fresh)

    def _commit(self, board: _UnitBoard, before: Card | None, after: Card, *, origin: Origin | None = None,
                by: str = '', respread: Sequence[tuple[Card, Card]] = ()) -> Card:
        """Stamp, number and durably write one card change, then tell the subscribers.

        ``respread``: other cards of the column whose places changed with it (see :meth:`_place`), in one write.
        """
        stamped = self._stamp(before, after, origin=origin, by=by)
        changes: list[tuple[Card | None, Card]] = []
        for other, moved in respread:
            restamped = self._stamp(other, moved, origin=origin, by=by)
            if restamped is not None:
                changes.append((other, restamped))
        if stamped is not None:
            changes.append((before, stamped))
        with self._transaction(board):
            committed = self._commit_many(board, changes)
        if stamped is not None:
            return committed[-1]
        assert before is not None  # a new card always has something to write
        return before

    def _stamp(self, before: Card | None, after: Card, *, origin: Origin | None, by: str) -> Card | None:
        """The change with the board's rules applied and its changed fields stamped; None if nothing changed."""
        after = normalise_card(after)
        names = changed_fields(before, after) if before is not None else list(_STAMPED)
        if before is not None and not names:
            return None
        stamp = self.clock.tick()
        stamps = dict(before.stamps) if before is not None else {}
        stamps.update(dict.fromkeys((n for n in names if n in _STAMPED), stamp))
        if origin is not None:
            after = dataclasses.replace(after, changed_origin=origin, changed_by=by.strip())
        return dataclasses.replace(after, stamps=stamps)

    def _place(self, ordered: list[Card], index: int) -> tuple[str, list[tuple[Card, Card]]]:
        """A position key for a card at ``index`` among ``ordered`` (its column, without it).

        Keys grow when cards go on top again and again; past :data:`POSITION_SPREAD_AT` digits the whole column
        gets short keys spread evenly, and the other cards' new places are returned to be written with the card.
        """
        position = position_at(ordered, index)
        if len(position) <= POSITION_SPREAD_AT:
            return position, []
        index = max(0, min(index, len(ordered)))
        keys = spread_keys(len(ordered) + 1)
        own = keys.pop(index)
        return own, [(card, dataclasses.replace(card, position=key)) for card, key in zip(ordered, keys, strict=True)
                     if card.position != key]

    def _commit_as_is(self, board: _UnitBoard, before: Card | None, card: Card) -> Card:
        """Number and durably write a card with the stamps it has, then tell the subscribers.

        Local changes arrive here stamped by ``_commit``; merged changes from another node keep their stamps.
        """
        return self._commit_many(board, [(before, card)])[0]

    def _commit_many(self, board: _UnitBoard, changes: list[tuple[Card | None, Card]]) -> list[Card]:
        """Number cards one after the other and write them in one durable write, then tell the subscribers.

        One TinyDB operation for the new cards and one for the changed ones: TinyDB walks the whole table on each
        operation, so a push of 200 cards made one at a time cost 400 walks of the board.
        """
        if not changes:
            return []
        numbered = [(before, dataclasses.replace(card, seq=board.seq + number))
                    for number, (before, card) in enumerate(changes, start=1)]
        fresh = [card for before, card in numbered if before is None]
        changed = {card.id: card_to_dict(card) for before, card in numbered if before is not None}

        def replace_document(document: MutableMapping[str, Any]) -> None:
            replacement = changed[document['id']]
            document.clear()
            document.update(replacement)

        seq = numbered[-1][1].seq
        with board.storage.batch():
            new_ids = board.cards_table.insert_multiple(card_to_dict(c) for c in fresh) if fresh else []
            if changed:
                board.cards_table.update(replace_document, doc_ids=[board.doc_ids[i] for i in changed])
            board.write_seq(seq)
        board.cards = {**board.cards, **{card.id: card for _, card in numbered}}
        board.doc_ids = {**board.doc_ids, **{card.id: doc_id for card, doc_id in zip(fresh, new_ids, strict=True)}}
        board.seq = seq
        for before, card in numbered:
            self._emit(CardChanged(board.unit_id, card.seq, card, before))
        return [card for _, card in numbered]

    @contextlib.contextmanager
    def _transaction(self, board: _UnitBoard) -> Iterator[None]:
        """Several changes of one unit as one durable write: all of them reach the disk, or none does.

        If the write fails (a full disk), the unit's board in memory is put back as it was, and nobody has been
        told of the changes: subscribers hear of them only once they are on disk.
        """
        with self._lock:
            outer = getattr(self._pending, 'changes', None) is None
            saved = board.state()
            if outer:
                self._pending.changes = []
            try:
                with board.storage.batch():
                    yield
            except BaseException:
                board.restore(saved)
                if outer:
                    self._pending.changes = None
                raise
            if outer:
                changes, self._pending.changes = self._pending.changes, None
                for change in changes:
                    self._emit(change)

    def _emit(self, change: Change) -> None:
        pending = getattr(self._pending, 'changes', None)
        if pending is not None:
            pending.append(change)
            return
        self.last_change = time.monotonic()
        for callback in list(self._subscribers):
            try:
                callback(change)
            except Exception:
                log.exception('a subscriber failed on %s', type(change).__name__)

    def _board(self, unit_id: str) -> _UnitBoard:
        try:
            return self._units[unit_id]
        except KeyError:
            raise KeyError(f'unknown unit {unit_id!r}') from None

    def _existing(self, board: _UnitBoard, card_id: str) -> Card:
        card = board.cards.get(card_id)
        if card is None or not card.on_board:
            raise RuleViolation([Problem('card', 'error.card_gone')])
        return card

    def _column(self, board: _UnitBoard, column: Column) -> list[Card]:
        return sorted((c for c in board.cards.values() if c.column == column and c.on_board),
                      key=Card.sort_key)

    def _org(self) -> TinyDB:
        if self._org_db is None:
            raise RuntimeError('store is not open')
        return self._org_db

    def _org_storage(self) -> AtomicJSONStorage:
        return self._org().storage  # type: ignore[return-value]


@dataclass(kw_only=True)
class _UnitBoard:
    """One unit's active board: its TinyDB file and the domain objects read from it."""
    unit_id: str
    db: TinyDB
    cards: dict[str, Card]
    doc_ids: dict[str, int]
    goals: dict[str, Goal]
    #: per goal: (seq, stamp) of its last change, for sync
    goal_versions: dict[str, tuple[int, str]]
    seq: int
    #: how far this replica has pushed its changes to the hub and pulled the hub's (kiosks only)
    cursor: SyncCursor
    meetings: list[Meeting] = dataclasses.field(default_factory=list)
    recognitions: dict[str, Recognition] = dataclasses.field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path, unit_id: str) -> _UnitBoard:
        db = open_db(folder / 'units' / f'{unit_id}.json', max_bytes=MAX_UNIT_FILE_BYTES)
        cards_table = db.table('cards')
        try:
            docs = cards_table.all()
            cards = {doc['id']: card_from_dict(doc) for doc in docs}
            goal_docs = db.table('goals').all()
            goals = {doc['id']: goal_from_dict(doc) for doc in goal_docs}
            versions = {doc['id']: (int(doc.get('seq', 0)), str(doc.get('stamp', ''))) for doc in goal_docs}
            meta = db.table('meta').get(doc_id=1)
            cursor = SyncCursor.from_dict(meta.get('sync', {})) if meta else SyncCursor()
            meetings = sorted((meeting_from_dict(d) for d in db.table('meetings').all()), key=lambda m: m.started_at)
            recognitions = {d['id']: recognition_from_dict(d) for d in db.table('recognitions').all()}
        except (KeyError, TypeError, ValueError) as error:
            raise DataFileError(folder / 'units' / f'{unit_id}.json', f'unexpected content: {error!r}') from error
        seq = max([int(meta['seq']) if meta else 0, *(c.seq for c in cards.values()), *(m.seq for m in meetings),
                   *(r.seq for r in recognitions.values())])
        return cls(unit_id=unit_id, db=db, cards=cards, doc_ids={doc['id']: doc.doc_id for doc in docs},
                   goals=goals, goal_versions=versions, seq=seq, cursor=cursor, meetings=meetings,
                   recognitions=recognitions)

    @property
    def storage(self) -> AtomicJSONStorage:
        return self.db.storage  # type: ignore[return-value]

    def state(self) -> tuple[Any, ...]:
        """What a transaction puts back if its write fails (the containers are replaced, never changed)."""
        return tuple(getattr(self, name) for name in _BOARD_STATE)

    def restore(self, state: tuple[Any, ...]) -> None:
        for name, value in zip(_BOARD_STATE, state, strict=True):
            setattr(self, name, value)

    @property
    def cards_table(self) -> Table:
        return self.db.table('cards')

    @property
    def goals_table(self) -> Table:
        return self.db.table('goals')

    def write_seq(self, seq: int) -> None:
        self.db.table('meta').upsert(document({'unit_id': self.unit_id, 'seq': seq}, 1))


_BOARD_STATE = ('cards', 'doc_ids', 'goals', 'goal_versions', 'seq', 'cursor', 'meetings', 'recognitions')


def _save_records(table: Table, docs: list[dict[str, Any]]) -> None:
    """Insert or replace documents by their ``id``, walking the table once (not once per document)."""
    if not docs:
        return
    by_id = {doc['id']: doc for doc in docs}
    replaced: set[str] = set()

    def replace(document: MutableMapping[str, Any]) -> None:
        record_id = document['id']
        replaced.add(record_id)
        document.clear()
        document.update(by_id[record_id])
    table.update(replace, Query().id.one_of(list(by_id)))
    table.insert_multiple(doc for record_id, doc in by_id.items() if record_id not in replaced)


def _archive_path(folder: Path, unit_id: str, year: int) -> Path:
    return folder / 'archive' / unit_id / f'{year}.json'


def _check_id(value: str) -> None:
    if not is_valid_id(value):
        raise ValueError(f'invalid id {value!r}: use lower-case letters, digits, "-" and "_" (at most 63)')


def _raise_problems(problems: list[Problem]) -> None:
    if problems:
        raise RuleViolation(problems)


def _archivable(card: Card, cutoff: datetime) -> bool:
    if card.deleted:
        return False
    if card.answer == Answer.DECLINED:
        return card.answered_at is not None and card.answered_at < cutoff
    return card.column == Column.DONE and card.finished_at is not None and card.finished_at < cutoff


def _archive_year(card: Card, timezone: tzinfo) -> int:
    """The year of a card's archive file: when it was finished (or declined), in local time."""
    moment = card.finished_at if card.answer != Answer.DECLINED else card.answered_at
    return (moment or card.created_at).astimezone(timezone).year


def _leaving(card: Card, cutoff: datetime) -> bool:
    """Whether the archive pass takes the card off the board; a card it cannot judge stays, and is logged."""
    try:
        return _archivable(card, cutoff) or _expired_tombstone(card, cutoff)
    except (TypeError, ValueError):
        log.exception('card %s of unit %s cannot be archived; it stays on the board', card.id, card.unit_id)
        return False


def _expired_tombstone(card: Card, cutoff: datetime) -> bool:
    if not card.deleted or not card.stamps:
        return False
    newest_ms = stamp_ms(newest_stamp(card))
    return datetime.fromtimestamp(newest_ms / 1000, cutoff.tzinfo) < cutoff


# --- documents <-> domain objects ---------------------------------------------------------------------------------

_STAMPED = STAMPED_FIELDS


def _fields_dict(fields: CardFields) -> dict[str, Any]:
    return {f.name: getattr(fields, f.name) for f in dataclasses.fields(CardFields)}



def _load_organisation(db: TinyDB) -> Organisation:
    try:
        meta = db.table('organisation').get(Query().key == 'organisation')
        areas = tuple(ServiceArea(id=d['id'], name=d['name']) for d in db.table('service_areas').all())
        units = tuple(Unit(id=d['id'], name=d['name'], service_area_id=d['service_area_id'])
                      for d in db.table('units').all())
    except (KeyError, TypeError) as error:
        raise DataFileError(Path(db.storage.path), f'unexpected content: {error!r}') from error  # type: ignore[attr-defined]
    name = meta['name'] if isinstance(meta, dict) else ''
    return Organisation(name=name, service_areas=areas, units=units)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None

