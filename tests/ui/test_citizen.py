"""The citizens' public page over HTTP: what an innbygger, bruker or pårørende sends and sees, and what bad input
gets; the codes refused on the wrong page; nothing reaches a board before a leader."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from board.app import make_citizen_tokens, make_tokens
from board.context import AppContext
from board.domain import CardFields
from board.domain.citizen import IdeaState
from board.i18n import translator
from board.settings import Settings
from board.store import Store
from board.tokens import SubmissionTokens
from board.ui import citizen, phone

from ..factories import OTHER_UNIT, UNIT, seeded_store
from .test_phone import SyncClient, elements_of, event_attributes, text_of


@dataclass
class Citizen:
    client: SyncClient
    store: Store
    tokens: SubmissionTokens
    staff_tokens: SubmissionTokens

    @property
    def url(self) -> str:
        return f'/i/{self.tokens.current(UNIT)}'

    def send(self, url: str | None = None, **form: str) -> httpx.Response:
        return self.client.post(url or self.url, data=form, follow_redirects=False)


def make_citizen(folder, **overrides) -> tuple[Citizen, Store]:
    config = Settings(data_dir=folder, public_url='http://127.0.0.1:8080', token_secret='s' * 32, **overrides)
    store = seeded_store(config.data_dir)
    context = AppContext(settings=config, store=store, t=translator('nb'), tokens=make_tokens(config),
                         citizen_tokens=make_citizen_tokens(config))
    api = FastAPI()
    api.include_router(phone.router(context))
    api.include_router(citizen.router(context))
    assert context.tokens is not None and context.citizen_tokens is not None
    return Citizen(SyncClient(api), store, context.citizen_tokens, context.tokens), store


@pytest.fixture
def visitor(tmp_path) -> Iterator[Citizen]:
    client, store = make_citizen(tmp_path / 'data')
    client.client.get(client.url)  # the form first, and its cookie
    yield client
    store.close()


def test_the_form_speaks_plainly_and_shows_nothing_of_the_board(visitor: Citizen):
    visitor.store.create_card(UNIT, CardFields(title='Hemmelig kort på tavla'))
    response = visitor.client.get(visitor.url)
    assert response.status_code == 200
    page = text_of(response)
    for expected in ('Har du et forslag til Avdeling A?', 'innbygger, bruker eller pårørende',
                     'Ikke skriv personopplysninger', 'Forslaget ditt (må fylles ut)',
                     'E-postadressen din (valgfritt)', 'sletter den når svaret er sendt', 'Send forslaget'):
        assert expected in page
    assert 'Hemmelig kort på tavla' not in page and 'Kortere ventetid' not in page  # no cards, no goals
    assert '<script' not in response.text and event_attributes(response) == []
    assert "default-src 'none'" in response.headers['content-security-policy']
    assert response.headers['cache-control'] == 'no-store'
    assert '<html lang="nb">' in response.text
    # every field has its label, and its hint tied to it for a screen reader
    fields = {a.get('id'): a for tag, a in elements_of(response) if tag in ('input', 'textarea')}
    labels = {a.get('for') for tag, a in elements_of(response) if tag == 'label'}
    assert set(fields) == {'title', 'description', 'email'} <= labels
    assert fields['email']['type'] == 'email' and fields['email']['autocomplete'] == 'email'
    assert all(f'{name}-hint' in (fields[name].get('aria-describedby') or '') for name in fields)


def test_an_idea_waits_for_a_leader_and_is_never_a_card_before(visitor: Citizen):
    response = visitor.send(title='Benker langs turveien', description='Mange må hvile på vei til senteret.')
    assert response.status_code == 303
    thanks = visitor.client.get(response.headers['location'])
    assert 'Takk! Forslaget er sendt.' in text_of(thanks)
    assert 'En leder ved Avdeling A leser forslaget' in text_of(thanks)
    assert 'svar på e-post' not in text_of(thanks)
    assert visitor.store.cards(UNIT) == []  # nothing on the board (nor in what syncs to wall screens)
    assert visitor.store.changes_since(UNIT, 0)[0] == []
    [idea] = visitor.store.citizen_ideas.pending(UNIT)
    assert (idea.title, idea.description, idea.email, idea.state) == (
        'Benker langs turveien', 'Mange må hvile på vei til senteret.', '', IdeaState.PENDING)
    assert visitor.store.citizen_ideas.pending(OTHER_UNIT) == []


def test_an_address_is_kept_for_the_answer_and_the_thanks_say_so(visitor: Citizen):
    response = visitor.send(title='Lengre besøkstid i helgene', email=' kari@example.no ')
    assert response.status_code == 303
    thanks = visitor.client.get(response.headers['location'])
    assert 'Du får svar på e-post. Adressen din slettes når svaret er sendt.' in text_of(thanks)
    [idea] = visitor.store.citizen_ideas.pending(UNIT)
    assert (idea.email, idea.wants_answer) == ('kari@example.no', True)


@pytest.mark.parametrize(('form', 'message'), [
    ({'title': ''}, 'Skriv forslaget ditt først'),
    ({'title': 'x' * 201}, 'Forslaget er for langt (201 tegn)'),
    ({'title': 'ok', 'description': 'y' * 4001}, 'Teksten er for lang (4001 tegn)'),
    ({'title': 'ok', 'email': 'ikke en adresse'}, 'E-postadressen ser ikke riktig ut'),
    ({'title': 'ok', 'email': 'a@b.no\r\nBcc: x@y.no'}, 'E-postadressen ser ikke riktig ut'),
    ({'title': 'a\x07b'}, 'tegn som ikke kan sendes'),
])
def test_bad_input_is_explained_beside_the_field_and_the_text_is_kept(visitor: Citizen, form, message):
    form = {'description': 'Behold <denne> teksten'} | form
    response = visitor.send(**form)
    assert response.status_code == 422
    page = text_of(response)
    assert message in page and 'Forslaget er ikke sendt ennå' in page
    assert 'role="alert"' in response.text  # announced to a screen reader
    assert 'aria-invalid="true"' in response.text
    if form['description'] == 'Behold <denne> teksten':
        assert 'Behold &lt;denne&gt; teksten' in response.text
    assert visitor.store.citizen_ideas.pending(UNIT) == []


@pytest.mark.parametrize(('title', 'description', 'kinds'), [
    ('Ring meg på 912 34 567', '', 'et telefonnummer'),
    ('Bedre mat', 'Mor, fnr 01017012345, fikk kald mat', 'et fødselsnummer'),
    ('Skriv til kari@example.no', '', 'en e-postadresse'),
])
def test_personal_data_is_refused_with_a_clear_message_and_the_text_kept(visitor: Citizen, title, description,
                                                                          kinds):
    response = visitor.send(title=title, description=description, email='svar@example.no')
    assert response.status_code == 422
    page = text_of(response)
    assert 'Forslaget er ikke sendt: det ser ut til å ha personopplysninger' in page
    assert f'Teksten ser ut til å ha {kinds}. Ta det bort.' in page
    assert 'Send likevel' not in page  # refused, not just warned: a citizen's text goes to a staff room
    field = 'title' if kinds != 'et fødselsnummer' else 'description'
    [marked] = [a for tag, a in elements_of(response) if a.get('id') == field]
    assert marked.get('aria-invalid') == 'true' and f'{field}-error' in (marked.get('aria-describedby') or '')
    assert visitor.store.citizen_ideas.pending(UNIT) == []
    # the address field is an address by nature: it alone is never taken for personal data
    assert visitor.send(title='Bedre mat', email='svar@example.no').status_code == 303


def test_limits_as_for_phones_in_budgets_of_their_own(visitor: Citizen):
    for number in range(10):
        assert visitor.send(title=f'Forslag {number}').status_code == 303
    refused = visitor.send(title='Det ellevte')
    assert refused.status_code == 429
    assert 'Du har sendt mange forslag på kort tid. Vent 10 min' in text_of(refused)
    assert 'Det ellevte' in refused.text
    assert len(visitor.store.citizen_ideas.pending(UNIT)) == 10
    # the staff's phones of the same unit are not held back by the citizens' flood
    staff = visitor.client.post(f'/p/{visitor.staff_tokens.current(UNIT)}', data={'title': 'Fra en ansatt'},
                                follow_redirects=False)
    assert staff.status_code == 303
    # made-up cookies share one phone's budget; fresh phones from one address (a flood from one network) get
    # five phones' worth, then the address is refused whatever the phone
    for number in range(15):
        visitor.client.cookies = httpx.Cookies({citizen.COOKIE: f'made-up-{number}'})
        visitor.send(title=f'Oppdiktet {number}')
    assert len(visitor.store.citizen_ideas.pending(UNIT)) == 20
    for phone_number in range(4):
        visitor.client.cookies = httpx.Cookies()
        visitor.client.get(visitor.url)  # a new phone, with a cookie the hub signed
        for number in range(10):
            visitor.send(title=f'Mobil {phone_number} forslag {number}')
    assert len(visitor.store.citizen_ideas.pending(UNIT)) == 50
    visitor.client.cookies = httpx.Cookies()
    visitor.client.get(visitor.url)
    network = visitor.send(title='Fra samme nettverk')
    assert network.status_code == 429 and 'fra dette nettverket' in text_of(network)


def test_a_staff_code_on_the_citizens_page_is_refused_with_a_clear_page(visitor: Citizen):
    staff_token = visitor.staff_tokens.current(UNIT)
    for response in (visitor.client.get(f'/i/{staff_token}'), visitor.send(f'/i/{staff_token}', title='Idé')):
        assert response.status_code == 403
        page = text_of(response)
        assert 'Denne koden er for ansatte' in page
        assert 'skann koden på plakaten for innbyggere' in page
        assert f'href="/p/{staff_token}"' in response.text
        assert 'Har du et forslag' not in page
    assert visitor.store.citizen_ideas.pending(UNIT) == [] and visitor.store.cards(UNIT) == []


def test_a_citizens_code_on_the_staff_page_is_refused_with_a_clear_page(visitor: Citizen):
    token = visitor.tokens.current(UNIT)
    for response in (visitor.client.get(f'/p/{token}'),
                     visitor.client.post(f'/p/{token}', data={'title': 'Idé'}, follow_redirects=False)):
        assert response.status_code == 403
        page = text_of(response)
        assert 'Denne koden er for innbyggere' in page
        assert 'Ansatte sender ideer med QR-koden på enhetens forbedringstavle' in page
        assert f'href="/i/{token}"' in response.text
        assert 'Del en idé' not in page
    assert visitor.store.cards(UNIT) == [] and visitor.store.citizen_ideas.pending(UNIT) == []


def test_the_codes_are_signed_apart_do_not_rotate_and_are_revoked_on_their_own(visitor: Citizen):
    tokens, staff = visitor.tokens, visitor.staff_tokens
    assert tokens.current(UNIT) != staff.current(UNIT)
    assert tokens.current(UNIT).split('.')[1] == '0'  # no rotation period: a poster hangs for months
    later = tokens.now() + timedelta(weeks=60)
    tokens.now = lambda: later
    assert visitor.client.get(visitor.url).status_code == 200
    staff.revoke(UNIT)  # the staff's code revoked: the citizens' still works
    assert visitor.client.get(visitor.url).status_code == 200
    old = visitor.url
    tokens.revoke(UNIT)
    gone = visitor.client.get(old)
    assert gone.status_code == 410 and 'Denne koden virker ikke' in text_of(gone)
    assert visitor.client.get(visitor.url).status_code == 200


@pytest.mark.parametrize('token', ['ikke-en-kode', f'{UNIT}.0.0.{"A" * 22}', f'{OTHER_UNIT}.0.0.{"A" * 22}'])
def test_a_bad_code_gets_a_friendly_page(visitor: Citizen, token):
    for response in (visitor.client.get(f'/i/{token}'), visitor.send(f'/i/{token}', title='Idé')):
        assert response.status_code == 404
        assert 'Skann koden på plakaten på nytt' in text_of(response)
        assert 'Avdeling A' not in response.text


def test_a_form_posted_from_another_site_is_refused(visitor: Citizen):
    response = visitor.client.post(visitor.url, data={'title': 'Idé'}, headers={'origin': 'https://evil.example'},
                                   follow_redirects=False)
    assert response.status_code == 403
    assert visitor.store.citizen_ideas.pending(UNIT) == []


def test_markup_in_an_idea_is_text_on_the_page(visitor: Citizen):
    nasty = '<script>alert(1)</script> {{ 7*7 }} " onmouseover="x'
    response = visitor.send(title=nasty, email='nope')
    assert response.status_code == 422
    assert '<script>' not in response.text and event_attributes(response) == []
    [title] = [a for tag, a in elements_of(response) if tag == 'input' and a.get('name') == 'title']
    assert title['value'] == nasty


# --- property: any input, never a server error; what is accepted waits exactly as sent -----------------------------

texts = st.text(st.characters(exclude_categories=('Cs',)), max_size=300) | st.text(max_size=5000).map(
    lambda s: s.encode('utf-8', 'replace').decode('utf-8'))
addresses = st.emails().map(str) | st.text(max_size=300).map(lambda s: s.encode('utf-8', 'replace').decode('utf-8'))


@pytest.fixture(scope='module')
def lenient_visitor(tmp_path_factory) -> Iterator[Citizen]:
    client, store = make_citizen(tmp_path_factory.mktemp('citizen') / 'data', phone_ideas_per_window=100_000)
    yield client
    store.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=texts, description=texts, email=addresses)
def test_any_input_never_breaks_the_page_and_accepted_text_waits_exactly(lenient_visitor: Citizen, title,
                                                                         description, email):
    before = {i.id for i in lenient_visitor.store.citizen_ideas.pending(UNIT)}
    response = lenient_visitor.send(title=title, description=description, email=email)
    assert response.status_code in (303, 413, 422), response.text[:300]
    pending = lenient_visitor.store.citizen_ideas.pending(UNIT)
    if response.status_code == 303:
        [newest] = [i for i in pending if i.id not in before]
        assert (newest.title, newest.description, newest.email) == (title.strip(), description.strip(),
                                                                    email.strip())
        assert '\n' not in newest.email and '\r' not in newest.email
    else:
        assert {i.id for i in pending} == before and 'Traceback' not in response.text
    assert lenient_visitor.store.cards(UNIT) == []  # never a card before a leader


def test_the_cli_writes_the_citizens_poster_and_revokes_their_code_alone(tmp_path, capsys):
    import zxingcpp
    from PIL import Image

    from board.cli import main

    seeded_store(tmp_path / 'data').close()
    settings = Settings(data_dir=tmp_path / 'data')
    common = ['--data', str(tmp_path / 'data'), '--public-url', 'http://127.0.0.1:8080']
    png = tmp_path / 'innbygger.png'
    assert main(['poster', UNIT, '--innbygger', '--format', 'png', '--out', str(png), *common]) == 0
    [code] = zxingcpp.read_barcodes(Image.open(png))
    citizens_code, staff_code = make_citizen_tokens(settings).current(UNIT), make_tokens(settings).current(UNIT)
    assert code.text == f'http://127.0.0.1:8080/i/{citizens_code}'
    assert main(['revoke-code', UNIT, '--innbygger', '--data', str(tmp_path / 'data')]) == 0
    assert "citizens' code" in capsys.readouterr().out
    assert not make_citizen_tokens(settings).check(citizens_code, {UNIT}).ok
    assert make_tokens(settings).check(staff_code, {UNIT}).ok  # the staff's code is untouched
