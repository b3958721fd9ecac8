"""Logging in and out, and who the person behind a request or a websocket event is.

The login page is a plain form (see ``htmlpage`` and ``templates/login.html``). A login sets an HttpOnly cookie
holding a random session token; the hub keeps only its hash, in memory (``board.users.Sessions``: what it says
goes, at once) and in the accounts file (so a restart or an upgrade logs no one out). Leader and admin pages ask
:meth:`Auth.user_of` when they are opened, and every action on them asks again through :class:`Guard` when it
runs: a login that expired, a role that was removed or a session that was ended since the page was opened refuses
the action on the server, whatever the browser shows.

Failed logins never lock an account (anyone who knows a name could lock its owner out): they slow the next
attempts down, per address and per name, before the password is checked (``board.ratelimit.LoginThrottle``);
the admin page lists them. The forms (login, logout) are refused when posted from another site.
Argon2 runs on its own worker threads and the store's writes on its writer, never on the event loop.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ..ratelimit import LoginThrottle
from ..store import Store, StoreWriteError
from ..users import Session, Sessions, User, hash_password, needs_rehash, password_work, verify_password
from .htmlpage import HEADERS, read_body, read_form, refuse_foreign, render

if TYPE_CHECKING:
    from ..context import AppContext

log = logging.getLogger(__name__)

COOKIE = 'board_session'
LOGIN_WINDOW = 15 * 60.0
#: the longest a failed login makes the next one wait, in seconds
LOGIN_DELAY_MAX = 30.0


class Auth:

    def __init__(self, context: AppContext) -> None:
        self.context = context
        self.store = context.store
        # the logins kept in the accounts file: a restart of the hub logs no one out (expired ones are left out)
        self.sessions = Sessions(timedelta(hours=context.settings.session_hours),
                                 stored=self.store.accounts.sessions())
        attempts = context.settings.login_attempts
        # a shared office address has many leaders: it gets four times a name's attempts before it slows down
        self.throttle = LoginThrottle(free_per_name=attempts, free_per_address=attempts * 4, cap=LOGIN_DELAY_MAX,
                                      max_wait=2 * LOGIN_DELAY_MAX, window=LOGIN_WINDOW)

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

    async def log_out(self, token: str | None) -> None:
        """End the login now (in memory), then its stored copy (on the store's writer)."""
        key = self.sessions.end(token)
        if key is None:
            return
        try:
            await self.store.run(self.store.accounts.end_sessions, [key])
        except StoreWriteError:  # logged by the store; the login is over here, and a restart would bring it back
            log.warning('a logout could not be saved: that login would come back after a restart of the hub')

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
            refused = refuse_foreign(t, request, back=f'/login?next={_safe_next(next)}')
            if refused is not None:
                return refused
            body = await read_body(request)
            form = read_form(body) if body is not None else {}
            username = form.get('username', '').strip().casefold()[:64]
            password = form.get('password', '')[:1024]
            address = request.client.host if request.client else '?'
            # counted now, before anything is awaited: guesses sent at the same moment wait as if one by one
            attempt = self.throttle.start(username, address)
            if attempt.refused:
                log.warning('login for %r from %s refused: too many attempts from that address under way',
                            username, address)
                return login_page(status=429, username=username, next_path=next,
                                  banner=t('login.rate_limited', seconds=max(1, round(attempt.refused))))
            if attempt.wait:
                log.info('login for %r from %s waits %.0f s after failed attempts', username, address, attempt.wait)
                await asyncio.sleep(attempt.wait)  # this request waits; the event loop serves everyone else
            user = self.store.accounts.user(username) if username else None
            verified = await password_work(verify_password, user.password_hash if user else None, password)
            if not verified or user is None or user.disabled or not user.grants:
                self.throttle.failed(attempt)
                log.info('failed login for %r from %s', username, address)
                return login_page(status=401, username=username, next_path=next, banner=t('login.failed'))
            new_hash = await password_work(hash_password, password) if needs_rehash(user.password_hash) else None
            token, key, session = self.sessions.new(user.username)
            if not await self.store.run(_begin_session, self.store, self.sessions, user, new_hash, key=key,
                                        session=session):
                # changed while the password was checked (a new password, disabled): ask again
                self.throttle.failed(attempt)
                return login_page(status=401, username=username, next_path=next, banner=t('login.failed'))
            self.throttle.succeeded(attempt)
            log.info('%s logged in from %s', user.username, address)
            response = RedirectResponse(_safe_next(next), status_code=303, headers=HEADERS)
            response.set_cookie(COOKIE, token, max_age=int(self.sessions.lifetime.total_seconds()), httponly=True,
                                samesite='lax', secure=request.url.scheme == 'https', path='/')
            return response

        @routes.post('/logout')
        async def logout(request: Request) -> Response:
            refused = refuse_foreign(t, request, back='/leder')
            if refused is not None:
                return refused
            await self.log_out(request.cookies.get(COOKIE))
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


def _begin_session(store: Store, sessions: Sessions, checked: User, new_hash: str | None, *, key: str,
                   session: Session) -> bool:
    """On the store's writer: keep the new login, unless the user changed since the password was checked.

    In one step on the writer, so a change of the user's password or roles (``admin.set_user``, on the same
    writer) comes either before (no login) or after (it ends this login too), never in between. ``new_hash``: the
    password hashed anew with today's Argon2 parameters. A login that cannot be stored (a full disk) still
    works until the hub restarts.
    """
    user = store.accounts.user(checked.username)
    if user != checked:
        return False
    if new_hash is not None:
        try:
            store.accounts.save(dataclasses.replace(user, password_hash=new_hash))
        except StoreWriteError:
            log.warning('could not save the new password hash of %s; kept the old one', user.username)
    try:
        store.accounts.add_session(key, session, now=session.created)
    except StoreWriteError:
        log.warning('the login of %s could not be stored: it lasts until the hub restarts', user.username)
    sessions.add(key, session)
    return True


def forbidden(context: AppContext, *, status: int = 403) -> Response:
    t = context.t
    return render(t, 'message.html', title=t('login.forbidden_heading'), status=status,
                  heading=t('login.forbidden_heading'), text=t('login.forbidden_text'),
                  links=[('/leder', t('leader.overview')), ('/', t('landing.all_boards'))])


def to_login(request: Request) -> Response:
    return RedirectResponse(f'/login?next={request.url.path}', status_code=303, headers=HEADERS)
