"""``python -m bench [--size quick|full]``: every benchmark of the board, printed as one table.

quick: fewer repetitions (minutes, for CI); full: more repetitions for the README's table. Both use the sizes the
issues name (1k / 10k / 100k cards of history, 70 other screens, 80-card board). All traffic goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import logging
import time

from . import kiosk_sync, live, phones, store_writes
from .common import machine, print_table

SIZES = {
    'quick': {'writes': 200, 'moves': 20, 'loads': 8, 'phone_rounds': 3, 'wall_ideas': 30},
    'full': {'writes': 1000, 'moves': 60, 'loads': 20, 'phone_rounds': 10, 'wall_ideas': 80},
}


def main() -> int:
    parser = argparse.ArgumentParser(prog='python -m bench', description=__doc__)
    parser.add_argument('--size', choices=SIZES, default='quick')
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    size = SIZES[args.size]
    started = time.monotonic()
    rows = store_writes.run([1_000, 10_000, 100_000], size['writes'])
    rows += live.run(moves=size['moves'], loads=size['loads'])
    rows += phones.run(phones=100, rounds=size['phone_rounds'])
    rows += kiosk_sync.run(ideas=size['wall_ideas'], changes=200)
    print(f'\nForbedringstavla benchmarks ({args.size}), {time.strftime("%Y-%m-%d")}, {machine()}\n')
    print_table(rows)
    print(f'\n{time.monotonic() - started:.0f} s')
    return 0 if all(row.passed is not False for row in rows) else 1


if __name__ == '__main__':
    raise SystemExit(main())
