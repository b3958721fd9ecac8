"""One card on the wall, and one goal in the goals strip: elements that redraw only themselves.

A change to a card redraws that card's one element (its props) and nothing else on the board, which keeps an
update small when 70 screens are connected.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, TypedDict

from nicegui import ui

from ..domain import Answer, Card, Column, Goal, GoalStatus, Origin
from ..domain.runchart import goal_status
from ..i18n import Translator
from .theme import NO_GOAL_COLOUR, STATUS_CLASSES, STATUS_ICONS, attrs, safe_colour

if TYPE_CHECKING:
    from ..store import Store

__all__ = ['NO_GOAL_COLOUR', 'CardView', 'GoalChip', 'GoalFace', 'MetaItem', 'readable_colour', 'readings_text',
           'show_goal', 'shown_goals']


#: one item of a card's meta line, as the component ``card_view.js`` draws it: its text, the board's own classes
#: (``meta-item new-badge``, never data), the icon drawn before it, a text colour and a tooltip
MetaItem = TypedDict('MetaItem', {'text': str, 'class': str, 'icon': str, 'colour': str, 'hint': str}, total=False)


class CardView(ui.element, component='card_view.js'):
    """A card: goal colour bar and icon, drag handle, title and what matters in the meeting.

    One element (the Vue component ``card_view.js`` draws the handle, the title and the meta line): a wave of
    phone ideas reaching 70 connected screens builds, sends and draws one element per card, not six. A card
    registers no event handler of its own: the column listens for taps and keys on its cards (see
    ``BoardScreen``), and icons are drawn by the stylesheet from ``data-icon``.

    The card's id, title, the goal's colour, icon and name are data (from a phone, a wall screen's push, an
    import): they are values of props the component binds as text or as one attribute's value, never written into
    a props or style string that NiceGUI would parse; the meta items' classes are the board's own.
    """

    def __init__(self, card: Card, goal: Goal | None, *, t: Translator, today: date,
                 full_time_week: float = 37.5) -> None:
        super().__init__()
        self.card_id = card.id
        self._t = t
        self._full_time_week = full_time_week
        self._shown: tuple[object, ...] | None = None
        self.classes('board-card')
        # data-card-id: the attribute the column's click and key handlers read back (OPEN_CARD_ON_CLICK/KEY in
        # board_page); handle: the drag handle's label, a prop of the component
        attrs(self, {'data-card-id': card.id, 'role': 'listitem', 'tabindex': '0', 'handle': t('card.drag_handle')})
        self.mark(f'card-{card.id}')
        self.show(card, goal, today)

    @property
    def title(self) -> str:
        return str(self.props['title'])

    @property
    def meta(self) -> list[str]:
        """The texts of the card's meta line, in order (what a test or a reader of the page sees)."""
        return [item['text'] for item in self.props['items']]

    def _displayed_contents(self, *, only_visible: bool) -> list[object]:
        return [*super()._displayed_contents(only_visible=only_visible), self.props['title'], *self.meta]

    def show(self, card: Card, goal: Goal | None, today: date) -> None:
        """Redraw the card if anything it shows has changed; otherwise send nothing."""
        shown = (card.title, card.column, card.goal_id, goal, card.owner, card.due, card.pdca, card.quick_win,
                 card.origin, card.unseen, card.due is not None and card.is_overdue(today), card.gain,
                 card.answer, bool(card.whys or card.causes), card.before, card.after, card.escalation,
                 card.lifted_from, card.shared_to, card.adopted_by, card.suggested_from, card.vsa,
                 card.from_citizen)
        if shown == self._shown:
            return
        self._shown = shown
        items: list[MetaItem] = []
        self._meta(items, card, goal, today)
        self.style['--goal-colour'] = safe_colour(goal.colour) if goal else NO_GOAL_COLOUR
        self.classes(add='is-new' if card.unseen else None, remove=None if card.unseen else 'is-new')
        self.props['title'] = card.title
        # a tuple: NiceGUI keeps it as it is (a list would be wrapped in observers of changes made in place)
        self.props['items'] = tuple(items)

    def _lift(self, items: list[MetaItem], card: Card) -> None:
        """Lifted from a unit below (on the board above); lifted to the board above, and its answer (on the unit's)."""
        t = self._t
        if card.lifted_from is not None:
            lift = card.lifted_from
            text = t('escalation.lifted_because', unit=lift.unit_name, reason=lift.reason) if lift.reason \
                else t('escalation.lifted_from', unit=lift.unit_name)
            _item(items, 'south', text, classes='lift-badge')
        if card.vsa is not None:
            _item(items, 'account_tree', t('vsa.card_badge', name=card.vsa.name))
        if card.escalation is not None:
            escalation = card.escalation
            text = t(f'escalation.state_{escalation.state.value}', board=escalation.to_name or escalation.to,
                     note=escalation.answer_note)
            _item(items, 'north', text.rstrip(': '), classes='lift-badge')
        if card.suggested_from is not None:
            _item(items, 'lightbulb', t('share.suggested_from', unit=card.suggested_from.unit_name),
                  classes='lift-badge')
        if card.adopted_by:
            adopted = len(card.adopted_by)
            _item(items, 'share', t(_counted('share.adopted', adopted), count=adopted), classes='lift-badge')
        elif card.shared_to:
            shared = len(card.shared_to)
            _item(items, 'share', t(_counted('share.shared', shared), count=shared), classes='lift-badge')

    def _origin(self, items: list[MetaItem], card: Card) -> None:
        """Where the idea came from, when not from the board itself: a staff phone, or a citizen (approved)."""
        if card.origin == Origin.PHONE:
            _item(items, 'smartphone', self._t('card.from_phone'))
        if card.from_citizen:
            _item(items, 'groups', self._t('card.from_citizen'), classes='citizen-badge')

    def _meta(self, items: list[MetaItem], card: Card, goal: Goal | None, today: date) -> None:
        t = self._t
        if card.unseen:
            _item(items, 'new_releases', t('card.new'), classes='new-badge')
        if goal is not None:
            _item(items, goal.icon, goal.name, colour=readable_colour(goal.colour))
        if card.column == Column.DOING and card.pdca is not None:
            _item(items, None, t(f'pdca.{card.pdca.value}'), classes='pdca-badge', hint=t('card.pdca_stage'),
                  plain=True)
        if card.owner:
            _item(items, 'person', card.owner)
        if card.due is not None:
            if card.is_overdue(today):
                _item(items, 'alarm', t('card.overdue', date=t.date(card.due)), classes='meta-overdue')
            else:
                _item(items, 'event', t.date(card.due))
        if card.quick_win:
            _item(items, 'bolt', t('card.quick_win'), classes='quick-win')
        self._origin(items, card)
        if card.whys or card.causes:
            _item(items, 'account_tree', t('root_cause.badge'))
        self._lift(items, card)
        if card.answer == Answer.PARKED and card.column == Column.IDEAS:
            _item(items, 'local_parking', t('card.parked'), classes='parked-badge')
        if card.column != Column.IDEAS:
            self._results(items, card)

    def _results(self, items: list[MetaItem], card: Card) -> None:
        """What a card in Pågår or Ferdig has achieved: før and etter, and its gain."""
        t = self._t
        if card.before is not None or card.after is not None:
            _item(items, 'compare_arrows', readings_text(t, card), classes='reading-badge')
        if card.gain is not None:
            fte = t('gain.badge_realised' if card.gain.realised else 'gain.badge',
                    fte=t.number(card.gain.fte(self._full_time_week), 2))
            _item(items, 'verified' if card.gain.realised else 'savings', fte,
                       classes='gain-badge realised' if card.gain.realised else 'gain-badge')


