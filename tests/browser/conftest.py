"""Real browser tests: a hub process on 127.0.0.1 and Debian's Chromium driven by Playwright.

Chromium must be installed (``apt-get install -y chromium``); these tests fail, never skip, without it, so CI
cannot go green while not running them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from board.domain import CardFields, Column

from ..factories import UNIT, seeded_store

CHROMIUM = os.environ.get('BOARD_CHROMIUM', '/usr/bin/chromium')
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
                 '--disable-sync', '--no-first-run', '--disable-quic']
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RunningHub:
    url: str
    data_dir: Path
    process: subprocess.Popen

    def board_url(self, unit_id: str = UNIT) -> str:
        return f'{self.url}/units/{unit_id}'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def start_hub(data_dir: Path, port: int | None = None) -> RunningHub:
    port = port or free_port()
    url = f'http://127.0.0.1:{port}'
    log_path = data_dir.parent / f'hub-{port}.log'
    with log_path.open('a') as log:
        process = subprocess.Popen(
            [sys.executable, '-m', 'board.cli', 'hub', '--data', str(data_dir), '--host', '127.0.0.1',
             '--port', str(port), '--public-url', url],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=hub_environment())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f'hub exited with {process.returncode}; see {log_path}')
        try:
            with urllib.request.urlopen(f'{url}/status', timeout=1) as response:
                if response.status == 200:
                    return RunningHub(url, data_dir, process)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f'hub did not answer on {url} within 30 s; see {log_path}')


def hub_environment() -> dict[str, str]:
    # a hub started from a test is a real server: NiceGUI must not see pytest's variables and act as a test
    env = {k: v for k, v in os.environ.items() if not k.startswith(('PYTEST_', 'NICEGUI_'))}
    return env | {'PYTHONUNBUFFERED': '1'}


def stop_hub(hub: RunningHub) -> None:
    hub.process.terminate()
    try:
        hub.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        hub.process.kill()
        hub.process.wait()


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
