"""The things on a board: organisation, goals, gains, cards, meetings, recognitions. Plain, frozen data.

Objects are frozen: a change produces a new object (``dataclasses.replace``), so a card held by one screen can
never be altered behind its back by another. What may change and how is in ``rules``; what a person may type is
checked in ``validation``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

__all__ = [
    'EDITABLE_FIELDS',
    'LEADERSHIP_BOARD',
    'Answer',
    'Card',
    'CardFields',
    'Column',
    'Direction',
    'Escalation',
    'EscalationState',
    'FishboneHeading',
    'Gain',
    'GainCategory',
    'GainStatus',
    'Goal',
    'GoalStatus',
    'GoalValue',
    'Held',
    'IsoWeek',
    'LeaderNote',
    'Level',
    'Lift',
    'Measure',
    'Meeting',
    'NoteKind',
    'Organisation',
    'Origin',
    'PdcaStage',
    'Problem',
    'Reading',
    'Recognition',
    'RuleViolation',
    'ServiceArea',
    'Unit',
    'VsaTag',
    'area_board_id',
    'week_start',
]


class Column(StrEnum):
    IDEAS = 'ideas'
    DOING = 'doing'
    DONE = 'done'


class Answer(StrEnum):
    """The board meeting's answer to an idea, when it is not taken into Pågår: every idea gets one."""
    PARKED = 'parked'      # kept in Ideer for later, marked Parkert
    DECLINED = 'declined'  # leaves the board with a short reason, kept in the history


class FishboneHeading(StrEnum):
    """The six classic headings of a fishbone (Ishikawa) diagram: the 6 M's."""
    PEOPLE = 'people'            # menneske
    METHOD = 'method'            # metode
    EQUIPMENT = 'equipment'      # maskin / utstyr
    MATERIAL = 'material'        # materiale
    ENVIRONMENT = 'environment'  # miljø
    MEASUREMENT = 'measurement'  # måling


class GoalStatus(StrEnum):
    ON_TRACK = 'on_track'
    AT_RISK = 'at_risk'
    OFF_TRACK = 'off_track'


class PdcaStage(StrEnum):
    """PDCA / PUKK: Planlegge, Utføre, Kontrollere, Korrigere."""
    PLAN = 'plan'
    DO = 'do'
    CHECK = 'check'
    ACT = 'act'


class EscalationState(StrEnum):
    """Where a card lifted to the board above stands: waiting, or that board's answer."""
    WAITING = 'waiting'
    TAKEN = 'taken'        # taken into Pågår up there
    PARKED = 'parked'
    DECLINED = 'declined'  # with a reason


class Origin(StrEnum):
    """Where a change came from."""
    BOARD = 'board'
    PHONE = 'phone'
    LEADER = 'leader'


@dataclass(frozen=True, slots=True)
class IsoWeek:
    year: int
    week: int

    @classmethod
    def of(cls, moment: date | datetime) -> IsoWeek:
        iso = moment.isocalendar()
        return cls(iso.year, iso.week)

    def __str__(self) -> str:
        return f'{self.year}-W{self.week:02d}'

    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    def shifted(self, weeks: int) -> IsoWeek:
        return IsoWeek.of(self.monday() + timedelta(weeks=weeks))


def week_start(moment: datetime, weeks_back: int = 0) -> datetime:
    """Monday 00:00 of ``moment``'s ISO week (in ``moment``'s own time zone), ``weeks_back`` weeks earlier."""
    local = moment.date() - timedelta(days=moment.weekday(), weeks=weeks_back)
    return datetime.combine(local, time(0, 0), tzinfo=moment.tzinfo)


@dataclass(frozen=True, slots=True)
class Problem:
    """A validation problem: which field, and a message key with its parameters for the translator."""
    field: str
    key: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)


