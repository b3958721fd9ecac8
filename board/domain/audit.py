"""Audits (revisjoner) of a unit's improvement work: monthly internal, half-yearly external.

An audit is a checklist taken from its kind's template when it is made (a later change of the template leaves it
as it was). Some items the board's own data can answer for the audit's period - board meetings held, ideas
answered in time, goals measured, gains documented: :func:`automatic_answers`; the auditor answers the rest.
Each item's answer carries its own stamp, so two tablets answering the same audit at once both keep their
answers, item by item, the newest one winning per item (:func:`merge_answers`).

Plain data and rules: no NiceGUI, no TinyDB.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from ..clock import stamp_order
from .model import Card, Column, Goal, GoalValue, Meeting, Problem, RuleViolation
from .validation import _CONTROL, SHORT_TEXT_MAX, TITLE_MAX

__all__ = ['INTERVAL_MONTHS', 'ITEMS_MAX', 'ITEM_TEXT_MAX', 'NOTE_MAX', 'Audit', 'AuditDue', 'AuditKind', 'AutoCheck',
           'ChecklistItem', 'DueState', 'Finding', 'ItemAnswer', 'Verdict', 'add_months', 'automatic_answers',
           'default_items', 'default_period', 'due', 'finding_title', 'merge_answers', 'months_of', 'parse_verdict',
           'score', 'validate_item_text', 'validate_note', 'weeks_of']

#: the most items a checklist may hold (a checklist read on a tablet in a meeting room, not a form of 200 lines)
ITEMS_MAX = 40
#: an item's text
ITEM_TEXT_MAX = 200
#: the auditor's note on an item
NOTE_MAX = SHORT_TEXT_MAX


class AuditKind(StrEnum):
    INTERNAL = 'internal'  # månedlig, intern
    EXTERNAL = 'external'  # halvårlig, ekstern


#: months between two audits of a kind
INTERVAL_MONTHS = {AuditKind.INTERNAL: 1, AuditKind.EXTERNAL: 6}
#: an audit shows as due this many days before the date it is due
DUE_AHEAD_DAYS = {AuditKind.INTERNAL: 7, AuditKind.EXTERNAL: 30}


class Verdict(StrEnum):
    YES = 'yes'                  # Ja
    PARTLY = 'partly'            # Delvis
    NO = 'no'                    # Nei
    NOT_APPLICABLE = 'na'        # Ikke aktuelt


class AutoCheck(StrEnum):
    """What the board's data can answer."""
    MEETINGS = 'meetings'
    IDEAS_ANSWERED = 'ideas_answered'
    GOALS_MEASURED = 'goals_measured'
    GAINS_DOCUMENTED = 'gains_documented'


@dataclass(kw_only=True, frozen=True, slots=True)
class ChecklistItem:
    id: str
    text: str
    #: answered from the data when the audit is made (the auditor may still answer otherwise)
    auto: AutoCheck | None = None


@dataclass(kw_only=True, frozen=True, slots=True)
class ItemAnswer:
    item_id: str
    verdict: Verdict
    note: str = ''
    #: the auditor's name; '' for an answer the data gave
    by: str = ''
    at: datetime
    #: the hybrid-logical-clock stamp: the newest answer per item wins
    stamp: str
    auto: bool = False


@dataclass(kw_only=True, frozen=True, slots=True)
class Audit:
    id: str
    unit_id: str
    kind: AuditKind
    period_start: date
    period_end: date
    auditor: str
    created_at: datetime
    items: tuple[ChecklistItem, ...]
    answers: Mapping[str, ItemAnswer] = field(default_factory=dict)
    #: the card each finding became, by item id
    cards: Mapping[str, str] = field(default_factory=dict)

    def item(self, item_id: str) -> ChecklistItem | None:
        return next((i for i in self.items if i.id == item_id), None)

    @property
    def findings(self) -> list[ChecklistItem]:
        """Items answered Nei or Delvis: what the unit should work on."""
        return [i for i in self.items if (a := self.answers.get(i.id)) is not None
                and a.verdict in (Verdict.NO, Verdict.PARTLY)]

    @property
    def unanswered(self) -> int:
        return sum(1 for i in self.items if i.id not in self.answers)


