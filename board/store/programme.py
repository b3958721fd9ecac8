"""The programme's tables in ``organisation.json``: each unit's rollout (``rollout``) and the value stream analyses
(``value_stream_analyses``).

Hub-side only (a wall screen never needs them), added after format 4 without a format step, like ``meeting_times``:
an older release ignores the tables and keeps them as they are. One bad record is logged and left out; it never
stops the hub.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from tinydb import Query, TinyDB

from ..domain.programme import Phase, UnitRollout, ValueStreamAnalysis

__all__ = ['ProgrammeTables']

log = logging.getLogger(__name__)


class ProgrammeTables:
    """Reads and writes the tables; the caller holds the store's lock and gives ``batch`` (one durable write)."""

    def __init__(self, db: TinyDB, batch: Callable[[], Any]) -> None:
        self._db = db
        self._batch = batch
        self.rollouts: dict[str, UnitRollout] = self._read_rollouts()
        self.analyses: dict[str, ValueStreamAnalysis] = self._read_analyses()

    def put_rollouts(self, rollouts: list[UnitRollout]) -> None:
        with self._batch():
            for rollout in rollouts:
                self._db.table('rollout').upsert(_rollout_doc(rollout), Query().unit_id == rollout.unit_id)
        self.rollouts = self._read_rollouts()

    def put_analysis(self, vsa: ValueStreamAnalysis) -> None:
        with self._batch():
            self._db.table('value_stream_analyses').upsert(_vsa_doc(vsa), Query().id == vsa.id)
        self.analyses = self._read_analyses()

    def _read_rollouts(self) -> dict[str, UnitRollout]:
        found = {}
        for doc in self._db.table('rollout').all():
            try:
                rollout = _rollout_of(doc)
            except (KeyError, TypeError, ValueError) as error:
                log.warning('a unit\'s rollout in organisation.json cannot be read (%s): %r; it is left out', error,
                            doc)
                continue
            found[rollout.unit_id] = rollout
        return found

    def _read_analyses(self) -> dict[str, ValueStreamAnalysis]:
        found = {}
        for doc in self._db.table('value_stream_analyses').all():
            try:
                vsa = _vsa_of(doc)
            except (KeyError, TypeError, ValueError) as error:
                log.warning('a value stream analysis in organisation.json cannot be read (%s): %r; it is left out',
                            error, doc)
                continue
            found[vsa.id] = vsa
        return found


def _iso(day: date | datetime | None) -> str | None:
    return day.isoformat() if day else None


def _day(text: Any) -> date | None:
    return date.fromisoformat(text) if isinstance(text, str) and text else None


def _rollout_doc(rollout: UnitRollout) -> dict[str, Any]:
    return {'unit_id': rollout.unit_id, 'phase': rollout.phase.value,
            'dates': {phase.value: day.isoformat() for phase, day in rollout.dates.items()},
            'trained': rollout.trained, 'coach': rollout.coach, 'leader': rollout.leader,
            'leader_since': _iso(rollout.leader_since), 'retrain_since': _iso(rollout.retrain_since),
            'retrained_on': _iso(rollout.retrained_on)}


def _rollout_of(doc: dict[str, Any]) -> UnitRollout:
    return UnitRollout(unit_id=str(doc['unit_id']), phase=Phase(doc.get('phase', Phase.PREPARATION.value)),
                       dates={Phase(p): date.fromisoformat(d) for p, d in dict(doc.get('dates') or {}).items()},
                       trained=int(doc.get('trained', 0)), coach=str(doc.get('coach', '')),
                       leader=str(doc.get('leader', '')), leader_since=_day(doc.get('leader_since')),
                       retrain_since=_day(doc.get('retrain_since')), retrained_on=_day(doc.get('retrained_on')))


def _vsa_doc(vsa: ValueStreamAnalysis) -> dict[str, Any]:
    return {'id': vsa.id, 'name': vsa.name, 'on': vsa.on.isoformat(), 'unit_ids': list(vsa.unit_ids),
            'participants': list(vsa.participants), 'created_by': vsa.created_by,
            'created_at': _iso(vsa.created_at)}


def _vsa_of(doc: dict[str, Any]) -> ValueStreamAnalysis:
    created = doc.get('created_at')
    return ValueStreamAnalysis(id=str(doc['id']), name=str(doc['name']), on=date.fromisoformat(doc['on']),
                               unit_ids=tuple(str(u) for u in doc.get('unit_ids', ())),
                               participants=tuple(str(p) for p in doc.get('participants', ())),
                               created_by=str(doc.get('created_by', '')),
                               created_at=datetime.fromisoformat(created) if created else None)
