"""The organisation (``organisation.json``): its name, service areas and units, and each unit's meeting time.

The meeting times are a table of their own (``meeting_times``: unit id, ISO weekday, ``HH:MM``), added after
format 4 without a format step: an older release ignores the table and keeps it as it is.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from pathlib import Path

from tinydb import Query, TinyDB

from ..domain import LEADERSHIP_BOARD, Organisation, ServiceArea, Unit, area_board_id, is_valid_id
from ..domain.meeting_time import MeetingTime
from .files import AtomicJSONStorage, DataFileError, open_db
from .programme import ProgrammeTables

__all__ = ['OrganisationFile', 'check_id', 'check_unit_id']

log = logging.getLogger(__name__)


class OrganisationFile:
    """Reads and writes the organisation; the store holds the lock and tells its subscribers."""

    def __init__(self, path: Path) -> None:
        self._db: TinyDB = open_db(path)
        self.organisation = _load(self._db)
        #: each unit's weekly meeting time, where one is set
        self.meeting_times: dict[str, MeetingTime] = _meeting_times(self._db)
        #: the programme's tables: each unit's rollout, the value stream analyses (``board.store.programme``)
        self.programme = ProgrammeTables(self._db, lambda: self._storage().batch())
        found = self._db.table('organisation').get(Query().key == 'instance')
        #: this data folder's identity; a restore gives it a new one, so wall screens know to sync anew
        self.instance: str = found['id'] if isinstance(found, dict) else ''

    def renew_instance(self) -> str:
        """Give the data folder a new identity (at its first start, and after a restore from a backup)."""
        self.instance = uuid.uuid4().hex
        with self._storage().batch():
            self._db.table('organisation').upsert({'key': 'instance', 'id': self.instance},
                                                  Query().key == 'instance')
        return self.instance

    def close(self) -> None:
        self._db.close()

    def add_service_area(self, area: ServiceArea) -> None:
        check_id(area.id)
        with self._storage().batch():
            self._db.table('service_areas').upsert({'id': area.id, 'name': area.name}, Query().id == area.id)
        self.organisation = _load(self._db)

    def add_unit(self, unit: Unit) -> None:
        check_unit_id(unit.id)
        if self.organisation.service_area(unit.service_area_id) is None:
            raise ValueError(f'unknown service area {unit.service_area_id!r} for unit {unit.id!r}')
        with self._storage().batch():
            self._db.table('units').upsert(_unit_doc(unit), Query().id == unit.id)
        self.organisation = _load(self._db)

    def import_organisation(self, areas: list[ServiceArea], units: list[Unit],
                            meeting_times: Mapping[str, MeetingTime] | None = None) -> tuple[set[str], set[str]]:
        """Add or rename service areas and units (and set the meeting times given) in one write; checks everything
        first. Returns the new ids."""
        known_areas = {a.id for a in self.organisation.service_areas} | {a.id for a in areas}
        for item_id in [a.id for a in areas]:
            check_id(item_id)
        for item_id in [u.id for u in units]:
            check_unit_id(item_id)
        for unit in units:
            if unit.service_area_id not in known_areas:
                raise ValueError(f'unknown service area {unit.service_area_id!r} for unit {unit.id!r}')
        before_areas = {a.id for a in self.organisation.service_areas}
        before_units = {u.id for u in self.organisation.units}
        with self._storage().batch():
            for area in areas:
                self._db.table('service_areas').upsert({'id': area.id, 'name': area.name}, Query().id == area.id)
            for unit in units:
                self._db.table('units').upsert(_unit_doc(unit), Query().id == unit.id)
            for unit_id, meeting_time in (meeting_times or {}).items():
                self._put_meeting_time(unit_id, meeting_time)
        self.organisation = _load(self._db)
        self.meeting_times = _meeting_times(self._db)
        return {a.id for a in areas} - before_areas, {u.id for u in units} - before_units

    def set_meeting_time(self, unit_id: str, meeting_time: MeetingTime | None) -> None:
        """Set or (``None``) remove a unit's weekly meeting time."""
        if self.organisation.unit(unit_id) is None:
            raise ValueError(f'unknown unit {unit_id!r}')
        with self._storage().batch():
            self._put_meeting_time(unit_id, meeting_time)
        self.meeting_times = _meeting_times(self._db)

    def _put_meeting_time(self, unit_id: str, meeting_time: MeetingTime | None) -> None:
        table = self._db.table('meeting_times')
        if meeting_time is None:
            table.remove(Query().unit_id == unit_id)
        else:
            table.upsert({'unit_id': unit_id, 'weekday': meeting_time.weekday, 'at': meeting_time.clock},
                         Query().unit_id == unit_id)

    def rename(self, name: str) -> None:
        with self._storage().batch():
            self._db.table('organisation').upsert({'key': 'organisation', 'name': name},
                                                  Query().key == 'organisation')
        self.organisation = _load(self._db)

    def _storage(self) -> AtomicJSONStorage:
        return self._db.storage  # type: ignore[return-value]


def check_id(value: str) -> None:
    if not is_valid_id(value):
        raise ValueError(f'invalid id {value!r}: use lower-case letters, digits, "-" and "_" (at most 63)')


def check_unit_id(value: str) -> None:
    """A unit's id: a plain id that is not one of the boards above the units (``omrade-<area>``, ``ledergruppa``)."""
    check_id(value)
    if value == LEADERSHIP_BOARD or value.startswith(area_board_id('')):
        raise ValueError(f'the id {value!r} is kept for the boards above the units: choose another')


def _unit_doc(unit: Unit) -> dict[str, str]:
    return {'id': unit.id, 'name': unit.name, 'service_area_id': unit.service_area_id}


def _load(db: TinyDB) -> Organisation:
    try:
        meta = db.table('organisation').get(Query().key == 'organisation')
        areas = tuple(ServiceArea(id=d['id'], name=d['name']) for d in db.table('service_areas').all())
        units = tuple(Unit(id=d['id'], name=d['name'], service_area_id=d['service_area_id'])
                      for d in db.table('units').all())
    except (KeyError, TypeError) as error:
        raise DataFileError(Path(db.storage.path), f'unexpected content: {error!r}') from error  # type: ignore[attr-defined]
    name = meta['name'] if isinstance(meta, dict) else ''
    return Organisation(name=name, service_areas=areas, units=units)


def _meeting_times(db: TinyDB) -> dict[str, MeetingTime]:
    found = {}
    for doc in db.table('meeting_times').all():
        try:
            found[str(doc['unit_id'])] = MeetingTime.parse(doc['weekday'], doc['at'])
        except (KeyError, TypeError, ValueError) as error:  # one bad record never stops the hub
            log.warning('a meeting time in organisation.json cannot be read (%s): %r; it is ignored', error, doc)
    return found