@dataclass(frozen=True, slots=True)
class Finding:
    """What the data says about one automatic item: a verdict and the facts behind it (a catalogue key)."""
    verdict: Verdict
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


class DueState(StrEnum):
    OK = 'ok'
    DUE = 'due'
    OVERDUE = 'overdue'


@dataclass(frozen=True, slots=True)
class AuditDue:
    kind: AuditKind
    state: DueState
    #: the day the next audit of this kind is due (None: there has never been one, so it is due now)
    due_on: date | None
    last: Audit | None


# --- the score ------------------------------------------------------------------------------------------------------

def score(audit: Audit) -> float | None:
    """The share of the applicable answered items that are met: Ja counts 1, Delvis ½, Nei 0; Ikke aktuelt and
    unanswered items are left out. None when no item is answered applicably."""
    points = counted = 0.0
    for item in audit.items:
        answer = audit.answers.get(item.id)
        if answer is None or answer.verdict == Verdict.NOT_APPLICABLE:
            continue
        counted += 1
        points += {Verdict.YES: 1.0, Verdict.PARTLY: 0.5}.get(answer.verdict, 0.0)
    return points / counted if counted else None


# --- answers from two tablets ---------------------------------------------------------------------------------------

def merge_answers(*versions: Mapping[str, ItemAnswer]) -> dict[str, ItemAnswer]:
    """Every item's newest answer from any of ``versions`` (stamps are hybrid-logical-clock times: comparable)."""
    merged: dict[str, ItemAnswer] = {}
    for answers in versions:
        for item_id, answer in answers.items():
            kept = merged.get(item_id)
            if kept is None or stamp_order(answer.stamp) > stamp_order(kept.stamp):
                merged[item_id] = answer
    return merged


# --- when the next audit is due --------------------------------------------------------------------------------------

def due(kind: AuditKind, audits: Iterable[Audit], today: date) -> AuditDue:
    """The next audit of ``kind``: due ``INTERVAL_MONTHS`` after the last one was made; shown as due from
    ``DUE_AHEAD_DAYS`` before, overdue after. A unit never audited is due now (not overdue: it has just begun)."""
    last = max((a for a in audits if a.kind == kind), key=lambda a: (a.created_at, a.id), default=None)
    if last is None:
        return AuditDue(kind, DueState.DUE, None, None)
    due_on = add_months(last.created_at.date(), INTERVAL_MONTHS[kind])
    if today > due_on:
        state = DueState.OVERDUE
    elif today >= due_on - timedelta(days=DUE_AHEAD_DAYS[kind]):
        state = DueState.DUE
    else:
        state = DueState.OK
    return AuditDue(kind, state, due_on, last)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or the month's last day: 31 January + 1 month is 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_period(kind: AuditKind, today: date) -> tuple[date, date]:
    """The period an audit made today looks back on: the last month (internal) or half-year (external)."""
    return add_months(today, -INTERVAL_MONTHS[kind]) + timedelta(days=1), today


# --- the items the data answers ---------------------------------------------------------------------------------------

def weeks_of(start: date, end: date) -> list[date]:
    """The Mondays of the ISO weeks that belong to the period: a week belongs where its Thursday is, as ISO weeks
    belong to years, so a month's audit neither counts a week that is mostly in the month before nor misses one."""
    monday = start - timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        if start <= monday + timedelta(days=3) <= end:
            weeks.append(monday)
        monday += timedelta(weeks=1)
    return weeks


