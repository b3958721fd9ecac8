"""Speed-ups to NiceGUI's own work, applied once when the app is created; each gives the same answer as the code
it stands in for.

Every NiceGUI element makes three observable collections (classes, style, props), and each of them asks
``inspect.signature`` whether its change handler, a bound method of the element, expects an argument. Building
an 80-card board made 16,000 such calls, a third of the page's build time. The answer depends only on the
function behind the bound method, so it is kept per function: the same answer NiceGUI would compute, once.

Every message to a screen (NiceGUI's updates of the elements a change touched) is checked by python-socketio for
binary parts before it is sent: a recursive walk building a list and a ``functools.reduce`` at every level of the
nested elements, about 4 % of the hub's loop in a wave of phone ideas. :func:`data_is_binary` walks the same
containers (lists and dicts' values) without them and stops at the first binary part.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable
from typing import Any

from nicegui import helpers
from nicegui.helpers import functions
from socketio import packet

_original = functions.expects_arguments
_original_binary = packet.Packet.data_is_binary
_answers: weakref.WeakKeyDictionary[Callable[..., Any], bool] = weakref.WeakKeyDictionary()


def expects_arguments(func: Callable[..., Any]) -> bool:
    """NiceGUI's ``expects_arguments``, remembered per function for bound methods (lambdas and others: asked anew)."""
    if not inspect.ismethod(func):
        return _original(func)
    underlying = func.__func__
    answer = _answers.get(underlying)
    if answer is None:
        answer = _answers[underlying] = _original(func)
    return answer


def data_is_binary(data: object) -> bool:
    """python-socketio's ``Packet.data_is_binary``: whether ``data`` holds ``bytes`` or ``bytearray`` anywhere in its
    lists and dicts' values (the same containers it walks)."""
    waiting = [data]
    while waiting:
        item = waiting.pop()
        if isinstance(item, (bytes, bytearray)):
            return True
        if isinstance(item, list):
            waiting.extend(item)
        elif isinstance(item, dict):
            waiting.extend(item.values())
    return False


def apply() -> None:
    """Put the remembering ``expects_arguments`` where NiceGUI's modules look it up, and the walk without lists in
    python-socketio's packets (idempotent)."""
    helpers.expects_arguments = expects_arguments
    packet.Packet.data_is_binary = staticmethod(data_is_binary)
