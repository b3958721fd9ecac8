"""Settings, loaded once from a TOML file and the environment, then passed to whoever needs them.

Nothing reads configuration at import time, so tests build an app with their own data folder. The commented
example is ``config/board.toml``; a wall screen's file also has a ``[kiosk]`` table for the browser launcher
(``kiosk/board.toml.example``). Environment variables (``BOARD_DATA_DIR``, ``BOARD_HOST``, ``BOARD_PORT``,
``BOARD_PUBLIC_URL``, ``BOARD_LANGUAGE``) override the file, which suits systemd units and containers, and
command-line flags override both.

Every setting is typed and checked by pydantic models (:class:`Settings`, :class:`LauncherSettings`): the types,
the ranges and the rules live beside the fields, and the message of a bad value names the setting, where it came
from (the file, the environment variable or the command line) and what is allowed, as one :class:`ConfigError`.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from datetime import time
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeVar, get_args, get_origin
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from .clock import valid_node_id
from .i18n import DEFAULT_LANGUAGE, available_languages
from .users import Grant

__all__ = ['ConfigError', 'LauncherSettings', 'OidcSettings', 'Settings', 'load_launcher_settings', 'load_settings',
           'read_settings_file']


class ConfigError(ValueError):
    """The configuration cannot be used; the message says which setting, where it came from and what is allowed."""


# --- value types: each says what it accepts; ranges are written on the fields -----------------------------------
class _Rule(ValueError):
    """What a setting allows, in words, raised by the checks below: the message shows it as it is."""


def _number(value: object) -> object:
    if isinstance(value, bool):  # TOML's true is not 1
        raise ValueError('not a number')  # the message says what is allowed, from the field's type and bounds
    return value


def _language(value: str) -> str:
    if value not in available_languages():
        raise _Rule(f'must be one of {", ".join(available_languages())} (the catalogues in board/locales/)')
    return value


def _time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:  # "Europe" is a folder
        raise _Rule('must be an IANA time zone such as "Europe/Oslo"') from error
    return value


_SPAN = re.compile(r'(\d\d:\d\d)\s*-\s*(\d\d:\d\d)')


def _quiet_hours(value: str) -> str:
    if not value.strip():
        return ''
    found = _SPAN.fullmatch(value.strip())
    if found:
        try:
            time.fromisoformat(found[1])
            time.fromisoformat(found[2])
            return value
        except ValueError:
            pass
    raise _Rule('must be empty (never) or a span of hours written HH:MM-HH:MM, such as "22:00-06:00"')


def _node_id(value: str) -> str:
    if not valid_node_id(value):
        raise _Rule('must be 1 to 40 letters (a-z, A-Z), digits or "_"')
    return value


def _web_address(value: str) -> str:
    if value and not value.startswith(('http://', 'https://')):
        raise _Rule('must be empty or an address starting with http:// or https://')
    return value


def _board_address(value: str) -> str:
    if not value.startswith(('http://', 'https://')):
        raise _Rule("must be the board's address, starting with http:// or https://")
    return value


def _network(value: object) -> str:
    if isinstance(value, str):
        try:
            return str(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            pass
    raise _Rule('must be a list of addresses or ranges, such as ["10.0.0.0/8", "192.168.1.0/24", "127.0.0.1"]')


def _clock_time(value: object) -> object:
    if value is None or value == '':
        return None
    if isinstance(value, str) and re.fullmatch(r'\d\d:\d\d(:\d\d)?', value.strip()):
        try:
            return time.fromisoformat(value.strip())
        except ValueError:
            pass
    if isinstance(value, time):  # TOML's own local time: 03:30:00
        return value
    raise _Rule('must be a time of day written HH:MM, such as "07:00", or "" for none')


def _issuer(value: str) -> str:
    try:
        parts = urlsplit(value.strip())
        host = parts.hostname or ''
    except ValueError:
        parts, host = None, ''
    local = host in ('127.0.0.1', 'localhost', '::1')
    if parts is None or not host or parts.query or parts.fragment or not (
            parts.scheme == 'https' or (parts.scheme == 'http' and local)):
        raise _Rule('must be the identity provider\'s issuer address, starting with https:// (Entra ID: '
                    '"https://login.microsoftonline.com/<tenant-id>/v2.0"); http:// only on 127.0.0.1 or localhost')
    return value.strip().rstrip('/')


def _role(value: object) -> str:
    try:
        if isinstance(value, str):
            return str(Grant.parse(value))
    except ValueError:
        pass
    raise _Rule(f'must be a list of roles, each "admin", "organisation", "area:<area-id>" or "unit:<unit-id>" '
                f'({_shown(value)} is none of them)')


def _roles(value: object) -> object:
    if isinstance(value, str):
        return (value,)  # one role needs no brackets
    if not isinstance(value, list | tuple):
        raise _Rule('must be a list of roles, such as ["area:helse", "unit:solsiden-avd-1"], or one role in quotes')
    return value


Whole = Annotated[int, BeforeValidator(_number)]
Number = Annotated[float, BeforeValidator(_number)]
Weeks = Annotated[Whole, Field(ge=1)]
MeetingMinutes = Annotated[Whole, Field(ge=5, le=60)]
ClockTime = Annotated[time | None, BeforeValidator(_clock_time)]
Weekday = Annotated[Whole, Field(ge=1, le=7)]
TimeOfDay = Annotated[time, BeforeValidator(_clock_time)]
Network = Annotated[str, BeforeValidator(_network)]
Role = Annotated[str, BeforeValidator(_role)]
Roles = Annotated[tuple[Role, ...], BeforeValidator(_roles)]
#: loopback and the private ranges: a municipality's own networks, where its wall screens and staff Wi-Fi are
PRIVATE_NETWORKS = ('127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7')


class _Table(BaseModel):
    """One table of the settings file, checked on construction: a bad value raises one :class:`ConfigError`."""

    model_config = ConfigDict(frozen=True, extra='forbid')
    #: the TOML table these settings are read from
    table: ClassVar[str] = ''

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise ConfigError(_described(type(self), error, values, _origins.get() or {})) from None


class _Nested(_Rule):
    """The whole message of a nested table's problems (``[board.oidc]``), already naming each setting."""