def months_of(start: date, end: date) -> list[tuple[int, int]]:
    """(year, month) of each month the period touches."""
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def automatic_answers(items: Sequence[ChecklistItem], *, start: date, end: date, now: datetime, zone: tzinfo,
                      cards: Iterable[Card], meetings: Iterable[Meeting],
                      goals: Iterable[tuple[Goal, Sequence[GoalValue]]], waiting_weeks: int,
                      by_month: bool = False) -> dict[str, Finding]:
    """What the data says about each automatic item, by item id. ``cards``: the unit's cards on the board, declined
    and archived (those of the period's years); ``goals``: the goals on the board with their values; ``by_month``:
    goals must have a value each month (a half-year's audit) instead of each week."""
    cards = [c for c in cards if not c.deleted]
    found: dict[str, Finding] = {}
    for item in items:
        if item.auto == AutoCheck.MEETINGS:
            found[item.id] = meetings_held(meetings, start=start, end=end, zone=zone)
        elif item.auto == AutoCheck.IDEAS_ANSWERED:
            found[item.id] = ideas_answered(cards, start=start, end=end, now=now, zone=zone,
                                            waiting_weeks=waiting_weeks)
        elif item.auto == AutoCheck.GOALS_MEASURED:
            found[item.id] = goals_measured(goals, start=start, end=end, by_month=by_month)
        elif item.auto == AutoCheck.GAINS_DOCUMENTED:
            found[item.id] = gains_documented(cards, start=start, end=end, zone=zone)
    return found


def meetings_held(meetings: Iterable[Meeting], *, start: date, end: date, zone: tzinfo) -> Finding:
    """A board meeting in each week of the period: all of them Ja, at least half Delvis, fewer Nei."""
    weeks = weeks_of(start, end)
    held = {_monday(m.started_at.astimezone(zone).date()) for m in meetings}
    count = sum(1 for w in weeks if w in held)
    if not weeks:
        return Finding(Verdict.NOT_APPLICABLE, 'audit.auto_no_weeks')
    return Finding(_share(count, len(weeks)), 'audit.auto_meetings', {'held': count, 'weeks': len(weeks)})


def ideas_answered(cards: Iterable[Card], *, start: date, end: date, now: datetime, zone: tzinfo,
                   waiting_weeks: int) -> Finding:
    """Ideas that came in during the period and were answered (taken into Pågår, parked, declined or done) within
    ``waiting_weeks``. An idea still waiting whose time has not yet run out is not counted either way."""
    limit = timedelta(weeks=waiting_weeks)
    in_time = counted = 0
    for card in cards:
        if not start <= card.created_at.astimezone(zone).date() <= end:
            continue
        answers = [m for m in (card.answered_at, card.started_at, card.finished_at) if m is not None]
        answered = min(answers) if answers else None
        if answered is None and card.column == Column.IDEAS and now - card.created_at <= limit:
            continue  # not yet late
        counted += 1
        if answered is not None and answered - card.created_at <= limit:
            in_time += 1
    if not counted:
        return Finding(Verdict.NOT_APPLICABLE, 'audit.auto_no_ideas')
    return Finding(_share(in_time, counted), 'audit.auto_ideas', {'answered': in_time, 'ideas': counted,
                                                                  'weeks': waiting_weeks})


def goals_measured(goals: Iterable[tuple[Goal, Sequence[GoalValue]]], *, start: date, end: date,
                   by_month: bool) -> Finding:
    """Each goal on the board has a value in each week (a month's audit) or each month (a half-year's) of the
    period. A goal without a measure counts as not measured: measuring is what the item asks for."""
    slots = months_of(start, end) if by_month else weeks_of(start, end)
    goals = [(g, v) for g, v in goals if not g.retired]
    if not goals:
        return Finding(Verdict.NO, 'audit.auto_no_goals')
    measured = 0
    for goal, values in goals:
        days = [v.on for v in values if not v.deleted and goal.measure is not None]
        seen = {(d.year, d.month) for d in days} if by_month else {_monday(d) for d in days}
        if slots and all(s in seen for s in slots):
            measured += 1
    key = 'audit.auto_goals_month' if by_month else 'audit.auto_goals_week'
    return Finding(_share(measured, len(goals)), key, {'measured': measured, 'goals': len(goals)})


def gains_documented(cards: Iterable[Card], *, start: date, end: date, zone: tzinfo) -> Finding:
    """Improvements finished in the period with their gain recorded: all Ja, at least half Delvis, fewer Nei.
    The facts also say how many of those gains are realised."""
    finished = [c for c in cards if c.column == Column.DONE and c.finished_at is not None
                and start <= c.finished_at.astimezone(zone).date() <= end]
    if not finished:
        return Finding(Verdict.NOT_APPLICABLE, 'audit.auto_no_finished')
    with_gain = [c for c in finished if c.gain is not None]
    realised = sum(1 for c in with_gain if c.gain is not None and c.gain.realised_on is not None)
    return Finding(_share(len(with_gain), len(finished)), 'audit.auto_gains',
                   {'with_gain': len(with_gain), 'finished': len(finished), 'realised': realised})


