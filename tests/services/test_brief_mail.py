"""The leaders' brief and weekly summary, delivered to a real SMTP server on 127.0.0.1 (aiosmtpd) and read back.

A seeded board with a meeting time; the mailer runs at chosen moments (its clock is a parameter) and the server's
inbox is what the tests look at: the brief's content, once and only once (also across a restart at sending time),
opt-out, counts only, a wrong password and an unreachable server (retried with back-off), and the demo's .eml files.
"""

from __future__ import annotations

import email
import email.policy
import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from board import admin, citizens
from board.brief import brief_facts
from board.domain import Card, CardFields, Column, Escalation, Gain, GainCategory, Meeting, NoteKind, Origin, Unit
from board.domain.mail import MailState
from board.domain.meeting_time import MeetingTime
from board.i18n import translator
from board.mailer import OUTBOX_FOLDER, Mailer
from board.settings import Settings
from board.store import Store
from board.users import BriefChoice, Grant

from ..factories import OTHER_UNIT, UNIT, seeded_store

# AUTH without TLS is refused by the hub's default (STARTTLS); a test server on the loopback has no certificate
pytestmark = pytest.mark.filterwarnings('ignore:Requiring AUTH while not requiring TLS:UserWarning')

OSLO = ZoneInfo('Europe/Oslo')
#: Monday afternoon: avdeling A meets Tuesday 09:00, so its brief is due from Monday 15:00
MONDAY = datetime(2026, 11, 30, 15, 30, tzinfo=OSLO)
FRIDAY = datetime(2026, 12, 4, 12, 5, tzinfo=OSLO)
PUBLIC = 'https://tavla.kommune.no'
HOSTILE = 'Gammel idé <b>fet</b> & «sitat»'


# --- a real SMTP server --------------------------------------------------------------------------------------------

@dataclass
class Inbox:
    """What the SMTP server received."""
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content,
                                                      policy=email.policy.default))  # type: ignore[arg-type]
        self.recipients.append(list(envelope.rcpt_tos))
        return '250 OK'


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    inbox: Inbox
    port: int


@pytest.fixture
def smtp() -> Iterator[Server]:
    inbox = Inbox()
    controller = Controller(inbox, hostname='127.0.0.1', port=free_port())
    controller.start()
    yield Server(inbox, controller.port)
    controller.stop()


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b'tavla', b'riktig-passord')
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_with_login() -> Iterator[Server]:
    inbox = Inbox()
    # AUTH without TLS on the loopback only: a test server has no certificate (the hub uses STARTTLS by default)
    controller = Controller(inbox, hostname='127.0.0.1', port=free_port(), authenticator=authenticator,
                            auth_required=True, auth_require_tls=False)
    controller.start()
    yield Server(inbox, controller.port)
    controller.stop()


# --- a seeded board --------------------------------------------------------------------------------------------------

@pytest.fixture
def board(tmp_path: Path) -> Iterator[Store]:
    clock = {'now': MONDAY}
    store = seeded_store(tmp_path / 'data', now=lambda: clock['now'], timezone=OSLO)
    seed(store)
    yield store
    store.close()


def seed(store: Store) -> None:
    now = store.now()
    store.set_meeting_time(UNIT, MeetingTime(weekday=2, at=time(9, 0)))
    last = datetime(2026, 11, 24, 9, 0, tzinfo=OSLO)
    store.record_meeting(Meeting(id='m1', unit_id=UNIT, started_at=last, ended_at=last + timedelta(minutes=15),
                                 present=7, decisions=('Innføre ny vaktbok',)))
    gain = Gain(categories=(GainCategory.QUALITY,), hours_per_week=2.0, identified_on=date(2026, 11, 20))
    store.import_cards(UNIT, [
        Card(id='ny', unit_id=UNIT, title='Ny idé om vaktrom', created_at=now - timedelta(days=2)),
        Card(id='gammel', unit_id=UNIT, title=HOSTILE, created_at=now - timedelta(weeks=5)),
        Card(id='sen', unit_id=UNIT, title='Rydde medisinrommet', column=Column.DOING, owner='Lise',
             due=date(2026, 11, 20), created_at=now - timedelta(weeks=3), started_at=now - timedelta(weeks=2)),
        Card(id='ferdig', unit_id=UNIT, title='Ny rutine for vogna', column=Column.DONE, created_at=now - timedelta(
            weeks=3), started_at=now - timedelta(weeks=2), finished_at=now - timedelta(days=3), gain=gain),
    ])
    leaders = (('kari', f'unit:{UNIT}', 'kari@kommune.no'), ('ola', 'area:helse', 'ola@kommune.no'),
               ('nils', f'unit:{UNIT}', ''))
    for username, role, address in leaders:
        admin.set_user(store, username, name=username.capitalize(), grants=[Grant.parse(role)],
                       password='et langt nok passord', email=address)


