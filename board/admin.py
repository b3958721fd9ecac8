"""What an admin does to the organisation and its users, shared by the CLI, the hub's local admin API and the
admin page, so the rules are the same whichever way a change arrives.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from .devices import PAIRING_CODE_LIFETIME, PairingCode, hash_secret, new_pairing_code
from .domain import Problem, RuleViolation
from .domain.programme import validate_rollout
from .orgfile import OrganisationFile
from .store import Store
from .users import (
    BriefChoice,
    Grant,
    Scope,
    Sessions,
    User,
    hash_password,
    validate_email,
    validate_password,
    validate_username,
)

__all__ = ['check_grants', 'check_user', 'import_organisation', 'issue_pairing_code', 'set_mail_choice', 'set_user']


def import_organisation(store: Store, parsed: OrganisationFile) -> tuple[int, int]:
    """Add or rename the file's service areas and units (existing boards keep their cards). Returns what is new."""
    if parsed.rollouts:  # checked before anything is imported: a wrong phase or date imports nothing
        today = store.local_now().date()
        problems = [p for r in parsed.rollouts.values()
                    for p in validate_rollout(r, store.rollouts().get(r.unit_id), today=today)]
        if problems:
            raise RuleViolation(problems)
    added = store.import_organisation(parsed.areas, parsed.units, parsed.meeting_times)
    if parsed.rollouts:
        store.set_rollouts(parsed.rollouts.values())
    if parsed.name:
        store.rename_organisation(parsed.name)
    return added


def check_grants(store: Store, grants: Sequence[Grant]) -> list[Problem]:
    organisation = store.organisation
    problems = []
    for grant in grants:
        if grant.scope == Scope.AREA and organisation.service_area(grant.target) is None:
            problems.append(Problem('grants', 'error.unknown_area', {'id': grant.target}))
        if grant.scope == Scope.UNIT and organisation.unit(grant.target) is None:
            problems.append(Problem('grants', 'error.unknown_unit', {'id': grant.target}))
    return problems


def check_user(store: Store, username: str, *, name: str | None = None, grants: Sequence[Grant] | None = None,
               password: str | None = None, has_password: bool = False, email: str | None = None) -> list[Problem]:
    """What is wrong with creating or changing this user (memory only: cheap enough for the event loop).

    ``has_password``: a password comes already hashed (so a new user has one, though ``password`` is None).
    """
    username = username.strip().casefold()
    existing = store.accounts.user(username)
    problems = validate_username(username) if existing is None else []
    if existing is None and password is None and not has_password:
        problems.append(Problem('password', 'error.password_short', {'min': 10}))
    if password is not None:
        problems += validate_password(password)
    if grants is not None:
        problems += check_grants(store, grants)
    if name is not None and not name.strip():
        problems.append(Problem('name', 'error.name_empty'))
    if email is not None:
        problems += validate_email(email.strip())
    return problems


def set_user(store: Store, username: str, *, name: str | None = None, grants: Sequence[Grant] | None = None,
             password: str | None = None, disabled: bool | None = None, sessions: Sessions | None = None,
             password_hash: str | None = None, email: str | None = None,
             brief: BriefChoice | Literal['default'] | None = 'default') -> User:
    """Create a user (a password is then required) or change one; raises :class:`RuleViolation` for bad input.

    ``password_hash`` instead of ``password``: a password the caller has checked with :func:`check_user` and
    hashed itself, off the store's writer (the admin page does; Argon2 takes about half a second).
    ``email`` ('' removes it) and ``brief`` (the leader's choice of mail; None: the default for their roles;
    'default' here: leave it as it is) change the leader's mail.
    A changed password, role or a disabled account ends that user's logins at once: the stored ones in the same
    write as the change (so also when no hub runs), and those of the running hub in ``sessions``.
    """
    username = username.strip().casefold()
    existing = store.accounts.user(username)
    problems = check_user(store, username, name=name, grants=grants, password=password,
                          has_password=password_hash is not None, email=email)
    if problems:
        raise RuleViolation(problems)
    user = existing or User(username=username, name='', password_hash='')
    changes: dict[str, object] = {}
    if name is not None:
        changes['name'] = name.strip()
    if grants is not None:
        changes['grants'] = tuple(dict.fromkeys(grants))
    if disabled is not None:
        changes['disabled'] = disabled
    if email is not None:
        changes['email'] = email.strip()
    if brief != 'default':
        changes['brief'] = brief
    if password is not None:
        changes['password_hash'] = hash_password(password)
    elif password_hash is not None:
        changes['password_hash'] = password_hash
    updated = dataclasses.replace(user, **changes)  # type: ignore[arg-type]
    if not updated.name:
        updated = dataclasses.replace(updated, name=username)
    ends_logins = existing is not None and (
        'password_hash' in changes or updated.grants != existing.grants or updated.disabled)
    store.accounts.save(updated, end_sessions=ends_logins)  # the stored logins go in the same write
    if sessions is not None and ends_logins:
        sessions.end_all([username])
    return updated


def set_mail_choice(store: Store, username: str, *, email: str, brief: BriefChoice | None) -> User:
    """A leader changes their own e-mail address and choice of mail (on their pages); nothing else of the account.
    Raises :class:`RuleViolation` for a bad address, ``KeyError`` for an unknown user."""
    user = store.accounts.user(username)
    if user is None:
        raise KeyError(username)
    problems = validate_email(email.strip())
    if problems:
        raise RuleViolation(problems)
    return store.accounts.save(dataclasses.replace(user, email=email.strip(), brief=brief))


def issue_pairing_code(store: Store, unit_id: str) -> dict[str, Any]:
    """A new one-time code for pairing a wall screen with ``unit_id``; only its hash is kept.

    Raises ``KeyError`` for an unknown unit. A write: call it on the store's writer (``store.run``).
    """
    if store.unit(unit_id) is None:
        raise KeyError(f'no unit {unit_id}')
    code = new_pairing_code()
    expires: datetime = store.now() + PAIRING_CODE_LIFETIME
    store.wall_screens.add_pairing_code(PairingCode(code_hash=hash_secret(code), unit_id=unit_id, expires_at=expires))
    return {'code': code, 'unit_id': unit_id, 'expires_at': expires.isoformat()}
