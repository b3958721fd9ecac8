"""The ``board`` command: ``board demo`` starts the hub with sample data, ``board hub`` starts it for real.

Each subcommand is one function, registered with ``set_defaults(func=...)``. Commands that change data do it here
when no hub runs, or ask the running hub, which holds the data folder (:func:`_here_or_through_hub`).

Problems a person can fix (a broken data file, a bad setting, a wrong argument: :class:`ConfigError`,
:class:`CommandError` ...) are printed as one clear line and exit with status 2; nothing is overwritten.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from .app import make_citizen_tokens, make_tokens
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

#: a subcommand: what it does with the settings and its own arguments (registered with ``set_defaults(func=...)``)
Command = Callable[[Settings, argparse.Namespace], None]
#: what the running hub's local admin API answers, and what doing the same here returns
Answer = dict[str, Any]


class CommandError(Exception):
    """A command cannot do what was asked, for a reason a person can fix; the message says which and how."""


class UnknownUnit(CommandError):
    def __init__(self, unit_id: str, known: list[str]) -> None:
        super().__init__(f'no unit {unit_id!r}; units: {", ".join(known) or "(none)"}')


class PairingFailed(CommandError):
    """A wall screen could not pair with the hub (unreachable, or the code refused)."""


class HubRefused(CommandError):
    """The running hub did not do what the command asked of it (it said why, or could not be reached)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='board', description='Forbedringstavla: the digital improvement board.')
    commands = parser.add_subparsers(dest='command', required=True)

    def command(name: str, func: Command, text: str) -> argparse.ArgumentParser:
        subparser = commands.add_parser(name, help=text, description=text)
        subparser.set_defaults(func=func)
        return subparser

    command('demo', run_demo, 'start the hub with a sample organisation (kept between runs)')
    command('hub', run_hub, 'start the hub: the central store, boards and pages')
    kiosk = command('kiosk', run_kiosk, "run a wall screen's board on its own replica of one unit, synced with the hub")
    kiosk.add_argument('--hub', help="the hub's address, e.g. https://tavle.kommune.no (first start)")
    kiosk.add_argument('--unit', help='the unit this screen shows (first start)')
    kiosk.add_argument('--pair', dest='pairing_code', help='the code from "board pair" (first start)')
    pairing = command('pair', pair, 'create a one-time code that pairs a wall screen with a unit (valid 24 hours)')
    pairing.add_argument('unit', help='the unit id, as in /units/<unit-id>')
    command('kiosks', list_kiosks, 'list the paired wall screens, flagging those not seen for 10 minutes')
    revoking = command('kiosk-revoke', revoke_kiosk, "revoke a wall screen's token: it can no longer sync")
    revoking.add_argument('kiosk_id', help='as listed by "board kiosks"')
    backing_up = command('backup', backup,
                         'write a consistent, dated backup of the data folder (also while the hub runs)')
    backing_up.add_argument('--out', type=Path, help='backup folder (default: <data>-backups beside the data)')
    backing_up.add_argument('--keep', type=int, default=14, help='how many backups to keep (default 14)')
    restoring = command('restore', restore, 'replace the data folder with a backup (the hub must be stopped)')
    restoring.add_argument('archive', type=Path, help='a forbedringstavla-*.tar.gz written by "board backup"')
    new_code = command('revoke-code', revoke_code, "make a unit's QR code stop working at once; its board shows a "
                                                   'new one')
    new_code.add_argument('unit', help='the unit id, as in /units/<unit-id>')
    new_code.add_argument('--innbygger', action='store_true',
                          help="the unit's public code for citizens instead (its posters stop working)")
    printing = command('poster', poster, "write a unit's printable QR poster (A4, PDF or PNG)")
    printing.add_argument('unit', help='the unit id, as in /units/<unit-id>')
    printing.add_argument('--format', choices=POSTER_FORMATS, default='pdf')
    printing.add_argument('--out', type=Path, help='file to write (default: qr-plakat-<unit>.<format>)')
    printing.add_argument('--innbygger', action='store_true',
                          help="the poster with the unit's public code for citizens (innbyggere, brukere, pårørende)")
    importing = command('import-org', import_org, 'add or rename service areas and units from a CSV or TOML file')
    importing.add_argument('file', type=Path, help='CSV (tjenesteområde;enhet) or TOML; see README')
    user = command('user', set_user, "create or change a leader's or admin's account and roles")
    user.add_argument('username', help='lower-case login name, e.g. kari.nordmann')
    user.add_argument('--name', help='the name shown on pages and on changes')
    user.add_argument('--role', action='append', dest='roles', metavar='ROLE',
                      help='admin, organisation, area:<area-id> or unit:<unit-id> (repeat for several; '
                           'replaces the roles)')
    user.add_argument('--password-stdin', action='store_true',
                      help='read the new password from standard input (otherwise asked for, if new)')
    user.add_argument('--email', help="the leader's e-mail address for the brief or weekly summary ('' removes it)")
    user.add_argument('--brief', choices=('brief', 'summary', 'none', 'default'),
                      help='what the leader gets by e-mail: the brief before each meeting of their units, a weekly '
                           'summary by unit, nothing, or the default for their roles (unit leaders: brief; area and '
                           'organisation leaders: summary)')
    state = user.add_mutually_exclusive_group()
    state.add_argument('--disable', action='store_true', help='the account can no longer log in')
    state.add_argument('--enable', action='store_true', help='the account can log in again')
    command('users', list_users, 'list the accounts and their roles')

    for subparser in commands.choices.values():  # every command reads the settings the same way
        subparser.add_argument('--config', type=Path, help='settings file (see config/board.toml)')
        subparser.add_argument('--data', type=Path, dest='data_dir', help='data folder (overrides the settings)')
        subparser.add_argument('--host', help='address to listen on')
        subparser.add_argument('--port', type=int, help='port to listen on')
        subparser.add_argument('--public-url', dest='public_url', help='address phones and QR codes use')
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    try:
        settings = load_settings(args.config, data_dir=args.data_dir, host=args.host, port=args.port,
                                 public_url=args.public_url)
        args.func(settings, args)
    except (ConfigError, CommandError, DataFileError, DataFolderBusy, RevocationsUnreadable, BackupError,
            OrganisationFileError) as error:
        print(f'board: {error}', file=sys.stderr)
        return 2
    except RuleViolation as refused:
        from .i18n import translator
        t = translator('en')  # the command line speaks English, like the log
        print('board: ' + ' '.join(t(p.key, **p.params) for p in refused.problems) + ' Nothing was changed.',
              file=sys.stderr)
        return 2
    return 0


