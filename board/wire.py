"""What crosses the network between a wall screen and the hub, read as strictly as a stranger's input.

A wall screen's token can be stolen (the device hangs in a corridor), so everything it sends is checked here
before the store sees it, in two steps:

1. **The shape**: strict pydantic models of the sync format (the same format as the data files, see
   ``board.codec``): ids that match the store's id pattern, known enum values, time-zone-aware times, finite
   numbers in sane ranges, well-formed change stamps, bounded text and list lengths. A string is never taken for
   a number or a number for a string.
2. **The board's rules**: the same domain validation as an edit at the board (``board.domain.validate_card``
   and friends), and time: nothing stamped more than :data:`MAX_CLOCK_AHEAD` ahead of the receiver's clock.

A push with any refused record is refused as a whole (:class:`PushRefused`, answered 422 with every refused
record named), so the store takes all of a push or nothing of it. The wall screen then holds the refused records
back and pushes the rest (``board.sync_client``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal, TypeVar

import orjson
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from .clock import NODE_ID, stamp_ms, valid_stamp
from .domain import (
    CAUSE_MAX,
    COLOUR_PATTERN,
    DECISION_MAX,
    DESCRIPTION_MAX,
    EARLIEST_DATE,
    GAIN_AMOUNT_MAX,
    GAIN_HOURS_MAX,
    ICON_PATTERN,
    ID_PATTERN,
    LATEST_DATE,
    MAX_SHARED,
    MEETING_DECISIONS_MAX,
    MEETING_PRESENT_MAX,
    NAME_MAX,
    NOTE_MAX,
    SHORT_TEXT_MAX,
    TITLE_MAX,
    UNIT_MAX,
    VALUE_LIMIT,
    WHY_MAX,
    Answer,
    Card,
    Column,
    Direction,
    EscalationState,
    FishboneHeading,
    GainCategory,
    GainStatus,
    Goal,
    GoalStatus,
    GoalValue,
    LeaderNote,
    Meeting,
    NoteKind,
    Origin,
    PdcaStage,
    Problem,
    Recognition,
    validate_card,
    validate_goal,
    validate_goal_value,
    validate_leader_note,
    validate_meeting,
    validate_recognition,
)
from .merge import STAMPED_FIELDS
from .store.codec import (
    card_from_dict,
    goal_from_dict,
    goal_value_from_dict,
    leader_note_from_dict,
    meeting_from_dict,
    recognition_from_dict,
)

__all__ = [
    'MAX_BODY_BYTES',
    'MAX_CLOCK_AHEAD',
    'MAX_GOALS_PER_PUSH',
    'MAX_MEETINGS_PER_PUSH',
    'MAX_NOTES_PER_PUSH',
    'MAX_RECOGNITIONS_PER_PUSH',
    'MAX_RECORDS_PER_PUSH',
    'SEQ_MAX',
    'Changes',
    'HeartbeatRequest',
    'Push',
    'PushRefused',
    'RefusedRecord',
    'read_changes',
    'read_push',
]

#: a request body larger than this is refused with 413 before it is read (a push of 500 full cards fits)
MAX_BODY_BYTES = 1024 * 1024
#: a wall screen sends its outbox in pushes of at most this many records
MAX_RECORDS_PER_PUSH = 500
#: a change stamped further ahead of the receiver's clock than this is refused: the sender's clock is wrong
MAX_CLOCK_AHEAD = timedelta(minutes=5)
#: nothing on a board happened before this (a guard against nonsense times, not a business rule)
EARLIEST = datetime.combine(EARLIEST_DATE, datetime.min.time(), tzinfo=UTC)
#: meetings and recognitions per push: a wall screen offline for months has a handful
MAX_MEETINGS_PER_PUSH = 50
MAX_RECOGNITIONS_PER_PUSH = 200
#: goals per push: a unit has a handful
MAX_GOALS_PER_PUSH = 50
#: leaders' notes per push: a few a week
MAX_NOTES_PER_PUSH = 200
SEQ_MAX = 2**53  # what a JavaScript number and every JSON reader hold exactly

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Stamp = Annotated[str, StringConstraints(pattern=rf'^\d{{13}}-\d{{5}}-{NODE_ID}$')]
#: a stamp for each field that carries one: a known field, or one a newer release added (see ``_Extensible``)
StampedName = Annotated[str, StringConstraints(pattern=r'^[a-z][a-z0-9_]{0,39}$')]
#: fields of another release a record may carry, and how large each may be (as JSON)
MAX_EXTRA_FIELDS = 16
MAX_EXTRA_BYTES = 4096
#: position keys are short (the store spreads a column's keys anew past 24 digits); 64 leaves room
Position = Annotated[str, StringConstraints(pattern=r'^[0-9A-Za-z]{0,63}[1-9A-Za-z]$')]
Seq = Annotated[StrictInt, Field(ge=0, le=SEQ_MAX)]
Finite = Annotated[float, Field(allow_inf_nan=False)]


Title = Annotated[str, StringConstraints(max_length=TITLE_MAX)]
Description = Annotated[str, StringConstraints(max_length=DESCRIPTION_MAX)]
Name = Annotated[str, StringConstraints(max_length=NAME_MAX)]
Note = Annotated[str, StringConstraints(max_length=NOTE_MAX)]
ShortText = Annotated[str, StringConstraints(max_length=SHORT_TEXT_MAX)]
Decision = Annotated[str, StringConstraints(max_length=DECISION_MAX)]
MeasureUnit = Annotated[str, StringConstraints(max_length=UNIT_MAX)]


class _Strict(BaseModel):
    # fields a newer version adds are ignored rather than refused, so a newer wall screen can still sync
    model_config = ConfigDict(extra='ignore', strict=True, allow_inf_nan=False, frozen=True)


class GainWire(_Strict):
    categories: Annotated[list[GainCategory], Field(min_length=1, max_length=len(GainCategory))]
    hours_per_week: Annotated[Finite, Field(gt=0, le=GAIN_HOURS_MAX)]
    minutes_per_day: Annotated[Finite, Field(gt=0, le=24 * 60)] | None = None
    days_per_week: Annotated[Finite, Field(gt=0, le=7)] | None = None
    status: GainStatus = GainStatus.IDENTIFIED
    identified_on: date
    realised_on: date | None = None
    confirmed_by: Name = ''
    note: Note = ''
    amount_nok: Annotated[StrictInt, Field(ge=0, le=GAIN_AMOUNT_MAX)] | None = None


class _Extensible(_Strict):
    """A record that may carry fields of another release: kept (``model_extra``) and passed on, within bounds.

    A wall screen a release ahead of the hub sends fields the hub does not know; the hub keeps them with the
    record and sends them on, so the newer screens still have them. Names are plain, values are JSON, and a record
    carries at most :data:`MAX_EXTRA_FIELDS` of them, each at most :data:`MAX_EXTRA_BYTES`.
    """
    model_config = ConfigDict(extra='allow', strict=True, allow_inf_nan=False, frozen=True)

    @model_validator(mode='after')
    def _bounded_extras(self) -> Any:
        extra = self.model_extra or {}
        if len(extra) > MAX_EXTRA_FIELDS:
            raise ValueError(f'more than {MAX_EXTRA_FIELDS} unknown fields')
        for name, value in extra.items():
            if not _EXTRA_NAME.fullmatch(name) or name.startswith('_'):
                raise ValueError(f'unknown field {name[:40]!r} has no plain name')
            if len(orjson.dumps(value)) > MAX_EXTRA_BYTES:
                raise ValueError(f'unknown field {name} is larger than {MAX_EXTRA_BYTES} bytes')
        return self


_EXTRA_NAME = re.compile(r'[a-z][a-z0-9_]{0,39}')


class _Timed(_Extensible):
    """Checks every time and stamp of a record against the receiver's clock (``context={'now': ...}``)."""

    def _times(self) -> Iterable[datetime | None]:
        return ()

    def _stamps(self) -> Iterable[str]:
        return ()

    @model_validator(mode='after')
    def _not_from_the_future(self, info: ValidationInfo) -> Any:
        now: datetime = (info.context or {}).get('now') or datetime.now(UTC)
        latest = now + MAX_CLOCK_AHEAD
        for moment in self._times():
            if moment is not None and not EARLIEST <= moment <= latest:
                raise ValueError(f'time {moment.isoformat()} is before 2000 or ahead of the receiver\'s clock')
        latest_ms = int(latest.timestamp() * 1000)
        for stamp in self._stamps():
            if stamp_ms(stamp) > latest_ms:
                ahead = (stamp_ms(stamp) - int(now.timestamp() * 1000)) // 60_000
                raise ValueError(f'stamp {stamp} is {ahead} minutes ahead of the receiver\'s clock')
        return self


