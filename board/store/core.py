"""The Store: every unit's board in memory, written through one writer, publishing each change.

A thin facade over the rooms of the store: one :class:`UnitBoard` per unit (its file and the objects read from
it), the :class:`Archive` (yearly files and the gains index), the :class:`OrganisationFile`, and the
``wall_screens`` and ``accounts`` registries. What a change means is decided by the domain (``board.domain``:
``new_card``, ``move_card``, ``answered`` ...); the store numbers, stamps, writes and tells.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import hashlib
import logging
import queue
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import ParamSpec, TypeVar, cast
from zoneinfo import ZoneInfo

from ..clock import HybridClock, utc_now
from ..domain import (
    FULL_TIME_WEEK,
    MAX_SHARED,
    Answer,
    Card,
    CardFields,
    Column,
    Escalation,
    EscalationState,
    FishboneHeading,
    Gain,
    Goal,
    GoalValue,
    LeaderNote,
    Lift,
    Meeting,
    NoteKind,
    Organisation,
    Origin,
    Problem,
    Reading,
    Recognition,
    RuleViolation,
    ServiceArea,
    Unit,
    VsaTag,
    answered,
    changed_fields,
    confirmed,
    edited,
    leader_only,
    move_card,
    new_card,
    normalise_card,
    position_at,
    validate_goal,
    validate_goal_value,
    validate_meeting,
    validate_recognition,
    validate_short_text,
    week_start,
    with_gain,
    with_readings,
    with_root_causes,
)
from ..domain.changelog import LogEntry, log_entry
from ..domain.meeting_time import MeetingTime
from ..domain.programme import UnitRollout, ValueStreamAnalysis, validate_rollout, validate_vsa
from ..gains import GainEntry, entries_of
from ..merge import STAMPED_FIELDS, first_stamped, merge_card, merge_goal, merge_record
from ..ordering import spread_keys
from .acting import current_source
from .archive import Archive, archivable, deleted_at, leaving
from .audits import Audits
from .changes import (
    AuditChanged,
    CardChanged,
    CardsArchived,
    Change,
    CitizenIdeasChanged,
    GoalChanged,
    GoalValuesChanged,
    NotesChanged,
    OrganisationChanged,
    RecordsChanged,
)
from .citizen_ideas import CitizenIdeas
from .files import StoreWriteError, group_commit, remove_stale_temporary_files, snapshot_files
from .journal import (
    CHECKPOINT_BYTES,
    CHECKPOINT_HARD_BYTES,
    CHECKPOINT_IDLE,
    JOURNAL_NAME,
    Journal,
    latest_records,
    recover,
)
from .kiosks import WallScreens
from .lock import DataFolderLock
from .mail_log import MailLog
from .migrations import check_folder, migrate_folder
from .organisation import OrganisationFile, check_id
from .unit_board import (
    MAX_BOARD_CARDS,
    MAX_GOAL_VALUES,
    MAX_MEETINGS,
    MAX_NOTES,
    MAX_OPEN_NOTES,
    MAX_RECOGNITIONS,
    SyncCursor,
    UnitBoard,
)
from .users import Accounts

__all__ = ['POSITION_SPREAD_AT', 'BoardFull', 'Store']

log = logging.getLogger(__name__)

P = ParamSpec('P')
T = TypeVar('T')

#: a card's position key longer than this makes the store spread its column's keys anew (see Store._place)
POSITION_SPREAD_AT = 24


class BoardFull(RuleViolation):
    """New cards beyond :data:`MAX_BOARD_CARDS`; ``card_ids`` are the ones that did not fit."""

    def __init__(self, card_ids: Iterable[str]) -> None:
        self.card_ids = tuple(card_ids)
        super().__init__([Problem('title', 'error.board_full', {'max': MAX_BOARD_CARDS})])


#: what *Angre* puts back of a card as it was before a change at the board (see :meth:`Store.revert_card`)
def suggestion_id(unit_id: str, from_unit: str, card_id: str) -> str:
    """The id of a card shared from ``from_unit`` among the ideas of ``unit_id``: the same on every node."""
    return 's' + hashlib.sha256(f'{unit_id}/{from_unit}/{card_id}'.encode()).hexdigest()[:31]


def lifted_id(unit_id: str, card_id: str) -> str:
    """The id of a card lifted from ``unit_id`` on the board above: the same on every node, and a valid id."""
    return 'l' + hashlib.sha256(f'{unit_id}/{card_id}'.encode()).hexdigest()[:31]


REVERTED_FIELDS = ('title', 'description', 'goal_id', 'owner', 'due', 'pdca', 'quick_win', 'before', 'after', 'column',
                   'deleted')


@dataclass(slots=True)
class _Job:
    """A write waiting for the store's writer: for which unit if it may join a group, and its answer."""
    unit_id: str | None
    context: contextvars.Context
    call: Callable[[], object]
    future: Future[object] = dataclasses.field(default_factory=Future)


#: a write for a unit waits this long for others to share its durable write (a burst arrives within milliseconds)
GROUP_WINDOW = 0.003
#: at most this many writes share one durable write
GROUP_MAX = 64
#: after a failed checkpoint the writer tries again later and later, up to this many seconds apart
CHECKPOINT_RETRY_MAX = 60.0


