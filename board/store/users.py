"""The hub's leaders and admins (``users.json``): ``store.accounts``.

Two tables: ``users`` (only password hashes, see ``board.users``; a person who signs in with the identity provider
has none, and the provider's ``subject`` and ``staff`` instead, keys older files lack and read as empty) and
``sessions``: each login's token hash, its user, when it began and when it ends, so a restart or an upgrade of the
hub logs no one out. A token itself is never stored; the file (and a backup of it) cannot be turned into a login.
Expired sessions are dropped whenever a session is added, and a changed password, role or a disabled account takes
that user's sessions with it in the same write.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB

from ..users import BriefChoice, Grant, Session, User
from .files import AtomicJSONStorage, open_db

__all__ = ['MAX_SESSIONS_PER_USER', 'Accounts']

log = logging.getLogger(__name__)

#: a user's oldest logins are dropped beyond this many (phones, PCs, browsers): the file stays small
MAX_SESSIONS_PER_USER = 20


class Accounts:
    """Leaders' and admins' accounts and their logins (writes: on the store's writer)."""

    def __init__(self, path: Path, *, lock: threading.RLock) -> None:
        self._users_db: TinyDB = open_db(path)
        self._lock = lock

    def close(self) -> None:
        self._users_db.close()

    def all(self) -> list[User]:
        return sorted((_user_from_doc(d) for d in self._user_table().all()), key=lambda u: u.username)

    def user(self, username: str) -> User | None:
        doc = self._user_table().get(Query().username == username)
        return _user_from_doc(doc) if isinstance(doc, dict) else None

    def save(self, user: User, *, end_sessions: bool = False) -> User:
        """Create or replace a user (the caller has validated the name and hashed the password).

        ``end_sessions``: the user's stored logins go in the same write (a changed password or role).
        """
        with self._lock, self._users_storage().batch():
            self._user_table().upsert(_user_doc(user), Query().username == user.username)
            if end_sessions:
                self._session_table().remove(Query().username == user.username)
        return user

    def remove(self, username: str) -> bool:
        with self._lock, self._users_storage().batch():
            self._session_table().remove(Query().username == username)
            return bool(self._user_table().remove(Query().username == username))

    # --- logins ---

    def sessions(self) -> dict[str, Session]:
        """The stored logins by their token's hash (expired ones too: the caller knows the time)."""
        found = {}
        for doc in self._session_table().all():
            try:
                found[str(doc['key'])] = Session(str(doc['username']), datetime.fromisoformat(doc['created']),
                                                 datetime.fromisoformat(doc['expires']))
            except (KeyError, TypeError, ValueError) as error:
                log.warning('a stored login in users.json cannot be read (%s); it is ignored', error)
        return {k: s for k, s in found.items() if s.expires.tzinfo is not None and s.created.tzinfo is not None}

    def add_session(self, key: str, session: Session, *, now: datetime) -> None:
        """Keep a new login (``key``: its token's hash); expired ones and a user's oldest beyond the limit go."""
        with self._lock, self._users_storage().batch():
            table = self._session_table()
            stale = [doc.doc_id for doc in table.all() if _expired(doc, now)]
            mine = sorted((doc for doc in table.all() if doc.get('username') == session.username
                           and doc.doc_id not in stale), key=lambda doc: str(doc.get('created', '')))
            stale += [doc.doc_id for doc in mine[:max(0, len(mine) - MAX_SESSIONS_PER_USER + 1)]]
            if stale:
                table.remove(doc_ids=stale)
            table.insert({'key': key, 'username': session.username, 'created': session.created.isoformat(),
                          'expires': session.expires.isoformat()})

    def end_sessions(self, keys: Iterable[str]) -> int:
        """Forget these logins (by their token's hash); writes only if one was stored."""
        wanted = set(keys)
        with self._lock:
            table = self._session_table()
            ids = [doc.doc_id for doc in table.all() if doc.get('key') in wanted]
            if ids:
                with self._users_storage().batch():
                    table.remove(doc_ids=ids)
        return len(ids)

    def end_sessions_of(self, usernames: Iterable[str]) -> int:
        """Forget every login of these users; writes only if one was stored."""
        names = set(usernames)
        with self._lock:
            table = self._session_table()
            ids = [doc.doc_id for doc in table.all() if doc.get('username') in names]
            if ids:
                with self._users_storage().batch():
                    table.remove(doc_ids=ids)
        return len(ids)

    def _user_table(self) -> Any:
        return self._users_db.table('users')

    def _session_table(self) -> Any:
        return self._users_db.table('sessions')

    def _users_storage(self) -> AtomicJSONStorage:
        return self._users_db.storage  # type: ignore[return-value]


def _expired(doc: dict[str, Any], now: datetime) -> bool:
    try:
        return now >= datetime.fromisoformat(doc['expires'])
    except (KeyError, TypeError, ValueError):
        return True  # unreadable: gone with the next write


def _user_doc(user: User) -> dict[str, Any]:
    doc = {'username': user.username, 'name': user.name, 'password_hash': user.password_hash,
           'grants': [str(g) for g in user.grants], 'disabled': user.disabled}
    if user.subject:  # only a person from the identity provider has these; a local account's record is as before
        doc['subject'] = user.subject
        doc['staff'] = user.staff
    # the e-mail address and the choice of mail are new keys: an older record reads as none and the default, and
    # an older release keeps them (TinyDB's upsert updates the keys it knows), so no format step is needed
    doc['email'] = user.email
    doc['brief'] = user.brief.value if user.brief is not None else None
    return doc


def _user_from_doc(doc: dict[str, Any]) -> User:
    return User(username=doc['username'], name=doc.get('name', ''), password_hash=doc['password_hash'],
                grants=tuple(Grant.parse(g) for g in doc.get('grants', [])), disabled=bool(doc.get('disabled')),
                subject=str(doc.get('subject', '')), staff=bool(doc.get('staff')), email=str(doc.get('email') or ''),
                brief=_choice(doc.get('brief')))


def _choice(value: object) -> BriefChoice | None:
    try:
        return BriefChoice(str(value)) if value else None
    except ValueError:  # a choice a newer release added: its default until this release knows it
        return None
