"""The board meeting (tavlemøte) on the wall: a countdown, a tap counter of who is there, and the agenda.

1. Goals (Mål): this week's value of each measured goal on a number pad (or − / +), its run chart at a tap, and
   the status of a goal without a measure at a tap; the goal strip stays in view through the whole meeting.
2. New ideas, one by one: take into Pågår (owner, goal, PDCA stage, due date), park, or decline with a reason.
   Every idea gets an answer.
3. Parked ideas that have waited ``parked_review_weeks`` come back, one by one, with the same three answers.
4. Work in progress, overdue first: the PDCA stage at a tap, or finished.
5. Finished work: mark done, record the gain.
6. From the leaders: their questions (answered here) and praise (shown here), and the answers of the board above
   to what the unit lifted to it.
7. Recognition (ros): "catch someone doing something right", shown on the board for the week.

Everything is done with fingers; text can be typed on the on-screen keyboard or on a phone through the QR code.
*Avslutt møtet* first shows the summary (duration, how many were there, every decision) to confirm; then the
record is kept with the unit, reaches the hub like a card does, and stays on the screen until it is closed. The
meeting lives in this screen's page; each action is written to the store at once, so nothing decided is lost if
the page is closed before the end.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from nicegui import ui

from ..domain import (
    SHORT_TEXT_MAX,
    Answer,
    Card,
    CardFields,
    Column,
    EscalationState,
    Gain,
    Goal,
    GoalStatus,
    IsoWeek,
    LeaderNote,
    Lift,
    Meeting,
    NoteKind,
    PdcaStage,
    Problem,
    Unit,
    validate_card_fields,
    week_start,
)
from .card_view import GoalChip, GoalFace, show_goal
from .date_field import DateField, next_meeting_day
from .gain_form import GainForm
from .goal_sheet import value_week
from .number_pad import NumberPad, step_for
from .theme import STATUS_CLASSES, STATUS_ICONS, Heading, attrs
from .writes import attempt, notify_problems

if TYPE_CHECKING:
    from ..context import AppContext

log = logging.getLogger(__name__)

STEPS = ('goals', 'ideas', 'parked', 'doing', 'done', 'leaders', 'recognition')


class MeetingMode:
    """One screen's board meeting. Built when the meeting starts, deleted when it ends."""

    def __init__(self, context: AppContext, unit: Unit, *, on_end: Callable[[Meeting], None],
                 on_open_goal: Callable[[str], None] = lambda _: None) -> None:
        self.context = context
        self.t = context.t
        self.store = context.store
        self.unit = unit
        self.on_end = on_end
        self.on_open_goal = on_open_goal
        self.pad_goal: str | None = None  # the goal whose value the pad is entering
        self.started = self.store.now()
        self.minutes = context.settings.meeting_minutes_for(unit.id)
        self.present = 0
        self.decisions: list[str] = []
        self.step = 'goals'
        self.skipped: set[str] = set()
        self.goal_chips: dict[str, GoalChip] = {}
        #: ideas answered in this meeting (for "idea 2 of 5")
        self.answered: set[str] = set()
        self._build()

    # --- frame ---

    def _build(self) -> None:
        t = self.t
        with ui.dialog().props('maximized persistent transition-show=fade transition-hide=fade') as self.dialog, \
                ui.card().classes('meeting w-full h-full gap-4 p-5'):
            with ui.row().classes('meeting-header w-full items-center gap-6 no-wrap'):
                Heading(t('meeting.heading', week=self.started.astimezone(self.store.timezone).isocalendar().week),
                        1).classes('meeting-heading')
                self.clock = ui.label().classes('meeting-clock').props('role=timer aria-live=off').mark('countdown')
                ui.space()
                with ui.row().classes('items-center gap-2 no-wrap'):
                    ui.label(t('meeting.present')).classes('present-label text-2xl font-semibold')
                    attrs(ui.button(icon='remove', on_click=lambda: self._count(-1)).props('round size=xl'),
                          {'aria-label': t('meeting.fewer')}).mark('present-minus')
                    self.present_label = ui.label('0').classes('meeting-present').mark('present')
                    attrs(ui.button(icon='add', on_click=lambda: self._count(1)).props('round size=xl'),
                          {'aria-label': t('meeting.more')}).mark('present-plus')
                ui.button(t('meeting.end'), icon='stop_circle', on_click=self.end).props('color=grey-9 size=lg') \
                    .classes('touch-button').mark('end-meeting')
            # the goals stay in view through the whole meeting, as on the board
            self.goal_strip = attrs(ui.row().classes('goal-strip meeting-goals w-full'),
                                    {'role': 'group', 'aria-label': t('goal.strip_label')})
            with self.goal_strip:
                for goal in self.store.goals(self.unit.id):
                    self.goal_chips[goal.id] = GoalChip(goal, GoalFace.of(self.store, goal), t=t,
                                                        on_open=self.on_open_goal)
            with attrs(ui.row().classes('meeting-steps w-full gap-3 no-wrap'),
                       {'role': 'tablist', 'aria-label': t('meeting.agenda')}):
                self.step_buttons = {}
                for number, step in enumerate(STEPS, start=1):
                    self.step_buttons[step] = ui.button(
                        f'{number}. {t(f"meeting.step_{step}")}', on_click=lambda s=step: self.show(s)) \
                        .props('no-caps size=lg role=tab').classes('meeting-step grow').mark(f'step-{step}')
            self.panel = ui.column().classes('meeting-panel w-full grow gap-4')
        with ui.dialog() as self.pad_dialog, ui.card().classes('card-dialog pad-dialog gap-3'):
            self.pad_heading = ui.label().classes('text-3xl font-bold').props('role=heading aria-level=2')
            self.pad = NumberPad(t=t, on_enter=self._enter_value, marker='meeting-pad')
            ui.button(t('action.cancel'), on_click=self.pad_dialog.close).props('flat no-caps size=lg') \
                .classes('touch-button')
        self.timer = ui.timer(1.0, self._tick)
        self._tick()
        self.show('goals')
        self.dialog.open()

    def _tick(self) -> None:
        left = self.minutes * 60 - (self.store.now() - self.started).total_seconds()
        sign = '' if left >= 0 else '+'
        seconds = abs(int(left))
        text = f'{sign}{seconds // 60:02d}:{seconds % 60:02d}'
        if self.clock.text != text:
            self.clock.text = text
            self.clock.classes(add='overtime' if left < 0 else None, remove=None if left < 0 else 'overtime')

    def _count(self, delta: int) -> None:
        self.present = max(0, min(500, self.present + delta))
        self.present_label.text = str(self.present)

    def show(self, step: str) -> None:
        self.step = step
        for name, button in self.step_buttons.items():
            button.props['aria-selected'] = 'true' if name == step else 'false'
            button.props(remove='outline' if name == step else None, add=None if name == step else 'outline')
        self.panel.clear()
        with self.panel:
            {'goals': self._goals, 'ideas': self._ideas, 'parked': self._parked, 'doing': self._doing,
             'done': self._done, 'leaders': self._leaders, 'recognition': self._recognition}[step]()

    def goal_changed(self, goal: Goal) -> None:
        """A goal changed (here, on another screen, by a leader): its chip in the meeting's strip shows it."""
        show_goal(self.goal_strip, self.goal_chips, goal, GoalFace.of(self.store, goal), t=self.t,
                          on_open=self.on_open_goal)
        if self.step == 'goals':
            self.show('goals')

    def notes_changed(self) -> None:
        """A leader's question or praise came (or was handled on another screen): the step shows it."""
        if self.step == 'leaders':
            self.show('leaders')

    def goal_values_changed(self, goal_ids: set[str]) -> None:
        """Values were entered (here or on another screen): the strip and the step Mål show them."""
        for goal in self.store.goals(self.unit.id):
            if goal.id in goal_ids:
                show_goal(self.goal_strip, self.goal_chips, goal, GoalFace.of(self.store, goal), t=self.t,
                          on_open=self.on_open_goal)
        if self.step == 'goals':
            self.show('goals')

    def _decided(self, text: str) -> None:
        self.decisions.append(text)

    async def _write(self, write: Callable[..., object], *args: object, **kwargs: Any) -> bool:
        """Write through the store; show a problem in words and return False if it was refused."""
        written = await attempt(self.store, write, *args, **kwargs)
        notify_problems(self.t, written.problems)
        return written.ok

    def _problems(self, problems: tuple[Problem, ...] | list[Problem]) -> None:
        notify_problems(self.t, problems)

    # --- 1. goals ---

    def _goals(self) -> None:
        t = self.t
        goals = self.store.goals(self.unit.id)
        if not goals:
            ui.label(t('meeting.no_goals')).classes('text-3xl')
        ui.label(t('meeting.goals_help')).classes('text-2xl')
        this_week = value_week(self.store.local_now().date())
        with ui.column().classes('w-full gap-3'):
            for goal in goals:
                with ui.row().classes('meeting-row w-full items-center gap-4').mark(f'goal-{goal.id}'):
                    ui.label(goal.name).classes('grow text-2xl font-semibold').style('overflow-wrap: anywhere')
                    if goal.measure is None:  # no values to go by: the team says how it goes
                        ui.toggle({s.value: t(f'goal_status.{s.value}') for s in GoalStatus},
                                  value=goal.status.value,
                                  on_change=lambda e, g=goal: self._goal_status(g, GoalStatus(e.value))) \
                            .props('no-caps size=lg').mark(f'goal-status-{goal.id}')
                        continue
                    values = self.store.goal_values(self.unit.id, goal.id)
                    face = GoalFace.of(self.store, goal)
                    status = face.status.value
                    attrs(ui.label(t(f'goal_status.{status}')).classes('meta-item ' + STATUS_CLASSES[status]),
                          {'data-icon': STATUS_ICONS[status]})
                    latest = values[-1] if values else None
                    if latest is not None:
                        key = 'meeting.value_this_week' if latest.on >= this_week else 'meeting.value_last'
                        ui.label(t(key, value=t.number(latest.value, decimals=3), unit=goal.measure.unit,
                                   week=IsoWeek.of(latest.on).week)).classes('text-2xl').mark(f'goal-value-{goal.id}')
                    ui.button(t('meeting.enter_value', week=IsoWeek.of(this_week).week), icon='dialpad',
                              on_click=lambda g=goal: self._open_pad(g)).props('no-caps size=lg') \
                        .classes('touch-button').mark(f'enter-value-{goal.id}')
                    attrs(ui.button(icon='show_chart', on_click=lambda g=goal: self.on_open_goal(g.id))
                          .props('flat size=lg').classes('touch-button'),
                          {'aria-label': t('meeting.show_chart', goal=goal.name)}).mark(f'chart-{goal.id}')
        ui.button(t('meeting.next_step'), icon='arrow_forward', on_click=lambda: self.show('ideas')) \
            .props('size=xl flat').classes('touch-button')

    def _open_pad(self, goal: Goal) -> None:
        values = self.store.goal_values(self.unit.id, goal.id)
        measure = goal.measure
        self.pad_goal = goal.id
        self.pad_heading.text = self.t('meeting.pad_heading', goal=goal.name,
                                       week=IsoWeek.of(value_week(self.store.local_now().date())).week)
        self.pad.set_value(values[-1].value if values else (measure.baseline if measure else None),
                           unit=measure.unit if measure else '',
                           step=step_for(*(v.value for v in values[-5:]),
                                         *((measure.target, measure.baseline) if measure else ())))
        self.pad_dialog.open()

    async def _enter_value(self, number: float) -> str | None:
        goal = self.store.goal(self.unit.id, self.pad_goal or '')
        if goal is None or goal.measure is None:
            self.pad_dialog.close()
            return None
        week = value_week(self.store.local_now().date())
        written = await attempt(self.store, self.store.record_goal_values, self.unit.id, [(goal.id, week, number)])
        if not written.ok:
            return ' '.join(self.t(p.key, **p.params) for p in written.problems)
        self.pad_dialog.close()
        self._decided(self.t('meeting.decided_value', goal=goal.name, value=self.t.number(number, decimals=3),
                             unit=goal.measure.unit, week=IsoWeek.of(week).week))
        return None

    async def _goal_status(self, goal: Goal, status: GoalStatus) -> None:
        current = next((g for g in self.store.goals(self.unit.id) if g.id == goal.id), None)
        if current is None or current.status == status:
            return
        if await self._write(self.store.save_goal, dataclasses.replace(current, status=status)):
            self._decided(self.t('meeting.decided_goal', goal=current.name,
                                 status=self.t(f'goal_status.{status.value}')))

    # --- 2. new ideas, one by one ---

    def _waiting_ideas(self) -> list[Card]:
        ideas = [c for c in self.store.cards(self.unit.id) if c.column == Column.IDEAS and c.answer is None]
        return sorted(ideas, key=lambda c: c.created_at)

    def _ideas(self) -> None:
        t = self.t
        all_waiting = self._waiting_ideas()
        waiting = [c for c in all_waiting if c.id not in self.skipped]
        done_here = len(self.answered) + len(all_waiting) - len(waiting)
        if not waiting:
            ui.label(t('meeting.no_ideas')).classes('text-3xl').mark('ideas-done')
            ui.button(t('meeting.next_step'), icon='arrow_forward', on_click=lambda: self.show('parked')) \
                .props('size=xl').classes('touch-button')
            return
        ui.label(t('meeting.idea_count', number=done_here + 1, total=len(self.answered) + len(all_waiting))) \
            .classes('text-xl')
        self._one_idea(waiting[0])

    def _one_idea(self, card: Card) -> None:
        """An idea, new or parked, with its answers: into Pågår, park (again), decline, or skip for now."""
        t = self.t
        with ui.element('article').classes('meeting-card').mark('meeting-idea'):
            ui.label(card.title).classes('meeting-card-title')
            if card.lifted_from is not None:
                ui.label(self._lifted_from(card.lifted_from)).classes('text-xl font-semibold lift-badge') \
                    .style('overflow-wrap: anywhere').mark('lifted-from')
            if card.suggested_from is not None:  # another unit's improvement, shared with this one
                ui.label(t('share.suggested_from', unit=card.suggested_from.unit_name)) \
                    .classes('text-xl font-semibold lift-badge').mark('suggested-from')
            if card.description:
                ui.label(card.description).classes('text-xl').style('white-space: pre-wrap; overflow-wrap: anywhere')
            ui.label(t('meeting.idea_from', date=t.date(card.created_at.astimezone(self.store.timezone).date()))
                     + (f' · {t("card.from_phone")}' if card.origin.value == 'phone' else '')).classes('text-lg')
            if card.answer == Answer.PARKED and card.answered_at is not None:
                ui.label(t('meeting.parked_since', date=t.date(card.answered_at.astimezone(
                    self.store.timezone).date()))).classes('text-lg').mark('parked-since')
        self.answer_area = ui.column().classes('w-full gap-3')
        with ui.element('div').classes('meeting-actions'):
            ui.button(t('meeting.accept'), icon='play_arrow', on_click=lambda: self._accept_form(card)) \
                .props('size=xl no-caps').classes('meeting-action').mark('accept')
            ui.button(t('meeting.park'), icon='local_parking', on_click=lambda: self._park(card)) \
                .props('size=xl no-caps').classes('meeting-action').mark('park')
            ui.button(t('meeting.decline'), icon='block', on_click=lambda: self._decline_form(card)) \
                .props('size=xl no-caps color=grey-9 outline').classes('meeting-action').mark('decline')
            ui.button(t('meeting.skip'), icon='skip_next', on_click=lambda: self._skip(card)) \
                .props('size=xl no-caps flat').classes('meeting-action').mark('skip')

    def _lifted_from(self, lift: Lift) -> str:
        """*Løftet fra <enhet>* and the unit's reason, read from the unit's card where this store holds it (the hub)."""
        try:
            source = self.store.card(lift.unit_id, lift.card_id)
        except KeyError:  # a screen of this board alone knows no other unit's cards
            source = None
        reason = source.escalation.reason if source is not None and source.escalation is not None else lift.reason
        if reason:
            return self.t('escalation.lifted_because', unit=lift.unit_name, reason=reason)
        return self.t('escalation.lifted_from', unit=lift.unit_name)

    def _skip(self, card: Card) -> None:
        self.skipped.add(card.id)
        self.show(self.step)

    def _accept_form(self, card: Card) -> None:
        t = self.t
        goals = self.store.goals(self.unit.id)
        self.answer_area.clear()
        with self.answer_area, ui.row().classes('w-full gap-4 items-start'):
            owner = ui.input(t('field.owner'), value=card.owner).props('outlined').classes('text-xl min-w-[16rem]') \
                .mark('accept-owner')
            goal = ui.select({'': t('dialog.no_goal'), **{g.id: g.name for g in goals}}, value=card.goal_id or '',
                             label=t('field.goal')).props('outlined').classes('min-w-[16rem]').mark('accept-goal')
            due = DateField(t('field.due'), t=t, today=lambda: self.store.local_now().date(),
                            next_meeting=self._next_meeting, marker='accept-due')
            due.refresh()
            pdca = ui.toggle({p.value: t(f'pdca.{p.value}') for p in PdcaStage}, value=PdcaStage.PLAN.value) \
                .props('no-caps size=lg').mark('accept-pdca')

            async def confirm() -> None:
                try:
                    due_date = due.read()
                except ValueError:
                    due.error = t('error.bad_date')
                    return
                fields = CardFields(title=card.title, description=card.description, goal_id=goal.value or None,
                                    owner=owner.value or '', due=due_date, pdca=PdcaStage(pdca.value),
                                    quick_win=card.quick_win)
                problems = validate_card_fields(fields, self.store.goals(self.unit.id))
                if problems:  # checked before the move, so a refused answer leaves the idea where it was
                    self._problems(problems)
                    return
                if not await self._write(self.store.move_card, self.unit.id, card.id, Column.DOING, 0):
                    return
                await self._write(self.store.edit_card, self.unit.id, card.id, fields)
                self._decided(t('meeting.decided_doing', title=card.title, owner=fields.owner or '-'))
                self.answered.add(card.id)
                self.show(self.step)

            ui.button(t('meeting.confirm'), icon='check', on_click=confirm).props('size=xl') \
                .classes('touch-button').mark('accept-confirm')

    async def _park(self, card: Card) -> None:
        if await self._write(self.store.answer_idea, self.unit.id, card.id, Answer.PARKED):
            self._decided(self.t('meeting.decided_parked', title=card.title))
            self.answered.add(card.id)
            self.show(self.step)

    def _decline_form(self, card: Card) -> None:
        t = self.t
        self.answer_area.clear()
        with self.answer_area, ui.row().classes('w-full gap-4 items-start'):
            reason = ui.input(t('meeting.reason')).props('outlined maxlength=600').classes('grow text-xl') \
                .mark('decline-reason')

            async def confirm() -> None:
                if await self._write(self.store.answer_idea, self.unit.id, card.id, Answer.DECLINED,
                                     reason.value or ''):
                    self._decided(t('meeting.decided_declined', title=card.title, reason=(reason.value or '').strip()))
                    self.answered.add(card.id)
                    self.show(self.step)

            ui.button(t('meeting.confirm'), icon='check', on_click=confirm).props('size=xl color=grey-9') \
                .classes('touch-button').mark('decline-confirm')

    # --- 3. parked ideas, back after parked_review_weeks ---

    def _parked_ideas(self) -> list[Card]:
        return parked_for_review(self.store.cards(self.unit.id), self.store.now(),
                                 self.context.settings.parked_review_weeks)

    def _parked(self) -> None:
        t = self.t
        waiting = [c for c in self._parked_ideas() if c.id not in self.skipped and c.id not in self.answered]
        if not waiting:
            ui.label(t('meeting.no_parked', weeks=self.context.settings.parked_review_weeks)).classes('text-3xl') \
                .mark('parked-done')
            ui.button(t('meeting.next_step'), icon='arrow_forward', on_click=lambda: self.show('doing')) \
                .props('size=xl').classes('touch-button')
            return
        count = len(waiting)
        ui.label(t('meeting.parked_count_one') if count == 1 else t('meeting.parked_count', count=count)) \
            .classes('text-xl')
        self._one_idea(waiting[0])

    # --- 4. work in progress, overdue first ---

    def _doing(self) -> None:
        t = self.t
        today = self.store.local_now().date()
        cards = [c for c in self.store.cards(self.unit.id) if c.column == Column.DOING]
        cards.sort(key=lambda c: (not c.is_overdue(today), c.due or date.max, c.sort_key()))
        if not cards:
            ui.label(t('meeting.no_doing')).classes('text-3xl')
        with ui.column().classes('w-full gap-3'):
            for card in cards:
                with ui.row().classes('meeting-row w-full items-center gap-4').mark(f'doing-{card.id}'):
                    with ui.column().classes('grow gap-0 min-w-0'):
                        ui.label(card.title).classes('text-2xl font-semibold').style('overflow-wrap: anywhere')
                        facts = [card.owner] if card.owner else []
                        if card.due is not None:
                            key = 'card.overdue' if card.is_overdue(today) else 'meeting.due'
                            facts.append(t(key, date=t.date(card.due)))
                        ui.label(' · '.join(facts)).classes(
                            'text-lg' + (' meta-overdue' if card.is_overdue(today) else ''))
                    ui.toggle({p.value: t(f'pdca.{p.value}') for p in PdcaStage},
                              value=(card.pdca or PdcaStage.PLAN).value,
                              on_change=lambda e, c=card: self._stage(c, PdcaStage(e.value))) \
                        .props('no-caps size=lg').mark(f'pdca-{card.id}')
                    ui.button(t('meeting.mark_done'), icon='done_all', on_click=lambda c=card: self._finish(c)) \
                        .props('size=lg no-caps').classes('touch-button').mark(f'finish-{card.id}')
        ui.button(t('meeting.next_step'), icon='arrow_forward', on_click=lambda: self.show('done')) \
            .props('size=xl flat').classes('touch-button')

    async def _stage(self, card: Card, stage: PdcaStage) -> None:
        current = self.store.card(self.unit.id, card.id)
        if current is None or current.pdca == stage:
            return
        fields = dataclasses.replace(current.fields(), pdca=stage)
        if await self._write(self.store.edit_card, self.unit.id, card.id, fields):
            self._decided(self.t('meeting.decided_pdca', title=card.title, stage=self.t(f'pdca.{stage.value}')))

    async def _finish(self, card: Card) -> None:
        if await self._write(self.store.move_card, self.unit.id, card.id, Column.DONE, 0):
            self._decided(self.t('meeting.decided_done', title=card.title))
            self.show(self.step)

    # --- 5. finished work and its gain ---

    def _done(self) -> None:
        t = self.t
        since = self._since()
        cards = [c for c in self.store.cards(self.unit.id)
                 if c.column == Column.DONE and c.finished_at is not None and c.finished_at >= since]
        cards.sort(key=lambda c: c.finished_at or c.created_at)
        if not cards:
            ui.label(t('meeting.no_done')).classes('text-3xl')
        fte = self.context.settings.full_time_week
        with ui.column().classes('w-full gap-3'):
            for card in cards:
                with ui.row().classes('meeting-row w-full items-center gap-4').mark(f'done-{card.id}'):
                    ui.label(card.title).classes('grow text-2xl font-semibold').style('overflow-wrap: anywhere')
                    if card.gain is not None:
                        ui.label(t('gain.badge', fte=t.number(card.gain.fte(fte), 2))).classes('gain-badge text-xl')
                    ui.button(t('meeting.record_gain'), icon='savings', on_click=lambda c=card: self._gain_dialog(c)) \
                        .props('size=lg no-caps outline').classes('touch-button').mark(f'gain-{card.id}')
        ui.button(t('meeting.next_step'), icon='arrow_forward', on_click=lambda: self.show('leaders')) \
            .props('size=xl flat').classes('touch-button')

    # --- 6. from the leaders: their questions and praise, and the answers to what the unit lifted ---

    def _leaders(self) -> None:
        t = self.t
        notes = [n for n in self.store.leader_notes(self.unit.id) if n.open]
        since = self._since()
        answers = [c for c in self.store.escalations(self.unit.id) if c.escalation is not None and (
            c.escalation.state == EscalationState.WAITING or (c.escalation.answered_at or since) >= since)]
        if not notes and not answers:
            ui.label(t('meeting.no_leaders')).classes('text-3xl').mark('leaders-none')
        with ui.column().classes('w-full gap-3'):
            for note in notes:
                kind = t(f'leader_note.kind_{note.kind.value}')
                with ui.column().classes('meeting-row w-full gap-2').mark(f'note-{note.id}'):
                    ui.label(t('leader_note.from_leader', kind=kind, by=note.by)).classes('text-xl font-semibold')
                    ui.label(note.text).classes('text-2xl').style('overflow-wrap: anywhere')
                    if note.kind == NoteKind.QUESTION:
                        answer = attrs(ui.input(t('leader_note.answer')).props('outlined'),
                                       {'maxlength': SHORT_TEXT_MAX}).classes('w-full').mark(f'note-answer-{note.id}')
                        ui.button(t('action.save'), icon='check',
                                  on_click=lambda n=note, a=answer: self._answer_note(n, a)) \
                            .props('no-caps size=lg').classes('touch-button').mark(f'note-save-{note.id}')
                    else:
                        ui.button(t('leader_note.shown_button'), icon='favorite',
                                  on_click=lambda n=note: self._answer_note(n, None)) \
                            .props('no-caps size=lg').classes('touch-button').mark(f'note-shown-{note.id}')
            for card in answers:
                escalation = card.escalation
                assert escalation is not None
                with ui.row().classes('meeting-row w-full items-center gap-4').mark(f'answer-{card.id}'):
                    ui.label(card.title).classes('grow text-2xl font-semibold').style('overflow-wrap: anywhere')
                    ui.label(t(f'escalation.state_{escalation.state.value}', board=escalation.to_name,
                               note=escalation.answer_note).rstrip(': ')).classes('text-xl lift-badge')
        ui.button(t('meeting.next_step'), icon='arrow_forward', on_click=lambda: self.show('recognition')) \
            .props('size=xl flat').classes('touch-button')

    async def _answer_note(self, note: LeaderNote, answer: ui.input | None) -> None:
        text = (answer.value or '') if answer is not None else ''
        if answer is not None:
            answer.error = None
        written = await attempt(self.store, self.store.handle_leader_note, self.unit.id, note.id, text)
        if not written.ok:
            if answer is not None:
                answer.error = ' '.join(self.t(p.key, **p.params) for p in written.problems)
            else:
                notify_problems(self.t, written.problems)
            return
        kind = self.t(f'leader_note.kind_{note.kind.value}')
        self._decided(f'{kind}: {note.text}' + (f' – {text.strip()}' if text.strip() else ''))
        self.show('leaders')

    def _next_meeting(self) -> date | None:
        last = self.store.last_meeting(self.unit.id)
        started = last.started_at.astimezone(self.store.timezone).date() if last is not None else None
        return next_meeting_day(self.store.local_now().date(), started)

    def _since(self) -> datetime:
        """Finished work since the last meeting (or this week, for the first one)."""
        last = self.store.last_meeting(self.unit.id)
        return last.ended_at if last is not None else week_start(self.store.local_now())

    def _gain_dialog(self, card: Card) -> None:
        t = self.t
        with ui.dialog() as dialog, ui.card().classes('card-dialog gap-3'):
            ui.label(t('meeting.gain_for', title=card.title)).classes('text-2xl font-bold') \
                .style('overflow-wrap: anywhere')
            form = GainForm(t=t, full_time_week=self.context.settings.full_time_week)
            form.show(card.gain, visible=True)
            form.enabled.value = True

            async def save() -> None:
                form.clear_errors()
                gain = form.read(self.store.local_now().date())
                if isinstance(gain, Problem):
                    form.show_problem(gain)
                    return
                written = await attempt(self.store, self.store.set_gain, self.unit.id, card.id, gain)
                notify_problems(t, [p for p in written.problems if not form.show_problem(p)])
                saved = written.value
                if saved is None:
                    return
                if isinstance(saved.gain, Gain):
                    fte = t.number(saved.gain.fte(self.context.settings.full_time_week), 2)
                    self._decided(t('meeting.decided_gain', title=card.title, fte=fte))
                dialog.close()
                self.show('done')

            with ui.row().classes('w-full justify-end gap-3'):
                ui.button(t('action.cancel'), on_click=dialog.close).props('flat').classes('touch-button')
                ui.button(t('action.save'), icon='check', on_click=save).classes('touch-button').mark('gain-save')
        dialog.open()

    # --- 7. recognition ---

    def _recognition(self) -> None:
        t = self.t
        ui.label(t('meeting.recognition_help')).classes('text-2xl')
        with ui.row().classes('w-full gap-3 items-start'):
            text = ui.input(t('meeting.recognition')).props('outlined maxlength=600').classes('grow text-xl') \
                .mark('recognition-text')

            async def add() -> None:
                value = (text.value or '').strip()
                if await self._write(self.store.add_recognition, self.unit.id, value):
                    self._decided(t('meeting.decided_ros', text=value))
                    self.show('recognition')

            ui.button(t('meeting.add_recognition'), icon='favorite', on_click=add).props('size=xl no-caps') \
                .classes('touch-button').mark('recognition-add')
        week = self.store.local_now().isocalendar()[:2]
        with ui.column().classes('w-full gap-2'):
            for recognition in self.store.recognitions(self.unit.id):
                if recognition.created_at.astimezone(self.store.timezone).isocalendar()[:2] == week:
                    ui.label(recognition.text).classes('recognition text-2xl').props('data-icon=favorite')

    # --- the end ---

    async def end(self) -> None:
        """*Avslutt møtet*: the summary first, to confirm; nothing is kept until then."""
        t = self.t
        ended = self.store.now()
        minutes = max(0, round((ended - self.started).total_seconds() / 60))
        with ui.dialog().props('persistent') as confirm, ui.card().classes('card-dialog gap-4 p-6') \
                .mark('meeting-summary'):
            Heading(t('meeting.summary_heading'), 2)
            ui.label(t('meeting.summary_facts', minutes=minutes, present=self.present,
                       decisions=len(self.decisions))).classes('text-2xl')
            self._decision_list(self.decisions)
            with ui.row().classes('w-full justify-end gap-3'):
                ui.button(t('meeting.summary_back'), on_click=lambda: confirm.submit(False)) \
                    .props('flat no-caps size=lg').classes('touch-button').mark('summary-back')
                ui.button(t('meeting.summary_save'), icon='check', on_click=lambda: confirm.submit(True)) \
                    .props('no-caps size=lg').classes('touch-button').mark('summary-save')
        confirmed = await confirm
        confirm.delete()
        if confirmed:
            await self._save()

    async def _save(self) -> None:
        t = self.t
        meeting = Meeting(id=uuid.uuid4().hex, unit_id=self.unit.id, started_at=self.started,
                          ended_at=self.store.now(), present=self.present, decisions=tuple(self.decisions))
        if not await self._write(self.store.record_meeting, meeting):
            return
        log.info('board meeting of unit %s: %d min, %d present, %d decisions', self.unit.id, meeting.minutes,
                 meeting.present, len(meeting.decisions))
        self.timer.cancel()
        self.on_end(meeting)
        # the record stays on the screen until someone closes it: the meeting can read it back
        self.panel.clear()
        for button in self.step_buttons.values():
            button.set_visibility(False)
        with self.panel:
            with ui.element('section').classes('w-full').mark('meeting-record'):
                Heading(t('meeting.record_heading'), 2)
                ui.label(t('meeting.saved', minutes=meeting.minutes, present=meeting.present,
                           decisions=len(meeting.decisions))).classes('text-2xl')
                self._decision_list(meeting.decisions)
            ui.button(t('meeting.record_close'), icon='close', on_click=self._close) \
                .props('no-caps size=xl').classes('touch-button').mark('record-close')

    def _close(self) -> None:
        self.dialog.close()
        self.dialog.delete()

    def _decision_list(self, decisions: list[str] | tuple[str, ...]) -> None:
        if not decisions:
            ui.label(self.t('meeting.no_decisions')).classes('text-2xl')
            return
        with ui.element('ol').classes('meeting-decisions text-2xl'):
            for decision in decisions:
                with ui.element('li'):
                    ui.label(decision).style('overflow-wrap: anywhere')


def parked_for_review(cards: list[Card], now: datetime, weeks: int) -> list[Card]:
    """Parked ideas that have waited ``weeks`` since they were parked: back on the meeting's agenda, oldest first."""
    cutoff = now - timedelta(weeks=weeks)
    due = [c for c in cards if c.column == Column.IDEAS and c.answer == Answer.PARKED
           and c.answered_at is not None and c.answered_at <= cutoff]
    return sorted(due, key=lambda c: c.answered_at or c.created_at)