class RuleViolation(ValueError):
    """Raised when a change breaks a rule of the board; carries the problems for the UI to show."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__('; '.join(f'{p.field}: {p.key}' for p in self.problems))


@dataclass(kw_only=True, frozen=True, slots=True)
class ServiceArea:
    """A tjenesteområde (Helse og omsorg, Oppvekst, NAV ...), grouping units."""
    id: str
    name: str


class Level(StrEnum):
    """Where a board hangs: a unit's, a service area's, or the leadership group's (ledergruppa)."""
    UNIT = 'unit'
    AREA = 'area'
    LEADERSHIP = 'leadership'


#: the leadership group's board: above every service area's
LEADERSHIP_BOARD = 'ledergruppa'


def area_board_id(area_id: str) -> str:
    """The id of a service area's board (an id no unit may take, see ``board.store.organisation``)."""
    return f'omrade-{area_id}'[:63]


@dataclass(kw_only=True, frozen=True, slots=True)
class Unit:
    """An enhet: a ward, a school, a kindergarten ... Each unit has one board.

    The boards above the units are units too, of another ``level``: one per service area (its leaders' board) and
    the leadership group's; they are not in ``Organisation.units`` (not counted or listed as units) but in
    ``Organisation.upper_boards``, derived from the service areas.
    """
    id: str
    name: str
    service_area_id: str
    level: Level = Level.UNIT


@dataclass(kw_only=True, frozen=True, slots=True)
class Organisation:
    name: str
    service_areas: tuple[ServiceArea, ...] = ()
    units: tuple[Unit, ...] = ()

    def unit(self, unit_id: str) -> Unit | None:
        """A unit, or a board above the units, by its id."""
        return next((u for u in self.units if u.id == unit_id), None) or next(
            (u for u in self.upper_boards if u.id == unit_id), None)

    @property
    def upper_boards(self) -> tuple[Unit, ...]:
        """The service areas' boards and the leadership group's: where a unit lifts what it cannot solve alone."""
        areas = tuple(Unit(id=area_board_id(a.id), name=a.name, service_area_id=a.id, level=Level.AREA)
                      for a in self.service_areas)
        return (*areas, Unit(id=LEADERSHIP_BOARD, name='Ledergruppa', service_area_id='', level=Level.LEADERSHIP))

    @property
    def boards(self) -> tuple[Unit, ...]:
        """Every board: the units' and the ones above them."""
        return (*self.units, *self.upper_boards)

    def board_above(self, unit: Unit) -> Unit | None:
        """The next board up: a unit's service area's, then the leadership group's, then none."""
        if unit.level == Level.UNIT:
            return self.unit(area_board_id(unit.service_area_id))
        if unit.level == Level.AREA:
            return self.unit(LEADERSHIP_BOARD)
        return None

    def service_area(self, area_id: str) -> ServiceArea | None:
        return next((a for a in self.service_areas if a.id == area_id), None)

    def units_in(self, area_id: str) -> list[Unit]:
        return sorted((u for u in self.units if u.service_area_id == area_id), key=lambda u: u.name.casefold())


class Direction(StrEnum):
    """Which way a measure gets better."""
    UP = 'up'      # higher is better: time with the residents, share answered in time
    DOWN = 'down'  # lower is better: falls, waiting days, sick leave


@dataclass(kw_only=True, frozen=True, slots=True)
class Measure:
    """How a goal is measured: e.g. waiting time in "dager", lower is better, 3.1 in week 2, target 2.

    ``lowest`` and ``highest`` bound what a value can be (0 and 100 for a share in per cent); a value outside is
    a typing error. ``target_on`` is the date the target is meant to be reached by, if the team set one.
    """
    unit: str
    better: Direction
    target: float
    baseline: float | None = None
    baseline_on: date | None = None
    target_on: date | None = None
    lowest: float | None = None
    highest: float | None = None

    def reached(self, value: float) -> bool:
        return value >= self.target if self.better == Direction.UP else value <= self.target

    def better_than(self, value: float, other: float) -> bool:
        return value > other if self.better == Direction.UP else value < other


