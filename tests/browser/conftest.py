"""Real browser tests: a hub process on 127.0.0.1 and Debian's Chromium driven by Playwright.

Chromium must be installed (``apt-get install -y chromium``); these tests fail, never skip, without it, so CI
cannot go green while not running them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from bench.hubprocess import CHROMIUM, CHROMIUM_ARGS, RunningHub, start_hub, stop_hub
from board.admin import set_user
from board.domain import Card, CardFields, Column, Gain, GainCategory, GainStatus
from board.store import Store
from board.users import Grant, Scope

from ..factories import OTHER_UNIT, UNIT, seeded_store

LEADER_PASSWORD = 'leder passord for testene'


def add_leaders_and_gains(store: Store) -> None:
    """A leader of the whole organisation and an admin; realised and identified gains on the other unit."""
    set_user(store, 'leder', name='Ledergruppa', grants=[Grant(Scope.ORGANISATION)], password=LEADER_PASSWORD)
    set_user(store, 'it', name='IT-avdelingen', grants=[Grant(Scope.ADMIN)], password=LEADER_PASSWORD)
    now = store.now()
    store.import_cards(OTHER_UNIT, [
        Card(id='gevinst-1', unit_id=OTHER_UNIT, title='Ny timeplan for lærerne', column=Column.DONE,
             created_at=now, started_at=now, finished_at=now,
             gain=Gain(categories=(GainCategory.CAPACITY,), hours_per_week=18.75, identified_on=now.date(),
                       status=GainStatus.REALISED, realised_on=now.date(), confirmed_by='Rektor')),
        Card(id='gevinst-2', unit_id=OTHER_UNIT, title='Felles kopirom', column=Column.DOING, created_at=now,
             started_at=now, gain=Gain(categories=(GainCategory.SAVINGS,), hours_per_week=37.5,
                                       identified_on=now.date())),
    ])

class CspWatch:
    """Content-Security-Policy violations on a page: Chromium's console messages and the DOM's own events."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.messages: list[str] = []
        page.on('console', lambda message: self.messages.append(message.text)
                if 'Content Security Policy' in message.text else None)
        # an init script comes through the DevTools protocol, which the page's policy does not govern
        page.add_init_script("window.cspViolations = []; document.addEventListener('securitypolicyviolation', "
                             "e => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));")

    def violations(self) -> list[str]:
        """Everything seen so far (the events of the current document, the console messages of all)."""
        return self.messages + self.page.evaluate('window.cspViolations || []')


@pytest.fixture(scope='package')
def running_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    data_dir = tmp_path_factory.mktemp('hub') / 'data'
    store = seeded_store(data_dir)
    store.create_card(UNIT, CardFields(title='Dra meg til Pågår', goal_id='ventetid', owner='Kari'))
    store.create_card(UNIT, CardFields(title='<img src=x onerror=alert(1)>'))
    store.create_card(UNIT, CardFields(title='Allerede i gang', owner='Per'), column=Column.DOING)
    store.create_card(UNIT, CardFields(title='Stor idé, ikke ferdig'))
    add_leaders_and_gains(store)
    store.close()
    hub = start_hub(data_dir)
    yield hub
    stop_hub(hub)


@pytest.fixture(scope='package')
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope='package')
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f'Chromium not found at {CHROMIUM}: install it with "apt-get install -y chromium"')
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def wall_page(browser: Browser) -> Iterator[Page]:
    """A wall-screen sized page with touch."""
    context = browser.new_context(viewport={'width': 1920, 'height': 1080}, has_touch=True, locale='nb-NO')
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator:
    contexts = []

    def make(**kwargs) -> Page:
        context = browser.new_context(**{'viewport': {'width': 1920, 'height': 1080}, 'has_touch': True} | kwargs)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
