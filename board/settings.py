"""Settings, loaded once from a TOML file and the environment, then passed to whoever needs them.

Nothing reads configuration at import time, so tests build an app with their own data folder. The commented
example is ``config/board.toml``. Environment variables (``BOARD_DATA_DIR``, ``BOARD_HOST``, ``BOARD_PORT``,
``BOARD_PUBLIC_URL``, ``BOARD_LANGUAGE``) override the file, which suits systemd units and containers.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .clock import valid_node_id
from .i18n import DEFAULT_LANGUAGE, available_languages

__all__ = ['ConfigError', 'Settings', 'load_settings']


class ConfigError(ValueError):
    """The configuration cannot be used; the message says which setting and why."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    data_dir: Path = Path('board-data')
    host: str = '127.0.0.1'
    port: int = 8080
    #: the address phones and QR codes use to reach the hub; empty means http://<host>:<port>
    public_url: str = ''
    language: str = DEFAULT_LANGUAGE
    #: finished cards older than this many weeks leave the board for the unit's yearly archive
    archive_after_weeks: int = 4
    #: this node's id in change stamps ("hub" on the hub, the unit's kiosk id on a wall screen)
    node_id: str = 'hub'
    #: how long a screen may lose its connection before NiceGUI reloads the page
    reconnect_timeout: float = 30.0
    #: secret for signing the boards' QR-code tokens; generated in the data folder when empty
    token_secret: str = ''
    #: a board's QR code changes this often, so an old photo of it stops working
    token_rotation_weeks: int = 4
    #: the previous code still works this long after a change
    token_grace_days: int = 7
    #: ideas one phone may send per window (and ten times that per unit, against a shared photo of the code)
    phone_ideas_per_window: int = 10
    phone_window_minutes: int = 10
    #: hours of one full-time position a week: a gain of this many hours a week is one årsverk
    full_time_week: float = 37.5
    #: the leaders' overview flags ideas that have waited longer than this many weeks for an answer
    idea_waiting_weeks: int = 3
    #: a unit's board counts as active with a change in this many weeks (gains dashboard)
    active_board_weeks: int = 8
    #: a leader's login lasts this long, then they log in again
    session_hours: float = 10.0
    #: failed logins allowed per name and per address in 15 minutes
    login_attempts: int = 5
    #: the board's weeks begin Monday 00:00 in this time zone (the rollover, the week on the board)
    timezone: str = 'Europe/Oslo'
    #: the board meeting's countdown in minutes, and per unit where it differs (a TOML table unit-id = minutes)
    meeting_minutes: int = 15
    meeting_minutes_by_unit: dict[str, int] = dataclasses.field(default_factory=dict)
    #: e.g. "22:00-06:00": the board dims and shifts slowly against burn-in (wall screens; empty: never)
    quiet_hours: str = ''

    def _validate_rhythm(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ConfigError(f'timezone = {self.timezone!r}: not a time zone (e.g. "Europe/Oslo")') from error
        minutes = [self.meeting_minutes, *self.meeting_minutes_by_unit.values()]
        if not all(isinstance(m, int) and 5 <= m <= 60 for m in minutes):
            raise ConfigError('meeting_minutes and meeting_minutes_by_unit: whole minutes from 5 to 60')

    def meeting_minutes_for(self, unit_id: str) -> int:
        return self.meeting_minutes_by_unit.get(unit_id, self.meeting_minutes)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def in_quiet_hours(self, moment: time) -> bool:
        if not self.quiet_hours:
            return False
        start, end = (time.fromisoformat(part.strip()) for part in self.quiet_hours.split('-'))
        return start <= moment < end if start <= end else moment >= start or moment < end

    @property
    def base_url(self) -> str:
        return self.public_url.rstrip('/') or f'http://{self.host}:{self.port}'

    def validate(self) -> Settings:
        if self.language not in available_languages():
            raise ConfigError(f'language = {self.language!r}: choose one of {", ".join(available_languages())}')
        if not 1 <= self.port <= 65535:
            raise ConfigError(f'port = {self.port}: must be between 1 and 65535')
        if self.archive_after_weeks < 1:
            raise ConfigError(f'archive_after_weeks = {self.archive_after_weeks}: must be at least 1')
        if self.public_url and not self.public_url.startswith(('http://', 'https://')):
            raise ConfigError(f'public_url = {self.public_url!r}: must start with http:// or https://')
        if self.token_rotation_weeks < 1 or not 0 <= self.token_grace_days <= 7 * self.token_rotation_weeks:
            raise ConfigError('token_rotation_weeks must be at least 1 and token_grace_days between 0 and the '
                              'rotation period')
        if self.phone_ideas_per_window < 1 or self.phone_window_minutes < 1:
            raise ConfigError('phone_ideas_per_window and phone_window_minutes must be at least 1')
        if not 10 <= self.full_time_week <= 60:
            raise ConfigError(f'full_time_week = {self.full_time_week}: hours of a full-time week, 10 to 60')
        if self.idea_waiting_weeks < 1 or self.active_board_weeks < 1 or self.login_attempts < 1:
            raise ConfigError('idea_waiting_weeks, active_board_weeks and login_attempts must be at least 1')
        if not 0.1 <= self.session_hours <= 24 * 7:
            raise ConfigError(f'session_hours = {self.session_hours}: between 0.1 and 168')
        self._validate_rhythm()
        if self.quiet_hours:
            try:
                self.in_quiet_hours(time(0, 0))
            except ValueError as error:
                raise ConfigError(f'quiet_hours = {self.quiet_hours!r}: write it as "22:00-06:00"') from error
        if not valid_node_id(self.node_id):
            raise ConfigError(f'node_id = {self.node_id!r}: use 1-40 letters, digits or "_"')
        return self


_ENVIRONMENT = {
    'BOARD_DATA_DIR': 'data_dir',
    'BOARD_HOST': 'host',
    'BOARD_PORT': 'port',
    'BOARD_PUBLIC_URL': 'public_url',
    'BOARD_LANGUAGE': 'language',
}


def load_settings(path: Path | None = None, *, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from the file (if given), then the environment, then explicit overrides (e.g. CLI flags)."""
    values: dict[str, Any] = {}
    if path is not None:
        try:
            with path.open('rb') as file:
                values.update(tomllib.load(file).get('board', {}))  # a wall screen's [kiosk] table is the launcher's
        except FileNotFoundError as error:
            raise ConfigError(f'configuration file not found: {path}') from error
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f'configuration file {path} is not valid TOML: {error}') from error
    env = os.environ if environ is None else environ
    values.update({name: env[var] for var, name in _ENVIRONMENT.items() if env.get(var)})
    values.update({k: v for k, v in overrides.items() if v is not None})
    known = {f.name: f for f in dataclasses.fields(Settings)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(f'unknown setting(s): {", ".join(unknown)}')
    try:
        if 'data_dir' in values:
            values['data_dir'] = Path(values['data_dir']).expanduser()
        for name in ('port', 'archive_after_weeks', 'token_rotation_weeks', 'token_grace_days',
                     'phone_ideas_per_window', 'phone_window_minutes', 'idea_waiting_weeks', 'active_board_weeks',
                     'login_attempts', 'meeting_minutes'):
            if name in values:
                values[name] = int(values[name])
        for name in ('reconnect_timeout', 'full_time_week', 'session_hours'):
            if name in values:
                values[name] = float(values[name])
    except (TypeError, ValueError) as error:
        raise ConfigError(f'invalid setting: {error}') from error
    return Settings(**values).validate()
