"""One unit's active board: its file (``units/<unit-id>.json``) and the domain objects read from it.

The board keeps its cards, goals, meetings and recognitions in memory as frozen objects in containers that are
replaced, never changed, so a reader on the event loop never sees half a change and a failed write can put the
old state back (:meth:`UnitBoard.state` / :meth:`UnitBoard.restore`). Every write numbers what it changes with
the unit's next sequence numbers (the base of sync) and goes to the file in one durable write per call; several
calls inside one :meth:`AtomicJSONStorage.batch` share one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from tinydb import Query, TinyDB
from tinydb.table import Table

from ..domain import Card, Column, Goal, GoalValue, LeaderNote, Meeting, Recognition
from ..domain.changelog import LogEntry
from .codec import (
    card_from_dict,
    card_to_dict,
    goal_from_dict,
    goal_to_dict,
    goal_value_from_dict,
    goal_value_to_dict,
    leader_note_from_dict,
    leader_note_to_dict,
    log_from_dict,
    log_to_dict,
    meeting_from_dict,
    meeting_to_dict,
    recognition_from_dict,
    recognition_to_dict,
)
from .files import AtomicJSONStorage, DataFileError, document, open_db
from .journal import Journal

__all__ = ['MAX_BOARD_CARDS', 'MAX_LOG_ENTRIES', 'MAX_LOG_PER_CARD', 'MAX_MEETINGS', 'MAX_RECOGNITIONS',
           'MAX_UNIT_FILE_BYTES', 'SyncCursor', 'UnitBoard']

#: cards a unit's active board may hold (ideas, work, finished, tombstones): a real board has under a hundred; a
#: stolen token or a script must not grow one unit's file, and every screen of it, without bound
MAX_BOARD_CARDS = 1000
#: meetings and recognitions a unit keeps (a weekly meeting for 50 years; three recognitions a week for 30)
MAX_MEETINGS = 2500
MAX_RECOGNITIONS = 5000
#: a unit's active board file may not grow past this (a busy ward's file after ten years is about 2 MB): whatever
#: a stolen wall-screen token pushes, one unit's writes stay cheap for the writer every unit shares
MAX_UNIT_FILE_BYTES = 8 * 1024 * 1024

K = TypeVar('K', GoalValue, LeaderNote)

_COLUMN_ORDER = {Column.IDEAS: 0, Column.DOING: 1, Column.DONE: 2}
#: what a transaction puts back if its write fails (the containers are replaced, never changed)
_STATE = ('cards', 'doc_ids', 'goals', 'goal_versions', 'seq', 'cursor', 'meetings', 'recognitions', 'log', 'values',
          'notes')
#: leaders' notes a unit keeps (a question and a praise a week for 25 years), and how many may wait at once
MAX_NOTES = 2500
MAX_OPEN_NOTES = 50
#: dated values a unit keeps over all its goals (ten goals measured weekly for 20 years; about 150 bytes each)
MAX_GOAL_VALUES = 10_000
#: a card's log keeps its newest entries (a busy card has a few dozen in its life on the board)
MAX_LOG_PER_CARD = 100
#: a unit's file keeps at most this many log entries (about 200 bytes each, 560 at most: 1.1 MB of the file's 8 MB),
#: the oldest going first, so a script editing cards without end can never fill the file and stop the unit's writes
MAX_LOG_ENTRIES = 2000


@dataclass(frozen=True, slots=True)
class SyncCursor:
    """A replica's progress: its own changes up to ``pushed`` are on the hub; the hub's up to ``pulled`` are here.

    ``refused``: changes the hub refused, as (kind, id, seq): held back until that record changes here again.
    """
    pushed: int = 0
    pulled: int = 0
    refused: tuple[tuple[str, str, int], ...] = ()
    #: the hub's data folder these numbers belong to (``Store.instance``): a restored hub has a new one
    hub_instance: str = ''
    #: the data format the hub said in its last answer (0: not known yet); see ``board.sync_client``
    hub_format: int = 0

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> SyncCursor:
        return cls(pushed=int(doc.get('pushed', 0)), pulled=int(doc.get('pulled', 0)),
                   refused=tuple((str(k), str(i), int(s)) for k, i, s in doc.get('refused', ())),
                   hub_instance=str(doc.get('hub_instance', '')), hub_format=int(doc.get('hub_format', 0)))


@dataclass(kw_only=True)
class UnitBoard:
    unit_id: str
    db: TinyDB
    cards: dict[str, Card]
    doc_ids: dict[str, int]
    goals: dict[str, Goal]
    #: per goal: (seq, stamp) of its last change, for sync
    goal_versions: dict[str, tuple[int, str]]
    seq: int
    #: how far this replica has pushed its changes to the hub and pulled the hub's (wall screens only)
    cursor: SyncCursor
    meetings: list[Meeting] = dataclasses.field(default_factory=list)
    recognitions: dict[str, Recognition] = dataclasses.field(default_factory=dict)
    #: each card's log (``board.domain.changelog``), oldest first
    log: dict[str, tuple[LogEntry, ...]] = dataclasses.field(default_factory=dict)
    #: the goals' dated values by ``GoalValue.id`` (deleted ones too, to restore and to sync)
    values: dict[str, GoalValue] = dataclasses.field(default_factory=dict)
    #: leaders' questions and praise for the meetings, by id
    notes: dict[str, LeaderNote] = dataclasses.field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path, unit_id: str, *, journal: Journal | None = None,
             journaled: bytes | None = None) -> UnitBoard:
        """The unit's board from its file; ``journal``: the store's, which its writes go through; ``journaled``: its
        newest content if that is in a running hub's journal only (a read-only look)."""
        path = folder / 'units' / f'{unit_id}.json'
        db = open_db(path, max_bytes=MAX_UNIT_FILE_BYTES, journal=journal, journaled=journaled)
        try:
            docs = db.table('cards').all()
            cards = {doc['id']: card_from_dict(doc) for doc in docs}
            goal_docs = db.table('goals').all()
            goals = {doc['id']: goal_from_dict(doc) for doc in goal_docs}
            versions = {doc['id']: (int(doc.get('seq', 0)), str(doc.get('stamp', ''))) for doc in goal_docs}
            meta = db.table('meta').get(doc_id=1)
            cursor = SyncCursor.from_dict(meta.get('sync', {})) if meta else SyncCursor()
            meetings = sorted((meeting_from_dict(d) for d in db.table('meetings').all()), key=lambda m: m.started_at)
            recognitions = {d['id']: recognition_from_dict(d) for d in db.table('recognitions').all()}
            values = {v.id: v for v in (goal_value_from_dict(d) for d in db.table('goal_values').all())}
            notes = {n.id: n for n in (leader_note_from_dict(d) for d in db.table('leader_notes').all())}
            log: dict[str, tuple[LogEntry, ...]] = {}
            for doc in db.table('log').all():
                entry = log_from_dict(doc)
                log[entry.card_id] = (*log.get(entry.card_id, ()), entry)
        except (KeyError, TypeError, ValueError) as error:
            raise DataFileError(path, f'unexpected content: {error!r}') from error
        seq = max([int(meta['seq']) if meta else 0, *(c.seq for c in cards.values()), *(m.seq for m in meetings),
                   *(r.seq for r in recognitions.values()), *(v.seq for v in values.values()),
                   *(n.seq for n in notes.values())])
        return cls(unit_id=unit_id, db=db, cards=cards, doc_ids={doc['id']: doc.doc_id for doc in docs},
                   goals=goals, goal_versions=versions, seq=seq, cursor=cursor, meetings=meetings,
                   recognitions=recognitions, log=log, values=values, notes=notes)

    @property
    def storage(self) -> AtomicJSONStorage:
        return self.db.storage  # type: ignore[return-value]

    def state(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in _STATE)

    def restore(self, state: tuple[Any, ...]) -> None:
        for name, value in zip(_STATE, state, strict=True):
            setattr(self, name, value)

    # --- reads ---

    def on_board(self) -> list[Card]:
        """The cards shown on the board, by column and place."""
        return sorted((c for c in self.cards.values() if c.on_board),
                      key=lambda c: (_COLUMN_ORDER[c.column], c.sort_key()))

    def column(self, column: Column) -> list[Card]:
        return sorted((c for c in self.cards.values() if c.column == column and c.on_board), key=Card.sort_key)

    def top_of(self, column: Column) -> Card | None:
        """The first card of a column (what :meth:`column` would put first), without sorting the column."""
        return min((c for c in self.cards.values() if c.column == column and c.on_board), key=Card.sort_key,
                   default=None)

    # --- writes (the caller holds the store's lock) ---

    def write_cards(self, changes: list[tuple[Card | None, Card]]) -> list[tuple[Card | None, Card]]:
        """Number the cards one after the other and write them: one TinyDB operation for the new ones and one for
        the changed ones (TinyDB walks the whole table on each operation)."""
        if not changes:
            return []
        numbered = [(before, dataclasses.replace(card, seq=self.seq + number))
                    for number, (before, card) in enumerate(changes, start=1)]
        fresh = [card for before, card in numbered if before is None]
        changed = {card.id: card_to_dict(card) for before, card in numbered if before is not None}

        def replace_document(doc: MutableMapping[str, Any]) -> None:
            replacement = changed[doc['id']]
            doc.clear()
            doc.update(replacement)

        seq = numbered[-1][1].seq
        table = self.db.table('cards')
        with self.storage.batch():
            new_ids = table.insert_multiple(card_to_dict(c) for c in fresh) if fresh else []
            if changed:
                table.update(replace_document, doc_ids=[self.doc_ids[i] for i in changed])
            self._write_seq(seq)
        self.cards = {**self.cards, **{card.id: card for _, card in numbered}}
        self.doc_ids = {**self.doc_ids, **{card.id: doc_id for card, doc_id in zip(fresh, new_ids, strict=True)}}
        self.seq = seq
        return numbered

    def write_log(self, entries: list[LogEntry]) -> None:
        """Add entries to their cards' logs; a card's oldest entries past :data:`MAX_LOG_PER_CARD` are dropped."""
        if not entries:
            return
        log = dict(self.log)
        for entry in entries:
            log[entry.card_id] = (*log.get(entry.card_id, ()), entry)
        full = {card_id for card_id in {e.card_id for e in entries} if len(log[card_id]) > MAX_LOG_PER_CARD}
        table = self.db.table('log')
        # the table holds every entry kept (self.log's): its length is their count, without walking them
        if len(table) + len(entries) > MAX_LOG_ENTRIES:
            # past the unit's bound: keep the newest nine tenths (so this rewrite is rare), each card's newest
            newest = sorted((e for card_id, kept in log.items() for e in kept[-MAX_LOG_PER_CARD:]),
                            key=lambda e: e.at)[-MAX_LOG_ENTRIES * 9 // 10:]
            log = {}
            for entry in newest:
                log[entry.card_id] = (*log.get(entry.card_id, ()), entry)
            with self.storage.batch():
                table.truncate()
                table.insert_multiple(log_to_dict(e) for e in newest)
            self.log = log
            return
        with self.storage.batch():
            if full:
                table.remove(lambda doc: doc.get('card_id') in full)
                for card_id in full:
                    log[card_id] = log[card_id][-MAX_LOG_PER_CARD:]
                table.insert_multiple(log_to_dict(e) for card_id in full for e in log[card_id])
            table.insert_multiple(log_to_dict(e) for e in entries if e.card_id not in full)
        self.log = log

    def remove_cards(self, card_ids: Iterable[str]) -> None:
        """Take cards and their logs out of the file (they have gone to the archive)."""
        ids = set(card_ids)
        with self.storage.batch():
            self.db.table('cards').remove(doc_ids=[self.doc_ids[i] for i in ids])
            if any(i in self.log for i in ids):
                self.db.table('log').remove(lambda doc: doc.get('card_id') in ids)
        self.log = {k: v for k, v in self.log.items() if k not in ids}
        self.cards = {k: v for k, v in self.cards.items() if k not in ids}
        self.doc_ids = {k: v for k, v in self.doc_ids.items() if k not in ids}

    def write_goal(self, goal: Goal, stamp: str) -> int:
        seq = self.seq + 1
        with self.storage.batch():
            self.db.table('goals').upsert(goal_to_dict(goal) | {'seq': seq, 'stamp': stamp}, Query().id == goal.id)
            self._write_seq(seq)
        self.goals = {**self.goals, goal.id: goal}
        self.goal_versions = {**self.goal_versions, goal.id: (seq, stamp)}
        self.seq = seq
        return seq

    def write_values(self, values: list[GoalValue]) -> list[GoalValue]:
        """Number goal values and write them (a new value, or a replaced or deleted one), one table walk."""
        numbered = self._write_keyed('goal_values', values, lambda d: f"{d['goal_id']}@{d['on']}", goal_value_to_dict,
                                     self.values)
        self.values = {**self.values, **{v.id: v for v in numbered}}
        return numbered

    def write_notes(self, notes: list[LeaderNote]) -> list[LeaderNote]:
        """Number leaders' notes and write them (new, answered, handled or removed), one table walk."""
        numbered = self._write_keyed('leader_notes', notes, lambda d: str(d['id']), leader_note_to_dict, self.notes)
        self.notes = {**self.notes, **{n.id: n for n in numbered}}
        return numbered

    def _write_keyed(self, table_name: str, records: list[K], key: Callable[[Mapping[str, Any]], str],
                     to_dict: Callable[[K], dict[str, Any]], known: Mapping[str, Any]) -> list[K]:
        """Number records kept by their key and write them: changed ones in place, new ones added, one walk."""
        if not records:
            return []
        numbered = [dataclasses.replace(r, seq=self.seq + n) for n, r in enumerate(records, start=1)]
        by_key = {key(doc): doc for doc in (to_dict(r) for r in numbered)}
        replaced: set[str] = set()

        def replace(doc: MutableMapping[str, Any]) -> None:
            found = key(doc)
            replaced.add(found)
            doc.clear()
            doc.update(by_key[found])

        table = self.db.table(table_name)
        wanted = {k for k in by_key if k in known}
        with self.storage.batch():
            if wanted:
                table.update(replace, lambda doc: key(doc) in wanted)
            table.insert_multiple(doc for k, doc in by_key.items() if k not in replaced)
            self._write_seq(numbered[-1].seq)
        self.seq = numbered[-1].seq
        return numbered

    def write_records(self, meetings: list[Meeting], recognitions: list[Recognition]) -> list[int]:
        """Number meetings and recognitions and write them: one table walk per kind. Returns their numbers."""
        if not meetings and not recognitions:
            return []
        seq = self.seq
        numbered_meetings = [dataclasses.replace(m, seq=seq + n) for n, m in enumerate(meetings, start=1)]
        seq += len(meetings)
        numbered_recognitions = [dataclasses.replace(r, seq=seq + n) for n, r in enumerate(recognitions, start=1)]
        seq += len(recognitions)
        with self.storage.batch():
            _save_records(self.db.table('meetings'), [meeting_to_dict(m) for m in numbered_meetings])
            _save_records(self.db.table('recognitions'), [recognition_to_dict(r) for r in numbered_recognitions])
            self._write_seq(seq)
        self.seq = seq
        if numbered_meetings:
            ids = {m.id for m in numbered_meetings}
            self.meetings = sorted([*(m for m in self.meetings if m.id not in ids), *numbered_meetings],
                                   key=lambda m: m.started_at)
        if numbered_recognitions:
            self.recognitions = {**self.recognitions, **{r.id: r for r in numbered_recognitions}}
        return [m.seq for m in numbered_meetings] + [r.seq for r in numbered_recognitions]

    def write_cursor(self, cursor: SyncCursor) -> None:
        """Remember durably how far the replica has synced, so the outbox survives a restart or a power cut."""
        if cursor == self.cursor:
            return
        with self.storage.batch():
            self.db.table('meta').upsert(document({'unit_id': self.unit_id, 'seq': self.seq,
                                                   'sync': dataclasses.asdict(cursor)}, 1))
        self.cursor = cursor

    def _write_seq(self, seq: int) -> None:
        # an upsert of a document with its id updates the fields given: the sync cursor stays as it is
        self.db.table('meta').upsert(document({'unit_id': self.unit_id, 'seq': seq}, 1))


def _save_records(table: Table, docs: list[dict[str, Any]]) -> None:
    """Insert or replace documents by their ``id``, walking the table once (not once per document)."""
    if not docs:
        return
    by_id = {doc['id']: doc for doc in docs}
    replaced: set[str] = set()

    def replace(doc: MutableMapping[str, Any]) -> None:
        record_id = doc['id']
        replaced.add(record_id)
        doc.clear()
        doc.update(by_id[record_id])
    table.update(replace, Query().id.one_of(list(by_id)))
    table.insert_multiple(doc for record_id, doc in by_id.items() if record_id not in replaced)
