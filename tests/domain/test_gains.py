"""Gains in årsverk: the arithmetic, validation, storage and roll-ups, against totals computed by hand."""

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
    RuleViolation,
    validate_gain,
)
from board.gains import GainEntry, Period, Quarter, entries_of, summarise
from board.merge import merge_card
from board.store import Store
from board.store.codec import card_from_dict, card_to_dict

from ..factories import OTHER_UNIT, UNIT

Q, C, S = GainCategory.QUALITY, GainCategory.CAPACITY, GainCategory.SAVINGS


def test_arsverk_is_hours_per_week_over_the_full_time_week() -> None:
    assert Gain(categories=(Q,), hours_per_week=7.5, identified_on=date(2026, 1, 5)).fte(37.5) == pytest.approx(0.2)
    # 10 minutes a day, 5 days a week = 50 minutes a week
    per_day = Gain.per_day(10, 5, categories=(Q,), identified_on=date(2026, 1, 5))
    assert per_day.hours_per_week == pytest.approx(50 / 60)
    assert per_day.fte(37.5) == pytest.approx(50 / 60 / 37.5)
    assert per_day.fte(35.5) == pytest.approx(50 / 60 / 35.5)  # a municipality with a shorter week


def _entries() -> list[GainEntry]:
    return [
        # avd-a (helse): 7.5 h a week = 0.2 årsverk, realised in Q2
        GainEntry(UNIT, 'a1', 'Færre telefoner', (Q,), 7.5, date(2026, 2, 10), date(2026, 5, 2), 'Leder', 20_000),
        # avd-a: 10 min x 5 days = 0.8333 h = 0.02222 årsverk, identified only, two categories
        GainEntry(UNIT, 'a2', 'Ryddigere lager', (Q, C), 50 / 60, date(2026, 3, 1), None),
        # skole-b (oppvekst): a full position, savings, realised in Q2
        GainEntry(OTHER_UNIT, 'b1', 'Ny timeplan', (S,), 37.5, date(2026, 1, 5), date(2026, 4, 10), 'Rektor', 500_000),
    ]


def test_roll_up_matches_hand_computed_totals(store: Store) -> None:
    summary = summarise(_entries(), store.organisation, full_time_week=37.5)
    small = 50 / 60 / 37.5
    assert summary.organisation.identified == pytest.approx(0.2 + small + 1.0)
    assert summary.organisation.realised == pytest.approx(1.2)
    assert summary.organisation.count == 3
    assert summary.organisation.amount_realised == 520_000
    # a gain in two categories is split evenly, so the categories add up to the total
    assert summary.organisation.identified_by_category == pytest.approx({Q: 0.2 + small / 2, C: small / 2, S: 1.0})
    assert sum(summary.organisation.identified_by_category.values()) == pytest.approx(summary.organisation.identified)
    assert summary.organisation.realised_by_category == pytest.approx({Q: 0.2, C: 0.0, S: 1.0})
    assert summary.areas['helse'].identified == pytest.approx(0.2 + small)
    assert summary.areas['helse'].realised == pytest.approx(0.2)
    assert summary.areas['oppvekst'].realised == pytest.approx(1.0)
    assert summary.units[UNIT].identified == pytest.approx(0.2 + small)
    assert summary.units[OTHER_UNIT].identified == pytest.approx(1.0)
    assert summary.quarters == {Quarter(2026, 1): pytest.approx((1.2 + small, 0.0)),
                                Quarter(2026, 2): pytest.approx((0.0, 1.2))}
    assert [e.card_id for e in summary.largest_realised] == ['b1', 'a1']


def test_a_period_counts_what_was_identified_and_realised_in_it(store: Store) -> None:
    second_quarter = Period(date(2026, 4, 1), date(2026, 6, 30))
    summary = summarise(_entries(), store.organisation, full_time_week=37.5, period=second_quarter)
    assert summary.organisation.identified == 0
    assert summary.organisation.realised == pytest.approx(1.2)
    first_quarter = summarise(_entries(), store.organisation, full_time_week=37.5,
                              period=Period(date(2026, 1, 1), date(2026, 3, 31)))
    assert first_quarter.organisation.realised == 0
    assert first_quarter.units[OTHER_UNIT].identified == pytest.approx(1.0)


def test_units_without_gains_have_zero_totals(store: Store) -> None:
    summary = summarise([], store.organisation, full_time_week=37.5)
    assert summary.units[UNIT].identified == 0 and summary.areas['oppvekst'].realised == 0


def _problems(gain: Gain, column: Column = Column.DOING) -> set[str]:
    return {p.key for p in validate_gain(gain, column, date(2026, 6, 1))}


def test_bad_gains_get_a_reason_each() -> None:
    ok = Gain(categories=(Q,), hours_per_week=2, identified_on=date(2026, 5, 1))
    assert _problems(ok) == set()
    assert _problems(ok, Column.IDEAS) == {'error.gain_on_idea'}
    assert _problems(dataclasses.replace(ok, categories=())) == {'error.gain_no_category'}
    assert _problems(dataclasses.replace(ok, hours_per_week=0)) == {'error.gain_hours'}
    assert _problems(dataclasses.replace(ok, hours_per_week=5000)) == {'error.gain_hours'}
    assert 'error.gain_minutes' in _problems(Gain.per_day(2000, 5, categories=(Q,), identified_on=date(2026, 5, 1)))
    assert 'error.gain_days' in _problems(Gain.per_day(10, 8, categories=(Q,), identified_on=date(2026, 5, 1)))
    assert _problems(dataclasses.replace(ok, amount_nok=-5)) == {'error.gain_amount'}
    assert _problems(dataclasses.replace(ok, identified_on=date(2026, 7, 1))) == {'error.date_in_future'}
    realised = dataclasses.replace(ok, status=GainStatus.REALISED, realised_on=date(2026, 5, 20))
    assert _problems(realised) == {'error.gain_confirmed_by'}
    assert _problems(dataclasses.replace(realised, confirmed_by='Kari')) == set()
    assert _problems(dataclasses.replace(realised, confirmed_by='Kari', realised_on=date(2026, 4, 1))) == {
        'error.realised_before_identified'}
    assert _problems(dataclasses.replace(ok, note='a\x00b')) == {'error.control_characters'}


