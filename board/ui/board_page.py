"""The unit's board at ``/units/<unit-id>``: goals strip, Ideer / Pågår / Ferdig, live on every screen.

Each screen keeps its own :class:`BoardScreen`: the cards it shows and their elements. A change from the store
(made here, on another screen, a phone or by a leader) updates, adds, moves or removes the one card element it
concerns; the board is never rebuilt. Drag and drop uses SortableJS through NiceGUI's ``make_sortable`` with a
drag handle, so scrolling a column with a finger never starts a drag by accident.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from nicegui import background_tasks, run, ui
from nicegui.events import SortableEventArguments

from ..domain import (
    Card,
    CardFields,
    Column,
    FishboneHeading,
    Gain,
    Goal,
    Meeting,
    Origin,
    Problem,
    Unit,
    validate_gain,
    validate_reading,
)
from ..overview import changed_since
from ..qr import POSTER_FORMATS, qr_data_url, qr_poster
from ..store import (
    CardChanged,
    CardsArchived,
    Change,
    GoalChanged,
    GoalValuesChanged,
    NotesChanged,
    RecordsChanged,
)
from ..store.acting import acting_from, address_source, wall_source
from .card_dialog import CardDialog, Readings
from .card_log import CardLogDialog
from .card_view import CardView, GoalChip, GoalFace, show_goal
from .date_field import next_meeting_day
from .escalate_dialog import EscalateDialog, ShareDialog
from .goal_dialog import GoalDialog
from .goal_sheet import GoalSheet
from .landing import unknown_unit
from .live import LiveChanges
from .meeting import MeetingMode
from .root_cause import RootCauseDialog
from .theme import Heading, attrs, frame
from .writes import LOGIN_ENDED, Attempt, attempt, notify_problems

if TYPE_CHECKING:
    from ..context import AppContext
    from ..i18n import Translator
    from ..sync_client import SyncStatus

log = logging.getLogger(__name__)

T = TypeVar('T')

#: SortableJS options: our own pointer handling (same for mouse and finger), a handle, and a tolerance so a
#: tap on the handle stays a tap
SORTABLE_OPTIONS = {'forceFallback': True, 'fallbackTolerance': 4, 'delayOnTouchOnly': True, 'delay': 120,
                    'scroll': True, 'bubbleScroll': True}


OPEN_CARD_ON_CLICK = '(e) => { const card = e.target.closest("[data-card-id]"); if (card) emit(card.dataset.cardId); }'
OPEN_CARD_ON_KEY = '''(e) => {
  if (e.key !== "Enter" && e.key !== " ") return;
  const card = e.target.closest("[data-card-id]");
  if (card && e.target === card) { e.preventDefault(); emit(card.dataset.cardId); }
}'''


def register(context: AppContext, changes: LiveChanges) -> None:

    @ui.page('/units/{unit_id}', title=context.t('app.name'))
    def board_page(unit_id: str) -> None:
        unit = context.store.unit(unit_id)
        if unit is None:
            unknown_unit(context, unit_id)
            return
        BoardScreen(context, changes, unit).build()


#: who acts on a board: (where the change comes from, the person's name), or None to refuse the action
Actor = Callable[[], 'tuple[Origin, str] | None']


def wall_actor() -> tuple[Origin, str]:
    """On the wall anyone may act: the board belongs to the staff who meet at it."""
    return Origin.BOARD, ''


def screen_source(context: AppContext) -> str:
    """From where this page's changes are made, for the cards' logs: the wall screen (on a wall screen's own
    board), or the browser's address (a page served by the hub; behind the proxy, the address it forwarded)."""
    if context.sync is not None:
        return wall_source(context.sync.credentials.kiosk_id)
    request = ui.context.client.request
    return address_source(request.client.host if request is not None and request.client is not None else '')


#: how long *Angre* stays after a change at the board
UNDO_SECONDS = 15.0

#: a wall screen whose clock is this far from the hub's says so (the hub refuses changes stamped 5 minutes ahead)
CLOCK_WARNING_MS = 2 * 60_000


