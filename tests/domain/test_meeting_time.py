"""Each unit's meeting time: the next meeting, the proposal from its recorded meetings, the organisation file's
columns, and the leaders' e-mail and choice of mail as stored."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from board import admin
from board.domain import Meeting, RuleViolation
from board.domain.meeting_time import MeetingTime, propose_meeting_time
from board.orgfile import OrganisationFileError, parse_organisation_bytes
from board.store import Store
from board.users import BriefChoice, Grant

from ..factories import UNIT

OSLO = ZoneInfo('Europe/Oslo')


def meeting(start: datetime, number: int = 0) -> Meeting:
    return Meeting(id=f'm{number}', unit_id=UNIT, started_at=start, ended_at=start + timedelta(minutes=15))


def test_the_next_meeting_is_the_first_start_after_now_in_the_boards_time_zone():
    tuesday_nine = MeetingTime(weekday=2, at=time(9, 0))
    monday = datetime(2026, 11, 30, 15, 0, tzinfo=OSLO)
    assert tuesday_nine.next_start(monday, OSLO) == datetime(2026, 12, 1, 9, 0, tzinfo=OSLO)
    during = datetime(2026, 12, 1, 9, 0, tzinfo=OSLO)
    assert tuesday_nine.next_start(during, OSLO) == datetime(2026, 12, 8, 9, 0, tzinfo=OSLO)
    # across the change to summer time the meeting stays at 09:00 local time
    assert tuesday_nine.next_start(datetime(2027, 3, 26, 12, 0, tzinfo=OSLO), OSLO).hour == 9


def test_the_proposal_is_the_most_common_weekday_and_its_usual_start_rounded_to_15_minutes():
    starts = [datetime(2026, 11, 3, 9, 2), datetime(2026, 11, 10, 9, 9), datetime(2026, 11, 12, 13, 0),
              datetime(2026, 11, 17, 8, 56), datetime(2026, 11, 24, 9, 11)]
    meetings = [meeting(s.replace(tzinfo=OSLO), n) for n, s in enumerate(starts)]
    assert propose_meeting_time(meetings, OSLO) == MeetingTime(weekday=2, at=time(9, 0))
    assert propose_meeting_time(meetings[:1], OSLO) is None  # one meeting says nothing of a habit
    late = [meeting(datetime(2026, 11, day, 14, 20, tzinfo=OSLO), day) for day in (5, 12, 19)]
    assert propose_meeting_time(late, OSLO) == MeetingTime(weekday=4, at=time(14, 15))


def test_meeting_times_are_stored_in_the_organisation_and_survive_a_restart(store: Store):
    store.set_meeting_time(UNIT, MeetingTime.parse(3, '13:30'))
    folder = store.folder
    store.close()
    with Store(folder, read_only=True) as again:
        assert again.meeting_time(UNIT) == MeetingTime(weekday=3, at=time(13, 30))
    with Store(folder) as again:
        again.set_meeting_time(UNIT, None)
        assert again.meeting_time(UNIT) is None
        with pytest.raises(ValueError, match='unknown unit'):
            again.set_meeting_time('nope', MeetingTime.parse(1, '09:00'))
    store.open()


def test_the_organisation_file_may_give_each_units_meeting_day_and_time():
    parsed = parse_organisation_bytes('tjenesteområde;enhet;enhet_id;møtedag;møtetid\n'
                                      'Helse;Avdeling A;avd-a;tirsdag;09:00\n'
                                      'Helse;Avdeling B;avd-b;;\n'
                                      'Oppvekst;Skole C;skole-c;Tor;13:15\n'.encode(), 'org.csv')
    assert parsed.meeting_times == {'avd-a': MeetingTime(weekday=2, at=time(9)),
                                    'skole-c': MeetingTime(weekday=4, at=time(13, 15))}
    toml = parse_organisation_bytes(b'[[service_areas]]\nname = "Helse"\nunits = [{ id = "a", name = "A", '
                                    b'meeting_day = 5, meeting_time = "08:30" }]\n', 'org.toml')
    assert toml.meeting_times == {'a': MeetingTime(weekday=5, at=time(8, 30))}
    with pytest.raises(OrganisationFileError) as refused:
        parse_organisation_bytes('tjenesteområde;enhet;møtedag;møtetid\nHelse;A;fredagen;09:00\n'
                                 'Helse;B;mandag;9\nHelse;C;;10:00\n'.encode(), 'org.csv')
    assert [p.split(':')[0] for p in refused.value.problems] == ['line 2', 'line 3', 'line 4']


def test_a_leaders_address_and_choice_are_stored_and_checked(store: Store):
    admin.set_user(store, 'kari', name='Kari', grants=[Grant.parse(f'unit:{UNIT}')], password='et langt nok passord',
                   email=' kari@kommune.no ')
    admin.set_user(store, 'ola', name='Ola', grants=[Grant.parse('area:helse')], password='et langt nok passord')
    kari, ola = store.accounts.user('kari'), store.accounts.user('ola')
    assert kari is not None and ola is not None
    assert (kari.email, kari.brief, kari.brief_choice) == ('kari@kommune.no', None, BriefChoice.BRIEF)
    assert (ola.email, ola.brief_choice) == ('', BriefChoice.SUMMARY)
    admin.set_user(store, 'kari', brief=BriefChoice.NONE)
    assert store.accounts.user('kari').brief_choice == BriefChoice.NONE  # type: ignore[union-attr]
    admin.set_user(store, 'kari', brief=None)  # back to the default for the role
    assert store.accounts.user('kari').brief_choice == BriefChoice.BRIEF  # type: ignore[union-attr]
    for bad in ('kari', 'kari@kommune', 'kari@kommune.no\r\nBcc: alle@kommune.no', 'a b@kommune.no'):
        with pytest.raises(RuleViolation):
            admin.set_user(store, 'kari', email=bad)
    assert store.accounts.user('kari').email == 'kari@kommune.no'  # type: ignore[union-attr]
    admin.set_user(store, 'kari', email='')
    assert store.accounts.user('kari').email == ''  # type: ignore[union-attr]
