"""Audits in the store: a seeded month answered from the data, answers from two tablets at once, bad input,
templates kept durably, a finding turned into a card."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import orjson
import pytest

from board.audits import audits_due, finding_to_card, start_audit
from board.domain import Answer, CardFields, Column, Gain, GainCategory, Meeting, Origin, RuleViolation
from board.domain.audit import AuditKind, DueState, Verdict, default_items
from board.i18n import translator
from board.store import Store

from ..factories import OTHER_UNIT, UNIT

T = translator('nb')
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def seed_november(store: Store) -> None:
    """A unit's November: meetings in three of its four weeks, ideas answered in time and late, one goal measured
    every week and one never, two improvements finished, one with a realised gain."""
    for day in (2, 9, 23):
        store.record_meeting(Meeting(id=f'm{day}', unit_id=UNIT, started_at=at(day), ended_at=at(day) + timedelta(
            minutes=15)))
    store.now = lambda: at(2)
    parked = store.create_card(UNIT, CardFields(title='Parkert i tide'))
    late = store.create_card(UNIT, CardFields(title='Svart for sent'))
    done = store.create_card(UNIT, CardFields(title='Ferdig med gevinst'))
    plain = store.create_card(UNIT, CardFields(title='Ferdig uten gevinst'))
    store.now = lambda: at(9)
    store.answer_idea(UNIT, parked.id, Answer.PARKED)
    store.move_card(UNIT, done.id, Column.DOING, 0)
    store.move_card(UNIT, plain.id, Column.DOING, 0)
    store.now = lambda: at(16)
    store.move_card(UNIT, done.id, Column.DONE, 0)
    store.move_card(UNIT, plain.id, Column.DONE, 0)
    store.set_gain(UNIT, done.id, Gain(categories=(GainCategory.QUALITY,), hours_per_week=2,
                                       identified_on=date(2026, 11, 16), realised_on=date(2026, 11, 16),
                                       confirmed_by='Leder'), origin=Origin.LEADER, by='Leder')
    store.now = lambda: at(27)
    store.answer_idea(UNIT, late.id, Answer.PARKED)
    store.record_goal_values(UNIT, [('ventetid', date(2026, 11, d), 3.0) for d in (2, 10, 17, 24)])
    store.now = lambda: at(30, 15)


def test_the_automatic_items_answer_a_seeded_month(store: Store):
    seed_november(store)
    audit = start_audit(store, T, UNIT, AuditKind.INTERNAL, auditor='Rita Revisor', waiting_weeks=3,
                        period=NOVEMBER)
    automatic = {item_id: (a.verdict, a.note) for item_id, a in audit.answers.items()}
    assert automatic == {
        'meetings': (Verdict.PARTLY, 'Tavlemøte holdt i 3 av 4 uker.'),
        'ideas': (Verdict.PARTLY, '3 av 4 nye ideer fikk svar innen 3 uker.'),
        'goals': (Verdict.PARTLY, '1 av 2 mål er målt hver uke i perioden.'),  # Trivsel has no measure
        'gains': (Verdict.PARTLY, '1 av 2 ferdige forbedringer har gevinst, 1 er realisert.'),
    }
    assert all(a.auto and a.by == '' for a in audit.answers.values())
    assert audit.unanswered == len(audit.items) - 4


def test_two_tablets_answering_at_once_keep_both_answers_latest_per_item(store: Store):
    audit = start_audit(store, T, UNIT, AuditKind.INTERNAL, auditor='Rita', waiting_weeks=3, period=NOVEMBER)
    manual = [i.id for i in audit.items if i.auto is None]
    barrier = threading.Barrier(2)
    seen: list[str] = []

    def tablet(name: str, verdict: Verdict, own: str) -> None:
        barrier.wait()
        for _ in range(20):  # both write the shared item and their own, interleaved
            seen.append(store.audits.answer(audit.id, manual[0], verdict, f'{name} sier', by=name)
                        .answers[manual[0]].stamp)
            store.audits.answer(audit.id, own, verdict, by=name)

    threads = [threading.Thread(target=tablet, args=('Rita', Verdict.YES, manual[1])),
               threading.Thread(target=tablet, args=('Per', Verdict.NO, manual[2]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store.close()
    with Store(store.folder) as reopened:  # what is on disk
        answers = reopened.audits.get(audit.id).answers  # type: ignore[union-attr]
    assert (answers[manual[1]].verdict, answers[manual[1]].by) == (Verdict.YES, 'Rita')
    assert (answers[manual[2]].verdict, answers[manual[2]].by) == (Verdict.NO, 'Per')
    shared = answers[manual[0]]
    assert shared.note == f'{shared.by} sier'  # one tablet's whole answer, never a mix
    assert shared.stamp == max(seen)  # the newest answer to the shared item won


def test_an_older_answer_arriving_late_does_not_replace_a_newer_one(store: Store):
    audit = start_audit(store, T, UNIT, AuditKind.INTERNAL, auditor='Rita', waiting_weeks=3, period=NOVEMBER)
    item = next(i.id for i in audit.items if i.auto is None)
    early = store.clock.tick()
    store.audits.answer(audit.id, item, Verdict.YES, by='Per')
    kept = store.audits.answer(audit.id, item, Verdict.NO, by='Rita', stamp=early).answers[item]
    assert (kept.verdict, kept.by) == (Verdict.YES, 'Per')


@pytest.mark.parametrize(('verdict', 'note', 'key'), [
    ('kanskje', '', 'audit.bad_verdict'),
    (None, '', 'audit.bad_verdict'),
    ('yes', 'x' * 301, 'error.description_too_long'),
    ('yes', 'linje\x00to', 'error.control_characters'),
])
def test_bad_answers_are_refused_in_norwegian_and_nothing_is_stored(store: Store, verdict: object, note: str,
                                                                    key: str):
    audit = start_audit(store, T, UNIT, AuditKind.INTERNAL, auditor='Rita', waiting_weeks=3, period=NOVEMBER)
    item = next(i.id for i in audit.items if i.auto is None)
    with pytest.raises(RuleViolation) as refused:
        store.audits.answer(audit.id, item, verdict, note, by='Rita')
    assert [p.key for p in refused.value.problems] == [key]
    assert not T(key, max=300, length=301).startswith('audit.')  # a Norwegian sentence, not a key
    assert item not in store.audits.get(audit.id).answers  # type: ignore[union-attr]
    with pytest.raises(RuleViolation):
        store.audits.answer(audit.id, 'no-such-item', Verdict.YES, by='Rita')
    with pytest.raises(RuleViolation):
        store.audits.answer(audit.id, item, Verdict.YES, by='Rita', stamp='<b>neste uke</b>')


def test_templates_are_edited_and_kept_durably_and_started_audits_keep_their_items(store: Store):
    before = start_audit(store, T, UNIT, AuditKind.INTERNAL, auditor='Rita', waiting_weeks=3, period=NOVEMBER)
    added = store.audits.add_item(AuditKind.INTERNAL, '  Tavla står der alle ser den  ')
    store.audits.rename_item(AuditKind.INTERNAL, 'board', 'Tavla er oppdatert før hvert møte')
    store.audits.remove_item(AuditKind.INTERNAL, 'five_s')
    with pytest.raises(RuleViolation):
        store.audits.add_item(AuditKind.INTERNAL, ' ')
    store.close()
    with Store(store.folder) as reopened:
        items = {i.id: i.text for i in reopened.audits.template(AuditKind.INTERNAL)}
        assert items[added.id] == 'Tavla står der alle ser den'
        assert items['board'] == 'Tavla er oppdatert før hvert møte' and 'five_s' not in items
        assert reopened.audits.template(AuditKind.EXTERNAL) == default_items(AuditKind.EXTERNAL)  # its own list
        kept = reopened.audits.get(before.id)
        assert kept is not None and 'five_s' in {i.id for i in kept.items}


def test_a_finding_becomes_a_card_from_the_auditor_once(store: Store):
    seed_november(store)
    audit = start_audit(store, T, UNIT, AuditKind.INTERNAL, auditor='Rita Revisor', waiting_weeks=3,
                        period=NOVEMBER)
    store.audits.answer(audit.id, 'board', Verdict.NO, 'Ingen frister på kortene i Pågår', by='Rita Revisor')
    card = finding_to_card(store, T, audit.id, 'board', by='Rita Revisor')
    assert card.title == 'Revisjon: Tavla er oppdatert, med ansvarlig og frist på det som pågår'
    assert (card.origin, card.created_by, card.column) == (Origin.LEADER, 'Rita Revisor', Column.IDEAS)
    assert 'Ingen frister på kortene i Pågår' in card.description and 'Nei' in card.description
    assert store.audits.get(audit.id).cards == {'board': card.id}  # type: ignore[union-attr]
    with pytest.raises(RuleViolation):  # a second tap makes no second card
        finding_to_card(store, T, audit.id, 'board', by='Rita Revisor')
    store.audits.answer(audit.id, 'pdca', Verdict.YES, by='Rita Revisor')
    with pytest.raises(RuleViolation):  # met: not a finding
        finding_to_card(store, T, audit.id, 'pdca', by='Rita Revisor')


def test_due_and_overdue_from_the_last_audit_of_each_kind(store: Store):
    store.now = lambda: at(2)
    assert [d.state for d in audits_due(store, UNIT, date(2026, 11, 2))] == [DueState.DUE, DueState.DUE]
    start_audit(store, T, UNIT, AuditKind.INTERNAL, auditor='Rita', waiting_weeks=3)
    start_audit(store, T, UNIT, AuditKind.EXTERNAL, auditor='Ekstern', waiting_weeks=3)
    assert [d.state for d in audits_due(store, UNIT, date(2026, 11, 10))] == [DueState.OK, DueState.OK]
    assert [d.state for d in audits_due(store, UNIT, date(2026, 12, 3))] == [DueState.OVERDUE, DueState.OK]
    assert audits_due(store, OTHER_UNIT, date(2026, 12, 3))[0].last is None  # each unit its own


def test_an_unreadable_audit_is_left_out_and_the_others_kept(store: Store, caplog: pytest.LogCaptureFixture):
    audit = start_audit(store, T, UNIT, AuditKind.INTERNAL, auditor='Rita', waiting_weeks=3, period=NOVEMBER)
    store.audits.answer(audit.id, 'board', Verdict.YES, by='Rita')
    store.close()
    path = store.folder / 'audits' / f'{UNIT}.json'
    data = orjson.loads(path.read_bytes())
    data['audits']['99'] = {'id': 'broken', 'unit_id': UNIT, 'kind': 'weekly'}
    data['answers']['99'] = {'audit_id': audit.id, 'item_id': 'pdca', 'verdict': 'kanskje', 'stamp': 'x'}
    path.write_bytes(orjson.dumps(data))
    with Store(store.folder) as reopened:
        [kept] = reopened.audits.all(UNIT)
        assert kept.id == audit.id and set(kept.answers) == {*audit.answers, 'board'}
    assert 'cannot be read' in caplog.text
