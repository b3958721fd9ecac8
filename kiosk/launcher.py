"""Runs Chromium full screen on the wall screen's board and keeps it healthy, without ever looping.

``python -m kiosk.launcher --config /etc/forbedringstavla/board.toml`` (the systemd unit
``forbedringstavla-browser.service`` does this). Settings come from the ``[kiosk]`` table of the same file as the
board's (see ``kiosk/board.toml.example``).

What it does, every few seconds (decisions in :func:`decide`, so they are tested without a browser):

- It starts Chromium in kiosk mode at the local board and tracks *that* process (it never kills browsers by name).
- It acts on the browser only while the local board app answers ``/status``. If the app is down, the browser is
  left alone (systemd restarts the app): reloading then would only show an error page, and then another one.
- A browser that exited is started again. A page that crashed or went stale is noticed from the app's side: the
  app reports how many board pages hold a live connection, and none for ``stale_after`` seconds means the page is
  dead, so the browser is restarted, at most once per ``stale_after``.
- Once a night (``nightly_restart``) the browser is restarted to bound its memory.
- Outside ``screen_on`` .. ``screen_off`` on ``screen_days`` the display is switched off with ``display_off_command``
  (a school's hours are not a nursing home's); an empty ``screen_on`` means always on.
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from datetime import time as clock_time
from enum import StrEnum
from pathlib import Path

from board.settings import ConfigError, LauncherSettings, load_launcher_settings

__all__ = ['Action', 'LauncherConfig', 'Observation', 'decide', 'main']

log = logging.getLogger('kiosk')

CHROMIUM_FLAGS = [
    '--kiosk', '--noerrdialogs', '--disable-infobars', '--no-first-run', '--disable-translate',
    '--disable-features=Translate,TranslateUI', '--disable-pinch', '--overscroll-history-navigation=0',
    '--touch-events=enabled', '--disable-session-crashed-bubble', '--check-for-update-interval=31536000',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required',
]


class Action(StrEnum):
    NOTHING = 'nothing'
    START_BROWSER = 'start_browser'
    RESTART_BROWSER = 'restart_browser'
    SCREEN_OFF = 'screen_off'
    SCREEN_ON = 'screen_on'


class LauncherConfig(LauncherSettings):
    """The ``[kiosk]`` table: its fields, types and ranges are :class:`board.settings.LauncherSettings`."""

    @property
    def status_url(self) -> str:
        base = self.url.split('/units/')[0].rstrip('/')
        return f'{base}/status'

    def screen_should_be_on(self, now: datetime) -> bool:
        if self.screen_on is None or self.screen_off is None:
            return True
        return now.isoweekday() in self.screen_days and self.screen_on <= now.time() < self.screen_off


@dataclass
class Observation:
    """What the watchdog saw this round, and what it remembers between rounds."""
    now: datetime
    monotonic: float
    app_answers: bool
    boards_connected: int
    browser_running: bool
    screen_is_on: bool = True
    # memory
    no_board_since: float | None = None
    last_restart: float = field(default=-1e9)
    last_nightly: datetime | None = None


def decide(config: LauncherConfig, seen: Observation) -> list[Action]:
    """What to do now. Updates the memory fields of ``seen`` for the next round."""
    actions: list[Action] = []
    wanted_on = config.screen_should_be_on(seen.now)
    if wanted_on != seen.screen_is_on:
        actions.append(Action.SCREEN_ON if wanted_on else Action.SCREEN_OFF)
    if not seen.app_answers:
        seen.no_board_since = None  # the page cannot connect while the app is down; that is not the page's fault
        return actions
    if not seen.browser_running:
        seen.last_restart = seen.monotonic
        seen.no_board_since = None
        return [*actions, Action.START_BROWSER]
    if seen.boards_connected:
        seen.no_board_since = None
    elif seen.no_board_since is None:
        seen.no_board_since = seen.monotonic
    stale = (seen.no_board_since is not None and seen.monotonic - seen.no_board_since >= config.stale_after
             and seen.monotonic - seen.last_restart >= config.stale_after)
    nightly = (config.nightly_restart is not None and seen.now.time() >= config.nightly_restart
               and (seen.last_nightly is None or seen.last_nightly.date() < seen.now.date())
               and seen.now.time() < _plus_minutes(config.nightly_restart, 30))
    if stale or nightly:
        if nightly:
            seen.last_nightly = seen.now
        seen.last_restart = seen.monotonic
        seen.no_board_since = None
        actions.append(Action.RESTART_BROWSER)
    return actions


class Browser:
    """The one Chromium process this launcher started."""

    def __init__(self, config: LauncherConfig) -> None:
        self.config = config
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        Path(self.config.profile_dir).mkdir(parents=True, exist_ok=True)
        command = [self.config.chromium, *CHROMIUM_FLAGS, *self.config.extra_flags,
                   f'--user-data-dir={self.config.profile_dir}', self.config.url]
        log.info('starting the browser at %s', self.config.url)
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m kiosk.launcher', description=__doc__.split('\n\n')[0])
    parser.add_argument('--config', type=Path, required=True, help='the board.toml with a [kiosk] table')
    parser.add_argument('--rounds', type=int, default=0, help='stop after this many checks (for tests; 0: never)')
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    try:
        config = load_config(args.config)
    except ConfigError as error:
        print(f'{parser.prog}: {error}', file=sys.stderr)
        return 2
    browser = Browser(config)
    seen = Observation(now=datetime.now(), monotonic=time.monotonic(), app_answers=False, boards_connected=0,
                       browser_running=False)
    rounds = 0
    try:
        while not args.rounds or rounds < args.rounds:
            rounds += 1
            app_answers, boards = read_status(config.status_url)
            seen.now, seen.monotonic = datetime.now(), time.monotonic()
            seen.app_answers, seen.boards_connected, seen.browser_running = app_answers, boards, browser.running
            for action in decide(config, seen):
                log.info('watchdog: %s', action.value)
                if action in (Action.START_BROWSER, Action.RESTART_BROWSER):
                    browser.stop()
                    browser.start()
                elif action in (Action.SCREEN_ON, Action.SCREEN_OFF):
                    command = config.display_on_command if action == Action.SCREEN_ON else config.display_off_command
                    if run_display_command(command):
                        seen.screen_is_on = action == Action.SCREEN_ON
            time.sleep(config.check_every)
    except KeyboardInterrupt:
        pass
    finally:
        browser.stop()
    return 0


def read_status(url: str) -> tuple[bool, int]:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            body = json.loads(response.read())
            return body.get('status') == 'ok', int(body.get('boards', 0))
    except (OSError, ValueError):
        return False, 0


def run_display_command(command: str) -> bool:
    if not command:
        return True
    try:
        subprocess.run(shlex.split(command), check=True, timeout=10, capture_output=True)
        return True
    except (OSError, subprocess.SubprocessError) as error:
        log.warning('display command %r failed: %s', command, error)
        return False


def load_config(path: Path) -> LauncherConfig:
    """The ``[kiosk]`` table of ``path``; a bad value raises one :class:`ConfigError` naming it."""
    return load_launcher_settings(path, LauncherConfig)


def _plus_minutes(moment: clock_time, minutes: int) -> clock_time:
    total = moment.hour * 60 + moment.minute + minutes
    return clock_time(min(total // 60, 23), total % 60 if total // 60 < 24 else 59)


if __name__ == '__main__':
    raise SystemExit(main())