class OidcSettings(_Table):
    """Signing in with the municipality's identity provider (Entra ID) over OpenID Connect: ``[board.oidc]``.

    The client secret is never here: it is read from ``<data_dir>/secrets/oidc_client_secret`` or the environment
    variable ``BOARD_OIDC_CLIENT_SECRET`` (``board.oidc.client_secret``).
    """

    table: ClassVar[str] = 'board.oidc'

    #: the provider's issuer; its settings are read from <issuer>/.well-known/openid-configuration
    issuer: Annotated[str, AfterValidator(_issuer)]
    #: the application (client) id of the hub's app registration
    client_id: Annotated[str, Field(min_length=1, max_length=200)]
    scopes: tuple[str, ...] = ('openid', 'profile', 'email')
    #: the ID token's claim listing the person's groups (Entra ID: "groups", the groups' object ids)
    groups_claim: Annotated[str, Field(min_length=1)] = 'groups'
    #: the ID token's claim with the person's user name, shown on the hub as oidc:<name> (else their "sub")
    username_claim: Annotated[str, Field(min_length=1)] = 'preferred_username'
    #: the login page's button says "Logg inn med <label>"
    label: Annotated[str, Field(min_length=1, max_length=60)] = 'Microsoft'
    #: whom to ask for a role, on the page of a person whose groups give none (e.g. "IT-brukerstøtte, tlf. 12 34 56 78")
    contact: Annotated[str, Field(max_length=200)] = ''
    #: a group's id (or name, as the claim gives it) = its roles: "admin", "organisation", "area:<id>", "unit:<id>"
    group_roles: dict[str, Roles] = Field(default_factory=dict)
    #: groups whose members may open the boards on the hub after signing in (staff, for board_access = "login"),
    #: without a role on the leaders' pages
    staff_groups: tuple[str, ...] = ()

    @field_validator('scopes')
    @classmethod
    def _openid_scope(cls, scopes: tuple[str, ...]) -> tuple[str, ...]:
        if 'openid' not in scopes:
            raise _Rule('must be a list of scopes that includes "openid", such as ["openid", "profile", "email"]')
        return scopes

    def grants_for(self, groups: Sequence[str]) -> tuple[Grant, ...]:
        """The roles the settings give these groups, each once, in the order of the groups."""
        return tuple(dict.fromkeys(Grant.parse(role) for group in groups for role in self.group_roles.get(group, ())))


