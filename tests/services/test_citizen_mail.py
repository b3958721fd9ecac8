"""The outcome mail to a citizen who left an address: sent once, then the address erased; a failure tried again
for a while, then given up with the address erased; a hub that stopped while sending never sends it twice."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage

import pytest

from board import citizens
from board.domain.citizen import OUTCOME_TRIES_FOR, IdeaState, OutcomeMail
from board.i18n import translator
from board.mailer import MailFailed
from board.settings import Settings
from board.store import Store

from ..factories import UNIT, seeded_store


class Transport:
    """A mail server that takes the mails, or fails as told."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        self.failure: MailFailed | None = None

    def describe(self) -> str:
        return 'test'

    def send(self, message: EmailMessage) -> None:
        if self.failure is not None:
            raise self.failure
        self.sent.append(message)


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    opened = seeded_store(tmp_path / 'data')
    yield opened
    opened.close()


def decided(store: Store, *, email: str = 'kari@example.no', approve: bool = True) -> str:
    idea = citizens.receive(store, UNIT, 'Lengre åpningstid', '', email)
    if approve:
        citizens.approve(store, UNIT, idea.id, by='Leder')
    else:
        citizens.decline(store, UNIT, idea.id, 'Ikke nå', by='Leder')
    return idea.id


def send(store: Store, transport: Transport, **kwargs) -> list:
    settings = Settings(data_dir=store.folder)
    return asyncio.run(citizens.send_outcomes(store, settings, translator('nb'), transport, **kwargs))  # type: ignore[arg-type]


def test_nothing_is_sent_before_the_decision_nor_without_an_address(store: Store):
    transport = Transport()
    waiting = citizens.receive(store, UNIT, 'Venter', '', 'kari@example.no')
    decided(store, email='')
    assert send(store, transport) == [] and transport.sent == []
    assert store.citizen_ideas.get(waiting.id).email == 'kari@example.no'  # type: ignore[union-attr]


def test_the_address_is_erased_once_the_outcome_is_sent(store: Store):
    transport = Transport()
    idea_id = decided(store, approve=False)
    [written] = send(store, transport)
    assert (written.mail, written.email, written.state) == (OutcomeMail.SENT, '', IdeaState.DECLINED)
    [mail] = transport.sent
    assert mail['To'] == 'kari@example.no' and 'Begrunnelse: Ikke nå' in mail.get_content()
    assert 'kari@example.no' not in (store.folder / 'citizen-ideas.json').read_text()
    assert send(store, transport) == [] and len(transport.sent) == 1  # once
    assert store.citizen_ideas.get(idea_id).wants_answer  # type: ignore[union-attr]


def test_a_failure_is_tried_again_then_given_up_and_the_address_erased(store: Store):
    transport = Transport()
    idea_id = decided(store)
    transport.failure = MailFailed('the mail server could not be reached')
    [failed] = send(store, transport)
    assert (failed.mail, failed.email) == (OutcomeMail.FAILED, 'kari@example.no')
    later = store.now() + OUTCOME_TRIES_FOR + timedelta(minutes=1)
    [gave_up] = send(store, transport, now=later)
    assert (gave_up.mail, gave_up.email) == (OutcomeMail.GAVE_UP, '')
    assert send(store, transport) == []
    transport.failure = None
    assert send(store, transport) == [] and transport.sent == []
    assert store.citizen_ideas.get(idea_id).email == ''  # type: ignore[union-attr]


def test_a_mail_the_server_may_have_is_not_sent_again(store: Store):
    transport = Transport()
    decided(store)
    transport.failure = MailFailed('the connection broke', maybe_delivered=True)
    [written] = send(store, transport)
    assert (written.mail, written.email) == (OutcomeMail.GAVE_UP, '')


def test_a_hub_stopped_while_sending_erases_the_address_and_never_sends_twice(tmp_path):
    store = seeded_store(tmp_path / 'data')
    idea_id = decided(store)
    idea = store.citizen_ideas.get(idea_id)
    assert idea is not None
    store.citizen_ideas.put(dataclasses.replace(idea, mail=OutcomeMail.SENDING))
    store.close()
    again = Store(tmp_path / 'data').open()
    try:
        [settled] = again.citizen_ideas.settle_interrupted()
        assert (settled.mail, settled.email) == (OutcomeMail.GAVE_UP, '')
        transport = Transport()
        assert send(again, transport) == [] and transport.sent == []
    finally:
        again.close()
