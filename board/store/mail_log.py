"""The record of every mail to a leader (``mail.json``): ``store.mail``.

One row per mail (a brief before a unit's meeting, a weekly summary), written as ``sending`` before the mail server
is contacted and ``sent`` after (see ``board.domain.mail`` for the at-most-once rule). A new file, added after
format 4: an older release neither reads nor changes it. Rows older than :data:`KEEP` are dropped as new ones come.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB

from ..domain.mail import MailKind, MailRecord, MailState
from .files import AtomicJSONStorage, open_db

__all__ = ['KEEP', 'MailLog']

log = logging.getLogger(__name__)

#: how long the record of a mail is kept (the admin page shows the recent ones)
KEEP = timedelta(days=90)


class MailLog:
    """Mails to leaders and what became of them (writes: on the store's writer)."""

    def __init__(self, path: Path, *, lock: threading.RLock) -> None:
        self._db: TinyDB = open_db(path, max_bytes=16 * 1024 * 1024)
        self._lock = lock

    def close(self) -> None:
        self._db.close()

    def get(self, key: str) -> MailRecord | None:
        doc = self._table().get(Query().key == key)
        return _record(doc) if isinstance(doc, dict) else None

    def all(self) -> list[MailRecord]:
        """Every record, the latest try first."""
        found = [r for r in (_record(d) for d in self._table().all()) if r is not None]
        return sorted(found, key=lambda r: r.last_try, reverse=True)

    def put(self, record: MailRecord) -> MailRecord:
        """Write ``record`` durably (before the mail goes: ``sending``; after: what became of it)."""
        with self._lock, self._storage().batch():
            table = self._table()
            cutoff = record.last_try - KEEP
            old = [d.doc_id for d in table.all() if _older(d, cutoff)]
            if old:
                table.remove(doc_ids=old)
            table.upsert(_doc(record), Query().key == record.key)
        return record

    def settle_interrupted(self, now: datetime) -> list[MailRecord]:
        """At the start: mails the hub stopped in the middle of sending become ``uncertain``, never sent again."""
        with self._lock:
            table = self._table()
            stuck = [r for r in (_record(d) for d in table.all()) if r is not None and r.state == MailState.SENDING]
            if not stuck:
                return []
            with self._storage().batch():
                for record in stuck:
                    table.update({'state': MailState.UNCERTAIN.value, 'next_try': None,
                                  'error': 'the hub stopped while sending it: it may or may not have arrived'},
                                 Query().key == record.key)
        for record in stuck:
            log.warning('mail %s to %s was being sent when the hub stopped (%s): it is not sent again, since it may '
                        'have arrived', record.key, record.to, record.last_try.isoformat())
        return stuck

    def _table(self) -> Any:
        return self._db.table('mails')

    def _storage(self) -> AtomicJSONStorage:
        return self._db.storage  # type: ignore[return-value]


def _older(doc: dict[str, Any], cutoff: datetime) -> bool:
    try:
        return datetime.fromisoformat(doc['last_try']) < cutoff
    except (KeyError, TypeError, ValueError):
        return False  # unreadable: left for a person to look at (it is logged when read)


def _doc(record: MailRecord) -> dict[str, Any]:
    return {'key': record.key, 'kind': record.kind.value, 'username': record.username, 'unit_id': record.unit_id,
            'on': record.on.isoformat(), 'to': record.to, 'state': record.state.value, 'attempts': record.attempts,
            'first_try': record.first_try.isoformat(), 'last_try': record.last_try.isoformat(),
            'next_try': record.next_try.isoformat() if record.next_try else None, 'error': record.error}


def _record(doc: dict[str, Any]) -> MailRecord | None:
    try:
        return MailRecord(key=str(doc['key']), kind=MailKind(doc['kind']), username=str(doc['username']),
                          unit_id=str(doc.get('unit_id', '')), on=date.fromisoformat(doc['on']), to=str(doc['to']),
                          state=MailState(doc['state']), attempts=int(doc['attempts']),
                          first_try=datetime.fromisoformat(doc['first_try']),
                          last_try=datetime.fromisoformat(doc['last_try']),
                          next_try=datetime.fromisoformat(doc['next_try']) if doc.get('next_try') else None,
                          error=str(doc.get('error', '')))
    except (KeyError, TypeError, ValueError) as error:  # one bad record never stops the mail of the others
        log.warning('a record in mail.json cannot be read (%s): %r; it is ignored', error, doc)
        return None