class BoardScreen:
    """One screen's view of one unit's board (state per client, never shared between screens).

    On a leader's page the same board is built with an ``actor`` that checks the leader's login for every action
    and a ``highlight_since``: cards changed since that moment (the unit's last board meeting) are marked.
    """

    def __init__(self, context: AppContext, changes: LiveChanges, unit: Unit, *, actor: Actor = wall_actor,
                 highlight_since: datetime | None = None) -> None:
        self.actor = actor
        self.highlight_since = highlight_since
        self.context = context
        self.t = context.t
        self.store = context.store
        self.changes = changes
        self.unit = unit
        self.cards: dict[str, Card] = {c.id: c for c in self.store.cards(unit.id)}
        #: every goal a card may name (retired ones too: their cards still show them); the strip shows the others
        self.goals: dict[str, Goal] = {g.id: g for g in self.store.goals(unit.id, retired=True)}
        self.views: dict[str, CardView] = {}
        self.containers: dict[Column, ui.column] = {}
        self.counts: dict[Column, ui.label] = {}
        self.chips: dict[str, GoalChip] = {}
        self.today = self.store.local_now().date()
        self.quiet = False
        self.meeting: MeetingMode | None = None
        self.shown_recognitions: list[str] | None = None
        self.source = screen_source(context)
        self.card_log: CardLogDialog | None = None  # built on first use
        self.goal_sheet: GoalSheet | None = None  # built on first use
        self.goal_form: GoalDialog | None = None  # built on first use
        self.escalate_dialog: EscalateDialog | None = None  # built on first use
        self.share_dialog: ShareDialog | None = None  # built on first use
        #: the next board up, where a card can be lifted (none above the leadership group)
        self.above = self.store.organisation.board_above(unit)
        #: the last change at this screen, as (the card before, the card after), while Angre is offered
        self._undo_change: tuple[Card, Card] | None = None
        self._undo_timer: ui.timer | None = None

    # --- building ---

    def build(self, toolbar: Callable[[], None] | None = None) -> None:
        """Build the board; ``toolbar`` adds a page's own controls to the header (a leader's goals and links)."""
        t = self.t
        area = self.store.organisation.service_area(self.unit.service_area_id)
        with frame(self.context, f'{self.unit.name} - {t("app.name")}', wall=self.actor is wall_actor), \
                ui.column().classes('board-root w-full gap-3 p-3') as self.root:
            with ui.row(wrap=False).classes('w-full items-start gap-4'):
                with ui.column().classes('grow gap-3 min-w-0'):
                    with ui.row().classes('board-header w-full'):
                        Heading(self.unit.name, 1)
                        self.week_label = ui.label().classes('board-week')
                        if area is not None:
                            ui.label(area.name).classes('board-area')
                        ui.space()
                        if self.context.sync is not None:
                            self._build_sync_indicator()
                        if toolbar is not None:
                            toolbar()
                        else:
                            ui.button(t('meeting.start'), icon='groups', on_click=self.start_meeting) \
                                .props('no-caps size=lg').classes('touch-button').mark('start-meeting')
                            ui.link(t('landing.all_boards'), '/').classes('big-link')
                        self._build_menu()
                    self.goal_strip = attrs(ui.row().classes('goal-strip w-full'),
                                            {'role': 'group', 'aria-label': t('goal.strip_label')})
                    with self.goal_strip:
                        for goal in self.goals.values():
                            if not goal.retired:
                                self.chips[goal.id] = GoalChip(goal, GoalFace.of(self.store, goal), t=t,
                                                               on_open=self.open_goal)
                    self.recognition_strip = attrs(ui.row().classes('recognition-strip w-full'), {
                        'role': 'list', 'aria-label': t('meeting.recognition_strip')}).mark('recognition-strip')
                    self._show_recognitions()
                self._build_code()
            with ui.element('div').classes('board-columns'):
                for column in Column:
                    self._build_column(column)
            self._build_undo_bar()
        self.root_causes: RootCauseDialog | None = None  # built on first use: most screens never open one
        self._dialog: CardDialog | None = None  # the card form, built on first use (see dialog)
        self._show_week()
        ui.timer(60, self._show_week)
        self.changes.subscribe(self.unit.id, self.on_change)
        self.changes.codes.subscribe(self.refresh_code)
        background_tasks.create(self._reopen_draft(), name=f'reopen draft {self.unit.id}')

    @property
    def dialog(self) -> CardDialog:
        """The card form: built at the first card opened or idea added, not with the page.

        Most screens only show their cards; the form with its gain, readings and date fields is as many elements
        as 40 cards, and building it with every page made the board slower to load on every wall screen.
        """
        if self._dialog is None:
            above = self.above
            with self.root:
                self._dialog = CardDialog(
                    t=self.t, on_save=self.save, on_delete=self.delete, today=self._today,
                    full_time_week=self.context.settings.full_time_week, on_root_causes=self._open_root_causes,
                    leader=self.actor is not wall_actor, on_log=self._open_log, draft_prefix=f'{self.unit.id}/',
                    next_meeting=self._next_meeting, on_escalate=self._open_escalate if above is not None else None,
                    above=above.name if above is not None else '',
                    on_share=self._open_share if len(self.store.organisation.units) > 1 else None)
        return self._dialog

    def _build_menu(self) -> None:
        t = self.t
        with attrs(ui.button(icon='menu').props('flat round size=lg'), {'aria-label': t('code.menu')}) \
                .classes('touch-button'), ui.menu():
            for fmt in POSTER_FORMATS:
                ui.menu_item(t(f'code.poster_{fmt}'), lambda fmt=fmt: self.download_poster(fmt)) \
                    .classes('text-lg min-h-12').mark(f'poster-{fmt}')
            ui.menu_item(t('history.open'), lambda: ui.navigate.to(f'/units/{self.unit.id}/historikk')) \
                .classes('text-lg min-h-12').mark('history')
            ui.menu_item(t('goal.new'), lambda: self.edit_goal(None)).classes('text-lg min-h-12').mark('menu-new-goal')

    def _build_code(self) -> None:
        """The QR code in the corner: phones scan it to send an idea; a tap shows it full screen."""
        t = self.t
        self.code_url = self.context.phone_url(self.unit.id)
        self.code_dialog: ui.dialog | None = None  # the full-screen code, built at the first tap
        self.code_full: ui.image | None = None
        with ui.column().classes('items-center gap-1'):
            with attrs(ui.button(on_click=self._show_code_full).props('flat no-caps'),
                       {'aria-label': t('code.open_label')}).classes('qr-button').mark('code'):
                self.code_thumb = attrs(ui.image(qr_data_url(self.code_url) if self.code_url else '')
                                        .props('no-spinner no-transition fit=contain'),
                                        {'alt': t('code.scan')}).classes('qr-thumb')
            ui.label(t('code.scan')).classes('qr-caption')

    def _show_code_full(self) -> None:
        t = self.t
        if self.code_dialog is None:
            with self.root, ui.dialog().props('maximized') as self.code_dialog, \
                    ui.card().classes('w-full h-full items-center justify-center gap-6'):
                Heading(t('code.full_heading'), 2).classes('text-4xl font-bold')
                self.code_full = attrs(ui.image(qr_data_url(self.code_url) if self.code_url else '')
                                       .props('no-spinner no-transition fit=contain'),
                                       {'alt': t('code.scan')}).classes('qr-full')
                ui.label(t('code.full_text')).classes('text-2xl')
                ui.button(t('code.close'), icon='close', on_click=self.code_dialog.close).classes('touch-button')
        self.code_dialog.open()

    def refresh_code(self) -> None:
        url = self.context.phone_url(self.unit.id)
        if url != self.code_url:
            self.code_url = url
            self.code_thumb.set_source(qr_data_url(url) if url else '')
            if self.code_full is not None:
                self.code_full.set_source(qr_data_url(url) if url else '')

    def _build_sync_indicator(self) -> None:
        """Online; offline since HH:MM; or syncing with n changes waiting. Small: it informs, it must not alarm."""
        self.sync_label = ui.label().classes('sync-status').props('role=status aria-live=polite')
        self.show_sync()
        self.changes.sync_status.subscribe(self.show_sync)

    def show_sync(self) -> None:
        sync = self.context.sync
        if sync is None:
            return
        text, icon, kind = sync_indicator(sync.status, self.t, self.store.timezone)
        self.sync_label.text = text
        attrs(self.sync_label, {'data-icon': icon, 'data-state': kind})

    async def download_poster(self, fmt: str) -> None:
        t = self.t
        poster = await run.io_bound(qr_poster, unit_name=self.unit.name, url=self.code_url,
                                    heading=t('code.poster_heading'), instruction=t('code.poster_instruction'),
                                    footer=t('code.poster_footer'), fmt=fmt)
        if poster is not None:  # None only while the server shuts down
            ui.download.content(poster, f'qr-plakat-{self.unit.id}.{fmt}')

    def _build_column(self, column: Column) -> None:
        t = self.t
        with attrs(ui.element('section').classes('board-column'), {'aria-label': t(f'column.{column.value}')}):
            with ui.row().classes('w-full items-center gap-2 pb-2'):
                Heading(t(f'column.{column.value}'), 2)
                self.counts[column] = ui.label().classes('column-count')
                ui.space()
                if column == Column.IDEAS:
                    ui.button(t('action.new_idea'), icon='add', on_click=lambda: self.open_new(Column.IDEAS)) \
                        .classes('touch-button').props('data-testid=new-idea').mark('new-idea')
            container = attrs(ui.column().classes('column-cards'), {'role': 'list', 'data-column': column.value}) \
                .mark(f'column-{column.value}')
            self.containers[column] = container
            with container:
                for card in self._ordered(column):
                    self.views[card.id] = self._view(card)
            container.make_sortable(SORTABLE_OPTIONS, group=f'board-{self.unit.id}', handle='.drag-handle',
                                    on_end=self.on_drop)
            # one listener per column for every card in it (a tap, or Enter / Space on a focused card)
            container.on('click', lambda e: self.open_card(e.args), js_handler=OPEN_CARD_ON_CLICK)
            container.on('keydown', lambda e: self.open_card(e.args), js_handler=OPEN_CARD_ON_KEY)
        self._count(column)

    def _view(self, card: Card) -> CardView:
        view = CardView(card, self.goals.get(card.goal_id or ''), t=self.t, today=self.today,
                        full_time_week=self.context.settings.full_time_week)
        self._highlight(view, card)
        return view

    def _highlight(self, view: CardView, card: Card) -> None:
        if self.highlight_since is not None:
            changed = changed_since(card, self.highlight_since)
            view.classes(add='changed-since' if changed else None, remove=None if changed else 'changed-since')

    # --- what people do ---

    def open_card(self, card_id: str) -> None:
        card = self.cards.get(card_id)
        if card is None:
            return
        self.dialog.open(card, self._goal_choices())
        if card.unseen and self.actor is wall_actor:  # a new idea from a phone has now been seen on the board
            background_tasks.create(self._mark_seen(card_id), name=f'mark seen {card_id}')

    async def _mark_seen(self, card_id: str) -> None:
        if not (await attempt(self.store, self.store.mark_seen, self.unit.id, card_id)).ok:
            log.warning('could not mark card %s of unit %s as seen', card_id, self.unit.id)

    def open_new(self, column: Column) -> None:
        self.dialog.open(None, self._goal_choices(), column=column)

    def _goal_choices(self) -> list[Goal]:
        return [g for g in self.goals.values() if not g.retired]

    async def _reopen_draft(self) -> None:
        """After a reload: the form that was open on this screen with text in it opens again, with its text."""
        client = self.root.client
        prefix = f'{self.unit.id}/'
        try:
            await client.connected(timeout=30)
            key = await client.run_javascript(
                f'window.boardDrafts ? window.boardDrafts.pendingFor({json.dumps(prefix)}) : null', timeout=5)
        except TimeoutError:  # no connection, or a browser without the script: nothing to bring back
            return
        if client.is_deleted or not isinstance(key, str) or not key.startswith(prefix):
            return
        name = key[len(prefix):]
        columns = {f'+{c.value}': c for c in Column}
        if name in columns:
            self.open_new(columns[name])
        elif name in self.cards:
            self.open_card(name)
        elif name.startswith('why/') and name[4:] in self.cards:  # a root-cause analysis being written
            self._open_root_causes(self.cards[name[4:]])
        else:  # the card has left the board meanwhile: its draft has nowhere to go
            client.run_javascript(f'window.boardDrafts.clear({json.dumps(key)})')

    def _next_meeting(self) -> date | None:
        last = self.store.last_meeting(self.unit.id)
        started = last.started_at.astimezone(self.store.timezone).date() if last is not None else None
        return next_meeting_day(self._today(), started)

    async def on_drop(self, event: SortableEventArguments) -> None:
        """A card was dropped: NiceGUI already moved the element here; ask the store to make it so."""
        card_id = getattr(event.item, 'card_id', None)
        column = self._column_of(event.target)
        if card_id is None or column is None:
            return
        before = self.cards.get(card_id)
        moved = await self._attempt(self.store.move_card, self.unit.id, card_id, column, event.new_index)
        if not moved.ok:
            self._put_back(card_id)
            notify_problems(self.t, moved.problems)
        elif before is not None and moved.value is not None and moved.value.column != before.column:
            self.offer_undo(self.t('undo.moved', title=before.title,
                                   column=self.t(f'column.{moved.value.column.value}')), before, moved.value)

    async def save(self, card_id: str | None, fields: CardFields, column: Column | None,
                   gain: Gain | None = None, readings: Readings = None) -> list[Problem]:
        store, unit_id = self.store, self.unit.id
        column = column or Column.IDEAS
        before = self.cards.get(card_id) if card_id is not None else None
        if gain is not None:  # checked first, so that a bad gain leaves the card as it was
            problems = validate_gain(gain, column, store.local_now().date())
            if problems:
                return problems
        if readings is not None:  # and before and after too: the same rule the store applies
            problems = [problem for name, reading in zip(('before', 'after'), readings, strict=True)
                        if reading is not None for problem in validate_reading(
                            reading, store.goals(unit_id), today=store.local_now().date(), field=name)]
            if problems:
                return problems

        def save_card(*, origin: Origin, by: str) -> Card:  # on the store's writer: one round trip
            if card_id is None:
                card = store.create_card(unit_id, fields, column=column, origin=origin, created_by=by)
            else:
                card = store.edit_card(unit_id, card_id, fields, origin=origin, by=by)
                if column != card.column:
                    card = store.move_card(unit_id, card_id, column, 0, origin=origin, by=by)
            if gain != card.gain and (gain is not None or card.column != Column.IDEAS):
                card = store.set_gain(unit_id, card.id, gain, origin=origin, by=by)
            if readings is not None and readings != (card.before, card.after):
                card = store.set_readings(unit_id, card.id, *readings, origin=origin, by=by)
            return card
        saved = await self._attempt(save_card)
        if saved.ok and before is not None and saved.value is not None and saved.value.seq != before.seq:
            self.offer_undo(self.t('undo.edited', title=before.title), before, saved.value)
        return list(saved.problems)

    def _open_root_causes(self, card: Card) -> None:
        if self.root_causes is None:
            with self.root:
                self.root_causes = RootCauseDialog(t=self.t, on_save=self.save_root_causes,
                                                   draft_prefix=f'{self.unit.id}/')
        self.root_causes.open(self.cards.get(card.id, card))

    async def save_root_causes(self, card_id: str, problem: str, whys: list[str],
                               causes: list[tuple[FishboneHeading, str]]) -> list[Problem]:
        write = partial(self.store.set_root_causes, problem=problem)
        return list((await self._attempt(write, self.unit.id, card_id, whys, causes)).problems)

    async def delete(self, card_id: str) -> None:
        before = self.cards.get(card_id)
        deleted = await self._attempt(self.store.delete_card, self.unit.id, card_id)
        # a card someone else removed first is gone already: the board shows that, nothing to say
        notify_problems(self.t, (p for p in deleted.problems if p.key != 'error.card_gone'))
        if deleted.ok and before is not None and deleted.value is not None:
            self.offer_undo(self.t('undo.deleted', title=before.title), before, deleted.value)

    # --- Angre: the last change at this screen can be taken back for a while ---

    def _build_undo_bar(self) -> None:
        with ui.row().classes('undo-bar items-center gap-6').props('role=status aria-live=polite') \
                .mark('undo-bar') as self.undo_bar:
            self.undo_text = ui.label().classes('undo-text')
            ui.button(self.t('undo.button'), icon='undo', on_click=self._take_back) \
                .props('no-caps size=xl color=white text-color=dark').classes('touch-button undo-button') \
                .mark('undo')
        self.undo_bar.set_visibility(False)

    def offer_undo(self, text: str, before: Card, after: Card) -> None:
        """Show *Angre* for :data:`UNDO_SECONDS`: it undoes the change ``before`` -> ``after`` (a delete too)."""
        self.undo_text.text = text
        self._undo_change = (before, after)
        self.undo_bar.set_visibility(True)
        if self._undo_timer is not None:
            self._undo_timer.cancel()
        with self.undo_bar:
            self._undo_timer = ui.timer(UNDO_SECONDS, self._end_undo, once=True)

    def _end_undo(self) -> None:
        self.undo_bar.set_visibility(False)
        self._undo_change = None

    async def _take_back(self) -> None:
        change = self._undo_change
        self._end_undo()
        if change is None:
            return
        before, after = change
        reverted = await self._attempt(self.store.revert_card, self.unit.id, before.id, before, after)
        notify_problems(self.t, reverted.problems)
        if reverted.value is not None and before.goal_id is not None and reverted.value.goal_id is None:
            ui.notify(self.t('bin.goal_gone'), type='info', multi_line=True)

    # --- goals: full screen at a tap, values by finger, edited at the board ---

    def open_goal(self, goal_id: object) -> None:
        if not isinstance(goal_id, str) or goal_id not in self.goals:
            return
        if self.goal_sheet is None:
            with self.root:
                self.goal_sheet = GoalSheet(t=self.t, store=self.store, unit_id=self.unit.id, write=self._attempt,
                                            wall=self.actor is wall_actor, on_edit=self.edit_goal)
        self.goal_sheet.open(goal_id)

    def edit_goal(self, goal: Goal | None) -> None:
        """The goal form: a new goal (None) or a change, made as whoever acts on this screen."""
        if self.goal_form is None:
            with self.root:
                self.goal_form = GoalDialog(self.context, self.unit, self.actor)
        self.goal_form.open_goal(goal)

    def _open_escalate(self, card: Card) -> None:
        if self.above is None:
            return
        if self.escalate_dialog is None:
            with self.root:
                self.escalate_dialog = EscalateDialog(t=self.t, above=self.above.name, on_lift=self.escalate)
        self.dialog.close()
        self.escalate_dialog.open(self.cards.get(card.id, card))

    def _open_share(self, card: Card) -> None:
        if self.share_dialog is None:
            with self.root:
                self.share_dialog = ShareDialog(t=self.t, organisation=self.store.organisation, unit=self.unit,
                                                on_share=self.share)
        self.dialog.close()
        self.share_dialog.open(self.cards.get(card.id, card))

    async def share(self, card_id: str, units: list[str]) -> list[Problem]:
        shared = await self._attempt(self.store.share_card, self.unit.id, card_id, units)
        if shared.ok:
            key = 'share.done_one' if len(units) == 1 else 'share.done'
            ui.notify(self.t(key, count=len(units)), type='positive', multi_line=True)
        return list(shared.problems)

    async def escalate(self, card_id: str, reason: str) -> list[Problem]:
        lifted = await self._attempt(self.store.escalate, self.unit.id, card_id, reason)
        if lifted.ok and self.above is not None:
            ui.notify(self.t('escalation.lifted', board=self.above.name), type='positive', multi_line=True)
        return list(lifted.problems)

    def _goal_values_changed(self, goal_ids: set[str]) -> None:
        for goal_id in goal_ids:
            goal = self.goals.get(goal_id)
            if goal is not None:
                show_goal(self.goal_strip, self.chips, goal, GoalFace.of(self.store, goal), t=self.t,
                          on_open=self.open_goal)
        if self.goal_sheet is not None and self.goal_sheet.goal_id in goal_ids:
            self.goal_sheet.show()
        if self.meeting is not None:
            self.meeting.goal_values_changed(goal_ids)

    def _open_log(self, card: Card) -> None:
        if self.card_log is None:
            with self.root:
                # a browser's address is personal data: shown on a leader's page, not on a wall in the corridor
                self.card_log = CardLogDialog(t=self.t, zone=self.store.timezone,
                                              addresses=self.actor is not wall_actor)
        self.card_log.open(card.title, self.store.card_log(self.unit.id, card.id))

    async def _attempt(self, write: Callable[..., T], *args: object) -> Attempt[T]:
        """A change made by whoever acts on this screen (checked now, on the server), recorded as theirs."""
        actor = self.actor()
        if actor is None:
            return Attempt(problems=(LOGIN_ENDED,))
        origin, by = actor
        with acting_from(self.source):
            return await attempt(self.store, write, *args, origin=origin, by=by)

    # --- changes from the store ---

    def start_meeting(self) -> None:
        if self.meeting is None:
            self.meeting = MeetingMode(self.context, self.unit, on_end=self._meeting_ended,
                                       on_open_goal=self.open_goal)
        else:
            self.meeting.dialog.open()

    def _meeting_ended(self, _meeting: Meeting) -> None:
        self.meeting = None

    def _show_recognitions(self) -> None:
        """This week's ros on the board, beside the goals."""
        week = self.store.local_now().isocalendar()[:2]
        texts = [r.text for r in self.store.recognitions(self.unit.id)
                 if r.created_at.astimezone(self.store.timezone).isocalendar()[:2] == week]
        if texts == self.shown_recognitions:
            return
        self.shown_recognitions = texts
        self.recognition_strip.clear()
        with self.recognition_strip:
            for text in texts:
                ui.label(text).classes('recognition').props('data-icon=favorite role=listitem')
        self.recognition_strip.set_visibility(bool(texts))

    def on_change(self, change: Change) -> None:
        if isinstance(change, RecordsChanged):
            self._show_recognitions()
        elif isinstance(change, CardChanged):
            self._apply(change.card)
        elif isinstance(change, GoalChanged):
            self._apply_goal(change.goal)
        elif isinstance(change, GoalValuesChanged):
            self._goal_values_changed({v.goal_id for v in change.values})
        elif isinstance(change, NotesChanged) and self.meeting is not None:
            self.meeting.notes_changed()
        elif isinstance(change, CardsArchived):
            for card_id in change.card_ids:
                self._remove(card_id)

    def _apply(self, card: Card) -> None:
        previous = self.cards.get(card.id)
        if not card.on_board:
            self._remove(card.id)
            return
        self.cards[card.id] = card
        view = self.views.get(card.id)
        if view is None:
            with self.containers[card.column]:
                view = self.views[card.id] = self._view(card)
        else:
            view.show(card, self.goals.get(card.goal_id or ''), self.today)
            self._highlight(view, card)
        self._place(view, card)
        for column in {card.column, previous.column if previous else card.column}:
            self._count(column)

    def _apply_goal(self, goal: Goal) -> None:
        self.goals[goal.id] = goal
        if self.meeting is not None:
            self.meeting.goal_changed(goal)
        show_goal(self.goal_strip, self.chips, goal, GoalFace.of(self.store, goal), t=self.t,
                          on_open=self.open_goal)
        if self.goal_sheet is not None and self.goal_sheet.goal_id == goal.id:
            self.goal_sheet.show()
        for card in self.cards.values():
            if card.goal_id == goal.id:
                self.views[card.id].show(card, goal, self.today)

    def _remove(self, card_id: str) -> None:
        card = self.cards.pop(card_id, None)
        view = self.views.pop(card_id, None)
        if view is not None:
            view.delete()
        if self._dialog is not None and self._dialog.card_id == card_id:
            self._dialog.close()
        if card is not None:
            self._count(card.column)

    # --- helpers ---

    def _place(self, view: CardView, card: Card) -> None:
        """Put the element where the card belongs; nothing is sent if it is already there."""
        container = self.containers[card.column]
        # its place: the cards of its column that sort before it (by key: comparing whole cards was a third of
        # drawing a wave of phone ideas on a full board)
        key = card.sort_key()
        index = sum(1 for c in self.cards.values() if c.column == card.column and c.sort_key() < key)
        siblings = container.default_slot.children
        if view.parent_slot is container.default_slot and siblings.index(view) == index:
            return
        view.move(target_container=container, target_index=index)

    def _put_back(self, card_id: str) -> None:
        card = self.cards.get(card_id)
        view = self.views.get(card_id)
        if card is not None and view is not None:
            self._place(view, card)

    def _ordered(self, column: Column) -> list[Card]:
        return sorted((c for c in self.cards.values() if c.column == column), key=Card.sort_key)

    def _column_of(self, container: object) -> Column | None:
        return next((c for c, el in self.containers.items() if el is container), None)

    def _count(self, column: Column) -> None:
        count = sum(1 for c in self.cards.values() if c.column == column)
        text = self.t('column.count', count=count)
        if self.counts[column].text != text:
            self.counts[column].text = text

    def _today(self) -> date:
        return self.store.local_now().date()

    def _show_week(self) -> None:
        today = self.store.local_now().date()
        if today != self.today:  # a new day: due dates may have passed while nothing else changed
            self.today = today
            for card in self.cards.values():
                if card.due is not None:
                    self.views[card.id].show(card, self.goals.get(card.goal_id or ''), today)
        text = self.t('board.week', week=self.store.local_now().isocalendar().week)
        if self.week_label.text != text:
            self.week_label.text = text
            self._show_recognitions()  # a new week: last week's ros leaves the board
        self._care_for_the_screen()

    def _care_for_the_screen(self) -> None:
        """In quiet hours, dim the board and move it a few pixels every minute, so nothing burns into the panel."""
        now = self.store.local_now()
        quiet = self.context.settings.in_quiet_hours(now.time())
        if quiet != self.quiet:
            self.quiet = quiet
            self.root.classes(add='quiet' if quiet else None, remove=None if quiet else 'quiet')
        if quiet:
            step = now.hour * 60 + now.minute
            self.root.style.update({'--shift-x': f'{step % 9 - 4}px', '--shift-y': f'{(step // 9) % 9 - 4}px'})



