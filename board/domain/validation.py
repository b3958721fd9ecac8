"""What may be typed and what may arrive: validation that returns problems, never raises.

Validation returns :class:`Problem` values that name a field and a message key; the UI translates the key (see
``board/locales``), so the rules stay independent of the language on the screen. The same functions check an edit
at the board, a phone's form and a wall screen's push (``board.wire``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date, timedelta

from .model import (
    Answer,
    Card,
    CardFields,
    Column,
    Gain,
    Goal,
    GoalValue,
    LeaderNote,
    Measure,
    Meeting,
    Problem,
    Reading,
    Recognition,
)

__all__ = [
    'CAUSE_MAX',
    'COLOUR_PATTERN',
    'DECISION_MAX',
    'DESCRIPTION_MAX',
    'EARLIEST_DATE',
    'FULL_TIME_WEEK',
    'GAIN_AMOUNT_MAX',
    'GAIN_HOURS_MAX',
    'ICON_PATTERN',
    'ID_PATTERN',
    'LATEST_DATE',
    'MAX_SHARED',
    'MEETING_DECISIONS_MAX',
    'MEETING_PRESENT_MAX',
    'NAME_MAX',
    'NOTE_MAX',
    'SHORT_TEXT_MAX',
    'TITLE_MAX',
    'UNIT_MAX',
    'VALUE_LIMIT',
    'WHY_MAX',
    'is_valid_id',
    'validate_card',
    'validate_card_fields',
    'validate_gain',
    'validate_goal',
    'validate_goal_value',
    'validate_leader_note',
    'validate_measure',
    'validate_meeting',
    'validate_reading',
    'validate_recognition',
    'validate_short_text',
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
#: hours of one full-time position a week unless the settings say otherwise (``full_time_week``)
FULL_TIME_WEEK = 37.5

GAIN_AMOUNT_MAX = 1_000_000_000


def is_valid_id(value: object) -> bool:
    return isinstance(value, str) and bool(_ID.fullmatch(value))


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
    if len(goal.status_reason) > SHORT_TEXT_MAX or _CONTROL.search(goal.status_reason):
        problems.append(Problem('status_reason', 'error.description_too_long',
                                {'max': SHORT_TEXT_MAX, 'length': len(goal.status_reason)}))
    if len(goal.changed_by) > NAME_MAX or _CONTROL.search(goal.changed_by):
        problems.append(Problem('changed_by', 'error.name_too_long', {'max': NAME_MAX}))
    if goal.measure is not None:
        problems += validate_measure(goal.measure)
    return problems


#: no measure on a board is this large (a guard against nonsense, not a business rule)
VALUE_LIMIT = 1e9


def _number_problem(value: float, field: str) -> list[Problem]:
    if not math.isfinite(value) or abs(value) >= VALUE_LIMIT:
        return [Problem(field, 'error.goal_number')]
    return []


def validate_measure(measure: Measure) -> list[Problem]:
    """A goal's measure: a short unit, finite numbers, a range that holds the baseline and the target."""
    problems: list[Problem] = []
    if len(measure.unit) > UNIT_MAX or _CONTROL.search(measure.unit):
        problems.append(Problem('measure_unit', 'error.name_too_long', {'max': UNIT_MAX}))
    numbers = {'target': measure.target, 'baseline': measure.baseline, 'lowest': measure.lowest,
               'highest': measure.highest}
    for name, number in numbers.items():
        if number is not None:
            problems += _number_problem(number, name)
    if problems:
        return problems
    if measure.lowest is not None and measure.highest is not None and measure.lowest >= measure.highest:
        problems.append(Problem('highest', 'error.range_order'))
        return problems
    for name in ('target', 'baseline'):
        number = numbers[name]
        if number is not None and not _in_range(measure, number):
            problems.append(Problem(name, 'error.value_out_of_range', _range_params(measure)))
    for name in ('baseline_on', 'target_on'):
        moment = getattr(measure, name)
        if moment is not None and not EARLIEST_DATE <= moment <= LATEST_DATE:
            problems.append(Problem(name, 'error.bad_date'))
    return problems


def _in_range(measure: Measure, value: float) -> bool:
    return (measure.lowest is None or value >= measure.lowest) and (measure.highest is None or value <= measure.highest)


def _range_params(measure: Measure) -> dict[str, object]:
    return {'lowest': measure.lowest if measure.lowest is not None else '',
            'highest': measure.highest if measure.highest is not None else '', 'unit': measure.unit}


def validate_goal_value(value: GoalValue, goal: Goal | None, *, today: date) -> list[Problem]:
    """A value entered for a goal (at the board, in a CSV file or arriving in a push): a goal with a measure, a
    finite number within the measure's range, and a date that is not in the future (``today`` is the receiver's)."""
    if goal is None or goal.id != value.goal_id:
        return [Problem('goal_id', 'error.unknown_goal')]
    if goal.measure is None:
        return [Problem('goal_id', 'error.goal_not_measured')]
    problems = _number_problem(value.value, 'value')
    if not problems and not _in_range(goal.measure, value.value):
        problems.append(Problem('value', 'error.value_out_of_range', _range_params(goal.measure)))
    if value.on > today:
        problems.append(Problem('on', 'error.date_in_future'))
    elif value.on < EARLIEST_DATE:
        problems.append(Problem('on', 'error.bad_date'))
    if len(value.by) > NAME_MAX or _CONTROL.search(value.by):
        problems.append(Problem('by', 'error.name_too_long', {'max': NAME_MAX}))
    return problems