def settings_for(store: Store, port: int | None = None, **values: Any) -> Settings:
    smtp = {'smtp_host': '127.0.0.1', 'smtp_port': port, 'smtp_starttls': False} if port else {}
    return Settings(data_dir=store.folder, public_url=PUBLIC, mail_from='Forbedringstavla <tavla@kommune.no>',
                    **smtp, **values)


def mailer(store: Store, settings: Settings) -> Mailer:
    return Mailer(store, settings, translator('nb'))


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(('plain',))
    html = message.get_body(('html',))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


# --- the brief -------------------------------------------------------------------------------------------------------

async def test_the_brief_arrives_the_afternoon_before_the_meeting_with_what_the_leader_should_know(board, smtp):
    sender = mailer(board, settings_for(board, smtp.port))
    await sender.start()
    assert await sender.check(datetime(2026, 11, 30, 14, 59, tzinfo=OSLO)) == []  # before 15:00 the day before
    assert smtp.inbox.messages == []
    [record] = await sender.check(MONDAY)
    assert record.state == MailState.SENT
    [message] = smtp.inbox.messages
    assert smtp.inbox.recipients == [['kari@kommune.no']]  # ola gets the summary, nils has no address
    assert message['Subject'] == 'Tavlemøte tirsdag kl. 09:00: Avdeling A'
    assert message['To'] == 'kari@kommune.no'
    text, html = parts(message)
    for part in (text, html):
        assert 'Avdeling A har tavlemøte tirsdag kl. 09:00' in part
        assert 'Nye ideer siden forrige tavlemøte: 1' in part and 'Ny idé om vaktrom' in part
        assert 'Ideer som har ventet lenge på svar: 1' in part
        assert 'Kort over frist: 1' in part and 'Rydde medisinrommet (20.11.2026, Lise)' in part
        assert 'Gevinster som venter på bekreftelse: 1' in part and 'Ny rutine for vogna' in part
        assert 'Forrige tavlemøte: 24.11.2026, 15 minutter, 7 til stede.' in part and 'Innføre ny vaktbok' in part
        assert f'{PUBLIC}/units/{UNIT}' in part and f'{PUBLIC}/leder/enheter/{UNIT}' in part
        assert 'Løftet' not in part  # no escalations yet: the heading is left out
    assert HOSTILE in text  # plain text as typed
    assert 'Gammel idé &lt;b&gt;fet&lt;/b&gt; &amp; «sitat»' in html and '<b>fet</b>' not in html  # never markup
    assert f'<a href="{PUBLIC}/units/{UNIT}">' in html
    # the next minutes and a restart send nothing more
    assert await sender.check(MONDAY + timedelta(minutes=1)) == []
    assert len(smtp.inbox.messages) == 1


async def test_area_leaders_get_the_weekly_summary_by_unit_on_friday(board, smtp):
    sender = mailer(board, settings_for(board, smtp.port))
    await sender.check(FRIDAY - timedelta(minutes=10))
    assert smtp.inbox.messages == []
    await sender.check(FRIDAY)
    [message] = smtp.inbox.messages
    assert smtp.inbox.recipients == [['ola@kommune.no']]
    assert message['Subject'] == 'Forbedringstavla uke 49: 1 enheter'
    text, _ = parts(message)
    assert '== Avdeling A ==' in text and 'Kort over frist: 1' in text and 'Skole B' not in text  # helse only
    await sender.check(FRIDAY + timedelta(days=1))
    assert len(smtp.inbox.messages) == 1


