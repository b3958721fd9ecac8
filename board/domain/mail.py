"""The durable record of each mail to a leader (a brief before a meeting, a weekly summary) and its retry rules.

Sending is **at most once**: a record is written as ``sending`` (durably) before the mail server is contacted, and
``sent`` after it accepted the mail. A record still ``sending`` when the hub starts means the hub stopped in the
middle of handing it over: whether it arrived cannot be known, so it becomes ``uncertain`` and is never sent again
(the admin page shows it). A failure that certainly delivered nothing (the server could not be reached, refused
the login or the mail) is ``failed`` and tried again after 1, 5, 15 and then every 60 minutes, until a day after the
first try: then ``gave_up``, shown on the admin page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

__all__ = ['BACKOFF', 'GIVE_UP_AFTER', 'MailKind', 'MailRecord', 'MailState', 'mail_key']

#: the wait before the 1st, 2nd, 3rd ... retry; the last one repeats
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(minutes=60))
#: a mail not sent this long after its first try is given up (the meeting it was for has passed)
GIVE_UP_AFTER = timedelta(days=1)


class MailKind(StrEnum):
    BRIEF = 'brief'      # before one unit's meeting
    SUMMARY = 'summary'  # an area or organisation leader's week, by unit


class MailState(StrEnum):
    SENDING = 'sending'      # written before the server is contacted
    SENT = 'sent'            # the server accepted it
    FAILED = 'failed'        # certainly not delivered; tried again at ``next_try``
    UNCERTAIN = 'uncertain'  # the hub stopped (or the connection broke) while handing it over: never sent again
    GAVE_UP = 'gave_up'      # failed for a day


def mail_key(kind: MailKind, username: str, unit_id: str, on: date) -> str:
    """One mail's identity: the same leader, unit (``*`` for a summary) and meeting date (summary: the week's
    Monday) is the same mail, whatever else changes."""
    return f'{kind.value}:{username}:{unit_id or "*"}:{on.isoformat()}'


@dataclass(kw_only=True, frozen=True, slots=True)
class MailRecord:
    key: str
    kind: MailKind
    username: str
    #: the unit of a brief; '' for a summary
    unit_id: str
    #: the meeting's date (a brief) or the week's Monday (a summary)
    on: date
    #: the address it went to
    to: str
    state: MailState
    attempts: int
    first_try: datetime
    last_try: datetime
    next_try: datetime | None = None
    #: why the last try failed, as the server or the network said it
    error: str = ''

    @property
    def settled(self) -> bool:
        """Nothing more will be tried."""
        return self.state in (MailState.SENT, MailState.UNCERTAIN, MailState.GAVE_UP)

    def may_try(self, now: datetime) -> bool:
        return self.state == MailState.FAILED and (self.next_try is None or self.next_try <= now)

    def failed(self, reason: str, now: datetime) -> MailRecord:
        """This try certainly delivered nothing: try again after the back-off, or give up after a day."""
        if now - self.first_try >= GIVE_UP_AFTER:
            return replace(self, state=MailState.GAVE_UP, error=reason, next_try=None)
        wait = BACKOFF[min(self.attempts, len(BACKOFF)) - 1]
        return replace(self, state=MailState.FAILED, error=reason, next_try=now + wait)
