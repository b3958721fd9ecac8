"""Hostile input on the NiceGUI side: data never becomes markup, every response carries its security headers, and
a login's Argon2 never holds the event loop. Through NiceGUI's simulated user and httpx (no browser)."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from nicegui import Client, ui

from board import admin
from board.domain import Card, Column, Goal, GoalStatus
from board.i18n import translator
from board.ui import auth as auth_module
from board.ui.card_view import CardView, GoalChip, GoalFace, readable_colour
from board.ui.theme import NO_GOAL_COLOUR, safe_colour
from board.users import Grant, needs_rehash

from ..conftest import Hub
from ..factories import UNIT

HOSTILE_ID = 'x onmouseover="alert(1)" data-x=1'
QUOTED_NAME = 'Mål "med" \'sitat\' a=b <b>fet</b>'
PASSWORD = 'et langt nok passord'


def hostile_card(card_id: str = HOSTILE_ID) -> Card:
    return Card(id=card_id, unit_id=UNIT, title='Kort med rar id', column=Column.IDEAS,
                created_at=datetime(2024, 5, 2, 10, 0, tzinfo=UTC), goal_id='ventetid')


def event_props(client: Client) -> list[tuple[str, str]]:
    """Props of any element that a browser would treat as an event handler attribute (on...)."""
    return [(type(element).__name__, key) for element in client.elements.values() for key in element.props
            if str(key).lower().startswith('on')]


async def add_leader(hub: Hub, username: str = 'kari', role: str = 'organisation') -> None:
    await hub.store.run(admin.set_user, hub.store, username, name='Kari', grants=[Grant.parse(role)],
                        password=PASSWORD)


async def log_in(hub: Hub, username: str = 'kari'):
    user = hub.new_user()
    response = await user.http_client.post('/login', data={'username': username, 'password': PASSWORD})
    assert response.status_code == 303, response.text
    return user


# --- data never becomes markup --------------------------------------------------------------------------------------

async def test_a_card_id_from_outside_stays_one_attribute_on_the_wall_and_the_leaders_board(hub: Hub):
    await hub.store.run(hub.store.import_cards, UNIT, [hostile_card()])
    await add_leader(hub)
    wall = hub.new_user()
    leader = await log_in(hub)
    for user, path in ((wall, f'/units/{UNIT}'), (leader, f'/leder/enheter/{UNIT}')):
        client = await user.open(path)
        [view] = [e for e in client.elements.values() if isinstance(e, CardView) and e.card_id == HOSTILE_ID]
        assert view.props['data-card-id'] == HOSTILE_ID  # the whole id, as the value of the one attribute
        assert 'data-x' not in view.props
        assert set(view.props) == {'data-card-id', 'role', 'tabindex', 'handle', 'title', 'items'}  # none from data
        assert event_props(client) == []
    # and the card still opens from the column's listener, by the id the browser reads from data-card-id
    wall.find(marker='column-ideas').trigger('click', HOSTILE_ID)
    await wall.should_see('Kort med rar id')
    assert wall.find(marker='dialog-title').elements.pop().value == 'Kort med rar id'


async def test_goal_colours_icons_and_names_from_outside_never_add_a_style_or_an_attribute(hub: Hub):
    t = translator('nb')
    goal = Goal(id='mal', unit_id=UNIT, name=QUOTED_NAME, colour='#000000; background-image: url(//evil.example/x)',
                icon='flag" onclick="alert(1)', status=GoalStatus.OFF_TRACK, position='a')
    shown: dict[str, ui.element] = {}

    @ui.page('/probe')
    def probe() -> None:
        shown['card'] = CardView(hostile_card('kort'), goal, t=t, today=datetime.now(UTC).date())
        shown['chip'] = GoalChip(goal, GoalFace(GoalStatus.OFF_TRACK), t=t, on_open=lambda _: None)

    client = await hub.new_user().open('/probe')
    for element in (shown['card'], shown['chip']):
        assert element.style['--goal-colour'] == NO_GOAL_COLOUR
        assert set(element.style) <= {'--goal-colour', 'flex-wrap'}  # the row's own nowrap, nothing from data
    coloured = [dict(e.style) for e in client.elements.values() if 'color' in e.style]
    assert coloured and all(style == {'color': '#1a1a1a'} for style in coloured)
    assert event_props(client) == []
    names = [e for e in client.elements.values() if getattr(e, 'text', None) == QUOTED_NAME]
    assert len(names) == 1  # the goal's name on the chip, as text
    [named] = [item for item in shown['card'].props['items'] if item['text'] == QUOTED_NAME]
    # on the card: one item's text, its icon one attribute's value, its colour a plain one, its classes the board's
    assert named == {'text': QUOTED_NAME, 'class': 'meta-item', 'icon': goal.icon, 'colour': '#1a1a1a'}


def test_only_a_plain_colour_reaches_css():
    assert safe_colour('#0072B2') == '#0072B2'
    for bad in ('#0072B2;', '#0072B2\n', 'red', '#fff', '#0072B2 !important', 'url(x)', None, 7):
        assert safe_colour(bad) == NO_GOAL_COLOUR
        assert readable_colour(bad) == '#1a1a1a'  # type: ignore[arg-type]
    assert readable_colour('#E69F00') != '#E69F00' and len(readable_colour('#E69F00')) == 7  # darkened to read


# --- security headers -------------------------------------------------------------------------------------------

PAGE_DIRECTIVES = ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'",
                   "form-action 'self'", "connect-src 'self'")


def assert_page_headers(response) -> None:
    policy = response.headers['content-security-policy']
    for directive in PAGE_DIRECTIVES:
        assert directive in policy, (directive, policy)
    assert response.headers['x-content-type-options'] == 'nosniff'
    assert response.headers['referrer-policy'] == 'no-referrer'


async def test_every_page_has_its_security_headers(hub: Hub):
    await add_leader(hub, 'it', 'admin')
    anonymous = hub.new_user().http_client
    for path in ('/', f'/units/{UNIT}', f'/units/{UNIT}/historikk', '/units/finnes-ikke'):
        response = await anonymous.get(path)
        assert response.status_code == 200, path
        assert_page_headers(response)
    leader = (await log_in(hub, 'it')).http_client
    for path in ('/leder', '/leder/gevinster', f'/leder/enheter/{UNIT}', f'/leder/revisjon/{UNIT}', '/admin'):
        response = await leader.get(path)
        assert response.status_code == 200, path
        assert_page_headers(response)
    # the plain pages keep their own, stricter policy: no script at all
    assert hub.context.citizen_tokens is not None
    for response in (await anonymous.get('/login'), await anonymous.get('/p/not-a-token'),
                     await anonymous.get('/i/not-a-token'),
                     await anonymous.get(f'/i/{hub.context.citizen_tokens.current(UNIT)}'),
                     await anonymous.get(f'/leder/enheter/{UNIT}', follow_redirects=True)):
        assert "default-src 'none'" in response.headers['content-security-policy']
        assert 'unsafe' not in response.headers['content-security-policy']
    # JSON needs no policy, but is never sniffed as something else
    for path in ('/status', f'/api/v1/units/{UNIT}/changes?since=0'):
        response = await anonymous.get(path)
        assert response.headers['content-type'].startswith('application/json'), path
        assert response.headers['x-content-type-options'] == 'nosniff', path


# --- the event loop never waits for Argon2 -----------------------------------------------------------------------

async def test_a_login_does_not_hold_the_event_loop(hub: Hub, monkeypatch: pytest.MonkeyPatch):
    await add_leader(hub)
    real_verify = auth_module.verify_password

    def slow_verify(password_hash: str | None, password: str) -> bool:
        time.sleep(1.5)  # Argon2 on a slow hub, made slower: the test needs a clear margin
        return real_verify(password_hash, password)

    monkeypatch.setattr(auth_module, 'verify_password', slow_verify)
    login = asyncio.create_task(hub.new_user().http_client.post(
        '/login', data={'username': 'kari', 'password': PASSWORD}))
    await asyncio.sleep(0.2)  # the login is now verifying the password
    started = time.monotonic()
    status = await hub.new_user().http_client.get('/status')
    answered_in = time.monotonic() - started
    assert status.status_code == 200
    assert not login.done(), 'the other request had to wait for the whole login'
    assert answered_in < 0.5
    assert (await login).status_code == 303


async def test_an_old_password_hash_is_upgraded_at_login_through_the_store(hub: Hub):
    await add_leader(hub)
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    old = hub.store.accounts.user('kari')
    assert old is not None
    await hub.store.run(hub.store.accounts.save, dataclasses.replace(old, password_hash=weak))
    assert needs_rehash(weak)
    await log_in(hub)
    user = hub.store.accounts.user('kari')
    assert user is not None and user.password_hash != weak and not needs_rehash(user.password_hash)
