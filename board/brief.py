"""The leaders' mail: what is due when, the facts of each unit, and the brief or weekly summary as an e-mail.

A leader chooses (``User.brief_choice``) the **brief** the afternoon before each meeting of each unit they lead
(``brief_time`` the day before the unit's meeting time, in the board's time zone), the **weekly summary** of their
units (``summary_weekday`` at ``summary_time``), or nothing. Each mail is plain text and HTML from the Jinja2
templates in ``board/templates/`` (the HTML autoescaped: a card's title never becomes markup), in the board's
language. With ``brief_counts_only`` the mails give counts and links only, never a card's text or a decision.

Extension points (the other parts of the leaders' work fill them; empty lists are not shown):

- :func:`escalations_waiting`: the unit's matters raised to a board above that wait for an answer
  (:class:`EscalationFact`, with the reason the unit gave), shown as *Løftet – venter svar*;
- :func:`leader_answers`: answers to the questions this leader asked the unit's meeting (:class:`LeaderAnswerFact`);
- :func:`citizens_waiting`: how many ideas from citizens wait in the unit's moderation queue (on the leaders' unit
  page). The count only: a citizen's text and address are personal data and never go into a mail.

Plain Python over the store's memory; the sending is ``board.mailer``'s.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path

import jinja2

from .domain import Card, Column, Escalation, EscalationState, Meeting, Unit
from .domain.mail import MailKind, mail_key
from .gains import GainEntry
from .i18n import Translator
from .settings import Settings
from .store import Store
from .users import BriefChoice, User

__all__ = ['BriefFacts', 'CardFact', 'DueMail', 'EscalationFact', 'LeaderAnswerFact', 'brief_facts',
           'citizens_waiting', 'due_mails', 'escalations_waiting', 'leader_answers', 'render_mail']

TEMPLATES = Path(__file__).resolve().parent / 'templates'
#: most cards listed under one heading of one unit; the rest are counted ("and 4 more")
LIST_AT_MOST = 10


@dataclass(frozen=True, slots=True)
class CardFact:
    """One card as the mail lists it."""
    title: str
    #: since when (an idea), or its deadline (overdue work), or when its gain was identified
    on: date
    owner: str = ''


@dataclass(frozen=True, slots=True)
class EscalationFact:
    """A matter the unit raised to a board above that waits for an answer (extension point: see the module)."""
    title: str
    #: the board it went to (a service area's, the leadership group's)
    to_board: str
    raised_on: date
    #: why the unit lifted it (*Løft til …*), on one line; '' for none
    reason: str = ''


@dataclass(frozen=True, slots=True)
class LeaderAnswerFact:
    """The unit's answer to a question this leader asked (extension point: see the module)."""
    question: str
    answer: str
    answered_on: date


@dataclass(frozen=True, slots=True)
class BriefFacts:
    """What a leader should know of one unit before its meeting: new and waiting ideas, overdue cards, gains waiting
    for confirmation, the last meeting, and links to the board and the leaders' unit page."""
    unit: Unit
    #: the next meeting's start (local time), if the unit has a meeting time
    meeting: datetime | None
    new_ideas: tuple[CardFact, ...]
    waiting_ideas: tuple[CardFact, ...]
    overdue: tuple[CardFact, ...]
    gains_waiting: tuple[CardFact, ...]
    last_meeting: Meeting | None
    board_url: str
    leader_url: str
    #: escalations waiting for an answer (filled by :func:`escalations_waiting`)
    escalations: list[EscalationFact] = field(default_factory=list)
    #: answers to this leader's questions (filled by :func:`leader_answers`)
    leader_answers: list[LeaderAnswerFact] = field(default_factory=list)
    #: citizens' ideas waiting for a leader's approval (filled by :func:`citizens_waiting`; the queue is on the
    #: leaders' unit page, ``leader_url``): a count, never their text
    citizens_waiting: int = 0

    @property
    def quiet(self) -> bool:
        """Nothing to point out (the summary says so in one line)."""
        return not (self.new_ideas or self.waiting_ideas or self.overdue or self.gains_waiting or self.escalations
                    or self.leader_answers or self.citizens_waiting)


