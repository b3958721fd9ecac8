"""Logins survive a restart of the hub; an ended, changed or expired one still ends at once. Over HTTP against the
app, started twice on the same data folder (as after a restart or an upgrade)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from board import admin
from board.clock import utc_now
from board.settings import Settings
from board.store import Store
from board.users import Grant, Session, session_key

from ..conftest import Hub, off_loop, running_app
from ..factories import UNIT, seeded_store
from ..helpers import eventually

PASSWORD = 'et langt nok passord'


def settings_for(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / 'data', public_url='http://127.0.0.1:8080', token_secret='t' * 32)


async def log_in(hub: Hub, username: str) -> str:
    async with httpx.AsyncClient(transport=hub._transport, base_url='http://127.0.0.1') as client:
        response = await client.post('/login', data={'username': username, 'password': PASSWORD})
    assert response.status_code == 303, response.text
    return response.cookies['board_session']


async def opens_leader_pages(hub: Hub, token: str) -> bool:
    async with httpx.AsyncClient(transport=hub._transport, base_url='http://127.0.0.1',
                                 cookies={'board_session': token}) as client:
        response = await client.get('/leder')
    assert response.status_code in (200, 303)
    return response.status_code == 200


def stored_keys(settings: Settings) -> set[str]:
    return {doc['key'] for doc in json.loads((settings.data_dir / 'users.json').read_text())['sessions'].values()}


def prepare(settings: Settings) -> None:
    store = seeded_store(settings.data_dir)
    try:
        for name in ('kari', 'ola', 'per'):
            admin.set_user(store, name, name=name.capitalize(), grants=[Grant.parse(f'unit:{UNIT}')],
                           password=PASSWORD)
    finally:
        store.close()


async def test_a_login_survives_a_restart_and_an_ended_or_changed_one_does_not(
        tmp_path: Path, caplog: pytest.LogCaptureFixture):
    settings = settings_for(tmp_path)
    await off_loop(prepare, settings)
    async with running_app(settings) as hub:
        kept = await log_in(hub, 'kari')
        logged_out = await log_in(hub, 'kari')
        changed = await log_in(hub, 'ola')
        disabled = await log_in(hub, 'per')
        assert all([await opens_leader_pages(hub, t) for t in (kept, logged_out, changed, disabled)])
        # only the tokens' hashes are stored
        text = (settings.data_dir / 'users.json').read_text()
        assert all(t not in text for t in (kept, logged_out, changed, disabled))
        assert {session_key(t) for t in (kept, logged_out, changed, disabled)} <= stored_keys(settings)

        async with httpx.AsyncClient(transport=hub._transport, base_url='http://127.0.0.1',
                                     cookies={'board_session': logged_out}) as client:
            assert (await client.post('/logout')).status_code == 303
        # a new password (the CLI through the running hub's local admin API) and a disabled account
        local = json.loads((settings.data_dir / 'secrets' / 'local_admin.json').read_text())
        async with httpx.AsyncClient(transport=hub._transport, base_url='http://127.0.0.1',
                                     headers={'Authorization': f'Bearer {local["token"]}'}) as cli:
            assert (await cli.post('/api/v1/admin/users', json={
                'username': 'ola', 'password': 'et helt nytt passord'})).status_code == 200
            assert (await cli.post('/api/v1/admin/users', json={'username': 'per', 'disabled': True})).status_code \
                == 200
        # ended at once, in the running hub
        assert await opens_leader_pages(hub, kept)
        assert not await opens_leader_pages(hub, logged_out)
        assert not await opens_leader_pages(hub, changed)
        assert not await opens_leader_pages(hub, disabled)
        assert stored_keys(settings) == {session_key(kept)}

    # the hub restarts (an upgrade, a reboot): Kari is still logged in, the ended ones stay ended
    await off_loop(admin_enables_per, settings)
    async with running_app(settings) as hub:
        assert await opens_leader_pages(hub, kept)
        assert not await opens_leader_pages(hub, logged_out)
        assert not await opens_leader_pages(hub, changed)
        assert not await opens_leader_pages(hub, disabled)  # enabled again, but that login is gone
    assert not [r for r in caplog.records if r.levelname == 'ERROR']


def admin_enables_per(settings: Settings) -> None:
    with Store(settings.data_dir) as store:  # no hub runs: the command line writes the folder itself
        admin.set_user(store, 'per', disabled=False)


async def test_an_expired_login_ends_after_a_restart_and_is_dropped_from_the_file(tmp_path: Path):
    settings = settings_for(tmp_path)
    await off_loop(prepare, settings)
    now = utc_now()
    expired_token, soon_token = 'x' * 43, 'y' * 43

    def store_sessions() -> None:
        with Store(settings.data_dir) as store:
            store.accounts.add_session(session_key(soon_token) or '', Session(
                'kari', now - timedelta(hours=9), now + timedelta(hours=1)), now=now - timedelta(hours=9))
            store.accounts.add_session(session_key(expired_token) or '', Session(
                'kari', now - timedelta(hours=11), now - timedelta(minutes=1)), now=now - timedelta(hours=11))

    await off_loop(store_sessions)
    async with running_app(settings) as hub:
        assert not await opens_leader_pages(hub, expired_token)
        assert await opens_leader_pages(hub, soon_token)
        assert session_key(expired_token) in stored_keys(settings)
        await log_in(hub, 'ola')  # the next login tidies the file
        assert session_key(expired_token) not in stored_keys(settings)
        assert session_key(soon_token) in stored_keys(settings)


async def test_the_logout_button_ends_the_stored_login_too(hub: Hub, monkeypatch: pytest.MonkeyPatch):
    from nicegui.testing.user_navigate import UserNavigate
    gone_to: list[str] = []
    # the login form is a plain HTML page, which the simulated browser cannot open: note where it went
    monkeypatch.setattr(UserNavigate, 'to', lambda self, target, *args, **kwargs: gone_to.append(target))
    await off_loop(admin.set_user, hub.store, 'kari', name='Kari', grants=[Grant.parse(f'unit:{UNIT}')],
                   password=PASSWORD)
    user = hub.new_user()
    response = await user.http_client.post('/login', data={'username': 'kari', 'password': PASSWORD})
    token = response.cookies['board_session']
    await user.open('/leder')
    assert session_key(token) in hub.store.accounts.sessions()
    user.find(marker='logout').click()
    await eventually(lambda: session_key(token) not in hub.store.accounts.sessions())
    assert not await opens_leader_pages(hub, token)
    await eventually(lambda: gone_to == ['/login'])  # the page goes to the login once the logout is stored