# --- the commands, one function each --------------------------------------------------------------------------
def run_demo(settings: Settings, args: argparse.Namespace) -> None:
    serve(prepare_demo(settings))


def run_hub(settings: Settings, args: argparse.Namespace) -> None:
    serve(settings)


def run_kiosk(settings: Settings, args: argparse.Namespace) -> None:
    """Pair on first start (--hub, --unit and --pair), then run the board on the local replica."""
    path = settings.data_dir / 'secrets' / 'kiosk.json'
    if path.exists():
        saved = json.loads(path.read_text())
        credentials = KioskCredentials(**{k: saved[k] for k in ('hub_url', 'unit_id', 'kiosk_id', 'token')})
    else:
        if not (args.hub and args.unit and args.pairing_code):
            raise CommandError('first start of a wall screen: give --hub, --unit and --pair '
                               '(from "board pair <unit>")')
        credentials = pair_kiosk(settings, args.hub.rstrip('/'), args.unit, args.pairing_code)
    settings = settings.replace(node_id=credentials.kiosk_id)
    log.info('wall screen %s for unit %s, syncing with %s', credentials.kiosk_id, credentials.unit_id,
             credentials.hub_url)
    serve(settings, kiosk=credentials)


def pair(settings: Settings, args: argparse.Namespace) -> None:
    """A one-time pairing code for a wall screen of the unit."""
    from .admin import issue_pairing_code
    unit_id = args.unit

    def here() -> Answer:
        with Store(settings.data_dir, journaled=settings.journal) as store:
            try:
                return issue_pairing_code(store, unit_id)
            except KeyError:
                raise UnknownUnit(unit_id, _unit_ids(store)) from None

    issued = _here_or_through_hub(settings, here, '/api/v1/admin/pairing-codes', {'unit_id': unit_id})
    print(f'Pairing code for {unit_id}: {issued["code"]} (one use, valid until {issued["expires_at"][:16]}).\n'
          f'On the wall screen: board kiosk --hub <hub address> --unit {unit_id} --pair {issued["code"]}')