def _oidc_table(value: object) -> object:
    """``[board.oidc]`` checked as its own table, so each problem names ``[board.oidc] <setting>``."""
    if value is None or isinstance(value, OidcSettings):
        return value
    if not isinstance(value, Mapping):
        raise _Rule('must be a table: write [board.oidc] on a line of its own, with issuer and client_id below it')
    where = (_origins.get() or {}).get('oidc', '')
    if 'client_secret' in value:
        raise _Nested('[board.oidc] client_secret' + (f' ({where})' if where else '') + ': the client secret never '
                      'goes in the settings file; put it in <data_dir>/secrets/oidc_client_secret (readable by the '
                      "hub's user only) or the environment variable BOARD_OIDC_CLIENT_SECRET")
    try:
        return _checked(OidcSettings, value, where)
    except ConfigError as error:
        raise _Nested(str(error)) from None


class Settings(_Table):
    """The hub's or a wall screen's board: the ``[board]`` table, the environment and the command-line flags."""

    table: ClassVar[str] = 'board'

    data_dir: Annotated[Path, AfterValidator(Path.expanduser)] = Path('board-data')
    host: str = '127.0.0.1'
    port: Annotated[Whole, Field(ge=1, le=65535)] = 8080
    #: the address phones and QR codes use to reach the hub; empty means http://<host>:<port>
    public_url: Annotated[str, AfterValidator(_web_address)] = ''
    language: Annotated[str, AfterValidator(_language)] = DEFAULT_LANGUAGE
    #: finished cards older than this many weeks leave the board for the unit's yearly archive
    archive_after_weeks: Weeks = 4
    #: deleted cards stay under *Slettet* in Historikk this many days, where they can be restored; then their
    #: content goes to the unit's archive (``archive/<unit>/deleted.json``), never just away
    deleted_days: Annotated[Whole, Field(ge=1, le=3650)] = 90
    #: writes of units that reach the hub at the same moment (a burst of phone ideas, wall screens' pushes) share one
    #: durable write; off: each write is made durable on its own (a benchmark's comparison)
    group_commit: bool = True
    #: the units' writes are made durable by one append to the data folder's write-ahead journal (``journal.wal``)
    #: and their files rewritten when the hub is idle; off: each durable write rewrites the files it changed
    journal: bool = True
    #: a parked idea comes back to the board meeting's agenda (*Parkerte ideer*) after this many weeks
    parked_review_weeks: Weeks = 4
    #: this node's id in change stamps ("hub" on the hub, the unit's kiosk id on a wall screen)
    node_id: Annotated[str, AfterValidator(_node_id)] = 'hub'
    #: how long a screen may lose its connection before NiceGUI reloads the page
    reconnect_timeout: Annotated[Number, Field(gt=0)] = 30.0
    #: secret for signing the boards' QR-code tokens; generated in the data folder when empty
    token_secret: str = Field(default='', repr=False)
    #: a board's QR code changes this often, so an old photo of it stops working
    token_rotation_weeks: Weeks = 4
    #: the previous code still works this long after a change (at most the rotation period)
    token_grace_days: Annotated[Whole, Field(ge=0)] = 7
    #: ideas one phone may send per window (five times that per address, ten times per unit: a shared photo of the code)
    phone_ideas_per_window: Annotated[Whole, Field(ge=1)] = 10
    phone_window_minutes: Annotated[Whole, Field(ge=1)] = 10
    #: hours of one full-time position a week: a gain of this many hours a week is one årsverk
    full_time_week: Annotated[Number, Field(ge=10, le=60)] = 37.5
    #: the leaders' overview flags ideas that have waited longer than this many weeks for an answer
    idea_waiting_weeks: Weeks = 3
    #: a unit's board counts as active with a change in this many weeks (gains dashboard)
    active_board_weeks: Weeks = 8
    #: a leader's login lasts this long, then they log in again
    session_hours: Annotated[Number, Field(ge=0.1, le=24 * 7)] = 10.0
    #: login attempts per name (4x per address) in 15 minutes before each next one waits longer, up to 30 s; none locks
    login_attempts: Annotated[Whole, Field(ge=1)] = 5
    #: the board's weeks begin Monday 00:00 in this time zone (the rollover, the week on the board)
    timezone: Annotated[str, AfterValidator(_time_zone)] = 'Europe/Oslo'
    #: the board meeting's countdown in minutes, and per unit where it differs (a TOML table unit-id = minutes)
    meeting_minutes: MeetingMinutes = 15
    meeting_minutes_by_unit: dict[str, MeetingMinutes] = Field(default_factory=dict)
    #: e.g. "22:00-06:00": the board dims and shifts slowly against burn-in (wall screens; empty: never)
    quiet_hours: Annotated[str, AfterValidator(_quiet_hours)] = ''
    #: who may open the boards on the hub (the landing page and /units/...): "open" to anyone who reaches the hub
    #: (the demo), "networks" from board_networks only, "login" after logging in. The phone page, the sync API and
    #: the leaders' pages have their own rules whatever this says; a wall screen's own board is not affected.
    board_access: Literal['open', 'networks', 'login'] = 'networks'
    board_networks: tuple[Network, ...] = PRIVATE_NETWORKS
    #: reverse proxies (addresses or ranges) whose X-Forwarded-For and X-Forwarded-Proto are believed; nothing else
    trusted_proxies: tuple[Network, ...] = ()
    #: signing in with the municipality's identity provider (Entra ID): the table [board.oidc] (none: local
    #: accounts only)
    oidc: Annotated[OidcSettings | None, BeforeValidator(_oidc_table)] = None

    #: the brief before each unit's meeting is sent the day before at this time (the board's time zone)
    brief_time: TimeOfDay = time(15, 0)
    #: area and organisation leaders' weekly summary: ISO weekday (5: Friday) and time
    summary_weekday: Weekday = 5
    summary_time: TimeOfDay = time(12, 0)
    #: the mails give counts and links only, never a card's text (cards may hold sensitive text)
    brief_counts_only: bool = False
    #: the municipality's mail server; empty: no mail is sent, each would-be mail is written to
    #: <data_dir>/outbox-mail/ as an .eml file (the demo). The password is never here: it is read from
    #: <data_dir>/secrets/smtp_password or the environment variable BOARD_SMTP_PASSWORD
    smtp_host: str = ''
    smtp_port: Annotated[Whole, Field(ge=1, le=65535)] = 587
    #: upgrade the connection with STARTTLS before logging in (port 587); off only for a relay on the local network
    smtp_starttls: bool = True
    #: the user name for the mail server; empty: send without logging in (a relay that trusts the hub's address)
    smtp_user: str = ''
    #: the sender of the mails, e.g. "Forbedringstavla <forbedringstavla@kommune.no>"
    mail_from: str = 'Forbedringstavla <forbedringstavla@localhost>'

    @model_validator(mode='before')
    @classmethod
    def _no_password_here(cls, values: Any) -> Any:
        if isinstance(values, Mapping) and 'smtp_password' in values:
            raise _Nested('smtp_password' + (f' ({where})' if (where := (_origins.get() or {}).get('smtp_password'))
                                             else '') + ': the mail server\'s password never goes in the settings '
                          'file; put it in <data_dir>/secrets/smtp_password (readable by the hub\'s user only) or the '
                          'environment variable BOARD_SMTP_PASSWORD')
        return values

    @field_validator('oidc')
    @classmethod
    def _oidc_needs_public_url(cls, oidc: OidcSettings | None, info: ValidationInfo) -> OidcSettings | None:
        if oidc is not None and not info.data.get('public_url'):
            raise _Nested('[board.oidc] needs public_url in [board]: the identity provider sends people back to '
                          '<public_url>/login/oidc/callback, the redirect URI of the app registration')
        return oidc

    @field_validator('token_grace_days')
    @classmethod
    def _grace_within_rotation(cls, days: int, info: ValidationInfo) -> int:
        weeks = info.data.get('token_rotation_weeks')
        if weeks is not None and days > 7 * weeks:
            raise _Rule(f'must be a whole number of days from 0 to {7 * weeks} (token_rotation_weeks = '
                        f'{weeks}: the previous code works at most one rotation period)')
        return days

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

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes``, checked like the original (``dataclasses.replace`` for these settings)."""
        return type(self)(**{**self.model_dump(), **changes})


class LauncherSettings(_Table):
    """A wall screen's ``[kiosk]`` table: the browser launcher and watchdog (``kiosk/launcher.py``)."""

    table: ClassVar[str] = 'kiosk'

    #: the local board the browser shows
    url: Annotated[str, AfterValidator(_board_address)] = 'http://127.0.0.1:8080/'
    chromium: str = '/usr/bin/chromium'
    extra_flags: tuple[str, ...] = ()
    profile_dir: str = '/var/lib/forbedringstavla/chromium'
    #: seconds between watchdog checks
    check_every: Annotated[Number, Field(gt=0)] = 10.0
    #: no live board page for this many seconds: restart the browser (only while the app answers)
    stale_after: Annotated[Number, Field(gt=0)] = 60.0
    #: restart the browser once a night to bound its memory (None: never)
    nightly_restart: ClockTime = time(3, 30)
    #: the screen's hours; no screen_on means always on
    screen_on: ClockTime = None
    screen_off: ClockTime = None
    screen_days: Annotated[tuple[Weekday, ...], Field(min_length=1)] = (1, 2, 3, 4, 5, 6, 7)  # ISO weekdays
    display_off_command: str = 'xset dpms force off'
    display_on_command: str = 'xset dpms force on'

    @field_validator('screen_off')
    @classmethod
    def _off_after_on(cls, off: time | None, info: ValidationInfo) -> time | None:
        on = info.data.get('screen_on')
        if on is not None and (off is None or off <= on):
            raise _Rule(f'must be a time of day after screen_on ({on:%H:%M}), written HH:MM; or leave '
                        'screen_on empty for a screen that is always on')
        return off


