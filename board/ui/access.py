"""Who may open the boards on the hub: ``board_access`` = open, networks or login (issue 13).

The hub must be reachable from staff's phones on the mobile network, so the boards (the landing page, ``/units/``
and everything under it) are guarded by where a request comes from or by a login, while the phone page
(``/p/...``, its own token), the sync API (a wall screen's token), the leaders' pages (their login) and the
assets keep their own rules. A board refused by address gets a friendly Norwegian page saying where to find it;
in ``login`` mode a visitor is sent to the login first.
A logged-in leader may open the boards from anywhere. A wall screen's own board is not behind this (it serves
its unit on the device itself).

The address is the one uvicorn gives the request: the peer, or, from a proxy listed in ``trusted_proxies``, the
client that proxy names in ``X-Forwarded-For`` (see ``board.app.run_options``).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Iterable
from urllib.parse import quote

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ..i18n import Translator
from .htmlpage import render

__all__ = ['BoardAccess', 'guards']

log = logging.getLogger(__name__)


def guards(path: str) -> bool:
    """The paths ``board_access`` governs: the landing page and the boards (with their history and posters)."""
    return path == '/' or path.startswith('/units/') or path == '/units'


class BoardAccess:
    """Pure ASGI middleware in front of the board pages (their websocket stays NiceGUI's)."""

    def __init__(self, app: ASGIApp, *, mode: str, networks: Iterable[str], t: Translator,
                 logged_in: Callable[[Request], bool]) -> None:
        self.app = app
        self.mode = mode
        self.networks = [ipaddress.ip_network(n) for n in networks]
        self.t = t
        self.logged_in = logged_in

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.mode == 'open' or scope['type'] != 'http' or not guards(scope.get('path', '')):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        address = request.client.host if request.client else ''
        if (self.mode == 'networks' and self._inside(address)) or self.logged_in(request):
            await self.app(scope, receive, send)
            return
        login = '/login?next=' + quote(request.url.path + (f'?{request.url.query}' if request.url.query else ''),
                                       safe='/?=&')
        if self.mode == 'login':
            await _redirect(send, login)
            return
        log.info('board %s refused to %s (board_access = networks)', request.url.path, address)
        t = self.t
        page = render(t, 'message.html', title=t('access.heading'), status=403, heading=t('access.heading'),
                      text=t('access.text'), links=[(login, t('access.leaders'))])
        await page(scope, receive, send)

    def _inside(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)


async def _redirect(send: Send, location: str) -> None:
    await send({'type': 'http.response.start', 'status': 303,
                'headers': [(b'location', location.encode()), (b'cache-control', b'no-store'),
                            (b'content-length', b'0')]})
    await send({'type': 'http.response.body', 'body': b''})
