"""Durable card writes (create, move) with 1k, 10k and 100k cards of history across 70 units.

The same run does the same kind of writes against plain TinyDB (one file, ``JSONStorage``) holding the same
number of cards, and reports the ratio. Plain TinyDB gets fewer operations at large sizes because each one
rewrites the whole file (it is still measured, not estimated).
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from tinydb import TinyDB

from board.domain import Card, CardFields, Column, Gain, GainCategory, GainStatus, Origin, ServiceArea, Unit
from board.ordering import keys_after
from board.store import Store

from .common import Row, percentile

UNITS = 70
ACTIVE_PER_UNIT = 40
AREAS = ['helse', 'oppvekst', 'nav', 'kultur', 'teknisk']


def build_history(folder: Path, total: int, *, seed: int = 1, gain_share: float = 0.0) -> Store:
    """A store with ``total`` cards over 70 units: up to 40 on each board, the rest finished over ten years.

    ``gain_share``: this share of the cards in Pågår and Ferdig carry a gain (half of the finished ones realised).
    """
    rng = random.Random(seed)
    store = Store(folder).open()
    for area in AREAS:
        store.add_service_area(ServiceArea(id=area, name=area.title()))
    now = store.now()
    per_unit = total // UNITS
    for index in range(UNITS):
        unit = Unit(id=f'enhet-{index:02d}', name=f'Enhet {index}', service_area_id=AREAS[index % len(AREAS)])
        store.add_unit(unit)
        active = min(ACTIVE_PER_UNIT, per_unit)
        positions = iter(keys_after(None, per_unit))
        cards = []
        for number in range(per_unit):
            if number < active:
                column = (Column.IDEAS, Column.DOING, Column.DONE)[number % 3]
                finished = now - timedelta(days=rng.randint(0, 20)) if column == Column.DONE else None
            else:
                column, finished = Column.DONE, now - timedelta(days=rng.randint(40, 3650))
            created = (finished or now) - timedelta(days=rng.randint(1, 60))
            gain = None
            if column != Column.IDEAS and rng.random() < gain_share:
                realised = finished is not None and rng.random() < 0.5
                gain = Gain(categories=(rng.choice(list(GainCategory)),), hours_per_week=rng.choice((1.0, 2.5, 7.5)),
                            identified_on=created.date(), status=GainStatus.REALISED if realised else
                            GainStatus.IDENTIFIED, realised_on=finished.date() if realised and finished else None,
                            confirmed_by='Leder' if realised else '')
            cards.append(Card(id=f'{unit.id}-{number}', unit_id=unit.id, title=f'Forbedring nummer {number}',
                              description='Beskrivelse av forbedringen. ' * rng.randint(0, 6), column=column,
                              position=next(positions), owner='Kari', created_at=created,
                              started_at=created if column != Column.IDEAS else None, finished_at=finished,
                              gain=gain))
        store.import_cards(unit.id, cards)
    return store


def measure_store(store: Store, operations: int, *, seed: int = 2) -> list[float]:
    rng = random.Random(seed)
    units = [u.id for u in store.organisation.units]
    samples = []
    for number in range(operations):
        unit = rng.choice(units)
        ideas = [c for c in store.cards(unit) if c.column == Column.IDEAS]
        start = time.perf_counter()
        if number % 2 == 0 or not ideas:  # a unit whose ideas have all been moved gets a new one
            store.create_card(unit, CardFields(title=f'Ny idé {number}'))
        else:
            store.move_card(unit, rng.choice(ideas).id, Column.DOING, 0)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


#: the boards of the second half of :func:`board_size_rows`: a busy unit's board, far below the limit of 1,000
LARGE_BOARD = 250


def board_size_rows(waves: int) -> list[Row]:
    """What a board's size costs a write: waves of 100 phone ideas over the 70 units, written by the store alone
    (grouped, as the hub writes them), on boards of 40 cards and then of :data:`LARGE_BOARD`. The journal records the
    documents a write changes, so a wave should cost about the same on both: measured 1.5-2.0x, with whole unit files
    3.6x (the target of 3x is there to catch a return to whole files)."""
    with tempfile.TemporaryDirectory(prefix='bench-boards-') as tmp:
        store = build_history(Path(tmp) / 'data', UNITS * ACTIVE_PER_UNIT)
        try:
            units = [u.id for u in store.organisation.units]
            small = asyncio.run(_idea_waves(store, units, waves, 'a'))
            asyncio.run(_idea_waves(store, units, (LARGE_BOARD - _average_board(store, units)) * UNITS // 100, 'fill'))
            cards = _average_board(store, units)
            large = asyncio.run(_idea_waves(store, units, waves, 'b'))
        finally:
            store.close()
    ratio = percentile(large, 50) / percentile(small, 50)
    return [
        Row(figure=f'store: a wave of 100 phone ideas, boards of {ACTIVE_PER_UNIT} cards', target='', samples=small),
        Row(figure=f'store: a wave of 100 phone ideas, boards of about {cards} cards', target='', samples=large),
        Row(figure=f'store: p50 at {cards} cards / p50 at {ACTIVE_PER_UNIT}', target='<= 3', samples=[ratio],
            unit='x', passed=ratio <= 3.0, note='the journal records the documents a write changed, not the file'),
    ]


def _average_board(store: Store, units: list[str]) -> int:
    return round(sum(len(store.cards(unit)) for unit in units) / len(units))


async def _idea_waves(store: Store, units: list[str], waves: int, tag: str) -> list[float]:
    samples = []
    for wave in range(waves):
        start = time.perf_counter()
        await asyncio.gather(*(store.run_grouped(units[i % UNITS], store.create_card, units[i % UNITS],
                                                 CardFields(title=f'Idé {tag} {wave}-{i} fra mobilen'),
                                                 origin=Origin.PHONE) for i in range(100)))
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def measure_plain_tinydb(folder: Path, total: int, operations: int, *, seed: int = 3) -> list[float]:
    """The same writes on plain TinyDB: one JSON file, default storage (flushed and fsynced, but written in place)."""
    rng = random.Random(seed)
    db = TinyDB(folder / 'plain.json')
    table = db.table('cards')
    table.insert_multiple({'id': f'c{i}', 'unit_id': f'enhet-{i % UNITS:02d}', 'title': f'Forbedring nummer {i}',
                           'description': 'Beskrivelse av forbedringen. ' * (i % 7), 'column': 'done',
                           'position': 'V', 'owner': 'Kari'} for i in range(total))
    samples = []
    for number in range(operations):
        start = time.perf_counter()
        if number % 2 == 0:
            table.insert({'id': f'new{number}', 'unit_id': 'enhet-00', 'title': f'Ny idé {number}',
                          'column': 'ideas', 'position': 'V'})
        else:
            table.update({'column': 'doing'}, doc_ids=[rng.randint(1, total)])
        samples.append((time.perf_counter() - start) * 1000)
    db.close()
    return samples


def run(sizes: list[int], operations: int) -> list[Row]:
    rows = []
    results: dict[int, float] = {}
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix='bench-store-') as tmp:
            folder = Path(tmp)
            store = build_history(folder / 'data', size)
            ours = measure_store(store, operations)
            store.close()
            plain_ops = max(10, min(operations, 2_000_000 // size))
            plain = measure_plain_tinydb(folder, size, plain_ops)
        results[size] = sorted(ours)[int(len(ours) * 0.95) - 1]
        row = Row(figure=f'durable card write, {size:,} cards of history', target='p95 <= 5 ms' if size >= 100_000
                  else '', samples=ours, baseline_p95=sorted(plain)[int(len(plain) * 0.95) - 1],
                  note=f'plain TinyDB: {len(plain)} writes, p50 {sorted(plain)[len(plain) // 2]:.1f} ms')
        if size >= 100_000:
            row.passed = row.p95 <= 5.0
        rows.append(row)
    # what history costs a write: the sizes whose boards are equally full (a write makes the unit's whole board
    # durable, so at 1,000 cards, 14 a board, it is cheaper for the smaller board, not for the shorter history)
    full = [size for size in results if size // UNITS >= ACTIVE_PER_UNIT]
    if len(full) > 1:
        smallest, largest = min(full), max(full)
        ratio = results[largest] / results[smallest]
        rows.append(Row(figure=f'p95 at {largest:,} / p95 at {smallest:,}', target='<= 1.5', samples=[ratio],
                        unit='x', passed=ratio <= 1.5,
                        note=f'boards of {ACTIVE_PER_UNIT} cards in both; {largest // smallest}x the history'))
    return rows
