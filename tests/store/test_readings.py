"""Før and etter on a card (issue 15): recorded through the store by the same rule as a push, logged, undoable."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from board.domain import CardFields, Column, Origin, PdcaStage, Reading, RuleViolation
from board.domain.changelog import LogAction

from ..factories import OTHER_UNIT, UNIT, seeded_store


def checking(store):
    card = store.create_card(UNIT, CardFields(title='Færre fall om natta'), column=Column.DOING)
    return store.edit_card(UNIT, card.id, dataclasses.replace(card.fields(), pdca=PdcaStage.CHECK))


def test_before_and_after_are_kept_stamped_and_logged(store):
    card = checking(store)
    today = store.local_now().date()
    before = Reading(value=5, unit=' fall/mnd ', on=today - timedelta(days=60), note='  Snitt i høst ')
    after = Reading(value=2, unit='fall/mnd', on=today, goal_id='ventetid')
    saved = store.set_readings(UNIT, card.id, before, after, origin=Origin.LEADER, by='Kari')
    assert saved.before == Reading(value=5, unit='fall/mnd', on=before.on, note='Snitt i høst')
    assert saved.after == after
    assert {'before', 'after'} <= set(saved.stamps) and saved.stamps['after'] != card.stamps.get('after')
    assert saved.changed_by == 'Kari'
    entry = store.card_log(UNIT, card.id)[-1]
    assert entry.action == LogAction.EDITED and entry.fields == ('before', 'after')
    store.close()
    store.open()
    assert store.card(UNIT, card.id).after == after
    assert store.set_readings(UNIT, card.id, None, None).before is None


@pytest.mark.parametrize(('reading', 'key'), [
    (Reading(value=float('nan'), unit='dager', on=None), 'error.goal_number'),
    (Reading(value=1e12, unit='dager', on=None), 'error.goal_number'),
    (Reading(value=3, unit='d' * 40, on=None), 'error.name_too_long'),
    (Reading(value=3, unit='dager', on=None, note='x' * 2000), 'error.description_too_long'),
    (Reading(value=3, unit='dager', on=None, goal_id='finnes-ikke'), 'error.unknown_goal'),
    (Reading(value=3, unit='dager', on='tomorrow'), 'error.date_in_future'),
])
def test_a_bad_reading_stores_nothing(store, reading, key):
    card = checking(store)
    today = store.local_now().date()
    on = today + timedelta(days=1) if reading.on == 'tomorrow' else today
    reading = dataclasses.replace(reading, on=on)
    with pytest.raises(RuleViolation) as refused:
        store.set_readings(UNIT, card.id, None, reading)
    assert refused.value.problems[0].key == key and refused.value.problems[0].field == 'after'
    assert store.card(UNIT, card.id).after is None
    assert store.card(UNIT, card.id).seq == card.seq


def test_undo_of_an_edit_takes_the_readings_back(store):
    card = checking(store)
    today = store.local_now().date()
    changed = store.set_readings(UNIT, card.id, Reading(value=5, unit='fall', on=today), None)
    reverted = store.revert_card(UNIT, card.id, card, changed)
    assert reverted.before is None


def test_the_measured_cards_come_from_the_board_and_the_archive_and_follow_changes(tmp_path):
    # the reports read the cards with før or etter (issue 18: ten years of archive were read card by card on every
    # report); each archive file is read once, and again when it changes
    clock = {'now': datetime(2025, 11, 3, 12, tzinfo=UTC)}
    store = seeded_store(tmp_path / 'data', now=lambda: clock['now'])
    today = clock['now'].date()
    measured = checking(store)
    store.set_readings(UNIT, measured.id, Reading(value=5, unit='fall', on=today), None)
    finished = store.create_card(UNIT, CardFields(title='Ferdig uten måling', quick_win=True), column=Column.DONE)
    store.move_card(UNIT, measured.id, Column.DONE, 0)
    on_board = store.create_card(UNIT, CardFields(title='Måles nå'), column=Column.DOING)
    clock['now'] += timedelta(weeks=10)
    assert store.archive_finished() == 2
    assert [c.id for c in store.measured_cards([UNIT, OTHER_UNIT])] == [measured.id]
    assert finished.id in {c.id for c in store.archived_cards(UNIT, 2025)}
    on_board = store.edit_card(UNIT, on_board.id, dataclasses.replace(on_board.fields(), pdca=PdcaStage.CHECK))
    store.set_readings(UNIT, on_board.id, None, Reading(value=1, unit='fall', on=clock['now'].date()))
    assert {c.id for c in store.measured_cards([UNIT])} == {measured.id, on_board.id}
    # the archive file changes (a card archived again with a new reading): read again
    changed = dataclasses.replace(store.archived_cards(UNIT, 2025)[0], before=None, after=None)
    others = [c for c in store.archived_cards(UNIT, 2025) if c.id != changed.id]
    store.archive.write(UNIT, 2025, [changed, *others])
    assert {c.id for c in store.measured_cards([UNIT])} == {c.id for c in [changed, *others] if c.before or c.after} \
        | {on_board.id}
    store.close()
