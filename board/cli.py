"""The ``board`` command: ``board demo`` starts the hub with sample data, ``board hub`` starts it for real.

Problems a person can fix (a broken data file, a bad setting) are printed as one clear line and exit with
status 2; nothing is overwritten.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .settings import ConfigError, Settings, load_settings
from .store import DataFileError, Store

log = logging.getLogger('board')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='board', description='Forbedringstavla: the digital improvement board.')
    commands = parser.add_subparsers(dest='command', required=True)
    for name, text in (('demo', 'start the hub with a sample organisation (kept between runs)'),
                       ('hub', 'start the hub: the central store, boards and pages')):
        command = commands.add_parser(name, help=text, description=text)
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
        if args.command == 'demo':
            prepare_demo(settings)
        serve(settings)
    except (ConfigError, DataFileError) as error:
        print(f'board: {error}', file=sys.stderr)
        return 2
    return 0


def prepare_demo(settings: Settings) -> None:
    from .demo import seed_demo
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.data_dir, archive_after_weeks=settings.archive_after_weeks).open()
    try:
        if seed_demo(store):
            log.info('wrote the sample organisation to %s', settings.data_dir.resolve())
        else:
            log.info('using the existing data in %s', settings.data_dir.resolve())
    finally:
        store.close()


def serve(settings: Settings) -> None:
    from nicegui import ui

    from .app import create_app, run_options

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    context = create_app(settings)
    shown_host = '127.0.0.1' if settings.host in ('0.0.0.0', '::') else settings.host
    print(f'\n  Forbedringstavla: http://{shown_host}:{settings.port}/\n', flush=True)
    ui.run(**run_options(context))  # type: ignore[arg-type]


if __name__ == '__main__':
    sys.exit(main())
