"""Limits that cannot be turned against users: phone budgets per source, logins that slow down instead of locking,
forms refused when posted from another site. Over HTTP against the hub's app (ASGI, addresses made up per client);
Argon2 and the login delays are made fast, so every test takes a second or two.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import types
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from board import admin
from board.ui import auth as auth_module
from board.ui import phone
from board.users import Grant

from ..conftest import Hub, off_loop
from ..factories import UNIT

PASSWORD = 'et langt nok passord'


@asynccontextmanager
async def from_address(hub: Hub, address: str, **options: object) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests come from ``address`` (as uvicorn would report it)."""
    transport = httpx.ASGITransport(hub._transport.app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url='http://127.0.0.1', **options) as client:
        yield client


def phone_url(hub: Hub) -> str:
    assert hub.context.tokens is not None
    return f'/p/{hub.context.tokens.current(UNIT)}'


# --- the phone page -----------------------------------------------------------------------------------------------

async def test_the_form_issues_a_cookie_the_hub_signed_and_replaces_a_made_up_one(hub: Hub):
    async with from_address(hub, '10.0.0.5') as client:
        first = await client.get(phone_url(hub))
        cookie = first.cookies[phone.COOKIE]
        ident, _, signature = cookie.partition('.')
        assert ident and len(signature) == 22
        assert 'HttpOnly' in first.headers['set-cookie']
        again = await client.get(phone_url(hub))
        assert phone.COOKIE not in again.cookies  # it has a good one: kept
        client.cookies.clear()
        client.cookies.set(phone.COOKIE, f'{ident}.{"A" * 22}')  # changed by hand
        replaced = await client.get(phone_url(hub))
        assert replaced.cookies[phone.COOKIE] not in (cookie, f'{ident}.{"A" * 22}')
        # a phone without a valid cookie is still answered (its cookies were cleared): the idea is taken
        client.cookies.clear()
        sent = await client.post(phone_url(hub), data={'title': 'Uten informasjonskapsel'})
        assert sent.status_code == 303
    assert [c.title for c in hub.store.cards(UNIT)] == ['Uten informasjonskapsel']


async def test_a_flood_rotating_cookies_never_blocks_a_new_phone_at_the_unit(hub: Hub):
    ideas = hub.context.settings.phone_ideas_per_window
    url = phone_url(hub)
    async with from_address(hub, '203.0.113.9') as flood:
        # made-up cookies, a new one each time: they share one phone's budget of the address
        made_up = [await flood.post(url, data={'title': f'Søppel {n}'},
                                    headers={'Cookie': f'{phone.COOKIE}={secrets.token_urlsafe(16)}.x'})
                   for n in range(ideas + 5)]
        assert [r.status_code for r in made_up].count(303) == ideas
        assert 'Vent 10 min' in made_up[-1].text

        # genuine signed cookies, fetched fresh for each idea and sent all at once: the address's budget holds
        async def signed_idea(n: int) -> int:
            async with from_address(hub, '203.0.113.9') as one:
                await one.get(url)
                return (await one.post(url, data={'title': f'Mer søppel {n}'})).status_code

        statuses = await asyncio.gather(*(signed_idea(n) for n in range(phone.ADDRESS_FACTOR * ideas)))
        assert statuses.count(303) == (phone.ADDRESS_FACTOR - 1) * ideas  # counted as they came, not as stored
        assert set(statuses) == {303, 429}
    flooded = len(hub.store.cards(UNIT))
    assert flooded == phone.ADDRESS_FACTOR * ideas < phone.UNIT_FACTOR * ideas  # one address: half the unit's at most

    # a new phone at the same unit, on the mobile network, sends its idea as usual
    async with from_address(hub, '198.51.100.23') as genuine:
        await genuine.get(url)
        response = await genuine.post(url, data={'title': 'Bedre rutine for vaktbytte'}, follow_redirects=True)
        assert response.status_code == 200 and 'Ideen er sendt' in response.text
    assert 'Bedre rutine for vaktbytte' in {c.title for c in hub.store.cards(UNIT)}