def sync_indicator(status: SyncStatus, t: Translator, zone: tzinfo | None = None) -> tuple[str, str, str]:
    """What the wall screen's header says about its link to the hub: text, icon and state (for the colour)."""
    if status.unauthorised:
        text, icon, kind = t('sync.unauthorised'), 'link_off', 'offline'
    elif not status.online:
        since = status.offline_since.astimezone(zone).strftime('%H:%M') if status.offline_since else '?'
        text = t('sync.offline', time=since)
        if status.waiting:
            text += ' · ' + t('sync.waiting', count=status.waiting)
        icon, kind = 'cloud_off', 'offline'
    elif status.waiting:
        text, icon, kind = t('sync.syncing', count=status.waiting), 'sync', 'syncing'
    else:
        text, icon, kind = t('sync.online'), 'cloud_done', 'online'
    if status.refused:  # kept on this screen, not on the hub: IT must look (the admin page shows it too)
        text += ' · ' + t('sync.refused', count=status.refused)
        icon, kind = 'report', 'offline'
    if status.unreadable:  # on the hub, not on this screen
        text += ' · ' + t('sync.unreadable', count=status.unreadable)
        icon, kind = 'report', 'offline'
    offset = status.clock_offset_ms
    if offset is not None and abs(offset) >= CLOCK_WARNING_MS:
        text += ' · ' + t('sync.clock_off', minutes=round(abs(offset) / 60_000))
        icon, kind = 'schedule', 'offline'
    return text, icon, kind
