"""The store of record: the only package that imports TinyDB. It takes and returns domain objects.

Layout of the data folder::

    organisation.json            service areas and units
    units/<unit-id>.json         one unit's active board: its cards, goals, meetings, recognitions and change
                                 sequence number
    archive/<unit-id>/<year>.json finished cards that have left the board, by the year they were finished
    audits/<unit-id>.json        the unit's audits (revisjoner) and their answers (hub only)

Why it looks like this:

- *A write costs what the unit's active board costs.* TinyDB rewrites a whole file per operation, so each unit
  has its own file and finished cards older than ``archive_after_weeks`` move to yearly archive files.
- *A kill at any moment leaves the old state or the new one.* :class:`AtomicJSONStorage` writes a temporary
  file, fsyncs it, renames it over the old one and fsyncs the folder. Several table changes that belong together
  (a card and the unit's sequence number) are flushed as one file write (:meth:`AtomicJSONStorage.batch`).
- *Reads come from memory.* Each unit's cards and goals are kept as frozen domain objects in dictionaries that are
  replaced, never mutated, so readers on the event loop never see a half-made change.
- *One writer.* Writes are serialised by a lock and, from async code, run on one dedicated thread
  (:meth:`Store.run`), so the event loop never waits for a disk.
- *Sync can build on it.* Every change bumps the unit's sequence number and stamps the changed fields with a
  hybrid-logical-clock time; deletes leave tombstones.
- *A file that does not parse is never overwritten*: opening the store fails with :class:`DataFileError` naming it.

The rooms: ``files`` (atomic, durable TinyDB storage; the errors a person must see), ``lock`` (one writing process
per data folder), ``codec`` (cards and goals as JSON, for the files and the sync API), ``unit_board`` (one unit's
file), ``archive`` (the yearly files and the gains index), ``organisation``, ``kiosks`` (``store.wall_screens``),
``users`` (``store.accounts``), ``audits`` (``store.audits``: the units' audits and their checklists, on the hub
only), ``changes`` (what subscribers hear) and ``core`` (:class:`Store`, the facade that
numbers, stamps, writes in transactions and tells).
"""

from .changes import (
    HUB_ONLY,
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
from .core import POSITION_SPREAD_AT, BoardFull, Store
from .files import AtomicJSONStorage, DataFileError, StoreWriteError
from .unit_board import MAX_BOARD_CARDS, MAX_MEETINGS, MAX_RECOGNITIONS, MAX_UNIT_FILE_BYTES, SyncCursor

__all__ = [
    'HUB_ONLY',
    'MAX_BOARD_CARDS',
    'MAX_MEETINGS',
    'MAX_RECOGNITIONS',
    'MAX_UNIT_FILE_BYTES',
    'POSITION_SPREAD_AT',
    'AtomicJSONStorage',
    'AuditChanged',
    'BoardFull',
    'CardChanged',
    'CardsArchived',
    'Change',
    'CitizenIdeasChanged',
    'DataFileError',
    'GoalChanged',
    'GoalValuesChanged',
    'NotesChanged',
    'OrganisationChanged',
    'RecordsChanged',
    'Store',
    'StoreWriteError',
    'SyncCursor',
]
