"""Kill a writing process with SIGKILL many times: every file loads, every acknowledged write is there.

The same trial as the fault suite (``python -m bench.faults``), with fewer rounds so it runs on every test run.
"""

import re

import pytest

from bench.faults import kill_storm

ROUNDS = 40


@pytest.mark.slow
def test_sigkill_during_a_write_burst_loses_no_acknowledged_write():
    row = kill_storm('ours', ROUNDS)
    counts = dict(zip(('kills', 'acknowledged', 'broken', 'lost'), map(int, re.findall(r'\d+', row.note)),
                      strict=True))
    assert counts['kills'] == ROUNDS
    assert counts['acknowledged'] > ROUNDS  # the kills landed while writing
    assert (counts['broken'], counts['lost']) == (0, 0), row.note
