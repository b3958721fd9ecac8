"""What a leader sees of each unit before the weekly meetings: plain Python over the store's memory.

Per unit: cards per column, the goals' colours and status, ideas that have waited too long for an answer,
overdue cards, the last board meeting and what is new since then, gains identified and realised, and a
"needs attention" score to sort by. Reads only what the store holds in memory (the active boards) plus the
gains index, so 70 units with 100,000 cards of history take milliseconds (``bench/leaders.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .clock import stamp_ms
from .domain import Card, Column, EscalationState, Goal, GoalStatus, LeaderNote, Meeting, Unit
from .domain.audit import AuditDue, DueState
from .gains import GainsSummary
from .merge import newest_stamp

__all__ = ['NEW_WITHOUT_MEETING', 'UnitOverview', 'changed_since', 'last_change', 'unit_overview']

#: with no board meeting yet, "new" means the last week
NEW_WITHOUT_MEETING = timedelta(days=7)
#: a unit whose last meeting is older than this needs attention
MEETING_OVERDUE = timedelta(days=14)
#: a card lifted to the board above and not answered for this long counts on the overview
ESCALATION_UNANSWERED = timedelta(weeks=3)
#: the answers to a leader's questions stay on the overview this long
ANSWERS_SHOWN = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class UnitOverview:
    unit: Unit
    counts: dict[Column, int]
    goals: tuple[Goal, ...]
    waiting_ideas: int
    overdue: int
    last_meeting: Meeting | None
    new_since: datetime
    new_cards: int
    changed_cards: int
    identified: float
    realised: float
    last_activity: datetime | None
    #: no board meeting yet, or none for two weeks
    meeting_late: bool
    #: cards lifted to the board above more than :data:`ESCALATION_UNANSWERED` ago, still without an answer
    escalations_unanswered: int = 0
    #: the leaders' questions the unit's meetings answered lately, newest first (the answer returns to the leader)
    answers: tuple[LeaderNote, ...] = ()
    #: the next internal and external audit (revisjon), each in good time, due or overdue
    audits: tuple[AuditDue, ...] = ()

    @property
    def audits_shown(self) -> tuple[AuditDue, ...]:
        """The audits a leader should see on the tile: those due or overdue."""
        return tuple(a for a in self.audits if a.state != DueState.OK)

    @property
    def attention(self) -> int:
        """Higher needs a leader's look sooner: overdue work, unanswered ideas, goals off track, no meetings."""
        off_track = sum(1 for g in self.goals if g.status == GoalStatus.OFF_TRACK)
        at_risk = sum(1 for g in self.goals if g.status == GoalStatus.AT_RISK)
        return 2 * self.overdue + self.waiting_ideas + 3 * off_track + at_risk + (3 if self.meeting_late else 0) \
            + 2 * self.escalations_unanswered + sum(1 for a in self.audits if a.state == DueState.OVERDUE)


def last_change(card: Card) -> datetime:
    """When the card was last changed anywhere: its creation, or the newest of its change stamps."""
    newest = newest_stamp(card)
    if not newest:
        return card.created_at
    return max(card.created_at, datetime.fromtimestamp(stamp_ms(newest) / 1000, card.created_at.tzinfo))


def changed_since(card: Card, moment: datetime) -> bool:
    return last_change(card) > moment


def unit_overview(unit: Unit, cards: Iterable[Card], goals: Iterable[Goal], meetings: list[Meeting],
                  gains: GainsSummary, *, now: datetime, waiting_weeks: int,
                  notes: Iterable[LeaderNote] = (), audits: Iterable[AuditDue] = ()) -> UnitOverview:
    """One unit's tile. ``goals``: as the board shows them now (with the status their values give);
    ``notes``: the leaders' questions and praise for the unit; ``audits``: when its next audits are due."""
    today: date = now.date()
    counts = dict.fromkeys(Column, 0)
    waiting = overdue = new = changed = 0
    last_meeting = meetings[-1] if meetings else None
    since = last_meeting.ended_at if last_meeting else now - NEW_WITHOUT_MEETING
    waiting_cutoff = now - timedelta(weeks=waiting_weeks)
    latest: datetime | None = None
    unanswered = 0
    for card in cards:
        if card.deleted:
            continue
        lifted = card.escalation
        if lifted is not None and lifted.state == EscalationState.WAITING and lifted.at < now - ESCALATION_UNANSWERED:
            unanswered += 1
        counts[card.column] += 1
        if card.column == Column.IDEAS and card.answer is None and card.created_at < waiting_cutoff:  # parked: answered
            waiting += 1
        if card.is_overdue(today):
            overdue += 1
        changed_at = last_change(card)
        latest = changed_at if latest is None else max(latest, changed_at)
        if card.created_at > since:
            new += 1
        elif changed_at > since:
            changed += 1
    totals = gains.units.get(unit.id)
    return UnitOverview(unit=unit, counts=counts, goals=tuple(goals), waiting_ideas=waiting, overdue=overdue,
                        last_meeting=last_meeting, new_since=since, new_cards=new, changed_cards=changed,
                        identified=totals.identified if totals else 0.0,
                        realised=totals.realised if totals else 0.0, last_activity=latest,
                        meeting_late=last_meeting is None or last_meeting.ended_at < now - MEETING_OVERDUE,
                        escalations_unanswered=unanswered, audits=tuple(audits),
                        answers=tuple(sorted((n for n in notes if n.answer and not n.deleted and n.answered_at
                                              and n.answered_at >= now - ANSWERS_SHOWN),
                                             key=lambda n: n.answered_at or n.created_at, reverse=True)))
