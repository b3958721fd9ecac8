"""A leader's dialog for a unit's goal values as CSV: download them for Excel, or upload a file to store them.

On the leaders' page of one unit. Both ask ``actor`` first: the leader's login and their access to this unit are
checked on the server when the button is used, not only when the page was opened. The file is read off the event
loop (``run.io_bound``) and stored on the store's writer, all of it or none (see ``board.goal_csv``); what was
wrong is listed row by row in the dialog, where it stays until the leader closes it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from nicegui import events, run, ui

from ..domain import Origin, Problem, Unit
from ..goal_csv import MAX_BYTES, ImportProblem, ImportRefused, export_values, parse_values
from .writes import attempt

if TYPE_CHECKING:
    from ..context import AppContext

__all__ = ['GoalValuesCsv']

log = logging.getLogger(__name__)


class GoalValuesCsv:

    def __init__(self, context: AppContext, unit: Unit, actor: Callable[[], tuple[Origin, str] | None]) -> None:
        self.context = context
        self.t = context.t
        self.store = context.store
        self.unit = unit
        self.actor = actor
        self._build()

    def _build(self) -> None:
        t = self.t
        with ui.dialog() as self.dialog, ui.card().classes('card-dialog gap-3').mark('goal-csv'):
            ui.label(t('goal_csv.heading')).classes('text-2xl font-bold').props('role=heading aria-level=2')
            ui.label(t('goal_csv.help')).classes('text-lg')
            ui.button(t('goal_csv.download'), icon='download', on_click=self.download).props('no-caps outline') \
                .classes('touch-button').mark('goal-csv-download')
            self.upload = ui.upload(label=t('goal_csv.upload'), auto_upload=True, max_file_size=MAX_BYTES,
                                    on_upload=self.receive,
                                    on_rejected=lambda: self._show_problems([ImportProblem(None, Problem(
                                        'file', 'error.csv_too_big', {'max': MAX_BYTES // 1024}))]))
            self.upload.props('accept=".csv,.txt" flat bordered').classes('w-full').mark('goal-csv-upload')
            self.result = ui.column().classes('w-full gap-1').props('role=status').mark('goal-csv-result')
            with ui.row().classes('w-full justify-end'):
                ui.button(t('action.close'), on_click=self.dialog.close).props('flat no-caps') \
                    .classes('touch-button')

    def open(self) -> None:
        self.result.clear()
        self.dialog.open()

    async def download(self) -> None:
        if self.actor() is None:
            return
        unit_id = self.unit.id
        data = await run.io_bound(lambda: export_values(self.store.goals(unit_id, retired=True),
                                                        self.store.all_goal_values(unit_id)))
        if data is None:  # the hub is shutting down
            return
        ui.download.content(data, f'maleverdier-{unit_id}.csv', 'text/csv; charset=utf-8')

    async def receive(self, event: events.UploadEventArguments) -> None:
        actor = self.actor()
        self.upload.reset()
        if actor is None:
            return
        origin, by = actor
        if event.file.size() > MAX_BYTES:
            self._show_problems([ImportProblem(None, Problem('file', 'error.csv_too_big',
                                                             {'max': MAX_BYTES // 1024}))])
            return
        data = await event.file.read()
        goals = self.store.goals(self.unit.id, retired=True)
        today = self.store.local_now().date()
        try:
            rows = await run.io_bound(parse_values, data, goals, today=today)
        except ImportRefused as refused:
            self._show_problems(list(refused.problems), refused.more)
            return
        if rows is None:
            return
        written = await attempt(self.store, self.store.record_goal_values, self.unit.id, rows, origin=origin, by=by,
                                allowed=self.actor)
        if not written.ok:
            self._show_problems([ImportProblem(None, p) for p in written.problems])
            return
        log.info('%s imported %d goal values into unit %s', by, len(rows), self.unit.id)
        self.result.clear()
        with self.result:
            ui.label(self.t('goal_csv.imported', count=len(rows))).classes('text-lg font-semibold') \
                .mark('goal-csv-imported')

    def _show_problems(self, problems: list[ImportProblem], more: int = 0) -> None:
        t = self.t
        self.result.clear()
        with self.result:
            ui.label(t('goal_csv.failed')).classes('text-lg font-semibold').style('color: var(--overdue)')
            for problem in problems:
                ui.label(problem.message(t)).classes('text-lg').style('overflow-wrap: anywhere') \
                    .mark('goal-csv-problem')
            if more:
                ui.label(t('goal_csv.more_problems', count=more)).classes('text-lg')
