"""The leaders' overview figures per unit, computed from cards, goals and meetings (plain Python)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from board.domain import Card, Column, Goal, GoalStatus, Meeting, Organisation, ServiceArea, Unit
from board.gains import summarise
from board.overview import unit_overview

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
UNIT = Unit(id='u', name='U', service_area_id='a')
ORG = Organisation(name='K', service_areas=(ServiceArea(id='a', name='A'),), units=(UNIT,))
EMPTY = summarise([], ORG, full_time_week=37.5)


def card(card_id: str, *, days_ago: float, column: Column = Column.IDEAS, due: date | None = None) -> Card:
    created = NOW - timedelta(days=days_ago)
    return Card(id=card_id, unit_id='u', title=card_id, column=column, created_at=created, due=due,
                stamps={'title': f'{int(created.timestamp() * 1000):013d}-00000-hub'})


def test_counts_waiting_ideas_overdue_and_news_since_the_last_meeting() -> None:
    meeting = Meeting(id='m', unit_id='u', started_at=NOW - timedelta(days=3, minutes=15),
                      ended_at=NOW - timedelta(days=3))
    cards = [card('old-idea', days_ago=30), card('fresh-idea', days_ago=1),
             card('late', days_ago=10, column=Column.DOING, due=NOW.date() - timedelta(days=1)),
             card('done', days_ago=10, column=Column.DONE, due=NOW.date() - timedelta(days=5))]
    goals = [Goal(id='g', unit_id='u', name='G', colour='#000000', status=GoalStatus.OFF_TRACK)]
    item = unit_overview(UNIT, cards, goals, [meeting], EMPTY, now=NOW, waiting_weeks=3)
    assert item.counts == {Column.IDEAS: 2, Column.DOING: 1, Column.DONE: 1}
    assert (item.waiting_ideas, item.overdue) == (1, 1)  # a finished card is never overdue
    assert (item.new_cards, item.changed_cards) == (1, 0)
    assert not item.meeting_late
    assert item.attention == 2 * 1 + 1 + 3 * 1


def test_a_unit_without_meetings_needs_attention_and_counts_the_last_week_as_new() -> None:
    item = unit_overview(UNIT, [card('a', days_ago=2), card('b', days_ago=9)], [], [], EMPTY, now=NOW,
                         waiting_weeks=3)
    assert item.meeting_late and item.last_meeting is None
    assert item.new_cards == 1
    assert item.attention == 3


def test_a_parked_idea_is_answered_and_does_not_wait() -> None:
    import dataclasses

    from board.domain import Answer

    parked = dataclasses.replace(card('parked', days_ago=40), answer=Answer.PARKED,
                                 answered_at=NOW - timedelta(days=30))
    item = unit_overview(UNIT, [parked, card('waiting', days_ago=40)], [], [], EMPTY, now=NOW, waiting_weeks=3)
    assert item.waiting_ideas == 1


def test_parked_ideas_come_back_after_the_review_weeks_oldest_first() -> None:
    import dataclasses

    from board.domain import Answer
    from board.ui.meeting import parked_for_review

    def parked(card_id: str, weeks_ago: float) -> Card:
        return dataclasses.replace(card(card_id, days_ago=100), answer=Answer.PARKED,
                                   answered_at=NOW - timedelta(weeks=weeks_ago))

    cards = [parked('recent', 3.9), parked('exactly', 4), parked('older', 9), card('unanswered', days_ago=60),
             dataclasses.replace(parked('moved', 10), column=Column.DOING)]
    assert [c.id for c in parked_for_review(cards, NOW, 4)] == ['older', 'exactly']
