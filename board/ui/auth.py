"""Logging in and out, and who the person behind a request or a websocket event is.

The login page is a plain form (see ``htmlpage`` and ``templates/login.html``). A login sets an HttpOnly cookie
holding a random session token; the hub keeps only its hash (``board.users.Sessions``). Failed logins are limited
per name and per address. Leader and admin pages ask :meth:`Auth.user_of` when they are opened, and every action
on them asks again through :class:`Guard` when it runs: a login that expired, a role that was removed or a
session that was ended since the page was opened refuses the action on the server, whatever the browser shows.
Argon2 runs on its own worker threads and the store's writes on its writer, never on the event loop.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ..ratelimit import RateLimit
from ..store import Store
from ..users import Sessions, User, hash_password, needs_rehash, password_work, verify_password
from .htmlpage import HEADERS, read_body, read_form, render
from .writes import attempt

if TYPE_CHECKING:
    from ..context import AppContext

log = logging.getLogger(__name__)

COOKIE = 'board_session'
LOGIN_WINDOW = 15 * 60.0



class Auth:

    def __init__(self, context: AppContext) -> None:
        self.context = context
        self.store = context.store
        self.sessions = Sessions(timedelta(hours=context.settings.session_hours))
        attempts = context.settings.login_attempts
        self.per_name = RateLimit(attempts, LOGIN_WINDOW)
        self.per_address = RateLimit(attempts * 4, LOGIN_WINDOW)  # a shared office address has many leaders

    def user_of(self, request: Request) -> User | None:
        return self.user_for_token(request.cookies.get(COOKIE))

    def user_for_token(self, token: str | None) -> User | None:
        session = self.sessions.get(token)
        if session is None:
            return None
        user = self.store.accounts.user(session.username)
        return user if user is not None and not user.disabled and user.grants else None

    def guard(self, request: Request) -> Guard:
        return Guard(self, request.cookies.get(COOKIE))

    def router(self) -> APIRouter:
        t = self.context.t
        routes = APIRouter(include_in_schema=False)

        def login_page(*, status: int = 200, username: str = '', next_path: str = '/leder',
                       banner: str = '') -> Response:
            return render(t, 'login.html', title=t('login.heading'), status=status, username=username,
                          next_path=_safe_next(next_path), banner=banner)

        @routes.get('/login')
        def login_form(request: Request, next: str = '/leder') -> Response:
            if self.user_of(request) is not None:
                return RedirectResponse(_safe_next(next), status_code=303, headers=HEADERS)
            return login_page(next_path=next)

        @routes.post('/login')
        async def login(request: Request, next: str = '/leder') -> Response:
            body = await read_body(request)
            form = read_form(body) if body is not None else {}
            username = form.get('username', '').strip().casefold()[:64]
            password = form.get('password', '')[:1024]
            address = request.client.host if request.client else '?'
            wait = max(self.per_name.retry_after(f'name:{username}'), self.per_address.retry_after(f'ip:{address}'))
            if wait:
                log.warning('login for %r from %s refused: too many failed attempts', username, address)
                return login_page(status=429, username=username, next_path=next,
                                  banner=t('login.rate_limited', minutes=max(1, round(wait / 60))))
            user = self.store.accounts.user(username) if username else None
            verified = await password_work(verify_password, user.password_hash if user else None, password)
            if user is not None and self.store.accounts.user(username) != user:
                verified = False  # changed while the password was checked (a new password, disabled): ask again
            if not verified or user is None or user.disabled or not user.grants:
                self.per_name.record(f'name:{username}')
                self.per_address.record(f'ip:{address}')
                log.info('failed login for %r from %s', username, address)
                return login_page(status=401, username=username, next_path=next, banner=t('login.failed'))
            if needs_rehash(user.password_hash):
                new_hash = await password_work(hash_password, password)
                if not (await attempt(self.store, _rehash, self.store, user.username, user.password_hash,
                                      new_hash)).ok:
                    log.warning('could not save the new password hash of %s; kept the old one', user.username)
            token = self.sessions.create(user.username)
            log.info('%s logged in from %s', user.username, address)
            response = RedirectResponse(_safe_next(next), status_code=303, headers=HEADERS)
            response.set_cookie(COOKIE, token, max_age=int(self.sessions.lifetime.total_seconds()), httponly=True,
                                samesite='lax', secure=request.url.scheme == 'https', path='/')
            return response

        @routes.post('/logout')
        def logout(request: Request) -> Response:
            self.sessions.end(request.cookies.get(COOKIE))
            response = RedirectResponse('/login', status_code=303, headers=HEADERS)
            response.delete_cookie(COOKIE, path='/')
            return response

        return routes


@dataclass
class Guard:
    """The login behind one open leader or admin page, checked again for every action."""
    auth: Auth
    token: str | None

    def user(self) -> User | None:
        return self.auth.user_for_token(self.token)


def _safe_next(path: str) -> str:
    """Only a path on this hub: never send a person on to another site after logging in."""
    if not path.startswith('/') or path.startswith('//') or '\\' in path or any(ord(c) < 32 for c in path):
        return '/leder'
    return path


def _rehash(store: Store, username: str, old_hash: str, new_hash: str) -> None:
    """On the store's writer: the new hash, unless the password was changed meanwhile."""
    user = store.accounts.user(username)
    if user is not None and user.password_hash == old_hash:
        store.accounts.save(dataclasses.replace(user, password_hash=new_hash))


def forbidden(context: AppContext, *, status: int = 403) -> Response:
    t = context.t
    return render(t, 'message.html', title=t('login.forbidden_heading'), status=status,
                  heading=t('login.forbidden_heading'), text=t('login.forbidden_text'),
                  links=[('/leder', t('leader.overview')), ('/', t('landing.all_boards'))])


def to_login(request: Request) -> Response:
    return RedirectResponse(f'/login?next={request.url.path}', status_code=303, headers=HEADERS)