async def test_a_phone_at_the_limit_is_told_to_wait_and_keeps_its_text(hub: Hub):
    url = phone_url(hub)
    async with from_address(hub, '10.0.0.8') as client:
        await client.get(url)
        for n in range(hub.context.settings.phone_ideas_per_window):
            assert (await client.post(url, data={'title': f'Idé {n}'})).status_code == 303
        refused = await client.post(url, data={'title': 'Den ellevte'})
        assert refused.status_code == 429 and 'Den ellevte' in refused.text
        assert 'Du har sendt mange ideer på kort tid' in refused.text
    async with from_address(hub, '10.0.0.8') as colleague:  # another phone on the same Wi-Fi
        await colleague.get(url)
        assert (await colleague.post(url, data={'title': 'Kollegaens idé'})).status_code == 303


# --- forms posted from another site ----------------------------------------------------------------------------------

@pytest.mark.parametrize('headers', [{'Origin': 'http://evil.example'}, {'Referer': 'http://evil.example/side'},
                                     {'Origin': 'null'}, {'Origin': 'http://127.0.0.1:9999'},
                                     {'Origin': 'http://evil.example', 'X-Forwarded-Host': 'evil.example'}])
async def test_forms_posted_from_another_site_are_refused(hub: Hub, headers: dict[str, str]):
    await off_loop(admin.set_user, hub.store, 'kari', name='Kari', grants=[Grant.parse(f'unit:{UNIT}')],
                   password=PASSWORD)
    async with from_address(hub, '10.0.0.5') as client:
        sent = await client.post(phone_url(hub), data={'title': 'Fra en annen side'}, headers=headers)
        assert sent.status_code == 403
        assert 'Skjemaet kom fra en annen side' in sent.text and 'Ingenting er lagret' in sent.text
        login = await client.post('/login', data={'username': 'kari', 'password': PASSWORD}, headers=headers)
        assert login.status_code == 403 and 'board_session' not in login.cookies
        # a login from here, then a logout posted from elsewhere does not end it
        good = await client.post('/login', data={'username': 'kari', 'password': PASSWORD})
        assert good.status_code == 303
        assert (await client.post('/logout', headers=headers)).status_code == 403
        assert (await client.get('/leder')).status_code == 200
    assert hub.store.cards(UNIT) == []


@pytest.mark.parametrize('headers', [{}, {'Origin': 'http://127.0.0.1'}, {'Referer': 'http://127.0.0.1/p/x'},
                                     {'Origin': 'https://tavla.kommune.no', 'Host': 'tavla.kommune.no'},
                                     {'Origin': 'https://tavla.kommune.no', 'Host': 'tavla.kommune.no:443'},
                                     {'Origin': 'http://[::1]:8080', 'Host': '[::1]:8080'}])
async def test_forms_from_this_hub_or_without_origin_are_taken(hub: Hub, headers: dict[str, str]):
    async with from_address(hub, '10.0.0.5') as client:
        sent = await client.post(phone_url(hub), data={'title': 'Herfra'}, headers=headers)
        assert sent.status_code == 303, sent.text
        assert (await client.post('/logout', headers=headers)).status_code == 303


# --- logins ----------------------------------------------------------------------------------------------------------

