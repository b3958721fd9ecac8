"""Who may open the boards on the hub (``board_access``): from the municipality's networks (the default), after a
login, or open (the demo). Over HTTP against the hub's app, each client with a made-up address as uvicorn would
report it; the phone page, the login and the sync API keep their own rules whatever the setting.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from board import admin
from board.settings import PRIVATE_NETWORKS, ConfigError, Settings
from board.users import Grant

from ..conftest import Hub, off_loop
from ..factories import UNIT

PASSWORD = 'et langt nok passord'
BOARDS = ['/', f'/units/{UNIT}', f'/units/{UNIT}/historikk', '/units/finnes-ikke']
OUTSIDE = '8.8.8.8'  # a phone on the mobile network, or anyone on the internet


@asynccontextmanager
async def from_address(hub: Hub, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(hub._transport.app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url='http://127.0.0.1') as client:
        yield client


async def log_in(hub: Hub, client: httpx.AsyncClient, next_page: str = '/') -> httpx.Response:
    await off_loop(admin.set_user, hub.store, 'kari', name='Kari', grants=[Grant.parse(f'unit:{UNIT}')],
                   password=PASSWORD)
    return await client.post(f'/login?next={next_page}', data={'username': 'kari', 'password': PASSWORD})


def phone_page(hub: Hub) -> str:
    assert hub.context.tokens is not None
    return f'/p/{hub.context.tokens.current(UNIT)}'


@pytest.mark.parametrize('path', BOARDS)
async def test_boards_are_refused_outside_the_municipalitys_networks(hub: Hub, path: str):
    assert hub.context.settings.board_access == 'networks'  # the default
    async with from_address(hub, OUTSIDE) as outside:
        response = await outside.get(path)
    assert response.status_code == 403
    assert 'Tavla er på kommunens nett' in response.text and 'skann QR-koden' in response.text
    assert f'/login?next={path}' in response.text  # a leader is offered the login, and comes back here
    assert 'Traceback' not in response.text and 'Avdeling A' not in response.text


@pytest.mark.parametrize('address', ['127.0.0.1', '10.20.30.40', '172.16.5.9', '192.168.1.50', '::1'])
async def test_boards_open_from_the_municipalitys_networks(hub: Hub, address: str):
    async with from_address(hub, address) as inside:
        assert (await inside.get(f'/units/{UNIT}')).status_code == 200
        assert (await inside.get('/')).status_code == 200


async def test_the_phone_page_login_and_sync_api_keep_their_own_rules_outside(hub: Hub):
    async with from_address(hub, OUTSIDE) as outside:
        assert (await outside.get(phone_page(hub))).status_code == 200  # staff on the mobile network
        assert (await outside.get('/login')).status_code == 200
        # the sync API answers (to a wall screen's token only): not the board's friendly page
        response = await outside.get(f'/api/v1/units/{UNIT}/changes')
        assert response.status_code == 401
        assert (await outside.get('/leder')).status_code == 303  # the leaders' pages: their login


async def test_a_leader_logged_in_opens_the_boards_from_anywhere(hub: Hub):
    async with from_address(hub, OUTSIDE) as outside:
        response = await log_in(hub, outside, f'/units/{UNIT}')
        assert response.status_code == 303 and response.headers['location'] == f'/units/{UNIT}'
        assert (await outside.get(f'/units/{UNIT}')).status_code == 200


@pytest.mark.settings(board_access='login')
async def test_in_login_mode_every_visitor_logs_in_first(hub: Hub):
    async with from_address(hub, '10.0.0.5') as inside:  # even inside the networks
        response = await inside.get(f'/units/{UNIT}?uke=2026-W40')
        assert response.status_code == 303
        assert response.headers['location'] == f'/login?next=/units/{UNIT}?uke=2026-W40'
        assert (await inside.get(phone_page(hub))).status_code == 200
        await log_in(hub, inside)
        assert (await inside.get(f'/units/{UNIT}')).status_code == 200


@pytest.mark.settings(board_access='open')
async def test_open_boards_are_for_anyone_who_reaches_the_hub(hub: Hub):
    async with from_address(hub, OUTSIDE) as outside:
        assert (await outside.get(f'/units/{UNIT}')).status_code == 200


@pytest.mark.settings(board_networks=['203.0.113.0/24'])
async def test_the_networks_are_the_municipalitys_own(hub: Hub):
    async with from_address(hub, '203.0.113.7') as theirs, from_address(hub, '10.0.0.5') as other:
        assert (await theirs.get(f'/units/{UNIT}')).status_code == 200
        assert (await other.get(f'/units/{UNIT}')).status_code == 403  # the private ranges were replaced


def test_settings_for_access_are_checked():
    assert Settings().board_access == 'networks' and Settings().board_networks == PRIVATE_NETWORKS
    assert Settings(board_networks=['10.1.0.0/16', '127.0.0.1']).board_networks == ('10.1.0.0/16', '127.0.0.1/32')
    with pytest.raises(ConfigError, match=r'board_access.*"open", "networks", "login"'):
        Settings(board_access='everyone')
    with pytest.raises(ConfigError, match='board_networks'):
        Settings(board_networks=['the office'])
    with pytest.raises(ConfigError, match='trusted_proxies'):
        Settings(trusted_proxies=['localhost'])


def test_a_hub_on_loopback_without_a_trusted_proxy_warns_that_its_boards_would_be_open(caplog):
    from board.app import warn_if_open_behind_a_proxy
    from board.settings import Settings

    assert warn_if_open_behind_a_proxy(Settings(host='127.0.0.1'))
    assert 'trusted_proxies' in caplog.text
    assert not warn_if_open_behind_a_proxy(Settings(host='127.0.0.1', trusted_proxies=('127.0.0.1',)))
    assert not warn_if_open_behind_a_proxy(Settings(host='0.0.0.0'))
    assert not warn_if_open_behind_a_proxy(Settings(host='127.0.0.1', board_networks=('10.0.0.0/8',)))
    assert not warn_if_open_behind_a_proxy(Settings(host='127.0.0.1', board_access='login'))
