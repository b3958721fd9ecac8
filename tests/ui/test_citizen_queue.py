"""The citizens' ideas on the leaders' unit page (NiceGUI's simulated user, the whole hub app): approve puts the
idea on the board marked *Fra innbygger*, decline keeps it off the board for good; the outcome mail, and the
address erased after it; who may moderate and download the poster."""

from __future__ import annotations

import asyncio
import dataclasses
import email
import email.message
import email.policy
import io
import re
from pathlib import Path

from nicegui.testing import User as SimulatedUser
from pypdf import PdfReader

from board import citizens
from board.domain import Origin, RuleViolation
from board.domain.citizen import IdeaState, OutcomeMail
from board.mailer import OUTBOX_FOLDER
from board.store import CitizenIdeasChanged

from ..conftest import Hub
from ..factories import OTHER_UNIT, UNIT
from ..helpers import client, eventually, open_board, pair
from .test_leaders import logged_in


async def send_from_public_page(hub: Hub, title: str, **form: str) -> str:
    """A citizen sends an idea with the unit's public code; returns the idea's id."""
    assert hub.context.citizen_tokens is not None
    before = {i.id for i in hub.store.citizen_ideas.of_unit(UNIT)}
    client = hub.new_user().http_client
    response = await client.post(f'/i/{hub.context.citizen_tokens.current(UNIT)}', data={'title': title, **form},
                                 follow_redirects=False)
    assert response.status_code == 303, response.text
    [idea_id] = {i.id for i in hub.store.citizen_ideas.of_unit(UNIT)} - before
    return idea_id


def mails(hub: Hub) -> list[email.message.EmailMessage]:
    folder = Path(hub.context.settings.data_dir) / OUTBOX_FOLDER
    return [email.message_from_bytes(p.read_bytes(), _class=email.message.EmailMessage,  # type: ignore[arg-type]
                                      policy=email.policy.default)
            for p in sorted(folder.glob('*.eml'))] if folder.exists() else []


def body_of(message: email.message.EmailMessage) -> str:
    part = message.get_body(('plain',))
    assert part is not None
    return part.get_content()  # type: ignore[no-any-return]


async def test_an_approved_idea_goes_on_the_board_marked_and_the_sender_hears_once(hub: Hub):
    store = hub.store
    idea_id = await send_from_public_page(hub, 'Benker langs turveien', description='Mange må hvile.',
                                          email='kari@example.no')
    wall = await open_board(hub)
    await wall.should_not_see('Benker langs turveien')  # nothing on the wall before a leader approved it
    leader = await logged_in(hub, 'leder', f'unit:{UNIT}')
    await leader.open('/leder')
    await leader.should_see('Forslag fra innbyggere venter på svar: 1')  # the overview says where to look
    await leader.open(f'/leder/enheter/{UNIT}')
    await leader.should_see('Forslag fra innbyggere')
    await leader.should_see('1 forslag venter på svar')
    await leader.should_see('Benker langs turveien')
    await leader.should_see('Avsenderen vil ha svar på e-post.')
    await leader.should_not_see('kari@example.no')  # the address is for the answer only, shown to nobody
    leader.find(marker=f'citizen-approve-{idea_id}').click()
    leader.find(marker='citizen-title').clear()
    leader.find(marker='citizen-title').type('Benker langs turveien til senteret')
    leader.find(marker='citizen-approve-save').click()
    await leader.should_see('Forslaget er satt på tavla.')
    card_id = citizens.card_id_of(idea_id)
    await eventually(lambda: store.card(UNIT, card_id) is not None)
    card = store.card(UNIT, card_id)
    assert card is not None
    assert (card.title, card.description, card.from_citizen, card.unseen) == (
        'Benker langs turveien til senteret', 'Mange må hvile.', True, True)
    assert (card.origin, card.created_by) == (Origin.LEADER, 'Leder')  # who put it on the board
    await wall.should_see('Benker langs turveien til senteret')
    await wall.should_see('Fra innbygger')
    # the sender is told, and the address erased once the mail is sent
    await eventually(lambda: store.citizen_ideas.get(idea_id).mail == OutcomeMail.SENT,  # type: ignore[union-attr]
                     seconds=3)
    idea = store.citizen_ideas.get(idea_id)
    assert idea is not None and idea.state == IdeaState.APPROVED and idea.email == '' and idea.wants_answer
    [mail] = mails(hub)
    assert mail['To'] == 'kari@example.no' and mail['Subject'] == 'Forslaget ditt til Avdeling A'
    assert 'Benker langs turveien til senteret' in body_of(mail) and 'satt opp på enhetens forbedringstavle' in \
        body_of(mail) and 'E-postadressen din er nå slettet' in body_of(mail)
    assert 'kari@example.no' not in (Path(hub.context.settings.data_dir) / 'citizen-ideas.json').read_text()
    # once is all: the next check sends nothing
    assert await citizens.send_outcomes(store, hub.context.settings, hub.context.t,
                                        hub.context.mailer.transport) == []  # type: ignore[union-attr]
    assert len(mails(hub)) == 1
    await leader.should_see('Ingen forslag venter.')
    await leader.should_see('Godkjent')


