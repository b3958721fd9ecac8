"""Signing in with the municipality's identity provider: the whole OpenID Connect code flow with PKCE, against a
real provider (oidc-provider-mock) over HTTP on 127.0.0.1, and the hub driven over ASGI as a browser would, each
redirect followed by hand.

The provider is made stricter than the mock is by itself, as Entra ID is: it refuses a code exchanged without the
code verifier whose S256 challenge came with the authorisation request (PKCE). A test can also make it sign the ID
token with another key, or issue it to another application (a token meant for someone else).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit, urlunsplit

import authlib.deprecate  # noqa: F401  (see the provider fixture)
import flask
import httpx
import pytest
import werkzeug.serving
from joserfc import jwt
from joserfc.jwk import RSAKey

from board import admin
from board.domain import RuleViolation
from board.settings import ConfigError, Settings, load_settings
from board.users import Grant, session_key

from ..conftest import Hub, off_loop, running_app
from ..factories import UNIT, seeded_store

CLIENT_ID = 'forbedringstavla-test'
CLIENT_SECRET = 'hemmelig-klient-secret'
AREA = 'helse'  # the service area of UNIT in the seeded store
HELSE_LEDERE = 'c0ffee00-0000-4000-8000-000000000001'  # group object ids, as Entra sends them
ENHET_LEDERE = 'c0ffee00-0000-4000-8000-000000000002'
IT_ADMIN = 'c0ffee00-0000-4000-8000-000000000003'
ALLE_ANSATTE = 'c0ffee00-0000-4000-8000-000000000009'  # a group the settings give no role


# --- the provider ---------------------------------------------------------------------------------------------------

@dataclass
class Provider:
    """The mock provider on 127.0.0.1, what it was asked, and how it misbehaves in the current test."""
    url: str
    authorizations: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    challenges: dict[str, str] = field(default_factory=dict)
    #: the ID token, re-signed with the provider's own key with these claims changed
    reissue: dict[str, Any] = field(default_factory=dict)
    #: the ID token signed with a key that is not the provider's
    foreign_key: bool = False

    def set_user(self, sub: str, **claims: Any) -> None:
        response = httpx.put(f'{self.url}/users/{quote(sub, safe="")}', json=claims)
        assert response.status_code == 204, response.text

    def reset(self) -> None:
        self.authorizations.clear()
        self.token_requests.clear()
        self.reissue = {}
        self.foreign_key = False


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b'=').decode()


def _strict(app: flask.Flask, provider: Provider) -> None:
    """PKCE as Entra ID checks it, and the ID token changed when a test asks for it."""

    @app.before_request
    def check_pkce() -> Any:
        request = flask.request
        if request.path == '/oauth2/authorize':
            provider.authorizations.append(dict(request.args))
        if request.path == '/oauth2/token' and request.method == 'POST':
            form = dict(request.form)
            provider.token_requests.append(form | {'authorization': request.headers.get('Authorization', '')})
            challenge = provider.challenges.get(form.get('code', ''))
            if challenge is None or _s256(form.get('code_verifier', '')) != challenge:
                return flask.jsonify(error='invalid_grant', error_description='PKCE verification failed'), 400
        return None

    @app.after_request
    def remember_and_tamper(response: flask.Response) -> flask.Response:
        request = flask.request
        if request.path == '/oauth2/authorize' and request.method == 'POST' and response.location:
            code = parse_qs(urlsplit(response.location).query).get('code', [''])[0]
            if request.args.get('code_challenge_method') == 'S256' and request.args.get('code_challenge'):
                provider.challenges[code] = request.args['code_challenge']
        if request.path == '/oauth2/token' and response.status_code == 200 and (
                provider.reissue or provider.foreign_key):
            body = json.loads(response.get_data())
            claims = jwt.decode(body['id_token'], _provider_key()).claims
            key = RSAKey.generate_key(2048) if provider.foreign_key else _provider_key()
            kid = _provider_key().kid
            body['id_token'] = jwt.encode({'alg': 'RS256', 'kid': kid}, claims | provider.reissue, key)
            response.set_data(json.dumps(body))
        return response


def _provider_key() -> RSAKey:
    jwk = flask.g.oidc_provider_mock_storage.jwk.as_dict(is_private=True)
    return RSAKey.import_key(jwk)


@pytest.fixture(scope='module')
def provider() -> Iterator[Provider]:
    """oidc-provider-mock in a thread, on 127.0.0.1 only, on a free port; stopped after the module's tests."""
    # imported here, where the test's warning filters (pyproject.toml) hide its use of Authlib's deprecated modules;
    # authlib.deprecate, which puts its own "always show" filter first, was imported before them, at the top
    import oidc_provider_mock
    app = oidc_provider_mock.app(require_nonce=True)
    server = werkzeug.serving.make_server('127.0.0.1', 0, app, threaded=True)
    running = Provider(f'http://127.0.0.1:{server.server_port}')
    _strict(app, running)
    thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
    thread.start()
    try:
        yield running
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def oidc_settings(tmp_path: Path, issuer: str, **changes: Any) -> Settings:
    oidc = {'issuer': issuer, 'client_id': CLIENT_ID, 'label': 'Kommunen', 'contact': 'IT-brukerstøtte, tlf. 4000',
            'group_roles': {HELSE_LEDERE: ['area:' + AREA], ENHET_LEDERE: ['unit:' + UNIT], IT_ADMIN: 'admin'}}
    return Settings(data_dir=tmp_path / 'data', public_url='http://127.0.0.1:8080', token_secret='t' * 32,
                    oidc=oidc, **changes)