class SelfStamped(_Strict):
    """A card field added after format 2, as it travels: its text and the stamp of its last change."""
    text: ShortText
    stamp: Stamp


class ReadingWire(_Strict):
    value: Annotated[Finite, Field(gt=-1e9, lt=1e9)]
    unit: MeasureUnit = ''
    on: Annotated[date, Field(ge=EARLIEST_DATE, le=LATEST_DATE)]
    note: Note = ''
    goal_id: Id | None = None


class EscalationWire(_Strict):
    to: Id
    to_name: Name = ''
    reason: ShortText
    at: AwareDatetime
    state: EscalationState = EscalationState.WAITING
    answer_note: ShortText = ''
    answered_at: AwareDatetime | None = None


class SelfStampedEscalation(_Strict):
    """A card lifted to the board above, and the answer (format 4), with the stamp of its last change."""
    escalation: EscalationWire | None = None
    stamp: Stamp


class LiftWire(_Strict):
    unit_id: Id
    card_id: Id
    unit_name: Name
    reason: ShortText = ''


class SelfStampedLift(_Strict):
    """On the board above: where a lifted card came from (format 4), with its stamp."""
    lift: LiftWire | None = None
    stamp: Stamp


class SelfStampedUnits(_Strict):
    """The units a card was shared with, or that took it into use (format 4), with the stamp of its last change."""
    units: Annotated[list[Id], Field(max_length=MAX_SHARED)] = []
    stamp: Stamp


