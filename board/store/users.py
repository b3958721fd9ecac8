"""The hub's leaders and admins (``users.json``): ``store.accounts``.

Only password hashes are stored (see ``board.users``); logins live in memory, not here.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB

from ..users import Grant, User
from .files import AtomicJSONStorage, open_db

__all__ = ['Accounts']


class Accounts:
    """Leaders' and admins' accounts (writes: on the store's writer)."""

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

    def save(self, user: User) -> User:
        """Create or replace a user (the caller has validated the name and hashed the password)."""
        with self._lock, self._users_storage().batch():
            self._user_table().upsert(_user_doc(user), Query().username == user.username)
        return user

    def remove(self, username: str) -> bool:
        with self._lock, self._users_storage().batch():
            return bool(self._user_table().remove(Query().username == username))

    def _user_table(self) -> Any:
        return self._users_db.table('users')

    def _users_storage(self) -> AtomicJSONStorage:
        return self._users_db.storage  # type: ignore[return-value]


def _user_doc(user: User) -> dict[str, Any]:
    return {'username': user.username, 'name': user.name, 'password_hash': user.password_hash,
            'grants': [str(g) for g in user.grants], 'disabled': user.disabled}


def _user_from_doc(doc: dict[str, Any]) -> User:
    return User(username=doc['username'], name=doc.get('name', ''), password_hash=doc['password_hash'],
                grants=tuple(Grant.parse(g) for g in doc.get('grants', [])), disabled=bool(doc.get('disabled')))