# --- loading ------------------------------------------------------------------------------------------------------
_FROM_ENVIRONMENT = ('data_dir', 'host', 'port', 'public_url', 'language')  # BOARD_DATA_DIR ... (the README table)
_TABLES = {Settings.table: 'the board', LauncherSettings.table: "a wall screen's browser launcher"}

T = TypeVar('T', bound=_Table)


def read_settings_file(path: Path) -> dict[str, dict[str, Any]]:
    """The file's tables (``[board]``, ``[kiosk]``), refusing what is neither; values are checked by the models."""
    try:
        with path.open('rb') as file:
            document = tomllib.load(file)
    except FileNotFoundError as error:
        raise ConfigError(f'configuration file not found: {path}') from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f'configuration file {path} is not valid TOML: {error}') from error
    loose = [name for name, value in document.items() if name not in _TABLES and not isinstance(value, dict)]
    if loose:
        raise ConfigError(f'{", ".join(loose)} in {path} must be inside a table: the settings of the board go under '
                          '[board], those of a wall screen\'s browser under [kiosk]')
    unknown = [name for name in document if name not in _TABLES]
    if unknown:
        raise ConfigError(f'unknown table {", ".join(f"[{n}]" for n in unknown)} in {path}; allowed: '
                          + ', '.join(f'[{name}] ({meaning})' for name, meaning in _TABLES.items()))
    for name, table in document.items():
        if not isinstance(table, dict):
            raise ConfigError(f'{name} in {path} must be a table: write [{name}] on a line of its own')
    return document