def _share(met: int, of: int) -> Verdict:
    if met >= of:
        return Verdict.YES
    return Verdict.PARTLY if 2 * met >= of else Verdict.NO


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


# --- checking what people type ----------------------------------------------------------------------------------------

def validate_item_text(text: str) -> list[Problem]:
    if not text.strip():
        return [Problem('text', 'error.text_empty')]
    if len(text) > ITEM_TEXT_MAX:
        return [Problem('text', 'error.description_too_long', {'max': ITEM_TEXT_MAX, 'length': len(text)})]
    if _CONTROL.search(text):
        return [Problem('text', 'error.control_characters')]
    return []


def validate_note(note: str) -> list[Problem]:
    if len(note) > NOTE_MAX:
        return [Problem('note', 'error.description_too_long', {'max': NOTE_MAX, 'length': len(note)})]
    if _CONTROL.search(note):
        return [Problem('note', 'error.control_characters')]
    return []


def parse_verdict(value: object) -> Verdict:
    """A verdict from a page or a file; anything else is refused with a Norwegian message."""
    try:
        return Verdict(str(value))
    except ValueError:
        raise RuleViolation([Problem('verdict', 'audit.bad_verdict')]) from None


def finding_title(item: ChecklistItem, prefix: str) -> str:
    """A card's title for a finding: ``prefix`` ("Revisjon:") and the item's text, within a card title's length."""
    title = f'{prefix} {item.text}'.strip()
    return title if len(title) <= TITLE_MAX else title[:TITLE_MAX - 1].rstrip() + '…'


# --- the templates as the municipality's documents describe the work ------------------------------------------------

def default_items(kind: AuditKind) -> tuple[ChecklistItem, ...]:
    """The checklist a kind starts with (admins edit it): drawn from the municipality's Lean model, phase 5
    (ukentlige tavlemøter, metoder og verktøy, dokumentasjon) and phase 6 (revisjoner, gevinstrealisering)."""
    common = (
        ChecklistItem(id='meetings', text='Ukentlige tavlemøter er holdt', auto=AutoCheck.MEETINGS),
        ChecklistItem(id='ideas', text='Nye ideer er besvart innen fristen', auto=AutoCheck.IDEAS_ANSWERED),
        ChecklistItem(id='goals', text='Målene på tavla er målt jevnlig', auto=AutoCheck.GOALS_MEASURED),
        ChecklistItem(id='gains', text='Gevinster av ferdige forbedringer er dokumentert',
                      auto=AutoCheck.GAINS_DOCUMENTED),
        ChecklistItem(id='board', text='Tavla er oppdatert, med ansvarlig og frist på det som pågår'),
        ChecklistItem(id='meeting_form', text='Tavlemøtet holder seg til 15-20 minutter, og alle kommer til orde'),
        ChecklistItem(id='pdca', text='Forbedringer følges gjennom PUKK (planlegge, utføre, kontrollere, korrigere)'),
        ChecklistItem(id='before_after', text='Det er målt før og etter endringene'),
        ChecklistItem(id='recognition', text='Leder etterspør resultater og anerkjenner innsats'),
    )
    if kind == AuditKind.INTERNAL:
        return (*common, ChecklistItem(id='five_s', text='Arbeidsplassen er ryddet etter 5S'))
    return (
        *common,
        ChecklistItem(id='activity_plan', text='Aktivitetsplanen og 12-månedersplanen er fulgt opp'),
        ChecklistItem(id='team', text='Forbedringsteamet er på plass, og tillitsvalgte og verneombud er involvert'),
        ChecklistItem(id='methods', text='Metoder og verktøy (5S, verdistrømanalyse, 5 x hvorfor) er tatt i bruk'),
        ChecklistItem(id='realised', text='Identifiserte gevinster er realisert i ny verdiskaping'),
        ChecklistItem(id='training', text='Nye medarbeidere og ny leder har fått opplæring'),
    )