def test_store_keeps_a_gain_and_refuses_one_on_an_idea(store: Store, tmp_path) -> None:
    card = store.create_card(UNIT, CardFields(title='Felles tavle for vakter'))
    gain = Gain(categories=(C,), hours_per_week=3, identified_on=store.now().date(), note='  ca. 3 t  ')
    with pytest.raises(RuleViolation) as refused:
        store.set_gain(UNIT, card.id, gain)
    assert refused.value.problems[0].key == 'error.gain_on_idea'
    store.move_card(UNIT, card.id, Column.DOING, 0)
    saved = store.set_gain(UNIT, card.id, gain, by='Kari')
    assert saved.gain is not None and saved.gain.note == 'ca. 3 t'
    assert 'gain' in saved.stamps and saved.changed_by == 'Kari'
    folder = store.folder
    store.close()
    reopened = Store(folder).open()
    try:
        assert reopened.card(UNIT, card.id).gain == saved.gain  # type: ignore[union-attr]
        assert [e.card_id for e in reopened.gain_entries()] == [card.id]
    finally:
        reopened.close()


def test_gain_entries_include_the_archive(store: Store) -> None:
    old = datetime(2019, 3, 4, 10, tzinfo=UTC)
    gain = Gain(categories=(S,), hours_per_week=1.5, identified_on=old.date(), status=GainStatus.REALISED,
                realised_on=old.date(), confirmed_by='Leder')
    cards = [Card(id=f'old{i}', unit_id=UNIT, title=f'Gammel {i}', column=Column.DONE, created_at=old,
                  started_at=old, finished_at=old, gain=gain if i % 2 else None) for i in range(10)]
    assert store.import_cards(UNIT, cards) == 10
    assert store.archive_years(UNIT) == [2019]
    entries = store.gain_entries()
    assert sorted(e.card_id for e in entries) == ['old1', 'old3', 'old5', 'old7', 'old9']
    assert store.gain_entries() == entries  # the second look comes from the cache


def stamp(ms: int) -> str:
    return f'{1_800_000_000_000 + ms:013d}-00000-hub'


def test_codec_and_merge_carry_the_gain() -> None:
    now = datetime(2026, 5, 1, tzinfo=UTC)
    gain = Gain.per_day(15, 4, categories=(Q, S), identified_on=now.date(), amount_nok=12_000, note='æøå')
    card = Card(id='c', unit_id=UNIT, title='T', column=Column.DOING, created_at=now, gain=gain)
    assert card_from_dict(card_to_dict(card)) == card
    mine = dataclasses.replace(card, gain=None, title='Ny tittel', stamps={'title': stamp(2), 'gain': stamp(1)})
    theirs = dataclasses.replace(card, stamps={'title': stamp(1), 'gain': stamp(3)})
    merged = merge_card(mine, theirs)
    assert merged.gain == gain and merged.title == 'Ny tittel'
    assert entries_of([dataclasses.replace(card, deleted=True)]) == []


def test_periods_a_leader_can_choose() -> None:
    from board.gains import ALL_TIME, parse_period
    assert parse_period('') is ALL_TIME
    assert parse_period('2026') == Period(date(2026, 1, 1), date(2026, 12, 31))
    assert parse_period('2026-h1') == Period(date(2026, 1, 1), date(2026, 6, 30))  # the semi-annual audit
    assert parse_period('2026-H2') == Period(date(2026, 7, 1), date(2026, 12, 31))
    assert parse_period('2024-Q1') == Period(date(2024, 1, 1), date(2024, 3, 31))  # a leap year's February
    for bad in ('2026-Q5', 'tjue', '1999', '2026-H1-x'):
        assert parse_period(bad) is None


def test_a_gain_entered_just_after_midnight_in_oslo_is_of_today(tmp_path) -> None:
    from ..factories import seeded_store
    half_past_midnight_in_oslo = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)  # still the 25th in UTC
    store = seeded_store(tmp_path / 'data', now=lambda: half_past_midnight_in_oslo)
    try:
        card = store.create_card(UNIT, CardFields(title='Nattevakt'), column=Column.DOING)
        gain = Gain(categories=(Q,), hours_per_week=1, identified_on=date(2026, 11, 26))  # the ward's date
        assert store.set_gain(UNIT, card.id, gain).gain == gain
    finally:
        store.close()


def test_an_approved_idea_from_a_citizen_counts_its_gain_as_from_citizens():
    from datetime import UTC, datetime

    from board.domain import Card, Origin
    from board.gains import GainSource, gain_source
    now = datetime.now(UTC)
    citizen = Card(id='c1', unit_id='u', title='Benk ved inngangen', created_at=now, origin=Origin.LEADER,
                   from_citizen=True)
    assert gain_source(citizen) == GainSource.CITIZEN
    assert gain_source(Card(id='c2', unit_id='u', title='Fra mobilen', created_at=now, origin=Origin.PHONE)) == \
        GainSource.PHONE
