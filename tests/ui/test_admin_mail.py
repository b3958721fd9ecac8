"""The admin page's mail parts, through NiceGUI's simulated user: meeting times and the proposal accepted with one
tap, leaders without an e-mail address, a failing mail server shown with its reason while the hub keeps serving."""

from __future__ import annotations

import socket
from datetime import datetime, time, timedelta

from board import admin
from board.domain import Meeting
from board.domain.mail import MailState
from board.domain.meeting_time import MeetingTime
from board.mailer import SmtpTransport
from board.users import Grant

from ..conftest import Hub, off_loop
from ..factories import UNIT
from ..helpers import eventually

PASSWORD = 'et langt nok passord'


async def logged_in_admin(hub: Hub):
    await off_loop(admin.set_user, hub.store, 'it', name='IT', grants=[Grant.parse('admin')], password=PASSWORD)
    user = hub.new_user()
    response = await user.http_client.post('/login', data={'username': 'it', 'password': PASSWORD})
    assert response.status_code == 303, response.text
    return user


async def test_the_admin_accepts_the_meeting_time_proposed_from_the_recorded_meetings(hub: Hub):
    zone = hub.store.timezone
    for number, day in enumerate((3, 10, 17)):  # three Tuesdays, about 09:00
        start = datetime(2026, 11, day, 9, 4 * number, tzinfo=zone)
        await hub.do.record_meeting(Meeting(id=f'm{number}', unit_id=UNIT, started_at=start,
                                            ended_at=start + timedelta(minutes=15)))
    user = await logged_in_admin(hub)
    await user.open('/admin')
    [current] = user.find(marker=f'meeting-current-{UNIT}').elements
    assert current.text == 'Ingen møtetid'
    await user.should_see('Forslag fra møtene: tirsdag kl. 09:00')
    user.find(marker=f'accept-meeting-{UNIT}').click()
    await eventually(lambda: hub.store.meeting_time(UNIT) == MeetingTime(weekday=2, at=time(9, 0)))
    await user.should_see('Møtetiden er lagret: tirsdag kl. 09:00.')


async def test_the_admin_sets_a_meeting_time_by_hand(hub: Hub):
    user = await logged_in_admin(hub)
    await user.open('/admin')
    user.find(marker='meeting-unit').elements.pop().value = UNIT
    user.find(marker='meeting-weekday').elements.pop().value = 4
    user.find(marker='meeting-time').type('13:45')
    user.find(marker='save-meeting-time').click()
    await eventually(lambda: hub.store.meeting_time(UNIT) == MeetingTime(weekday=4, at=time(13, 45)))


async def test_leaders_without_an_address_are_listed_and_the_admin_gives_one(hub: Hub):
    await off_loop(admin.set_user, hub.store, 'nils', name='Nils Nilsen', grants=[Grant.parse(f'unit:{UNIT}')],
                   password=PASSWORD)
    await off_loop(admin.set_user, hub.store, 'kari', name='Kari', grants=[Grant.parse('area:helse')],
                   password=PASSWORD, email='kari@kommune.no')
    user = await logged_in_admin(hub)
    await user.open('/admin')
    user.find(marker='tab-mail').click()
    await user.should_see(marker='no-email-nils')
    await user.should_not_see(marker='no-email-kari')
    await user.should_not_see(marker='no-email-it')  # an admin without a leader's role gets no mail
    user.find(marker='tab-users').click()
    user.find(marker='edit-user-nils').click()
    user.find(marker='user-email').type('nils@kommune.no')
    user.find(marker='user-save').click()
    await eventually(lambda: hub.store.accounts.user('nils').email == 'nils@kommune.no')  # type: ignore[union-attr]
    await user.should_see(marker='no-missing-email')


async def test_a_mail_server_that_cannot_be_reached_is_shown_with_the_reason_and_the_hub_keeps_serving(hub: Hub,
                                                                                                    caplog):
    mailer = hub.context.mailer
    assert mailer is not None
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]  # nothing listens there once closed
    mailer.transport = SmtpTransport(host='127.0.0.1', port=port, starttls=False, user='', password=str)
    await off_loop(admin.set_user, hub.store, 'kari', name='Kari', grants=[Grant.parse(f'unit:{UNIT}')],
                   password=PASSWORD, email='kari@kommune.no')
    await hub.do.set_meeting_time(UNIT, MeetingTime(weekday=2, at=time(9, 0)))
    monday = datetime(2026, 11, 30, 16, 0, tzinfo=hub.store.timezone)
    [record] = await mailer.check(monday)
    assert record.state == MailState.FAILED
    assert any('could not be reached' in r.getMessage() for r in caplog.records if r.levelname == 'WARNING')
    user = await logged_in_admin(hub)
    await user.open('/admin')
    user.find(marker='tab-mail').click()
    await user.should_see(marker='mail-problem-kari')
    await user.should_see('Mislyktes, prøver igjen kl. 16:01')
    await user.should_see(content='could not be reached (ConnectionRefusedError')
    # meanwhile the hub serves its boards and its health check
    assert (await user.http_client.get('/status')).json()['status'] == 'ok'
    await user.open(f'/units/{UNIT}')
    await user.should_see('Avdeling A')


async def test_a_leader_chooses_their_own_mail_on_their_pages(hub: Hub):
    await off_loop(admin.set_user, hub.store, 'kari', name='Kari', grants=[Grant.parse(f'unit:{UNIT}')],
                   password=PASSWORD)
    user = hub.new_user()
    assert (await user.http_client.post('/login', data={'username': 'kari', 'password': PASSWORD})).status_code == 303
    await user.open('/leder/epost')
    await user.should_see('Standard for rollen din: Orientering før hvert tavlemøte.')
    user.find(marker='my-email').type('kari@')
    user.find(marker='my-mail-save').click()
    await user.should_see('Skriv en gyldig e-postadresse', retries=20)
    user.find(marker='my-email').clear().type('kari@kommune.no')
    user.find(marker='my-brief').elements.pop().value = 'summary'
    user.find(marker='my-mail-save').click()
    await eventually(lambda: hub.store.accounts.user('kari').email == 'kari@kommune.no')  # type: ignore[union-attr]
    kari = hub.store.accounts.user('kari')
    assert kari is not None and kari.brief_choice.value == 'summary' and kari.grants == (Grant.parse(f'unit:{UNIT}'),)