async def test_a_declined_idea_never_reaches_the_board_and_the_reason_is_mailed(hub: Hub):
    store = hub.store
    idea_id = await send_from_public_page(hub, 'Gratis parkering for alle', email='per@example.no')
    leader = await logged_in(hub, 'leder', f'unit:{UNIT}')
    await leader.open(f'/leder/enheter/{UNIT}')
    leader.find(marker=f'citizen-decline-{idea_id}').click()
    leader.find(marker='citizen-decline-save').click()
    await leader.should_see('Skriv en begrunnelse.')  # a decline needs a reason
    leader.find(marker='citizen-reason').type('Parkeringen eies av kommunen sentralt, ikke av enheten.')
    leader.find(marker='citizen-decline-save').click()
    await leader.should_see('Forslaget er avslått.')
    await eventually(lambda: store.citizen_ideas.get(idea_id).mail == OutcomeMail.SENT,  # type: ignore[union-attr]
                     seconds=3)
    idea = store.citizen_ideas.get(idea_id)
    assert idea is not None and (idea.state, idea.email) == (IdeaState.DECLINED, '')
    [mail] = mails(hub)
    assert 'Parkeringen eies av kommunen sentralt' in body_of(mail) and 'tar det ikke med' in body_of(mail)
    # never on the board, in any state, nor in what a wall screen pulls
    assert store.card(UNIT, citizens.card_id_of(idea_id)) is None
    assert store.card_version(UNIT, citizens.card_id_of(idea_id)) is None
    assert all('parkering' not in c.title.lower() for c in store.changes_since(UNIT, 0)[0])
    wall = await open_board(hub)
    await wall.should_not_see('Gratis parkering for alle')
    await leader.should_see('Parkeringen eies av kommunen sentralt')  # under Behandlet


async def test_an_idea_decided_once_cannot_be_decided_again(hub: Hub):
    store = hub.store
    idea_id = await send_from_public_page(hub, 'Bedre skilting')
    await store.run(citizens.decline, store, UNIT, idea_id, 'Allerede bestilt', by='A')
    leader = await logged_in(hub, 'leder', f'unit:{UNIT}')
    await leader.open(f'/leder/enheter/{UNIT}')
    await leader.should_see('Ingen forslag venter.')
    for attempt in (lambda: citizens.approve(store, UNIT, idea_id, by='B'),
                    lambda: citizens.decline(store, UNIT, idea_id, 'igjen', by='B')):
        try:
            await store.run(attempt)
        except RuleViolation as refused:
            assert [p.key for p in refused.problems] == ['citizen.already_decided']
        else:
            raise AssertionError('decided twice')
    assert store.card(UNIT, citizens.card_id_of(idea_id)) is None


async def test_a_leader_decides_for_their_own_units_only(hub: Hub):
    idea_id = await send_from_public_page(hub, 'Lys i gangen')
    other = await logged_in(hub, 'rektor', f'unit:{OTHER_UNIT}')
    response = await other.http_client.get(f'/leder/enheter/{UNIT}')
    assert response.status_code == 403
    # the store's step checks the unit too: an idea of another unit is not found in this one's queue
    try:
        await hub.store.run(citizens.approve, hub.store, OTHER_UNIT, idea_id, by='Rektor')
    except RuleViolation:
        pass
    else:
        raise AssertionError('approved from another unit')
    assert hub.store.citizen_ideas.get(idea_id).pending  # type: ignore[union-attr]


