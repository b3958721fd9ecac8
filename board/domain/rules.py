"""What a person does to a card, as functions from a card to the changed card; and the rules every card keeps.

The store numbers, stamps and writes what these return; it never decides what a change means.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from ..ordering import key_between
from .model import (
    Answer,
    Card,
    CardFields,
    Column,
    FishboneHeading,
    Gain,
    GainStatus,
    Goal,
    Held,
    Origin,
    PdcaStage,
    Problem,
    Reading,
    RuleViolation,
)
from .validation import (
    CAUSE_MAX,
    FULL_TIME_WEEK,
    WHY_MAX,
    validate_card_fields,
    validate_gain,
    validate_reading,
    validate_short_text,
)

__all__ = [
    'HELD_FIELDS',
    'answered',
    'changed_fields',
    'confirmed',
    'edited',
    'gain_change_problems',
    'leader_only',
    'move_card',
    'new_card',
    'normalise_card',
    'position_at',
    'raw_value',
    'settle_card',
    'with_gain',
    'with_readings',
    'with_root_causes',
]


#: moves that are refused, with the reason shown to the person who tried
_FORBIDDEN_MOVES: dict[tuple[Column, Column], str] = {
    (Column.DONE, Column.IDEAS): 'error.move_done_to_ideas',
}


def move_card(card: Card, to: Column, *, position: str, now: datetime) -> Card:
    """Move a card to a column and place, recording what the move means.

    - Into Pågår: the start time is recorded and the PDCA stage starts at Planlegge.
    - Into Ferdig: the finish time (and the start, if it skipped Pågår) is recorded.
    - Straight from Ideer to Ferdig only for a quick win (lavthengende frukt); other ideas go through PDCA.
    - Back from Ferdig to Pågår reopens the card; from Pågår to Ideer makes it an idea again.
    """
    source = card.column
    if source == to:
        return dataclasses.replace(card, position=position)
    if (source, to) in _FORBIDDEN_MOVES:
        raise RuleViolation([Problem('column', _FORBIDDEN_MOVES[(source, to)])])
    if source == Column.IDEAS and to == Column.DONE and not card.quick_win:
        raise RuleViolation([Problem('column', 'error.move_idea_to_done')])
    if to == Column.IDEAS and card.gain is not None and leader_only(card.gain):
        raise RuleViolation([Problem('column', 'error.move_confirmed_gain')])  # an idea has no gain to keep it
    changes: dict[str, Any] = {'column': to, 'position': position}
    if to == Column.DOING:
        changes['started_at'] = card.started_at or now
        changes['finished_at'] = None
        changes['pdca'] = card.pdca or PdcaStage.PLAN
    elif to == Column.DONE:
        changes['started_at'] = card.started_at or now
        changes['finished_at'] = now
    else:  # back to ideas
        changes['started_at'] = None
        changes['finished_at'] = None
    return normalise_card(dataclasses.replace(card, **changes, held=_letting_go(card, changes)))


#: the fields the board's rules may keep off a card (see :func:`normalise_card`), all of them stamped
HELD_FIELDS = ('pdca', 'started_at', 'finished_at', 'gain', 'answer', 'answer_note', 'answered_at')


def normalise_card(card: Card) -> Card:
    """The card with the board's rules restored, whatever combination of fields a merge or a change produced.

    Two nodes may change related fields apart: the hub moves a card back to Ideer while a wall screen, offline,
    sets its PDCA stage. Merging field by field then gives an idea at stage Kontrollere. The card shows what the
    rules allow, decided from the card's own values only, the same way on every node. The column always wins:

    - a PDCA stage only in Pågår (Planlegge if a card in Pågår has none);
    - no start or finish time in Ideer; a start in Pågår and Ferdig, a finish only in Ferdig (a missing time is
      taken from the card's creation, which never changes, so every node fills in the same one);
    - a gain only in Pågår and Ferdig;
    - an answer (parked, declined) only on an idea, with its note and time only together with an answer.

    A value a merge brought that the rules keep off the card is not lost: it stays in ``card.held`` with its
    stamp (see :func:`settle_card`), so that merging stays a function of the values as written, whatever the order
    they arrive in. What a change made here leaves of such a value: a held field the change did not touch (it
    still shows what it showed) keeps its held value; a field it wrote, and every field not held, gets the value
    the card shows now (a person's change is what the board showed them, as it always was).
    """
    if not card.held:  # the common case: nothing held, nothing to put back first
        settled = _settled(card, ())
        return card if settled is card else settled
    kept = {name: entry.value for name, entry in card.held.items()
            if name in HELD_FIELDS and entry.stamp == card.stamps.get(name) and getattr(card, name) == entry.shown}
    settled = _settled(dataclasses.replace(card, **kept, held={}), kept)
    if settled.held == card.held and all(getattr(settled, n) == getattr(card, n) for n in HELD_FIELDS):
        return card
    return settled


def settle_card(card: Card) -> Card:
    """The card as its values as written say: each field shows what the board's rules allow, and a value they keep
    off the card is held with its stamp. A pure function of the card's values as written (:func:`raw_value`), so
    two nodes with the same values and stamps show the same card; the merge ends with it (``board.merge``)."""
    written = {name: raw_value(card, name) for name in HELD_FIELDS if name in card.held}
    return _settled(dataclasses.replace(card, **written, held={}), HELD_FIELDS)


def raw_value(card: Card, name: str) -> Any:
    """A field's value as last written: the one the card shows, or the one the rules hold back (see ``Held``)."""
    entry = card.held.get(name)
    return entry.value if entry is not None and entry.stamp == card.stamps.get(name) else getattr(card, name)


def _settled(card: Card, hold: Iterable[str]) -> Card:
    """``card`` (values as written, nothing held) showing what the rules allow; of the fields in ``hold``, a value
    the rules keep off the card is held with its stamp (a field without a stamp cannot be held)."""
    shown = _allowed(card)
    held = {name: Held(getattr(card, name), card.stamps[name], shown[name]) for name in HELD_FIELDS
            if name in hold and shown[name] != getattr(card, name) and card.stamps.get(name)}
    changes = {name: value for name, value in shown.items() if getattr(card, name) != value}
    return dataclasses.replace(card, **changes, held=held) if changes or held else card


def _allowed(card: Card) -> dict[str, Any]:
    """What the board's rules let ``card`` show in each of :data:`HELD_FIELDS`."""
    column = card.column
    ideas, answered_idea = column == Column.IDEAS, column == Column.IDEAS and card.answer is not None
    return {
        'pdca': (card.pdca or PdcaStage.PLAN) if column == Column.DOING else None,
        'started_at': None if ideas else card.started_at or card.created_at,
        'finished_at': (card.finished_at or card.created_at) if column == Column.DONE else None,
        'gain': None if ideas else card.gain,
        'answer': card.answer if answered_idea else None,
        'answer_note': card.answer_note if answered_idea else '',
        'answered_at': (card.answered_at or card.created_at) if answered_idea else None,
    }


def _letting_go(card: Card, written: Iterable[str]) -> dict[str, Held]:
    """The card's held values without those of the fields a change writes: what a person sets is what counts."""
    return {name: entry for name, entry in card.held.items() if name not in written}


def new_card(*, card_id: str, unit_id: str, fields: CardFields, goals: Iterable[Goal], column: Column,
             position: str, origin: Origin, created_by: str, now: datetime) -> Card:
    """A new card in ``column``, as typed: on a phone it is marked new until someone opens it on the board.

    Raises :class:`RuleViolation` for invalid input.
    """
    fields = fields.cleaned()
    _raise(validate_card_fields(fields, goals))
    card = Card(id=card_id, unit_id=unit_id, column=column, position=position, origin=origin,
                created_by=created_by.strip(), changed_origin=origin, changed_by=created_by.strip(), created_at=now,
                started_at=now if column != Column.IDEAS else None,
                finished_at=now if column == Column.DONE else None, unseen=origin == Origin.PHONE,
                **{f.name: getattr(fields, f.name) for f in dataclasses.fields(CardFields)})
    return normalise_card(card)


def edited(card: Card, fields: CardFields, goals: Iterable[Goal]) -> Card:
    """The card with what a person typed or picked; a PDCA stage is kept only in Pågår."""
    fields = fields.cleaned()
    _raise(validate_card_fields(fields, goals))
    return normalise_card(dataclasses.replace(card, **{f.name: getattr(fields, f.name)
                                                       for f in dataclasses.fields(CardFields)}))


def answered(card: Card, answer: Answer, note: str, now: datetime) -> Card:
    """The board meeting parks an idea (it stays in Ideer, marked) or declines it with a reason (it leaves the board).

    Raises :class:`RuleViolation` if the card is not an idea or a declined idea has no reason.
    """
    note = note.strip()
    if card.column != Column.IDEAS:
        raise RuleViolation([Problem('answer', 'error.answer_not_idea')])
    if answer == Answer.DECLINED or note:
        _raise(validate_short_text(note, 'answer_note'))
    return dataclasses.replace(card, answer=answer, answer_note=note, answered_at=now, unseen=False,
                               held=_letting_go(card, ('answer', 'answer_note', 'answered_at')))


def with_root_causes(card: Card, whys: Iterable[str], causes: Iterable[tuple[FishboneHeading, str]], *,
                     problem: str | None = None) -> Card:
    """The card with its problem statement (``None``: as it was), five whys and fishbone causes (blank lines are
    dropped)."""
    kept_whys = tuple(w.strip() for w in whys if w.strip())
    kept_causes = tuple((h, c.strip()) for h, c in causes if c.strip())
    problems = [Problem('whys', 'error.too_many', {'max': WHY_MAX})] if len(kept_whys) > WHY_MAX else []
    if len(kept_causes) > CAUSE_MAX:
        problems.append(Problem('causes', 'error.too_many', {'max': CAUSE_MAX}))
    statement = card.problem if problem is None else problem.strip()
    if statement:  # the analysis may start before the problem is put in words
        problems += validate_short_text(statement, 'problem')
    for text in (*kept_whys, *(c for _, c in kept_causes)):
        problems += validate_short_text(text, 'causes')
    _raise(problems[:1])
    return dataclasses.replace(card, problem=statement, whys=kept_whys, causes=kept_causes)


def with_readings(card: Card, before: Reading | None, after: Reading | None, goals: Iterable[Goal], *,
                  today: date) -> Card:
    """The card with its *før* and *etter* measurements (``None``: none); ``today`` in the board's time zone.

    Each is checked by :func:`validate_reading`, the rule a wall screen's push meets too (which is why the column
    is not checked here: a card taken back to Ideer keeps what was measured). Raises :class:`RuleViolation` with
    every problem found.
    """
    goals = list(goals)
    before = _cleaned(before)
    after = _cleaned(after)
    problems: list[Problem] = []
    for name, reading in (('before', before), ('after', after)):
        if reading is not None:
            problems += validate_reading(reading, goals, today=today, field=name)
    _raise(problems)
    return dataclasses.replace(card, before=before, after=after)


def _cleaned(reading: Reading | None) -> Reading | None:
    if reading is None:
        return None
    return dataclasses.replace(reading, unit=reading.unit.strip(), note=reading.note.strip())


def with_gain(card: Card, gain: Gain | None, today: date, *, leader: bool = True,
              full_time_week: float = FULL_TIME_WEEK) -> Card:
    """The card with its gain recorded, changed or removed (``None``); ``today`` in the board's time zone.

    ``leader``: who changes it may confirm gains (see :func:`gain_change_problems`).
    """
    if gain is not None:
        gain = dataclasses.replace(gain, note=gain.note.strip(), confirmed_by=gain.confirmed_by.strip())
        _raise(validate_gain(gain, card.column, today))
    if not leader:
        _raise(gain_change_problems(card.gain, gain, full_time_week=full_time_week))
    return dataclasses.replace(card, gain=gain, held=_letting_go(card, ('gain',)))


def gain_change_problems(before: Gain | None, after: Gain | None, *, full_time_week: float) -> list[Problem]:
    """What a person who is not a leader may not do to a gain (at the board, from a phone, from a wall screen).

    The wall and the phones record identified gains; confirming one as realised, who confirmed it and an amount in
    kroner are the leaders' (*Bekreft realisert*), and so is a gain of more than one årsverk on one card. A gain a
    leader has confirmed stays as it is.
    """
    if after == before:
        return []
    if before is not None and leader_only(before):
        return [Problem('gain', 'error.gain_confirmed_by_leader')]
    if after is not None and leader_only(after):
        return [Problem('gain', 'error.gain_leader_only')]
    if after is not None and after.hours_per_week > full_time_week:
        return [Problem('hours_per_week', 'error.gain_needs_leader', {'hours': full_time_week})]
    return []


def leader_only(gain: Gain) -> bool:
    """A gain only a leader may set: realised, confirmed by someone, or with an amount in kroner."""
    return gain.realised or bool(gain.confirmed_by) or gain.amount_nok is not None


def confirmed(card: Card, *, realised_on: date, by: str, today: date) -> Card:
    """A leader confirms a card's gain as realised. Raises :class:`RuleViolation` if there is no gain to confirm."""
    if card.gain is None:
        raise RuleViolation([Problem('card', 'error.card_gone')])
    gain = dataclasses.replace(card.gain, status=GainStatus.REALISED, realised_on=realised_on,
                               confirmed_by=by.strip())
    return with_gain(card, gain, today)


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise RuleViolation(problems)


def changed_fields(before: Card, after: Card) -> list[str]:
    """Names of the fields whose value as written differs (:func:`raw_value`): what a change stamps.

    A held value the change left as it was keeps its stamp, even where the card now shows it (a card taken back
    to Ideer shows an answer the meeting gave while it was in Pågår elsewhere): the answer is the meeting's.
    """
    return [f.name for f in dataclasses.fields(Card)
            if f.name not in ('stamps', 'seq', 'held') and raw_value(before, f.name) != raw_value(after, f.name)]


def position_at(ordered: list[Card], index: int) -> str:
    """A position key that places a card at ``index`` among ``ordered`` (sorted, without the card itself)."""
    index = max(0, min(index, len(ordered)))
    before = ordered[index - 1].position if index > 0 else None
    after = ordered[index].position if index < len(ordered) else None
    if before is not None and after is not None and before >= after:
        # equal keys from two screens placing cards at once: go just after the earlier one
        after = None
    return key_between(before, after)
