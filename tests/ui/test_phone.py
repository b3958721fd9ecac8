"""The phone page over HTTP: what a person on a phone sends and sees, and what bad input gets."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from board.app import make_tokens
from board.context import AppContext
from board.domain import CardFields, Goal, GoalStatus, Origin, Unit
from board.i18n import translator
from board.privacy import confirmation
from board.settings import Settings
from board.store import Store
from board.tokens import SubmissionTokens
from board.ui import phone

from ..factories import OTHER_UNIT, UNIT, seeded_store


class SyncClient:
    """A synchronous HTTP client for an ASGI app, keeping cookies like a phone's browser (Hypothesis needs sync)."""

    def __init__(self, api: FastAPI) -> None:
        self._transport = httpx.ASGITransport(api)
        self.cookies = httpx.Cookies()

    def get(self, url: str, **kwargs) -> httpx.Response:
        return self._request('GET', url, **kwargs)

    def post(self, url: str, **kwargs) -> httpx.Response:
        return self._request('POST', url, **kwargs)

    def _request(self, method: str, url: str, **kwargs) -> httpx.Response:
        async def call() -> httpx.Response:
            async with httpx.AsyncClient(transport=self._transport, base_url='http://127.0.0.1',
                                         cookies=self.cookies) as client:
                response = await client.request(method, url, **kwargs)
                self.cookies.update(client.cookies)
                return response
        return asyncio.run(call())


@dataclass
class Phone:
    client: SyncClient
    store: Store
    tokens: SubmissionTokens

    @property
    def url(self) -> str:
        return f'/p/{self.tokens.current(UNIT)}'

    def send(self, url: str | None = None, **form: str):
        return self.client.post(url or self.url, data=form, follow_redirects=False)


def make_phone(folder, **overrides) -> tuple[Phone, Store]:
    config = Settings(data_dir=folder, public_url='http://127.0.0.1:8080', token_secret='s' * 32, **overrides)
    store = seeded_store(config.data_dir)
    context = AppContext(settings=config, store=store, t=translator('nb'), tokens=make_tokens(config))
    api = FastAPI()
    api.include_router(phone.router(context))
    return Phone(SyncClient(api), store, context.tokens), store


@pytest.fixture
def phone_client(tmp_path) -> Iterator[Phone]:
    client, store = make_phone(tmp_path / 'data')
    client.client.get(client.url)  # a phone opens the form first, and gets its cookie
    yield client
    store.close()


def text_of(response) -> str:
    return html.unescape(re.sub(r'<[^>]+>', ' ', response.text))


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def elements_of(response) -> list[tuple[str, dict[str, str | None]]]:
    """Every element of the page as a browser's parser sees it: (tag, attributes)."""
    parser = _Elements()
    parser.feed(response.text)
    return parser.found


def event_attributes(response) -> list[str]:
    return [name for _, attrs in elements_of(response) for name in attrs if name.startswith('on')]


def test_the_form_shows_the_unit_its_goals_and_the_confidentiality_reminder_only(phone_client: Phone):
    phone_client.store.create_card(UNIT, CardFields(title='Hemmelig kort på tavla'))
    response = phone_client.client.get(phone_client.url)
    assert response.status_code == 200
    page = text_of(response)
    for expected in ('Del en idé med Avdeling A', 'Kortere ventetid', 'Trivsel', 'Taushetsplikt',
                     'Navnet ditt (valgfritt)', 'Send ideen'):
        assert expected in page
    assert 'Hemmelig kort på tavla' not in page
    assert '<script' not in response.text
    assert "default-src 'none'" in response.headers['content-security-policy']
    assert response.headers['cache-control'] == 'no-store'
    # the token in the address never goes to another site; the page's own form sends its Origin (checked)
    assert response.headers['referrer-policy'] == 'same-origin'
    assert '<html lang="nb">' in response.text


def test_an_idea_is_stored_as_from_a_phone_and_thanked_for(phone_client: Phone):
    response = phone_client.send(title='Flere rullatorer i 2. etasje', description='De står ofte i gangen.',
                                 goal_id='trivsel', quick_win='1', name='Aisha')
    assert response.status_code == 303
    thanks = phone_client.client.get(response.headers['location'])
    assert 'Takk! Ideen er sendt.' in text_of(thanks)
    assert 'Send en idé til' in text_of(thanks)
    [card] = phone_client.store.cards(UNIT)
    assert (card.title, card.description, card.goal_id, card.quick_win) == \
        ('Flere rullatorer i 2. etasje', 'De står ofte i gangen.', 'trivsel', True)
    assert (card.origin, card.created_by, card.unseen) == (Origin.PHONE, 'Aisha', True)