class GoalChip(ui.row):
    """A goal in the strip at the top: colour, icon, name, status (icon and word), the last value and the target.

    The status is the rule's (``board.domain.runchart.goal_status``) unless set by hand. A tap (or Enter) opens
    the goal full screen (``on_open``); a unit has a handful of goals, so each chip listens for itself.
    """

    def __init__(self, goal: Goal, face: GoalFace, *, t: Translator,
                 on_open: Callable[[str], object] | None = None) -> None:
        super().__init__(wrap=False)
        self.goal_id = goal.id
        self._t = t
        self._shown: tuple[object, ...] | None = None
        self.classes('goal-chip')
        # the strip is a group of these buttons (role=group): a list would need list items, and a tap opens the goal
        if on_open is not None:
            attrs(self, {'role': 'button', 'tabindex': '0', 'aria-label': t('goal.open', name=goal.name)})
            self.on('click', lambda: on_open(self.goal_id))
            self.on('keydown.enter', lambda: on_open(self.goal_id))
        self.mark(f'goal-chip-{goal.id}')
        self.show(goal, face)

    def show(self, goal: Goal, face: GoalFace) -> None:
        if (goal, face) == self._shown:
            return
        self._shown = (goal, face)
        t = self._t
        self.style['--goal-colour'] = safe_colour(goal.colour)
        self.clear()
        with self:
            icon = ui.icon(goal.icon, size='1.8rem').props('aria-hidden=true')  # the name is a prop's value
            icon.style['color'] = readable_colour(goal.colour)
            ui.label(goal.name).classes('goal-name')
            status = face.status.value
            with ui.element('span').classes('meta-item ' + STATUS_CLASSES[status]):
                ui.icon(STATUS_ICONS[status], size='1.6rem').props('aria-hidden=true')
                ui.label(t(f'goal_status.{status}'))
            if goal.measure is not None:
                target = t.number(goal.measure.target, decimals=3)
                if face.last is not None:
                    ui.label(t('goal.target', current=t.number(face.last, decimals=3), target=target,
                               unit=goal.measure.unit)).classes('goal-value')
                else:
                    ui.label(t('goal.target_only', target=target, unit=goal.measure.unit)).classes('goal-value')


