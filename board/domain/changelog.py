"""A card's *Logg*: who changed what, when and from where, one entry per change that a person made.

Entries are made by the store wherever a card changes, on the node where the change is written: at the hub for
its own pages, phones and every wall screen's pushes (attributed to that wall screen), on a wall screen for its
own changes and what it takes from the hub. They are kept beside the card in the unit's file and go to the
archive with it. The words are the UI's (``board/ui/card_log.py``); here only the facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .model import Card, Column, Origin

__all__ = ['LOGGED_FIELDS', 'LogAction', 'LogEntry', 'log_entry']


class LogAction(StrEnum):
    CREATED = 'created'
    DELETED = 'deleted'
    RESTORED = 'restored'
    MOVED = 'moved'
    ANSWERED = 'answered'
    GAIN = 'gain'
    ROOT_CAUSES = 'root_causes'
    EDITED = 'edited'


#: fields whose change a person sees in the log (the rest, such as a card's place or its "new" mark, is bookkeeping)
LOGGED_FIELDS = ('title', 'description', 'goal_id', 'owner', 'due', 'pdca', 'quick_win', 'gain', 'answer',
                 'answer_note', 'problem', 'whys', 'causes', 'before', 'after', 'column', 'deleted')


@dataclass(kw_only=True, frozen=True, slots=True)
class LogEntry:
    card_id: str
    at: datetime
    action: LogAction
    #: the fields a person changed (of :data:`LOGGED_FIELDS`)
    fields: tuple[str, ...] = ()
    from_column: Column | None = None
    to_column: Column | None = None
    #: who: where the change was made (the board, a phone, a leader's page) and the person's name if known
    origin: Origin = Origin.BOARD
    by: str = ''
    #: from where: ``wall:<id>`` (a wall screen), ``address:<ip>`` (a browser), ``hub`` (taken from the hub), or
    #: empty (a phone: its ideas are anonymous, so its address is not kept)
    source: str = ''


def log_entry(before: Card | None, after: Card, *, at: datetime, source: str) -> LogEntry | None:
    """The entry for one change of a card, or None if no person-visible field changed."""
    if before is None:
        return LogEntry(card_id=after.id, at=at, action=LogAction.CREATED, to_column=after.column,
                        origin=after.origin, by=after.created_by, source=source)
    changed = tuple(name for name in LOGGED_FIELDS if getattr(before, name) != getattr(after, name))
    if not changed:
        return None
    shown = tuple(name for name in changed if name not in ('column', 'deleted'))
    if 'deleted' in changed:
        action = LogAction.DELETED if after.deleted else LogAction.RESTORED
    elif 'column' in changed:
        action = LogAction.MOVED
    elif 'answer' in changed or 'answer_note' in changed:
        action = LogAction.ANSWERED
    elif 'gain' in changed:
        action = LogAction.GAIN
    elif set(changed) <= {'problem', 'whys', 'causes'}:
        action = LogAction.ROOT_CAUSES
    else:
        action = LogAction.EDITED
    moved = 'column' in changed
    return LogEntry(card_id=after.id, at=at, action=action, fields=shown,
                    from_column=before.column if moved else None, to_column=after.column if moved else None,
                    origin=after.changed_origin, by=after.changed_by, source=source)