def load_settings(path: Path | None = None, *, environ: Mapping[str, str] | None = None,
                  **overrides: Any) -> Settings:
    """Settings from the file (if given), then the environment, then explicit overrides (the CLI's flags).

    A file's ``[kiosk]`` table is checked too (it is the launcher's), so a mistake there shows at the board's start.
    """
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    if path is not None:
        tables = read_settings_file(path)
        if LauncherSettings.table in tables:
            _checked(LauncherSettings, tables[LauncherSettings.table], f'in {path}')
        values.update(tables.get(Settings.table, {}))
        origins.update(dict.fromkeys(values, f'in {path}'))
    env = os.environ if environ is None else environ
    for name in _FROM_ENVIRONMENT:
        variable = f'BOARD_{name.upper()}'
        if env.get(variable):
            values[name] = env[variable]
            origins[name] = f'from the environment variable {variable}'
    for name, value in overrides.items():
        if value is not None:
            values[name] = value
            origins[name] = 'from the command line'
    return _checked(Settings, values, origins)


def load_launcher_settings(path: Path, model: type[T]) -> T:
    """The ``[kiosk]`` table of a wall screen's settings file, as ``model`` (a :class:`LauncherSettings`)."""
    return _checked(model, read_settings_file(path).get(LauncherSettings.table, {}), f'in {path}')


