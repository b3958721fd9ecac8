"""Nothing lost by mistake: deleted cards wait in the bin, *Angre* puts a change back, and every change is logged
with who made it and from where (issue 13, items 3 and 4)."""

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest

from board.domain import CardFields, Column, Origin, RuleViolation
from board.domain.changelog import LogAction
from board.store import Store, unit_board
from board.store.acting import acting_from, address_source, wall_source
from board.store.unit_board import MAX_LOG_PER_CARD

from ..factories import UNIT, seeded_store


def test_a_deleted_card_waits_in_the_bin_and_comes_back_as_it_was(store: Store):
    card = store.create_card(UNIT, CardFields(title='Fast plass for rullatorene', owner='Kari', goal_id='trivsel'))
    moved = store.move_card(UNIT, card.id, Column.DOING, 0)
    store.delete_card(UNIT, card.id)
    assert store.cards(UNIT) == []
    [(deleted, when)] = store.deleted_cards(UNIT)
    assert deleted.id == card.id and abs(when - datetime.now(UTC)) < timedelta(minutes=1)
    back, goal_gone = store.restore_card(UNIT, card.id)
    assert not goal_gone
    assert dataclasses.replace(back, stamps={}, seq=0) == dataclasses.replace(moved, stamps={}, seq=0)
    assert store.deleted_cards(UNIT) == []
    with pytest.raises(RuleViolation):  # twice: it is not deleted any more
        store.restore_card(UNIT, card.id)


def test_a_card_whose_goal_is_gone_comes_back_without_it_and_says_so(store: Store):
    card = store.create_card(UNIT, CardFields(title='Mål som forsvant'))
    # a goal no longer on the board (as after an organisation change): only a card of another time can name it
    store.import_cards(UNIT, [dataclasses.replace(card, goal_id='borte', stamps={})])
    store.delete_card(UNIT, card.id)
    back, goal_gone = store.restore_card(UNIT, card.id)
    assert goal_gone and back.goal_id is None and back.on_board


def test_undo_puts_back_a_move_and_an_edit(store: Store):
    card = store.create_card(UNIT, CardFields(title='Ryddig skyllerom', owner='Per'))
    before_move = store.card(UNIT, card.id)
    moved = store.move_card(UNIT, card.id, Column.DOING, 0)
    back = store.revert_card(UNIT, card.id, before_move, moved)
    assert back.column == Column.IDEAS and back.pdca is None and back.started_at is None
    edited = store.edit_card(UNIT, card.id, CardFields(title='Skittent skyllerom', owner=''))
    assert store.revert_card(UNIT, card.id, back, edited).fields() == back.fields()
    before_delete = store.card(UNIT, card.id)
    deleted = store.delete_card(UNIT, card.id)
    assert store.revert_card(UNIT, card.id, before_delete, deleted).on_board


def test_undo_of_a_reopened_card_puts_back_its_finish_time(store: Store):
    card = store.create_card(UNIT, CardFields(title='Ferdig for lenge siden', quick_win=True), column=Column.DONE)
    reopened = store.move_card(UNIT, card.id, Column.DOING, 0)
    back = store.revert_card(UNIT, card.id, card, reopened)
    assert (back.column, back.finished_at, back.started_at) == (Column.DONE, card.finished_at, card.started_at)


def test_undo_leaves_what_another_screen_changed_since_and_never_brings_back_a_deleted_card(store: Store):
    card = store.create_card(UNIT, CardFields(title='Felles kort', owner='Per'))
    edited = store.edit_card(UNIT, card.id, CardFields(title='Felles kort, endret her', owner='Per'))
    store.edit_card(UNIT, card.id, CardFields(title='Felles kort, endret der', owner='Kari'))  # another screen
    with pytest.raises(RuleViolation) as refused:
        store.revert_card(UNIT, card.id, card, edited)
    assert refused.value.problems[0].key == 'error.changed_meanwhile'
    assert store.card(UNIT, card.id).title == 'Felles kort, endret der'
    # an edit here, then a delete there: undoing the edit does not undo the delete
    mine = store.edit_card(UNIT, card.id, CardFields(title='Min endring', owner='Kari'))
    before = store.card(UNIT, card.id)
    store.delete_card(UNIT, card.id)
    with pytest.raises(RuleViolation):
        store.revert_card(UNIT, card.id, dataclasses.replace(before, title='Felles kort, endret der'), mine)
    assert store.card(UNIT, card.id) is None