class FastLogins:
    """Argon2 replaced by a plain comparison and the delays shortened a hundredfold; what was asked is recorded."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.waits: list[float] = []
        self.checked = 0
        monkeypatch.setattr(auth_module, 'verify_password', self.verify)
        monkeypatch.setattr(auth_module, 'asyncio', types.SimpleNamespace(sleep=self.sleep))

    def verify(self, password_hash: str | None, password: str) -> bool:
        self.checked += 1
        return password_hash is not None and password == PASSWORD

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(seconds / 100)


async def login(hub: Hub, address: str, username: str, password: str) -> httpx.Response:
    async with from_address(hub, address) as client:
        return await client.post('/login', data={'username': username, 'password': password})


async def test_a_flood_against_one_name_never_stops_its_owner_from_another_address(
        hub: Hub, monkeypatch: pytest.MonkeyPatch):
    fast = FastLogins(monkeypatch)
    await off_loop(admin.set_user, hub.store, 'kari', name='Kari', grants=[Grant.parse(f'unit:{UNIT}')],
                   password=PASSWORD)
    free = hub.context.settings.login_attempts * 4  # an address's attempts before it slows down

    async def guess(n: int) -> int:
        return (await login(hub, '203.0.113.9', 'kari', f'gjetning {n}')).status_code

    flood = [asyncio.create_task(guess(n)) for n in range(40)]  # 40 guesses at the same moment
    await asyncio.sleep(0.05)
    started = time.monotonic()
    owner = await login(hub, '10.20.30.40', 'kari', PASSWORD)  # while the flood is under way
    assert owner.status_code == 303 and 'board_session' in owner.cookies
    assert time.monotonic() - started < 2
    statuses = await asyncio.gather(*flood)
    # counted when they started: after the free ones, each waited its turn (1 s, 2 s, 4 s ...) or was sent away
    assert statuses.count(401) + statuses.count(429) == 40
    assert len([w for w in fast.waits if w > 0]) >= 5
    assert statuses.count(429) >= 10
    assert fast.checked <= free + 6 + 1  # the free ones, those that waited, and the owner's
    assert 'For mange innloggingsforsøk fra denne adressen' in (await login(hub, '203.0.113.9', 'kari', 'x')).text

    # afterwards too: the owner's login from her own address waits for nothing
    fast.waits.clear()
    assert (await login(hub, '10.20.30.41', 'kari', PASSWORD)).status_code == 303
    assert fast.waits == []


async def test_guesses_from_many_addresses_slow_the_name_down_but_never_past_the_cap(
        hub: Hub, monkeypatch: pytest.MonkeyPatch):
    fast = FastLogins(monkeypatch)
    await off_loop(admin.set_user, hub.store, 'kari', name='Kari', grants=[Grant.parse(f'unit:{UNIT}')],
                   password=PASSWORD)
    for n in range(4):
        for _ in range(3):
            assert (await login(hub, f'203.0.113.{n}', 'kari', 'feil passord')).status_code == 401
    assert fast.waits and max(fast.waits) == auth_module.LOGIN_DELAY_MAX  # the name slowed down, to the cap
    fast.waits.clear()
    owner = await login(hub, '10.20.30.40', 'kari', PASSWORD)
    assert owner.status_code == 303  # after waiting, never refused
    assert fast.waits == [auth_module.LOGIN_DELAY_MAX]
    # another name is not slowed by it
    fast.waits.clear()
    assert (await login(hub, '10.20.30.40', 'ola', 'feil passord')).status_code == 401
    assert fast.waits == []


async def test_the_admin_page_lists_failed_logins(hub: Hub, monkeypatch: pytest.MonkeyPatch):
    FastLogins(monkeypatch)
    await off_loop(admin.set_user, hub.store, 'it', name='IT', grants=[Grant.parse('admin')], password=PASSWORD)
    for _ in range(3):
        await login(hub, '203.0.113.7', 'kari', 'feil passord')
    await login(hub, '198.51.100.1', 'finnes.ikke', 'feil passord')
    user = hub.new_user()
    assert (await user.http_client.post('/login', data={'username': 'it', 'password': PASSWORD})).status_code == 303
    await user.open('/admin')
    user.find(marker='tab-logins').click()
    [table] = user.find(marker='failed-logins').elements
    rows = [(r['name'], r['from'], r['count']) for r in table.rows]  # type: ignore[attr-defined]
    assert rows == [('finnes.ikke', '198.51.100.1', 1), ('kari', '203.0.113.7', 3)]
    await login(hub, '203.0.113.7', 'kari', 'feil igjen')
    user.find(marker='refresh-logins').click()
    [table] = user.find(marker='failed-logins').elements
    assert [(r['name'], r['count']) for r in table.rows] == [('kari', 4), ('finnes.ikke', 1)]  # type: ignore
