"""The hub's leaders and admins (``users.json``): a part of :class:`board.store.Store`.

Only password hashes are stored (see ``board.users``); logins live in memory, not here.
"""

from __future__ import annotations

import threading
from typing import Any

from tinydb import Query, TinyDB

from ..users import Grant, User
from .files import AtomicJSONStorage

__all__ = ['UserRecords']


class UserRecords:
    """Mixed into the Store, which opens ``users.json`` as ``_users_db``."""

    _lock: threading.RLock
    _users_db: TinyDB | None

    def users(self) -> list[User]:
        return sorted((_user_from_doc(d) for d in self._user_table().all()), key=lambda u: u.username)

    def user(self, username: str) -> User | None:
        doc = self._user_table().get(Query().username == username)
        return _user_from_doc(doc) if isinstance(doc, dict) else None

    def save_user(self, user: User) -> User:
        """Create or replace a user (the caller has validated the name and hashed the password)."""
        with self._lock, self._users_storage().batch():
            self._user_table().upsert(_user_doc(user), Query().username == user.username)
        return user

    def remove_user(self, username: str) -> bool:
        with self._lock, self._users_storage().batch():
            return bool(self._user_table().remove(Query().username == username))

    def _user_table(self) -> Any:
        if self._users_db is None:
            raise RuntimeError('store is not open')
        return self._users_db.table('users')

    def _users_storage(self) -> AtomicJSONStorage:
        if self._users_db is None:
            raise RuntimeError('store is not open')
        return self._users_db.storage  # type: ignore[return-value]


def _user_doc(user: User) -> dict[str, Any]:
    return {'username': user.username, 'name': user.name, 'password_hash': user.password_hash,
            'grants': [str(g) for g in user.grants], 'disabled': user.disabled}


def _user_from_doc(doc: dict[str, Any]) -> User:
    return User(username=doc['username'], name=doc.get('name', ''), password_hash=doc['password_hash'],
                grants=tuple(Grant.parse(g) for g in doc.get('grants', [])), disabled=bool(doc.get('disabled')))

