"""The wall screen's watchdog: what it does when the app, the page or the browser misbehaves (fake clock)."""

from __future__ import annotations

import itertools
import sys
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import pytest

from board.settings import ConfigError, Settings
from kiosk.launcher import Action, Browser, LauncherConfig, Observation, decide, load_config, main

ROOT = Path(__file__).resolve().parents[2]
CONFIG = LauncherConfig(stale_after=60, nightly_restart=clock_time(3, 30))
MONDAY_NOON = datetime(2026, 11, 23, 12, 0)


def observe(seen: Observation | None = None, *, after: float = 10, **now: object) -> Observation:
    if seen is None:
        seen = Observation(now=MONDAY_NOON, monotonic=0.0, app_answers=True, boards_connected=1,
                           browser_running=True)
    else:
        seen.monotonic += after
        seen.now += timedelta(seconds=after)
    for name, value in now.items():
        setattr(seen, name, value)
    return seen


def test_a_healthy_screen_is_left_alone():
    seen = observe()
    for _ in range(100):
        assert decide(CONFIG, observe(seen)) == []


def test_a_browser_that_exited_is_started_again_but_only_when_the_app_answers():
    seen = observe(browser_running=False, app_answers=False)
    assert decide(CONFIG, seen) == []  # the app is down: starting a browser now would show an error page
    assert decide(CONFIG, observe(seen, app_answers=True)) == [Action.START_BROWSER]


def test_a_dead_page_is_restarted_once_and_never_in_a_loop():
    seen = observe(boards_connected=0)
    actions = [decide(CONFIG, observe(seen, after=10, boards_connected=0)) for _ in range(30)]  # 5 minutes dead
    restarts = [i for i, a in enumerate(actions) if Action.RESTART_BROWSER in a]
    assert restarts and restarts[0] >= 5  # not before a minute without a live page
    assert all(b - a >= 6 for a, b in itertools.pairwise(restarts))  # at most once a minute
    assert len(restarts) <= 5


def test_while_the_app_is_down_the_browser_is_not_touched():
    seen = observe(boards_connected=0)
    for _ in range(60):  # ten minutes of the app restarting
        assert decide(CONFIG, observe(seen, app_answers=False, boards_connected=0)) == []
    assert decide(CONFIG, observe(seen, app_answers=True, boards_connected=1)) == []  # the page reconnected itself


def test_the_browser_is_restarted_once_a_night():
    seen = observe(now=datetime(2026, 11, 24, 3, 25))
    nightly = [decide(CONFIG, observe(seen, after=60)) for _ in range(60)]  # 03:26 .. 04:25
    assert sum(Action.RESTART_BROWSER in a for a in nightly) == 1


def test_the_screen_follows_the_units_hours():
    school = LauncherConfig(screen_on=clock_time(7), screen_off=clock_time(17), screen_days=(1, 2, 3, 4, 5))
    evening = observe(now=datetime(2026, 11, 23, 17, 0), screen_is_on=True)
    assert decide(school, evening) == [Action.SCREEN_OFF]
    saturday = observe(now=datetime(2026, 11, 28, 9, 0), screen_is_on=False)
    assert decide(school, saturday) == []
    monday = observe(now=datetime(2026, 11, 30, 7, 0), screen_is_on=False)
    assert decide(school, monday) == [Action.SCREEN_ON]
    nursing_home = LauncherConfig()
    assert decide(nursing_home, observe(now=datetime(2026, 11, 28, 3, 0), screen_is_on=True)) == []


def test_the_example_config_loads(tmp_path):
    config = load_config(ROOT / 'kiosk' / 'board.toml.example')
    assert config.status_url == 'http://127.0.0.1:8080/status'
    assert config.screen_days == (1, 2, 3, 4, 5)
    assert config.nightly_restart == clock_time(3, 30)


def test_a_bad_launcher_setting_stops_it_with_one_line(tmp_path, capsys):
    path = tmp_path / 'board.toml'
    path.write_text('[kiosk]\nstale_after = -1\n')
    assert main(['--config', str(path), '--rounds', '1']) == 2
    assert capsys.readouterr().err == (f'python -m kiosk.launcher: [kiosk] stale_after = -1 (in {path}): must be a '
                                       'number above 0\n')


def test_the_launcher_tracks_only_the_process_it_started(tmp_path):
    fake_chromium = tmp_path / 'chromium'
    fake_chromium.write_text(f'#!{sys.executable}\nimport time\ntime.sleep(30)\n')
    fake_chromium.chmod(0o755)
    browser = Browser(LauncherConfig(chromium=str(fake_chromium), profile_dir=str(tmp_path / 'profile')))
    browser.start()
    process = browser.process
    assert browser.running
    browser.stop()
    assert process is not None and process.poll() is not None
    assert not browser.running


def test_quiet_hours_across_midnight():
    settings = Settings(quiet_hours='22:00-06:00')
    assert settings.in_quiet_hours(clock_time(23, 0))
    assert settings.in_quiet_hours(clock_time(5, 59))
    assert not settings.in_quiet_hours(clock_time(6, 0))
    assert not Settings().in_quiet_hours(clock_time(23, 0))
    with pytest.raises(ConfigError, match='quiet_hours'):
        Settings(quiet_hours='late')