@dataclass(frozen=True, slots=True)
class DueMail:
    """A mail that is due now, for one leader: a brief for one unit, or a summary of their units."""
    kind: MailKind
    user: User
    units: tuple[Unit, ...]
    #: the meeting's date (a brief) or the week's Monday (a summary)
    on: date
    #: the meeting's start (a brief)
    meeting: datetime | None = None

    @property
    def key(self) -> str:
        return mail_key(self.kind, self.user.username, self.units[0].id if self.kind == MailKind.BRIEF else '',
                        self.on)


def due_mails(store: Store, settings: Settings, now: datetime) -> list[DueMail]:
    """Every mail due at ``now`` (sent or not: the caller asks the record); memory only.

    A brief is due from ``brief_time`` the day before the unit's next meeting until it begins; a summary from
    ``summary_weekday`` at ``summary_time`` until the week ends. Leaders without an e-mail address get nothing
    (the admin page lists them).
    """
    zone = settings.zone
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.isoweekday() - 1)
    summary_at = datetime.combine(monday + timedelta(days=settings.summary_weekday - 1), settings.summary_time,
                                  tzinfo=zone)
    due = []
    organisation = store.organisation
    for user in store.accounts.all():
        if user.disabled or not user.email:
            continue
        units = user.led_units(organisation)
        if not units:
            continue
        choice = user.brief_choice
        if choice == BriefChoice.BRIEF:
            for unit in units:
                meeting_time = store.meeting_time(unit.id)
                if meeting_time is None:
                    continue
                start = meeting_time.next_start(now, zone)
                send_at = datetime.combine(start.date() - timedelta(days=1), settings.brief_time, tzinfo=zone)
                if send_at <= now:
                    due.append(DueMail(kind=MailKind.BRIEF, user=user, units=(unit,), on=start.date(), meeting=start))
        elif choice == BriefChoice.SUMMARY and summary_at <= now:
            due.append(DueMail(kind=MailKind.SUMMARY, user=user, units=tuple(units), on=monday))
    return due


def brief_facts(store: Store, settings: Settings, unit: Unit, *, now: datetime, leader: User | None = None,
                meeting: datetime | None = None, gains: Sequence[GainEntry] | None = None) -> BriefFacts:
    """The facts of one unit for one leader (``leader``: whose questions' answers to include). ``gains``: every
    unit's gain entries, read once for many units (else read here)."""
    cards = [c for c in store.cards(unit.id) if c.on_board]
    last = store.last_meeting(unit.id)
    since = last.ended_at if last is not None else now - timedelta(days=7)
    waiting_cutoff = now - timedelta(weeks=settings.idea_waiting_weeks)
    ideas = [c for c in cards if c.column == Column.IDEAS and c.answer is None]
    waiting = [c for c in ideas if c.created_at < waiting_cutoff]
    new = [c for c in ideas if c.created_at > since and c not in waiting]
    today = now.astimezone(settings.zone).date()
    overdue = sorted((c for c in cards if c.is_overdue(today)), key=lambda c: (c.due or today, c.id))
    waiting_gains = sorted((e for e in (store.gain_entries() if gains is None else gains)
                            if e.unit_id == unit.id and e.finished and e.realised_on is None),
                           key=lambda e: (e.identified_on, e.card_id))
    base = settings.base_url
    return BriefFacts(
        unit=unit, meeting=meeting.astimezone(settings.zone) if meeting else None,
        new_ideas=tuple(_fact(c, c.created_at.astimezone(settings.zone).date()) for c in _oldest(new)),
        waiting_ideas=tuple(_fact(c, c.created_at.astimezone(settings.zone).date()) for c in _oldest(waiting)),
        overdue=tuple(_fact(c, c.due or today) for c in overdue),
        gains_waiting=tuple(CardFact(title=e.title, on=e.identified_on) for e in waiting_gains),
        last_meeting=last, board_url=f'{base}/units/{unit.id}', leader_url=f'{base}/leder/enheter/{unit.id}',
        escalations=escalations_waiting(store, unit, now=now),
        leader_answers=leader_answers(store, unit, leader, now=now) if leader is not None else [],
        citizens_waiting=citizens_waiting(store, unit))


# --- extension points: the escalations, the leaders' questions and the citizens' queue fill these --------------

def escalations_waiting(store: Store, unit: Unit, *, now: datetime) -> list[EscalationFact]:
    """The unit's cards lifted to the board above that wait for an answer, oldest first."""
    return [_escalation_fact(card, card.escalation, now) for card in store.escalations(unit.id)
            if card.escalation is not None and card.escalation.state == EscalationState.WAITING]


