"""Issue 17, item 3: spreading what works. A finished card shared with other units appears among their ideas as
*Forslag fra …*, answered in their meetings; the original counts the units that took it into use; each adopting unit
records its own gain, and the roll-ups count each unit's gain once."""

from __future__ import annotations

import pytest

from board.domain import Answer, CardFields, Column, Gain, GainCategory, RuleViolation
from board.gains import entries_of, summarise
from board.store.core import suggestion_id

from ..conftest import Hub
from ..factories import OTHER_UNIT, UNIT
from ..helpers import eventually


async def test_a_shared_card_reaches_the_chosen_units_and_counts_who_took_it_into_use(hub: Hub):
    store = hub.store
    card = await hub.do.create_card(UNIT, CardFields(title='Fast plass for rullatorene'), column=Column.DOING)
    with pytest.raises(RuleViolation):
        await hub.do.share_card(UNIT, card.id, [OTHER_UNIT])  # only a finished improvement is shared
    await hub.do.move_card(UNIT, card.id, Column.DONE, 0)
    for bad in ([], [UNIT], ['finnes-ikke']):
        with pytest.raises(RuleViolation):
            await hub.do.share_card(UNIT, card.id, bad)
    await hub.do.share_card(UNIT, card.id, [OTHER_UNIT])
    copy_id = suggestion_id(OTHER_UNIT, UNIT, card.id)
    await eventually(lambda: store.card(OTHER_UNIT, copy_id) is not None, seconds=1)
    copy = store.card(OTHER_UNIT, copy_id)
    assert copy is not None and copy.column == Column.IDEAS and copy.unseen
    assert copy.suggested_from is not None and copy.suggested_from.unit_name == 'Avdeling A'
    # parked in the other unit's meeting: not (yet) in use
    await hub.do.answer_idea(OTHER_UNIT, copy_id, Answer.PARKED)
    assert store.card(UNIT, card.id).adopted_by == ()  # type: ignore[union-attr]
    # taken into Pågår: counted on the original
    await hub.do.move_card(OTHER_UNIT, copy_id, Column.DOING, 0)
    await eventually(lambda: store.card(UNIT, card.id).adopted_by == (OTHER_UNIT,))  # type: ignore[union-attr]
    # sharing again does not make a second copy
    await hub.do.share_card(UNIT, card.id, [OTHER_UNIT])
    assert sum(1 for c in store.cards(OTHER_UNIT) if c.suggested_from) == 1


async def test_each_units_gain_is_counted_once_in_the_roll_ups(hub: Hub):
    store = hub.store
    today = store.local_now().date()
    card = await hub.do.create_card(UNIT, CardFields(title='Ny vaktbok'), column=Column.DOING)
    own = Gain(categories=(GainCategory.CAPACITY,), hours_per_week=3.75, identified_on=today)
    await hub.do.set_gain(UNIT, card.id, own)
    await hub.do.move_card(UNIT, card.id, Column.DONE, 0)
    await hub.do.share_card(UNIT, card.id, [OTHER_UNIT])
    copy_id = suggestion_id(OTHER_UNIT, UNIT, card.id)
    await eventually(lambda: store.card(OTHER_UNIT, copy_id) is not None, seconds=1)
    assert store.card(OTHER_UNIT, copy_id).gain is None  # type: ignore[union-attr]  # its own gain, not a copy
    await hub.do.move_card(OTHER_UNIT, copy_id, Column.DOING, 0)
    theirs = Gain(categories=(GainCategory.CAPACITY,), hours_per_week=1.875, identified_on=today)
    await hub.do.set_gain(OTHER_UNIT, copy_id, theirs)
    await eventually(lambda: store.card(UNIT, card.id).adopted_by == (OTHER_UNIT,))  # type: ignore[union-attr]
    cards = store.cards(UNIT) + store.cards(OTHER_UNIT)
    summary = summarise(entries_of(cards), store.organisation, full_time_week=37.5)
    assert summary.organisation.identified == pytest.approx((3.75 + 1.875) / 37.5)  # 0.15 årsverk: each once
    assert summary.units[UNIT].identified == pytest.approx(0.1)
    assert summary.units[OTHER_UNIT].identified == pytest.approx(0.05)
