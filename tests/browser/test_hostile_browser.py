"""Hostile data in a real browser: a card id and goal names from outside stay attribute values and text, on the
wall, the leaders' pages and the phone page; nothing they contain becomes an event handler, and every page works
under its Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bench.hubprocess import RunningHub, start_hub, stop_hub
from board.admin import set_user
from board.domain import Card, Column, Goal, GoalStatus
from board.users import Grant, Scope

from ..factories import UNIT, seeded_store
from .conftest import LEADER_PASSWORD, CspWatch
from .helpers import PHONE, scan

pytestmark = pytest.mark.browser

HOSTILE_ID = 'x onmouseover="alert(1)" data-x=1'
HOSTILE_TITLE = 'Kort med rar id'
QUOTED_NAME = 'Mål "med" \'sitat\' a=b <b onclick="alert(2)">fet</b>'

EVENT_ATTRIBUTES = 'els => els.flatMap(e => [...e.attributes].map(a => a.name)).filter(n => n.startsWith("on"))'


def hostile_data(data_dir: Path) -> None:
    store = seeded_store(data_dir)
    store.save_goal(Goal(id='sitat', unit_id=UNIT, name=QUOTED_NAME, colour='#D55E00', icon='star',
                         status=GoalStatus.OFF_TRACK, position='c'))
    # a card as a wall screen's push or an import could bring it: the store's own cards get uuid ids
    store.import_cards(UNIT, [Card(id=HOSTILE_ID, unit_id=UNIT, title=HOSTILE_TITLE, column=Column.IDEAS,
                                   created_at=datetime.now(UTC), goal_id='sitat')])
    set_user(store, 'leder', name='Ledergruppa', grants=[Grant(Scope.ORGANISATION)], password=LEADER_PASSWORD)
    store.close()


@pytest.fixture(scope='module')
def hostile_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    data_dir = tmp_path_factory.mktemp('hostile') / 'data'
    # on a thread of its own: Playwright's sync API keeps an event loop on this one, where the store writes nothing
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(hostile_data, data_dir).result()
    hub = start_hub(data_dir)
    yield hub
    stop_hub(hub)


def assert_no_event_attributes(page: Page) -> None:
    assert page.eval_on_selector_all('*', EVENT_ATTRIBUTES) == []


def log_in(page: Page, hub: RunningHub, path: str) -> None:
    page.goto(f'{hub.url}{path}')
    page.get_by_label('Brukernavn').fill('leder')
    page.get_by_label('Passord').fill(LEADER_PASSWORD)
    page.get_by_role('button', name='Logg inn').click()
    page.wait_for_url(f'{hub.url}{path}*')


def test_the_wall_shows_hostile_data_as_values_and_text_and_the_card_still_opens(hostile_hub: RunningHub,
                                                                                 wall_page: Page):
    page = wall_page
    dialogs: list[str] = []
    page.on('dialog', lambda d: (dialogs.append(d.message), d.dismiss()))
    csp = CspWatch(page)
    page.goto(hostile_hub.board_url(UNIT))
    card = page.locator('.board-card', has_text=HOSTILE_TITLE)
    expect(card).to_be_visible()
    assert card.get_attribute('data-card-id') == HOSTILE_ID
    assert card.get_attribute('data-x') is None
    expect(page.locator('.goal-chip', has_text=QUOTED_NAME)).to_be_visible()
    expect(card).to_contain_text(QUOTED_NAME)
    assert_no_event_attributes(page)
    card.hover()  # the would-be onmouseover
    card.click()  # the column's listener reads the id back from data-card-id
    expect(page.get_by_label('Tittel')).to_have_value(HOSTILE_TITLE)
    page.keyboard.press('Escape')
    expect(page.get_by_label('Tittel')).to_be_hidden()
    card.focus()
    page.keyboard.press('Enter')
    expect(page.get_by_label('Tittel')).to_have_value(HOSTILE_TITLE)
    page.wait_for_timeout(300)
    assert dialogs == []
    assert csp.violations() == []


def test_the_leaders_pages_show_hostile_data_as_values_and_text(hostile_hub: RunningHub, new_page):
    page = new_page(viewport={'width': 1440, 'height': 900}, locale='nb-NO')
    dialogs: list[str] = []
    page.on('dialog', lambda d: (dialogs.append(d.message), d.dismiss()))
    csp = CspWatch(page)
    log_in(page, hostile_hub, f'/leder/enheter/{UNIT}')
    card = page.locator('.board-card', has_text=HOSTILE_TITLE)
    expect(card).to_be_visible()
    assert card.get_attribute('data-card-id') == HOSTILE_ID
    assert_no_event_attributes(page)
    card.hover()
    page.get_by_role('link', name='Oversikt').first.click()
    expect(page.locator('.unit-tile .goal-dot', has_text=QUOTED_NAME)).to_be_visible()
    assert_no_event_attributes(page)
    page.wait_for_timeout(300)
    assert dialogs == []
    assert csp.violations() == []


def test_the_phone_page_shows_a_hostile_goal_name_as_text(hostile_hub: RunningHub, new_page):
    wall = new_page()
    wall.goto(hostile_hub.board_url(UNIT))
    expect(wall.locator('.qr-thumb img')).to_be_visible()
    phone = new_page(**PHONE)
    csp = CspWatch(phone)
    phone.goto(scan(wall))
    expect(phone.get_by_label(QUOTED_NAME)).to_be_visible()
    assert_no_event_attributes(phone)
    assert phone.locator('main b').count() == 0
    assert csp.violations() == []
