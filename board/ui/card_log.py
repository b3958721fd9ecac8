"""A card's *Logg*: its changes in plain Norwegian, newest first ("Flyttet fra Ideer til Pågår – leder Kari, ...").

Everything shown comes from stored data, so it goes into labels as text, never into markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from nicegui import ui

from ..domain import Origin
from ..domain.changelog import LogAction, LogEntry
from ..i18n import Translator

__all__ = ['CardLogDialog', 'describe']


def describe(t: Translator, entry: LogEntry, *, zone: tzinfo | None, addresses: bool = False) -> tuple[str, str, str]:
    """(when, what, who and from where) for one entry, in the UI's language; a browser's address only with
    ``addresses`` (a leader's page: on a wall it would show who was where to everyone passing)."""
    local = entry.at.astimezone(zone)
    when = t('log.when', date=local.strftime('%d.%m.%Y'), time=local.strftime('%H:%M'))
    if entry.action == LogAction.MOVED and entry.from_column and entry.to_column:
        what = t('log.moved', source=t(f'column.{entry.from_column.value}'),
                 target=t(f'column.{entry.to_column.value}'))
    else:
        what = t(f'log.{entry.action.value}')
    fields = [t(f'log.field.{name}') for name in entry.fields
              if entry.action == LogAction.EDITED
              or name not in ('answer', 'answer_note', 'gain', 'problem', 'whys', 'causes')]
    if fields and entry.action not in (LogAction.CREATED, LogAction.DELETED, LogAction.RESTORED):
        what = t('log.with_fields', what=what, fields=', '.join(fields))
    if entry.origin == Origin.LEADER:
        who = t('log.by_leader', name=entry.by) if entry.by else t('log.by_a_leader')
    elif entry.origin == Origin.PHONE:
        who = t('log.by_phone')
    else:
        who = t('log.by_board')
    kind, _, detail = entry.source.partition(':')
    if kind == 'wall':
        where = t('log.from_wall', name=detail)
    elif kind == 'address':
        where = t('log.from_address', address=detail) if addresses else t('log.from_browser')
    elif kind == 'hub':
        where = t('log.from_hub')
    else:
        where = ''
    return when, what, t('log.who_where', who=who, where=where) if where else who


class CardLogDialog:
    """The log of one card, opened from the card's dialog."""

    def __init__(self, *, t: Translator, zone: tzinfo | None, addresses: bool = False) -> None:
        self._t = t
        self._zone = zone
        self._addresses = addresses
        with ui.dialog() as self.dialog, ui.card().classes('card-dialog gap-3').mark('card-log'):
            self.heading = ui.label().classes('text-2xl font-bold')
            self.entries = ui.column().classes('w-full gap-2')
            with ui.row().classes('w-full justify-end'):
                ui.button(t('action.close'), on_click=self.dialog.close).props('flat no-caps').classes('touch-button')

    def open(self, title: str, entries: Sequence[LogEntry]) -> None:
        t = self._t
        self.heading.text = t('log.heading', title=title)
        self.entries.clear()
        with self.entries:
            if not entries:
                ui.label(t('log.empty')).classes('text-lg')
            for entry in sorted(entries, key=lambda e: e.at, reverse=True):
                when, what, who = describe(t, entry, zone=self._zone, addresses=self._addresses)
                with ui.column().classes('gap-0 w-full').mark('log-entry'):
                    ui.label(what).classes('text-xl')
                    ui.label(f'{when} · {who}').classes('text-lg opacity-80')
        self.dialog.open()