async def test_a_leader_who_chose_none_gets_nothing_and_one_who_chose_the_summary_gets_it(board, smtp):
    await board.run(admin.set_user, board, 'kari', brief=BriefChoice.NONE)
    await board.run(admin.set_user, board, 'ola', brief=BriefChoice.NONE)
    sender = mailer(board, settings_for(board, smtp.port))
    await sender.check(MONDAY)
    await sender.check(FRIDAY)
    assert smtp.inbox.messages == []
    await board.run(admin.set_user, board, 'kari', brief=BriefChoice.SUMMARY)
    await sender.check(FRIDAY + timedelta(minutes=1))
    assert smtp.inbox.recipients == [['kari@kommune.no']]


async def test_counts_only_sends_counts_and_links_and_no_text_from_the_cards(board, smtp):
    sender = mailer(board, settings_for(board, smtp.port, brief_counts_only=True))
    await sender.check(MONDAY)
    [message] = smtp.inbox.messages
    text, html = parts(message)
    for part in (text, html):
        assert 'Nye ideer siden forrige tavlemøte: 1' in part and 'Kort over frist: 1' in part
        assert 'Beslutninger: 1' in part and f'{PUBLIC}/units/{UNIT}' in part
        for secret in ('vaktrom', 'fet', 'medisinrommet', 'vogna', 'vaktbok', 'Lise'):
            assert secret not in part


# --- never twice ------------------------------------------------------------------------------------------------------

class Killed(BaseException):
    """The hub's process ends while the mail is being handed over (a power cut, a kill)."""


@dataclass
class DiesWhileSending:
    def describe(self) -> str:
        return 'a server the hub dies talking to'

    def send(self, message: EmailMessage) -> None:
        raise Killed


async def test_a_restart_at_sending_time_never_sends_the_brief_twice(tmp_path, smtp):
    folder = tmp_path / 'data'
    store = seeded_store(folder, now=lambda: MONDAY, timezone=OSLO)
    seed(store)
    first = Mailer(store, settings_for(store, smtp.port), translator('nb'),
                   transport=DiesWhileSending())  # type: ignore[arg-type]
    with pytest.raises(Killed):
        await first.check(MONDAY)
    store.close()
    # the hub starts again: the record says "sending", so the mail may have arrived: it is not sent again
    store = Store(folder, now=lambda: MONDAY, timezone=OSLO).open()
    [record] = store.mail.all()
    assert record.state == MailState.SENDING
    again = mailer(store, settings_for(store, smtp.port))
    await again.start()
    assert await again.check(MONDAY + timedelta(minutes=1)) == []
    assert smtp.inbox.messages == []
    [record] = store.mail.all()
    assert record.state == MailState.UNCERTAIN and 'stopped while sending' in record.error
    store.close()


# --- bad input: a wrong password, an unreachable server ---------------------------------------------------------------

async def test_a_wrong_password_is_logged_with_the_reason_and_retried_with_back_off(board, smtp_with_login, caplog):
    secrets = board.folder / 'secrets'
    secrets.mkdir(exist_ok=True)
    (secrets / 'smtp_password').write_text('feil-passord\n')
    sender = mailer(board, settings_for(board, smtp_with_login.port, smtp_user='tavla'))
    [record] = await sender.check(MONDAY)
    assert record.state == MailState.FAILED and record.attempts == 1
    assert 'refused the login' in record.error and '535' in record.error
    assert record.next_try == MONDAY + timedelta(minutes=1)
    assert any('refused the login' in r.getMessage() for r in caplog.records if r.levelname == 'WARNING')
    assert await sender.check(MONDAY + timedelta(seconds=30)) == []  # waits for its back-off
    (secrets / 'smtp_password').write_text('riktig-passord\n')  # IT fixes it: no restart needed
    [record] = await sender.check(MONDAY + timedelta(minutes=1))
    assert record.state == MailState.SENT and record.attempts == 2
    assert smtp_with_login.inbox.recipients == [['kari@kommune.no']]


