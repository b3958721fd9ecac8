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

With ``[board.oidc]`` in the settings, people sign in with the municipality's identity provider (Entra ID) too:
``/login/oidc`` begins the OpenID Connect code flow and ``/login/oidc/callback`` ends it (the protocol is
``board.oidc``). Their roles come from their groups through ``group_roles``, anew at every sign-in; a person whose
groups give none is refused with a page saying so. They get a record of their own, named ``oidc:<user name>`` (a
name no local account can have: a local account is never taken over, nor can it take one over), without a password,
and then a login exactly like a password's. Local accounts keep working beside them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hmac
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ..admin import check_grants
from ..oidc import CALLBACK, FLOW_SECONDS, Identity, OidcClient, OidcError, client_secret
from ..ratelimit import LoginThrottle
from ..store import Store, StoreWriteError
from ..users import Grant, Session, Sessions, User, hash_password, needs_rehash, password_work, verify_password
from . import access
from .htmlpage import HEADERS, read_body, read_form, refuse_foreign, render

if TYPE_CHECKING:
    from ..context import AppContext

log = logging.getLogger(__name__)

COOKIE = 'board_session'
#: the sign-in under way with the identity provider (``board.oidc.Flow``), sent only to /login/oidc...
FLOW_COOKIE = 'board_oidc_flow'
FLOW_PATH = '/login/oidc'
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
        self.oidc = _oidc_client(context)

    def user_of(self, request: Request) -> User | None:
        return self.user_for_token(request.cookies.get(COOKIE))

    def user_for_token(self, token: str | None) -> User | None:
        session = self.sessions.get(token)
        if session is None:
            return None
        user = self.store.accounts.user(session.username)
        return user if user is not None and not user.disabled and user.grants else None

    def opens_boards(self, request: Request) -> bool:
        """Logged in as a leader or admin, or as staff from the identity provider (``staff_groups``)."""
        session = self.sessions.get(request.cookies.get(COOKIE))
        user = self.store.accounts.user(session.username) if session is not None else None
        return user is not None and not user.disabled and (bool(user.grants) or user.staff)

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
                          next_path=_safe_next(next_path), banner=banner,
                          oidc_label=self.oidc.settings.label if self.oidc else '')

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
            if not verified or user is None or user.disabled or not user.grants or user.from_provider:
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

        @routes.get(FLOW_PATH)
        async def oidc_start(request: Request, next: str = '/leder') -> Response:
            if self.oidc is None:
                return self._oidc_page(404, 'oidc.off_heading', t('oidc.off_text'))
            flow, cookie = self.oidc.new_flow(_safe_next(next))
            try:
                address = await self.oidc.authorization_url(flow)
            except OidcError as error:
                log.warning('sign-in with the identity provider could not begin for %s: %s', _client(request), error)
                return self._oidc_page(502, 'oidc.failed_heading', t('oidc.unreachable'))
            response = RedirectResponse(address, status_code=303, headers=HEADERS)
            response.set_cookie(FLOW_COOKIE, cookie, max_age=FLOW_SECONDS, httponly=True, samesite='lax',
                                secure=request.url.scheme == 'https', path=FLOW_PATH)
            return response

        @routes.get(CALLBACK)
        async def oidc_callback(request: Request) -> Response:
            response = await self._oidc_callback(request)
            response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)  # a flow is used once, whatever came of it
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

    async def _oidc_callback(self, request: Request) -> Response:
        """The provider sent the browser back: check the state, exchange the code, map the groups, log in."""
        t, oidc, address = self.context.t, self.oidc, _client(request)
        if oidc is None:
            return self._oidc_page(404, 'oidc.off_heading', t('oidc.off_text'))
        query = request.query_params
        flow = oidc.read_flow(request.cookies.get(FLOW_COOKIE))
        if query.get('error'):
            log.warning('the identity provider refused the sign-in from %s: %r (%r)', address,
                        query.get('error', '')[:100], query.get('error_description', '')[:300])
            return self._oidc_page(403 if query.get('error') == 'access_denied' else 502, 'oidc.failed_heading',
                                   t('oidc.provider_refused'))
        state = query.get('state', '')
        if flow is None or not hmac.compare_digest(state.encode('utf-8', 'replace'), oidc.state(flow).encode()):
            log.warning('sign-in from %s refused: %s', address, 'no sign-in under way in this browser (none began, '
                        'or it expired)' if flow is None else 'the state does not match the one this browser was given')
            return self._oidc_page(400, 'oidc.failed_heading', t('oidc.expired'))
        code = query.get('code', '')
        if not code or len(code) > 4096:
            log.warning('sign-in from %s refused: the provider sent no code', address)
            return self._oidc_page(400, 'oidc.failed_heading', t('oidc.expired'))
        try:
            identity = await oidc.identity(flow, code)
        except OidcError as error:
            log.warning('sign-in from %s failed (%s): %s', address, error.kind, error)
            text = {'unreachable': 'oidc.unreachable', 'provider': 'oidc.provider_failed',
                    'token': 'oidc.token_refused'}[error.kind]
            return self._oidc_page(502 if error.kind != 'token' else 400, 'oidc.failed_heading', t(text))
        if identity.groups_elsewhere:
            log.warning('the ID token of %s names its groups elsewhere (more groups than the token holds): assign '
                        'the groups to the app registration ("groups assigned to the application")', identity.username)
        grants = oidc.settings.grants_for(identity.groups)
        staff = any(group in oidc.settings.staff_groups for group in identity.groups)
        token, key, session = self.sessions.new(identity.username)
        try:
            outcome = await self.store.run(_sign_in_from_provider, self.store, self.sessions, identity, grants,
                                           staff=staff, key=key, session=session)
        except StoreWriteError:  # logged by the store
            return self._oidc_page(503, 'oidc.failed_heading', t('oidc.not_saved'))
        if outcome != 'ok':
            log.info('%s (groups %s) from %s refused: %s', identity.username, list(identity.groups)[:20], address,
                     'no role from these groups' if outcome == 'no_role' else 'the account is disabled on the hub')
            heading = 'oidc.no_role_heading' if outcome == 'no_role' else 'oidc.disabled_heading'
            text = t('oidc.no_role_text' if outcome == 'no_role' else 'oidc.disabled_text',
                     username=identity.username.removeprefix('oidc:'), label=oidc.settings.label)
            if oidc.settings.contact:
                text += ' ' + t('oidc.contact', contact=oidc.settings.contact)
            return self._oidc_page(403, heading, text)
        log.info('%s signed in with the identity provider from %s, roles %s%s', identity.username, address,
                 [str(g) for g in grants], ' (staff)' if staff else '')
        going = _safe_next(flow.next_path)
        if not grants and not access.guards(going):  # staff without a role: the boards, not the leaders' pages
            going = '/'
        response = RedirectResponse(going, status_code=303, headers=HEADERS)
        response.set_cookie(COOKIE, token, max_age=int(self.sessions.lifetime.total_seconds()), httponly=True,
                            samesite='lax', secure=request.url.scheme == 'https', path='/')
        return response

    def _oidc_page(self, status: int, heading: str, text: str) -> Response:
        t = self.context.t
        return render(t, 'message.html', title=t(heading), status=status, heading=t(heading), text=text,
                      links=[('/login', t('oidc.again')), ('/', t('landing.all_boards'))])