@contextlib.asynccontextmanager
async def hub_with(settings: Settings, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Hub]:
    """The hub fixture of conftest, on these settings (the provider's port is known only once it runs)."""
    await off_loop(lambda: seeded_store(settings.data_dir).close())
    # the app registration's client secret, where IT puts it (never in the settings file)
    (settings.data_dir / 'secrets').mkdir(mode=0o700, exist_ok=True)
    (settings.data_dir / 'secrets' / 'oidc_client_secret').write_text(f'{CLIENT_SECRET}\n')
    async with running_app(settings) as running:
        yield running
    errors = [r for r in caplog.get_records('call') if r.levelname == 'ERROR']
    assert not errors, [r.getMessage() for r in errors]


@pytest.fixture
async def hub(provider: Provider, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Hub]:
    provider.reset()
    async with hub_with(oidc_settings(tmp_path, provider.url), caplog) as running:
        yield running


# --- a browser ------------------------------------------------------------------------------------------------------

@dataclass
class SignIn:
    response: httpx.Response  # the hub's answer to the provider's redirect back
    browser: httpx.AsyncClient

    @property
    def session(self) -> str | None:
        return self.response.cookies.get('board_session')


def browser(hub: Hub) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=hub._transport, base_url='http://127.0.0.1')


async def sign_in(hub: Hub, provider: Provider, sub: str, *, next_path: str = '/leder',
                  client: httpx.AsyncClient | None = None,
                  authorize: Callable[[str], str] = lambda url: url,
                  back: Callable[[str], str] = lambda url: url) -> SignIn:
    """The whole flow: the hub sends the browser to the provider, the person picks ``sub`` on the provider's form,
    the provider sends the browser back. ``authorize`` and ``back`` may change the addresses on the way."""
    client = client or browser(hub)
    start = await client.get('/login/oidc', params={'next': next_path})
    assert start.status_code == 303, start.text
    address = authorize(start.headers['location'])
    assert address.startswith(provider.url + '/')
    async with httpx.AsyncClient() as at_provider:
        form = await at_provider.get(address)
        assert form.status_code == 200, form.text
        chosen = await at_provider.post(address, data={'sub': sub})
    assert chosen.status_code == 302, chosen.text
    returned = urlsplit(back(chosen.headers['location']))
    assert (returned.scheme, returned.netloc, returned.path) == ('http', '127.0.0.1:8080', '/login/oidc/callback')
    response = await client.get(urlunsplit(('', '', returned.path, returned.query, '')))
    return SignIn(response, client)


async def opens(hub: Hub, token: str | None, path: str = '/leder') -> bool:
    async with httpx.AsyncClient(transport=hub._transport, base_url='http://127.0.0.1',
                                 cookies={'board_session': token or ''}) as client:
        response = await client.get(path)
    assert response.status_code in (200, 303, 403)
    return response.status_code == 200


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=urlencode(query_of(url) | changes)))


# --- the tests ------------------------------------------------------------------------------------------------------

