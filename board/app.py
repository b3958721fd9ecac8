"""Builds the app: settings in, a running NiceGUI app with its store, pages and live updates out.

``create_app`` is called once per process (by the CLI) or per test (with a temporary data folder); nothing here
runs at import time. The store is the only owner of data; pages read from it and subscribe to its changes
through :class:`board.ui.live.LiveChanges`, and call writes through ``store.run`` so the event loop never waits
for the disk.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import secrets
import shutil
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.responses import Response

from .assets import ASSETS
from .atomicfile import write_atomic
from .bodylimit import BodyLimit
from .context import AppContext
from .i18n import translator
from .mailer import CHECK_INTERVAL, Mailer
from .metrics import CONTENT_TYPE, Metrics
from .settings import Settings
from .store import Store
from .store.files import FORMAT, guard_event_loop
from .sync_client import KioskCredentials, SyncClient
from .tokens import SubmissionTokens, load_or_create_secret
from .version import VERSION
from .wire import MAX_BODY_BYTES

if TYPE_CHECKING:
    from .sync_api import ChangeSignals
    from .ui.live import LiveChanges

__all__ = ['ASSETS', 'VERSION', 'AppContext', 'create_app', 'make_citizen_tokens', 'make_tokens', 'run_options']

log = logging.getLogger(__name__)


#: how often finished cards are checked for archiving, in seconds: a new week empties Ferdig within minutes
ARCHIVE_INTERVAL = 300.0
#: how often the boards' QR codes are checked for a new period or a revocation, in seconds
CODE_CHECK_INTERVAL = 2.0
#: full garbage collections: checked this often, run when nothing changed for QUIET seconds, at least every MAX_GAP
FULL_COLLECTION_CHECK = 5.0
QUIET = 5.0
MIN_GAP = 60.0
MAX_GAP = 900.0
#: seconds between two archive files read into the gains index after a start
INDEX_PAUSE = 0.05
#: seconds a stopping hub waits for requests still running: a wall screen's long-poll (board.sync_api) waits up to
#: 30 s for a change and would hold the stop that long (systemd's TimeoutStopSec is 30); cut off, the wall screen
#: simply polls again once the hub is back
GRACEFUL_STOP = 3


#: how long a message stays on the screen (the wall's people read it from across the room)
NOTICE_MS = 10_000


def create_app(settings: Settings, *, kiosk: KioskCredentials | None = None, phone_url: str = '') -> AppContext:
    """Open the store, register the pages and their lifecycle on NiceGUI's app; ``ui.run`` is the caller's.

    With ``kiosk`` credentials this is a wall screen: the same board on a local replica of one unit, kept in step
    with the hub by a sync client; it serves neither the phone page nor the sync API (the hub does).
    """
    from nicegui import app

    from . import sync_api
    from .ui import board_page, headers, history, landing, live, plain_middleware, speedups, theme

    speedups.apply()
    plain_middleware.install(app)

    store = Store(settings.data_dir, archive_after_weeks=settings.archive_after_weeks,
                  node_id=settings.node_id, timezone=settings.zone, full_time_week=settings.full_time_week,
                  deleted_days=settings.deleted_days, group_commit=settings.group_commit,
                  journaled=settings.journal).open()
    # from here on, a durable write on the event loop is a bug that would freeze every screen: refuse it
    guard_event_loop(True)
    # messages read from 3 m: at the top, and for 10 s (a problem stays until closed: ui.writes.notify_problems);
    # board.css draws them as large banners on the wall
    app.config.quasar_config['notify'] = {'position': 'top', 'timeout': NOTICE_MS, 'multiLine': True}
    sync = SyncClient(store, kiosk, version=VERSION, phone_url=phone_url) if kiosk else None
    metrics = Metrics(store, connected_screens=connected_boards, silent_wall_screens=lambda: sum(
        1 for k in store.wall_screens.status() if not k.revoked and k.stale(store.now())))
    t = translator(settings.language)
    context = AppContext(settings=settings, store=store, t=t, tokens=None if kiosk else make_tokens(settings),
                         sync=sync, metrics=metrics, mailer=None if kiosk else Mailer(store, settings, t),
                         citizen_tokens=None if kiosk else make_citizen_tokens(settings))
    changes = live.LiveChanges(store, answering=lambda: plain_middleware.posts.count > 0)

    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)  # 413 for a body over 1 MB, before anything reads it
    # added last, so it is the outer one: every answer gets the headers, a 413 too (board/ui/headers.py)
    app.add_middleware(headers.SecurityHeaders)
    app.add_static_files('/assets', ASSETS)
    theme.register_error_pages(context)
    landing.register(context)
    board_page.register(context, changes)
    history.register(context)
    signals = sync_api.ChangeSignals(store)
    if sync is None:
        _register_hub(context, changes, signals)
    else:
        sync.status.listeners.append(changes.sync_status.emit)
        app.on_startup(sync.start)
        app.on_shutdown(sync.stop)

    _register_monitoring(context, metrics, started=time.monotonic())

    async def archive_now() -> None:
        moved = await store.run(store.archive_finished)
        if moved:
            log.info('archived %d finished cards', moved)

    codes = {'seen': context.codes_fingerprint()}

    def check_codes() -> None:
        # a new rotation period or a revocation from the CLI: every board shows its new code within seconds
        fingerprint = context.codes_fingerprint()
        if fingerprint != codes['seen']:
            codes['seen'] = fingerprint
            changes.codes.emit()

    app.on_startup(changes.start)
    app.on_startup(signals.start)
    app.on_startup(archive_now)
    app.timer(ARCHIVE_INTERVAL, archive_now)  # one timer per process, not one per connected screen
    app.timer(FULL_COLLECTION_CHECK, collect_when_quiet(store))
    app.timer(CODE_CHECK_INTERVAL, check_codes)
    app.on_shutdown(store.close)
    app.on_shutdown(lambda: guard_event_loop(False))
    return context


def _register_monitoring(context: AppContext, metrics: Metrics, *, started: float) -> None:
    """``/status`` (a health check: JSON) and ``/metrics`` (Prometheus), for monitoring and the watchdog."""
    from nicegui import app
    store, settings, sync = context.store, context.settings, context.sync

    @app.get('/status')
    def status() -> dict[str, object]:
        """Health check for monitoring and the wall screen's watchdog."""
        failed = store.last_write_error
        # 'boards': board pages holding a live connection; the wall screen's watchdog reloads a dead page by it
        answer: dict[str, object] = {
            'status': 'ok', 'role': 'kiosk' if sync else 'hub', 'version': VERSION, 'format': FORMAT,
            'uptime_seconds': round(time.monotonic() - started), 'units': len(store.organisation.units),
            'boards': connected_boards(), 'writes_waiting': store.writes_waiting(),
            'last_write_error': {'at': failed[0].isoformat(), 'error': failed[1]} if failed else None,
            'disk_free_bytes': shutil.disk_usage(settings.data_dir).free}
        if sync is not None:
            answer |= {'online': sync.status.online, 'waiting': sync.status.waiting}
        return answer

    @app.get('/metrics', include_in_schema=False)
    def prometheus(request: Request) -> Response:
        """The Prometheus figures, for monitoring on the municipality's own network (never through the proxy)."""
        if not internal_address(request.client.host if request.client else ''):
            return Response('metrics are for monitoring on the internal network', status_code=403)
        return Response(metrics.text(), media_type=CONTENT_TYPE)


