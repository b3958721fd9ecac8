"""A child process for the crash test: writes to the store in a burst and acknowledges each write that returned.

Run as ``python -m tests.crash_writer FOLDER``. Every line on stdout is a write that the store acknowledged:
``create <card-id>`` or ``edit <card-id> <n>`` (the card's title is now ``edit <n>``). The parent kills this process
with SIGKILL at a random moment and then checks that every acknowledged write is on disk.
"""

import random
import sys
import time
from pathlib import Path

from board.domain import CardFields, Column, ServiceArea, Unit
from board.store import Store


def main(folder: Path) -> None:
    store = Store(folder).open()
    if store.unit('crash') is None:
        store.add_service_area(ServiceArea(id='test', name='Test'))
        store.add_unit(Unit(id='crash', name='Crash', service_area_id='test'))
    ids = [c.id for c in store.cards('crash')]
    while True:
        counter = time.monotonic_ns()  # increases across the killed and restarted processes
        if not ids or random.random() < 0.5:
            card = store.create_card('crash', CardFields(title=f'new {counter}'))
            ids.append(card.id)
            print(f'create {card.id}', flush=True)
        elif random.random() < 0.3:
            card_id = random.choice(ids)
            store.move_card('crash', card_id, random.choice([Column.IDEAS, Column.DOING]), 0)
        else:
            card_id = random.choice(ids)
            store.edit_card('crash', card_id, CardFields(title=f'edit {counter}'))
            print(f'edit {card_id} {counter}', flush=True)


if __name__ == '__main__':
    main(Path(sys.argv[1]))