async def test_an_unreachable_server_is_retried_at_1_5_15_60_minutes_then_given_up(board, caplog):
    sender = mailer(board, settings_for(board, free_port()))  # nothing listens there
    moment = MONDAY
    waits = []
    for _ in range(5):
        [record] = await sender.check(moment)
        assert record.state == MailState.FAILED and 'could not be reached' in record.error
        assert record.next_try is not None
        waits.append(record.next_try - moment)
        moment = record.next_try
    assert waits == [timedelta(minutes=m) for m in (1, 5, 15, 60, 60)]
    # the meeting begins: what was not sent is given up, and said so
    [record] = await sender.check(datetime(2026, 12, 1, 9, 0, tzinfo=OSLO))
    assert record.state == MailState.GAVE_UP
    assert any('never sent' in r.getMessage() for r in caplog.records if r.levelname == 'ERROR')


# --- the demo ------------------------------------------------------------------------------------------------------

async def test_without_a_mail_server_each_mail_is_an_eml_file_named_in_the_log(board, caplog):
    caplog.set_level(logging.INFO, logger='board.mailer')
    sender = mailer(board, settings_for(board))
    await sender.start()
    folder = board.folder / OUTBOX_FOLDER
    assert any(str(folder) in r.getMessage() for r in caplog.records)
    await sender.check(MONDAY)
    [written] = list(folder.glob('*.eml'))
    message = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert message['Subject'] == 'Tavlemøte tirsdag kl. 09:00: Avdeling A'
    assert 'Ny idé om vaktrom' in parts(message)[0]  # type: ignore[arg-type]


async def test_the_demo_has_meeting_times_and_leaders_with_addresses_so_its_outbox_fills(tmp_path):
    from board.demo import demo_logins, seed_demo
    store = Store(tmp_path / 'demo', now=lambda: MONDAY, timezone=OSLO).open()
    try:
        seed_demo(store)
        demo_logins(store, tmp_path / 'demo' / 'secrets')
        assert sum(1 for u in store.organisation.units if store.meeting_time(u.id)) >= 6
        sender = mailer(store, settings_for(store))
        # the week through: every unit leader's brief the day before each meeting, and the Friday summaries
        for hours in range(0, 7 * 24, 1):
            await sender.check(MONDAY + timedelta(hours=hours))
        written = list((store.folder / OUTBOX_FOLDER).glob('*.eml'))
        subjects = {email.message_from_bytes(p.read_bytes(), policy=email.policy.default)['Subject'] for p in written}
        solsiden = [s for s in subjects if s.startswith('Tavlemøte ') and s.endswith('Solsiden sykehjem, avdeling 1')]
        assert solsiden, subjects
        assert any(s.startswith('Forbedringstavla uke ') for s in subjects), subjects
        assert all(r.state == MailState.SENT for r in store.mail.all())
    finally:
        store.close()


async def test_the_record_keeps_three_months_of_mail(board):
    from board.domain.mail import MailKind, MailRecord
    old = MailRecord(key='brief:kari:avd-a:2026-06-02', kind=MailKind.BRIEF, username='kari', unit_id=UNIT,
                     on=date(2026, 6, 2), to='kari@kommune.no', state=MailState.SENT, attempts=1,
                     first_try=datetime(2026, 6, 1, 15, 0, tzinfo=OSLO), last_try=datetime(2026, 6, 1, 15, 0,
                                                                                          tzinfo=OSLO))
    await board.run(board.mail.put, old)
    await mailer(board, settings_for(board)).check(MONDAY)
    assert [r.key for r in board.mail.all()] == [f'brief:kari:{UNIT}:2026-12-01']


