"""The improvement board's domain: organisation, goals, cards and the rules that govern them.

Plain data and rules only. This module imports neither NiceGUI nor TinyDB; the store persists these objects and
the UI shows them. Objects are frozen: a change produces a new object (``dataclasses.replace``), so a card held
by one screen can never be altered behind its back by another.

Validation returns :class:`Problem` values that name a field and a message key; the UI translates the key
(see ``board/locales``), so the rules stay independent of the language on the screen.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from .ordering import key_between

__all__ = [
    'DESCRIPTION_MAX',
    'GAIN_HOURS_MAX',
    'ID_PATTERN',
    'NAME_MAX',
    'NOTE_MAX',
    'TITLE_MAX',
    'Answer',
    'Card',
    'CardFields',
    'Column',
    'FishboneHeading',
    'Gain',
    'GainCategory',
    'GainStatus',
    'Goal',
    'GoalStatus',
    'IsoWeek',
    'Meeting',
    'Organisation',
    'Origin',
    'PdcaStage',
    'Problem',
    'Recognition',
    'RuleViolation',
    'ServiceArea',
    'Target',
    'Unit',
    'answered',
    'confirmed',
    'edited',
    'is_valid_id',
    'move_card',
    'new_card',
    'normalise_card',
    'position_at',
    'validate_card',
    'validate_card_fields',
    'validate_gain',
    'validate_goal',
    'validate_meeting',
    'validate_recognition',
    'week_start',
    'with_gain',
    'with_root_causes',
]

TITLE_MAX = 200
#: dates a person can mean on a board (a due date of 1926 or 2126 is a typing error)
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
#: ids of service areas, units, goals, cards, meetings and recognitions: safe in a file name, an address and a
#: stylesheet class, and never markup
ID_PATTERN = r'^[a-z0-9][a-z0-9_-]{0,62}$'
_ID = re.compile(ID_PATTERN)
DESCRIPTION_MAX = 4000
NAME_MAX = 80
NOTE_MAX = 1000
#: a single improvement freeing more than this many hours a week (about 27 årsverk) is a typing error
GAIN_HOURS_MAX = 1000.0
GAIN_AMOUNT_MAX = 1_000_000_000


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


def is_valid_id(value: object) -> bool:
    return isinstance(value, str) and bool(_ID.fullmatch(value))


# --- organisation -------------------------------------------------------------------------------------------------

@dataclass(kw_only=True, frozen=True, slots=True)
class ServiceArea:
    """A tjenesteområde (Helse og omsorg, Oppvekst, NAV ...), grouping units."""
    id: str
    name: str


@dataclass(kw_only=True, frozen=True, slots=True)
class Unit:
    """An enhet: a ward, a school, a kindergarten ... Each unit has one board."""
    id: str
    name: str
    service_area_id: str


@dataclass(kw_only=True, frozen=True, slots=True)
class Organisation:
    name: str
    service_areas: tuple[ServiceArea, ...] = ()
    units: tuple[Unit, ...] = ()

    def unit(self, unit_id: str) -> Unit | None:
        return next((u for u in self.units if u.id == unit_id), None)

    def service_area(self, area_id: str) -> ServiceArea | None:
        return next((a for a in self.service_areas if a.id == area_id), None)

    def units_in(self, area_id: str) -> list[Unit]:
        return sorted((u for u in self.units if u.service_area_id == area_id), key=lambda u: u.name.casefold())


# --- goals --------------------------------------------------------------------------------------------------------

@dataclass(kw_only=True, frozen=True, slots=True)
class Target:
    """A measurable target, e.g. waiting time (unit "dager") now 3.1, target 2."""
    unit: str
    current: float
    target: float


@dataclass(kw_only=True, frozen=True, slots=True)
class Goal:
    """A unit's goal (mål), shown with its colour and icon so it is visible across the room."""
    id: str
    unit_id: str
    name: str
    colour: str
    icon: str = 'flag'
    status: GoalStatus = GoalStatus.ON_TRACK
    target: Target | None = None
    position: str = 'V'


# --- gains -------------------------------------------------------------------------------------------------------

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


