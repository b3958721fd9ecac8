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
from board.domain import CardFields, Column

from ..factories import UNIT, seeded_store


@pytest.fixture(scope='package')
def running_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    data_dir = tmp_path_factory.mktemp('hub') / 'data'
    store = seeded_store(data_dir)
    store.create_card(UNIT, CardFields(title='Dra meg til Pågår', goal_id='ventetid', owner='Kari'))
    store.create_card(UNIT, CardFields(title='<img src=x onerror=alert(1)>'))
    store.create_card(UNIT, CardFields(title='Allerede i gang', owner='Per'), column=Column.DOING)
    store.create_card(UNIT, CardFields(title='Stor idé, ikke ferdig'))
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