def list_kiosks(settings: Settings, args: argparse.Namespace) -> None:
    from .clock import utc_now
    with Store(settings.data_dir, read_only=True) as store:
        now = utc_now()
        for kiosk in store.wall_screens.status():
            seen = kiosk.last_seen.astimezone().strftime('%Y-%m-%d %H:%M') if kiosk.last_seen else 'never'
            flag = 'REVOKED' if kiosk.revoked else ('NOT SEEN >10 min' if kiosk.stale(now) else 'ok')
            refused = f'  REFUSED {kiosk.refused} changes' if kiosk.refused else ''
            print(f'{kiosk.id}  {kiosk.unit_id:<24} last seen {seen}  version {kiosk.version or "-"}  '
                  f'outbox {kiosk.outbox}  clock {kiosk.clock_offset_ms:+d} ms  {flag}{refused}')


def revoke_kiosk(settings: Settings, args: argparse.Namespace) -> None:
    kiosk_id = args.kiosk_id

    def here() -> Answer:
        with Store(settings.data_dir, journaled=settings.journal) as store:
            if not store.wall_screens.revoke(kiosk_id):
                raise CommandError(f'no wall screen {kiosk_id}; see "board kiosks"')
        return {'revoked': kiosk_id}

    _here_or_through_hub(settings, here, f'/api/v1/admin/kiosks/{kiosk_id}/revoke', {})
    print(f'Wall screen {kiosk_id} is revoked: it can no longer sync. Pair it again to use it.')


def backup(settings: Settings, args: argparse.Namespace) -> None:
    """Here, under the data folder's lock; while the hub runs, by the hub under its writer lock."""
    from .backup import create_backup
    data = settings.data_dir.resolve()
    out_dir = (args.out or data.with_name(f'{data.name}-backups')).resolve()
    answer = _here_or_through_hub(settings, lambda: {'archive': str(create_backup(data, out_dir, keep=args.keep))},
                                  '/api/v1/admin/backup', {'out_dir': str(out_dir), 'keep': args.keep})
    print(f'Backup written: {Path(answer["archive"])} (keeping the newest {args.keep} in {out_dir}).')


def restore(settings: Settings, args: argparse.Namespace) -> None:
    from .backup import restore_backup
    previous = restore_backup(args.archive, settings.data_dir)
    print(f'Restored {args.archive} into {settings.data_dir}.'
          + (f' The data it replaced is kept in {previous}.' if previous else ''))


def revoke_code(settings: Settings, args: argparse.Namespace) -> None:
    """Works while the hub runs: the hub re-reads the revocation list and its boards show the new code."""
    unit_id = args.unit
    _existing_unit(settings, unit_id)
    if getattr(args, 'innbygger', False):
        generation = make_citizen_tokens(settings).revoke(unit_id)
        print(f"The citizens' code of {unit_id} is revoked (generation {generation}): its posters and links no "
              'longer work. Print a new poster from the unit\'s leaders\' page (or "board poster --innbygger").')
        return
    generation = make_tokens(settings).revoke(unit_id)
    print(f'The QR code of {unit_id} is revoked (generation {generation}): old codes and photos of them no longer '
          'work, and the board shows a new code within seconds. Print a new poster if the unit has one.')


def poster(settings: Settings, args: argparse.Namespace) -> None:
    from .i18n import translator
    from .qr import qr_poster
    unit = _existing_unit(settings, args.unit)
    if not settings.public_url:
        log.warning('public_url is not set: the poster encodes %s, which phones may not reach', settings.base_url)
    t = translator(settings.language)
    if getattr(args, 'innbygger', False):
        url = f'{settings.base_url}/i/{make_citizen_tokens(settings).current(unit.id)}'
        path = args.out or Path(f'innbyggerplakat-{unit.id}.{args.format}')
        path.write_bytes(qr_poster(unit_name=unit.name, url=url, heading=t('citizen.poster_heading'),
                                   instruction=t('citizen.poster_instruction'), footer=t('citizen.poster_footer'),
                                   fmt=args.format))
        print(f"Wrote {path} for {unit.name}: the citizens' code, which changes only when revoked.")
        return
    tokens = make_tokens(settings)
    url = f'{settings.base_url}/p/{tokens.current(unit.id)}'
    path = args.out or Path(f'qr-plakat-{unit.id}.{args.format}')
    path.write_bytes(qr_poster(unit_name=unit.name, url=url, heading=t('code.poster_heading'),
                               instruction=t('code.poster_instruction'), footer=t('code.poster_footer'),
                               fmt=args.format))
    print(f'Wrote {path} for {unit.name}. The code changes every {settings.token_rotation_weeks} weeks: '
          'print a new poster then (the old one works for a grace period).')


