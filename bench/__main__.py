"""``python -m bench [--size quick|full]``: every benchmark of the board, printed as one table.

quick (CI): the store at 1k/10k/100k cards, live figures on a hub with 1,400 cards.
full: more repetitions, and the live figures on a hub with 100,000 cards of history over 70 units.
Both: 70 connected boards, 100 phones, an 80-card board beside the naive peer (a ``@ui.refreshable`` board,
``bench/naive_board.py``), a wall-screen process, the leaders' overview, dashboard and report and the hub's
start-up on a hub with 100,000 cards over ten years, hostile load (1 MB pushes, logins), the scripted board
meeting by finger (taps and app time), a goal of 260 weekly values opened as a run chart by finger (quick: 10
opens, full: 40), and the capacity curve (quick: 70 and 140 connected boards, full: 70, 140 and 280).
All traffic goes to 127.0.0.1.
The fault suite is ``python -m bench.faults``.
"""

from __future__ import annotations

import argparse
import logging
import time

from . import capacity, goal_chart, hostile, kiosk_sync, leaders, live, meeting, phones, store_writes
from .common import report

SIZES = {
    # history: the cards behind the live figures (the store figures always use 1k, 10k and 100k)
    'quick': {'writes': 200, 'moves': 20, 'loads': 8, 'phone_rounds': 3, 'wall_ideas': 30, 'history': 70 * 20,
              'leader_repeats': 6, 'restarts': 3, 'hostile_ideas': 30, 'hostile_moves': 20, 'board_waves': 10},
    'full': {'writes': 1000, 'moves': 60, 'loads': 20, 'phone_rounds': 10, 'wall_ideas': 80, 'history': 100_000,
             'leader_repeats': 20, 'restarts': 6, 'hostile_ideas': 100, 'hostile_moves': 40, 'board_waves': 30},
}


def main() -> int:
    parser = argparse.ArgumentParser(prog='python -m bench', description=__doc__)
    parser.add_argument('--size', choices=SIZES, default='quick')
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    size = SIZES[args.size]
    started = time.monotonic()
    rows = store_writes.run([1_000, 10_000, 100_000], size['writes'])
    rows += store_writes.board_size_rows(size['board_waves'])
    rows += live.run(moves=size['moves'], loads=size['loads'], history=size['history'])
    rows += phones.run(phones=100, rounds=size['phone_rounds'], history=size['history'])
    rows += kiosk_sync.run(ideas=size['wall_ideas'], changes=200, history=size['history'])
    rows += leaders.run(repeats=size['leader_repeats'], history=100_000, restarts=size['restarts'])
    rows += hostile.run(ideas=size['hostile_ideas'], moves=size['hostile_moves'], history=size['history'])
    rows += meeting.run()
    rows += goal_chart.run(**goal_chart.SIZES[args.size])
    rows += capacity.run(**capacity.SIZES[args.size])
    return report(f'benchmarks ({args.size})', rows, started)


if __name__ == '__main__':
    raise SystemExit(main())
