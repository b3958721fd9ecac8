"""Leaders and admins on the hub: who they are, what they may do, their passwords and their logins.

Staff need no account: the wall board is open to whoever stands at it and phones send ideas with the board's QR
code. Accounts are for the people who look across boards (leaders) and who run the hub (admins):

- ``admin``: the organisation, units, users, wall screens; and everything a leader may do;
- a leader of one **unit**, of a **service area** (all its units) or of the whole **organisation**: the overview,
  the gains dashboard and reports of their units, and their units' goals.

Passwords are hashed with Argon2id (argon2-cffi, the OWASP recommendation); a login is a random session token of
which only the SHA-256 hash is kept (in memory and in the accounts file, so a restart logs no one out), and it
expires. Plain Python: the store keeps the users.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import ParamSpec, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .clock import utc_now
from .domain import Organisation, Problem, Unit

__all__ = ['PASSWORD_MIN', 'PROVIDER_PREFIX', 'BriefChoice', 'Grant', 'Scope', 'Session', 'Sessions', 'User',
           'hash_password', 'password_work', 'session_key', 'validate_email', 'validate_password', 'validate_username',
           'verify_password']

P = ParamSpec('P')
T = TypeVar('T')

#: Argon2 runs here, never on the event loop that serves every screen (a hash or a check takes about half a
#: second; argon2-cffi releases the GIL meanwhile). Two at a time at most: a burst of logins waits its turn
#: instead of taking every core and 64 MiB of memory per attempt.
_PASSWORD_WORKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix='board-passwords')


async def password_work(work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run Argon2 hashing or verification off the event loop, on the password workers."""
    return await asyncio.get_running_loop().run_in_executor(_PASSWORD_WORKERS, partial(work, *args, **kwargs))

PASSWORD_MIN = 10
PASSWORD_MAX = 256
_USERNAME = re.compile(r'^[a-z0-9][a-z0-9._@-]{1,63}$')
#: an e-mail address as a municipality's leaders have them: one @, a dot in the domain, no spaces or brackets (the
#: address goes into a mail header: nothing that could end it or add another)
_EMAIL = re.compile(r'^[A-Za-z0-9.!#$%&\'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$')
EMAIL_MAX = 254
#: the user names of people who sign in with the municipality's identity provider (``oidc:kari@kommune.no``): a
#: local account's name never has a ":", so no local account can become one of them, nor one of them a local one
PROVIDER_PREFIX = 'oidc:'
_hasher = PasswordHasher()  # Argon2id with the library's defaults (RFC 9106 low-memory profile)
#: verified against when a name is unknown, so a wrong name takes as long as a wrong password
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class Scope(StrEnum):
    ADMIN = 'admin'
    ORGANISATION = 'organisation'
    AREA = 'area'
    UNIT = 'unit'


class BriefChoice(StrEnum):
    """What a leader gets by e-mail: the brief before each meeting of each unit they lead, a weekly summary by unit,
    or nothing."""
    BRIEF = 'brief'
    SUMMARY = 'summary'
    NONE = 'none'


@dataclass(frozen=True, slots=True)
class Grant:
    """A role: admin; or leader of the organisation, of a service area (``target`` its id) or a unit."""
    scope: Scope
    target: str = ''

    def __str__(self) -> str:
        return f'{self.scope.value}:{self.target}' if self.target else self.scope.value

    @classmethod
    def parse(cls, text: str) -> Grant:
        """``admin``, ``organisation``, ``area:<id>`` or ``unit:<id>`` (as in the CLI and the import files)."""
        scope, _, target = text.strip().partition(':')
        grant = cls(Scope(scope.strip()), target.strip())
        if (grant.scope in (Scope.AREA, Scope.UNIT)) != bool(grant.target):
            raise ValueError(f'role {text!r}: area and unit need an id after ":", the others none')
        return grant