def import_org(settings: Settings, args: argparse.Namespace) -> None:
    from .admin import import_organisation
    from .orgfile import parse_organisation
    parsed = parse_organisation(args.file)

    def here() -> Answer:
        with Store(settings.data_dir, journaled=settings.journal) as store:
            areas, units = import_organisation(store, parsed)
        return {'new_service_areas': areas, 'new_units': units}

    body = {'name': parsed.name, 'service_areas': [{'id': a.id, 'name': a.name} for a in parsed.areas],
            'units': [{'id': u.id, 'name': u.name, 'service_area_id': u.service_area_id} for u in parsed.units]}
    try:
        answer = here()
    except DataFolderBusy as busy:  # the hub runs: ask it (the organisation, then the meeting times)
        answer = _ask_running_hub(settings, '/api/v1/admin/organisation', body, busy)
        if parsed.meeting_times:
            _ask_running_hub(settings, '/api/v1/admin/meeting-times', {'times': {
                unit: {'weekday': m.weekday, 'at': m.clock} for unit, m in parsed.meeting_times.items()}}, busy)
    print(f'Imported {len(parsed.areas)} service areas ({answer["new_service_areas"]} new) and {len(parsed.units)} '
          f'units ({answer["new_units"]} new). Boards that existed keep their cards.')
    for unit in parsed.units:
        print(f'  {unit.id:<32} {unit.name}')


def set_user(settings: Settings, args: argparse.Namespace) -> None:
    import getpass

    from .admin import set_user as change_user
    from .users import BriefChoice, Grant
    try:
        grants = None if args.roles is None else [Grant.parse(r) for r in args.roles]
    except ValueError as error:
        raise CommandError(f'--role: {error} (admin, organisation, area:<id> or unit:<id>)') from error
    disabled = True if args.disable else (False if args.enable else None)
    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip('\n')
    elif sys.stdin.isatty() and not _user_exists(settings, args.username):
        password = getpass.getpass(f'New password for {args.username}: ')
        if getpass.getpass('Again: ') != password:
            raise CommandError('the two passwords differ; nothing was changed')

    brief: BriefChoice | Literal['default'] | None = 'default'  # 'default' here: leave it as it is
    if args.brief is not None:
        brief = None if args.brief == 'default' else BriefChoice(args.brief)

    def here() -> Answer:
        with Store(settings.data_dir, journaled=settings.journal) as store:
            user = change_user(store, args.username, name=args.name, grants=grants, password=password,
                               disabled=disabled, email=args.email, brief=brief)
        return {'username': user.username, 'roles': [str(g) for g in user.grants], 'disabled': user.disabled,
                'email': user.email, 'mail': user.brief_choice.value}

    try:
        answer = here()
    except DataFolderBusy as busy:  # the hub runs: ask it (the account, then the mail: two admin calls)
        answer = _ask_running_hub(settings, '/api/v1/admin/users', {
            'username': args.username, 'name': args.name, 'roles': args.roles, 'password': password,
            'disabled': disabled}, busy)
        if args.email is not None or args.brief is not None:
            answer |= _ask_running_hub(settings, '/api/v1/admin/user-mail', {
                'username': args.username, 'email': args.email, 'brief': args.brief}, busy)
    print(f'Saved {args.username.strip().casefold()}: roles {", ".join(answer["roles"]) or "(none: cannot log in)"}'
          + (' (disabled)' if disabled else '')
          + (f'; e-mail {answer.get("email") or "(none)"}, gets: {answer["mail"]}' if 'mail' in answer else ''))


def list_users(settings: Settings, args: argparse.Namespace) -> None:
    with Store(settings.data_dir, read_only=True) as store:
        for user in store.accounts.all():
            state = ' (disabled)' if user.disabled else ''
            print(f'{user.username:<24} {user.name:<36} {", ".join(map(str, user.grants)) or "-"}{state}')