def test_anonymous_is_the_default(phone_client: Phone):
    assert phone_client.send(title='Uten navn').status_code == 303
    assert phone_client.store.cards(UNIT)[0].created_by == ''


@pytest.mark.parametrize(('form', 'message'), [
    ({'title': ''}, 'Skriv ideen din først'),
    ({'title': 'x' * 201}, 'Tittelen er for lang (201 tegn)'),
    ({'title': 'ok', 'description': 'y' * 4001}, 'Beskrivelsen er for lang (4001 tegn)'),
    ({'title': 'ok', 'name': 'n' * 81}, 'Navnet er for langt'),
    ({'title': 'ok', 'goal_id': 'finnes-ikke'}, 'Målet finnes ikke lenger'),
    ({'title': 'a\x07b'}, 'kontrolltegn'),
])
def test_bad_input_is_explained_and_the_text_is_kept(phone_client: Phone, form, message):
    form = {'description': 'Behold <denne> teksten'} | form
    response = phone_client.send(**form)
    assert response.status_code == 422
    page = text_of(response)
    assert message in page
    assert 'Ideen er ikke sendt ennå' in page
    assert 'Kortet' not in page  # staff words: on the phone it is an idea, not a card
    if form['description'] == 'Behold <denne> teksten':
        assert 'Behold &lt;denne&gt; teksten' in response.text
    assert phone_client.store.cards(UNIT) == []


def test_personal_data_gets_a_warning_first_and_can_be_sent_anyway(phone_client: Phone):
    response = phone_client.send(title='Ring datteren på 912 34 567', description='Fru X, 01017012345')
    assert response.status_code == 200
    page = text_of(response)
    assert 'Ser ut som personopplysninger' in page
    assert 'et fødselsnummer og et telefonnummer' in page
    assert 'Send likevel' in page
    assert phone_client.store.cards(UNIT) == []
    [confirm] = re.findall(r'name="confirm_personal" value="([0-9a-f]+)"', response.text)
    # "Send likevel" with a text changed since the warning: checked again, and warned again
    changed = phone_client.send(title='Ring sønnen på 912 34 567', description='Fru X, 01017012345',
                                confirm_personal=confirm)
    assert changed.status_code == 200 and 'Ser ut som personopplysninger' in text_of(changed)
    assert phone_client.store.cards(UNIT) == []
    again = phone_client.send(title='Ring datteren på 912 34 567', description='Fru X, 01017012345',
                              confirm_personal=confirm)
    assert again.status_code == 303
    assert len(phone_client.store.cards(UNIT)) == 1


def test_after_a_warning_send_checks_the_text_again_and_takes_it_once_the_number_is_gone(phone_client: Phone):
    warned = phone_client.send(title='ring meg på 91234567.')  # a number before a full stop is caught too
    assert 'Ser ut som personopplysninger' in text_of(warned)
    buttons = re.findall(r'<button[^>]*>([^<]*)</button>', warned.text)
    nb = translator('nb')
    assert buttons[0] == nb('phone.send') and nb('phone.send_anyway') in buttons  # first (Enter's): a plain send
    assert phone_client.send(title='ring meg på 91234567.').status_code == 200  # Send: still there, warned again
    assert phone_client.send(title='ring meg på vaktrommet.').status_code == 303  # Send: gone, sent
    assert [c.title for c in phone_client.store.cards(UNIT)] == ['ring meg på vaktrommet.']


def test_ten_ideas_per_ten_minutes_per_phone(phone_client: Phone):
    for number in range(10):
        assert phone_client.send(title=f'Idé {number}').status_code == 303
    refused = phone_client.send(title='Den ellevte')
    assert refused.status_code == 429
    assert 'Vent 10 min' in text_of(refused)
    assert 'Den ellevte' in refused.text  # the text is kept for later
    assert len(phone_client.store.cards(UNIT)) == 10
    phone_client.client.cookies = httpx.Cookies({phone.COOKIE: 'another-phone'})
    assert phone_client.send(title='Fra en annen mobil').status_code == 303


@pytest.mark.parametrize('case', ['forged', 'malformed', 'other_unit', 'unknown_unit', 'revoked', 'expired'])
def test_a_bad_code_gets_a_friendly_page_asking_to_scan_again(phone_client: Phone, case):
    tokens = phone_client.tokens
    token = tokens.current(UNIT)
    unit, period, generation, signature = token.split('.')
    if case == 'forged':
        token = f'{unit}.{period}.{generation}.{"A" * len(signature)}'
    elif case == 'malformed':
        token = 'not-a-token'
    elif case == 'other_unit':
        token = f'{OTHER_UNIT}.{period}.{generation}.{signature}'
    elif case == 'unknown_unit':
        token = tokens.current('nedlagt-enhet')
    elif case == 'revoked':
        tokens.revoke(UNIT)
    elif case == 'expired':
        later = tokens.now() + timedelta(weeks=6)
        tokens.now = lambda: later
    for response in (phone_client.client.get(f'/p/{token}'), phone_client.send(f'/p/{token}', title='Idé')):
        assert response.status_code in (404, 410)
        assert 'Skann QR-koden på enhetens skjerm på nytt' in text_of(response)
        assert 'Traceback' not in response.text
        assert 'Avdeling A' not in response.text
    assert phone_client.store.cards(UNIT) == []