#: where each value being checked came from ("in /etc/forbedringstavla/board.toml", ...), for the messages
_origins: ContextVar[Mapping[str, str] | None] = ContextVar('_origins', default=None)


def _checked(model: type[T], values: Mapping[str, Any], origins: Mapping[str, str] | str) -> T:
    """``model(**values)``, whose message for a bad value says where it came from."""
    reset = _origins.set(dict.fromkeys(values, origins) if isinstance(origins, str) else origins)
    try:
        return model(**values)
    finally:
        _origins.reset(reset)


# --- messages -----------------------------------------------------------------------------------------------------
def _described(model: type[_Table], error: ValidationError, values: Mapping[str, Any],
               origins: Mapping[str, str]) -> str:
    """One line for all that is wrong: each setting, where it came from and what is allowed."""
    problems = []
    unknown = [str(e['loc'][0]) for e in error.errors() if e['type'] == 'extra_forbidden']
    if unknown:
        problems.append(_unknown(model, unknown, origins))
    problems += [_problem(model, e, values, origins) for e in error.errors() if e['type'] != 'extra_forbidden']
    return '; '.join(problems)


def _unknown(model: type[_Table], names: list[str], origins: Mapping[str, str]) -> str:
    where = {origins.get(name, '') for name in names}
    place = f'in [{model.table}]' + (f' ({where.pop()})' if len(where) == 1 and '' not in where else '')
    guesses = []
    for name in names:
        close = difflib.get_close_matches(name, model.model_fields, n=1)
        guesses.append(f'{name} (did you mean {close[0]}?)' if close else name)
    return (f'unknown setting{"s" if len(names) > 1 else ""} {", ".join(guesses)} {place}; the settings of '
            f'[{model.table}] are {", ".join(model.model_fields)}')