# --- here, or through the running hub -------------------------------------------------------------------------
def _here_or_through_hub(settings: Settings, here: Callable[[], Answer], path: str, body: Answer) -> Answer:
    """``here()`` on the data folder when no hub runs; else the same request to the running hub, same answer.

    Only one process writes a data folder: while the hub runs it holds the folder's lock, so opening the store
    here raises :class:`DataFolderBusy`, and the command asks the hub's local admin API (``POST path`` with
    ``body``) to do it instead, under its writer.
    """
    try:
        return here()
    except DataFolderBusy as busy:
        return _ask_running_hub(settings, path, body, busy)


def _ask_running_hub(settings: Settings, path: str, body: Answer, busy: DataFolderBusy) -> Answer:
    import httpx
    try:
        admin = json.loads((settings.data_dir / 'secrets' / 'local_admin.json').read_text())
    except (OSError, ValueError) as error:
        raise HubRefused(f'{busy}, and it is not a hub this command can ask (no local admin token: {error})') \
            from error
    try:
        response = httpx.post(admin['url'] + path, json=body,
                              headers={'Authorization': f'Bearer {admin["token"]}'}, timeout=10)
    except httpx.HTTPError as error:
        raise HubRefused(f'{busy}, and the hub at {admin["url"]} does not answer ({error})') from error
    if response.status_code in (404, 422):
        raise HubRefused(str(response.json().get('detail', 'refused')))
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    return answer


def _unit_ids(store: Store) -> list[str]:
    return sorted(u.id for u in store.organisation.units)


def _user_exists(settings: Settings, username: str) -> bool:
    with Store(settings.data_dir, read_only=True) as store:
        return store.accounts.user(username.strip().casefold()) is not None


def _existing_unit(settings: Settings, unit_id: str) -> Unit:
    with Store(settings.data_dir, read_only=True) as store:
        unit = store.unit(unit_id)
        if unit is None:
            raise UnknownUnit(unit_id, _unit_ids(store))
        return unit


def pair_kiosk(settings: Settings, hub: str, unit_id: str, code: str) -> KioskCredentials:
    import httpx

    from .atomicfile import write_atomic
    from .domain import ServiceArea
    try:
        response = httpx.post(f'{hub}/api/v1/pair', json={'code': code, 'unit_id': unit_id}, timeout=20)
    except httpx.HTTPError as error:
        raise PairingFailed(f'cannot reach the hub at {hub} ({error}); check the address and the network') \
            from error
    if response.status_code != 200:
        raise PairingFailed(f'the hub refused the pairing ({response.status_code}): {response.json().get("detail")}')
    body = response.json()
    credentials = KioskCredentials(hub_url=hub, unit_id=unit_id, kiosk_id=body['kiosk_id'], token=body['token'])
    with Store(settings.data_dir, node_id=credentials.kiosk_id, journaled=settings.journal) as store:
        area = body.get('service_area') or {'id': 'enhet', 'name': ''}
        store.add_service_area(ServiceArea(id=area['id'], name=area['name']))
        store.add_unit(Unit(id=unit_id, name=body['unit']['name'], service_area_id=area['id']))
    path = settings.data_dir / 'secrets' / 'kiosk.json'
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(path, json.dumps(dataclasses.asdict(credentials)).encode(), mode=0o600)
    log.info('paired with %s as %s', hub, credentials.kiosk_id)
    return credentials


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
    with Store(settings.data_dir, archive_after_weeks=settings.archive_after_weeks,
               deleted_days=settings.deleted_days, journaled=settings.journal) as store:
        if seed_demo(store):
            log.info('wrote the sample organisation to %s', settings.data_dir.resolve())
        else:
            log.info('using the existing data in %s', settings.data_dir.resolve())
        logins = demo_logins(store, settings.data_dir / 'secrets')
    if logins:
        print('\n  Leaders\' pages: /login   (demo accounts, passwords made on this machine)', flush=True)
        for username, password in logins:
            print(f'    {username:<10} {password}', flush=True)
    settings = settings.replace(board_access='open')  # the demo's boards are for anyone who reaches it
    if not settings.public_url and settings.host in ('0.0.0.0', '::'):
        address = lan_address()
        if address:
            settings = settings.replace(public_url=f'http://{address}:{settings.port}')
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
