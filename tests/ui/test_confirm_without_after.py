"""A gain confirmed as realised without an *etter* measurement warns, and does not block (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from board.domain import Card, Column, Gain, GainCategory, Reading

from ..conftest import Hub
from ..factories import UNIT
from ..helpers import eventually, tap_card
from .test_leaders import logged_in

WARNING = 'Kortet har ingen etter-måling. Bekreft likevel?'


def finished(card_id: str, title: str, *, after: Reading | None = None) -> Card:
    when = datetime.now(UTC) - timedelta(days=3)
    gain = Gain(categories=(GainCategory.QUALITY,), hours_per_week=2, identified_on=when.date())
    return Card(id=card_id, unit_id=UNIT, title=title, column=Column.DONE, created_at=when, started_at=when,
                finished_at=when, gain=gain, after=after)


async def test_the_gains_page_warns_before_confirming_a_gain_without_an_after_value(hub: Hub):
    today = hub.store.local_now().date()
    await hub.do.import_cards(UNIT, [finished('umalt', 'Ryddig lager'),
                                     finished('malt', 'Færre fall', after=Reading(value=2, unit='fall', on=today))])
    user = await logged_in(hub, 'kari', f'unit:{UNIT}')
    await user.open('/leder/gevinster')
    user.find(marker='confirm-umalt').click()
    await user.should_see(WARNING)
    user.find(marker='confirm-save').click()  # a warning, not a block
    await eventually(lambda: hub.store.card(UNIT, 'umalt').gain.realised)
    await user.open('/leder/gevinster')
    user.find(marker='confirm-malt').click()
    await user.should_see(marker='confirm-save')
    await user.should_not_see(marker='no-after-warning')  # measured: nothing to warn about


async def test_the_leaders_card_dialog_warns_when_realised_is_chosen_without_an_after_value(hub: Hub):
    await hub.do.import_cards(UNIT, [finished('umalt', 'Ryddig lager')])
    card = hub.store.card(UNIT, 'umalt')
    user = await logged_in(hub, 'kari', f'unit:{UNIT}')
    await user.open(f'/leder/enheter/{UNIT}')
    tap_card(user, card)
    [status] = user.find(marker='gain-status').elements
    await user.should_not_see(WARNING)
    status.value = 'realised'
    await user.should_see(WARNING)
    user.find(marker='reading-after-value').type('2')
    await user.should_not_see(WARNING)
