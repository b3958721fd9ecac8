"""``/leder/epost``: a leader's own e-mail address and choice of mail (the brief before each meeting of their units,
a weekly summary by unit, or none). Every save checks the login again on the server; it changes nothing else of
the account."""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.responses import Response
from nicegui import ui

from .. import admin
from .admin_mail import choice_options, chosen
from .auth import Auth, to_login
from .leader_frame import leader_page
from .writes import LOGIN_ENDED, attempt, messages

if TYPE_CHECKING:
    from ..context import AppContext

__all__ = ['PATH', 'register']

log = logging.getLogger(__name__)

PATH = '/leder/epost'


def register(context: AppContext, auth: Auth) -> None:
    t, store = context.t, context.store

    @ui.page(PATH, title=t('leader_mail.heading'))
    def mail_page(request: Request) -> Response | None:
        user = auth.user_of(request)
        if user is None:
            return to_login(request)
        guard = auth.guard(request)

        def build(username: str) -> None:
            default = t(f'admin_mail.choice_{dataclasses.replace(user, brief=None).brief_choice.value}')
            ui.label(t('leader_mail.help', default=default)).classes('text-lg max-w-[50rem]')
            email = ui.input(t('admin_mail.email'), value=user.email) \
                .props('outlined type=email autocomplete=email').classes('w-96').mark('my-email')
            choice = ui.select(choice_options(context), label=t('admin_mail.choice'),
                               value=user.brief.value if user.brief else '').props('outlined').classes('w-96') \
                .mark('my-brief')
            error = ui.label().classes('field-error').props('role=alert')

            def allowed() -> bool:
                current = guard.user()
                return current is not None and current.username == username

            async def save() -> None:
                written = await attempt(store, admin.set_mail_choice, store, username, email=email.value or '',
                                        brief=chosen(choice.value), allowed=allowed)
                if not written.ok or written.value is None:
                    if LOGIN_ENDED in written.problems:
                        ui.notify(t('login.expired'), type='warning', multi_line=True)
                    error.text = ' '.join(messages(t, (p for p in written.problems if p != LOGIN_ENDED)))
                    return
                error.text = ''
                log.info('%s changed their mail to %s (%s)', username, written.value.email or '(none)',
                         written.value.brief_choice.value)
                ui.notify(t('leader_mail.saved'), type='positive')

            ui.button(t('action.save'), icon='check', on_click=save).classes('touch-button').mark('my-mail-save')
        with leader_page(context, guard, user, PATH, t('leader_mail.heading')):
            build(user.username)
        return None