class Writer:
    """The store's single writer thread: every change runs here, one at a time, so the event loop never waits.

    With group commit, writes for units (:meth:`Store.run_grouped`) that arrive within :data:`GROUP_WINDOW` of each
    other run one after the other and are then made durable together: one append to the store's journal for the unit
    files they changed (``board.store.journal``; without the journal every such file written and fsynced side by
    side and each folder fsynced once, ``board.atomicfile.write_atomic_many``), and only then is any of them
    answered or told to the screens. A change that fails cleanly (a rule it breaks) is refused alone; one that fails
    half-way undoes the group in memory, and its writes are made again one by one. Any other write runs alone, in
    the order it came. When it has had nothing to do for a moment, it checkpoints the journal.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._running = False
        #: how long the writer waits idle before a checkpoint (longer after a failed one), and not before when
        self._checkpoint_wait = CHECKPOINT_IDLE
        self._checkpoint_after = 0.0
        self._thread = threading.Thread(target=self._serve, name='board-store-writer', daemon=True)
        self._thread.start()

    def put(self, job: _Job) -> None:
        self._queue.put(job)

    def submit(self, call: Callable[[], object]) -> Future[object]:
        """Run ``call`` alone on the writer thread (from any thread); its future answers."""
        job = _Job(None, contextvars.copy_context(), call)
        self.put(job)
        return job.future

    def waiting(self) -> int:
        return self._queue.qsize()

    def busy(self) -> bool:
        """Whether a write runs now or more are queued."""
        return self._running or not self._queue.empty()

    def stop(self) -> None:
        """Finish the writes queued, then end the thread."""
        self._queue.put(None)
        self._thread.join()

    def _next(self, backlog: deque[_Job | None]) -> _Job | None:
        if backlog:
            return backlog.popleft()
        self._checkpoint_if_large()
        self._running = False  # idle until the next write comes
        while True:
            if not self.store.journal_pending():
                job = self._queue.get()
                break
            try:
                job = self._queue.get(timeout=self._checkpoint_wait)
                break
            except queue.Empty:  # a quiet moment: the unit files catch up with the journal, a chunk at a time
                self._checkpoint()
        self._running = True
        return job

    def _checkpoint_if_large(self) -> None:
        size = self.store.journal_bytes()
        if size <= CHECKPOINT_BYTES or time.monotonic() < self._checkpoint_after:  # after a failure: its back-off
            return
        self._checkpoint(stop=(lambda: False) if size > CHECKPOINT_HARD_BYTES else None)

    def _checkpoint(self, stop: Callable[[], bool] | None = None) -> None:
        try:
            self.store.checkpoint(stop=stop or (lambda: not self._queue.empty()))
        except Exception as error:  # the journal keeps everything: writes go on, the checkpoint is tried later
            self._checkpoint_wait = min(CHECKPOINT_RETRY_MAX, self._checkpoint_wait * 4)
            self._checkpoint_after = time.monotonic() + self._checkpoint_wait
            log.error('the unit files could not be written from the journal (%s); trying again in %.0f s',
                      error, self._checkpoint_wait)
        else:
            self._checkpoint_wait, self._checkpoint_after = CHECKPOINT_IDLE, 0.0

    def _serve(self) -> None:
        backlog: deque[_Job | None] = deque()
        while True:
            job = self._next(backlog)
            if job is None:
                return
            if job.unit_id is None:
                _run_alone(job)
                continue
            group = [job]
            deadline = time.monotonic() + GROUP_WINDOW
            while len(group) < GROUP_MAX:
                try:
                    following = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if following is None or following.unit_id is None:
                    backlog.append(following)  # runs after the group, in the order it came
                    break
                group.append(following)
            if len(group) == 1:
                _run_alone(job)
                continue
            try:
                again = self.store._run_group(group)
            except BaseException as error:  # the group could not even start (an unknown unit): answer everyone
                log.exception('a group of %d writes failed', len(group))
                for waiting in group:
                    if not waiting.future.done():
                        waiting.future.set_exception(error)
                continue
            for one in again:
                _run_alone(one)


def _gain_changed(change: CardChanged) -> bool:
    before, after = change.previous, change.card
    if before is None:
        return after.gain is not None
    return (before.gain, before.deleted, before.column) != (after.gain, after.deleted, after.column)


def _answer(job: _Job, value: object, error: BaseException | None) -> None:
    if error is not None:
        job.future.set_exception(error)
    else:
        job.future.set_result(value)


def _run_alone(job: _Job) -> None:
    if job.future.running() or job.future.set_running_or_notify_cancel():  # not if its caller gave up waiting
        try:
            job.future.set_result(job.context.run(job.call))
        except BaseException as error:
            job.future.set_exception(error)


class Store:
    """All units' boards. ``with Store(folder) as store:``, or :meth:`open` and :meth:`close`."""

    def __init__(self, folder: Path, *, archive_after_weeks: int = 4, node_id: str = 'hub',
                 now: Callable[[], datetime] = utc_now, clock: HybridClock | None = None,
                 read_only: bool = False, timezone: tzinfo | None = None,
                 full_time_week: float = FULL_TIME_WEEK, deleted_days: int = 90, group_commit: bool = True,
                 journaled: bool = True) -> None:
        """``read_only``: look, without taking the data folder's lock (e.g. a CLI command beside a running hub).

        ``full_time_week``: hours of one årsverk; a gain above it on one card is a leader's to record.
        ``group_commit``: changes of units that reach the writer within a few milliseconds of each other through
        :meth:`run_grouped` are made durable together (see :class:`Writer`). ``journaled``: the units' changes are
        made durable by one append to the write-ahead journal (``board.store.journal``), their files rewritten at
        checkpoints; off, each durable write rewrites the files it changed.
        """
        self.group_commit = group_commit
        self.folder = Path(folder)
        self.full_time_week = full_time_week
        self.read_only = read_only
        self._folder_lock = DataFolderLock(self.folder)
        self.archive_after_weeks = archive_after_weeks
        #: deleted cards can be restored this many days; then they go to the archive's ``deleted.json``
        self.deleted_days = deleted_days
        self.now = now
        #: where the board's weeks begin (Monday 00:00 here): the rollover and the weekly recognitions use it
        self.timezone = timezone or ZoneInfo('Europe/Oslo')
        self.clock = clock or HybridClock(node_id)
        self._lock = threading.RLock()
        self._writer: Writer | None = None
        self._subscribers: list[Callable[[Change], None]] = []
        #: changes of a transaction under way, told to the subscribers once it is on disk (see _transaction)
        self._pending = threading.local()
        self._organisation: OrganisationFile | None = None
        self._units: dict[str, UnitBoard] = {}
        self.archive = Archive(self.folder / 'archive', self.timezone)
        self._wall_screens: WallScreens | None = None
        self._accounts: Accounts | None = None
        self._mail: MailLog | None = None
        self._audits: Audits | None = None
        self._citizen_ideas: CitizenIdeas | None = None
        #: ``journaled``: the units' writes are made durable by appending to a write-ahead journal, their files
        #: rewritten later (``board.store.journal``); off: each durable write rewrites the unit's file
        self.journaled = journaled
        self._journal: Journal | None = None
        self._journaled_looks: dict[str, bytes] = {}
        #: time.monotonic() of the last committed change: how the hub knows it is busy
        self.last_change = 0.0
        #: writes that could not be made durable since the start, and the last one's time and reason (monitoring)
        #: grows with every change of a gain (or of the organisation): what the leaders' cached roll-ups are keyed by
        self.gains_version = 0
        self.write_errors = 0
        self.last_write_error: tuple[datetime, str] | None = None

    # --- lifecycle ---

    def open(self) -> Store:
        """Load the organisation and every unit's active board; refuse files that do not parse."""
        with self._lock:
            (self.folder / 'units').mkdir(parents=True, exist_ok=True)
            (self.folder / 'archive').mkdir(exist_ok=True)
            if not self.read_only:
                self._folder_lock.acquire()  # raises DataFolderBusy if another process writes here
            try:
                self._open_files()
            except BaseException:
                if not self.read_only:
                    self._folder_lock.release()
                raise
        return self

    def _open_files(self) -> None:
        journaled: dict[str, bytes] = {}
        if not self.read_only:
            remove_stale_temporary_files(self.folder)  # only the lock holder may: they could be its own
            recover(self.folder)  # what a crash left in the journal goes into the files first
            migrate_folder(self.folder, now=self.now())  # older files brought up, newer ones refused
            if self.journaled:
                self._journal = Journal(self.folder)
        else:
            check_folder(self.folder)  # a look changes nothing, but a newer release's files are refused
            journaled, _ = latest_records(self.folder / JOURNAL_NAME)  # a running hub's newest, not yet in files
        self._journaled_looks = journaled
        self._organisation = OrganisationFile(self.folder / 'organisation.json')
        if not self.read_only and not self._organisation.instance:
            self._organisation.renew_instance()
        self._wall_screens = WallScreens(self.folder / 'kiosks.json', lock=self._lock, now=self._now,
                                         has_unit=lambda unit_id: unit_id in self._units)
        self._accounts = Accounts(self.folder / 'users.json', lock=self._lock)
        self._mail = MailLog(self.folder / 'mail.json', lock=self._lock)
        self._audits = Audits(self.folder, lock=self._lock, now=self._now, clock=self.clock,
                              has_unit=lambda unit_id: unit_id in self._units,
                              changed=lambda unit_id, audit_id: self._emit(AuditChanged(unit_id, audit_id)))
        self._citizen_ideas = CitizenIdeas(self.folder / 'citizen-ideas.json', lock=self._lock,
                                           changed=lambda unit_id: self._emit(CitizenIdeasChanged(unit_id)))
        # the units' boards and the boards above them (a service area's, the leadership group's)
        self._units = {u.id: self._load_board(u.id) for u in self.organisation.boards}
        self._writer = Writer(self)

    def _load_board(self, unit_id: str) -> UnitBoard:
        return UnitBoard.load(self.folder, unit_id, journal=self._journal,
                              journaled=self._journaled_looks.get(f'units/{unit_id}.json'))

    def close(self) -> None:
        """Finish the writes under way, then close the files and release the data folder."""
        writer, self._writer = self._writer, None
        if writer is not None:
            # outside the lock: a write still running (the archiving at start, say) needs it to finish
            writer.stop()
        with self._lock:
            journal, self._journal = self._journal, None
            if journal is not None:
                journal.close()  # every unit file rewritten, the journal removed (or kept, if that failed)
            for board in self._units.values():
                board.db.close()
            for part in (self._organisation, self._wall_screens, self._accounts, self._mail, self._audits,
                         self._citizen_ideas):
                if part is not None:
                    part.close()
            self._folder_lock.release()

    def __enter__(self) -> Store:
        return self.open()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    async def run(self, write: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a write on the store's single writer thread, so the event loop never waits for the disk."""
        return await self._submit(None, partial(write, *args, **kwargs))

    async def run_grouped(self, unit_id: str, write: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Like :meth:`run`, for a write that changes unit ``unit_id``'s board only: one that arrives with others
        within a few milliseconds shares their durable write (a burst of phone ideas, pushes of wall screens)."""
        return await self._submit(unit_id if self.group_commit else None, partial(write, *args, **kwargs))

    async def _submit(self, unit_id: str | None, write: Callable[[], T]) -> T:
        writer = self._writer
        if writer is None:
            raise RuntimeError('store is not open')
        # the caller's context goes along: from where a change is made (board.store.acting) is read there
        job = _Job(unit_id, contextvars.copy_context(), write)
        writer.put(job)
        try:
            return cast(T, await asyncio.wrap_future(job.future))
        except StoreWriteError as error:
            self.write_errors += 1
            self.last_write_error = (self.now(), str(error))
            raise

    def writes_waiting(self) -> int:
        """Writes queued for the writer thread now (monitoring: a growing queue means the disk cannot keep up)."""
        writer = self._writer
        return writer.waiting() if writer is not None else 0

    def writer_busy(self) -> bool:
        """Whether the writer thread is writing now or has writes queued (a wave of phone ideas under way)."""
        writer = self._writer
        return writer.busy() if writer is not None else False

    # --- group commit: the writer's side (see Writer) ---

    def _run_group(self, jobs: list[_Job]) -> list[_Job]:
        """Make the jobs' changes one after the other, then durable together; answer each job. Returns the jobs to
        make one by one instead (all of them, if one failed half-way)."""
        with self._lock:
            boards = {job.unit_id: self._board(job.unit_id) for job in jobs if job.unit_id is not None}
            saved = {unit_id: board.state() for unit_id, board in boards.items()}
            self._pending.changes = []
            outcomes: list[tuple[_Job, object, BaseException | None]] = []
            try:
                with group_commit() as group:
                    for job in jobs:
                        if not (job.future.running() or job.future.set_running_or_notify_cancel()):
                            continue  # its caller gave up waiting before it began: as a write never made
                        mark, writes = len(self._pending.changes), group.writes
                        try:
                            outcomes.append((job, job.context.run(job.call), None))
                        except Exception as error:  # answered to the job's caller, like a write made alone
                            del self._pending.changes[mark:]
                            if group.writes != writes or group.spoilt:
                                group.spoilt = True
                                break
                            outcomes.append((job, None, error))
                    if group.spoilt:  # undo every change of the group in memory; the files were not touched
                        for unit_id, board in boards.items():
                            board.restore(saved[unit_id])
                            # the failed job's storage too, which never joined the group (its batch did not end)
                            board.storage.forget()
                        for storage in group.storages.values():
                            storage.forget()
                        return jobs
                    written = group.commit()
            finally:
                changes, self._pending.changes = self._pending.changes, None
            failed = {unit_id for unit_id, board in boards.items()
                      if written.get(id(board.storage)) is not None}
            for unit_id in failed:  # memory must never run ahead of the disk
                boards[unit_id].restore(saved[unit_id])
        # the callers first (a phone waits for its answer), then the subscribers: both only now that it is on disk
        for job, value, refusal in outcomes:
            _answer(job, value, refusal or (written.get(id(boards[job.unit_id].storage)) if job.unit_id in boards
                                            else None))
        for change in changes:
            if getattr(change, 'unit_id', None) not in failed:
                self._emit(change)
        return []


    def subscribe(self, callback: Callable[[Change], None]) -> None:
        """Call ``callback`` after every committed change (on the writer's thread: hand it over, do not block)."""
        self._subscribers.append(callback)

    def unsubscribe(self, callback: Callable[[Change], None]) -> None:
        self._subscribers = [s for s in self._subscribers if s is not callback]

    @property
    def wall_screens(self) -> WallScreens:
        if self._wall_screens is None:
            raise RuntimeError('store is not open')
        return self._wall_screens

    @property
    def accounts(self) -> Accounts:
        if self._accounts is None:
            raise RuntimeError('store is not open')
        return self._accounts

    @property
    def mail(self) -> MailLog:
        """The record of the mails to leaders (the hub's briefs and summaries)."""
        if self._mail is None:
            raise RuntimeError('store is not open')
        return self._mail

    @property
    def audits(self) -> Audits:
        """The units' audits (revisjoner) and their checklists: on the hub only, never synced."""
        if self._audits is None:
            raise RuntimeError('store is not open')
        return self._audits

    @property
    def citizen_ideas(self) -> CitizenIdeas:
        """Ideas from citizens waiting for a leader, and what became of them (hub-side only, never synced)."""
        if self._citizen_ideas is None:
            raise RuntimeError('store is not open')
        return self._citizen_ideas

    # --- reads (memory only, unless they say so) ---

    @property
    def organisation(self) -> Organisation:
        if self._organisation is None:
            return Organisation(name='')
        return self._organisation.organisation

    def unit(self, unit_id: str) -> Unit | None:
        return self.organisation.unit(unit_id)

    @property
    def instance(self) -> str:
        """The data folder's identity: it changes when the folder is restored from a backup."""
        return self._organisation.instance if self._organisation is not None else ''

    def renew_instance(self) -> str:
        """After a restore: wall screens seeing the new identity push their whole board and read the hub anew."""
        with self._lock:
            return self._org().renew_instance()

    def cards(self, unit_id: str) -> list[Card]:
        """The unit's cards on the board, by column and place."""
        return self._board(unit_id).on_board()

    def card(self, unit_id: str, card_id: str) -> Card | None:
        card = self._board(unit_id).cards.get(card_id)
        return card if card is not None and card.on_board else None

    def card_version(self, unit_id: str, card_id: str) -> Card | None:
        """The card as this node holds it, also when it is off the board (deleted, declined): what sync compares."""
        return self._board(unit_id).cards.get(card_id)

    def declined(self, unit_id: str) -> list[Card]:
        """Ideas the board meeting declined that have not yet gone to the archive (for the history)."""
        return sorted((c for c in self._board(unit_id).cards.values() if not c.deleted and not c.on_board),
                      key=lambda c: c.answered_at or c.created_at)

    def _now(self) -> datetime:
        return self.now()  # read at each call: tests and the demo replace ``now`` after opening

    def local_now(self) -> datetime:
        """Now in the board's time zone: every "today" and "this week" of the boards and reports comes from here."""
        return self.now().astimezone(self.timezone)

    def recognitions(self, unit_id: str) -> list[Recognition]:
        """The unit's recognitions (ros), oldest first, without removed ones."""
        return sorted((r for r in self._board(unit_id).recognitions.values() if not r.deleted),
                      key=lambda r: r.created_at)

    def goals(self, unit_id: str, *, retired: bool = False) -> list[Goal]:
        """The unit's goals on the board (``retired``: also those a leader retired, kept with their values)."""
        return sorted((g for g in self._board(unit_id).goals.values() if retired or not g.retired),
                      key=lambda g: (g.position, g.id))

    def goal(self, unit_id: str, goal_id: str) -> Goal | None:
        return self._board(unit_id).goals.get(goal_id)

    def goal_value(self, unit_id: str, value_id: str) -> GoalValue | None:
        """One value as this node holds it (``GoalValue.id``), also when deleted: what sync compares."""
        return self._board(unit_id).values.get(value_id)

    def goal_values(self, unit_id: str, goal_id: str, *, deleted: bool = False) -> list[GoalValue]:
        """A goal's dated values, oldest first (``deleted``: only the deleted ones, to restore)."""
        return sorted((v for v in self._board(unit_id).values.values() if v.goal_id == goal_id
                       and v.deleted == deleted), key=lambda v: v.on)

    def all_goal_values(self, unit_id: str) -> list[GoalValue]:
        """Every live value of the unit's goals, by goal and date (for the CSV export and the reports)."""
        return sorted((v for v in self._board(unit_id).values.values() if not v.deleted),
                      key=lambda v: (v.goal_id, v.on))

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
        return self.archive.cards(unit_id, year)

    def archive_years(self, unit_id: str) -> list[int]:
        return self.archive.years(unit_id)

    def gain_entries(self) -> list[GainEntry]:
        """Every unit's gains: on the boards (memory) and in the yearly archives (the index, see ``Archive``)."""
        on_boards = entries_of(c for board in self._units.values() for c in board.cards.values())
        return on_boards + self.archive.gains(self._units)

    def measured_cards(self, unit_ids: Iterable[str]) -> list[Card]:
        """The units' cards with a før or etter measurement, on the boards (memory) and in the archives (read once
        per file and kept, see ``Archive.measured``)."""
        wanted = list(unit_ids)
        on_boards = [c for unit_id in wanted for c in self._board(unit_id).cards.values()
                     if c.before is not None or c.after is not None]
        return on_boards + self.archive.measured(wanted)

    def unindexed_archives(self) -> list[tuple[str, int]]:
        """The archive files (unit, year) whose gains the index does not have as they are now (reads no file)."""
        return [(unit.id, year) for unit in self.organisation.units for year in self.archive_years(unit.id)
                if not self.archive.is_indexed(unit.id, year)]

    def index_archive(self, unit_id: str, year: int) -> int:
        """Read one archive file's gains into the index now (the hub does this file by file after it starts)."""
        return self.archive.index(unit_id, year)

    def snapshot(self, staging: Path) -> int:
        """Hard-link every data file into ``staging`` while no write can happen (for a consistent backup); the
        journal's content is written into the files first."""
        with self._lock:
            try:
                self.checkpoint()
            except OSError as error:  # the journal is copied with the files, and a restore writes it back
                log.error('checkpoint before the backup failed (%s); the backup holds the journal instead', error)
            return snapshot_files(self.folder, staging)

    def checkpoint(self, *, stop: Callable[[], bool] = lambda: False) -> bool:
        """Rewrite the unit files whose newest content is in the journal only, then empty it (the writer does this
        when idle; a backup and a clean stop before they finish). ``stop()`` is asked between chunks of files.
        Returns True if nothing is left in the journal."""
        with self._lock:
            journal = self._journal
            return journal.checkpoint(stop=stop) if journal is not None else True

    def journal_pending(self) -> bool:
        """Whether some unit's newest content is in the journal only (the writer checkpoints when idle)."""
        journal = self._journal
        return journal is not None and journal.pending

    def journal_bytes(self) -> int:
        """The journal's size now (monitoring; it is emptied at every checkpoint)."""
        journal = self._journal
        return journal.size if journal is not None else 0

    # --- writes: organisation ---

    def add_service_area(self, area: ServiceArea) -> ServiceArea:
        with self._lock:
            self._org().add_service_area(area)
            self._load_new_boards()
        self._emit(OrganisationChanged(self.organisation))
        return area

    def _load_new_boards(self) -> None:
        """A new service area has a board of its own (and a new unit its board): open those not open yet."""
        new = [b.id for b in self.organisation.boards if b.id not in self._units]
        if new:
            self._units = {**self._units, **{b: self._load_board(b) for b in new}}

    def add_unit(self, unit: Unit) -> Unit:
        with self._lock:
            self._org().add_unit(unit)
            if unit.id not in self._units:
                self._units = {**self._units, unit.id: self._load_board(unit.id)}
        self._emit(OrganisationChanged(self.organisation))
        return unit

    def import_organisation(self, areas: Iterable[ServiceArea], units: Iterable[Unit],
                            meeting_times: Mapping[str, MeetingTime] | None = None) -> tuple[int, int]:
        """Add or rename service areas and units in one write (an import of a municipality's ~70 units), with the
        meeting times the file gives.

        Checks everything first: a bad id or an unknown service area changes nothing. Returns how many areas and
        units are new.
        """
        with self._lock:
            new_areas, new_units = self._org().import_organisation(list(areas), list(units), meeting_times)
            self._load_new_boards()
        self._emit(OrganisationChanged(self.organisation))
        return len(new_areas), len(new_units)

    def meeting_time(self, unit_id: str) -> MeetingTime | None:
        """The unit's weekly board meeting time, if one is set."""
        return self._organisation.meeting_times.get(unit_id) if self._organisation is not None else None

    def set_meeting_time(self, unit_id: str, meeting_time: MeetingTime | None) -> None:
        """Set or (``None``) remove a unit's weekly meeting time; raises ValueError for an unknown unit."""
        with self._lock:
            self._org().set_meeting_time(unit_id, meeting_time)
        self._emit(OrganisationChanged(self.organisation))

    def rename_organisation(self, name: str) -> None:
        with self._lock:
            self._org().rename(name)
        self._emit(OrganisationChanged(self.organisation))

    # --- the programme: rollout and training, value stream analyses (``board.domain.programme``) ---

    def rollouts(self) -> dict[str, UnitRollout]:
        """Each unit's rollout, by unit id (a unit not in it has not started: forberedelse, no dates)."""
        return dict(self._org().programme.rollouts)

    def rollout(self, unit_id: str) -> UnitRollout:
        return self._org().programme.rollouts.get(unit_id) or UnitRollout(unit_id=unit_id)

    def set_rollout(self, rollout: UnitRollout) -> UnitRollout:
        """Record a unit's phase, dates, staff trained and coach (the leader and its flag stay as they are: see
        :meth:`record_new_leader`). Raises :class:`RuleViolation`, and stores nothing, for bad input."""
        return self.set_rollouts([rollout])[0]

    def set_rollouts(self, rollouts: Iterable[UnitRollout]) -> list[UnitRollout]:
        """Several units' rollouts in one write (an import): all checked first, nothing stored if one is wrong."""
        today = self.local_now().date()
        settled = []
        with self._lock:
            for rollout in rollouts:
                if rollout.unit_id not in {u.id for u in self.organisation.units}:  # units only, not boards above
                    raise RuleViolation([Problem('unit_id', 'error.unknown_unit', {'id': rollout.unit_id})])
                previous = self._org().programme.rollouts.get(rollout.unit_id)
                kept = dataclasses.replace(rollout, leader=previous.leader, leader_since=previous.leader_since,
                                           retrain_since=previous.retrain_since) if previous else rollout
                kept = dataclasses.replace(kept, coach=kept.coach.strip())
                problems = validate_rollout(kept, previous, today=today)
                if problems:
                    raise RuleViolation(problems)
                settled.append(kept.settled())
            self._org().programme.put_rollouts(settled)
        return settled

    def record_new_leader(self, unit_id: str, leader: str, since: date, *, by: str = '') -> tuple[UnitRollout, Card]:
        """A unit has a new leader: the unit is flagged *Ny leder – ny opplæring* and a training task goes on its
        board, in Pågår (the unit follows it up in its meetings like any task, and a wall screen shows it)."""
        leader = leader.strip()
        problems = [] if leader else [Problem('leader', 'error.name_empty')]
        with self._lock:
            if unit_id not in {u.id for u in self.organisation.units}:
                raise RuleViolation([Problem('unit_id', 'error.unknown_unit', {'id': unit_id})])
            previous = self.rollout(unit_id)
            changed = dataclasses.replace(previous, leader=leader, leader_since=since, retrain_since=since)
            problems += validate_rollout(changed, previous, today=self.local_now().date())
            if problems:
                raise RuleViolation(problems)
            fields = CardFields(title=self.training_task_title, description=self.training_task_text, owner=leader)
            card = self.create_card(unit_id, fields, origin=Origin.LEADER, created_by=by, column=Column.DOING)
            self._org().programme.put_rollouts([changed])
        return changed, card

    #: the training task's title and text (Norwegian: the board's language); the UI may set them from its translator
    training_task_title = 'Ny leder – ny opplæring'
    training_task_text = ('Enheten har fått ny leder. Avtal ny opplæring i forbedringsarbeidet med veilederen, '
                          'og registrer datoen på utrullingssiden.')

    def value_stream_analyses(self) -> list[ValueStreamAnalysis]:
        """The analyses recorded, newest first."""
        return sorted(self._org().programme.analyses.values(), key=lambda v: (v.on, v.id), reverse=True)

    def record_vsa(self, vsa: ValueStreamAnalysis, improvements: Sequence[tuple[str, str]], *,
                   by: str = '') -> list[Card]:
        """Record a value stream analysis and put each improvement (unit id, title) as an idea on that unit's board,
        tagged with the analysis. Everything is checked first (and every board's room): bad input stores nothing."""
        vsa = dataclasses.replace(vsa, name=vsa.name.strip(), created_by=by, created_at=self.now(),
                                  participants=tuple(p.strip() for p in vsa.participants if p.strip()))
        items = [(unit_id, title.strip()) for unit_id, title in improvements]
        problems = validate_vsa(vsa, self.organisation, today=self.local_now().date(), improvements=items)
        if problems:
            raise RuleViolation(problems)
        tag = VsaTag(id=vsa.id, name=vsa.name)
        with self._lock:
            for unit_id in {u for u, _ in items}:
                board = self._board(unit_id)
                if len(board.cards) + sum(u == unit_id for u, _ in items) > MAX_BOARD_CARDS:
                    raise BoardFull([unit_id])
            self._org().programme.put_analysis(vsa)
            cards = []
            for unit_id, title in items:
                board = self._board(unit_id)
                position, respread = self._place(board.column(Column.IDEAS), 0)
                card = new_card(card_id=uuid.uuid4().hex, unit_id=unit_id, fields=CardFields(title=title),
                                goals=board.goals.values(), column=Column.IDEAS, position=position,
                                origin=Origin.LEADER, created_by=by, now=self.now())
                cards.append(self._commit(board, None, dataclasses.replace(card, vsa=tag), respread=respread))
        return cards

    def tag_with_vsa(self, unit_id: str, card_id: str, vsa_id: str | None, *, by: str = '') -> Card:
        """Tag a card with an analysis recorded here (or, ``None``, untag it)."""
        with self._lock:
            board = self._board(unit_id)
            before = self._existing(board, card_id)
            tag = None
            if vsa_id is not None:
                found = self._org().programme.analyses.get(vsa_id)
                if found is None:
                    raise RuleViolation([Problem('vsa', 'error.vsa_unknown')])
                tag = VsaTag(id=found.id, name=found.name)
            return self._commit(board, before, dataclasses.replace(before, vsa=tag), origin=Origin.LEADER, by=by)

    # --- writes: goals ---

    def save_goal(self, goal: Goal, *, stamp: str | None = None) -> Goal:
        """Create or replace a goal of its unit (``stamp``: keep the stamp of a goal received from another node)."""
        check_id(goal.id)
        with self._lock:
            board = self._board(goal.unit_id)
            if stamp is not None:
                self.clock.observe(stamp)
            seq = board.write_goal(goal, stamp or self.clock.tick())
            self._emit(GoalChanged(goal.unit_id, seq, goal))
        return goal

    def edit_goal(self, goal: Goal, *, origin: Origin = Origin.BOARD, by: str = '') -> Goal:
        """Add or change a goal at the board or on a leader's page, recorded as theirs; raises :class:`RuleViolation`.

        Only a leader retires a goal or brings it back (:meth:`retire_goal`): a change from the board keeps it as it
        is.
        """
        with self._lock:
            board = self._board(goal.unit_id)
            mine = board.goals.get(goal.id)
            retired = mine.retired if mine is not None else False
            goal = dataclasses.replace(goal, changed_origin=origin, changed_by=by,
                                       retired=goal.retired if origin == Origin.LEADER else retired)
            problems = validate_goal(goal)
            if problems:
                raise RuleViolation(problems)
            if mine is not None and dataclasses.replace(mine, changed_origin=origin, changed_by=by) == goal:
                return mine  # nothing changed: no write, no stamp
            return self.save_goal(goal)

    def retire_goal(self, unit_id: str, goal_id: str, retired: bool, *, origin: Origin = Origin.LEADER,
                    by: str = '') -> Goal:
        """Take a goal off the board (kept with its values, in the history) or put it back: leaders only."""
        with self._lock:
            goal = self._board(unit_id).goals.get(goal_id)
            if goal is None:
                raise RuleViolation([Problem('goal_id', 'error.unknown_goal')])
            if origin != Origin.LEADER:
                raise RuleViolation([Problem('goal_id', 'error.leaders_only')])
            return self.edit_goal(dataclasses.replace(goal, retired=retired), origin=origin, by=by)

    def record_goal_values(self, unit_id: str, values: Iterable[tuple[str, date, float]], *,
                           origin: Origin = Origin.BOARD, by: str = '') -> list[GoalValue]:
        """Enter values for goals, as (goal id, date, value): a value for a date that has one replaces it.

        All are checked first (a goal with a measure, in its range, not in the future); one bad value stores none
        and raises :class:`RuleViolation`. Written in one durable write (a CSV import of years of values, too).
        """
        board = self._board(unit_id)
        with self._transaction(board):
            today = self.local_now().date()
            problems: list[Problem] = []
            entered: dict[str, GoalValue] = {}
            for goal_id, on, number in values:
                value = GoalValue(goal_id=goal_id, unit_id=unit_id, on=on, value=float(number), origin=origin, by=by)
                problems += validate_goal_value(value, board.goals.get(goal_id), today=today)
                entered[value.id] = value
            if problems:
                raise RuleViolation(problems)
            live = sum(1 for v in board.values.values() if v.id not in entered)
            if live + len(entered) > MAX_GOAL_VALUES:
                raise RuleViolation([Problem('value', 'error.too_many', {'max': MAX_GOAL_VALUES})])
            changed = [dataclasses.replace(v, stamp=self.clock.tick()) for v in entered.values()
                       if (old := board.values.get(v.id)) is None or old.deleted or old.value != v.value]
            return self._write_values(board, changed)

    def set_goal_value_deleted(self, unit_id: str, goal_id: str, on: date, deleted: bool, *,
                               origin: Origin = Origin.BOARD, by: str = '') -> GoalValue | None:
        """Delete a goal's value (kept, to restore) or restore it; None if there is no such value."""
        board = self._board(unit_id)
        with self._transaction(board):
            value = board.values.get(f'{goal_id}@{on.isoformat()}')
            if value is None or value.deleted == deleted:
                return value
            changed = dataclasses.replace(value, deleted=deleted, origin=origin, by=by, stamp=self.clock.tick())
            return self._write_values(board, [changed])[0]

    def merge_goal_values(self, unit_id: str, values: Iterable[GoalValue]) -> list[int]:
        """Take goal values from another node: per goal and date, the later stamp wins. Returns their numbers here."""
        board = self._board(unit_id)
        with self._transaction(board):
            taken: dict[str, GoalValue] = {}
            for value in values:
                if value.unit_id != unit_id:
                    raise ValueError(f'value {value.id} belongs to {value.unit_id}, not {unit_id}')
                mine = taken.get(value.id) or board.values.get(value.id)
                winner = merge_record(mine, value)
                if winner is not mine and (mine is None or dataclasses.replace(winner, seq=mine.seq) != mine):
                    taken[value.id] = winner
                    self.clock.observe(value.stamp)
            if len(board.values) + sum(1 for v in taken if v not in board.values) > MAX_GOAL_VALUES:
                raise RuleViolation([Problem('value', 'error.too_many', {'max': MAX_GOAL_VALUES})])
            return [v.seq for v in self._write_values(board, list(taken.values()))]

    def _write_values(self, board: UnitBoard, values: list[GoalValue]) -> list[GoalValue]:
        written = board.write_values(values)
        if written:
            self._emit(GoalValuesChanged(board.unit_id, written[-1].seq, tuple(written)))
        return written

    # --- a leader's question or praise for the next meeting ---

    def leader_notes(self, unit_id: str) -> list[LeaderNote]:
        """The unit's leaders' questions and praise, oldest first, without removed ones."""
        return sorted((n for n in self._board(unit_id).notes.values() if not n.deleted), key=lambda n: n.created_at)

    def leader_note(self, unit_id: str, note_id: str) -> LeaderNote | None:
        return self._board(unit_id).notes.get(note_id)

    def add_leader_note(self, unit_id: str, kind: NoteKind, text: str, *, origin: Origin = Origin.LEADER,
                        by: str = '') -> LeaderNote:
        """A leader's *Spørsmål fra leder* or *Ros fra leder*, for the unit's next board meeting."""
        text = text.strip()
        problems = validate_short_text(text, 'text')
        if origin != Origin.LEADER:
            problems.append(Problem('text', 'error.leaders_only'))
        if problems:
            raise RuleViolation(problems)
        board = self._board(unit_id)
        with self._transaction(board):
            if sum(1 for n in board.notes.values() if n.open) >= MAX_OPEN_NOTES:
                raise RuleViolation([Problem('text', 'error.too_many', {'max': MAX_OPEN_NOTES})])
            note = LeaderNote(id=uuid.uuid4().hex, unit_id=unit_id, kind=kind, text=text, by=by,
                              created_at=self.now(), stamp=self.clock.tick())
            return self._write_notes(board, [note])[0]

    def handle_leader_note(self, unit_id: str, note_id: str, answer: str = '', *, origin: Origin = Origin.BOARD,
                           by: str = '') -> LeaderNote:
        """The meeting went through a note: a question answered (``answer``), praise shown."""
        board = self._board(unit_id)
        with self._transaction(board):
            note = board.notes.get(note_id)
            if note is None or note.deleted:
                raise RuleViolation([Problem('text', 'error.note_gone')])
            answer = answer.strip()
            if note.kind == NoteKind.QUESTION:
                problems = validate_short_text(answer, 'answer')
                if problems:
                    raise RuleViolation(problems)
            now = self.now()
            handled = dataclasses.replace(note, answer=answer, answered_at=now if answer else note.answered_at,
                                          handled_at=now, stamp=self.clock.tick())
            return self._write_notes(board, [handled])[0]

    def remove_leader_note(self, unit_id: str, note_id: str, *, origin: Origin = Origin.LEADER,
                           by: str = '') -> LeaderNote | None:
        board = self._board(unit_id)
        with self._transaction(board):
            note = board.notes.get(note_id)
            if note is None or note.deleted:
                return note
            return self._write_notes(board, [dataclasses.replace(note, deleted=True, stamp=self.clock.tick())])[0]

    def merge_leader_notes(self, unit_id: str, notes: Iterable[LeaderNote]) -> list[int]:
        """Take notes from another node: the later stamp wins. Returns the numbers they got here."""
        board = self._board(unit_id)
        with self._transaction(board):
            taken: dict[str, LeaderNote] = {}
            for note in notes:
                if note.unit_id != unit_id:
                    raise ValueError(f'note {note.id} belongs to {note.unit_id}, not {unit_id}')
                mine = taken.get(note.id) or board.notes.get(note.id)
                winner = merge_record(mine, note)
                if winner is not mine and (mine is None or dataclasses.replace(winner, seq=mine.seq) != mine):
                    taken[note.id] = winner
                    self.clock.observe(note.stamp)
            if len(board.notes) + sum(1 for n in taken if n not in board.notes) > MAX_NOTES:
                raise RuleViolation([Problem('text', 'error.too_many', {'max': MAX_NOTES})])
            return [n.seq for n in self._write_notes(board, list(taken.values()))]

    def notes_since(self, unit_id: str, seq: int) -> list[LeaderNote]:
        return sorted((n for n in self._board(unit_id).notes.values() if n.seq > seq), key=lambda n: n.seq)

    def _write_notes(self, board: UnitBoard, notes: list[LeaderNote]) -> list[LeaderNote]:
        written = board.write_notes(notes)
        if written:
            self._emit(NotesChanged(board.unit_id, written[-1].seq, tuple(written)))
        return written

    # --- lifting a card to the board above (escalation) ---

    def escalate(self, unit_id: str, card_id: str, reason: str, *, origin: Origin = Origin.BOARD,
                 by: str = '') -> Card:
        """*Løft til …*: ask the next board up (the service area's, then the leadership group's) to take a card.

        On a wall screen it waits in the outbox like any change; on the hub the card appears on the board above
        (``board.escalation``), and that board's answer comes back to this card.
        """
        reason = reason.strip()
        problems = validate_short_text(reason, 'reason')
        unit = self.organisation.unit(unit_id)
        above = self.organisation.board_above(unit) if unit is not None else None
        if above is None:
            problems.append(Problem('reason', 'error.no_board_above'))
        if problems:
            raise RuleViolation(problems)
        assert above is not None
        with self._lock:
            board = self._board(unit_id)
            before = self._existing(board, card_id)
            after = dataclasses.replace(before, escalation=Escalation(to=above.id, to_name=above.name, reason=reason,
                                                                      at=self.now()))
            return self._commit(board, before, after, origin=origin, by=by)

    def answer_escalation(self, unit_id: str, card_id: str, state: EscalationState, note: str, *,
                          by: str = '') -> Card | None:
        """The board above answered a card lifted from here (the hub, when that board decides): None if the card
        is gone or already holds that answer."""
        with self._lock:
            board = self._board(unit_id)
            before = board.cards.get(card_id)
            if before is None or before.escalation is None or (
                    before.escalation.state, before.escalation.answer_note) == (state, note):
                return None
            answered = dataclasses.replace(before.escalation, state=state, answer_note=note,
                                           answered_at=None if state == EscalationState.WAITING else self.now())
            return self._commit(board, before, dataclasses.replace(before, escalation=answered), origin=Origin.LEADER,
                                by=by)

    def lifted_card(self, unit_id: str, card: Card) -> Card | None:
        """Put a card lifted from ``card.unit_id`` on the board ``unit_id`` above it, once (the hub does this)."""
        source = self.organisation.unit(card.unit_id)
        copy_id = lifted_id(card.unit_id, card.id)
        with self._lock:
            board = self._board(unit_id)
            if card.escalation is None:
                return None
            copy = board.cards.get(copy_id)
            if copy is not None:  # lifted before: lifted again after a "no" (or "later"), it is asked anew
                answered = copy.answered_at or (copy.created_at if copy.deleted else None)
                if (copy.answer is None and not copy.deleted) or answered is None or answered >= card.escalation.at:
                    return None
                lift = copy.lifted_from
                again = dataclasses.replace(copy, deleted=False, answer=None, answer_note='', answered_at=None,
                                            unseen=True, title=card.title, description=card.description,
                                            lifted_from=dataclasses.replace(lift, reason=card.escalation.reason)
                                            if lift is not None else None)
                return self._commit(board, copy, again)
            if len(board.cards) >= MAX_BOARD_CARDS:
                raise BoardFull([copy_id])
            position, respread = self._place(board.column(Column.IDEAS), 0)
            name = source.name if source else card.unit_id
            lifted = Card(id=copy_id, unit_id=unit_id, title=card.title, description=card.description,
                          position=position, created_by=name, unseen=True, created_at=self.now(),
                          lifted_from=Lift(unit_id=card.unit_id, card_id=card.id, unit_name=name,
                                           reason=card.escalation.reason))
            return self._commit(board, None, lifted, respread=respread)

    # --- spreading what works ---

    def share_card(self, unit_id: str, card_id: str, to_units: Iterable[str], *, origin: Origin = Origin.BOARD,
                   by: str = '') -> Card:
        """*Del med andre enheter*: suggest a finished card to other units; on the hub it appears among their ideas as
        *Forslag fra …* (``board.escalation``). Sharing again with more units adds them."""
        wanted = list(dict.fromkeys(to_units))
        units = {u.id for u in self.organisation.units}
        problems = []
        if not wanted:
            problems.append(Problem('shared_to', 'error.share_none'))
        if any(u not in units or u == unit_id for u in wanted):
            problems.append(Problem('shared_to', 'error.share_unknown'))
        if problems:
            raise RuleViolation(problems)
        with self._lock:
            board = self._board(unit_id)
            before = self._existing(board, card_id)
            if before.column != Column.DONE:
                raise RuleViolation([Problem('shared_to', 'error.share_not_done')])
            shared = tuple(sorted(set(before.shared_to) | set(wanted)))
            if len(shared) > MAX_SHARED:
                raise RuleViolation([Problem('shared_to', 'error.too_many', {'max': MAX_SHARED})])
            return self._commit(board, before, dataclasses.replace(before, shared_to=shared), origin=origin, by=by)

    def suggested_card(self, unit_id: str, card: Card) -> Card | None:
        """Put a card shared from ``card.unit_id`` among the ideas of unit ``unit_id``, once (the hub does this)."""
        source = self.organisation.unit(card.unit_id)
        copy_id = suggestion_id(unit_id, card.unit_id, card.id)
        with self._lock:
            board = self._board(unit_id)
            if copy_id in board.cards:
                return None
            if len(board.cards) >= MAX_BOARD_CARDS:
                raise BoardFull([copy_id])
            position, respread = self._place(board.column(Column.IDEAS), 0)
            name = source.name if source else card.unit_id
            suggestion = Card(id=copy_id, unit_id=unit_id, title=card.title, description=card.description,
                              position=position, created_by=name, unseen=True, created_at=self.now(),
                              suggested_from=Lift(unit_id=card.unit_id, card_id=card.id, unit_name=name))
            return self._commit(board, None, suggestion, respread=respread)

    def set_adopted(self, unit_id: str, card_id: str, adopter: str, adopted: bool) -> Card | None:
        """Record on a shared card whether unit ``adopter`` took it into use (the hub, when that unit decides)."""
        with self._lock:
            board = self._board(unit_id)
            before = board.cards.get(card_id)
            if before is None or (adopter in before.adopted_by) == adopted:
                return None
            adopters = set(before.adopted_by) | {adopter} if adopted else set(before.adopted_by) - {adopter}
            return self._commit(board, before, dataclasses.replace(before, adopted_by=tuple(sorted(adopters))),
                                origin=Origin.BOARD, by='')

    def escalations(self, unit_id: str) -> list[Card]:
        """The unit's cards lifted to the board above, waiting or answered, oldest first."""
        return sorted((c for c in self._board(unit_id).cards.values() if c.on_board and c.escalation is not None),
                      key=lambda c: c.escalation.at if c.escalation else c.created_at)

    # --- sync: what the hub and the wall screens exchange ---

    def changes_since(self, unit_id: str, seq: int) -> tuple[list[Card], list[tuple[Goal, str]], int]:
        """Cards (tombstones included) and goals with their stamps changed after ``seq``, and the current seq."""
        board = self._board(unit_id)
        cards = sorted((c for c in board.cards.values() if c.seq > seq), key=lambda c: c.seq)
        goals = [(board.goals[g], stamp) for g, (goal_seq, stamp) in board.goal_versions.items() if goal_seq > seq]
        return cards, goals, board.seq

    def values_since(self, unit_id: str, seq: int) -> list[GoalValue]:
        """Goal values entered, replaced or deleted after ``seq`` (for sync)."""
        return sorted((v for v in self._board(unit_id).values.values() if v.seq > seq), key=lambda v: v.seq)

    def note_outbox(self, unit_id: str) -> list[LeaderNote]:
        """Leaders' notes answered or handled on this replica since its last push."""
        return self.notes_since(unit_id, self._board(unit_id).cursor.pushed)

    def goal_outbox(self, unit_id: str) -> tuple[list[tuple[Goal, str, int]], list[GoalValue]]:
        """Goals (with stamp and number) and goal values changed on this replica since its last push."""
        board = self._board(unit_id)
        pushed = board.cursor.pushed
        goals = sorted(((board.goals[g], stamp, seq) for g, (seq, stamp) in board.goal_versions.items()
                        if seq > pushed), key=lambda entry: entry[2])
        return goals, self.values_since(unit_id, pushed)

    def records_since(self, unit_id: str, seq: int) -> tuple[list[Meeting], list[Recognition]]:
        """Meetings and recognitions recorded or changed after ``seq`` (for sync)."""
        board = self._board(unit_id)
        return ([m for m in board.meetings if m.seq > seq],
                sorted((r for r in board.recognitions.values() if r.seq > seq), key=lambda r: r.seq))

    def outbox(self, unit_id: str) -> list[Card]:
        """Cards changed on this replica since they were last pushed to the hub."""
        board = self._board(unit_id)
        return sorted((c for c in board.cards.values() if c.seq > board.cursor.pushed), key=lambda c: c.seq)

    def record_outbox(self, unit_id: str) -> tuple[list[Meeting], list[Recognition]]:
        """Meetings and recognitions made on this replica since they were last pushed to the hub."""
        return self.records_since(unit_id, self._board(unit_id).cursor.pushed)

    def sync_cursor(self, unit_id: str) -> SyncCursor:
        return self._board(unit_id).cursor

    def set_sync_cursor(self, unit_id: str, cursor: SyncCursor) -> None:
        """Remember durably how far the replica has synced, so the outbox survives a restart or a power cut."""
        with self._lock:
            self._board(unit_id).write_cursor(cursor)

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
            return self._write_cards(board, list(changes.values()))

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
            return self._write_records(board, list(new_meetings.values()), list(taken.values()))

    def merge_push(self, unit_id: str, cards: Iterable[Card], meetings: Iterable[Meeting] = (),
                   recognitions: Iterable[Recognition] = (), *, goals: Iterable[tuple[Goal, str]] = (),
                   values: Iterable[GoalValue] = (), notes: Iterable[LeaderNote] = ()) -> list[int]:
        """What one sync exchange brings: goals first (a card or a value may name a new one), then cards, meetings,
        recognitions and goal values, merged in one durable write.

        Returns the sequence numbers they got here (see :meth:`merge_records`).
        """
        board = self._board(unit_id)
        with self._transaction(board):
            seqs = self.merge_goals(unit_id, goals)
            seqs += [c.seq for c in self.merge_cards(unit_id, cards)]
            seqs += self.merge_records(unit_id, meetings, recognitions)
            seqs += self.merge_goal_values(unit_id, values)
            seqs += self.merge_leader_notes(unit_id, notes)
        return seqs

    def merge_goals(self, unit_id: str, goals: Iterable[tuple[Goal, str]]) -> list[int]:
        """Take goals changed on another node: the later version of a goal wins. Returns their numbers here."""
        board = self._board(unit_id)
        seqs = []
        with self._transaction(board):
            for goal, stamp in goals:
                if goal.unit_id != unit_id:
                    raise ValueError(f'goal {goal.id} belongs to {goal.unit_id}, not {unit_id}')
                mine = board.goals.get(goal.id)
                mine_stamp = board.goal_versions.get(goal.id, (0, ''))[1]
                winner, winner_stamp = merge_goal(mine, mine_stamp, goal, stamp)
                if winner is not mine:
                    self.save_goal(winner, stamp=winner_stamp)
                    seqs.append(board.goal_versions[goal.id][0])
        return seqs

    # --- writes: cards ---

    def create_card(self, unit_id: str, fields: CardFields, *, origin: Origin = Origin.BOARD,
                    created_by: str = '', column: Column = Column.IDEAS, card_id: str | None = None,
                    from_citizen: bool = False) -> Card:
        """A new card, on top of its column. Raises :class:`RuleViolation` for invalid input.

        ``from_citizen``: an idea from a citizen a leader approved (``board.citizens``): marked, and new until opened.
        """
        with self._lock:
            board = self._board(unit_id)
            position, respread = self._place_on_top(board, column)
            card = new_card(card_id=card_id or uuid.uuid4().hex, unit_id=unit_id, fields=fields,
                            goals=board.goals.values(), column=column, position=position, origin=origin,
                            created_by=created_by, now=self.now())
            if from_citizen:
                card = dataclasses.replace(card, from_citizen=True, unseen=True)
            if len(board.cards) >= MAX_BOARD_CARDS:
                raise BoardFull([card.id])
            return self._commit(board, None, card, respread=respread)

    def edit_card(self, unit_id: str, card_id: str, fields: CardFields, *, origin: Origin = Origin.BOARD,
                  by: str = '') -> Card:
        """Change what a person edits on a card. Raises :class:`RuleViolation` for invalid input."""
        with self._lock:
            board = self._board(unit_id)
            before = self._existing(board, card_id)
            return self._commit(board, before, edited(before, fields, board.goals.values()), origin=origin, by=by)

    def move_card(self, unit_id: str, card_id: str, column: Column, index: int, *,
                  origin: Origin = Origin.BOARD, by: str = '') -> Card:
        """Move a card to ``index`` in ``column`` (counted without the card itself)."""
        with self._lock:
            board = self._board(unit_id)
            before = self._existing(board, card_id)
            position, respread = self._place([c for c in board.column(column) if c.id != card_id], index)
            after = move_card(before, column, position=position, now=self.now())
            return self._commit(board, before, after, origin=origin, by=by, respread=respread)

    def set_gain(self, unit_id: str, card_id: str, gain: Gain | None, *, origin: Origin = Origin.BOARD,
                 by: str = '') -> Card:
        """Record, change or remove (``None``) a card's gain. Raises :class:`RuleViolation` for an invalid gain."""
        with self._lock:
            board = self._board(unit_id)
            before = self._existing(board, card_id)
            after = with_gain(before, gain, self.local_now().date(), leader=origin == Origin.LEADER,
                              full_time_week=self.full_time_week)
            return self._commit(board, before, after, origin=origin, by=by)

    def answer_idea(self, unit_id: str, card_id: str, answer: Answer, note: str = '', *,
                    origin: Origin = Origin.BOARD, by: str = '') -> Card:
        """The meeting parks an idea or declines it with a reason (see :func:`board.domain.answered`)."""
        with self._lock:
            board = self._board(unit_id)
            before = self._existing(board, card_id)
            return self._commit(board, before, answered(before, answer, note, self.now()), origin=origin, by=by)

    def set_root_causes(self, unit_id: str, card_id: str, whys: Iterable[str],
                        causes: Iterable[tuple[FishboneHeading, str]], *, problem: str | None = None,
                        origin: Origin = Origin.BOARD, by: str = '') -> Card:
        """Keep a card's problem statement (``None``: unchanged), five whys and fishbone causes (blank lines are
        dropped)."""
        with self._lock:
            board = self._board(unit_id)
            before = self._existing(board, card_id)
            after = with_root_causes(before, whys, causes, problem=problem)
            return self._commit(board, before, after, origin=origin, by=by)

    def set_readings(self, unit_id: str, card_id: str, before: Reading | None, after: Reading | None, *,
                     origin: Origin = Origin.BOARD, by: str = '') -> Card:
        """Record a card's *før* and *etter* measurements (``None``: none). Raises :class:`RuleViolation` for a
        value that is not a finite number, a date in the future, a goal not on the board or text too long."""
        with self._lock:
            board = self._board(unit_id)
            card = self._existing(board, card_id)
            changed = with_readings(card, before, after, board.goals.values(), today=self.local_now().date())
            return self._commit(board, card, changed, origin=origin, by=by)

    def confirm_gain(self, unit_id: str, card_id: str, *, realised_on: date, by: str) -> Card:
        """A leader confirms a card's gain as realised: on the board, or in the archive (months after the work).

        Raises :class:`RuleViolation` if the card has no gain or the confirmation is invalid.
        """
        with self._lock:
            board = self._board(unit_id)
            card = board.cards.get(card_id)
            if card is not None and not card.deleted:
                after = confirmed(card, realised_on=realised_on, by=by, today=self.local_now().date())
                return self._commit(board, card, after, origin=Origin.LEADER, by=by)
            archived, year = self.archive.find(unit_id, card_id)
            if archived is None or year is None:
                raise RuleViolation([Problem('card', 'error.card_gone')])
            after = confirmed(archived, realised_on=realised_on, by=by, today=self.local_now().date())
            updated = dataclasses.replace(after, changed_origin=Origin.LEADER, changed_by=by.strip(),
                                          stamps={**archived.stamps, 'gain': self.clock.tick()})
            self.archive.write(unit_id, year, [updated])
            return updated

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

    def restore_card(self, unit_id: str, card_id: str, *, origin: Origin = Origin.BOARD,
                     by: str = '') -> tuple[Card, bool]:
        """Bring a deleted card back to its column (from *Slettet*, or *Angre* after a delete).

        Returns the card and whether its goal was left off because the goal is gone from the board meanwhile.
        """
        with self._lock:
            board = self._board(unit_id)
            card = board.cards.get(card_id)
            if card is None or not card.deleted:
                raise RuleViolation([Problem('card', 'error.not_deleted')])
            goal_gone = card.goal_id is not None and card.goal_id not in board.goals
            after = dataclasses.replace(card, deleted=False, goal_id=None if goal_gone else card.goal_id)
            return self._commit(board, card, after, origin=origin, by=by), goal_gone

    def revert_card(self, unit_id: str, card_id: str, previous: Card, changed: Card, *,
                    origin: Origin = Origin.BOARD, by: str = '') -> Card:
        """*Angre*: undo one change at the board, ``previous`` -> ``changed``, and nothing else.

        Only the fields that change set (text, goal, owner, due date, stage, før and etter, column with its place
        and times, deleted) go back, and each only if it still holds what the change wrote: what another screen
        changed since stays. A card deleted since is not brought back by undoing an edit. A change like any other:
        stamped, logged and synced. A gain and a meeting's answer are left as they are.
        """
        with self._lock:
            board = self._board(unit_id)
            card = board.cards.get(card_id)
            if card is None or card.id != previous.id or card.id != changed.id:
                raise RuleViolation([Problem('card', 'error.card_gone')])
            if card.deleted and not (changed.deleted and not previous.deleted):
                raise RuleViolation([Problem('card', 'error.card_gone')])
            values = {name: getattr(previous, name) for name in REVERTED_FIELDS
                      if getattr(previous, name) != getattr(changed, name)
                      and getattr(card, name) == getattr(changed, name)}
            if 'column' in values:  # the column goes back with what came with it: place, stage and times
                values |= {name: getattr(previous, name) for name in ('position', 'pdca', 'started_at',
                                                                       'finished_at')}
            if not values:
                raise RuleViolation([Problem('card', 'error.changed_meanwhile')])
            if values.get('goal_id') is not None and values['goal_id'] not in board.goals:
                values['goal_id'] = None
            after = dataclasses.replace(card, **values)
            if card.gain is not None and after.column == Column.IDEAS and leader_only(card.gain):
                raise RuleViolation([Problem('card', 'error.gain_confirmed_by_leader')])
            return self._commit(board, card, after, origin=origin, by=by)

    def deleted_cards(self, unit_id: str) -> list[tuple[Card, datetime]]:
        """The unit's deleted cards that can still be restored, with when they were deleted, newest first."""
        board = self._board(unit_id)
        found = [(c, deleted_at(c)) for c in board.cards.values() if c.deleted]
        return sorted(found, key=lambda pair: pair[1], reverse=True)

    def card_log(self, unit_id: str, card_id: str) -> tuple[LogEntry, ...]:
        """A card's log on this node, oldest first (see ``board.domain.changelog``)."""
        return self._board(unit_id).log.get(card_id, ())

    def import_cards(self, unit_id: str, cards: Iterable[Card]) -> int:
        """Put existing cards (a demo, a migration, a benchmark's history) into a unit in one write per file."""
        with self._lock:
            board = self._board(unit_id)
            cutoff = self.archive_cutoff()
            cards = list(cards)
            for card in cards:
                if card.unit_id != unit_id:
                    raise ValueError(f'card {card.id} belongs to {card.unit_id}, not {unit_id}')
            archived = self.archive.write_by_year(unit_id, (c for c in cards if archivable(c, cutoff)))
            stamp = self.clock.tick()
            active = [(None, dataclasses.replace(card, stamps=card.stamps or dict.fromkeys(first_stamped(card), stamp)))
                      for card in cards if not archivable(card, cutoff)]
            with self._transaction(board):
                written = self._write_cards(board, active, logged=False)  # type: ignore[arg-type]
        return len(written) + archived

    # --- records: meetings and recognitions ---

    def record_meeting(self, meeting: Meeting) -> Meeting:
        """Keep a board meeting's record; the ideas it went through are no longer marked new."""
        problems = validate_meeting(meeting)
        if problems:
            raise RuleViolation(problems)
        board = self._board(meeting.unit_id)
        with self._transaction(board):
            self._write_records(board, [meeting], [])
            for card in [c for c in board.cards.values() if c.unseen and not c.deleted]:
                self._commit(board, card, dataclasses.replace(card, unseen=False))
        return next(m for m in board.meetings if m.id == meeting.id)

    def add_recognition(self, unit_id: str, text: str, *, recognition_id: str | None = None) -> Recognition:
        """Ros on the board for this week. Raises :class:`RuleViolation` for empty or too long text."""
        text = text.strip()
        problems = validate_short_text(text, 'text')
        if problems:
            raise RuleViolation(problems)
        with self._lock:
            board = self._board(unit_id)
            recognition = Recognition(id=recognition_id or uuid.uuid4().hex, unit_id=unit_id, text=text,
                                      created_at=self.now())
            problems = validate_recognition(recognition)
            if problems:
                raise RuleViolation(problems)
            with self._transaction(board):
                self._write_records(board, [], [recognition])
            return board.recognitions[recognition.id]

    def remove_recognition(self, unit_id: str, recognition_id: str) -> Recognition | None:
        with self._lock:
            board = self._board(unit_id)
            existing = board.recognitions.get(recognition_id)
            if existing is None or existing.deleted:
                return None
            with self._transaction(board):
                self._write_records(board, [], [dataclasses.replace(existing, deleted=True)])
            return board.recognitions[recognition_id]

    # --- the weekly archive pass ---

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

    def _archive_unit(self, unit_id: str) -> int:
        with self._lock:
            board = self._board(unit_id)
            cutoff = self.archive_cutoff()
            bin_cutoff = self.now() - timedelta(days=self.deleted_days)
            going = [c for c in board.cards.values() if leaving(c, cutoff, bin_cutoff)]
            if not going:
                return 0
            # archive first: a kill in between leaves a card in both places, and the next pass finishes the move
            self.archive.write_by_year(unit_id, (c for c in going if not c.deleted),
                                       log=[e for c in going if not c.deleted for e in board.log.get(c.id, ())])
            self.archive.write_deleted(unit_id, [c for c in going if c.deleted],
                                       log=[e for c in going if c.deleted for e in board.log.get(c.id, ())])
            board.remove_cards(c.id for c in going)
        self._emit(CardsArchived(unit_id, tuple(sorted(c.id for c in going))))
        log.info('archived %d cards of unit %s', len(going), unit_id)
        return len(going)

    # --- internals ---

    def _commit(self, board: UnitBoard, before: Card | None, after: Card, *, origin: Origin | None = None,
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
            committed = self._write_cards(board, changes)
        if stamped is not None:
            return committed[-1]
        assert before is not None  # a new card always has something to write
        return before

    def _stamp(self, before: Card | None, after: Card, *, origin: Origin | None, by: str) -> Card | None:
        """The change with the board's rules applied and its changed fields stamped; None if nothing changed."""
        after = normalise_card(after)
        names = changed_fields(before, after) if before is not None else first_stamped(after)
        if before is not None and not names:
            return None
        stamp = self.clock.tick()
        stamps = dict(before.stamps) if before is not None else {}
        stamps.update(dict.fromkeys((n for n in names if n in STAMPED_FIELDS), stamp))
        if origin is not None:
            return dataclasses.replace(after, stamps=stamps, changed_origin=origin, changed_by=by.strip())
        return dataclasses.replace(after, stamps=stamps)

    def _place_on_top(self, board: UnitBoard, column: Column) -> tuple[str, list[tuple[Card, Card]]]:
        """:meth:`_place` at the top of a column, sorting the column only if its keys must be spread anew (a new
        card costs the same on a board of 300 cards as on one of 30)."""
        top = board.top_of(column)
        position = position_at([top] if top is not None else [], 0)
        if len(position) <= POSITION_SPREAD_AT:
            return position, []
        return self._place(board.column(column), 0)

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

    def _write_cards(self, board: UnitBoard, changes: list[tuple[Card | None, Card]], *,
                     logged: bool = True) -> list[Card]:
        numbered = board.write_cards(changes)
        if logged:  # in the same durable write: a change is never on disk without its log entry
            at, source = self.now(), current_source()
            entries = [log_entry(before, card, at=at, source=source) for before, card in numbered]
            board.write_log([e for e in entries if e is not None])
        for before, card in numbered:
            self._emit(CardChanged(board.unit_id, card.seq, card, before))
            log.info('%s card %s of unit %s, by %s%s', 'new' if before is None else 'changed', card.id,
                     board.unit_id, card.changed_origin.value, f' {card.changed_by}' if card.changed_by else '')
        return [card for _, card in numbered]

    def _write_records(self, board: UnitBoard, meetings: list[Meeting], recognitions: list[Recognition]) -> list[int]:
        seqs = board.write_records(meetings, recognitions)
        for number in seqs:
            self._emit(RecordsChanged(board.unit_id, number))
        return seqs

    @contextlib.contextmanager
    def _transaction(self, board: UnitBoard) -> Iterator[None]:
        """Several changes of one unit as one durable write: all of them reach the disk, or none does.

        If the write fails (a full disk, a file past its limit), the unit's board in memory is put back as it was,
        and nobody has been told of the changes: subscribers hear of them only once they are on disk.
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
        if isinstance(change, OrganisationChanged) or (isinstance(change, CardChanged) and _gain_changed(change)):
            self.gains_version += 1  # the leaders' roll-ups computed before are out of date
        for callback in list(self._subscribers):
            try:
                callback(change)
            except Exception:
                log.exception('a subscriber failed on %s', type(change).__name__)

    def _board(self, unit_id: str) -> UnitBoard:
        try:
            return self._units[unit_id]
        except KeyError:
            raise KeyError(f'unknown unit {unit_id!r}') from None

    def _existing(self, board: UnitBoard, card_id: str) -> Card:
        card = board.cards.get(card_id)
        if card is None or not card.on_board:
            raise RuleViolation([Problem('card', 'error.card_gone')])
        return card

    def _org(self) -> OrganisationFile:
        if self._organisation is None:
            raise RuntimeError('store is not open')
        return self._organisation
