"""An idea from an innbygger, bruker or pårørende, sent with a unit's public code, waiting for a leader's decision.

It is not a card: it waits on the hub (``citizen-ideas.json``, never synced) until a leader of the unit approves it
(then a card is made in Ideer, marked ``from_citizen``) or declines it with a reason (it never reaches the board).
Nothing of it is on a wall screen before the approval.

The sender may leave an e-mail address to hear the outcome. The address is kept only until the outcome is sent,
then erased (at most once, like the leaders' mail: ``sending`` is written before the mail server is contacted; a
hub that stopped in between erases the address at its next start rather than send twice). A mail that fails is
tried again for :data:`OUTCOME_TRIES_FOR`; then the address is erased unsent.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Protocol

from .model import Problem
from .validation import DESCRIPTION_MAX, SHORT_TEXT_MAX, TITLE_MAX

__all__ = ['EMAIL_MAX', 'OUTCOME_TRIES_FOR', 'CitizenFigures', 'CitizenIdea', 'IdeaState', 'OutcomeMail',
           'citizen_figures', 'validate_citizen_idea', 'validate_email', 'validate_reason']

#: the longest e-mail address taken (RFC 5321's limit for a path)
EMAIL_MAX = 254
#: an outcome mail that keeps failing is given up this long after the decision, and the address erased unsent
OUTCOME_TRIES_FOR = timedelta(days=3)
#: a plain address: something@domain.tld, no spaces, no angle brackets, no second @ (no header injection either)
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")


class IdeaState(StrEnum):
    PENDING = 'pending'    # waiting in the unit's queue on the leaders' page
    APPROVED = 'approved'  # on the board as a card (``card_id``), marked *Fra innbygger*
    DECLINED = 'declined'  # never on the board; ``reason`` says why


class OutcomeMail(StrEnum):
    NONE = ''             # no address left, or the outcome is not decided yet
    SENDING = 'sending'   # written before the mail server is contacted
    SENT = 'sent'         # sent; the address is erased
    FAILED = 'failed'     # not delivered; tried again (the address is kept until OUTCOME_TRIES_FOR has passed)
    GAVE_UP = 'gave_up'   # never sent (failed too long, or the hub stopped while sending): the address is erased


@dataclass(frozen=True, slots=True, kw_only=True)
class CitizenIdea:
    id: str
    unit_id: str
    title: str
    description: str = ''
    #: where to tell the outcome; '' when none was left or once it has been sent (erased)
    email: str = ''
    received_at: datetime
    state: IdeaState = IdeaState.PENDING
    decided_at: datetime | None = None
    #: the leader who approved or declined it (their name)
    decided_by: str = ''
    #: why it was declined (mailed to the sender if an address was left)
    reason: str = ''
    #: the card made when it was approved
    card_id: str = ''
    mail: OutcomeMail = OutcomeMail.NONE
    mail_error: str = ''
    #: whether the sender asked to hear the outcome (kept after the address is erased, for the leaders' page)
    wants_answer: bool = False

    @property
    def pending(self) -> bool:
        return self.state == IdeaState.PENDING

    @property
    def outcome_due(self) -> bool:
        """Decided, with an address, and the outcome not sent nor given up."""
        return (self.state != IdeaState.PENDING and bool(self.email)
                and self.mail in (OutcomeMail.NONE, OutcomeMail.FAILED))


def validate_email(address: str) -> list[Problem]:
    if not address:
        return []
    if len(address) > EMAIL_MAX or not _EMAIL.fullmatch(address):
        return [Problem('email', 'citizen.email_invalid')]
    return []


def validate_citizen_idea(title: str, description: str, email: str) -> list[Problem]:
    """What the public form checks (besides personal data): the idea is there and not too long, the address plain."""
    problems = []
    if not title:
        problems.append(Problem('title', 'citizen.title_empty'))
    elif len(title) > TITLE_MAX:
        problems.append(Problem('title', 'citizen.title_too_long', {'max': TITLE_MAX, 'length': len(title)}))
    if len(description) > DESCRIPTION_MAX:
        problems.append(Problem('description', 'citizen.description_too_long',
                                {'max': DESCRIPTION_MAX, 'length': len(description)}))
    for text, field in ((title, 'title'), (description, 'description')):
        if any(ord(c) < 32 and c not in '\n\r\t' for c in text):
            problems.append(Problem(field, 'citizen.bad_characters'))
    return problems + validate_email(email)


def validate_reason(reason: str) -> list[Problem]:
    """A decline needs a reason: the sender may read it, and the leader's colleagues will."""
    if not reason.strip():
        return [Problem('reason', 'citizen.reason_empty')]
    if len(reason.strip()) > SHORT_TEXT_MAX:
        return [Problem('reason', 'error.description_too_long', {'max': SHORT_TEXT_MAX, 'length': len(reason.strip())})]
    return []


@dataclass(frozen=True, slots=True)
class CitizenFigures:
    """What became of the ideas citizens sent in a period, as the programme reports its involvement of citizens."""
    received: int = 0
    approved: int = 0      # on the board, marked *Fra innbygger*
    declined: int = 0      # with a reason
    pending: int = 0       # still waiting for a leader
    mailed: int = 0        # the sender was told the outcome by e-mail
    #: the median days from an idea's arrival to its decision (decided ideas only; None if none is decided)
    median_days: float | None = None


class Days(Protocol):
    """A span of days (``board.gains.Period``)."""

    def __contains__(self, day: date | None, /) -> bool: ...


def citizen_figures(ideas: Iterable[CitizenIdea], period: Days, zone: tzinfo) -> CitizenFigures:
    """The ideas received in ``period`` (the day they arrived, where the municipality is) and where they are now."""
    received = [i for i in ideas if i.received_at.astimezone(zone).date() in period]
    waits = [(i.decided_at - i.received_at) / timedelta(days=1) for i in received
             if i.decided_at is not None and i.state != IdeaState.PENDING]
    return CitizenFigures(
        received=len(received),
        approved=sum(i.state == IdeaState.APPROVED for i in received),
        declined=sum(i.state == IdeaState.DECLINED for i in received),
        pending=sum(i.pending for i in received),
        mailed=sum(i.mail == OutcomeMail.SENT for i in received),
        median_days=statistics.median(waits) if waits else None)
