"""Shared helpers for the benchmarks: percentiles, a result row and the printed table."""

from __future__ import annotations

import math
import platform
import statistics
from dataclasses import dataclass
from pathlib import Path


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), nearest-rank, of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Row:
    figure: str
    target: str
    samples: list[float]
    unit: str = 'ms'
    baseline_p95: float | None = None
    passed: bool | None = None
    note: str = ''

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)

    @property
    def ratio(self) -> str:
        if self.baseline_p95 is None or not self.p95:
            return ''
        return f'{self.baseline_p95 / self.p95:,.0f}x faster'


def print_table(rows: list[Row]) -> str:
    header = ('figure', 'n', 'p50', 'p95', 'target', 'vs plain TinyDB p95', 'ok', 'note')
    lines = [header]
    for row in rows:
        ok = '' if row.passed is None else ('yes' if row.passed else 'NO')
        lines.append((row.figure, str(len(row.samples)), f'{row.p50:.2f} {row.unit}', f'{row.p95:.2f} {row.unit}',
                      row.target, row.ratio, ok, row.note))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    rendered = ['| ' + ' | '.join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) + ' |'
                for line in lines]
    rendered.insert(1, '|' + '|'.join('-' * (w + 2) for w in widths) + '|')
    text = '\n'.join(rendered)
    print(text, flush=True)
    return text


def report(title: str, rows: list[Row], started: float) -> int:
    """Print the dated title with the machine, the table and the time taken; exit status 1 if a target was missed."""
    import time
    print(f'\nForbedringstavla {title}, {time.strftime("%Y-%m-%d")}, {machine()}\n')
    print_table(rows)
    print(f'\n{time.monotonic() - started:.0f} s')
    return 0 if all(row.passed is not False for row in rows) else 1


def machine() -> str:
    cpu = ''
    cpuinfo = Path('/proc/cpuinfo')
    if cpuinfo.exists():
        cpu = next((line.split(':', 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                    if line.startswith('model name')), '')
    import os
    return f'{platform.system()} {platform.machine()}, {os.cpu_count()} cores {cpu}, Python {platform.python_version()}'