def validate_gain(gain: Gain, column: Column, today: date) -> list[Problem]:
    """Everything wrong with a gain as entered for a card in ``column``."""
    problems: list[Problem] = []
    if column == Column.IDEAS:
        problems.append(Problem('gain', 'error.gain_on_idea'))
    if not gain.categories:
        problems.append(Problem('categories', 'error.gain_no_category'))
    if gain.minutes_per_day is not None or gain.days_per_week is not None:
        if not (gain.minutes_per_day is not None and 0 < gain.minutes_per_day <= 24 * 60):
            problems.append(Problem('minutes_per_day', 'error.gain_minutes'))
        if not (gain.days_per_week is not None and 0 < gain.days_per_week <= 7):
            problems.append(Problem('days_per_week', 'error.gain_days'))
    if not 0 < gain.hours_per_week <= GAIN_HOURS_MAX:
        problems.append(Problem('hours_per_week', 'error.gain_hours', {'max': int(GAIN_HOURS_MAX)}))
    if gain.amount_nok is not None and not 0 <= gain.amount_nok <= GAIN_AMOUNT_MAX:
        problems.append(Problem('amount_nok', 'error.gain_amount'))
    if len(gain.note) > NOTE_MAX:
        problems.append(Problem('note', 'error.description_too_long', {'max': NOTE_MAX, 'length': len(gain.note)}))
    if len(gain.confirmed_by) > NAME_MAX:
        problems.append(Problem('confirmed_by', 'error.name_too_long', {'max': NAME_MAX}))
    for name in ('note', 'confirmed_by'):
        if _CONTROL.search(getattr(gain, name)):
            problems.append(Problem(name, 'error.control_characters'))
    return problems + _gain_date_problems(gain, today)


def _gain_date_problems(gain: Gain, today: date) -> list[Problem]:
    problems = []
    if gain.identified_on > today:
        problems.append(Problem('identified_on', 'error.date_in_future'))
    if gain.realised:
        if gain.realised_on is None or gain.realised_on > today:
            problems.append(Problem('realised_on', 'error.date_in_future'))
        elif gain.realised_on < gain.identified_on:
            problems.append(Problem('realised_on', 'error.realised_before_identified'))
        if not gain.confirmed_by.strip():
            problems.append(Problem('confirmed_by', 'error.gain_confirmed_by'))
    return problems


COLOUR_PATTERN = r'^#[0-9a-fA-F]{6}$'
ICON_PATTERN = r'^[a-z0-9_]{1,40}$'
_COLOUR = re.compile(COLOUR_PATTERN)
_ICON = re.compile(ICON_PATTERN)
UNIT_MAX = 20


def validate_goal(goal: Goal) -> list[Problem]:
    """Everything wrong with a goal as a leader entered it."""
    problems: list[Problem] = []
    if not goal.name.strip():
        problems.append(Problem('name', 'error.name_empty'))
    elif len(goal.name) > NAME_MAX:
        problems.append(Problem('name', 'error.name_too_long', {'max': NAME_MAX}))
    if _CONTROL.search(goal.name):
        problems.append(Problem('name', 'error.control_characters'))
    if not _COLOUR.fullmatch(goal.colour):
        problems.append(Problem('colour', 'error.goal_colour'))
    if not _ICON.fullmatch(goal.icon):
        problems.append(Problem('icon', 'error.goal_icon'))
    target = goal.target
    if target is not None:
        if len(target.unit) > UNIT_MAX or _CONTROL.search(target.unit):
            problems.append(Problem('target_unit', 'error.name_too_long', {'max': UNIT_MAX}))
        if not all(math.isfinite(v) and abs(v) < 1e9 for v in (target.current, target.target)):
            problems.append(Problem('target', 'error.goal_number'))
    return problems


# --- cards --------------------------------------------------------------------------------------------------------

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
    #: root-cause analysis at the board: up to five "why?" answers, and fishbone causes under the six headings
    whys: tuple[str, ...] = ()
    causes: tuple[tuple[FishboneHeading, str], ...] = ()
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


# --- board meetings ------------------------------------------------------------------------------------------------

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
    seq: int = 0

    @property
    def minutes(self) -> int:
        return round((self.ended_at - self.started_at).total_seconds() / 60)


@dataclass(kw_only=True, frozen=True, slots=True)
class Recognition:
    """Ros: "catch someone doing something right", shown on the board for the week it was given."""
    id: str
    unit_id: str
    text: str
    created_at: datetime
    deleted: bool = False
    seq: int = 0


WHY_MAX = 5
CAUSE_MAX = 30
SHORT_TEXT_MAX = 300