def _problem(model: type[_Table], error: Mapping[str, Any], values: Mapping[str, Any],
             origins: Mapping[str, str]) -> str:
    location = error['loc']
    if not location and isinstance((error.get('ctx') or {}).get('error'), _Nested):
        return str(error['ctx']['error'])
    if not location:
        return f'[{model.table}]: {error["msg"]}'
    name = str(location[0])
    field = model.model_fields.get(name)
    entry = len(location) > 1 and field is not None and get_origin(field.annotation) is dict
    if entry:  # one entry of a table: [board.meeting_minutes_by_unit] solsiden-1 = 3
        label, value = f'[{model.table}.{name}] {location[1]}', error['input']
    else:  # a list is shown whole
        label, value = name, values.get(name, error['input'])
        if model.table != Settings.table:
            label = f'[{model.table}] {name}'
    if name in _SECRETS:
        value = '(hidden)'
    where = origins.get(name)
    if error['type'] == 'missing':
        return f'{label} is missing' + (f' ({where})' if where else '') + \
            f': it must be {_allowed(field.annotation, field.metadata) if field else "given"}'
    context = error.get('ctx') or {}
    if isinstance(context.get('error'), _Nested):
        return str(context['error'])
    if isinstance(context.get('error'), _Rule):
        rule = str(context['error'])
    elif field is None:
        rule = error['msg']
    else:
        rule = f'must be {_allowed(field.annotation, field.metadata, entry=entry)}'
    return f'{label} = {_shown(value)}' + (f' ({where})' if where else '') + f': {rule}'


def _flattened(annotation: Any, metadata: Sequence[Any]) -> tuple[Any, list[Any]]:
    """The bare type and its constraints (``Ge(1)``, ``MinLen(1)`` ...), through nested ``Annotated``."""
    found = list(metadata)
    while get_origin(annotation) is Annotated:
        annotation, *more = get_args(annotation)
        found += more
    constraints = []
    for item in found:
        constraints += item.metadata if isinstance(item, FieldInfo) else [item]
    return annotation, constraints


_KINDS: dict[Any, tuple[str, str]] = {
    int: ('a whole number', 'whole numbers'), float: ('a number', 'numbers'), str: ('text in quotes', 'texts'),
    Path: ('a folder path in quotes', 'folder paths'),
}


def _allowed(annotation: Any, metadata: Sequence[Any], *, entry: bool = False) -> str:
    """What a field (or one ``entry`` of its table) accepts, in words, from its type and bounds.

    For example "a whole number from 1 to 65535", "a number above 0", "a non-empty list of whole numbers from 1 to 7".
    """
    annotation, constraints = _flattened(annotation, metadata)
    origin = get_origin(annotation)
    if origin in (dict, tuple, list):
        item, item_constraints = _flattened(get_args(annotation)[-1 if origin is dict else 0], [])
        if entry:
            return _kind(item, item_constraints, plural=False)
        items = _kind(item, item_constraints, plural=True)
        if origin is dict:
            return f'a table of names = {items}'
        return f'{"a non-empty" if any(getattr(c, "min_length", 0) for c in constraints) else "a"} list of {items}'
    return _kind(annotation, constraints, plural=False)


def _kind(annotation: Any, constraints: Sequence[Any], *, plural: bool) -> str:
    if get_origin(annotation) is Literal:
        return 'one of ' + ', '.join(f'"{choice}"' for choice in get_args(annotation))
    words = _KINDS.get(annotation, ('a value', 'values'))[plural]
    bound = {key: getattr(c, key) for c in constraints for key in ('ge', 'gt', 'le', 'lt') if hasattr(c, key)}
    low = f'from {bound["ge"]:g}' if 'ge' in bound else (f'above {bound["gt"]:g}' if 'gt' in bound else '')
    if 'le' in bound:
        high = f'to {bound["le"]:g}' if 'ge' in bound else f'and at most {bound["le"]:g}'
    else:
        high = f'below {bound["lt"]:g}' if 'lt' in bound else ''
    if 'ge' in bound and not high:
        return f'{words} of at least {bound["ge"]:g}' if plural else f'{words}, at least {bound["ge"]:g}'
    return ' '.join(part for part in (words, low, high) if part)


_SECRETS = {'token_secret', 'smtp_password'}  # never shown in a message


def _shown(value: object) -> str:
    """A value as it would be written in the file."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if value == '(hidden)':
        return str(value)
    if isinstance(value, str | int | float):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return '[' + ', '.join(map(_shown, value)) + ']'
    if isinstance(value, Path | time):
        return json.dumps(str(value), ensure_ascii=False)
    return repr(value)
