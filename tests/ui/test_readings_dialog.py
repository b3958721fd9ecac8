"""Før og etter in a card's dialog at the wall (issue 15): decimal comma, dates not ahead, a goal's unit, clear
messages and nothing stored on bad input; the card shows before -> after compactly."""

import dataclasses
from datetime import timedelta

from board.domain import CardFields, Column, PdcaStage, Reading

from ..conftest import Hub
from ..factories import UNIT
from ..helpers import eventually, open_board, tap_card


async def card_at_check(hub: Hub, title: str = 'Færre fall om natta'):
    card = await hub.do.create_card(UNIT, CardFields(title=title), column=Column.DOING)
    return await hub.do.edit_card(UNIT, card.id, dataclasses.replace(card.fields(), pdca=PdcaStage.CHECK))


async def test_before_and_after_are_typed_the_norwegian_way_and_shown_on_the_card(hub: Hub):
    card = await card_at_check(hub)
    today = hub.store.local_now().date()
    user = await open_board(hub)
    tap_card(user, card)
    await user.should_see('Før og etter')
    user.find(marker='reading-before-value').type('3,5')
    user.find(marker='reading-before-unit').type('fall/mnd')
    user.find(marker='reading-before-on').type((today - timedelta(days=30)).strftime('%d.%m.%Y'))
    user.find(marker='reading-after-value').type('abc')
    user.find(marker='reading-after-on-chip-today').click()
    user.find(marker='dialog-save').click()
    [after_value] = user.find(marker='reading-after-value').elements
    await eventually(lambda: after_value.error == 'Skriv et tall, for eksempel 3,5.')
    assert hub.store.card(UNIT, card.id).before is None  # nothing stored
    user.find(marker='reading-after-value').clear().type('2')
    user.find(marker='reading-after-unit').type('fall/mnd')
    user.find(marker='dialog-save').click()
    await eventually(lambda: hub.store.card(UNIT, card.id).after is not None)
    saved = hub.store.card(UNIT, card.id)
    assert saved.before == Reading(value=3.5, unit='fall/mnd', on=today - timedelta(days=30))
    assert saved.after == Reading(value=2, unit='fall/mnd', on=today)
    await user.should_see('Før 3,5 → etter 2 fall/mnd')


async def test_a_future_date_is_refused_beside_the_field(hub: Hub):
    card = await card_at_check(hub)
    tomorrow = hub.store.local_now().date() + timedelta(days=1)
    user = await open_board(hub)
    tap_card(user, card)
    user.find(marker='reading-after-value').type('2')
    user.find(marker='reading-after-on').type(tomorrow.strftime('%d.%m.%Y'))
    user.find(marker='dialog-save').click()
    [on] = user.find(marker='reading-after-on').elements
    await eventually(lambda: on.error == 'Datoen kan ikke være fram i tid.')
    assert hub.store.card(UNIT, card.id).after is None


async def test_choosing_a_measured_goal_fills_in_its_unit(hub: Hub):
    card = await card_at_check(hub)
    user = await open_board(hub)
    tap_card(user, card)
    [goal] = user.find(marker='reading-before-goal').elements
    goal.value = 'ventetid'
    [unit] = user.find(marker='reading-before-unit').elements
    await eventually(lambda: unit.value == 'dager')


async def test_before_and_after_belong_to_checking_not_to_planning(hub: Hub):
    card = await hub.do.create_card(UNIT, CardFields(title='Planlagt'), column=Column.DOING)
    user = await open_board(hub)
    tap_card(user, card)
    await user.should_see(marker='dialog-title')
    await user.should_not_see(marker='readings-form')
    [pdca] = user.find(marker='dialog-pdca').elements
    pdca.value = PdcaStage.CHECK.value
    await user.should_see(marker='readings-form')