def validate_short_text(text: str, field: str) -> list[Problem]:
    """A reason, a why, a cause or a recognition: one or two sentences typed at the board."""
    if not text.strip():
        return [Problem(field, 'error.text_empty')]
    if len(text) > SHORT_TEXT_MAX:
        return [Problem(field, 'error.description_too_long', {'max': SHORT_TEXT_MAX, 'length': len(text)})]
    if _CONTROL.search(text):
        return [Problem(field, 'error.control_characters')]
    return []


# --- rules --------------------------------------------------------------------------------------------------------

# C0 controls other than tab and line breaks, DEL, and lone surrogates (which no file or browser can carry)
_CONTROL = re.compile(r'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]')


def validate_card_fields(fields: CardFields, goals: Iterable[Goal] = ()) -> list[Problem]:
    """Everything wrong with what was typed, as problems the UI shows next to each field."""
    problems: list[Problem] = []
    if not fields.title.strip():
        problems.append(Problem('title', 'error.title_empty'))
    elif len(fields.title) > TITLE_MAX:
        problems.append(Problem('title', 'error.title_too_long', {'max': TITLE_MAX, 'length': len(fields.title)}))
    if len(fields.description) > DESCRIPTION_MAX:
        problems.append(Problem('description', 'error.description_too_long',
                                {'max': DESCRIPTION_MAX, 'length': len(fields.description)}))
    if len(fields.owner) > NAME_MAX:
        problems.append(Problem('owner', 'error.name_too_long', {'max': NAME_MAX}))
    for name in ('title', 'description', 'owner'):
        if _CONTROL.search(getattr(fields, name)):
            problems.append(Problem(name, 'error.control_characters'))
    if fields.goal_id is not None and fields.goal_id not in {g.id for g in goals}:
        problems.append(Problem('goal_id', 'error.unknown_goal'))
    if fields.due is not None and not EARLIEST_DATE <= fields.due <= LATEST_DATE:
        problems.append(Problem('due', 'error.bad_date'))
    return problems


def validate_card(card: Card, goals: Iterable[Goal], *, today: date) -> list[Problem]:
    """Everything wrong with a whole card as it arrives from another node (a wall screen's push).

    The same rules as an edit at the board: what a person types (:func:`validate_card_fields`), the gain
    (:func:`validate_gain`), the meeting's answer and the root causes. ``today`` is the receiver's date; a day
    of slack allows for a wall screen in another time zone.
    """
    problems = [] if not is_valid_id(card.id) else validate_card_fields(card.fields(), goals)
    if not is_valid_id(card.id):
        problems.append(Problem('id', 'error.bad_id'))
    if card.gain is not None:
        problems += validate_gain(card.gain, Column.DOING if card.column == Column.IDEAS else card.column,
                                  today + timedelta(days=1))
    if card.answer == Answer.DECLINED or card.answer_note:
        problems += validate_short_text(card.answer_note, 'answer_note')
    if len(card.whys) > WHY_MAX:
        problems.append(Problem('whys', 'error.too_many', {'max': WHY_MAX}))
    if len(card.causes) > CAUSE_MAX:
        problems.append(Problem('causes', 'error.too_many', {'max': CAUSE_MAX}))
    for text in (*card.whys, *(cause for _, cause in card.causes)):
        problems += validate_short_text(text, 'causes')
    for name in ('created_by', 'changed_by'):
        text = getattr(card, name)
        if len(text) > NAME_MAX or _CONTROL.search(text):
            problems.append(Problem(name, 'error.name_too_long', {'max': NAME_MAX}))
    return problems


MEETING_PRESENT_MAX = 500
MEETING_DECISIONS_MAX = 200
DECISION_MAX = 1000


def validate_meeting(meeting: Meeting) -> list[Problem]:
    """A board meeting's record as it arrives from a wall screen."""
    problems = [] if is_valid_id(meeting.id) else [Problem('id', 'error.bad_id')]
    if not meeting.started_at <= meeting.ended_at <= meeting.started_at + timedelta(days=1):
        problems.append(Problem('ended_at', 'error.meeting_times'))
    if not 0 <= meeting.present <= MEETING_PRESENT_MAX:
        problems.append(Problem('present', 'error.meeting_present', {'max': MEETING_PRESENT_MAX}))
    if len(meeting.decisions) > MEETING_DECISIONS_MAX:
        problems.append(Problem('decisions', 'error.too_many', {'max': MEETING_DECISIONS_MAX}))
    if any(len(d) > DECISION_MAX or _CONTROL.search(d) for d in meeting.decisions):
        problems.append(Problem('decisions', 'error.description_too_long', {'max': DECISION_MAX, 'length': 0}))
    return problems