async def test_a_leader_signs_in_through_the_code_flow_with_pkce_and_gets_the_roles_of_their_groups(
        hub: Hub, provider: Provider):
    provider.set_user('sub-kari', preferred_username='Kari.Nordmann@kommune.no', name='Kari Nordmann',
                      groups=[ALLE_ANSATTE, HELSE_LEDERE])
    signed = await sign_in(hub, provider, 'sub-kari', next_path='/leder/gevinster')

    # the authorisation request: the code flow, our client and redirect URI, state, nonce, an S256 challenge
    asked = provider.authorizations[-1]
    assert asked['response_type'] == 'code' and asked['client_id'] == CLIENT_ID
    assert asked['redirect_uri'] == 'http://127.0.0.1:8080/login/oidc/callback'
    assert set(asked['scope'].split()) == {'openid', 'profile', 'email'}
    assert asked['state'] and asked['nonce'] and asked['code_challenge_method'] == 'S256'
    # the code was exchanged with the verifier of that challenge (the provider refuses any other); the verifier
    # never went to the browser
    exchanged = provider.token_requests[-1]
    assert _s256(exchanged['code_verifier']) == asked['code_challenge']
    assert exchanged['redirect_uri'] == asked['redirect_uri']
    assert exchanged['authorization'] == 'Basic ' + base64.b64encode(f'{CLIENT_ID}:{CLIENT_SECRET}'.encode()).decode()
    assert exchanged['code_verifier'] not in json.dumps(dict(signed.browser.cookies))

    # logged in as the password login does it: the session cookie, on to where the person was going
    assert signed.response.status_code == 303
    assert signed.response.headers['location'] == '/leder/gevinster'
    assert signed.session and await opens(hub, signed.session)
    user = hub.store.accounts.user('oidc:kari.nordmann@kommune.no')
    assert user is not None
    assert (user.name, user.grants, user.subject, user.password_hash) == (
        'Kari Nordmann', (Grant.parse(f'area:{AREA}'),), 'sub-kari', '')
    assert session_key(signed.session) in hub.store.accounts.sessions()
    # the flow's cookie is used once: the same answer from the provider again is refused
    assert 'board_oidc_flow' not in signed.browser.cookies


async def test_a_person_whose_groups_give_no_role_is_refused_with_a_page_that_says_whom_to_ask(
        hub: Hub, provider: Provider):
    provider.set_user('sub-ola', preferred_username='ola@kommune.no', name='Ola', groups=[ALLE_ANSATTE])
    signed = await sign_in(hub, provider, 'sub-ola')
    assert signed.response.status_code == 403
    assert signed.session is None
    page = signed.response.text
    assert 'Ingen rolle på tavla' in page
    assert 'ola@kommune.no' in page and 'ingen rolle på Forbedringstavla' in page
    assert 'IT-brukerstøtte, tlf. 4000' in page
    assert hub.store.accounts.user('oidc:ola@kommune.no') is None
    # no groups at all: the same
    provider.set_user('sub-per', preferred_username='per@kommune.no')
    signed = await sign_in(hub, provider, 'sub-per')
    assert signed.response.status_code == 403 and signed.session is None


async def test_a_changed_group_gives_the_new_roles_at_the_next_sign_in_and_takes_the_old_ones(
        hub: Hub, provider: Provider):
    provider.set_user('sub-anne', preferred_username='anne@kommune.no', name='Anne', groups=[ENHET_LEDERE])
    first = await sign_in(hub, provider, 'sub-anne')
    assert first.response.status_code == 303
    assert hub.store.accounts.user('oidc:anne@kommune.no').grants == (Grant.parse(f'unit:{UNIT}'),)  # type: ignore[union-attr]
    assert await opens(hub, first.session)
    assert not await opens(hub, first.session, '/admin')

    # moved to the IT admins' group at the provider
    provider.set_user('sub-anne', preferred_username='anne@kommune.no', name='Anne', groups=[IT_ADMIN])
    second = await sign_in(hub, provider, 'sub-anne')
    assert second.response.status_code == 303
    assert hub.store.accounts.user('oidc:anne@kommune.no').grants == (Grant.parse('admin'),)  # type: ignore[union-attr]
    assert await opens(hub, second.session, '/admin')
    assert not await opens(hub, first.session)  # a changed role ends the other logins, as an admin's change does

    # out of every group that gives a role: refused, and the login she still had ends now
    provider.set_user('sub-anne', preferred_username='anne@kommune.no', name='Anne', groups=[ALLE_ANSATTE])
    third = await sign_in(hub, provider, 'sub-anne')
    assert third.response.status_code == 403 and third.session is None
    assert hub.store.accounts.user('oidc:anne@kommune.no').grants == ()  # type: ignore[union-attr]
    assert not await opens(hub, second.session)
    assert not await opens(hub, second.session, '/admin')