def validate_reading(reading: Reading, goals: Iterable[Goal], *, today: date, field: str) -> list[Problem]:
    """A card's *før* or *etter* measurement (``field``: 'before' or 'after')."""
    problems = _number_problem(reading.value, field)
    if len(reading.unit) > UNIT_MAX or _CONTROL.search(reading.unit):
        problems.append(Problem(field, 'error.name_too_long', {'max': UNIT_MAX}))
    if len(reading.note) > NOTE_MAX or _CONTROL.search(reading.note):
        problems.append(Problem(field, 'error.description_too_long', {'max': NOTE_MAX, 'length': len(reading.note)}))
    if reading.on > today:
        problems.append(Problem(field, 'error.date_in_future'))
    elif reading.on < EARLIEST_DATE:
        problems.append(Problem(field, 'error.bad_date'))
    if reading.goal_id is not None and reading.goal_id not in {g.id for g in goals}:
        problems.append(Problem(field, 'error.unknown_goal'))
    return problems

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
    goals = list(goals)
    problems = [] if not is_valid_id(card.id) else validate_card_fields(card.fields(), goals)
    if not is_valid_id(card.id):
        problems.append(Problem('id', 'error.bad_id'))
    if card.gain is not None:
        problems += validate_gain(card.gain, Column.DOING if card.column == Column.IDEAS else card.column,
                                  today + timedelta(days=1))
    if card.answer == Answer.DECLINED or card.answer_note:
        problems += validate_short_text(card.answer_note, 'answer_note')
    problems += _held_problems(card, today)
    if len(card.whys) > WHY_MAX:
        problems.append(Problem('whys', 'error.too_many', {'max': WHY_MAX}))
    if len(card.causes) > CAUSE_MAX:
        problems.append(Problem('causes', 'error.too_many', {'max': CAUSE_MAX}))
    for text in (*card.whys, *(cause for _, cause in card.causes)):
        problems += validate_short_text(text, 'causes')
    if card.problem:
        problems += validate_short_text(card.problem, 'problem')
    problems += _later_fields_problems(card, goals, today)
    for name in ('created_by', 'changed_by'):
        text = getattr(card, name)
        if len(text) > NAME_MAX or _CONTROL.search(text):
            problems.append(Problem(name, 'error.name_too_long', {'max': NAME_MAX}))
    return problems


def _held_problems(card: Card, today: date) -> list[Problem]:
    """Values the board's rules keep off the card for now (``Card.held``), checked as if the card showed them."""
    problems: list[Problem] = []
    gain, note = card.held.get('gain'), card.held.get('answer_note')
    if gain is not None and gain.value is not None:
        problems += validate_gain(gain.value, Column.DOING, today + timedelta(days=1))
    if note is not None and note.value:
        problems += validate_short_text(note.value, 'answer_note')
    return problems


MEETING_PRESENT_MAX = 500

#: a finished card is shared with at most this many units (a municipality has about 70)
MAX_SHARED = 200

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


def _later_fields_problems(card: Card, goals: list[Goal], today: date) -> list[Problem]:
    """The fields added since format 3: the before and after measurements, a lift to the board above, and the value
    stream analysis an improvement came from."""
    problems: list[Problem] = []
    for name in ('before', 'after'):
        reading = getattr(card, name)
        if reading is not None:
            problems += validate_reading(reading, goals, today=today + timedelta(days=1), field=name)
    for name in ('shared_to', 'adopted_by'):
        units = getattr(card, name)
        if len(units) > MAX_SHARED or not all(is_valid_id(u) for u in units):
            problems.append(Problem(name, 'error.bad_id'))
    if card.escalation is not None:
        problems += validate_short_text(card.escalation.reason, 'reason')
        if not is_valid_id(card.escalation.to):
            problems.append(Problem('escalation', 'error.bad_id'))
        if card.escalation.answer_note:
            problems += validate_short_text(card.escalation.answer_note, 'answer_note')
    if card.vsa is not None:
        if not is_valid_id(card.vsa.id):
            problems.append(Problem('vsa', 'error.bad_id'))
        if not card.vsa.name.strip() or len(card.vsa.name) > NAME_MAX or _CONTROL.search(card.vsa.name):
            problems.append(Problem('vsa', 'error.name_too_long', {'max': NAME_MAX}))
    return problems


def validate_leader_note(note: LeaderNote) -> list[Problem]:
    """A leader's question or praise, and the meeting's answer."""
    problems = [] if is_valid_id(note.id) else [Problem('id', 'error.bad_id')]
    problems += validate_short_text(note.text, 'text')
    if note.answer:
        problems += validate_short_text(note.answer, 'answer')
    if len(note.by) > NAME_MAX or _CONTROL.search(note.by):
        problems.append(Problem('by', 'error.name_too_long', {'max': NAME_MAX}))
    return problems


def validate_recognition(recognition: Recognition) -> list[Problem]:
    problems = [] if is_valid_id(recognition.id) else [Problem('id', 'error.bad_id')]
    return problems + validate_short_text(recognition.text, 'text')