class VsaTagWire(_Strict):
    id: Id
    name: Name


class SelfStampedVsa(_Strict):
    """The value stream analysis an improvement came from (added after format 4), with its stamp (null: none)."""
    tag: VsaTagWire | None = None
    stamp: Stamp


class SelfStampedFlag(_Strict):
    """A mark set once by the hub (``from_citizen``: an approved idea from a citizen), with its stamp."""
    flag: StrictBool = False
    stamp: Stamp


class SelfStampedReading(_Strict):
    """A card's before or after measurement (format 4), with the stamp of its last change (null: cleared)."""
    reading: ReadingWire | None = None
    stamp: Stamp


class HeldStage(_Strict):
    """A PDCA stage the board's rules keep off the card for now, with the stamp of its write (``board.domain.Held``;
    as it travels: ``board.store.codec.HELD_KEYS``)."""
    value: PdcaStage | None = None
    stamp: Stamp


class HeldTime(_Strict):
    """A start, finish or answer time the rules keep off the card, with its stamp."""
    value: AwareDatetime | None = None
    stamp: Stamp


class HeldGain(_Strict):
    """A gain the rules keep off the card (an idea has none), with its stamp: checked as any gain."""
    value: GainWire | None = None
    stamp: Stamp


class HeldAnswer(_Strict):
    """The meeting's answer the rules keep off the card (it is not an idea now), with its stamp."""
    value: Answer | None = None
    stamp: Stamp


class HeldNote(_Strict):
    """The answer's note the rules keep off the card, with its stamp."""
    value: ShortText = ''
    stamp: Stamp