async def test_a_local_account_of_the_same_name_is_neither_taken_over_nor_used_to_sign_in(
        hub: Hub, provider: Provider):
    password = 'et langt nok passord'
    await off_loop(admin.set_user, hub.store, 'kari', name='Lokale Kari', grants=[Grant.parse(f'unit:{UNIT}')],
                   password=password)
    local = hub.store.accounts.user('kari')
    provider.set_user('sub-kari-2', preferred_username='kari', name='Kari fra Entra', groups=[IT_ADMIN])
    signed = await sign_in(hub, provider, 'sub-kari-2')
    assert signed.response.status_code == 303
    assert hub.store.accounts.user('kari') == local  # untouched: still a unit leader, same password
    assert hub.store.accounts.user('oidc:kari').grants == (Grant.parse('admin'),)  # type: ignore[union-attr]
    # the provider's account has no password to log in with, whatever is typed: not even one an admin gave it
    await off_loop(admin.set_user, hub.store, 'oidc:kari', password=password)
    async with browser(hub) as client:
        for name, typed in (('oidc:kari', ''), ('oidc:kari', password)):
            response = await client.post('/login', data={'username': name, 'password': typed})
            assert response.status_code == 401
        response = await client.post('/login', data={'username': 'kari', 'password': password})
        assert response.status_code == 303
    # the admin page cannot create a local account with the provider's names
    with pytest.raises(RuleViolation):
        await off_loop(admin.set_user, hub.store, 'oidc:ny', name='Ny', password=password)


async def test_a_forged_or_foreign_state_and_an_answer_without_a_flow_are_refused(hub: Hub, provider: Provider):
    provider.set_user('sub-lise', preferred_username='lise@kommune.no', groups=[IT_ADMIN])
    forged = await sign_in(hub, provider, 'sub-lise', back=lambda url: with_query(url, state='forged'))
    assert forged.response.status_code == 400 and forged.session is None
    assert 'Start innloggingen på nytt' in forged.response.text
    assert not provider.token_requests  # the code was never exchanged

    # an attacker's own answer from the provider (their code and state) opened in someone else's browser
    attacker = await sign_in(hub, provider, 'sub-lise', back=lambda url: url)
    assert attacker.response.status_code == 303
    victim_browser = browser(hub)
    started = await victim_browser.get('/login/oidc')
    assert started.status_code == 303
    async with httpx.AsyncClient() as at_provider:
        address = started.headers['location']
        await at_provider.get(address)
        answer = (await at_provider.post(address, data={'sub': 'sub-lise'})).headers['location']
    async with browser(hub) as other:  # no flow under way in this browser
        response = await other.get(urlsplit(answer).path + '?' + urlsplit(answer).query)
    assert response.status_code == 400 and 'board_session' not in response.cookies
    # the provider's error (the person cancelled) is a page, not a login
    response = await victim_browser.get('/login/oidc/callback', params={
        'error': 'access_denied', 'error_description': 'AADSTS65004: User declined', 'state': 'x'})
    assert response.status_code == 403 and 'avbrøt eller avviste' in response.text
    await victim_browser.aclose()


@pytest.mark.parametrize('tamper', ['nonce', 'audience', 'signature'])
async def test_an_id_token_with_another_nonce_audience_or_signature_is_refused(
        hub: Hub, provider: Provider, tamper: str, caplog: pytest.LogCaptureFixture):
    provider.set_user('sub-tor', preferred_username='tor@kommune.no', groups=[IT_ADMIN])
    authorize: Callable[[str], str] = lambda url: url  # noqa: E731
    if tamper == 'nonce':  # the provider is asked for another nonce than the one this flow holds: a replayed token
        authorize = lambda url: with_query(url, nonce='replayed-nonce')  # noqa: E731
    elif tamper == 'audience':  # a genuine token of this provider, issued to another application
        provider.reissue = {'aud': 'another-application'}
    else:
        provider.foreign_key = True
    signed = await sign_in(hub, provider, 'sub-tor', authorize=authorize)
    assert signed.response.status_code == 400, signed.response.text
    assert signed.session is None
    assert 'kunne ikke godkjennes' in signed.response.text
    assert 'Traceback' not in signed.response.text
    assert hub.store.accounts.user('oidc:tor@kommune.no') is None
    assert any('ID token was refused' in r.getMessage() for r in caplog.records)


