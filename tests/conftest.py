from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from board.store import Store

from .factories import seeded_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A store with two units and two goals, in a temporary folder (always the atomic JSON storage)."""
    s = seeded_store(tmp_path / 'data')
    yield s
    s.close()
