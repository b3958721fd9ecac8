"""Kill a writing process with SIGKILL many times: every file loads, every acknowledged write is there."""

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from board.store import Store

ROUNDS = 40


@pytest.mark.slow
def test_sigkill_during_a_write_burst_loses_no_acknowledged_write(tmp_path):
    folder = tmp_path / 'data'
    created: set[str] = set()
    edits: dict[str, int] = {}
    rng = random.Random(48)
    root = Path(__file__).resolve().parent.parent
    for _ in range(ROUNDS):
        child = subprocess.Popen([sys.executable, '-m', 'tests.crash_writer', str(folder)], cwd=root,
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None
        first = child.stdout.readline()  # the child is writing: kill it at a random moment from now
        time.sleep(rng.uniform(0.0, 0.25))
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate(timeout=10)
        for line in [first, *rest.splitlines()]:
            kind, card_id, *number = line.split()
            if kind == 'create':
                created.add(card_id)
            else:
                edits[card_id] = max(edits.get(card_id, 0), int(number[0]))
        store = Store(folder).open()  # every file must load
        try:
            stored = {c.id: c for c in store.cards('crash')}
            assert created <= stored.keys()
            for card_id, number in edits.items():
                title = stored[card_id].title
                if title.startswith('edit '):  # an unacknowledged later edit may also have made it to disk
                    assert int(title.split()[1]) >= number
                else:
                    raise AssertionError(f'acknowledged edit {number} of {card_id} lost: {title!r}')
        finally:
            store.close()
    assert len(created) > ROUNDS