def _oidc_client(context: AppContext) -> OidcClient | None:
    """The identity provider of ``[board.oidc]``, or None without it (local accounts only)."""
    settings = context.settings
    if settings.oidc is None or context.tokens is None:
        return None
    secret = client_secret(settings.data_dir)
    unknown = check_grants(context.store, [Grant.parse(r) for roles in settings.oidc.group_roles.values()
                                           for r in roles])
    for problem in unknown:
        log.warning('[board.oidc.group_roles] names %s %r, which the organisation does not have: that role gives '
                    'nothing until it is added', 'a service area' if 'area' in problem.key else 'a unit',
                    problem.params.get('id'))
    log.info('sign-in with the identity provider %s as client %s (%s); redirect URI %s', settings.oidc.issuer,
             settings.oidc.client_id, 'with a client secret' if secret else 'no client secret: PKCE only',
             settings.base_url.rstrip('/') + CALLBACK)
    return OidcClient(settings.oidc, redirect_uri=settings.base_url.rstrip('/') + CALLBACK, secret=secret,
                      key=context.tokens.derived_key('oidc-flow'))


def _client(request: Request) -> str:
    return request.client.host if request.client else '?'


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


def _sign_in_from_provider(store: Store, sessions: Sessions, identity: Identity, grants: tuple[Grant, ...], *,
                           staff: bool, key: str, session: Session) -> Literal['ok', 'no_role', 'disabled']:
    """On the store's writer: the person's record with the roles their groups give now, and their new login.

    The roles are replaced at every sign-in, so a changed group gives its new roles and a removed one takes its
    old ones away; a changed role, or the name now held by another person at the provider (another subject), ends
    the record's other logins, as a change by an admin does. A person whose groups give no role keeps a record
    without roles (so their logins end now), and one an admin disabled on the hub stays disabled. ``staff``: a
    member of ``staff_groups``, who may open the boards (``board_access``) without a role.
    """
    stored = store.accounts.user(identity.username)
    # a person renamed at the provider: the record under the old name keeps no roles
    for other in store.accounts.all():
        if other.subject == identity.subject and other.username != identity.username and (other.grants or other.staff):
            store.accounts.save(dataclasses.replace(other, grants=(), staff=False), end_sessions=True)
            sessions.end_all([other.username])
    if stored is not None and stored.disabled:
        return 'disabled'
    if stored is None and not grants and not staff:
        return 'no_role'
    user = dataclasses.replace(stored or User(username=identity.username, name='', password_hash=''),
                               name=identity.name, password_hash='', grants=grants, subject=identity.subject,
                               staff=staff)
    ends_logins = stored is not None and (
        stored.grants != user.grants or stored.subject != user.subject or stored.staff != user.staff)
    if user != stored:
        store.accounts.save(user, end_sessions=ends_logins)
    if ends_logins:
        sessions.end_all([user.username])
    if not grants and not staff:
        return 'no_role'
    return 'ok' if _begin_session(store, sessions, user, None, key=key, session=session) else 'disabled'


def forbidden(context: AppContext, *, status: int = 403) -> Response:
    t = context.t
    return render(t, 'message.html', title=t('login.forbidden_heading'), status=status,
                  heading=t('login.forbidden_heading'), text=t('login.forbidden_text'),
                  links=[('/leder', t('leader.overview')), ('/', t('landing.all_boards'))])


def to_login(request: Request) -> Response:
    return RedirectResponse(f'/login?next={request.url.path}', status_code=303, headers=HEADERS)
