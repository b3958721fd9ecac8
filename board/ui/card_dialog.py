"""The dialog for adding a card or opening one: edit, move, set goal / owner / due date / PDCA stage, gain, før and
etter, delete.

One dialog per screen, built on first use. It never writes itself: it hands what was typed to the page's
callbacks, which ask the store; problems come back as translated messages under the fields they concern.

Nothing typed is lost: a tap beside the dialog does nothing, Escape closes it only while nothing has changed, and
the text typed into it is kept in the browser (``assets/drafts.js``) until it is saved or cancelled, so a reload of
the page (or a connection lost for longer than NiceGUI waits) brings the form back with its text.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date

from nicegui import ui

from ..domain import (
    NAME_MAX,
    TITLE_MAX,
    Card,
    CardFields,
    Column,
    Gain,
    GainStatus,
    Goal,
    PdcaStage,
    Problem,
    Reading,
)
from ..i18n import Translator
from .date_field import DateField
from .gain_form import GainForm
from .readings_form import ReadingsForm, readings_shown
from .theme import attrs

#: a card's før and etter as typed, or None when the dialog does not show them (they are then left as they are)
Readings = tuple[Reading | None, Reading | None] | None
#: (card id or None for a new card, fields, column, gain or None, readings) -> problems; empty when saved
Save = Callable[[str | None, CardFields, Column | None, Gain | None, Readings], Awaitable[list[Problem]]]
Delete = Callable[[str], Awaitable[None]]


class CardDialog:

    def __init__(self, *, t: Translator, on_save: Save, on_delete: Delete, today: Callable[[], date],
                 full_time_week: float = 37.5, on_root_causes: Callable[[Card], None] | None = None,
                 leader: bool = False, on_log: Callable[[Card], None] | None = None, draft_prefix: str = '',
                 next_meeting: Callable[[], date | None] | None = None,
                 on_escalate: Callable[[Card], None] | None = None, above: str = '',
                 on_share: Callable[[Card], None] | None = None) -> None:
        """``today``: the board's date, in the hub's configured time zone (the store's clock); ``leader``: the
        person may confirm gains (a leader's page), not the wall; ``draft_prefix``: the start of this board's draft
        keys (``<unit>/``); ``next_meeting``: the day of the unit's next board meeting, if known; ``on_escalate``
        and ``above``: lift the card to the board above, named ``above`` (none on the top board)."""
        self._on_escalate = on_escalate
        self._above = above
        self._on_share = on_share
        self._t = t
        self._draft_prefix = draft_prefix
        self._next_meeting = next_meeting
        self._opened: tuple[object, ...] = ()
        self._dirty = False
        self._leader = leader
        self._today = today
        self._on_root_causes = on_root_causes
        self._on_log = on_log
        self._full_time_week = full_time_week
        self._on_save = on_save
        self._on_delete = on_delete
        self._card: Card | None = None
        self._new_column = Column.IDEAS
        self._build()

    def open(self, card: Card | None, goals: list[Goal], *, column: Column = Column.IDEAS) -> None:
        """Open for ``card``, or empty for a new card in ``column``."""
        t = self._t
        self._card = card
        self._new_column = column
        self.heading.text = t('dialog.edit_title') if card else t('dialog.new_title')
        fields = card.fields() if card else CardFields(title='')
        self.title.value = fields.title
        self.description.value = fields.description
        self.goal.options = {'': t('dialog.no_goal'), **{g.id: g.name for g in goals}}
        self.goal.value = fields.goal_id or ''
        self.owner.value = fields.owner
        self.due.set(fields.due)
        self.due.refresh()
        self.quick_win.value = fields.quick_win
        current = card.column if card else column
        self.column.value = current.value
        self.pdca.value = (fields.pdca or PdcaStage.PLAN).value
        self.delete_button.set_visibility(card is not None)
        self.root_cause_button.set_visibility(card is not None and self._on_root_causes is not None)
        self.log_button.set_visibility(card is not None and self._on_log is not None)
        self.escalate_button.set_visibility(card is not None and self._on_escalate is not None)
        self.share_button.set_visibility(card is not None and card.column == Column.DONE and self._on_share is not None)
        self.gain.show(card.gain if card else None, visible=current != Column.IDEAS)
        self.readings.show(card.before if card else None, card.after if card else None, goals,
                           visible=card is not None and readings_shown(current, fields.pdca))
        for element in (self.title, self.description, self.owner, self.due):
            element.error = None
        self.general_error.set_visibility(False)
        self._warn_no_after()
        self._opened = self._snapshot()
        self._set_dirty(False)
        attrs(self.form, {'data-draft-key': self.draft_key})
        self.dialog.open()
        self._draft_call('restore')

    def close(self) -> None:
        self.dialog.close()

    @property
    def draft_key(self) -> str:
        """This form's draft in the browser: ``<unit>/<card id>``, or ``<unit>/+<column>`` for a new card."""
        return f'{self._draft_prefix}{self._card.id if self._card else "+" + self._new_column.value}'

    def _draft_call(self, function: str) -> None:
        # the key is JSON, so it is one JavaScript string whatever it holds
        self.dialog.client.run_javascript(
            f'window.boardDrafts && window.boardDrafts.{function}({json.dumps(self.draft_key)})')

    def _snapshot(self) -> tuple[object, ...]:
        return (self.title.value, self.description.value, self.goal.value, self.owner.value, self.due.value,
                self.quick_win.value, self.column.value, self.pdca.value, self.gain.enabled.value,
                self.readings.snapshot())

    def _changed(self) -> None:
        self._set_dirty(self.dialog.value and self._snapshot() != self._opened)

    def _set_dirty(self, dirty: bool) -> None:
        """A changed form closes only through its own buttons: Escape, too, does nothing then."""
        if dirty != self._dirty:
            self._dirty = dirty
            self.dialog.props(add='no-esc-dismiss' if dirty else None, remove=None if dirty else 'no-esc-dismiss')

    def _cancel(self) -> None:
        self._draft_call('clear')
        self.dialog.close()

    def _on_dialog(self, open_: bool) -> None:
        if not open_:
            self._draft_call('closed')

    @property
    def card_id(self) -> str | None:
        return self._card.id if self._card else None

    def _build(self) -> None:
        t = self._t
        # a tap beside the form never closes it (no-backdrop-dismiss); Escape only while nothing has changed
        with ui.dialog().props('no-backdrop-dismiss') as self.dialog, \
                ui.card().classes('card-dialog gap-3') as self.form:
            self.heading = ui.label().classes('dialog-heading text-2xl font-bold') \
                .props('role=heading aria-level=2')
            # the counter shows the real limit; the store checks it again (a paste is cut at the limit)
            self.title = attrs(ui.input(t('field.title')).props('outlined counter'),
                               {'maxlength': TITLE_MAX, 'data-draft-field': 'title'})
            self.title.classes('w-full').mark('dialog-title')
            self.description = attrs(ui.textarea(t('field.description')).props('outlined autogrow'),
                                     {'data-draft-field': 'description'})
            self.description.classes('w-full').mark('dialog-description')
            with ui.row().classes('w-full gap-3 items-start'):
                self.goal = ui.select({}, label=t('field.goal')).props('outlined')
                self.goal.classes('min-w-[14rem] grow').mark('dialog-goal')
                self.owner = attrs(ui.input(t('field.owner')).props('outlined'),
                                   {'maxlength': NAME_MAX * 2, 'data-draft-field': 'owner'})
                self.owner.classes('min-w-[12rem] grow').mark('dialog-owner')
            self.due = DateField(t('field.due'), t=t, today=self._today, next_meeting=self._next_meeting,
                                 marker='dialog-due')
            attrs(self.due.input, {'data-draft-field': 'due'})
            ui.label(t('field.column')).classes('text-lg font-semibold')
            self.column = ui.toggle({c.value: t(f'column.{c.value}') for c in Column})
            self.column.props('spread no-caps size=lg').classes('w-full').mark('dialog-column')
            with ui.column().classes('w-full gap-1') as pdca_row:
                ui.label(t('field.pdca')).classes('text-lg font-semibold')
                self.pdca = ui.toggle({p.value: t(f'pdca.{p.value}') for p in PdcaStage})
                self.pdca.props('spread no-caps size=lg').classes('w-full').mark('dialog-pdca')
            pdca_row.bind_visibility_from(self.column, 'value', backward=lambda v: v == Column.DOING.value)
            self.quick_win = ui.checkbox(t('field.quick_win')).classes('text-lg').mark('dialog-quick-win')
            self.gain = GainForm(t=t, full_time_week=self._full_time_week, leader=self._leader)
            self.column.on_value_change(lambda e: self.gain.set_visible(e.value != Column.IDEAS.value))
            self.readings = ReadingsForm(t=t, today=self._today)
            self.column.on_value_change(self._show_readings)
            self.pdca.on_value_change(self._show_readings)
            self.gain.status.on_value_change(self._warn_no_after)
            self.gain.enabled.on_value_change(self._warn_no_after)
            self.readings.sides['after'].value.on_value_change(self._warn_no_after)
            self.general_error = ui.label().classes('text-lg').style('color: var(--overdue)').props('role=alert')
            self._build_actions()
        self.title.on('keydown.enter', self._save)
        for element in (self.title, self.description, self.goal, self.owner, self.due.input, self.quick_win,
                        self.column, self.pdca, self.gain.enabled, *self.readings.inputs()):
            element.on_value_change(self._changed)
        self.dialog.on_value_change(lambda e: self._on_dialog(bool(e.value)))

    def _show_readings(self) -> None:
        column = Column(self.column.value)
        pdca = PdcaStage(self.pdca.value) if column == Column.DOING and self.pdca.value else None
        self.readings.set_visible(self._card is not None and readings_shown(column, pdca))
        self._warn_no_after()

    def _warn_no_after(self) -> None:
        """A leader confirming the gain as realised while the card has no *etter* measurement is told so."""
        confirming = self._leader and bool(self.gain.enabled.value) \
            and self.gain.status.value == GainStatus.REALISED.value \
            and not (self._card is not None and self._card.gain is not None and self._card.gain.realised)
        if self.readings.visible:
            measured = bool((self.readings.sides['after'].value.value or '').strip())
        else:
            measured = self._card is not None and self._card.after is not None
        self.gain.no_after.set_visibility(confirming and not measured)

    def _read(self) -> CardFields | None:
        t = self._t
        try:
            due = self.due.read()
        except ValueError:
            self.due.error = t('error.bad_date')
            return None
        column = Column(self.column.value)
        return CardFields(title=self.title.value or '', description=self.description.value or '',
                          goal_id=self.goal.value or None, owner=self.owner.value or '', due=due,
                          pdca=PdcaStage(self.pdca.value) if column == Column.DOING else None,
                          quick_win=bool(self.quick_win.value))

    async def _save(self) -> None:
        for element in (self.title, self.description, self.owner, self.due):
            element.error = None
        self.general_error.set_visibility(False)
        self.gain.clear_errors()
        self.readings.clear_errors()
        fields = self._read()
        if fields is None:
            return
        gain = self.gain.read(self._today())
        if isinstance(gain, Problem):
            self.gain.show_problem(gain)
            return
        readings: Readings = None
        if self.readings.visible:
            read = self.readings.read()
            if isinstance(read, Problem):
                self.readings.show_problem(read)
                return
            readings = read
        self.save_button.disable()
        try:
            problems = await self._on_save(self.card_id, fields, Column(self.column.value), gain, readings)
        finally:
            self.save_button.enable()
        if not problems:
            self._draft_call('clear')
            self.dialog.close()
            return
        targets = {'title': self.title, 'description': self.description, 'owner': self.owner}
        for problem in problems:
            message = self._t(problem.key, **problem.params)
            target = targets.get(problem.field)
            if target is not None:
                target.error = message
            elif not self.gain.show_problem(problem) and not self.readings.show_problem(problem):
                self.general_error.text = message
                self.general_error.set_visibility(True)

    def _open_log(self) -> None:
        if self._card is not None and self._on_log is not None:
            self._on_log(self._card)

    def _build_actions(self) -> None:
        """Delete, the card's tools (root causes, log, lift, share), cancel and save."""
        t = self._t
        with ui.row().classes('w-full justify-between pt-2'):
            with ui.row().classes('gap-3'):
                self.delete_button = ui.button(t('action.delete'), icon='delete', on_click=self._confirm_delete)
                self.delete_button.props('flat no-caps color=grey-9').classes('touch-button') \
                    .mark('dialog-delete')
                self.root_cause_button = ui.button(t('root_cause.open'), icon='account_tree',
                                                   on_click=self._open_root_causes)
                self.root_cause_button.props('flat no-caps').classes('touch-button').mark('dialog-root-causes')
                self.log_button = ui.button(t('log.open'), icon='history', on_click=self._open_log)
                self.log_button.props('flat no-caps').classes('touch-button').mark('dialog-log')
                self.escalate_button = ui.button(t('escalation.lift_to', board=self._above), icon='north',
                                                 on_click=self._escalate)
                self.escalate_button.props('flat no-caps').classes('touch-button').mark('dialog-escalate')
                self.share_button = ui.button(t('share.open'), icon='share', on_click=self._share)
                self.share_button.props('flat no-caps').classes('touch-button').mark('dialog-share')
            with ui.row().classes('gap-3'):
                attrs(ui.button(t('action.cancel'), on_click=self._cancel).props('flat no-caps'),
                      {'data-draft-cancel': ''}).classes('touch-button').mark('dialog-cancel')
                self.save_button = ui.button(t('action.save'), icon='check', on_click=self._save)
                self.save_button.classes('touch-button').mark('dialog-save')

    def _share(self) -> None:
        if self._card is not None and self._on_share is not None:
            self._on_share(self._card)

    def _escalate(self) -> None:
        if self._card is not None and self._on_escalate is not None:
            self._on_escalate(self._card)

    def _open_root_causes(self) -> None:
        if self._card is not None and self._on_root_causes is not None:
            self._on_root_causes(self._card)

    async def _confirm_delete(self) -> None:
        t = self._t
        card = self._card
        if card is None:
            return
        with ui.dialog() as confirm, ui.card().classes('gap-4 p-6'):
            ui.label(t('dialog.delete_question', title=card.title)).classes('text-xl').style(
                'overflow-wrap: anywhere')
            with ui.row().classes('w-full justify-end gap-3'):
                ui.button(t('action.cancel'), on_click=lambda: confirm.submit(False)).props('flat no-caps') \
                    .classes('touch-button')
                ui.button(t('action.delete_confirm'), icon='delete', on_click=lambda: confirm.submit(True)) \
                    .props('color=grey-9').classes('touch-button').mark('confirm-delete')
        if await confirm:
            await self._on_delete(card.id)
            self.dialog.close()
        confirm.delete()
