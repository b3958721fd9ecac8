"""The admin page's *Revisjon* tab: the checklists new audits get, internal (monthly) and external (half-yearly).

An admin adds, renames and removes items; the lists are kept in ``audit_templates.json`` (``store.audits``). An audit
already started keeps the items it was started with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from nicegui import ui

from ..domain.audit import ITEM_TEXT_MAX, AuditKind
from .theme import Heading, attrs
from .writes import LOGIN_ENDED, attempt, notify_problems

if TYPE_CHECKING:
    from ..context import AppContext

__all__ = ['show_templates']


def show_templates(context: AppContext, panel: ui.column, allowed: Callable[[], bool]) -> None:
    """Both checklists in ``panel``, built anew after each change."""
    t, store = context.t, context.store

    async def change(write: Callable[..., object], *args: object) -> None:
        written = await attempt(store, write, *args, allowed=allowed)
        if not written.ok:
            notify_problems(t, (p for p in written.problems if p != LOGIN_ENDED))  # allowed() said so
            return
        ui.notify(t('audit.item_saved'), type='positive')
        show_templates(context, panel, allowed)

    panel.clear()
    with panel:
        Heading(t('audit.templates'), 2)
        ui.label(t('audit.templates_help')).classes('text-base')
        for kind in AuditKind:
            k = kind.value
            with ui.card().classes('w-full gap-2').mark(f'audit-template-{k}'):
                Heading(t(f'audit.kind_{k}'), 3)
                for item in store.audits.template(kind):
                    with ui.row().classes('w-full items-center gap-3 no-wrap'):
                        text = attrs(ui.input(t('audit.item_text'), value=item.text).props('outlined dense'),
                                     {'maxlength': ITEM_TEXT_MAX}).classes('grow') \
                            .mark(f'audit-item-text-{k}-{item.id}')
                        if item.auto is not None:
                            ui.label(t('audit.auto_item')).classes('text-sm')
                        ui.button(t('audit.rename_item'), icon='edit',
                                  on_click=lambda kind=kind, i=item.id, field=text:
                                  change(store.audits.rename_item, kind, i, field.value or '')) \
                            .props('flat no-caps').mark(f'audit-rename-{k}-{item.id}')
                        ui.button(t('audit.remove_item'), icon='delete',
                                  on_click=lambda kind=kind, i=item.id: change(store.audits.remove_item, kind, i)) \
                            .props('flat no-caps').mark(f'audit-remove-{k}-{item.id}')
                with ui.row().classes('w-full items-end gap-3'):
                    new = attrs(ui.input(t('audit.item_text')).props('outlined'), {'maxlength': ITEM_TEXT_MAX}) \
                        .classes('grow').mark(f'audit-new-item-{k}')
                    ui.button(t('audit.add_item'), icon='add',
                              on_click=lambda kind=kind, field=new: change(store.audits.add_item, kind,
                                                                           field.value or '')) \
                        .props('no-caps').mark(f'audit-add-{k}')
