"""``python -m bench.faults``: the fault suite. Everything runs on this machine, bounded in count and time.

- kill storm: SIGKILL the hub process at random moments while a client writes through the sync API (100 times),
  and SIGKILL a process writing through the store directly (100 times): every file must load and every
  acknowledged write must be there; the second trial against plain TinyDB's JSONStorage is reported beside it.
- full disk: a hub whose data folder is a 2 MB tmpfs (needs root to mount): writes fail with a clear message,
  nothing earlier is lost, and writing works again when space returns.
- hub restart with 70 boards open: every board reconnects, without a reload loop, and shows current data.
- soak: many updates to one open board; the growth of the hub's and the browser's memory.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .common import Row, report
from .hubprocess import ROOT


@dataclass(frozen=True, slots=True)
class KillStorm:
    """What a storm of kills found."""
    kind: str
    rounds: int
    acknowledged: int
    broken: int
    lost: int
    killed_after_ms: list[float]

    def row(self) -> Row:
        name = {'ours': 'board store (atomic, fsync)', 'grouped': 'board store, group commit'}.get(
            self.kind, 'plain TinyDB JSONStorage')
        ours = self.kind in ('ours', 'grouped')
        return Row(figure=f'SIGKILL during writes: {name}', target='0 broken files, 0 lost writes' if ours
                   else 'baseline', samples=self.killed_after_ms,
                   passed=(self.broken == 0 and self.lost == 0) if ours else None,
                   note=f'{self.rounds} kills, {self.acknowledged} acknowledged writes, {self.broken} broken files, '
                        f'{self.lost} lost')


def kill_storm(kind: str, rounds: int, *, seed: int = 7) -> KillStorm:
    """Kill a writer ``rounds`` times; count files that did not load and acknowledged writes that were lost."""
    rng = random.Random(seed)
    broken = lost = acknowledged = 0
    killed_after: list[float] = []
    with tempfile.TemporaryDirectory(prefix=f'bench-kill-{kind}-') as tmp:
        folder = Path(tmp) / 'data'
        latest: dict[str, int] = {}
        for _ in range(rounds):
            child = subprocess.Popen([sys.executable, '-m', 'bench.fault_writer', kind, str(folder)], cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            assert child.stdout is not None
            child.stdout.readline()  # it is writing now
            delay = rng.uniform(0.0, 0.2)
            time.sleep(delay)
            child.send_signal(signal.SIGKILL)
            out, _ = child.communicate(timeout=10)
            killed_after.append(delay * 1000)
            for line in out.splitlines():
                if len(line.split()) != 2:  # a line the kill cut short was never acknowledged
                    continue
                record, number = line.split()
                latest[record] = max(latest.get(record, 0), int(number))
                acknowledged += 1
            stored = _load(kind, folder)
            if stored is None:
                broken += 1
                if kind == 'plain':  # plain TinyDB cannot go on with a broken file: start again, count the loss
                    lost += len(latest)
                    latest.clear()
                    (folder / 'plain.json').unlink(missing_ok=True)
                continue
            lost += sum(1 for record, number in latest.items() if stored.get(record, 0) < number)
            latest = {r: n for r, n in latest.items() if stored.get(r, 0) >= n}
    return KillStorm(kind, rounds, acknowledged, broken, lost, killed_after)


def _load(kind: str, folder: Path) -> dict[str, int] | None:
    """What the files hold now (record -> number), or None if they do not load."""
    if kind in ('ours', 'grouped'):
        from board.store import DataFileError, Store
        try:
            store = Store(folder).open()
        except DataFileError:
            return None
        try:
            return {c.id: int(c.title.split()[1]) for unit in ('storm', 'storm2', 'storm3') if store.unit(unit)
                    for c in store.cards(unit)}
        finally:
            store.close()
    path = folder / 'plain.json'
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except ValueError:
        return None
    return {k: int(v['title'].split()[1]) for k, v in data.get('cards', {}).items()}


def main() -> int:
    parser = argparse.ArgumentParser(prog='python -m bench.faults', description=__doc__.split('\n\n')[0])
    parser.add_argument('--kills', type=int, default=100, help='SIGKILLs of a writing process (and of the hub)')
    parser.add_argument('--soak', type=int, default=5000, help='updates in the soak (a day of use: 50000)')
    parser.add_argument('--boards', type=int, default=70)
    args = parser.parse_args()
    from . import fault_live
    started = time.monotonic()
    rows = fault_live.hub_kill_storm(rounds=args.kills)
    rows += [kill_storm('ours', args.kills).row(), kill_storm('grouped', args.kills).row(),
             kill_storm('plain', args.kills).row()]
    rows += fault_live.full_disk()
    rows += fault_live.hub_restart(boards=args.boards)
    rows += fault_live.soak(updates=args.soak)
    return report('fault suite', rows, started)


if __name__ == '__main__':
    raise SystemExit(main())