class CardWire(_Timed):
    id: Id
    unit_id: Id
    title: Title
    description: Description = ''
    column: Column
    position: Position
    goal_id: Id | None = None
    owner: Name = ''
    due: Annotated[date, Field(ge=EARLIEST_DATE, le=LATEST_DATE)] | None = None
    pdca: PdcaStage | None = None
    quick_win: StrictBool = False
    gain: GainWire | None = None
    origin: Origin = Origin.BOARD
    created_by: Name = ''
    changed_origin: Origin = Origin.BOARD
    changed_by: Name = ''
    unseen: StrictBool = False
    created_at: AwareDatetime
    started_at: AwareDatetime | None = None
    finished_at: AwareDatetime | None = None
    deleted: StrictBool = False
    answer: Answer | None = None
    answer_note: ShortText = ''
    answered_at: AwareDatetime | None = None
    #: added in format 3: the text with its own stamp (see ``board.store.codec.SELF_STAMPED``)
    problem: SelfStamped | None = None
    #: added in format 4: the measurements before and after the change, each with its own stamp
    before: SelfStampedReading | None = None
    after: SelfStampedReading | None = None
    escalation: SelfStampedEscalation | None = None
    lifted_from: SelfStampedLift | None = None
    shared_to: SelfStampedUnits | None = None
    adopted_by: SelfStampedUnits | None = None
    suggested_from: SelfStampedLift | None = None
    vsa: SelfStampedVsa | None = None
    #: an approved idea from a citizen: the hub's mark (a wall screen's claim is replaced by the hub's, sync_api)
    from_citizen: SelfStampedFlag | None = None
    whys: Annotated[list[ShortText], Field(max_length=WHY_MAX)] = []
    causes: Annotated[list[tuple[FishboneHeading, ShortText]], Field(max_length=CAUSE_MAX)] = []
    stamps: Annotated[dict[StampedName, Stamp], Field(max_length=len(STAMPED_FIELDS) + MAX_EXTRA_FIELDS)] = {}
    seq: Seq = 0
    #: values the board's rules keep off the card, each with the stamp of its write (``board.domain.Held``)
    held_pdca: HeldStage | None = None
    held_started_at: HeldTime | None = None
    held_finished_at: HeldTime | None = None
    held_gain: HeldGain | None = None
    held_answer: HeldAnswer | None = None
    held_answer_note: HeldNote | None = None
    held_answered_at: HeldTime | None = None

    def _held(self) -> tuple[HeldStage | HeldTime | HeldGain | HeldAnswer | HeldNote | None, ...]:
        return (self.held_pdca, self.held_started_at, self.held_finished_at, self.held_gain, self.held_answer,
                self.held_answer_note, self.held_answered_at)

    def _times(self) -> Iterable[datetime | None]:
        lifted = self.escalation.escalation if self.escalation else None
        held = (h.value for h in (self.held_started_at, self.held_finished_at, self.held_answered_at) if h)
        return (self.created_at, self.started_at, self.finished_at, self.answered_at, *held,
                *((lifted.at, lifted.answered_at) if lifted else ()))

    def _stamps(self) -> Iterable[str]:
        own = (self.problem, self.before, self.after, self.escalation, self.lifted_from, self.shared_to,
               self.adopted_by, self.suggested_from, self.vsa, self.from_citizen)
        return (*self.stamps.values(), *(field.stamp for field in own if field),
                *(held.stamp for held in self._held() if held))

    @model_validator(mode='after')
    def _stamps_of_its_fields(self) -> Any:
        fields = set(STAMPED_FIELDS) | set(self.model_extra or {})
        strays = [name for name in self.stamps if name not in fields]
        if strays:  # a stamp for no field would only make the card, and the unit's file, grow
            raise ValueError(f'stamps for fields the card does not have: {", ".join(strays[:3])}')
        return self


class MeetingWire(_Timed):
    id: Id
    unit_id: Id
    started_at: AwareDatetime
    ended_at: AwareDatetime
    present: Annotated[StrictInt, Field(ge=0, le=MEETING_PRESENT_MAX)] = 0
    decisions: Annotated[list[Decision], Field(max_length=MEETING_DECISIONS_MAX)] = []
    seq: Seq = 0

    def _times(self) -> Iterable[datetime | None]:
        return (self.started_at, self.ended_at)


class RecognitionWire(_Timed):
    id: Id
    unit_id: Id
    text: ShortText
    created_at: AwareDatetime
    deleted: StrictBool = False
    seq: Seq = 0

    def _times(self) -> Iterable[datetime | None]:
        return (self.created_at,)


class TargetWire(_Strict):
    unit: MeasureUnit
    current: Annotated[Finite, Field(gt=-1e9, lt=1e9)]
    target: Annotated[Finite, Field(gt=-1e9, lt=1e9)]


Value = Annotated[Finite, Field(gt=-VALUE_LIMIT, lt=VALUE_LIMIT)]
Day = Annotated[date, Field(ge=EARLIEST_DATE, le=LATEST_DATE)]


class MeasureWire(_Strict):
    unit: MeasureUnit
    better: Direction
    target: Value
    baseline: Value | None = None
    baseline_on: Day | None = None
    target_on: Day | None = None
    lowest: Value | None = None
    highest: Value | None = None