@dataclass(frozen=True, slots=True)
class GoalFace:
    """What a goal's chip shows beside the goal: its status now and its last value."""
    status: GoalStatus
    last: float | None = None

    @classmethod
    def of(cls, store: Store, goal: Goal) -> GoalFace:
        values = store.goal_values(goal.unit_id, goal.id)
        reading = goal_status(goal, values, store.local_now().date())
        return cls(reading.status, values[-1].value if values else None)


def shown_goals(store: Store, unit_id: str) -> list[Goal]:
    """The unit's goals as its board shows them: with the status their values give (or the one set by hand)."""
    return [dataclasses.replace(g, status=GoalFace.of(store, g).status) for g in store.goals(unit_id)]


def show_goal(strip: ui.element, chips: dict[str, GoalChip], goal: Goal, face: GoalFace, *, t: Translator,
              on_open: Callable[[str], object] | None = None) -> None:
    """A goal changed: its chip in ``strip`` shows it, a new goal gets a new chip, a retired one leaves."""
    chip = chips.get(goal.id)
    if goal.retired:
        if chip is not None:
            chips.pop(goal.id).delete()
    elif chip is None:
        with strip:
            chips[goal.id] = GoalChip(goal, face, t=t, on_open=on_open)
    else:
        chip.show(goal, face)


def readings_text(t: Translator, card: Card) -> str:
    """Før and etter in a few words: "Før 5 → etter 2 fall/mnd" (the unit once when both share it)."""
    before, after = card.before, card.after
    if before is not None and after is not None:
        if before.unit == after.unit:
            return t('reading.badge', before=t.number(before.value, 2), after=t.number(after.value, 2),
                     unit=before.unit).strip()
        return t('reading.badge_units', before=t.number(before.value, 2), before_unit=before.unit,
                 after=t.number(after.value, 2), after_unit=after.unit).strip()
    if before is not None:
        return t('reading.badge_before', before=t.number(before.value, 2), unit=before.unit).strip()
    assert after is not None
    return t('reading.badge_after', after=t.number(after.value, 2), unit=after.unit).strip()


def _counted(key: str, count: int) -> str:
    """The message for one (``<key>_one``: "1 enhet") or for several."""
    return f'{key}_one' if count == 1 else key


def _item(items: list[MetaItem], icon: str | None, text: str, *, classes: str = '', colour: str | None = None,
          hint: str | None = None, plain: bool = False) -> None:
    """One item of the meta line: the text, with the icon drawn before it by the stylesheet (``data-icon``).

    ``classes`` are the board's own, always literals here: the component binds them to ``class`` as they are,
    so data must never reach them (tests/tools/utilities_css.py reads them from the ``classes=`` keywords).
    """
    item: MetaItem = {'text': text, 'class': classes if plain else f'meta-item {classes}'.strip()}
    if icon is not None:
        item['icon'] = icon
    if colour is not None:
        item['colour'] = colour
    if hint is not None:
        item['hint'] = hint
    items.append(item)


def readable_colour(colour: str) -> str:
    """The goal colour, darkened where it is too light to read as text on white (WCAG contrast 4.5:1).

    Always a plain ``#rrggbb``: anything that is not one gives a dark grey.
    """
    if safe_colour(colour, '') != colour:
        return '#1a1a1a'
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    for _ in range(20):
        if _contrast_on_white(red, green, blue) >= 4.5:
            break
        red, green, blue = (int(c * 0.85) for c in (red, green, blue))
    return f'#{red:02x}{green:02x}{blue:02x}'


def _contrast_on_white(red: int, green: int, blue: int) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4
    luminance = 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)
    return 1.05 / (luminance + 0.05)
