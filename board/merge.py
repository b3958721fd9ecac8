"""Merging two versions of a card from different nodes (the hub and wall screens) so that nothing is lost.

Every field a person changes carries a hybrid-logical-clock stamp of its last change (see ``board.clock``).
Merging takes, field by field, the value with the later stamp (fields a newer release added, which this one
keeps in ``Card.extra``, the same way): two offline edits of *different* fields of a
card both survive, and edits of the *same* field resolve to the same winner on every node, because stamps are
totally ordered (time, counter, then node id). A move stamps all the fields it changes (column, position, start
and finish times, PDCA stage) with one stamp, so they travel together. A delete is the field ``deleted`` set to
true; nothing sets it back, so a tombstone always wins over edits made elsewhere.

The merge works on the values *as written*: a value the board's rules keep off a card (an answer that came while
the card was in Pågår, a stage on an idea) is held with its stamp (``Card.held``, see
:func:`board.domain.normalise_card`) and merged like any other. Why this converges: every write of a field gets a
fresh stamp, unique to the node and the tick, and a value always travels with the stamp of its write (held or
shown, never changed without a new stamp), so a field's stamp names one value on every node. Merging takes, per
field, the (stamp, value) with the later stamp: the maximum in a total order, which is commutative, associative
and idempotent. What the card shows is then one pure function of those values (:func:`board.domain.settle_card`),
the same on every node that has seen the same writes, in whatever order, how often or how late.

The property tests in ``tests/domain/test_merge.py`` check that any interleaving of edits on three nodes,
delivered in any order, duplicated or delayed, converges.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from .clock import stamp_order
from .domain import HELD_FIELDS, Card, Goal, GoalValue, LeaderNote, raw_value, settle_card

__all__ = ['LATER_FIELDS', 'STAMPED_FIELDS', 'first_stamped', 'merge_card', 'merge_goal', 'merge_record',
           'newest_stamp']

#: the fields that carry a stamp; the others are fixed when the card is created
STAMPED_FIELDS = ('title', 'description', 'column', 'position', 'goal_id', 'owner', 'due', 'pdca', 'quick_win',
                  'started_at', 'finished_at', 'deleted', 'unseen', 'gain', 'answer', 'answer_note',
                  'answered_at', 'problem', 'before', 'after', 'escalation', 'lifted_from', 'shared_to',
                  'adopted_by', 'suggested_from', 'vsa', 'whys', 'causes', 'from_citizen')
#: the fields added since format 2, stamped only once they have a value (a card written with each of them empty would
#: carry five stamps for nothing; see ``board.store.codec.SELF_STAMPED``)
LATER_FIELDS = ('problem', 'before', 'after', 'escalation', 'lifted_from', 'shared_to', 'adopted_by', 'suggested_from',
                'vsa', 'from_citizen')
_WHO = ('changed_origin', 'changed_by')  # follow the newest stamp of the card


def first_stamped(card: Card) -> list[str]:
    """The fields a new card's first stamp covers: all but the later fields it leaves empty."""
    return [name for name in STAMPED_FIELDS if name not in LATER_FIELDS or getattr(card, name)]


def merge_card(mine: Card | None, theirs: Card) -> Card:
    """The card that results from both versions; ``seq`` is left as in ``mine`` (the caller numbers it).

    Per field the later stamp wins (compared as numbers), with the value as written (held or shown). Equal stamps
    name the same write, so the value is the same, except where an older release passed a card on without the
    value it held (it shows what its rules allowed): then the held value, which is the one written, wins, and
    other ties are decided by the value, so the result never depends on which side is "mine". Then
    :func:`board.domain.settle_card` shows what the board's rules allow, the same way on every node.
    """
    if mine is None:
        return settle_card(theirs)
    if mine.id != theirs.id:
        raise ValueError(f'cannot merge different cards {mine.id} and {theirs.id}')
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    others = sorted((set(mine.extra) | set(theirs.extra)) - set(STAMPED_FIELDS))  # fields of another release
    stamps: dict[str, str] = {name: stamp for name, stamp in mine.stamps.items()
                              if name in STAMPED_FIELDS or name in others}
    for name in (*STAMPED_FIELDS, *others):
        my_stamp, their_stamp = mine.stamps.get(name, ''), theirs.stamps.get(name, '')
        mine_value, their_value = _value(mine, name), _value(theirs, name)
        mine_key = (stamp_order(my_stamp), _holds(mine, name), _rank(mine_value))
        their_key = (stamp_order(their_stamp), _holds(theirs, name), _rank(their_value))
        winner = theirs if their_key > mine_key else mine
        if name in others:
            if name in winner.extra:
                extra[name] = winner.extra[name]
        else:
            values[name] = their_value if winner is theirs else mine_value
        if winner is theirs and their_stamp:
            stamps[name] = their_stamp
    values['extra'] = extra
    # deleted is a field like the others: a card restored (from Slettet, or by Angre) after its deletion comes back
    # everywhere; a deletion after the restore wins again
    newest = theirs if _who_key(theirs) > _who_key(mine) else mine
    values.update({name: getattr(newest, name) for name in _WHO})
    return settle_card(dataclasses.replace(mine, **values, stamps=stamps, held={}))


def merge_goal(mine: Goal | None, mine_stamp: str, theirs: Goal, their_stamp: str) -> tuple[Goal, str]:
    """Goals are edited by leaders on the hub as a whole: the later version wins."""
    if mine is None or stamp_order(their_stamp) > stamp_order(mine_stamp):
        return theirs, their_stamp
    return mine, mine_stamp


R = TypeVar('R', GoalValue, LeaderNote)


def merge_record(mine: R | None, theirs: R) -> R:
    """A record that travels whole with one stamp (a goal's value for one date, a leader's note): the later stamp
    wins; equal stamps are decided by the content, the same way on every node.

    Values of different dates are different records, so two screens entering different weeks offline both keep
    theirs; two entering the same week end with the same one on every node.
    """
    if mine is None:
        return theirs
    mine_order, their_order = stamp_order(mine.stamp), stamp_order(theirs.stamp)
    if their_order != mine_order:
        return theirs if their_order > mine_order else mine
    return theirs if _rank(_content(theirs)) > _rank(_content(mine)) else mine


def _content(record: GoalValue | LeaderNote) -> tuple[Any, ...]:
    return tuple(getattr(record, f.name) for f in dataclasses.fields(record) if f.name != 'seq')


def newest_stamp(card: Card) -> str:
    """The stamp of the card's latest change ('' for none)."""
    return max(card.stamps.values(), key=stamp_order, default='')


def _value(card: Card, name: str) -> Any:
    """A field's value as written (held or shown), or the value of a field of another release."""
    return raw_value(card, name) if name in STAMPED_FIELDS else card.extra.get(name)


def _holds(card: Card, name: str) -> bool:
    """Whether ``card`` holds the field's value as written (see :func:`merge_card` for why it counts)."""
    return name in HELD_FIELDS and name in card.held and card.held[name].stamp == card.stamps.get(name)


def _who_key(card: Card) -> tuple[Any, ...]:
    """Who changed the card last follows its newest stamp; the same stamp with another name (which only a hub's
    correction of a wall screen's claim produces) is decided by the name, the same way on every node."""
    return (stamp_order(newest_stamp(card)), _rank((card.changed_origin, card.changed_by)))


def _rank(value: Any) -> str:
    """A total order on field values, only to break ties between equal stamps the same way on every node."""
    return repr(value)
