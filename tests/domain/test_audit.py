"""Audits: the items the data answers for a period, the score, when the next audit is due, merging answers."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from board.domain import Card, Column, Direction, Gain, GainCategory, Goal, GoalValue, Measure, Meeting
from board.domain.audit import (
    Audit,
    AuditKind,
    AutoCheck,
    ChecklistItem,
    DueState,
    ItemAnswer,
    Verdict,
    add_months,
    automatic_answers,
    default_items,
    due,
    finding_title,
    merge_answers,
    score,
    weeks_of,
)

OSLO = ZoneInfo('Europe/Oslo')
# November 2026: the weeks whose Thursday is in November are 45-48 (week 44's Thursday is 29 October, week 49's
# is 3 December)
START, END = date(2026, 11, 1), date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 15, tzinfo=UTC)


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=OSLO)


def meeting(day: int) -> Meeting:
    return Meeting(id=f'm{day}', unit_id='u', started_at=at(day), ended_at=at(day) + timedelta(minutes=15))


def idea(card_id: str, created: datetime, *, answered: datetime | None = None, started: datetime | None = None,
         column: Column = Column.IDEAS) -> Card:
    return Card(id=card_id, unit_id='u', title=card_id, column=column, created_at=created, answered_at=answered,
                started_at=started)


def finished(card_id: str, day: int, gain: Gain | None = None) -> Card:
    return Card(id=card_id, unit_id='u', title=card_id, column=Column.DONE, created_at=at(1), started_at=at(1),
                finished_at=at(day), gain=gain)


ITEMS = tuple(i for i in default_items(AuditKind.INTERNAL) if i.auto is not None)


def answers(**kwargs: object) -> dict[AutoCheck, object]:
    found = automatic_answers(ITEMS, start=START, end=END, now=NOW, zone=OSLO, waiting_weeks=3,
                              **({'cards': [], 'meetings': [], 'goals': []} | kwargs))  # type: ignore[arg-type]
    return {i.auto: found[i.id] for i in ITEMS if i.auto is not None}


def test_the_period_has_the_weeks_whose_thursday_is_in_it():
    assert [w.isocalendar().week for w in weeks_of(START, END)] == [45, 46, 47, 48]


def test_meetings_each_week_yes_half_partly_fewer_no():
    every = answers(meetings=[meeting(d) for d in (2, 9, 16, 23)])[AutoCheck.MEETINGS]
    assert every.verdict == Verdict.YES and every.params == {'held': 4, 'weeks': 4}
    # two meetings in one week count once; 30 November is week 49, which belongs to December
    half = answers(meetings=[meeting(2), meeting(3), meeting(9), meeting(30)])[AutoCheck.MEETINGS]
    assert half.verdict == Verdict.PARTLY and half.params['held'] == 2
    assert answers(meetings=[meeting(16)])[AutoCheck.MEETINGS].verdict == Verdict.NO


def test_ideas_answered_within_the_waiting_weeks():
    cards = [
        idea('parked-in-time', at(2), answered=at(10)),
        idea('started-in-time', at(3), started=at(5), column=Column.DOING),
        idea('answered-late', at(2), answered=at(28)),
        idea('still-waiting-but-not-late', at(25)),          # its three weeks have not run out: not counted
        idea('from-october', datetime(2026, 10, 20, tzinfo=OSLO)),  # outside the period
        Card(id='deleted', unit_id='u', title='x', created_at=at(2), deleted=True),
    ]
    found = answers(cards=cards)[AutoCheck.IDEAS_ANSWERED]
    assert found.params == {'answered': 2, 'ideas': 3, 'weeks': 3}
    assert found.verdict == Verdict.PARTLY
    assert answers(cards=[idea('late', at(2))])[AutoCheck.IDEAS_ANSWERED].verdict == Verdict.NO
    assert answers()[AutoCheck.IDEAS_ANSWERED].verdict == Verdict.NOT_APPLICABLE


def test_goals_measured_in_every_week_of_the_period():
    measure = Measure(unit='dager', better=Direction.DOWN, target=2)
    weekly = Goal(id='g1', unit_id='u', name='Ventetid', colour='#0072B2', measure=measure)
    gappy = Goal(id='g2', unit_id='u', name='Fall', colour='#0072B2', measure=measure)
    unmeasured = Goal(id='g3', unit_id='u', name='Trivsel', colour='#009E73')
    values = [GoalValue(goal_id='g1', unit_id='u', on=date(2026, 11, d), value=3) for d in (2, 10, 18, 26)]
    gaps = [GoalValue(goal_id='g2', unit_id='u', on=date(2026, 11, 2), value=1)]
    found = answers(goals=[(weekly, values), (gappy, gaps), (unmeasured, [])])[AutoCheck.GOALS_MEASURED]
    assert found.params == {'measured': 1, 'goals': 3} and found.verdict == Verdict.NO
    assert answers(goals=[(weekly, values)])[AutoCheck.GOALS_MEASURED].verdict == Verdict.YES
    assert answers()[AutoCheck.GOALS_MEASURED].verdict == Verdict.NO  # no goals on the board at all


def test_goals_of_a_half_year_need_a_value_each_month():
    measure = Measure(unit='%', better=Direction.UP, target=90)
    goal = Goal(id='g', unit_id='u', name='G', colour='#0072B2', measure=measure)
    values = [GoalValue(goal_id='g', unit_id='u', on=date(2026, m, 15), value=80) for m in range(6, 12)]
    items = tuple(i for i in default_items(AuditKind.EXTERNAL) if i.auto == AutoCheck.GOALS_MEASURED)
    found = automatic_answers(items, start=date(2026, 6, 1), end=date(2026, 11, 30), now=NOW, zone=OSLO, cards=[],
                              meetings=[], goals=[(goal, values)], waiting_weeks=3, by_month=True)
    assert found['goals'].verdict == Verdict.YES and found['goals'].key == 'audit.auto_goals_month'


def test_gains_documented_for_the_improvements_finished_in_the_period():
    gain = Gain(categories=(GainCategory.QUALITY,), hours_per_week=2, identified_on=date(2026, 11, 5))
    realised = Gain(categories=(GainCategory.QUALITY,), hours_per_week=1, identified_on=date(2026, 11, 5),
                    realised_on=date(2026, 11, 20), confirmed_by='Leder')
    october = dataclasses.replace(finished('october', 1, gain), finished_at=datetime(2026, 10, 3, tzinfo=OSLO))
    cards = [finished('a', 6, gain), finished('b', 12, realised), finished('c', 20), october]
    found = answers(cards=cards)[AutoCheck.GAINS_DOCUMENTED]
    assert found.params == {'with_gain': 2, 'finished': 3, 'realised': 1} and found.verdict == Verdict.PARTLY
    assert answers()[AutoCheck.GAINS_DOCUMENTED].verdict == Verdict.NOT_APPLICABLE


def test_score_counts_partly_as_half_and_leaves_out_not_applicable_and_unanswered():
    items = tuple(ChecklistItem(id=f'i{n}', text=f'Punkt {n}') for n in range(5))
    given = {'i0': Verdict.YES, 'i1': Verdict.PARTLY, 'i2': Verdict.NO, 'i3': Verdict.NOT_APPLICABLE}
    audit = _audit(items, {k: _answer(k, v, '0001') for k, v in given.items()})
    assert score(audit) == pytest.approx(1.5 / 3)
    assert [i.id for i in audit.findings] == ['i1', 'i2'] and audit.unanswered == 1
    assert score(_audit(items, {})) is None


def test_merge_keeps_the_newest_answer_of_each_item():
    first = {'a': _answer('a', Verdict.NO, '0001'), 'b': _answer('b', Verdict.YES, '0005')}
    second = {'a': _answer('a', Verdict.YES, '0003'), 'c': _answer('c', Verdict.PARTLY, '0002')}
    merged = merge_answers(first, second)
    assert {k: v.verdict for k, v in merged.items()} == {'a': Verdict.YES, 'b': Verdict.YES, 'c': Verdict.PARTLY}
    assert merge_answers(second, first) == merged  # the order of arrival does not matter


def test_due_monthly_and_half_yearly_from_the_last_audit_of_each_kind():
    today = date(2026, 11, 26)
    assert due(AuditKind.INTERNAL, [], today).state == DueState.DUE  # never audited: due now
    internal = _audit((), {}, created=datetime(2026, 10, 30, tzinfo=UTC))
    assert due(AuditKind.INTERNAL, [internal], today).state == DueState.DUE  # 30 November is within a week
    assert due(AuditKind.INTERNAL, [internal], date(2026, 11, 1)).state == DueState.OK
    late = due(AuditKind.INTERNAL, [internal], date(2026, 12, 1))
    assert late.state == DueState.OVERDUE and late.due_on == date(2026, 11, 30)
    external = _audit((), {}, created=datetime(2026, 6, 1, tzinfo=UTC), kind=AuditKind.EXTERNAL)
    assert due(AuditKind.EXTERNAL, [internal, external], today).state == DueState.DUE  # due 1 December: 30 days ahead
    assert due(AuditKind.EXTERNAL, [internal, external], date(2026, 10, 15)).state == DueState.OK
    assert due(AuditKind.EXTERNAL, [internal, external], date(2026, 12, 2)).state == DueState.OVERDUE
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)


def test_a_finding_becomes_a_title_within_a_cards_length():
    assert finding_title(ChecklistItem(id='x', text='Tavla er oppdatert'), 'Revisjon:') == \
        'Revisjon: Tavla er oppdatert'
    assert len(finding_title(ChecklistItem(id='x', text='a' * 300), 'Revisjon:')) == 200


def _answer(item_id: str, verdict: Verdict, stamp: str) -> ItemAnswer:
    return ItemAnswer(item_id=item_id, verdict=verdict, at=NOW, stamp=f'{int(stamp):013d}-00000-hub')


def _audit(items: tuple[ChecklistItem, ...], given: dict[str, ItemAnswer], *, created: datetime = NOW,
           kind: AuditKind = AuditKind.INTERNAL) -> Audit:
    return Audit(id='a', unit_id='u', kind=kind, period_start=START, period_end=END, auditor='Revisor',
                 created_at=created, items=items, answers=given)
