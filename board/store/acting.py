"""From where a change is made, for the card's log: set by the page, the sync API or the sync client around a write.

Who made it (a leader's name, a phone, the board) travels with the card itself (``changed_origin``,
``changed_by``); from where (a wall screen's id, a browser's address) is not part of a card, so it travels in a
context variable: :meth:`board.store.Store.run` carries the caller's context to the writer thread.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

__all__ = ['HUB', 'acting_from', 'address_source', 'current_source', 'wall_source']

_SOURCE: ContextVar[str] = ContextVar('change_source', default='')

#: a change a wall screen took from the hub
HUB = 'hub'


def wall_source(screen_id: str) -> str:
    return f'wall:{screen_id}'


def address_source(address: str) -> str:
    return f'address:{address}' if address else ''


def current_source() -> str:
    return _SOURCE.get()


@contextlib.contextmanager
def acting_from(source: str) -> Iterator[None]:
    """Writes in this block (and those it hands to the store's writer) are logged as made from ``source``."""
    token = _SOURCE.set(source)
    try:
        yield
    finally:
        _SOURCE.reset(token)
