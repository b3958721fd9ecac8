"""Kill a writing process with SIGKILL many times: every file loads, every acknowledged write is there.

The same trial as the fault suite (``python -m bench.faults``), with fewer rounds so it runs on every test run.
"""

import pytest

from bench.faults import kill_storm

ROUNDS = 40


@pytest.mark.slow
@pytest.mark.parametrize('kind', ['ours', 'grouped'])
def test_sigkill_during_a_write_burst_loses_no_acknowledged_write(kind):
    storm = kill_storm(kind, ROUNDS)
    assert len(storm.killed_after_ms) == ROUNDS
    assert storm.acknowledged > ROUNDS  # the kills landed while writing
    assert (storm.broken, storm.lost) == (0, 0), storm.row().note
