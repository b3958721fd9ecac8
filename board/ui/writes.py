"""One way for a page to change data: check who may, write on the store's writer, turn a refusal into words.

Every page used to spell out "check the login, try the write, translate ``RuleViolation`` and
``StoreWriteError``" by hand. :func:`attempt` does it once: it returns what the write returned, or the problems
to show, each a :class:`Problem` whose key the page translates (next to a field, or in a notification with
:func:`notify_problems`). A refused change never raises into NiceGUI, and the person sees why in Norwegian.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from nicegui import ui

from ..domain import Problem, RuleViolation
from ..i18n import Translator
from ..store import Store, StoreWriteError

__all__ = ['LOGIN_ENDED', 'WRITE_FAILED', 'Attempt', 'attempt', 'messages', 'notify_problems']

log = logging.getLogger(__name__)

T = TypeVar('T')

#: the login ended, the role was removed or the session was closed since the page was opened
LOGIN_ENDED = Problem('card', 'login.expired')
#: the disk could not take the change (full, broken); what was stored before is kept
WRITE_FAILED = Problem('card', 'error.write_failed')


@dataclass(frozen=True, slots=True)
class Attempt(Generic[T]):
    """What a write gave: its value, or the problems that refused it."""
    value: T | None = None
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems


async def attempt(store: Store, write: Callable[..., T], /, *args: object,
                  allowed: Callable[[], object] | None = None, grouped: str | None = None,
                  **kwargs: object) -> Attempt[T]:
    """Run ``write`` on the store's writer if ``allowed()`` (checked again now, on the server), and say how it went.

    ``allowed``: for leaders' and admins' pages, the check of the login behind the page (its result must be
    truthy); boards on the wall pass nothing. ``grouped``: the unit whose board alone the write changes, so it may
    share a durable write with others arriving at the same moment (``Store.run_grouped``).
    """
    if allowed is not None and not allowed():
        return Attempt(problems=(LOGIN_ENDED,))
    try:
        if grouped is not None:
            return Attempt(await store.run_grouped(grouped, write, *args, **kwargs))
        return Attempt(await store.run(write, *args, **kwargs))
    except RuleViolation as refused:
        return Attempt(problems=refused.problems)
    except StoreWriteError:  # logged by the store with the file and the reason
        return Attempt(problems=(WRITE_FAILED,))


def messages(t: Translator, problems: Iterable[Problem]) -> list[str]:
    return [t(problem.key, **problem.params) for problem in problems]


def notify_problems(t: Translator, problems: Iterable[Problem]) -> None:
    """Each problem as a notification: a refused rule as a warning, a failed write as an error. It stays until
    someone taps *Lukk*: the person 3 m away must be able to read why."""
    for problem in problems:
        ui.notify(t(problem.key, **problem.params), type='negative' if problem == WRITE_FAILED else 'warning',
                  multi_line=True, timeout=0, close_button=t('action.close'))
