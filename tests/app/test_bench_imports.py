"""Every benchmark module imports: ``python -m bench`` imports them all, and CI runs it only after the tests (a
renamed model class once left the whole bench run failing at its first line)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / 'bench'


@pytest.mark.parametrize('module', sorted(p.stem for p in BENCH.glob('*.py') if p.stem != '__init__'))
def test_the_benchmark_module_imports(module: str):
    importlib.import_module(f'bench.{module}')