def test_an_oversized_body_is_refused_before_it_is_read(phone_client: Phone):
    response = phone_client.send(title='x', description='y' * 70_000)
    assert response.status_code == 413
    assert 'for stor' in text_of(response)
    assert phone_client.store.cards(UNIT) == []


def test_a_phone_idea_is_shown_as_text_wherever_it_is_shown_again(phone_client: Phone):
    nasty = '<script>alert(1)</script> {{ 7*7 }} " onmouseover="x'
    response = phone_client.send(title=nasty, description='y' * 4001)
    assert response.status_code == 422
    assert '<script>' not in response.text
    assert event_attributes(response) == []
    [title] = [attrs for tag, attrs in elements_of(response) if tag == 'input' and attrs.get('name') == 'title']
    assert title['value'] == nasty  # the very text, as an attribute's value and nothing more


def test_names_from_the_store_are_text_on_the_phone_page(phone_client: Phone):
    store = phone_client.store
    store.add_unit(Unit(id=UNIT, name='<script>alert(1)</script> "A"', service_area_id='helse'))
    store.save_goal(Goal(id='sitat', unit_id=UNIT, name='Mål "med" \'sitat\' a=b <b>x</b>', colour='#D55E00',
                         icon='flag', status=GoalStatus.ON_TRACK, position='c'))
    response = phone_client.client.get(phone_client.url)
    assert response.status_code == 200
    assert '<script>' not in response.text and '<b>' not in response.text
    assert event_attributes(response) == []
    assert [tag for tag, _ in elements_of(response)].count('script') == 0
    assert 'Del en idé med <script>alert(1)</script> "A"' in text_of(response)
    assert 'Mål "med" \'sitat\' a=b <b>x</b>' in text_of(response)
    thanks = phone_client.client.get(phone_client.url + '?sent=1')
    assert '<script>' not in thanks.text and event_attributes(thanks) == []


def test_the_swatch_stylesheet_carries_only_plain_ids_and_colours():
    def goal(goal_id: str, colour: str) -> Goal:
        return Goal(id=goal_id, unit_id=UNIT, name='x', colour=colour, icon='flag', status=GoalStatus.ON_TRACK,
                    position='a')

    css = phone.swatch_css([
        goal('ok', '#0072B2'),
        goal('bad-colour', 'red; } body { background: url(//evil.example/x)'),
        goal('x, body', '#000000'),
        goal('trailing', '#000000\n}'),
        goal('ny}{', '#000000'),
        goal('UPPER', '#000000'),
    ])
    assert css == '.swatch-ok { background: #0072b2; }'
    assert phone.swatch_class(goal('x, body', '#000000')) == 'swatch-none'
    assert phone.swatch_class(goal('ok', 'red')) == 'swatch-none'
    assert phone.swatch_class(goal('ok', '#0072B2')) == 'swatch-ok'


# --- property: any text, never a server error; what is accepted is stored as sent -----------------------------------

texts = st.text(st.characters(exclude_categories=('Cs',)), max_size=300) | st.text(max_size=5000).map(
    lambda s: s.encode('utf-8', 'replace').decode('utf-8'))


@pytest.fixture(scope='module')
def lenient_phone(tmp_path_factory) -> Iterator[Phone]:
    client, store = make_phone(tmp_path_factory.mktemp('phone') / 'data', phone_ideas_per_window=100_000)
    yield client
    store.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=texts, description=texts, name=st.text(max_size=100).map(
    lambda s: s.encode('utf-8', 'replace').decode('utf-8')))
def test_any_input_never_breaks_the_page_and_accepted_text_is_stored_exactly(lenient_phone: Phone, title,
                                                                              description, name):
    response = lenient_phone.send(title=title, description=description, name=name,
                                  confirm_personal=confirmation(title, description, name))
    assert response.status_code in (303, 413, 422), response.text[:300]
    if response.status_code == 303:
        stored = lenient_phone.store.cards(UNIT)[0]
        # the store keeps the text exactly as sent, apart from spaces and line breaks around it
        assert (stored.title, stored.description, stored.created_by) == (title.strip(), description.strip(),
                                                                         name.strip())
    else:
        assert 'Traceback' not in response.text