@dataclass(kw_only=True, frozen=True, slots=True)
class Goal:
    """A unit's goal (mål), shown with its colour and icon so it is visible across the room.

    ``status`` is the status set by hand; once the goal has a measure and values, the status follows from them by
    the rule in ``board.domain.runchart`` unless ``status_reason`` says why the hand-set status overrides it.
    A retired goal is off the board and kept, with its values, in the history.
    """
    id: str
    unit_id: str
    name: str
    colour: str
    icon: str = 'flag'
    status: GoalStatus = GoalStatus.ON_TRACK
    status_reason: str = ''
    measure: Measure | None = None
    position: str = 'V'
    retired: bool = False
    #: where the last change came from and by whom (a leader's name; empty from the wall)
    changed_origin: Origin = Origin.LEADER
    changed_by: str = ''


@dataclass(kw_only=True, frozen=True, slots=True)
class GoalValue:
    """One dated value of a goal's measure (weekly by default; any date). One value per goal and date: entering
    another for the same date replaces it, and a deleted value is kept as ``deleted`` so it can be restored."""
    goal_id: str
    unit_id: str
    on: date
    value: float
    deleted: bool = False
    origin: Origin = Origin.BOARD
    by: str = ''
    #: the hybrid-logical-clock stamp of its last change (the later one wins when two nodes disagree)
    stamp: str = ''
    seq: int = 0

    @property
    def id(self) -> str:
        return f'{self.goal_id}@{self.on.isoformat()}'


@dataclass(kw_only=True, frozen=True, slots=True)
class Escalation:
    """A card lifted to the board above (*Løft til …*): to which board, why, when, and the answer that came back."""
    to: str
    reason: str
    at: datetime
    #: the board's name as it was (shown on the card, also on a wall screen that knows no other boards)
    to_name: str = ''
    state: EscalationState = EscalationState.WAITING
    answer_note: str = ''
    answered_at: datetime | None = None


@dataclass(kw_only=True, frozen=True, slots=True)
class Lift:
    """On the board above: the unit and card a card was lifted from."""
    unit_id: str
    card_id: str
    unit_name: str
    #: why the unit lifted it (a lift to the board above; empty for a suggestion shared between units)
    reason: str = ''


@dataclass(kw_only=True, frozen=True, slots=True)
class VsaTag:
    """The value stream analysis (verdistrømanalyse) an improvement came from: its id on the hub and its name as it
    was (shown on the card, also on a wall screen that knows no analyses; see ``board.domain.vsa``)."""
    id: str
    name: str


@dataclass(kw_only=True, frozen=True, slots=True)
class Reading:
    """A measurement on a card: *før* (before) or *etter* (after) the change, optionally of one of the goals."""
    value: float
    unit: str
    on: date
    note: str = ''
    goal_id: str | None = None


class GainCategory(StrEnum):
    """What kind of gain: the municipality reports its Lean results split into these three."""
    QUALITY = 'quality'    # økt kvalitet
    CAPACITY = 'capacity'  # økt kvantitet
    SAVINGS = 'savings'    # besparelse


class GainStatus(StrEnum):
    IDENTIFIED = 'identified'
    REALISED = 'realised'


@dataclass(kw_only=True, frozen=True, slots=True)
class Gain:
    """The time an improvement frees (gevinst), counted in årsverk: hours per week ÷ the full-time week.

    People often know the gain as "ten minutes a day on each of five days"; then ``minutes_per_day`` and
    ``days_per_week`` keep what was typed and ``hours_per_week`` is computed from them.
    """
    categories: tuple[GainCategory, ...]
    hours_per_week: float
    minutes_per_day: float | None = None
    days_per_week: float | None = None
    status: GainStatus = GainStatus.IDENTIFIED
    identified_on: date
    realised_on: date | None = None
    #: who confirmed that the gain is realised (a leader's name)
    confirmed_by: str = ''
    note: str = ''
    amount_nok: int | None = None

    @classmethod
    def per_day(cls, minutes_per_day: float, days_per_week: float, **values: Any) -> Gain:
        return cls(hours_per_week=minutes_per_day * days_per_week / 60, minutes_per_day=minutes_per_day,
                   days_per_week=days_per_week, **values)

    def fte(self, full_time_week: float) -> float:
        """Årsverk: the hours freed per week as a share of one full-time position."""
        return self.hours_per_week / full_time_week

    @property
    def realised(self) -> bool:
        return self.status == GainStatus.REALISED

