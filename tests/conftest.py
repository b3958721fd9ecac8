from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from nicegui.testing import User

from board.app import create_app, run_options
from board.context import AppContext
from board.settings import Settings
from board.store import Store

from .factories import seeded_store

T = TypeVar('T')


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A store with two units and two goals, in a temporary folder (always the atomic JSON storage)."""
    s = seeded_store(tmp_path / 'data')
    yield s
    s.close()


@dataclass
class Hub:
    """A hub built by ``create_app`` on a temporary data folder, with simulated screens (NiceGUI users)."""
    context: AppContext
    _transport: httpx.ASGITransport

    @property
    def store(self) -> Store:
        return self.context.store

    @property
    def do(self) -> _Writer:
        """The store's writes as another actor makes them: ``await hub.do.create_card(...)`` runs on the writer.

        The test runs on the app's event loop, where a durable write is refused (as it must be for the app).
        """
        return _Writer(self.store)

    def new_user(self, *, draft: str | None = None) -> User:
        """A simulated screen; ``draft``: the key of the form its browser had open with a draft (assets/drafts.js)."""
        user = User(httpx.AsyncClient(transport=self._transport, base_url='http://test'))
        user.javascript_rules[re.compile(r'.*boardDrafts\.pendingFor')] = lambda _: draft
        return user


class _Writer:
    """Runs the store's writes (and those of its registries: ``hub.do.wall_screens.revoke(...)``) on its writer."""

    def __init__(self, store: Store, target: object = None) -> None:
        self._store = store
        self._target = store if target is None else target

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if not callable(attribute):
            return _Writer(self._store, attribute)

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await self._store.run(attribute, *args, **kwargs)
        return call


async def off_loop(write: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a write (of a store without its writer open, or a helper that writes) off the event loop."""
    return await asyncio.to_thread(write, *args, **kwargs)


@pytest.fixture
async def hub(tmp_path: Path, caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest) -> AsyncIterator[Hub]:
    """Our app in NiceGUI's user simulation: the same steps as NiceGUI's ``user`` fixture, with create_app.

    ``@pytest.mark.settings(language='en')`` changes settings for one test.
    """
    marker = request.node.get_closest_marker('settings')
    defaults = {'data_dir': tmp_path / 'data', 'public_url': 'http://127.0.0.1:8080', 'token_secret': 't' * 32}
    settings = Settings(**(defaults | (marker.kwargs if marker else {})))
    data = request.node.get_closest_marker('data_folder')
    if data is not None:  # a data folder kept as test data (e.g. one written by an older format): a copy
        shutil.copytree(data.args[0], settings.data_dir)
    else:
        await off_loop(lambda: seeded_store(settings.data_dir).close())
    async with running_app(settings) as running:
        yield running
    errors = [r for r in caplog.get_records('call') if r.levelname == 'ERROR']
    if errors:
        pytest.fail(f'unexpected ERROR logs: {[r.getMessage() for r in errors]}', pytrace=False)


_NICEGUI_LIFESPAN: dict[str, Any] = {}


@contextlib.asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[Hub]:
    """The app on ``settings.data_dir`` from its start to its shutdown; twice in a row is a restart of the hub."""
    from nicegui import core, ui
    from nicegui.functions.download import download
    from nicegui.functions.navigate import Navigate
    from nicegui.functions.notify import notify
    from nicegui.testing.general import nicegui_reset_globals, prepare_simulation

    with nicegui_reset_globals():
        os.environ['NICEGUI_USER_SIMULATION'] = 'true'
        try:
            prepare_simulation()
            # NiceGUI's app is one object for the whole session, and FastAPI's include_router nests the app's
            # lifespan in one more layer per router: start each test's hub from NiceGUI's own lifespan (else the
            # layers of ~400 hubs overflow the stack at a late test's start)
            _NICEGUI_LIFESPAN.setdefault('base', core.app.router.lifespan_context)
            core.app.router.lifespan_context = _NICEGUI_LIFESPAN['base']
            context = create_app(settings)
            ui.run(**run_options(context))  # type: ignore[arg-type]
            async with core.app.router.lifespan_context(core.app):
                yield Hub(context, httpx.ASGITransport(core.app))
        finally:
            os.environ.pop('NICEGUI_USER_SIMULATION', None)
            ui.navigate = Navigate()
            ui.notify = notify
            ui.download = download


# --- browser tests run last, and must run: a skipped browser test fails the session -------------------------------

def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Playwright's sync API holds an event loop while its fixtures live; the async tests go before it
    items.sort(key=lambda item: 'browser' in item.keywords)


_skipped_browser_tests: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and 'browser' in report.keywords:
        _skipped_browser_tests.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _skipped_browser_tests:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print(f'\nbrowser tests were skipped, which CI does not allow: {_skipped_browser_tests}')
