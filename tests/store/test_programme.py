"""Issue 17, items 2 and 4: each unit's rollout and training, a new leader's training task, value stream analyses
whose improvements become tagged cards, and where gains come from."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from board.domain import (
    LEADERSHIP_BOARD,
    Card,
    CardFields,
    Column,
    Gain,
    GainCategory,
    Origin,
    RuleViolation,
    VsaTag,
    area_board_id,
)
from board.domain.programme import Phase, UnitRollout, ValueStreamAnalysis, rollout_figures
from board.gains import VSA_TARGET, GainSource, entries_of, gain_source, summarise
from board.store import Store
from board.store.codec import card_from_dict, card_to_dict

from ..factories import OTHER_UNIT, UNIT, seeded_store

D = date(2026, 3, 2)


def _trained(unit_id: str, phase: Phase = Phase.COACHING, trained: int = 12) -> UnitRollout:
    dates = {p: D + timedelta(days=7 * p.order) for p in Phase if p.order <= phase.order}
    return UnitRollout(unit_id=unit_id, phase=phase, dates=dates, trained=trained, coach='Kari Veileder')


def test_rollout_is_stored_and_counts_units_only(store: Store):
    store.set_rollout(_trained(UNIT))
    store.set_rollout(_trained(OTHER_UNIT, Phase.TRAINING))
    figures = rollout_figures(store.organisation, store.rollouts())
    assert (figures.trained, figures.units, figures.staff_trained) == (1, 2, 24)  # opplæring is not yet trained
    # the boards above the units are not units: they can have no rollout
    for board in (area_board_id('helse'), LEADERSHIP_BOARD):
        with pytest.raises(RuleViolation):
            store.set_rollout(UnitRollout(unit_id=board))
    store.close()
    again = seeded_store(store.folder)
    try:
        assert again.rollout(UNIT) == _trained(UNIT)
        assert rollout_figures(again.organisation, again.rollouts()).trained == 1
    finally:
        again.close()


@pytest.mark.parametrize(('rollout', 'key'), [
    (UnitRollout(unit_id=UNIT, phase=Phase.COACHING, dates={Phase.PREPARATION: D, Phase.COACHING: D}),
     'error.rollout_phase_date'),
    (UnitRollout(unit_id=UNIT, phase=Phase.TRAINING, dates={Phase.PREPARATION: D, Phase.TRAINING: D - timedelta(1)}),
     'error.rollout_dates_order'),
    (UnitRollout(unit_id=UNIT, phase=Phase.PREPARATION, dates={Phase.PREPARATION: date(2099, 1, 1)}),
     'error.date_in_future'),
    (UnitRollout(unit_id=UNIT, phase=Phase.PREPARATION, dates={Phase.PREPARATION: D}, trained=-1),
     'error.rollout_trained'),
    (UnitRollout(unit_id=UNIT, phase=Phase.PREPARATION, dates={Phase.PREPARATION: D, Phase.EVALUATED: D}),
     'error.rollout_date_ahead'),
])
def test_bad_rollout_is_refused_and_nothing_stored(store: Store, rollout: UnitRollout, key: str):
    with pytest.raises(RuleViolation) as refused:
        store.set_rollout(rollout)
    assert key in {p.key for p in refused.value.problems}
    assert store.rollouts() == {}


def test_a_phase_never_goes_back(store: Store):
    store.set_rollout(_trained(UNIT, Phase.EVALUATED))
    with pytest.raises(RuleViolation) as refused:
        store.set_rollout(_trained(UNIT, Phase.TRAINING))
    assert refused.value.problems[0].key == 'error.rollout_phase_back'
    assert store.rollout(UNIT).phase == Phase.EVALUATED


def test_a_new_leader_flags_the_unit_and_puts_a_training_task_on_its_board(store: Store):
    store.set_rollout(_trained(UNIT, Phase.EVALUATED))
    since = store.local_now().date()
    rollout, card = store.record_new_leader(UNIT, 'Ola Nyleder', since, by='Admin')
    assert rollout.needs_new_training and rollout.leader == 'Ola Nyleder' and rollout.phase == Phase.EVALUATED
    assert store.rollout(UNIT).retrain_since == since
    task = store.card(UNIT, card.id)
    assert task is not None and task.title == 'Ny leder – ny opplæring' and task.column == Column.DOING
    assert task.origin == Origin.LEADER and task.owner == 'Ola Nyleder'
    figures = rollout_figures(store.organisation, store.rollouts())
    assert (figures.trained, figures.new_training) == (1, 1)  # still trained; waits for new training
    # the new training is held: the flag goes
    store.set_rollout(dataclasses.replace(store.rollout(UNIT), retrained_on=since))
    assert not store.rollout(UNIT).needs_new_training
    with pytest.raises(RuleViolation):
        store.record_new_leader(UNIT, '  ', since)
    with pytest.raises(RuleViolation):
        store.record_new_leader(UNIT, 'Per', since + timedelta(days=30))


def _card(**changes: object) -> Card:
    from datetime import UTC, datetime
    card = Card(id='c1', unit_id=UNIT, title='Ny rutine', created_at=datetime(2026, 3, 2, tzinfo=UTC))
    return dataclasses.replace(card, **changes)  # type: ignore[arg-type]


def test_gain_source_is_derived_from_the_card():
    assert gain_source(_card()) == GainSource.BOARD
    assert gain_source(_card(origin=Origin.PHONE)) == GainSource.PHONE
    assert gain_source(_card(from_citizen=True)) == GainSource.CITIZEN
    assert gain_source(_card(origin=Origin.PHONE, vsa=VsaTag(id='vsa1', name='Innkomst'))) == GainSource.VSA


def test_split_by_source_and_the_vsa_share(store: Store):
    gain = Gain(categories=(GainCategory.QUALITY,), hours_per_week=37.5, identified_on=D)
    cards = [_card(id='a', column=Column.DOING, gain=gain, vsa=VsaTag(id='v', name='VSA')),
             _card(id='b', column=Column.DOING, gain=gain, vsa=VsaTag(id='v', name='VSA')),
             _card(id='c', column=Column.DOING, gain=gain, vsa=VsaTag(id='v', name='VSA')),
             _card(id='d', column=Column.DOING, gain=gain, origin=Origin.PHONE)]
    summary = summarise(entries_of(cards), store.organisation, full_time_week=37.5)
    whole = summary.organisation
    assert whole.identified_by_source[GainSource.VSA] == 3.0
    assert whole.identified_by_source[GainSource.PHONE] == 1.0
    assert whole.identified_by_source[GainSource.BOARD] == 0.0
    assert whole.vsa_share == 0.75 and whole.vsa_share < VSA_TARGET


def test_a_vsa_puts_tagged_ideas_on_the_chosen_units_boards(store: Store):
    today = store.local_now().date()
    vsa = ValueStreamAnalysis(id='vsa-innkomst', name='Innkomst av nye brukere', on=today,
                              unit_ids=(UNIT, OTHER_UNIT), participants=('Kari', 'Ola', 'Fagleder'))
    cards = store.record_vsa(vsa, [(UNIT, 'Felles sjekkliste ved innkomst'), (OTHER_UNIT, 'Én kontaktperson')],
                             by='Leder L')
    assert [c.unit_id for c in cards] == [UNIT, OTHER_UNIT]
    for card in cards:
        stored = store.card(card.unit_id, card.id)
        assert stored is not None and stored.vsa == VsaTag(id='vsa-innkomst', name='Innkomst av nye brukere')
        assert stored.column == Column.IDEAS and 'vsa' in stored.stamps
        assert card_from_dict(card_to_dict(stored)) == stored
        assert gain_source(stored) == GainSource.VSA
    [recorded] = store.value_stream_analyses()
    assert recorded.participants == ('Kari', 'Ola', 'Fagleder') and recorded.created_by == 'Leder L'


@pytest.mark.parametrize(('units', 'on', 'items', 'key'), [
    ((), None, [], 'error.vsa_no_units'),
    ((UNIT,), date(2099, 1, 1), [], 'error.date_in_future'),
    (('nope',), None, [], 'error.vsa_unknown_unit'),
    ((UNIT,), None, [(OTHER_UNIT, 'Ikke valgt enhet')], 'error.vsa_unknown_unit'),
    ((LEADERSHIP_BOARD,), None, [], 'error.vsa_unknown_unit'),
])
def test_a_bad_vsa_stores_nothing(store: Store, units: tuple[str, ...], on: date | None,
                                  items: list[tuple[str, str]], key: str):
    vsa = ValueStreamAnalysis(id='vsa1', name='Analyse', on=on or store.local_now().date(), unit_ids=units)
    with pytest.raises(RuleViolation) as refused:
        store.record_vsa(vsa, items)
    assert key in {p.key for p in refused.value.problems}
    assert store.value_stream_analyses() == []
    assert all(c.vsa is None for u in (UNIT, OTHER_UNIT) for c in store.cards(u))


def test_a_tag_is_validated_like_any_field_from_a_wall_screen(store: Store):
    from board.domain import validate_card
    bad = _card(vsa=VsaTag(id='Not An Id!', name='x'))
    assert 'vsa' in {p.field for p in validate_card(bad, [], today=D)}
    assert not validate_card(_card(vsa=VsaTag(id='v1', name='Innkomst')), [], today=D)
    created = store.create_card(UNIT, CardFields(title='Uten analyse'))
    assert 'vsa' not in card_to_dict(created)  # an untagged card carries no key an older release would see


def test_the_organisation_file_brings_the_rollout(store: Store):
    from board import admin
    from board.orgfile import OrganisationFileError, parse_organisation_bytes
    csv_text = ('tjenesteområde;enhet;enhet_id;fase;forberedelse;opplæring;veiledning;evaluert;opplært;veileder\n'
                'Helse og omsorg;Avdeling A;avd-a;veiledning;02.03.2026;2026-03-16;2026-03-23;;14;Kari Veileder\n'
                'Oppvekst;Skole B;skole-b;;;;;;;\n')
    parsed = parse_organisation_bytes(csv_text.encode(), 'org.csv')
    assert list(parsed.rollouts) == [UNIT]
    admin.import_organisation(store, parsed)
    rollout = store.rollout(UNIT)
    assert (rollout.phase, rollout.trained, rollout.coach) == (Phase.COACHING, 14, 'Kari Veileder')
    assert rollout.dates[Phase.PREPARATION] == date(2026, 3, 2)
    with pytest.raises(OrganisationFileError) as bad:
        parse_organisation_bytes(csv_text.replace('veiledning;02', 'ferdig;02').encode(), 'org.csv')
    assert 'line 2: phase' in str(bad.value)
    # a phase out of order in the file imports nothing, not even a new unit
    wrong = ('tjenesteområde;enhet;enhet_id;fase;forberedelse;opplæring\n'
             'Oppvekst;Ny skole;ny-skole;opplæring;2026-03-16;2026-03-02\n')
    with pytest.raises(RuleViolation):
        admin.import_organisation(store, parse_organisation_bytes(wrong.encode(), 'org.csv'))
    assert store.unit('ny-skole') is None