def _register_hub(context: AppContext, changes: LiveChanges, signals: ChangeSignals) -> None:
    """What only the hub serves: the phone page, logins, the leaders' and admin pages, the sync API."""
    import asyncio

    from nicegui import app, background_tasks, run

    from . import mail_api, sync_api
    from .escalation import Escalations
    from .ui import access, admin_page, audit_page, auth, citizen, citizen_queue, leader_mail, leaders, phone, programme
    logins = auth.Auth(context)
    settings = context.settings
    # the boards on the hub: open (the demo), from the municipality's networks, or after a login (ui/access.py)
    app.add_middleware(access.BoardAccess, mode=settings.board_access, networks=settings.board_networks,
                       t=context.t, logged_in=logins.opens_boards)
    warn_if_open_behind_a_proxy(settings)
    app.include_router(phone.router(context))
    app.include_router(citizen.router(context))  # the citizens' public page (ideas wait for a leader)
    app.include_router(logins.router())
    admin_token = write_local_admin(context.settings)
    app.include_router(sync_api.router(context, signals, admin_token, sessions=logins.sessions))
    app.include_router(mail_api.router(context.store, admin_token))

    @app.get('/openapi.json', include_in_schema=False)
    def openapi() -> dict[str, object]:
        """The sync API described in OpenAPI (for a viewer of IT's choice; the hub serves no viewer)."""
        return app.openapi()
    leaders.register(context, changes, logins)
    audit_page.register(context, changes, logins)
    programme.register(context, logins)  # the rollout and the value stream analyses
    citizen_queue.register(context, logins)  # the citizens' poster, for the unit's leaders
    admin_page.register(context, logins)
    escalations = Escalations(context.store)  # a card lifted to the board above appears there; the answer returns
    app.on_startup(escalations.start)
    app.on_shutdown(escalations.stop)
    leader_mail.register(context, logins)

    async def index_gains() -> None:
        # Read the archives' gains once after the start, so the first leader does not wait for ten years of
        # history: one file at a time with a pause between, because parsing 700 files in one go held the
        # interpreter long enough for wall screens connecting at that moment to be dropped (bench/phones.py).
        # Then the overview's tiles, so its first request after a start finds them made (at once when the index
        # kept on disk has every file, as after a restart).
        store = context.store
        for unit_id, year in await run.io_bound(store.unindexed_archives) or []:
            await run.io_bound(store.index_archive, unit_id, year)
            await asyncio.sleep(INDEX_PAUSE)
        await run.io_bound(store.archive.save_index)  # the next start has them at once
        await leaders.warm_overview(context)

    app.on_startup(lambda: background_tasks.create(index_gains(), name='index gains'))
    mailer = context.mailer
    if mailer is not None:  # the leaders' briefs: each minute, what is due goes out (board/mailer.py)
        app.on_startup(mailer.start)
        app.timer(CHECK_INTERVAL, mailer.check)

        async def settle_outcomes() -> None:  # one the hub stopped while sending is not sent again
            await context.store.run(context.store.citizen_ideas.settle_interrupted)

        async def send_outcomes() -> None:  # the citizens' answers: a failed one is tried again
            await citizen_queue.send_outcomes_now(context)
        app.on_startup(settle_outcomes)
        app.timer(CHECK_INTERVAL, send_outcomes)


