"""Gains only a leader confirms: realised, who confirmed it and kroner are the leaders' (issue 13, item 5).

The wall and the phones record identified gains; a gain a leader confirmed is not changed at the board; a gain of
more than one årsverk on one card asks for a leader too. The same rule in the domain, the store, the board's form
and the sync API.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from board.domain import (
    Card,
    CardFields,
    Column,
    Gain,
    GainCategory,
    GainStatus,
    Origin,
    RuleViolation,
    gain_change_problems,
    move_card,
)
from board.store import Store

from ..factories import UNIT

TODAY = date(2026, 11, 20)
IDENTIFIED = Gain(categories=(GainCategory.QUALITY,), hours_per_week=3, identified_on=TODAY)
REALISED = dataclasses.replace(IDENTIFIED, status=GainStatus.REALISED, realised_on=TODAY, confirmed_by='Rådmann')


def test_what_only_a_leader_may_do_to_a_gain():
    def keys(before, after):
        return [p.key for p in gain_change_problems(before, after, full_time_week=37.5)]
    assert keys(None, IDENTIFIED) == []
    assert keys(None, REALISED) == ['error.gain_leader_only']
    assert keys(None, dataclasses.replace(IDENTIFIED, amount_nok=999_999_999)) == ['error.gain_leader_only']
    assert keys(None, dataclasses.replace(IDENTIFIED, hours_per_week=1000)) == ['error.gain_needs_leader']
    assert keys(REALISED, REALISED) == []  # unchanged: a leader's confirmation travels with the card
    assert keys(REALISED, IDENTIFIED) == ['error.gain_confirmed_by_leader']
    assert keys(REALISED, None) == ['error.gain_confirmed_by_leader']
    assert keys(IDENTIFIED, None) == []


def test_the_store_keeps_leaders_gains_for_leaders(store: Store):
    card = store.create_card(UNIT, CardFields(title='Vogna'),
                             column=Column.DOING)
    with pytest.raises(RuleViolation):  # an anonymous board: "Bekreftet av: Rådmann", 999,999,999 kr
        store.set_gain(UNIT, card.id, dataclasses.replace(REALISED, amount_nok=999_999_999))
    with pytest.raises(RuleViolation):
        store.set_gain(UNIT, card.id, dataclasses.replace(IDENTIFIED, hours_per_week=1000))
    store.set_gain(UNIT, card.id, IDENTIFIED)  # the wall records an identified gain
    store.set_gain(UNIT, card.id, REALISED, origin=Origin.LEADER, by='Kari')  # a leader confirms it
    with pytest.raises(RuleViolation):  # the wall cannot undo the leader's confirmation ...
        store.set_gain(UNIT, card.id, IDENTIFIED)
    with pytest.raises(RuleViolation):  # ... nor drop it by making the card an idea again
        store.move_card(UNIT, card.id, Column.IDEAS, 0)
    assert store.card(UNIT, card.id).gain == REALISED  # type: ignore[union-attr]


def test_an_idea_cannot_be_made_of_a_card_with_a_confirmed_gain():
    now = datetime(2026, 11, 20, tzinfo=UTC)
    card = Card(id='c', unit_id=UNIT, title='t', column=Column.DOING, created_at=now, started_at=now, gain=REALISED)
    with pytest.raises(RuleViolation):
        move_card(card, Column.IDEAS, position='V', now=now)