class GoalWire(_Strict):
    id: Id
    unit_id: Id
    name: Name
    colour: Annotated[str, StringConstraints(pattern=COLOUR_PATTERN)]
    icon: Annotated[str, StringConstraints(pattern=ICON_PATTERN)] = 'flag'
    status: GoalStatus = GoalStatus.ON_TRACK
    status_reason: ShortText = ''
    position: Position = 'V'
    #: from format 4; a goal of an older release has only its ``target`` (read as a measure, see the codec)
    measure: MeasureWire | None = None
    retired: StrictBool = False
    changed_origin: Origin = Origin.LEADER
    changed_by: Name = ''
    target: TargetWire | None = None


class LeaderNoteWire(_Strict):
    id: Id
    unit_id: Id
    kind: NoteKind
    text: ShortText
    by: Name
    created_at: AwareDatetime
    answer: ShortText = ''
    answered_at: AwareDatetime | None = None
    handled_at: AwareDatetime | None = None
    deleted: StrictBool = False
    stamp: Stamp
    seq: Seq = 0


class GoalValueWire(_Strict):
    goal_id: Id
    unit_id: Id
    on: Day
    value: Value
    deleted: StrictBool = False
    origin: Origin = Origin.BOARD
    by: Name = ''
    stamp: Stamp
    seq: Seq = 0


class _Envelope(_Strict):
    pulled: Seq
    #: the sender's data format (board.store.migrations); a wall screen from before formats sends none
    format: Annotated[StrictInt, Field(ge=1, le=10_000)] = 1
    cards: Annotated[list[dict[str, Any]], Field(max_length=MAX_RECORDS_PER_PUSH)] = []
    meetings: Annotated[list[dict[str, Any]], Field(max_length=MAX_MEETINGS_PER_PUSH)] = []
    recognitions: Annotated[list[dict[str, Any]], Field(max_length=MAX_RECOGNITIONS_PER_PUSH)] = []
    #: from format 4: goals made or edited on the wall, and the goals' values entered there
    goals: Annotated[list[dict[str, Any]], Field(max_length=MAX_GOALS_PER_PUSH)] = []
    goal_values: Annotated[list[dict[str, Any]], Field(max_length=MAX_RECORDS_PER_PUSH)] = []
    #: leaders' questions and praise, answered or handled in a meeting on the wall
    leader_notes: Annotated[list[dict[str, Any]], Field(max_length=MAX_NOTES_PER_PUSH)] = []


class HeartbeatRequest(_Strict):
    version: Annotated[str, StringConstraints(pattern=r'^[0-9A-Za-z.+_-]{1,40}$')]
    outbox: Annotated[StrictInt, Field(ge=0, le=10_000_000)]
    clock_ms: Annotated[StrictInt, Field(ge=0, le=10**14)]
    #: changes the hub refused that the wall screen holds back (see the sync client)
    refused: Annotated[StrictInt, Field(ge=0, le=10_000_000)] = 0
    #: the wall screen's data format (none from a release before formats: 1)
    format: Annotated[StrictInt, Field(ge=1, le=10_000)] = 1


M = TypeVar('M', bound=_Strict)
Kind = Literal['card', 'meeting', 'recognition', 'goal', 'value', 'note', 'push']


@dataclass(frozen=True, slots=True)
class RefusedRecord:
    """One record the receiver would not take: which, and why (for the log, the admin and the wall screen)."""
    kind: Kind
    id: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {'kind': self.kind, 'id': self.id, 'reason': self.reason}


class PushRefused(ValueError):
    def __init__(self, refused: Sequence[RefusedRecord]) -> None:
        self.refused = tuple(refused)
        super().__init__('; '.join(f'{r.kind} {r.id}: {r.reason}' for r in self.refused[:5]))


@dataclass(frozen=True, slots=True)
class Push:
    pulled: int
    cards: list[Card]
    meetings: list[Meeting]
    recognitions: list[Recognition]
    goals: list[tuple[Goal, str]] = dataclasses.field(default_factory=list)
    values: list[GoalValue] = dataclasses.field(default_factory=list)
    notes: list[LeaderNote] = dataclasses.field(default_factory=list)