def warn_if_open_behind_a_proxy(settings: Settings) -> bool:
    """Log a warning when the hub listens on this machine only, trusts no proxy and lets this machine's boards in:
    then a reverse proxy here (the usual set-up) makes every visitor this machine, and every board open to them."""
    if settings.board_access != 'networks' or settings.trusted_proxies \
            or settings.host not in ('127.0.0.1', '::1', 'localhost'):
        return False
    loopback = ipaddress.ip_address('::1' if settings.host == '::1' else '127.0.0.1')
    if not any(loopback in ipaddress.ip_network(n, strict=False) for n in settings.board_networks):
        return False
    log.warning('the hub listens on %s only and trusts no proxy, while board_networks lets this machine in: '
                'behind a reverse proxy every visitor would have the proxy\'s address and see every board. '
                'Set trusted_proxies = ["127.0.0.1", "::1"] (README: Set up the hub)', settings.host)
    return True


def connected_boards() -> int:
    """Board pages holding a live connection now."""
    from nicegui import Client
    return sum(1 for c in Client.instances.values()
               if c.has_socket_connection and c.request is not None and '/units/' in c.request.url.path)


def internal_address(host: str) -> bool:
    """Loopback or a private network (where the municipality's monitoring runs), not the internet."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def run_options(context: AppContext) -> dict[str, object]:
    """The keyword arguments for ``ui.run``, shared by the CLI and the tests."""
    from .ui import static_gzip
    settings = context.settings
    return {
        'host': settings.host, 'port': settings.port, 'title': context.t('app.name'),
        'language': context.t('meta.quasar'), 'reconnect_timeout': settings.reconnect_timeout,
        # no storage_secret: the app keeps nothing in NiceGUI's per-browser storage, and without it NiceGUI adds no
        # session middleware that would create a stored session for every phone that opens the idea form
        # no /docs or /redoc: FastAPI's viewers load their scripts from a CDN, and a hub runs without the internet;
        # the sync API's description is served as OpenAPI at /openapi.json (see _register_hub)
        'favicon': ASSETS / 'favicon.svg', 'fastapi_docs': False,
        # no Tailwind compiler in the browser (the largest part of a board's load): the classes the code uses are
        # served compiled, as assets/utilities.css (board.ui.theme.STYLESHEETS)
        'tailwind': False,
        # the package's scripts and styles compressed once, not for every board opened (board.ui.static_gzip)
        'gzip_middleware_factory': static_gzip.StaticGzip,
        'show': False, 'reload': False, 'show_welcome_message': False,
        'timeout_graceful_shutdown': GRACEFUL_STOP,
        # the client's address (rate limits, board_access, /metrics) is the peer's, or, from a trusted reverse
        # proxy, the one it names in X-Forwarded-For; uvicorn's own default would believe any local process
        'proxy_headers': bool(settings.trusted_proxies),
        'forwarded_allow_ips': ','.join(settings.trusted_proxies) or '',
    }


def collect_when_quiet(store: Store) -> Callable[[], None]:
    """Run Python's full garbage collection when the boards are quiet, not in the middle of a wave of changes.

    A full collection over 70 open boards' UI objects takes a few hundred milliseconds; started by Python's own
    thresholds it landed in the middle of 100 phones sending ideas (bench/phones.py, full size). The hub turns
    the automatic full collection off (``tune_garbage_collector`` in the CLI) and runs it here: once nothing has
    changed for a few seconds, at most once a minute, and every 15 minutes even under constant load.
    """
    import gc
    import time
    last = {'run': time.monotonic()}

    def check() -> None:
        now = time.monotonic()
        since = now - last['run']
        if (since >= MIN_GAP and now - store.last_change >= QUIET) or since >= MAX_GAP:
            gc.collect()
            last['run'] = time.monotonic()
            log.debug('full garbage collection took %.0f ms', (last['run'] - now) * 1000)

    return check


def write_local_admin(settings: Settings) -> str:
    """A fresh admin token for this run, readable by the service's user only; ``board pair`` uses it."""
    token = secrets.token_urlsafe(32)
    host = '127.0.0.1' if settings.host in ('0.0.0.0', '::', '') else settings.host
    path = settings.data_dir / 'secrets' / 'local_admin.json'
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(path, json.dumps({'url': f'http://{host}:{settings.port}', 'token': token}).encode(), mode=0o600)
    return token


def make_tokens(settings: Settings) -> SubmissionTokens:
    """The boards' QR-code tokens, with the secret from the settings or the data folder."""
    secrets_dir = settings.data_dir / 'secrets'
    return SubmissionTokens(load_or_create_secret(secrets_dir / 'token_secret', settings.token_secret),
                            secrets_dir / 'revocations.json',
                            rotation=timedelta(weeks=settings.token_rotation_weeks),
                            grace=timedelta(days=settings.token_grace_days))


def make_citizen_tokens(settings: Settings) -> SubmissionTokens:
    """The units' public codes for innbyggere, brukere and pårørende (``board.ui.citizen``).

    Signed with a key of their own, derived from the hub's secret, so a staff code is never a citizens' code or the
    reverse; revoked on their own (``<data>/secrets/citizen-revocations.json``, ``board revoke-code --innbygger``);
    and not rotating: the code is public by design, printed on posters and leaflets that hang for months, so a
    rotation would only break them. A misused code is revoked and a new poster printed.
    """
    return SubmissionTokens(make_tokens(settings).derived_key('citizen-code'),
                            settings.data_dir / 'secrets' / 'citizen-revocations.json', rotation=None)