def validate_recognition(recognition: Recognition) -> list[Problem]:
    problems = [] if is_valid_id(recognition.id) else [Problem('id', 'error.bad_id')]
    return problems + validate_short_text(recognition.text, 'text')


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
    return normalise_card(dataclasses.replace(card, **changes))


def normalise_card(card: Card) -> Card:
    """The card with the board's rules restored, whatever combination of fields a merge produced.

    Two nodes may change related fields apart: the hub moves a card back to Ideer while a wall screen, offline,
    sets its PDCA stage. Merging field by field then gives an idea at stage Kontrollere. This function, applied
    after every merge and every local change on every node, decides such a card the same way everywhere, from the
    card's own values only (so all nodes still converge to the same card). The column always wins:

    - a PDCA stage only in Pågår (Planlegge if a card in Pågår has none);
    - no start or finish time in Ideer; a start in Pågår and Ferdig, a finish only in Ferdig (a missing time is
      taken from the card's creation, which never changes, so every node fills in the same one);
    - a gain only in Pågår and Ferdig;
    - an answer (parked, declined) only on an idea, with its note and time only together with an answer.
    """
    column = card.column
    changes: dict[str, Any] = {}

    def want(name: str, value: Any) -> None:
        if getattr(card, name) != value:
            changes[name] = value

    if column == Column.DOING:
        want('pdca', card.pdca or PdcaStage.PLAN)
    else:
        want('pdca', None)
    if column == Column.IDEAS:
        want('started_at', None)
        want('finished_at', None)
        want('gain', None)
    else:
        want('started_at', card.started_at or card.created_at)
        want('finished_at', (card.finished_at or card.created_at) if column == Column.DONE else None)
    if column != Column.IDEAS or card.answer is None:
        want('answer', None)
        want('answer_note', '')
        want('answered_at', None)
    elif card.answered_at is None:
        want('answered_at', card.created_at)
    return dataclasses.replace(card, **changes) if changes else card


# --- what a person does to a card: the rules, as functions from a card to the changed card ------------------------

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
    return dataclasses.replace(card, answer=answer, answer_note=note, answered_at=now, unseen=False)


def with_root_causes(card: Card, whys: Iterable[str], causes: Iterable[tuple[FishboneHeading, str]]) -> Card:
    """The card with its five whys and fishbone causes (blank lines are dropped)."""
    kept_whys = tuple(w.strip() for w in whys if w.strip())
    kept_causes = tuple((h, c.strip()) for h, c in causes if c.strip())
    problems = [Problem('whys', 'error.too_many', {'max': WHY_MAX})] if len(kept_whys) > WHY_MAX else []
    if len(kept_causes) > CAUSE_MAX:
        problems.append(Problem('causes', 'error.too_many', {'max': CAUSE_MAX}))
    for text in (*kept_whys, *(c for _, c in kept_causes)):
        problems += validate_short_text(text, 'causes')
    _raise(problems[:1])
    return dataclasses.replace(card, whys=kept_whys, causes=kept_causes)


def with_gain(card: Card, gain: Gain | None, today: date) -> Card:
    """The card with its gain recorded, changed or removed (``None``); ``today`` in the board's time zone."""
    if gain is not None:
        gain = dataclasses.replace(gain, note=gain.note.strip(), confirmed_by=gain.confirmed_by.strip())
        _raise(validate_gain(gain, card.column, today))
    return dataclasses.replace(card, gain=gain)


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
    """Names of the fields that differ, for stamping and for the UI to update only what changed."""
    return [f.name for f in dataclasses.fields(Card)
            if f.name not in ('stamps', 'seq') and getattr(before, f.name) != getattr(after, f.name)]


def position_at(ordered: list[Card], index: int) -> str:
    """A position key that places a card at ``index`` among ``ordered`` (sorted, without the card itself)."""
    index = max(0, min(index, len(ordered)))
    before = ordered[index - 1].position if index > 0 else None
    after = ordered[index].position if index < len(ordered) else None
    if before is not None and after is not None and before >= after:
        # equal keys from two screens placing cards at once: go just after the earlier one
        after = None
    return key_between(before, after)
