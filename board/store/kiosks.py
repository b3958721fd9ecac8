"""The hub's records of wall screens and pairing codes (``kiosks.json``): ``store.wall_screens``.

Heartbeats arrive every minute from every wall screen: they are kept in memory and written at most every few
minutes per screen, or when something they report changes.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB

from ..devices import Kiosk, PairingCode
from .files import AtomicJSONStorage, open_db

__all__ = ['WallScreens']


class WallScreens:
    """Wall screens known to the hub and their one-time pairing codes (writes: on the store's writer)."""

    def __init__(self, path: Path, *, lock: threading.RLock, now: Callable[[], datetime],
                 has_unit: Callable[[str], bool]) -> None:
        self._db: TinyDB = open_db(path)
        self._lock = lock
        self._now = now
        self._has_unit = has_unit
        self._heartbeats: dict[str, tuple[datetime, _Beat]] = {}

    def close(self) -> None:
        self._db.close()

    def add_pairing_code(self, code: PairingCode) -> None:
        if not self._has_unit(code.unit_id):
            raise KeyError(f'unknown unit {code.unit_id!r}')
        with self._lock, self._devices_storage().batch():
            self._devices().table('pairing_codes').insert(_pairing_doc(code))

    def redeem_pairing_code(self, code_hash: str, kiosk: Kiosk) -> PairingCode | None:
        """Use a pairing code once: if it is valid, record the kiosk and return the code; otherwise None."""
        with self._lock:
            table = self._devices().table('pairing_codes')
            doc = table.get(Query().code_hash == code_hash)
            if not isinstance(doc, dict):
                return None
            code = _pairing_from_doc(doc)
            if not code.usable(self._now()) or code.unit_id != kiosk.unit_id:
                return None
            with self._devices_storage().batch():
                table.update({'used': True}, doc_ids=[doc.doc_id])
                self._devices().table('kiosks').insert(_kiosk_doc(kiosk))
            return code

    def pairing_code_unit(self, code_hash: str) -> str | None:
        doc = self._devices().table('pairing_codes').get(Query().code_hash == code_hash)
        return doc['unit_id'] if isinstance(doc, dict) else None

    def all(self) -> list[Kiosk]:
        return sorted((_kiosk_from_doc(d) for d in self._devices().table('kiosks').all()),
                      key=lambda k: (k.unit_id, k.id))

    def by_token_hash(self, token_hash: str) -> Kiosk | None:
        doc = self._devices().table('kiosks').get(Query().token_hash == token_hash)
        return _kiosk_from_doc(doc) if isinstance(doc, dict) else None

    def revoke(self, kiosk_id: str) -> bool:
        with self._lock, self._devices_storage().batch():
            return bool(self._devices().table('kiosks').update({'revoked': True}, Query().id == kiosk_id))

    def record_heartbeat(self, kiosk_id: str, *, version: str, outbox: int, clock_offset_ms: int,
                         refused: int = 0, data_format: int = 1) -> None:
        # last-seen times change every minute per kiosk: kept in memory, written at most every few minutes
        now = self._now()
        beat = _Beat(version=version, outbox=outbox, clock_offset_ms=clock_offset_ms, refused=refused,
                     data_format=data_format)
        with self._lock:
            previous = self._heartbeats.get(kiosk_id)
            self._heartbeats[kiosk_id] = (now, beat)
            if previous is None or now - previous[0] > timedelta(minutes=5) or previous[1] != beat:
                with self._devices_storage().batch():
                    self._devices().table('kiosks').update({'last_seen': now.isoformat(), **beat.as_doc()},
                                                           Query().id == kiosk_id)

    def record_refusals(self, kiosk_id: str, count: int) -> None:
        """The hub refused ``count`` of a wall screen's changes: show it at once (memory; the heartbeat follows)."""
        with self._lock:
            seen = self._heartbeats.get(kiosk_id)
            if seen is not None:
                self._heartbeats[kiosk_id] = (seen[0], dataclasses.replace(seen[1],
                                                                           refused=max(seen[1].refused, count)))

    def status(self) -> list[Kiosk]:
        """The kiosks with their latest heartbeat (also one not yet written to disk)."""
        result = []
        for stored in self.all():
            seen = self._heartbeats.get(stored.id)
            result.append(stored if seen is None else dataclasses.replace(stored, last_seen=seen[0],
                                                                          **seen[1].as_doc()))
        return result

    def _devices(self) -> TinyDB:
        return self._db

    def _devices_storage(self) -> AtomicJSONStorage:
        return self._db.storage  # type: ignore[return-value]



@dataclass(frozen=True, slots=True)
class _Beat:
    """What a wall screen's heartbeat says (its fields are the Kiosk's and the file's of the same names)."""
    version: str
    outbox: int
    clock_offset_ms: int
    refused: int
    data_format: int

    def as_doc(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _pairing_doc(code: PairingCode) -> dict[str, Any]:
    return {'code_hash': code.code_hash, 'unit_id': code.unit_id, 'expires_at': code.expires_at.isoformat(),
            'used': code.used}


def _pairing_from_doc(doc: dict[str, Any]) -> PairingCode:
    return PairingCode(code_hash=doc['code_hash'], unit_id=doc['unit_id'],
                       expires_at=datetime.fromisoformat(doc['expires_at']), used=bool(doc.get('used')))


def _kiosk_doc(kiosk: Kiosk) -> dict[str, Any]:
    return {'id': kiosk.id, 'unit_id': kiosk.unit_id, 'token_hash': kiosk.token_hash,
            'paired_at': kiosk.paired_at.isoformat(), 'revoked': kiosk.revoked, 'last_seen': _iso(kiosk.last_seen),
            'version': kiosk.version, 'outbox': kiosk.outbox, 'clock_offset_ms': kiosk.clock_offset_ms,
            'refused': kiosk.refused, 'data_format': kiosk.data_format}


def _kiosk_from_doc(doc: dict[str, Any]) -> Kiosk:
    return Kiosk(id=doc['id'], unit_id=doc['unit_id'], token_hash=doc['token_hash'],
                 paired_at=datetime.fromisoformat(doc['paired_at']), revoked=bool(doc.get('revoked')),
                 last_seen=_from_iso(doc.get('last_seen')), version=doc.get('version', ''),
                 outbox=int(doc.get('outbox', 0)), clock_offset_ms=int(doc.get('clock_offset_ms', 0)),
                 refused=int(doc.get('refused', 0)), data_format=int(doc.get('data_format', 1)))



def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