async def test_the_poster_is_for_the_units_leaders(hub: Hub):
    anonymous = await hub.new_user().http_client.get(f'/leder/enheter/{UNIT}/innbyggerplakat.pdf')
    assert anonymous.status_code == 401
    other = await logged_in(hub, 'rektor', f'unit:{OTHER_UNIT}')
    assert (await other.http_client.get(f'/leder/enheter/{UNIT}/innbyggerplakat.pdf')).status_code == 403
    leader = await logged_in(hub, 'leder', f'unit:{UNIT}')
    pdf = await leader.http_client.get(f'/leder/enheter/{UNIT}/innbyggerplakat.pdf')
    assert pdf.status_code == 200 and pdf.content.startswith(b'%PDF')
    assert 'innbyggerplakat-avd-a.pdf' in pdf.headers['content-disposition']
    png = await leader.http_client.get(f'/leder/enheter/{UNIT}/innbyggerplakat.png')
    assert png.status_code == 200 and png.content.startswith(b'\x89PNG')
    assert (await leader.http_client.get(f'/leder/enheter/{UNIT}/innbyggerplakat.exe')).status_code == 404
    await leader.open(f'/leder/enheter/{UNIT}')
    await leader.should_see('Kode for innbyggere, brukere og pårørende')
    link = leader.find(marker='citizen-link').elements.pop()
    assert re.fullmatch(r'http://127\.0\.0\.1:8080/i/avd-a\.0\.0\.[\w-]{22}', link.props['href'])


# --- the queue is live: what arrives or is decided shows on every open queue of the unit, without a tap -----------

#: "within about a second": should_see looks again every 0.1 s
LIVE = 10


async def test_a_new_idea_appears_in_an_open_queue_without_a_tap(hub: Hub):
    leader = await logged_in(hub, 'leder', f'unit:{UNIT}')
    await leader.open(f'/leder/enheter/{UNIT}')
    await leader.should_see('Ingen forslag venter.')
    await leader.should_not_see(marker='citizen-refresh')  # nothing to press any more
    idea_id = await send_from_public_page(hub, 'Flere benker i parken')
    await leader.should_see('Flere benker i parken', retries=LIVE)
    await leader.should_see(marker=f'citizen-idea-{idea_id}')
    await leader.should_see('1 forslag venter på svar', retries=LIVE)


async def test_a_decision_on_one_leaders_page_leaves_the_others_open_queue(hub: Hub):
    idea_id = await send_from_public_page(hub, 'Lengre åpningstid i biblioteket')
    first = await logged_in(hub, 'leder', f'unit:{UNIT}')
    second = await logged_in(hub, 'nestleder', f'unit:{UNIT}')
    for leader in (first, second):
        await leader.open(f'/leder/enheter/{UNIT}')
        await leader.should_see(marker=f'citizen-idea-{idea_id}')
    first.find(marker=f'citizen-decline-{idea_id}').click()
    first.find(marker='citizen-reason').type('Åpningstiden bestemmes av kommunestyret.')
    first.find(marker='citizen-decline-save').click()
    # (not its notification: NiceGUI's simulated users share one ui.notify, and the second page, drawn at the same
    # moment, takes it over)
    await first.should_see(marker=f'citizen-decided-{idea_id}')
    await first.should_not_see(marker='citizen-decline-gone')  # decided here: no warning on this page
    await second.should_not_see(marker=f'citizen-idea-{idea_id}', retries=LIVE)
    await second.should_see('Ingen forslag venter.', retries=LIVE)
    await second.should_see(marker=f'citizen-decided-{idea_id}')  # under Behandlet, with the reason
    await second.should_see('Åpningstiden bestemmes av kommunestyret.')


async def test_what_a_leader_is_typing_survives_another_idea_arriving(hub: Hub):
    store = hub.store
    first_id = await send_from_public_page(hub, 'Gatelys ved skolen')
    leader = await logged_in(hub, 'leder', f'unit:{UNIT}')
    await leader.open(f'/leder/enheter/{UNIT}')
    leader.find(marker=f'citizen-decline-{first_id}').click()
    leader.find(marker='citizen-reason').type('Veilyset eies av Statens vegvesen')
    second_id = await send_from_public_page(hub, 'Benk ved bussholdeplassen')
    await leader.should_see('Benk ved bussholdeplassen', retries=LIVE)
    await leader.should_see('2 forslag venter på svar')
    [reason] = leader.find(marker='citizen-reason').elements
    assert reason.value == 'Veilyset eies av Statens vegvesen'  # type: ignore[attr-defined]
    await leader.should_not_see(marker='citizen-decline-gone')  # still waiting: nothing to warn about
    leader.find(marker='citizen-reason').type(', ikke av kommunen.')
    leader.find(marker='citizen-decline-save').click()
    await leader.should_see('Forslaget er avslått.')
    first = store.citizen_ideas.get(first_id)
    assert first is not None and first.state == IdeaState.DECLINED
    assert first.reason == 'Veilyset eies av Statens vegvesen, ikke av kommunen.'
    assert store.citizen_ideas.get(second_id).pending  # type: ignore[union-attr]
    await leader.should_see(marker=f'citizen-idea-{second_id}')


