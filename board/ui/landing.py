"""The landing page ``/``: service areas and their units, each linking to its board; and the unknown-unit page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from ..domain import LEADERSHIP_BOARD, area_board_id
from .theme import Heading, frame

if TYPE_CHECKING:
    from ..context import AppContext


def register(context: AppContext) -> None:

    @ui.page('/', title=context.t('app.name'))
    def landing() -> None:
        t = context.t
        organisation = context.store.organisation
        with frame(context, t('app.name'), wall=True), \
                ui.column().classes('landing w-full max-w-6xl mx-auto p-6 gap-6'):
            Heading(organisation.name or t('app.name'), 1)
            ui.label(t('landing.intro')).classes('text-xl')
            unit_directory(context)


def unit_directory(context: AppContext) -> None:
    """Every service area with links to its units' boards."""
    t = context.t
    organisation = context.store.organisation
    if not organisation.units:
        ui.label(t('landing.no_units')).classes('text-xl')
        return
    for area in sorted(organisation.service_areas, key=lambda a: a.name.casefold()):
        units = organisation.units_in(area.id)
        if not units:
            continue
        with ui.element('section').classes('area-block w-full'):
            Heading(area.name, 2)
            with ui.element('ul').classes('grid gap-3 grid-cols-[repeat(auto-fill,minmax(18rem,1fr))] list-none p-0'):
                for unit in units:
                    with ui.element('li'):
                        ui.link(unit.name, f'/units/{unit.id}').classes('unit-link')
                with ui.element('li'):  # the area's own board, where its units lift what they cannot solve alone
                    ui.link(t('landing.area_board', area=area.name), f'/units/{area_board_id(area.id)}') \
                        .classes('unit-link upper-board-link')
    with ui.element('section').classes('area-block w-full'):
        Heading(t('landing.leadership'), 2)
        ui.link(t('landing.leadership_board'), f'/units/{LEADERSHIP_BOARD}').classes('unit-link upper-board-link')


def unknown_unit(context: AppContext, unit_id: str) -> None:
    """A friendly page for an address that names no unit, with the units to choose from."""
    t = context.t
    with frame(context, t('landing.unknown_title'), wall=True), \
            ui.column().classes('landing w-full max-w-6xl mx-auto p-6 gap-6'):
        Heading(t('landing.unknown_title'), 1)
        ui.label(t('landing.unknown_text', unit=unit_id)).classes('text-xl')
        unit_directory(context)