async def test_the_brief_lists_lifts_waiting_for_an_answer_and_the_answers_to_the_leaders_questions(board, smtp):
    card = board.create_card(UNIT, CardFields(title='Heisen står hver uke'))
    board.escalate(UNIT, card.id, 'Vi eier ikke bygget')
    note = board.add_leader_note(UNIT, NoteKind.QUESTION, 'Hvordan går det med fallene?', origin=Origin.LEADER,
                                 by='Kari')
    board.handle_leader_note(UNIT, note.id, 'Ned fra fem til tre')
    other = board.add_leader_note(UNIT, NoteKind.QUESTION, 'Et spørsmål fra en annen', origin=Origin.LEADER,
                                  by='Ola')
    board.handle_leader_note(UNIT, other.id, 'Et svar til en annen')
    sender = mailer(board, settings_for(board, smtp.port))
    await sender.start()
    await sender.check(MONDAY)
    [message] = smtp.inbox.messages
    text, html = parts(message)
    for part in (text, html):
        assert 'Heisen står hver uke' in part and 'Helse og omsorg' in part
        assert 'Hvordan går det med fallene?' in part and 'Ned fra fem til tre' in part
        assert 'Et svar til en annen' not in part  # Kari's answers only


# --- why a card was lifted, and the citizens' ideas waiting for a leader ----------------------------------------------

def lines_of(message: EmailMessage) -> tuple[str, str]:
    """The text and HTML parts with the mail's CRLF line ends as plain newlines (to check whole lines)."""
    text, html = parts(message)
    return text.replace('\r\n', '\n'), html.replace('\r\n', '\n')


HOSTILE_REASON = 'Vi eier ikke <b>bygget</b>\n& «vaktmesteren» svarer ikke'


async def test_each_lift_waiting_for_an_answer_gives_its_reason_on_one_line_never_as_markup(board, smtp):
    card = board.create_card(UNIT, CardFields(title='Heisen står hver uke'))
    board.escalate(UNIT, card.id, HOSTILE_REASON)
    sender = mailer(board, settings_for(board, smtp.port))
    await sender.check(MONDAY)
    text, html = lines_of(smtp.inbox.messages[0])
    assert ('  - Heisen står hver uke (Helse og omsorg, 30.11.2026) – begrunnelse: Vi eier ikke <b>bygget</b> '
            '& «vaktmesteren» svarer ikke\n') in text  # as typed, the line break made a space
    assert ('<li>Heisen står hver uke (Helse og omsorg, 30.11.2026) – begrunnelse: Vi eier ikke &lt;b&gt;bygget'
            '&lt;/b&gt; &amp; «vaktmesteren» svarer ikke</li>') in html
    assert '<b>bygget</b>' not in html


async def test_a_lift_without_a_reason_has_no_dangling_dash(board, smtp):
    lifted = Escalation(to='helse', to_name='Helse og omsorg', reason=' \n ', at=MONDAY - timedelta(days=1))
    board.import_cards(UNIT, [Card(id='heis', unit_id=UNIT, title='Heisen står', created_at=MONDAY - timedelta(
        days=3), escalation=lifted)])
    sender = mailer(board, settings_for(board, smtp.port))
    await sender.check(MONDAY)
    text, html = lines_of(smtp.inbox.messages[0])
    assert 'Løftet – venter svar: 1' in text
    assert '  - Heisen står (Helse og omsorg, 29.11.2026)\n' in text
    assert '<li>Heisen står (Helse og omsorg, 29.11.2026)</li>' in html
    for part in (text, html):
        assert 'begrunnelse' not in part and ') –' not in part


async def test_counts_only_counts_the_lifts_and_never_gives_their_reason(board, smtp):
    card = board.create_card(UNIT, CardFields(title='Heisen står hver uke'))
    board.escalate(UNIT, card.id, 'Vi eier ikke bygget')
    sender = mailer(board, settings_for(board, smtp.port, brief_counts_only=True))
    await sender.check(MONDAY)
    text, html = lines_of(smtp.inbox.messages[0])
    for part in (text, html):
        assert 'Løftet – venter svar: 1' in part
        assert 'Heisen' not in part and 'bygget' not in part and 'begrunnelse' not in part