def read_push(body: bytes, unit_id: str, goals: Iterable[Goal], *, now: datetime) -> Push:
    """A wall screen's push as domain objects, every record checked; raises :class:`PushRefused`.

    Runs off the event loop (it parses up to a megabyte).
    """
    try:
        envelope = _Envelope.model_validate(orjson.loads(body))
    except (orjson.JSONDecodeError, ValidationError) as error:
        raise PushRefused([RefusedRecord('push', '', _reason(error))]) from None
    refused: list[RefusedRecord] = []
    reader = _Reader(unit_id, {'now': now}, refused)
    pushed_goals = _goals(reader, envelope.goals)
    goals = list({**{g.id: g for g in goals}, **{g.id: g for g, _ in pushed_goals}}.values())
    cards = reader.all(envelope.cards, CardWire, 'card')
    meetings = reader.all(envelope.meetings, MeetingWire, 'meeting')
    recognitions = reader.all(envelope.recognitions, RecognitionWire, 'recognition')
    today = now.date()
    read_cards = []
    for model in cards:
        card = card_from_dict(model.model_dump(mode='json'))
        _check(refused, 'card', card.id, validate_card(card, goals, today=today))
        read_cards.append(card)
    read_meetings = []
    for meeting_model in meetings:
        meeting = meeting_from_dict(meeting_model.model_dump(mode='json'))
        _check(refused, 'meeting', meeting.id, validate_meeting(meeting))
        read_meetings.append(meeting)
    read_recognitions = []
    for recognition_model in recognitions:
        recognition = recognition_from_dict(recognition_model.model_dump(mode='json'))
        _check(refused, 'recognition', recognition.id, validate_recognition(recognition))
        read_recognitions.append(recognition)
    values = _values(reader, envelope.goal_values, goals, today=today + timedelta(days=1))
    notes = _notes(reader, envelope.leader_notes)
    if refused:
        raise PushRefused(refused)
    return Push(envelope.pulled, read_cards, read_meetings, read_recognitions, pushed_goals, values, notes)


def _notes(reader: _Reader, docs: Iterable[object]) -> list[LeaderNote]:
    """Leaders' notes, their stamps checked against the receiver's clock like every other stamp."""
    notes = []
    latest_ms = int((reader.context['now'] + MAX_CLOCK_AHEAD).timestamp() * 1000)
    for model in reader.all(docs, LeaderNoteWire, 'note'):
        note = leader_note_from_dict(model.model_dump(mode='json'))
        if stamp_ms(note.stamp) > latest_ms or note.created_at > reader.context['now'] + MAX_CLOCK_AHEAD:
            reader.refused.append(RefusedRecord('note', note.id, 'ahead of the receiver\'s clock'))
        elif _check(reader.refused, 'note', note.id, validate_leader_note(note)):
            notes.append(note)
    return notes


def _goals(reader: _Reader, entries: Iterable[object]) -> list[tuple[Goal, str]]:
    """Goals with their stamps (``{"goal": ..., "stamp": ...}``), as the hub sends them and a wall screen pushes."""
    goals = []
    for entry in entries:
        stamp = entry.get('stamp') if isinstance(entry, dict) else None
        model = reader.one(entry.get('goal') if isinstance(entry, dict) else None, GoalWire, 'goal')
        if model is None:
            continue
        goal = goal_from_dict(model.model_dump(mode='json'))
        if not isinstance(stamp, str) or not valid_stamp(stamp) \
                or stamp_ms(stamp) > int((reader.context['now'] + MAX_CLOCK_AHEAD).timestamp() * 1000):
            reader.refused.append(RefusedRecord('goal', goal.id, 'no valid stamp'))
        elif _check(reader.refused, 'goal', goal.id, validate_goal(goal)):
            goals.append((goal, stamp))
    return goals


def _values(reader: _Reader, docs: Iterable[object], goals: Iterable[Goal], *, today: date) -> list[GoalValue]:
    """Goal values, each checked against its goal's measure as a value typed at the board is."""
    by_id = {g.id: g for g in goals}
    values = []
    for model in reader.all(docs, GoalValueWire, 'value'):
        value = goal_value_from_dict(model.model_dump(mode='json'))
        if stamp_ms(value.stamp) > int((reader.context['now'] + MAX_CLOCK_AHEAD).timestamp() * 1000):
            reader.refused.append(RefusedRecord('value', value.id, 'stamp ahead of the receiver\'s clock'))
        elif _check(reader.refused, 'value', value.id,
                    validate_goal_value(value, by_id.get(value.goal_id), today=today)):
            values.append(value)
    return values


