"""The ``board`` command: ``board demo`` starts the hub with sample data, ``board hub`` starts it for real.

Problems a person can fix (a broken data file, a bad setting) are printed as one clear line and exit with
status 2; nothing is overwritten.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from .app import make_tokens
from .backup import BackupError
from .domain import RuleViolation, Unit
from .orgfile import OrganisationFileError
from .qr import POSTER_FORMATS
from .settings import ConfigError, Settings, load_settings
from .store import DataFileError, Store
from .store.lock import DataFolderBusy
from .sync_client import KioskCredentials
from .tokens import RevocationsUnreadable

log = logging.getLogger('board')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='board', description='Forbedringstavla: the digital improvement board.')
    commands = parser.add_subparsers(dest='command', required=True)
    for name, text in (('demo', 'start the hub with a sample organisation (kept between runs)'),
                       ('hub', 'start the hub: the central store, boards and pages'),
                       ('kiosk', "run a wall screen's board on its own replica of one unit, synced with the hub"),
                       ('pair', 'create a one-time code that pairs a wall screen with a unit (valid 24 hours)'),
                       ('kiosks', 'list the paired wall screens, flagging those not seen for 10 minutes'),
                       ('kiosk-revoke', "revoke a wall screen's token: it can no longer sync"),
                       ('backup', 'write a consistent, dated backup of the data folder (also while the hub runs)'),
                       ('restore', 'replace the data folder with a backup (the hub must be stopped)'),
                       ('revoke-code', "make a unit's QR code stop working at once; its board shows a new one"),
                       ('poster', "write a unit's printable QR poster (A4, PDF or PNG)"),
                       ('import-org', 'add or rename service areas and units from a CSV or TOML file'),
                       ('user', "create or change a leader's or admin's account and roles"),
                       ('users', 'list the accounts and their roles')):
        command = commands.add_parser(name, help=text, description=text)
        if name in ('revoke-code', 'poster', 'pair'):
            command.add_argument('unit', help='the unit id, as in /units/<unit-id>')
        if name == 'backup':
            command.add_argument('--out', type=Path, help='backup folder (default: <data>-backups beside the data)')
            command.add_argument('--keep', type=int, default=14, help='how many backups to keep (default 14)')
        if name == 'restore':
            command.add_argument('archive', type=Path, help='a forbedringstavla-*.tar.gz written by "board backup"')
        if name == 'kiosk-revoke':
            command.add_argument('kiosk_id', help='as listed by "board kiosks"')
        if name == 'kiosk':
            command.add_argument('--hub', help="the hub's address, e.g. https://tavle.kommune.no (first start)")
            command.add_argument('--unit', help='the unit this screen shows (first start)')
            command.add_argument('--pair', dest='pairing_code', help='the code from "board pair" (first start)')
        if name == 'import-org':
            command.add_argument('file', type=Path, help='CSV (tjenesteområde;enhet) or TOML; see README')
        if name == 'user':
            command.add_argument('username', help='lower-case login name, e.g. kari.nordmann')
            command.add_argument('--name', help='the name shown on pages and on changes')
            command.add_argument('--role', action='append', dest='roles', metavar='ROLE',
                                 help='admin, organisation, area:<area-id> or unit:<unit-id> (repeat for several; '
                                      'replaces the roles)')
            command.add_argument('--password-stdin', action='store_true',
                                 help='read the new password from standard input (otherwise asked for, if new)')
            state = command.add_mutually_exclusive_group()
            state.add_argument('--disable', action='store_true', help='the account can no longer log in')
            state.add_argument('--enable', action='store_true', help='the account can log in again')
        if name == 'poster':
            command.add_argument('--format', choices=POSTER_FORMATS, default='pdf')
            command.add_argument('--out', type=Path, help='file to write (default: qr-plakat-<unit>.<format>)')
        command.add_argument('--config', type=Path, help='settings file (see config/board.toml)')
        command.add_argument('--data', type=Path, dest='data_dir', help='data folder (overrides the settings)')
        command.add_argument('--host', help='address to listen on')
        command.add_argument('--port', type=int, help='port to listen on')
        command.add_argument('--public-url', dest='public_url', help='address phones and QR codes use')
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    try:
        settings = load_settings(args.config, data_dir=args.data_dir, host=args.host, port=args.port,
                                 public_url=args.public_url)
        commands_by_name: dict[str, Callable[[], object]] = {
            'demo': lambda: serve(prepare_demo(settings)),
            'hub': lambda: serve(settings),
            'kiosk': lambda: run_kiosk(settings, hub=args.hub, unit_id=args.unit, code=args.pairing_code),
            'pair': lambda: print(pair_code(settings, args.unit)),
            'kiosks': lambda: list_kiosks(settings),
            'kiosk-revoke': lambda: revoke_kiosk(settings, args.kiosk_id),
            'backup': lambda: backup(settings, args.out, args.keep),
            'restore': lambda: restore(settings, args.archive),
            'revoke-code': lambda: revoke_code(settings, args.unit),
            'poster': lambda: write_poster(settings, args.unit, args.format, args.out),
            'import-org': lambda: import_org(settings, args.file),
            'user': lambda: set_user(settings, args),
            'users': lambda: list_users(settings),
        }
        commands_by_name[args.command]()
    except (ConfigError, DataFileError, DataFolderBusy, RevocationsUnreadable, UnknownUnit, KioskError,
            BackupError, OrganisationFileError) as error:
        print(f'board: {error}', file=sys.stderr)
        return 2
    except RuleViolation as refused:
        from .i18n import translator
        t = translator('en')  # the command line speaks English, like the log
        print('board: ' + ' '.join(t(p.key, **p.params) for p in refused.problems) + ' Nothing was changed.',
              file=sys.stderr)
        return 2
    return 0


class UnknownUnit(LookupError):
    def __init__(self, unit_id: str, known: list[str]) -> None:
        super().__init__(f'no unit {unit_id!r}; units: {", ".join(known) or "(none)"}')


def revoke_code(settings: Settings, unit_id: str) -> None:
    """Works while the hub runs: the hub re-reads the revocation list and its boards show the new code."""
    _existing_unit(settings, unit_id)
    generation = make_tokens(settings).revoke(unit_id)
    print(f'The QR code of {unit_id} is revoked (generation {generation}): old codes and photos of them no longer '
          'work, and the board shows a new code within seconds. Print a new poster if the unit has one.')


def write_poster(settings: Settings, unit_id: str, fmt: str, out: Path | None) -> None:
    from .i18n import translator
    from .qr import qr_poster
    unit = _existing_unit(settings, unit_id)
    if not settings.public_url:
        log.warning('public_url is not set: the poster encodes %s, which phones may not reach', settings.base_url)
    t = translator(settings.language)
    tokens = make_tokens(settings)
    url = f'{settings.base_url}/p/{tokens.current(unit.id)}'
    path = out or Path(f'qr-plakat-{unit.id}.{fmt}')
    path.write_bytes(qr_poster(unit_name=unit.name, url=url, heading=t('code.poster_heading'),
                               instruction=t('code.poster_instruction'), footer=t('code.poster_footer'), fmt=fmt))
    print(f'Wrote {path} for {unit.name}. The code changes every {settings.token_rotation_weeks} weeks: '
          'print a new poster then (the old one works for a grace period).')


class KioskError(RuntimeError):
    """Pairing or starting a wall screen failed in a way a person can fix; the message says how."""


def run_kiosk(settings: Settings, *, hub: str | None, unit_id: str | None, code: str | None) -> None:
    """Pair on first start (hub, unit and code), then run the board on the local replica."""
    path = settings.data_dir / 'secrets' / 'kiosk.json'
    if path.exists():
        saved = json.loads(path.read_text())
        credentials = KioskCredentials(**{k: saved[k] for k in ('hub_url', 'unit_id', 'kiosk_id', 'token')})
    else:
        if not (hub and unit_id and code):
            raise KioskError('first start of a wall screen: give --hub, --unit and --pair (from "board pair <unit>")')
        credentials = pair_kiosk(settings, hub.rstrip('/'), unit_id, code)
    settings = dataclasses.replace(settings, node_id=credentials.kiosk_id)
    log.info('wall screen %s for unit %s, syncing with %s', credentials.kiosk_id, credentials.unit_id,
             credentials.hub_url)
    serve(settings, kiosk=credentials)


def pair_kiosk(settings: Settings, hub: str, unit_id: str, code: str) -> KioskCredentials:
    import httpx

    from .atomicfile import write_atomic
    from .domain import ServiceArea
    try:
        response = httpx.post(f'{hub}/api/v1/pair', json={'code': code, 'unit_id': unit_id}, timeout=20)
    except httpx.HTTPError as error:
        raise KioskError(f'cannot reach the hub at {hub} ({error}); check the address and the network') from error
    if response.status_code != 200:
        raise KioskError(f'the hub refused the pairing ({response.status_code}): {response.json().get("detail")}')
    body = response.json()
    credentials = KioskCredentials(hub_url=hub, unit_id=unit_id, kiosk_id=body['kiosk_id'], token=body['token'])
    store = Store(settings.data_dir, node_id=credentials.kiosk_id).open()
    try:
        area = body.get('service_area') or {'id': 'enhet', 'name': ''}
        store.add_service_area(ServiceArea(id=area['id'], name=area['name']))
        store.add_unit(Unit(id=unit_id, name=body['unit']['name'], service_area_id=area['id']))
    finally:
        store.close()
    path = settings.data_dir / 'secrets' / 'kiosk.json'
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(path, json.dumps(dataclasses.asdict(credentials)).encode(), mode=0o600)
    log.info('paired with %s as %s', hub, credentials.kiosk_id)
    return credentials


def pair_code(settings: Settings, unit_id: str) -> str:
    """A pairing code: written directly when the hub is stopped, asked of the running hub otherwise."""
    from .admin import issue_pairing_code
    try:
        store = Store(settings.data_dir).open()
    except DataFolderBusy:
        issued = _ask_running_hub(settings, '/api/v1/admin/pairing-codes', {'unit_id': unit_id})
    else:
        try:
            if store.unit(unit_id) is None:
                raise UnknownUnit(unit_id, sorted(u.id for u in store.organisation.units))
            issued = issue_pairing_code(store, unit_id)
        finally:
            store.close()
    return (f'Pairing code for {unit_id}: {issued["code"]} (one use, valid until {issued["expires_at"][:16]}).\n'
            f'On the wall screen: board kiosk --hub <hub address> --unit {unit_id} --pair {issued["code"]}')


def revoke_kiosk(settings: Settings, kiosk_id: str) -> None:
    try:
        store = Store(settings.data_dir).open()
    except DataFolderBusy:
        _ask_running_hub(settings, f'/api/v1/admin/kiosks/{kiosk_id}/revoke', {})
    else:
        try:
            if not store.wall_screens.revoke(kiosk_id):
                raise KioskError(f'no wall screen {kiosk_id}; see "board kiosks"')
        finally:
            store.close()
    print(f'Wall screen {kiosk_id} is revoked: it can no longer sync. Pair it again to use it.')


def list_kiosks(settings: Settings) -> None:
    from .clock import utc_now
    store = Store(settings.data_dir, read_only=True).open()
    try:
        now = utc_now()
        for kiosk in store.wall_screens.status():
            seen = kiosk.last_seen.astimezone().strftime('%Y-%m-%d %H:%M') if kiosk.last_seen else 'never'
            flag = 'REVOKED' if kiosk.revoked else ('NOT SEEN >10 min' if kiosk.stale(now) else 'ok')
            refused = f'  REFUSED {kiosk.refused} changes' if kiosk.refused else ''
            print(f'{kiosk.id}  {kiosk.unit_id:<24} last seen {seen}  version {kiosk.version or "-"}  '
                  f'outbox {kiosk.outbox}  clock {kiosk.clock_offset_ms:+d} ms  {flag}{refused}')
    finally:
        store.close()


def backup(settings: Settings, out: Path | None, keep: int) -> None:
    from .backup import create_backup
    data = settings.data_dir.resolve()
    out_dir = (out or data.with_name(f'{data.name}-backups')).resolve()
    try:
        archive = create_backup(data, out_dir, keep=keep)
    except DataFolderBusy:  # the hub runs: it takes the snapshot under its writer lock
        archive = Path(_ask_running_hub(settings, '/api/v1/admin/backup', {'out_dir': str(out_dir),
                                                                            'keep': keep})['archive'])
    print(f'Backup written: {archive} (keeping the newest {keep} in {out_dir}).')


def restore(settings: Settings, archive: Path) -> None:
    from .backup import restore_backup
    previous = restore_backup(archive, settings.data_dir)
    print(f'Restored {archive} into {settings.data_dir}.'
          + (f' The data it replaced is kept in {previous}.' if previous else ''))


def import_org(settings: Settings, path: Path) -> None:
    """Import the organisation: directly when the hub is stopped, through the running hub otherwise."""
    from .admin import import_organisation
    from .orgfile import parse_organisation
    parsed = parse_organisation(path)
    try:
        store = Store(settings.data_dir).open()
    except DataFolderBusy:
        body = {'name': parsed.name, 'service_areas': [{'id': a.id, 'name': a.name} for a in parsed.areas],
                'units': [{'id': u.id, 'name': u.name, 'service_area_id': u.service_area_id} for u in parsed.units]}
        answer = _ask_running_hub(settings, '/api/v1/admin/organisation', body)
        areas, units = answer['new_service_areas'], answer['new_units']
    else:
        try:
            areas, units = import_organisation(store, parsed)
        finally:
            store.close()
    print(f'Imported {len(parsed.areas)} service areas ({areas} new) and {len(parsed.units)} units ({units} new). '
          'Boards that existed keep their cards.')
    for unit in parsed.units:
        print(f'  {unit.id:<32} {unit.name}')


def set_user(settings: Settings, args: argparse.Namespace) -> None:
    import getpass

    from .admin import set_user as change_user
    from .users import Grant
    try:
        grants = None if args.roles is None else [Grant.parse(r) for r in args.roles]
    except ValueError as error:
        raise ConfigError(f'--role: {error} (admin, organisation, area:<id> or unit:<id>)') from error
    disabled = True if args.disable else (False if args.enable else None)
    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip('\n')
    elif sys.stdin.isatty() and not _user_exists(settings, args.username):
        password = getpass.getpass(f'New password for {args.username}: ')
        if getpass.getpass('Again: ') != password:
            raise ConfigError('the two passwords differ; nothing was changed')
    try:
        store = Store(settings.data_dir).open()
    except DataFolderBusy:
        answer = _ask_running_hub(settings, '/api/v1/admin/users', {
            'username': args.username, 'name': args.name, 'roles': args.roles, 'password': password,
            'disabled': disabled})
        roles = answer['roles']
    else:
        try:
            user = change_user(store, args.username, name=args.name, grants=grants, password=password,
                               disabled=disabled)
            roles = [str(g) for g in user.grants]
        finally:
            store.close()
    print(f'Saved {args.username.strip().casefold()}: roles {", ".join(roles) or "(none: cannot log in)"}'
          + (' (disabled)' if disabled else ''))


def _user_exists(settings: Settings, username: str) -> bool:
    store = Store(settings.data_dir, read_only=True).open()
    try:
        return store.accounts.user(username.strip().casefold()) is not None
    finally:
        store.close()


def list_users(settings: Settings) -> None:
    store = Store(settings.data_dir, read_only=True).open()
    try:
        for user in store.accounts.all():
            state = ' (disabled)' if user.disabled else ''
            print(f'{user.username:<24} {user.name:<36} {", ".join(map(str, user.grants)) or "-"}{state}')
    finally:
        store.close()


def _ask_running_hub(settings: Settings, path: str, body: dict) -> dict:
    import httpx
    admin = json.loads((settings.data_dir / 'secrets' / 'local_admin.json').read_text())
    response = httpx.post(admin['url'] + path, json=body, headers={'Authorization': f'Bearer {admin["token"]}'},
                          timeout=10)
    if response.status_code in (404, 422):
        raise KioskError(str(response.json().get('detail', 'refused')))
    response.raise_for_status()
    return response.json()


def _existing_unit(settings: Settings, unit_id: str) -> Unit:
    store = Store(settings.data_dir, read_only=True).open()
    try:
        unit = store.unit(unit_id)
        if unit is None:
            raise UnknownUnit(unit_id, sorted(u.id for u in store.organisation.units))
        return unit
    finally:
        store.close()


def tune_garbage_collector() -> None:
    """Collect young objects less often and never start a full collection automatically (see board.app).

    70 open boards keep hundreds of thousands of UI objects alive. With Python's default thresholds collections
    ran every few hundred new objects and stalled a wave of 100 phone ideas by 300 ms; with a rare middle
    generation, its collection had to walk every board page built since, another 400 ms stall (bench/phones.py,
    full size). So: young collections every 10,000 objects, the middle one every third of those, and full
    collections only at quiet moments, run by the hub (``collect_when_quiet``). Start-up objects are frozen.
    """
    import gc
    gc.set_threshold(10_000, 3, 1_000_000)
    gc.freeze()


def lan_address() -> str | None:
    """This machine's address on the local network, so a phone on the same Wi-Fi can reach the demo.

    Read from the network interfaces (no traffic is sent); private IPv4 addresses are preferred.
    """
    import ipaddress

    import ifaddr
    candidates = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str):
                address = ipaddress.ip_address(ip.ip)
                if not (address.is_loopback or address.is_link_local):
                    candidates.append(address)
    candidates.sort(key=lambda a: not a.is_private)
    return str(candidates[0]) if candidates else None


def prepare_demo(settings: Settings) -> Settings:
    """Write the sample organisation if the data folder is empty; point QR codes at this machine's LAN address."""
    from .demo import demo_logins, seed_demo
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.data_dir, archive_after_weeks=settings.archive_after_weeks).open()
    try:
        if seed_demo(store):
            log.info('wrote the sample organisation to %s', settings.data_dir.resolve())
        else:
            log.info('using the existing data in %s', settings.data_dir.resolve())
        logins = demo_logins(store, settings.data_dir / 'secrets')
    finally:
        store.close()
    if logins:
        print('\n  Leaders\' pages: /login   (demo accounts, passwords made on this machine)', flush=True)
        for username, password in logins:
            print(f'    {username:<10} {password}', flush=True)
    if not settings.public_url and settings.host in ('0.0.0.0', '::'):
        address = lan_address()
        if address:
            settings = dataclasses.replace(settings, public_url=f'http://{address}:{settings.port}')
            log.info('QR codes point phones to %s (set public_url to change it)', settings.public_url)
    return settings


def serve(settings: Settings, *, kiosk: KioskCredentials | None = None, phone_url: str = '') -> None:
    from nicegui import ui

    from .app import create_app, run_options

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    tune_garbage_collector()
    context = create_app(settings, kiosk=kiosk, phone_url=phone_url)
    shown_host = '127.0.0.1' if settings.host in ('0.0.0.0', '::') else settings.host
    print(f'\n  Forbedringstavla: http://{shown_host}:{settings.port}/', flush=True)
    if settings.public_url:
        print(f'  Phones and QR codes: {settings.public_url}/', flush=True)
    print(flush=True)
    ui.run(**run_options(context))  # type: ignore[arg-type]


if __name__ == '__main__':
    sys.exit(main())