async def test_in_login_mode_staff_of_a_staff_group_open_the_boards_but_not_the_leaders_pages(
        provider: Provider, tmp_path: Path, caplog: pytest.LogCaptureFixture):
    settings = oidc_settings(tmp_path, provider.url, board_access='login')
    settings = settings.replace(oidc=settings.oidc.model_dump() | {'staff_groups': [ALLE_ANSATTE]})  # type: ignore[union-attr]
    provider.reset()
    async with hub_with(settings, caplog) as running:
        async with browser(running) as anonymous:
            refused = await anonymous.get(f'/units/{UNIT}')
        assert refused.status_code == 303 and refused.headers['location'].startswith('/login?next=')
        provider.set_user('sub-siri', preferred_username='siri@kommune.no', groups=[ALLE_ANSATTE])
        signed = await sign_in(running, provider, 'sub-siri', next_path=f'/units/{UNIT}')
        assert signed.response.status_code == 303 and signed.response.headers['location'] == f'/units/{UNIT}'
        assert await opens(running, signed.session, f'/units/{UNIT}')
        assert await opens(running, signed.session, '/')
        assert not await opens(running, signed.session, '/leder')
        # from the leaders' login the boards are where staff go
        again = await sign_in(running, provider, 'sub-siri', next_path='/leder')
        assert again.response.headers['location'] == '/'
        # out of the staff group: the next sign-in is refused and the boards close again
        provider.set_user('sub-siri', preferred_username='siri@kommune.no', groups=[])
        third = await sign_in(running, provider, 'sub-siri')
        assert third.response.status_code == 403
        assert not await opens(running, again.session, f'/units/{UNIT}')


async def test_a_provider_that_cannot_be_reached_gives_a_norwegian_page(
        tmp_path: Path, caplog: pytest.LogCaptureFixture):
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(('127.0.0.1', 0))
        closed = probe.getsockname()[1]
    async with hub_with(oidc_settings(tmp_path, f'http://127.0.0.1:{closed}'), caplog) as running, \
            browser(running) as client:
        response = await client.get('/login/oidc')
    assert response.status_code == 502
    assert 'får ikke kontakt med kommunens innloggingstjeneste' in response.text
    assert 'board_oidc_flow' not in response.cookies
    assert any('could not begin' in r.getMessage() and str(closed) in r.getMessage() for r in caplog.records)


async def test_the_login_page_shows_the_button_only_when_the_provider_is_set_up(
        provider: Provider, tmp_path: Path, caplog: pytest.LogCaptureFixture):
    async with hub_with(oidc_settings(tmp_path / 'oidc', provider.url), caplog) as running, \
            browser(running) as client:
        page = (await client.get('/login', params={'next': '/leder/enheter/x'})).text
    assert 'Logg inn med Kommunen' in page
    assert 'href="/login/oidc?next=/leder/enheter/x"' in page
    assert page.index('Logg inn med Kommunen') < page.index('<form')

    plain = Settings(data_dir=tmp_path / 'plain', public_url='http://127.0.0.1:8080', token_secret='t' * 32)
    async with hub_with(plain, caplog) as running, browser(running) as client:
        page = (await client.get('/login')).text
        assert 'Logg inn med' not in page and '/login/oidc' not in page
        response = await client.get('/login/oidc')
        assert response.status_code == 404 and 'ikke satt opp' in response.text


def test_settings_with_a_bad_role_or_an_insecure_issuer_fail_at_load(tmp_path: Path):
    path = tmp_path / 'board.toml'
    path.write_text('[board]\npublic_url = "https://tavla.kommune.no"\n[board.oidc]\n'
                    'issuer = "https://login.microsoftonline.com/tenant/v2.0"\nclient_id = "app"\n'
                    '[board.oidc.group_roles]\n"ledere-helse" = ["area:helse", "leder"]\n')
    with pytest.raises(ConfigError) as raised:
        load_settings(path, environ={})
    assert str(raised.value) == (
        f'[board.oidc.group_roles] ledere-helse = "leder" (in {path}): must be a list of roles, each "admin", '
        '"organisation", "area:<area-id>" or "unit:<unit-id>" ("leder" is none of them)')
    with pytest.raises(ConfigError, match=r'\[board.oidc\] issuer = "http://idp.kommune.no": .*https://'):
        Settings(public_url='https://tavla.kommune.no', oidc={'issuer': 'http://idp.kommune.no', 'client_id': 'a'})
    with pytest.raises(ConfigError, match=r'client_secret.*never goes in the settings file'):
        Settings(public_url='https://tavla.kommune.no',
                 oidc={'issuer': 'https://idp.kommune.no', 'client_id': 'a', 'client_secret': 'hemmelig'})
    good = Settings(public_url='https://tavla.kommune.no', oidc={
        'issuer': 'https://login.microsoftonline.com/tenant/v2.0/', 'client_id': 'a',
        'group_roles': {'g1': 'unit:a', 'g2': ['area:b', 'unit:a']}})
    assert good.oidc is not None and good.oidc.issuer == 'https://login.microsoftonline.com/tenant/v2.0'
    assert good.oidc.grants_for(['g1', 'g2', 'g3']) == (Grant.parse('unit:a'), Grant.parse('area:b'))