@dataclass(kw_only=True, frozen=True, slots=True)
class User:
    username: str
    name: str
    password_hash: str
    grants: tuple[Grant, ...] = ()
    disabled: bool = False
    #: the identity provider's id of the person (its ``sub``) for an account from the provider; '' for a local one
    subject: str = ''
    #: staff from the identity provider (``staff_groups``): may open the boards on the hub, with or without a role
    staff: bool = False
    #: where the brief or the weekly summary goes ('' for none: the admin page lists leaders without one)
    email: str = ''
    #: the leader's own choice of mail; None: the default for their roles (see :attr:`brief_choice`)
    brief: BriefChoice | None = None

    @property
    def brief_choice(self) -> BriefChoice:
        """The leader's choice, or the default: a leader of single units gets the brief before each meeting, an
        area or organisation leader the weekly summary, an admin without a leader's role nothing."""
        if self.brief is not None:
            return self.brief
        if any(g.scope in (Scope.ORGANISATION, Scope.AREA) for g in self.grants):
            return BriefChoice.SUMMARY
        if any(g.scope == Scope.UNIT for g in self.grants):
            return BriefChoice.BRIEF
        return BriefChoice.NONE

    def led_units(self, organisation: Organisation) -> list[Unit]:
        """The units this person leads as a leader (an admin's role alone leads none): what their mail is about."""
        if self.disabled:
            return []
        leading = [g for g in self.grants if g.scope != Scope.ADMIN]
        return [u for u in organisation.units if any(
            g.scope == Scope.ORGANISATION or (g.scope == Scope.AREA and g.target == u.service_area_id)
            or (g.scope == Scope.UNIT and g.target == u.id) for g in leading)]

    @property
    def from_provider(self) -> bool:
        """Signs in with the identity provider only: no password, its roles replaced at every sign-in."""
        return self.username.startswith(PROVIDER_PREFIX)

    @property
    def is_admin(self) -> bool:
        return not self.disabled and any(g.scope == Scope.ADMIN for g in self.grants)

    @property
    def is_leader(self) -> bool:
        return not self.disabled and bool(self.grants)

    def leads(self, unit: Unit) -> bool:
        """May see this unit in the overview and reports, and change its goals."""
        if self.disabled:
            return False
        for grant in self.grants:
            if grant.scope in (Scope.ADMIN, Scope.ORGANISATION):
                return True
            if grant.scope == Scope.AREA and grant.target == unit.service_area_id:
                return True
            if grant.scope == Scope.UNIT and grant.target == unit.id:
                return True
        return False

    def units(self, organisation: Organisation) -> list[Unit]:
        return [u for u in organisation.units if self.leads(u)]

    def sees_whole_organisation(self) -> bool:
        return not self.disabled and any(g.scope in (Scope.ADMIN, Scope.ORGANISATION) for g in self.grants)


def validate_username(username: str) -> list[Problem]:
    if not _USERNAME.match(username):
        return [Problem('username', 'error.username')]
    return []


def validate_email(email: str) -> list[Problem]:
    """'' (none) or one plausible address."""
    if email and (len(email) > EMAIL_MAX or not _EMAIL.match(email)):
        return [Problem('email', 'error.email')]
    return []


def validate_password(password: str) -> list[Problem]:
    if len(password) < PASSWORD_MIN:
        return [Problem('password', 'error.password_short', {'min': PASSWORD_MIN})]
    if len(password) > PASSWORD_MAX:
        return [Problem('password', 'error.password_long', {'max': PASSWORD_MAX})]
    return []


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; an unknown user (``None``) costs the same time and is False."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# --- logins --------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Session:
    username: str
    created: datetime
    expires: datetime


class Sessions:
    """Logged-in leaders and admins: random tokens in their cookie, only the tokens' hashes here.

    This is the running hub's view, in memory: what it says goes, at once (a logout, a changed password). The hub
    also keeps each session (hashed, with its expiry) in the accounts file, so a restart or an upgrade logs no one
    out: ``stored`` are the sessions read from there at the start (expired ones are left out), and the page code
    writes each new or ended session there through the store's writer. Thread-safe; the clock is injectable.
    """

    def __init__(self, lifetime: timedelta, *, now: Callable[[], datetime] = utc_now,
                 stored: Mapping[str, Session] | None = None) -> None:
        self.lifetime = lifetime
        self._now = now
        self._lock = threading.Lock()
        current = now()
        self._sessions: dict[str, Session] = {key: s for key, s in (stored or {}).items() if current < s.expires}

    def new(self, username: str) -> tuple[str, str, Session]:
        """A new session (not yet kept anywhere): its token for the cookie, the token's hash and the session."""
        token = secrets.token_urlsafe(32)
        now = self._now()
        return token, _hash(token), Session(username, now, now + self.lifetime)

    def add(self, key: str, session: Session) -> None:
        with self._lock:
            self._forget_expired(self._now())
            self._sessions[key] = session

    def create(self, username: str) -> str:
        """A new session in memory only; returns its token."""
        token, key, session = self.new(username)
        self.add(key, session)
        return token

    def get(self, token: str | None) -> Session | None:
        """The session of ``token`` while it lasts; None for no, a wrong or an expired token."""
        key = session_key(token)
        if key is None:
            return None
        with self._lock:
            session = self._sessions.get(key)
            if session is None:
                return None
            if self._now() >= session.expires:
                del self._sessions[key]
                return None
            return session

    def end(self, token: str | None) -> str | None:
        """End this login now; returns the token's hash (for the stored copy), None for no token."""
        key = session_key(token)
        if key is not None:
            with self._lock:
                self._sessions.pop(key, None)
        return key

    def end_all(self, usernames: Iterable[str]) -> int:
        """Log these users out everywhere (a changed password, a removed role or user)."""
        names = set(usernames)
        with self._lock:
            ended = [k for k, s in self._sessions.items() if s.username in names]
            for key in ended:
                del self._sessions[key]
        return len(ended)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    def _forget_expired(self, now: datetime) -> None:
        for key in [k for k, s in self._sessions.items() if now >= s.expires]:
            del self._sessions[key]


def session_key(token: str | None) -> str | None:
    """What is kept of a session's token: its SHA-256 (None for no token or one too long to be ours)."""
    if not token or len(token) > 200:
        return None
    return _hash(token)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode('utf-8', 'surrogatepass')).hexdigest()

