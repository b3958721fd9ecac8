"""Merging two versions of a card from different nodes (the hub and wall screens) so that nothing is lost.

Every field a person changes carries a hybrid-logical-clock stamp of its last change (see ``board.clock``).
Merging takes, field by field, the value with the later stamp: two offline edits of *different* fields of a
card both survive, and edits of the *same* field resolve to the same winner on every node, because stamps are
totally ordered (time, counter, then node id). A move stamps all the fields it changes (column, position, start
and finish times, PDCA stage) with one stamp, so they travel together. A delete is the field ``deleted`` set to
true; nothing sets it back, so a tombstone always wins over edits made elsewhere.

The merge is commutative, associative and idempotent; the property tests in ``tests/test_merge.py`` check that
any interleaving of edits on three nodes, delivered in any order, duplicated or delayed, converges.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .domain import Card, Goal

__all__ = ['STAMPED_FIELDS', 'merge_card', 'merge_goal']

#: the fields that carry a stamp; the others are fixed when the card is created
STAMPED_FIELDS = ('title', 'description', 'column', 'position', 'goal_id', 'owner', 'due', 'pdca', 'quick_win',
                  'started_at', 'finished_at', 'deleted', 'unseen', 'gain', 'answer', 'answer_note',
                  'answered_at', 'whys', 'causes')
_WHO = ('changed_origin', 'changed_by')  # follow the newest stamp of the card


def merge_card(mine: Card | None, theirs: Card) -> Card:
    """The card that results from both versions; ``seq`` is left as in ``mine`` (the caller numbers it)."""
    if mine is None:
        return theirs
    if mine.id != theirs.id:
        raise ValueError(f'cannot merge different cards {mine.id} and {theirs.id}')
    values: dict[str, Any] = {}
    stamps: dict[str, str] = {}
    for name in STAMPED_FIELDS:
        my_stamp, their_stamp = mine.stamps.get(name, ''), theirs.stamps.get(name, '')
        winner = theirs if their_stamp > my_stamp else mine
        values[name] = getattr(winner, name)
        if max(my_stamp, their_stamp):
            stamps[name] = max(my_stamp, their_stamp)
    if theirs.deleted or mine.deleted:  # a tombstone is final
        values['deleted'] = True
    newest = theirs if _newest(theirs) > _newest(mine) else mine
    values.update({name: getattr(newest, name) for name in _WHO})
    return dataclasses.replace(mine, **values, stamps=stamps)


def merge_goal(mine: Goal | None, mine_stamp: str, theirs: Goal, their_stamp: str) -> tuple[Goal, str]:
    """Goals are edited by leaders on the hub as a whole: the later version wins."""
    if mine is None or their_stamp > mine_stamp:
        return theirs, their_stamp
    return mine, mine_stamp


def _newest(card: Card) -> str:
    return max(card.stamps.values(), default='')