@dataclass(frozen=True, slots=True)
class Changes:
    seq: int
    cards: list[Card]
    goals: list[tuple[Goal, str]]
    meetings: list[Meeting]
    recognitions: list[Recognition]
    phone_url: str
    #: records of the answer that did not pass (logged by the wall screen; the rest is taken)
    refused: tuple[RefusedRecord, ...] = ()
    #: the hub's data folder (``Store.instance``; empty from a hub of a release before it)
    instance: str = ""
    #: the goals' values (from format 4)
    values: list[GoalValue] = dataclasses.field(default_factory=list)
    #: leaders' questions and praise
    notes: list[LeaderNote] = dataclasses.field(default_factory=list)
    #: the hub's data format (a hub of the release before formats says none: 1)
    format: int = 1


def read_changes(body: object, unit_id: str, *, now: datetime, known_goals: Iterable[Goal] = ()) -> Changes:
    """The hub's answer, read by a wall screen with the same models; raises ``PushRefused`` if it is no answer.

    A record that does not pass is left out and named in ``refused``. The wall screen's clock may lag the hub's,
    so times are checked against the wall's clock plus a day of slack.
    """
    seq = body.get('seq') if isinstance(body, dict) else None
    if not isinstance(body, dict) or not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq <= SEQ_MAX:
        raise PushRefused([RefusedRecord('push', '', 'not an answer of the sync API')])
    refused: list[RefusedRecord] = []
    reader = _Reader(unit_id, {'now': now + timedelta(days=1)}, refused)
    cards = [card_from_dict(m.model_dump(mode='json')) for m in reader.all(_list(body, 'cards'), CardWire, 'card')]
    meetings = [meeting_from_dict(m.model_dump(mode='json'))
                for m in reader.all(_list(body, 'meetings'), MeetingWire, 'meeting')]
    recognitions = [recognition_from_dict(m.model_dump(mode='json'))
                    for m in reader.all(_list(body, 'recognitions'), RecognitionWire, 'recognition')]
    goals = _goals(reader, _list(body, 'goals'))
    # a value whose goal is not in this answer was checked by the hub against the goal it holds: the wall screen
    # has that goal from an earlier answer
    values = _values(reader, _list(body, 'goal_values'), [*known_goals, *(g for g, _ in goals)],
                     today=now.date() + timedelta(days=1))
    notes = _notes(reader, _list(body, 'leader_notes'))
    phone_url = body.get('phone_url')
    instance = body.get('instance')
    hub_format = body.get('format')
    return Changes(seq, cards, goals, meetings, recognitions, phone_url if isinstance(phone_url, str) else '',
                   tuple(refused), instance if isinstance(instance, str) and len(instance) <= 64 else '', values,
                   notes,
                   hub_format if isinstance(hub_format, int) and not isinstance(hub_format, bool)
                   and 1 <= hub_format <= 10_000 else 1)


def _list(body: dict[str, Any], key: str) -> list[Any]:
    value = body.get(key, [])
    return value if isinstance(value, list) else [None]


@dataclass(frozen=True, slots=True)
class _Reader:
    """Reads records of one unit with a model each, collecting what it refuses."""
    unit_id: str
    context: dict[str, Any]
    refused: list[RefusedRecord]

    def all(self, docs: Iterable[object], model: type[M], kind: Kind) -> list[M]:
        return [read for read in (self.one(doc, model, kind) for doc in docs) if read is not None]

    def one(self, doc: object, model: type[M], kind: Kind) -> M | None:
        record_id = doc.get('id') if isinstance(doc, dict) else None
        name = record_id[:80] if isinstance(record_id, str) else ''
        try:
            read = model.model_validate_json(orjson.dumps(doc), strict=True, context=self.context)
        except (ValidationError, orjson.JSONEncodeError, TypeError) as error:
            self.refused.append(RefusedRecord(kind, name, _reason(error)))
            return None
        if getattr(read, 'unit_id', self.unit_id) != self.unit_id:
            self.refused.append(RefusedRecord(kind, name, f'belongs to another unit than {self.unit_id}'))
            return None
        return read


def _check(refused: list[RefusedRecord], kind: Kind, record_id: str, problems: list[Problem]) -> bool:
    if problems:
        refused.append(RefusedRecord(kind, record_id, '; '.join(f'{p.field}: {p.key}' for p in problems)))
    return not problems


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors(include_url=False, include_input=False)[:3]
        return '; '.join(f"{'.'.join(str(part) for part in e['loc']) or 'body'}: {e['msg']}" for e in first)
    return str(error)[:200]
