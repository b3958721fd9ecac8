"""Ideas from citizens waiting for a leader (``citizen-ideas.json``): ``store.citizen_ideas``.

Hub-side only: the file is never synced, so nothing a citizen sent reaches a wall screen before a leader approved
it (then it becomes a card, which syncs like any other). A new file, added after format 4: an older release neither
reads nor changes it. See ``board.domain.citizen`` for what a record holds and when its address is erased.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB

from ..domain.citizen import CitizenIdea, IdeaState, OutcomeMail
from .files import AtomicJSONStorage, open_db

__all__ = ['MAX_PENDING_PER_UNIT', 'CitizenIdeas', 'QueueFull']

log = logging.getLogger(__name__)

#: at most this many ideas wait in one unit's queue (the public page's rate limits keep it far below)
MAX_PENDING_PER_UNIT = 500


class QueueFull(Exception):
    """The unit's queue holds :data:`MAX_PENDING_PER_UNIT` ideas already."""


class CitizenIdeas:
    """The citizens' ideas and what became of them (writes: on the store's writer, under its lock).

    ``changed(unit_id)``: called after each write of a unit's idea, once it is on disk (the store tells its
    subscribers a :class:`~board.store.changes.CitizenIdeasChanged`; in a group commit it waits for the commit).
    """

    def __init__(self, path: Path, *, lock: threading.RLock,
                 changed: Callable[[str], None] = lambda unit_id: None) -> None:
        self._db: TinyDB = open_db(path, max_bytes=32 * 1024 * 1024)
        self._lock = lock
        self._changed = changed

    def close(self) -> None:
        self._db.close()

    # --- reads ---

    def get(self, idea_id: str) -> CitizenIdea | None:
        doc = self._table().get(Query().id == idea_id)
        return _idea(doc) if isinstance(doc, dict) else None

    def of_unit(self, unit_id: str) -> list[CitizenIdea]:
        """The unit's ideas, the oldest first."""
        found = [i for i in (_idea(d) for d in self._table().search(Query().unit_id == unit_id)) if i is not None]
        return sorted(found, key=lambda i: (i.received_at, i.id))

    def pending(self, unit_id: str) -> list[CitizenIdea]:
        return [i for i in self.of_unit(unit_id) if i.pending]

    def outcomes_due(self) -> list[CitizenIdea]:
        """Decided ideas whose sender left an address and has not yet been told."""
        return [i for i in (_idea(d) for d in self._table().all()) if i is not None and i.outcome_due]

    # --- writes ---

    def add(self, idea: CitizenIdea) -> CitizenIdea:
        with self._lock:
            if len(self.pending(idea.unit_id)) >= MAX_PENDING_PER_UNIT:
                raise QueueFull(idea.unit_id)
            self._table().insert(_doc(idea))
            self._changed(idea.unit_id)
        return idea

    def put(self, idea: CitizenIdea) -> CitizenIdea:
        """Write ``idea`` as it is now (a decision, the outcome mail's state, the address erased)."""
        with self._lock:
            self._table().upsert(_doc(idea), Query().id == idea.id)
            self._changed(idea.unit_id)
        return idea

    def settle_interrupted(self) -> list[CitizenIdea]:
        """At the start: an outcome the hub stopped in the middle of sending is not sent again; the address goes."""
        with self._lock:
            stuck = [i for i in (_idea(d) for d in self._table().all())
                     if i is not None and i.mail == OutcomeMail.SENDING]
            if not stuck:
                return []
            settled = [replace(idea, email='', mail=OutcomeMail.GAVE_UP, mail_error='the hub stopped while sending it')
                       for idea in stuck]
            with self._storage().batch():
                for idea in settled:
                    self._table().upsert(_doc(idea), Query().id == idea.id)
        for idea in settled:
            log.warning('the outcome of citizen idea %s (unit %s) was being mailed when the hub stopped: not sent '
                        'again, and the address is erased', idea.id, idea.unit_id)
        return settled

    def _table(self) -> Any:
        return self._db.table('ideas')

    def _storage(self) -> AtomicJSONStorage:
        return self._db.storage  # type: ignore[return-value]


def _doc(idea: CitizenIdea) -> dict[str, Any]:
    return {'id': idea.id, 'unit_id': idea.unit_id, 'title': idea.title, 'description': idea.description,
            'email': idea.email, 'received_at': idea.received_at.isoformat(), 'state': idea.state.value,
            'decided_at': idea.decided_at.isoformat() if idea.decided_at else None, 'decided_by': idea.decided_by,
            'reason': idea.reason, 'card_id': idea.card_id, 'mail': idea.mail.value, 'mail_error': idea.mail_error,
            'wants_answer': idea.wants_answer}


def _idea(doc: dict[str, Any]) -> CitizenIdea | None:
    try:
        return CitizenIdea(id=str(doc['id']), unit_id=str(doc['unit_id']), title=str(doc['title']),
                           description=str(doc.get('description', '')), email=str(doc.get('email', '')),
                           received_at=datetime.fromisoformat(doc['received_at']),
                           state=IdeaState(doc.get('state', 'pending')),
                           decided_at=datetime.fromisoformat(doc['decided_at']) if doc.get('decided_at') else None,
                           decided_by=str(doc.get('decided_by', '')), reason=str(doc.get('reason', '')),
                           card_id=str(doc.get('card_id', '')), mail=OutcomeMail(doc.get('mail', '')),
                           mail_error=str(doc.get('mail_error', '')), wants_answer=bool(doc.get('wants_answer')))
    except (KeyError, TypeError, ValueError) as error:  # one bad record never stops the others
        log.warning('a record in citizen-ideas.json cannot be read (%s); it is ignored', error)
        return None