#: the fields a person edits; everything else on a card is recorded by the rules
EDITABLE_FIELDS = ('title', 'description', 'goal_id', 'owner', 'due', 'pdca', 'quick_win')


@dataclass(kw_only=True, frozen=True, slots=True)
class CardFields:
    """What a person types or picks for a card; validated before it reaches a card."""
    title: str
    description: str = ''
    goal_id: str | None = None
    owner: str = ''
    due: date | None = None
    pdca: PdcaStage | None = None
    quick_win: bool = False

    def cleaned(self) -> CardFields:
        """Trim surrounding whitespace; the text in between is kept exactly as typed."""
        return dataclasses.replace(self, title=self.title.strip(), description=self.description.strip(),
                                   owner=self.owner.strip())


@dataclass(frozen=True, slots=True)
class Held:
    """A card field's value as last written, which the board's rules keep off the card for now.

    Merging two versions of a card field by field can give a combination the rules do not allow (an answer on a
    card in Pågår, a stage on an idea): the card then shows what the rules allow (``shown``), and the value as
    written waits here with the ``stamp`` of its write, to be merged like any value and shown again when the rules
    allow it (see ``board.domain.rules.normalise_card``). Valid only while ``stamp`` is the field's stamp.
    """
    value: Any
    stamp: str
    shown: Any


@dataclass(kw_only=True, frozen=True, slots=True)
class Card:
    id: str
    unit_id: str
    title: str
    description: str = ''
    column: Column = Column.IDEAS
    position: str = 'V'
    goal_id: str | None = None
    owner: str = ''
    due: date | None = None
    pdca: PdcaStage | None = None
    quick_win: bool = False
    #: the time the improvement frees, once someone has estimated it (cards in Pågår or Ferdig)
    gain: Gain | None = None
    #: the board meeting's answer to an idea that was not taken into Pågår, with its reason, and when
    answer: Answer | None = None
    answer_note: str = ''
    answered_at: datetime | None = None
    #: root-cause analysis at the board: the problem it starts from (the fish's head), up to five "why?" answers,
    #: and fishbone causes under the six headings
    problem: str = ''
    whys: tuple[str, ...] = ()
    causes: tuple[tuple[FishboneHeading, str], ...] = ()
    #: the measurement before and after the change (recorded at Kontrollere), to show what it achieved
    before: Reading | None = None
    after: Reading | None = None
    #: lifted to the board above, and its answer (on the unit's card); where it came from (on the card above)
    escalation: Escalation | None = None
    lifted_from: Lift | None = None
    #: spreading what works: the units a finished card was shared with (*Del med andre enheter*), those that took
    #: it into use (kept by the hub), and on a unit's copy, where the suggestion came from (*Forslag fra …*)
    shared_to: tuple[str, ...] = ()
    adopted_by: tuple[str, ...] = ()
    suggested_from: Lift | None = None
    #: the value stream analysis the improvement came from (its gain counts as found by a verdistrømanalyse)
    vsa: VsaTag | None = None
    #: an idea from an innbygger, bruker or pårørende (the public code, ``board.ui.citizen``), put on the board when a
    #: leader approved it: shown as *Fra innbygger*. Set by the hub when the card is made, never changed; a gain's
    #: source is *innbygger* when it is set. Travels self-stamped (``board.store.codec.SELF_STAMPED``), so an older
    #: release passes it on and its strict wire models take the card (see README: Ideas from citizens)
    from_citizen: bool = False
    #: where the card was made and by whom (empty: anonymous, the default for staff)
    origin: Origin = Origin.BOARD
    created_by: str = ''
    #: where the last change came from and by whom (a leader's name; empty from the wall or a phone)
    changed_origin: Origin = Origin.BOARD
    changed_by: str = ''
    #: an idea from a phone is marked new until someone opens it on the board (or the next board meeting)
    unseen: bool = False
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    deleted: bool = False
    #: per-field hybrid-logical-clock stamps of the last change, for field-level merging in sync
    stamps: Mapping[str, str] = field(default_factory=dict)
    #: values as written that the board's rules keep off the card for now, by field name (see :class:`Held`)
    held: Mapping[str, Held] = field(default_factory=dict)
    #: fields a newer release added that this one does not know: kept as they came and passed on
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: the unit's change sequence number of this card's last change
    seq: int = 0

    @property
    def created_week(self) -> IsoWeek:
        return IsoWeek.of(self.created_at)

    @property
    def started_week(self) -> IsoWeek | None:
        return IsoWeek.of(self.started_at) if self.started_at else None

    @property
    def finished_week(self) -> IsoWeek | None:
        return IsoWeek.of(self.finished_at) if self.finished_at else None

    @property
    def on_board(self) -> bool:
        """Shown on the board: not deleted, and not an idea the meeting declined."""
        return not self.deleted and self.answer != Answer.DECLINED

    def is_overdue(self, today: date) -> bool:
        return self.due is not None and self.column != Column.DONE and self.due < today

    def fields(self) -> CardFields:
        return CardFields(title=self.title, description=self.description, goal_id=self.goal_id, owner=self.owner,
                          due=self.due, pdca=self.pdca, quick_win=self.quick_win)

    def sort_key(self) -> tuple[str, str]:
        # two screens may pick the same position key while apart; the id breaks the tie the same way everywhere
        return (self.position, self.id)


