"""The weekly rhythm in the store: answers to ideas, root causes, recognitions, meeting records, the week rollover
with a controlled clock (the turn of the year included), and meetings travelling between a wall screen and the hub."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from board.domain import Answer, CardFields, Column, FishboneHeading, IsoWeek, Meeting, RuleViolation
from board.store import Store
from board.store.codec import card_from_dict, card_to_dict

from ..conftest import Hub
from ..factories import UNIT, seeded_store
from ..helpers import Network, eventually, start_kiosk, stop


def test_every_idea_gets_an_answer_parked_stays_declined_leaves_with_its_reason(store: Store) -> None:
    parked = store.create_card(UNIT, CardFields(title='Senere'))
    declined = store.create_card(UNIT, CardFields(title='Nei takk'))
    with pytest.raises(RuleViolation) as refused:
        store.answer_idea(UNIT, declined.id, Answer.DECLINED, '   ')
    assert refused.value.problems[0].key == 'error.text_empty'  # a declined idea always gets a reason
    store.answer_idea(UNIT, parked.id, Answer.PARKED)
    store.answer_idea(UNIT, declined.id, Answer.DECLINED, 'Gjøres allerede av kjøkkenet')
    assert [c.title for c in store.cards(UNIT)] == ['Senere']
    assert store.card(UNIT, parked.id).answer == Answer.PARKED  # type: ignore[union-attr]
    [gone] = store.declined(UNIT)
    assert (gone.title, gone.answer_note) == ('Nei takk', 'Gjøres allerede av kjøkkenet')
    doing = store.create_card(UNIT, CardFields(title='I gang'), column=Column.DOING)
    with pytest.raises(RuleViolation):
        store.answer_idea(UNIT, doing.id, Answer.PARKED)


def test_five_whys_and_fishbone_are_kept_with_the_card(store: Store) -> None:
    card = store.create_card(UNIT, CardFields(title='Medisiner gis for sent'))
    whys = ['Vogna er ikke klar', 'Apoteket leverer sent', ' ', 'Bestillingen går på fredag']
    causes = [(FishboneHeading.METHOD, 'Ingen fast rutine'), (FishboneHeading.EQUIPMENT, 'Én vogn for to ganger')]
    saved = store.set_root_causes(UNIT, card.id, whys, causes)
    assert saved.whys == ('Vogna er ikke klar', 'Apoteket leverer sent', 'Bestillingen går på fredag')
    assert card_from_dict(card_to_dict(saved)) == saved
    with pytest.raises(RuleViolation):
        store.set_root_causes(UNIT, card.id, [f'hvorfor {n}' for n in range(6)], [])


def test_the_analysis_starts_from_a_problem_statement_kept_and_synced_with_the_card(store: Store, tmp_path) -> None:
    from board.merge import merge_card

    card = store.create_card(UNIT, CardFields(title='Medisiner gis for sent'))
    saved = store.set_root_causes(UNIT, card.id, ['Vogna er ikke klar'], [],
                                  problem='  Kveldsmedisinen gis en time for sent  ')
    assert saved.problem == 'Kveldsmedisinen gis en time for sent'
    assert card_from_dict(card_to_dict(saved)) == saved
    assert store.set_root_causes(UNIT, card.id, ['Vogna er ikke klar'], []).problem == saved.problem  # kept
    with pytest.raises(RuleViolation):
        store.set_root_causes(UNIT, card.id, [], [], problem='x' * 301)
    assert 'problem' in saved.stamps and merge_card(card, saved).problem == saved.problem  # merged like a field
    # written with its own stamp, outside "stamps": a wall screen of a release before format 3 refuses stamps of
    # fields it does not know, but passes over a key it does not know
    doc = card_to_dict(saved)
    assert doc['problem'] == {'text': saved.problem, 'stamp': saved.stamps['problem']}
    assert 'problem' not in doc['stamps']
    assert card_from_dict(card_to_dict(card)).problem == ''
    # a card coming back from such a screen without the key keeps this side's problem
    from_old_release = card_from_dict({k: v for k, v in doc.items() if k != 'problem'})
    assert merge_card(saved, from_old_release).problem == saved.problem


def test_a_meeting_record_clears_new_and_recognitions_show_per_week(store: Store) -> None:
    from board.domain import Origin
    idea = store.create_card(UNIT, CardFields(title='Fra mobil'), origin=Origin.PHONE)
    assert idea.unseen
    now = store.now()
    store.record_meeting(Meeting(id='m', unit_id=UNIT, started_at=now - timedelta(minutes=14), ended_at=now,
                                 present=9, decisions=('«Fra mobil»: parkert',)))
    assert not store.card(UNIT, idea.id).unseen  # type: ignore[union-attr]
    assert store.last_meeting(UNIT).minutes == 14  # type: ignore[union-attr]
    ros = store.add_recognition(UNIT, 'Takk til nattevakta for ryddig medisinrom!')
    assert [r.text for r in store.recognitions(UNIT)] == [ros.text]
    store.remove_recognition(UNIT, ros.id)
    assert store.recognitions(UNIT) == []
    with pytest.raises(RuleViolation):
        store.add_recognition(UNIT, '')
    folder = store.folder
    store.close()
    reopened = Store(folder).open()
    assert reopened.last_meeting(UNIT).decisions == ('«Fra mobil»: parkert',)  # type: ignore[union-attr]
    reopened.close()


@pytest.mark.parametrize(('finished', 'stays_until', 'leaves_at'), [
    # finished on Wednesday of week 44; with 4 weeks it leaves when week 48 begins (Monday 00:00 Oslo time)
    (datetime(2026, 10, 28, 10, tzinfo=UTC), datetime(2026, 11, 22, 22, 59, tzinfo=UTC),
     datetime(2026, 11, 22, 23, 0, tzinfo=UTC)),
    # over the turn of the year: 2026 has 53 ISO weeks; finished in week 50 leaves when week 1 of 2027 begins
    (datetime(2026, 12, 9, 10, tzinfo=UTC), datetime(2027, 1, 3, 22, 59, tzinfo=UTC),
     datetime(2027, 1, 3, 23, 0, tzinfo=UTC)),
])
def test_finished_cards_leave_ferdig_when_a_new_week_begins(tmp_path, finished, stays_until, leaves_at) -> None:
    clock = {'now': finished}
    store = seeded_store(tmp_path / 'data', archive_after_weeks=4, now=lambda: clock['now'])
    card = store.create_card(UNIT, CardFields(title='Ferdig', quick_win=True), column=Column.DONE)
    clock['now'] = stays_until
    assert store.archive_finished() == 0 and store.card(UNIT, card.id) is not None
    clock['now'] = leaves_at
    assert IsoWeek.of(store.local_now()).shifted(-4) == IsoWeek.of(finished)
    assert store.archive_finished() == 1 and store.card(UNIT, card.id) is None
    assert [c.id for c in store.archived_cards(UNIT, finished.year)] == [card.id]
    store.close()


def test_iso_weeks_across_the_turn_of_the_year() -> None:
    assert str(IsoWeek.of(datetime(2026, 12, 31))) == '2026-W53'
    assert str(IsoWeek.of(datetime(2027, 1, 4))) == '2027-W01'
    assert IsoWeek(2026, 53).shifted(1) == IsoWeek(2027, 1)
    assert IsoWeek(2027, 1).shifted(-1) == IsoWeek(2026, 53)
    assert IsoWeek(2025, 52).shifted(1) == IsoWeek(2026, 1)  # 2025 has 52


def test_declined_ideas_go_to_the_archive_too(tmp_path) -> None:
    clock = {'now': datetime(2026, 3, 4, 9, tzinfo=UTC)}
    store = seeded_store(tmp_path / 'data', archive_after_weeks=2, now=lambda: clock['now'])
    card = store.create_card(UNIT, CardFields(title='Avslått'))
    store.answer_idea(UNIT, card.id, Answer.DECLINED, 'For dyrt nå')
    clock['now'] += timedelta(weeks=3)
    assert store.archive_finished() == 1
    [archived] = store.archived_cards(UNIT, 2026)
    assert (archived.answer, archived.answer_note) == (Answer.DECLINED, 'For dyrt nå')
    store.close()


async def test_meetings_and_recognitions_travel_between_the_wall_and_the_hub(hub: Hub, tmp_path) -> None:
    network = Network(hub._transport)
    kiosk, client, tasks = await start_kiosk(hub, tmp_path / 'kiosk', network)
    try:
        await eventually(lambda: client.status.online)
        network.down = True  # the meeting happens while the network is down
        now = kiosk.now()
        await kiosk.run(kiosk.record_meeting, Meeting(id='mote-1', unit_id=UNIT, started_at=now - timedelta(
            minutes=15), ended_at=now, present=6, decisions=('Ny rutine for vogna',)))
        ros = await kiosk.run(kiosk.add_recognition, UNIT, 'Takk til Kari for god opplæring')
        await eventually(lambda: client.status.waiting == 2)
        network.down = False
        await eventually(lambda: hub.store.last_meeting(UNIT) is not None, seconds=5)
        assert hub.store.last_meeting(UNIT).present == 6  # type: ignore[union-attr]
        await eventually(lambda: [r.text for r in hub.store.recognitions(UNIT)] == [ros.text])
        await hub.store.run(hub.store.remove_recognition, UNIT, ros.id)  # a leader removes it on the hub
        await eventually(lambda: kiosk.recognitions(UNIT) == [], seconds=2)
        await eventually(lambda: client.status.waiting == 0)
        assert len(hub.store.meetings(UNIT)) == 1 and len(kiosk.meetings(UNIT)) == 1  # no echo, no duplicate
    finally:
        await stop(client, tasks)
        kiosk.close()