async def test_an_open_form_whose_idea_another_leader_decided_says_so_and_keeps_the_text(hub: Hub):
    idea_id = await send_from_public_page(hub, 'Kafé i biblioteket, spør Ola Nordmann')
    leader = await logged_in(hub, 'leder', f'unit:{UNIT}')
    await leader.open(f'/leder/enheter/{UNIT}')
    leader.find(marker=f'citizen-approve-{idea_id}').click()
    leader.find(marker='citizen-title').clear()
    leader.find(marker='citizen-title').type('Kafé i biblioteket')
    await leader.should_not_see(marker='citizen-approve-gone')
    await hub.store.run(citizens.decline, hub.store, UNIT, idea_id, 'Lokalet er for lite.', by='Nestleder')
    await leader.should_see(marker='citizen-approve-gone', retries=LIVE)
    await leader.should_see('Dette forslaget er behandlet av en annen leder i mellomtiden.')
    [title] = leader.find(marker='citizen-title').elements
    assert title.value == 'Kafé i biblioteket'  # type: ignore[attr-defined]
    leader.find(marker='citizen-approve-save').click()
    await leader.should_see('Forslaget er allerede behandlet.')  # refused: nothing reaches the board
    assert hub.store.card(UNIT, citizens.card_id_of(idea_id)) is None


async def test_nothing_of_a_citizens_idea_reaches_the_board_page_or_the_sync_api(hub: Hub):
    store = hub.store
    heard: list[object] = []
    store.subscribe(heard.append)
    token = await pair(hub)
    seq = store.seq(UNIT)
    wall = await open_board(hub)
    leader = await logged_in(hub, 'leder', f'unit:{UNIT}')
    await leader.open(f'/leder/enheter/{UNIT}')
    async with client(hub, token) as api:
        waiting = asyncio.create_task(api.get(f'/api/v1/units/{UNIT}/changes', params={'since': seq, 'wait': 1.5}))
        idea_id = await send_from_public_page(hub, 'Hemmelig forslag om kantina', description='Mer grønnsaker.')
        await leader.should_see('Hemmelig forslag om kantina', retries=LIVE)  # the change reached the pages
        await wall.should_not_see('Hemmelig forslag om kantina')
        await wall.should_not_see('Mer grønnsaker.')
        response = await waiting
        assert response.status_code == 200
        assert 'Hemmelig' not in response.text and 'grønnsaker' not in response.text
        assert response.json()['cards'] == []
    assert store.seq(UNIT) == seq  # a citizen's idea is no change of the board a wall screen pulls
    # what the store told: the unit only, nothing the citizen wrote
    told = [c for c in heard if isinstance(c, CitizenIdeasChanged)]
    assert told and all(dataclasses.astuple(c) == (UNIT,) for c in told)
    assert not [c for c in heard if getattr(c, 'card', None) is not None]
    assert store.card(UNIT, citizens.card_id_of(idea_id)) is None
    store.unsubscribe(heard.append)


async def test_the_pdf_report_says_what_became_of_the_citizens_ideas(hub: Hub):
    leader = await logged_in(hub, 'ola', 'organisation')
    text = await report_text(leader)
    assert 'Ideer fra innbyggere' in text and 'Ingen ideer fra innbyggere, brukere eller pårørende i perioden.' in text
    benches = await send_from_public_page(hub, 'Benker langs turveien')
    text = ' '.join((await report_text(leader)).split())
    assert 'Avdeling A 1 0 0 1 –' in text and 'Median tid' not in text  # nothing answered yet: no median
    await send_from_public_page(hub, 'Mer lys i gangen')
    parking = await send_from_public_page(hub, 'Parkering for besøkende')
    await hub.store.run(citizens.approve, hub.store, UNIT, benches, by='Ola')
    await hub.store.run(citizens.decline, hub.store, UNIT, parking, 'Kommunen eier ikke plassen.', by='Ola')
    text = ' '.join((await report_text(leader)).split())  # lines broken where the page is narrow, joined
    assert ('Mottatt i perioden: 3. Satt på tavla: 1. Avslått med begrunnelse: 1. Venter på en leder: 1. '
            'Median tid fra mottatt til svar: 0 døgn. Fikk utfallet på e-post: 0.') in text
    assert 'Avdeling A 3 1 1 1 0 ' in text  # the unit's row of the table
    # a period before the ideas came: none of them
    assert 'Ingen ideer fra innbyggere' in await report_text(leader, '?period=2020')


async def report_text(user: SimulatedUser, query: str = '') -> str:
    response = await user.http_client.get(f'/leder/rapport.pdf{query}')
    assert response.status_code == 200, response.text
    return ' '.join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