@dataclass(kw_only=True, frozen=True, slots=True)
class Meeting:
    """A weekly board meeting (tavlemøte): when, how long, how many were there, what was decided.

    Recorded once, when the meeting ends, on the wall screen; it travels to the hub like a card does.
    """
    id: str
    unit_id: str
    started_at: datetime
    ended_at: datetime
    present: int = 0
    decisions: tuple[str, ...] = ()
    #: fields a newer release added that this one does not know: kept as they came and passed on
    extra: Mapping[str, Any] = field(default_factory=dict)
    seq: int = 0

    @property
    def minutes(self) -> int:
        return round((self.ended_at - self.started_at).total_seconds() / 60)


class NoteKind(StrEnum):
    QUESTION = 'question'  # Spørsmål fra leder: answered in the meeting
    PRAISE = 'praise'      # Ros fra leder: shown in the meeting


@dataclass(kw_only=True, frozen=True, slots=True)
class LeaderNote:
    """A leader's question or praise for a unit's next board meeting, and what the meeting said.

    Written by a leader on the hub; the meeting answers a question (or shows the praise) on the wall, and the answer
    returns to the leader. Travels like a goal value: the later stamp wins.
    """
    id: str
    unit_id: str
    kind: NoteKind
    text: str
    by: str
    created_at: datetime
    answer: str = ''
    answered_at: datetime | None = None
    #: when the meeting went through it (praise: shown; a question: answered)
    handled_at: datetime | None = None
    deleted: bool = False
    stamp: str = ''
    seq: int = 0

    @property
    def open(self) -> bool:
        return self.handled_at is None and not self.deleted


@dataclass(kw_only=True, frozen=True, slots=True)
class Recognition:
    """Ros: "catch someone doing something right", shown on the board for the week it was given."""
    id: str
    unit_id: str
    text: str
    created_at: datetime
    deleted: bool = False
    #: fields a newer release added that this one does not know: kept as they came and passed on
    extra: Mapping[str, Any] = field(default_factory=dict)
    seq: int = 0
