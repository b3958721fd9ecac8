"""A child process for the kill storm: writes in a burst and prints each write that returned.

``python -m bench.fault_writer ours|plain FOLDER``. ``ours`` writes through the board's Store (atomic, durable),
``plain`` through plain TinyDB with its default JSONStorage (one file, written in place). Each stdout line is an
acknowledged write: ``<id> <n>`` means record ``id`` now holds ``n``. The parent kills this process at random.
The store's journal is checkpointed far more often than a hub's (every few milliseconds idle, every 64 kB), so the
kills also land while unit files are rewritten from it and while it is emptied.
"""

import random
import sys
import time
from pathlib import Path


def _checkpoint_often() -> None:
    from board.store import core
    core.CHECKPOINT_IDLE = 0.003
    core.CHECKPOINT_BYTES = 64 * 1024


def ours(folder: Path) -> None:
    from board.domain import CardFields, ServiceArea, Unit
    from board.store import Store
    _checkpoint_often()
    store = Store(folder).open()
    if store.unit('storm') is None:
        store.add_service_area(ServiceArea(id='test', name='Test'))
        store.add_unit(Unit(id='storm', name='Storm', service_area_id='test'))
    ids = [c.id for c in store.cards('storm')]
    while True:
        number = time.monotonic_ns()
        if len(ids) < 150 or random.random() < 0.1:
            card = store.create_card('storm', CardFields(title=f'n {number}', description='x' * 1500))
            ids.append(card.id)
            print(f'{card.id} {number}', flush=True)
        else:
            card_id = random.choice(ids)
            # edits change the length of the text, as real edits do
            text = 'x' * random.randint(0, 3000)
            store.edit_card('storm', card_id, CardFields(title=f'n {number}', description=text))
            print(f'{card_id} {number}', flush=True)


def grouped(folder: Path) -> None:
    """Writes to three units, 20 at a time through the store's writer with group commit (as phones send)."""
    import asyncio

    from board.domain import CardFields, ServiceArea, Unit
    from board.store import Store
    _checkpoint_often()
    store = Store(folder).open()
    units = ['storm', 'storm2', 'storm3']
    if store.unit('storm') is None:
        store.add_service_area(ServiceArea(id='test', name='Test'))
        for unit in units:
            store.add_unit(Unit(id=unit, name=unit, service_area_id='test'))

    ids: dict[str, list[str]] = {unit: [c.id for c in store.cards(unit)] for unit in units}

    async def one(unit: str) -> None:
        number = time.monotonic_ns()
        fields = CardFields(title=f'n {number}', description='x' * random.randint(0, 3000))
        if len(ids[unit]) < 150:  # then edits, as in ``ours``: a board never fills up
            card = await store.run_grouped(unit, store.create_card, unit, fields)
            ids[unit].append(card.id)
        else:
            card = await store.run_grouped(unit, store.edit_card, unit, random.choice(ids[unit]), fields)
        print(f'{card.id} {number}', flush=True)

    async def burst() -> None:
        while True:
            await asyncio.gather(*(one(units[i % 3]) for i in range(20)))
    asyncio.run(burst())


def plain(folder: Path) -> None:
    from tinydb import TinyDB
    folder.mkdir(parents=True, exist_ok=True)
    table = TinyDB(folder / 'plain.json').table('cards')
    doc_ids = [d.doc_id for d in table.all()]
    while True:
        number = time.monotonic_ns()
        if len(doc_ids) < 150 or random.random() < 0.1:
            doc_ids.append(table.insert({'title': f'n {number}', 'body': 'x' * 1500}))
            print(f'{doc_ids[-1]} {number}', flush=True)
        else:
            doc_id = random.choice(doc_ids)
            table.update({'title': f'n {number}', 'body': 'x' * random.randint(0, 3000)}, doc_ids=[doc_id])
            print(f'{doc_id} {number}', flush=True)


if __name__ == '__main__':
    {'ours': ours, 'grouped': grouped, 'plain': plain}[sys.argv[1]](Path(sys.argv[2]))
