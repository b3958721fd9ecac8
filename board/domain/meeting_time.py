"""Each unit's weekly board meeting time (weekday and time of day), and the one proposed from its recorded meetings.

Plain Python: the store keeps the times in ``organisation.json`` (table ``meeting_times``), the brief is sent the
afternoon before the next one (``board.brief``), and the admin page offers the proposal with one tap.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from statistics import median

from .model import Meeting

__all__ = ['PROPOSAL_FROM', 'MeetingTime', 'propose_meeting_time']

#: the proposal looks at this many of the unit's last meetings
PROPOSAL_FROM = 8
#: ... and needs at least this many of them
PROPOSAL_NEEDS = 2
_ROUND_MINUTES = 15
_CLOCK = re.compile(r'^([01]\d|2[0-3]):([0-5]\d)$')


@dataclass(kw_only=True, frozen=True, slots=True)
class MeetingTime:
    """A unit's weekly board meeting: ISO weekday (1 Monday ... 7 Sunday) and the time it starts, local time."""
    weekday: int
    at: time

    def __post_init__(self) -> None:
        if not 1 <= self.weekday <= 7:
            raise ValueError(f'weekday must be 1 (Monday) to 7 (Sunday), not {self.weekday!r}')
        if self.at.tzinfo is not None or self.at.second or self.at.microsecond:
            raise ValueError('a meeting time is a local time of day in whole minutes')

    @classmethod
    def parse(cls, weekday: int | str, at: str) -> MeetingTime:
        """From a weekday (1-7) and ``HH:MM``; raises ValueError naming what is wrong."""
        try:
            day = int(weekday)
        except (TypeError, ValueError) as error:
            raise ValueError(f'weekday must be a whole number 1 (Monday) to 7 (Sunday), not {weekday!r}') from error
        found = _CLOCK.match(str(at).strip())
        if not found:
            raise ValueError(f'meeting time must be written HH:MM, such as "09:00", not {at!r}')
        return cls(weekday=day, at=time(int(found[1]), int(found[2])))

    @property
    def clock(self) -> str:
        return f'{self.at:%H:%M}'

    def next_start(self, after: datetime, zone: tzinfo) -> datetime:
        """The first meeting that starts later than ``after`` (an aware time), in ``zone``."""
        local = after.astimezone(zone)
        day = local.date() + timedelta(days=(self.weekday - local.isoweekday()) % 7)
        start = self.start_on(day, zone)
        return start if start > after else self.start_on(day + timedelta(days=7), zone)

    def start_on(self, day: date, zone: tzinfo) -> datetime:
        return datetime.combine(day, self.at, tzinfo=zone)


def propose_meeting_time(meetings: Sequence[Meeting], zone: tzinfo) -> MeetingTime | None:
    """The unit's usual meeting time from its last recorded meetings: the most common weekday among them (a tie:
    the most recent meeting's), and the middle (median) start time on that weekday rounded to 15 minutes. None with
    fewer than two meetings."""
    last = sorted(meetings, key=lambda m: m.started_at)[-PROPOSAL_FROM:]
    if len(last) < PROPOSAL_NEEDS:
        return None
    starts = [m.started_at.astimezone(zone) for m in last]
    counts = Counter(s.isoweekday() for s in starts)
    most = max(counts.values())
    weekday = next(s.isoweekday() for s in reversed(starts) if counts[s.isoweekday()] == most)
    minutes = median(s.hour * 60 + s.minute for s in starts if s.isoweekday() == weekday)
    rounded = int(round(minutes / _ROUND_MINUTES) * _ROUND_MINUTES) % (24 * 60)
    return MeetingTime(weekday=weekday, at=time(rounded // 60, rounded % 60))
