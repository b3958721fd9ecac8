"""The frame of every leader and admin page: the leaders' menu, who is logged in, logging out, the heading."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from nicegui import ui

from ..users import User
from .auth import Guard
from .theme import Heading, attrs, frame

if TYPE_CHECKING:
    from ..context import AppContext

__all__ = ['leader_nav', 'leader_page', 'logout_button']


@contextmanager
def leader_page(context: AppContext, guard: Guard, user: User, path: str, heading: str, *,
                subtitle: str = '') -> Iterator[ui.row]:
    """A leader or admin page: the menu, then a heading row; yields the row for the page's own controls."""
    with frame(context, f'{heading} - {context.t("app.name")}'), \
            ui.column().classes('leader-page w-full max-w-[110rem] mx-auto p-4 gap-4'):
        leader_nav(context, guard, user, path)
        with ui.row().classes('w-full items-center gap-4') as header:
            Heading(heading, 1)
            if subtitle:
                ui.label(subtitle).classes('text-xl')
            ui.space()
        yield header


def leader_nav(context: AppContext, guard: Guard, user: User, current: str) -> None:
    """The leaders' menu: overview, gains, admin (for admins), who is logged in, log out."""
    t = context.t
    with attrs(ui.element('nav').classes('leader-nav w-full'), {'aria-label': t('leader.menu')}):
        for path, key in (('/leder', 'leader.overview'), ('/leder/gevinster', 'gains.heading'),
                          ('/leder/utrulling', 'rollout.heading'), ('/leder/verdistrom', 'vsa.heading'),
                          ('/leder/epost', 'leader_mail.heading')):
            link = ui.link(t(key), path).classes('nav-link')
            if path == current:
                link.props('aria-current=page').classes('nav-current')
        if user.is_admin:
            ui.link(t('admin.heading'), '/admin').classes('nav-link').props(
                'aria-current=page' if current == '/admin' else '')
        ui.link(t('landing.all_boards'), '/').classes('nav-link')
        ui.space()
        ui.label(t('leader.logged_in_as', name=user.name)).classes('text-lg')
        logout_button(context, guard)


def logout_button(context: AppContext, guard: Guard) -> None:
    """Ends the login on the server (the cookie left behind no longer opens anything) and goes to the login."""

    async def log_out() -> None:
        await guard.auth.log_out(guard.token)  # ended at once; its stored copy on the store's writer
        ui.navigate.to('/login')

    ui.button(context.t('login.logout'), icon='logout', on_click=log_out).props('flat no-caps').mark('logout')