def test_every_change_is_logged_with_who_and_from_where(store: Store):
    with acting_from(address_source('10.0.0.5')):
        card = store.create_card(UNIT, CardFields(title='Sjekkliste for nattevakt'))
        store.move_card(UNIT, card.id, Column.DOING, 0)
    with acting_from(wall_source('kiosk-7')):
        store.edit_card(UNIT, card.id, CardFields(title='Sjekkliste for nattevakten', owner='Kari'))
        store.delete_card(UNIT, card.id)
    store.restore_card(UNIT, card.id, origin=Origin.LEADER, by='Lise Leder')
    store.mark_seen(UNIT, card.id)  # bookkeeping, not a person's change: not logged
    log = store.card_log(UNIT, card.id)
    assert [(e.action, e.source) for e in log] == [
        (LogAction.CREATED, 'address:10.0.0.5'), (LogAction.MOVED, 'address:10.0.0.5'),
        (LogAction.EDITED, 'wall:kiosk-7'), (LogAction.DELETED, 'wall:kiosk-7'), (LogAction.RESTORED, '')]
    assert (log[1].from_column, log[1].to_column) == (Column.IDEAS, Column.DOING)
    assert log[2].fields == ('title', 'owner')
    assert (log[4].origin, log[4].by) == (Origin.LEADER, 'Lise Leder')
    # kept in the unit's file: a restart keeps the log
    store.close()
    again = Store(store.folder).open()
    try:
        assert again.card_log(UNIT, card.id) == log
    finally:
        again.close()


def test_a_phone_idea_is_logged_as_from_a_phone_without_its_address(store: Store):
    card = store.create_card(UNIT, CardFields(title='Idé fra mobil'), origin=Origin.PHONE)
    [entry] = store.card_log(UNIT, card.id)
    assert (entry.action, entry.origin, entry.source) == (LogAction.CREATED, Origin.PHONE, '')


def test_merged_changes_are_logged_with_their_author_and_the_sender(store: Store, tmp_path):
    card = store.create_card(UNIT, CardFields(title='Felles kort'))
    replica = seeded_store(tmp_path / 'wall', node_id='kiosk1')
    try:
        replica.merge_cards(UNIT, [card])
        changed = replica.edit_card(UNIT, card.id, CardFields(title='Felles kort, endret'))
        with acting_from(wall_source('kiosk1')):
            store.merge_cards(UNIT, [changed])
    finally:
        replica.close()
    entry = store.card_log(UNIT, card.id)[-1]
    assert (entry.action, entry.fields, entry.source) == (LogAction.EDITED, ('title',), 'wall:kiosk1')


def test_a_cards_log_keeps_its_newest_entries(store: Store):
    card = store.create_card(UNIT, CardFields(title='Fram og tilbake'))
    for turn in range(MAX_LOG_PER_CARD + 10):
        store.edit_card(UNIT, card.id, CardFields(title=f'Fram og tilbake {turn}'))
    log = store.card_log(UNIT, card.id)
    assert len(log) == MAX_LOG_PER_CARD
    assert log[-1].action == LogAction.EDITED and log[0].action == LogAction.EDITED  # the creation fell off
    store.checkpoint()  # the unit file as a restart reads it (a write is durable in the journal first)
    raw = json.loads((store.folder / 'units' / f'{UNIT}.json').read_text())
    assert len(raw['log']) == MAX_LOG_PER_CARD


def test_the_bin_keeps_cards_for_deleted_days_then_the_archive_keeps_their_content(tmp_path):
    clock = {'now': datetime.now(UTC)}
    store = seeded_store(tmp_path / 'data', archive_after_weeks=4, deleted_days=90, now=lambda: clock['now'])
    try:
        card = store.create_card(UNIT, CardFields(title='Slettet for lenge siden', owner='Kari'))
        store.delete_card(UNIT, card.id)
        clock['now'] += timedelta(weeks=8)  # past the archive's four weeks, inside the bin's 90 days
        assert store.archive_finished() == 0
        assert [c.id for c, _ in store.deleted_cards(UNIT)] == [card.id]
        clock['now'] += timedelta(days=40)
        assert store.archive_finished() == 1
        assert store.deleted_cards(UNIT) == []
        kept = json.loads((store.folder / 'archive' / UNIT / 'deleted.json').read_text())
        [doc] = kept['cards'].values()
        assert (doc['title'], doc['owner'], doc['deleted']) == ('Slettet for lenge siden', 'Kari', True)
        assert [e['action'] for e in kept['log'].values()] == ['created', 'deleted']
        assert store.archive_years(UNIT) == []  # not among the finished work of any year
        assert [c.title for c in store.archive.deleted(UNIT)] == ['Slettet for lenge siden']
    finally:
        store.close()


def test_a_units_log_stays_bounded_whatever_a_script_does(store: Store, monkeypatch):
    monkeypatch.setattr(unit_board, 'MAX_LOG_ENTRIES', 50)
    cards = [store.create_card(UNIT, CardFields(title=f'Kort {n}')) for n in range(10)]
    for turn in range(10):
        for card in cards:
            store.edit_card(UNIT, card.id, CardFields(title=f'Kort {card.id[:4]} {turn}'))
    kept = [e for card in cards for e in store.card_log(UNIT, card.id)]
    assert 40 <= len(kept) <= 50
    newest = max(e.at for e in kept)
    assert store.card_log(UNIT, cards[-1].id)[-1].at == newest  # the newest are kept, the oldest went
    store.checkpoint()  # the unit file as a restart reads it (a write is durable in the journal first)
    raw = json.loads((store.folder / 'units' / f'{UNIT}.json').read_text())
    assert len(raw['log']) == len(kept)
    store.close()
    again = Store(store.folder).open()
    try:
        assert len([e for card in cards for e in again.card_log(UNIT, card.id)]) == len(kept)
    finally:
        again.close()
