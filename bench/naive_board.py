"""The naive peer: the board as every NiceGUI tutorial would write it, for the benchmarks to compare with.

``python -m bench.naive_board --data <folder> --port <port>`` serves ``/units/<unit-id>`` on 127.0.0.1 from the same
store the hub uses (its own process, on a data folder no hub holds). The page is one ``@ui.refreshable`` board:
Quasar cards with icons and labels, built from the store, and rebuilt whole on every connected screen of the unit
after each change. It carries the same ``data-card-id``, ``data-column`` and ``drag-handle`` hooks as the real
board, so ``bench/live.py`` can load it, drag on it and watch it with the same code. It is a yardstick, not a
product: it knows no goals' strip, no forms and no access rules.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from nicegui import app, ui
from nicegui.events import SortableEventArguments

from board.domain import Card, Column
from board.store import Store

from .hubprocess import ROOT, RunningHub, free_port, hub_environment, wait_until_serving

COLUMN_NAMES = {Column.IDEAS: 'Ideer', Column.DOING: 'Pågår', Column.DONE: 'Ferdig'}
SORTABLE_OPTIONS = {'forceFallback': True, 'fallbackTolerance': 4, 'delayOnTouchOnly': True, 'delay': 120}


def serve(data: Path, port: int) -> None:
    store = Store(data).open()
    boards: dict[str, set[Callable[[], object]]] = {}

    @app.get('/status')
    def status() -> dict[str, str]:
        return {'status': 'ok'}

    @ui.page('/units/{unit_id}')
    def page(unit_id: str) -> None:
        @ui.refreshable
        def board() -> None:
            cards = store.cards(unit_id)
            ui.label(unit_id).classes('text-3xl font-bold')
            with ui.row().classes('w-full no-wrap items-start'):
                for column in Column:
                    with ui.card().classes('w-1/3'):
                        ui.label(COLUMN_NAMES[column]).classes('text-2xl')
                        container = ui.column().classes('w-full').props(f'data-column={column.value}')
                        with container:
                            for card in cards:
                                if card.column == column:
                                    _card(card)
                        container.make_sortable(SORTABLE_OPTIONS, group='board', handle='.drag-handle',
                                                on_end=lambda e, c=column: moved(e, c))

        def moved(event: SortableEventArguments, column: Column) -> None:
            target = next((c for c in Column if event.target.props.get('data-column') == c.value), column)
            card_id = event.item.props.get('data-card-id')
            store.move_card(unit_id, str(card_id), target, event.new_index)
            for refresh in list(boards.get(unit_id, ())):
                refresh()

        board()
        refreshers = boards.setdefault(unit_id, set())
        refreshers.add(board.refresh)
        ui.context.client.on_disconnect(lambda: refreshers.discard(board.refresh))

    def _card(card: Card) -> None:
        with ui.card().classes('board-card w-full').props(f'data-card-id={card.id}'):
            with ui.row().classes('items-center no-wrap'):
                ui.icon('drag_indicator').classes('drag-handle cursor-grab')
                ui.label(card.title).classes('text-lg font-semibold')
            with ui.row().classes('gap-2'):
                if card.owner:
                    ui.icon('person')
                    ui.label(card.owner)
                if card.due:
                    ui.icon('event')
                    ui.label(str(card.due))

    app.on_shutdown(store.close)
    ui.run(host='127.0.0.1', port=port, show=False, reload=False, show_welcome_message=False, title='Naiv tavle')


def start(data: Path, *, timeout: float = 30.0) -> RunningHub:
    """Start the naive board as its own process on 127.0.0.1 and wait until it answers."""
    port = free_port()
    url = f'http://127.0.0.1:{port}'
    log_path = data.parent / f'naive-{port}.log'
    with log_path.open('a') as log:
        process = subprocess.Popen([sys.executable, '-m', 'bench.naive_board', '--data', str(data),
                                    '--port', str(port)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                   env=hub_environment())
    return wait_until_serving(process, RunningHub(url, port, data, process), 'the naive board', log_path,
                              timeout=timeout)


def main() -> None:
    parser = argparse.ArgumentParser(prog='python -m bench.naive_board', description=__doc__)
    parser.add_argument('--data', type=Path, required=True)
    parser.add_argument('--port', type=int, required=True)
    args = parser.parse_args()
    serve(args.data, args.port)


if __name__ == '__main__':
    main()