def _escalation_fact(card: Card, escalation: Escalation, now: datetime) -> EscalationFact:
    return EscalationFact(title=card.title, to_board=escalation.to_name or escalation.to,
                          raised_on=escalation.at.astimezone(now.tzinfo).date(),
                          reason=' '.join(escalation.reason.split()))  # one line: a list item in the mail


#: a leader's brief repeats the answers to their questions given this recently (a brief goes at least weekly)
ANSWERS_SINCE = timedelta(days=7)


def leader_answers(store: Store, unit: Unit, leader: User, *, now: datetime) -> list[LeaderAnswerFact]:
    """The answers the unit's meetings gave to ``leader``'s questions in the last week, oldest first."""
    zone = now.tzinfo
    return [LeaderAnswerFact(question=note.text, answer=note.answer,
                             answered_on=note.answered_at.astimezone(zone).date())
            for note in store.leader_notes(unit.id)
            if note.by == leader.name and note.answer and note.answered_at is not None
            and note.answered_at >= now - ANSWERS_SINCE]


def citizens_waiting(store: Store, unit: Unit) -> int:
    """How many ideas from citizens wait for a leader of the unit to approve or decline them."""
    return len(store.citizen_ideas.pending(unit.id))


# --- the mail ----------------------------------------------------------------------------------------------------

def render_mail(t: Translator, settings: Settings, due: DueMail, facts: Sequence[BriefFacts], *,
                now: datetime) -> EmailMessage:
    """The brief or summary as an e-mail: plain text and HTML, in the board's language."""
    zone = settings.zone
    counts_only = settings.brief_counts_only
    values = {'t': t, 'facts': facts, 'due': due, 'counts_only': counts_only, 'leader': due.user,
              'list_at_most': LIST_AT_MOST, 'weekday': lambda moment: t(f'weekday.d{moment.isoweekday()}'),
              'day': t.date, 'clock': lambda moment: f'{moment.astimezone(zone):%H:%M}',
              'week': due.on.isocalendar().week, 'overview_url': f'{settings.base_url}/leder',
              'summary': due.kind == MailKind.SUMMARY}
    if due.kind == MailKind.BRIEF:
        meeting = due.meeting or now
        subject = t('mail.brief_subject', unit=due.units[0].name, weekday=t(f'weekday.d{meeting.isoweekday()}'),
                    time=f'{meeting.astimezone(zone):%H:%M}')
    else:
        subject = t('mail.summary_subject', week=due.on.isocalendar().week, units=len(due.units))
    message = EmailMessage()
    message['Subject'] = subject
    message['From'] = settings.mail_from
    message['To'] = due.user.email
    message['Date'] = format_datetime(now)
    domain = parseaddr(settings.mail_from)[1].rpartition('@')[2] or 'forbedringstavla.invalid'
    # the same mail has the same id: a mail server or client that sees it twice can tell
    message['Message-ID'] = f'<{hashlib.sha256(due.key.encode()).hexdigest()[:32]}@{domain}>'
    message['Auto-Submitted'] = 'auto-generated'  # no out-of-office replies to the hub
    message.set_content(_TEXT.get_template('brief.txt').render(**values))
    message.add_alternative(_HTML.get_template('brief.html').render(**values), subtype='html')
    return message


def _fact(card: Card, on: date) -> CardFact:
    return CardFact(title=card.title, on=on, owner=card.owner)


def _oldest(cards: list[Card]) -> list[Card]:
    return sorted(cards, key=lambda c: (c.created_at, c.id))


_OPTIONS = {'loader': jinja2.FileSystemLoader(TEMPLATES), 'undefined': jinja2.StrictUndefined,
            'trim_blocks': True, 'lstrip_blocks': True, 'auto_reload': False}
#: the HTML part: every value escaped where it is inserted (a card's title is text, never markup)
_HTML = jinja2.Environment(autoescape=True, **_OPTIONS)  # type: ignore[arg-type]
#: the plain-text part: nothing to escape, and escaping would show "&amp;" to the reader
_TEXT = jinja2.Environment(autoescape=False, keep_trailing_newline=True, **_OPTIONS)  # type: ignore[arg-type]