def queue_citizens_ideas(store: Store) -> None:
    """Two ideas waiting in the unit's queue, one declined (no longer waiting), one waiting at another unit."""
    citizens.receive(store, UNIT, 'Lengre åpningstid i kafeen', 'Min mor Randi savner kaffen', 'randi@example.no')
    citizens.receive(store, UNIT, 'Benker i hagen', '', '')
    declined = citizens.receive(store, UNIT, 'Avslått forslag', '', 'per@example.no')
    citizens.decline(store, UNIT, declined.id, 'Ikke vårt ansvar', by='Kari')
    citizens.receive(store, OTHER_UNIT, 'Et forslag til skolen', '', '')


@pytest.mark.parametrize('counts_only', [False, True])
async def test_the_brief_counts_the_citizens_ideas_waiting_with_the_link_to_the_queue_and_nothing_of_them(
        board, smtp, counts_only):
    queue_citizens_ideas(board)
    sender = mailer(board, settings_for(board, smtp.port, brief_counts_only=counts_only))
    await sender.check(MONDAY)
    text, html = lines_of(smtp.inbox.messages[0])
    queue = f'{PUBLIC}/leder/enheter/{UNIT}'
    assert ('Forslag fra innbyggere som venter på godkjenning: 2\n'
            f'  Godkjenn eller avslå på enhetssiden: {queue}\n') in text
    assert 'Forslag fra innbyggere som venter på godkjenning: 2</h3>' in html
    assert f'<a href="{queue}">Godkjenn eller avslå på enhetssiden</a>' in html
    for part in (text, html):  # personal data: never in a mail
        for secret in ('åpningstid', 'Randi', 'randi@example.no', 'Benker', 'Avslått', 'per@example.no', 'skolen'):
            assert secret not in part


async def test_a_unit_without_citizens_ideas_waiting_shows_nothing_of_them(board, smtp):
    declined = citizens.receive(board, UNIT, 'Avslått forslag', '', '')
    citizens.decline(board, UNIT, declined.id, 'Ikke vårt ansvar', by='Kari')
    sender = mailer(board, settings_for(board, smtp.port))
    await sender.check(MONDAY)
    text, html = lines_of(smtp.inbox.messages[0])
    for part in (text, html):
        assert 'innbyggere' not in part and 'Godkjenn eller avslå' not in part


async def test_a_unit_with_only_citizens_ideas_waiting_is_not_quiet_in_the_summary(board, smtp):
    board.add_unit(Unit(id='avd-c', name='Avdeling C', service_area_id='helse'))
    board.add_unit(Unit(id='avd-d', name='Avdeling D', service_area_id='helse'))
    citizens.receive(board, 'avd-c', 'Benker i hagen', '', '')
    sender = mailer(board, settings_for(board, smtp.port))
    await sender.check(FRIDAY)
    [message] = smtp.inbox.messages
    text, _ = lines_of(message)
    unit_c = text.partition('== Avdeling C ==')[2].partition('== Avdeling D ==')[0]
    unit_d = text.partition('== Avdeling D ==')[2]
    assert 'Forslag fra innbyggere som venter på godkjenning: 1' in unit_c
    assert f'{PUBLIC}/leder/enheter/avd-c' in unit_c and 'Ingenting som venter på deg' not in unit_c
    assert 'Ingenting som venter på deg denne uka.' in unit_d and 'innbyggere' not in unit_d


def test_waiting_citizens_ideas_alone_are_something_to_point_out(board):
    settings = settings_for(board)
    unit = board.organisation.unit(OTHER_UNIT)
    assert unit is not None
    assert brief_facts(board, settings, unit, now=MONDAY).quiet
    citizens.receive(board, OTHER_UNIT, 'Et forslag til skolen', '', '')
    facts = brief_facts(board, settings, unit, now=MONDAY)
    assert facts.citizens_waiting == 1 and not facts.quiet
