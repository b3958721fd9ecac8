"""The board meeting on the wall, through NiceGUI's simulated user: every idea gets an answer, work in progress
and finished work are gone through, recognition is given, and the meeting leaves its record."""

from __future__ import annotations

from nicegui import ui

from board.domain import Answer, CardFields, Column, Origin

from ..conftest import Hub
from ..factories import UNIT
from ..helpers import eventually, open_board


async def test_a_whole_meeting_leaves_its_record(hub: Hub):
    store = hub.store
    first = await hub.do.create_card(UNIT, CardFields(title='Fast plass for rullatorene'), origin=Origin.PHONE)
    second = await hub.do.create_card(UNIT, CardFields(title='Kaffekrok for pårørende'))
    third = await hub.do.create_card(UNIT, CardFields(title='Ny kaffemaskin'))
    doing = await hub.do.create_card(UNIT, CardFields(title='Sjekkliste for innkomst', owner='Per'),
                                     column=Column.DOING)
    user = await open_board(hub)
    user.find(marker='start-meeting').click()
    await user.should_see('Tavlemøte – uke', retries=20)
    for _ in range(7):
        user.find(marker='present-plus').click()
    user.find(marker='present-minus').click()
    await user.should_see('Hvordan går det med målene?')  # the meeting begins with the goals
    user.find(marker='step-ideas').click()
    await user.should_see('Idé 1 av 3')
    await user.should_see('Fast plass for rullatorene')
    user.find(marker='accept').click()
    user.find(marker='accept-owner').type('Kari')
    user.find(marker='accept-pdca').elements.pop().value = 'do'
    user.find(marker='accept-confirm').click()
    await user.should_see('Idé 2 av 3')
    user.find(marker='park').click()
    await user.should_see('Idé 3 av 3')
    user.find(marker='decline').click()
    user.find(marker='decline-confirm').click()
    await user.should_see('Skriv noen ord først.')  # a declined idea always gets a reason
    user.find(marker='decline-reason').type('Kjøkkenet bytter maskin i januar')
    user.find(marker='decline-confirm').click()
    await user.should_see('Alle ideer har fått svar.')
    accepted = store.card(UNIT, first.id)
    assert (accepted.column, accepted.owner, accepted.pdca.value) == (Column.DOING, 'Kari', 'do')  # type: ignore
    assert store.card(UNIT, second.id).answer == Answer.PARKED  # type: ignore[union-attr]
    assert store.card(UNIT, third.id) is None and store.declined(UNIT)[0].answer_note.startswith('Kjøkkenet')

    user.find(marker='step-doing').click()
    user.find(marker=f'pdca-{doing.id}').elements.pop().value = 'check'
    await eventually(lambda: store.card(UNIT, doing.id).pdca.value == 'check')  # type: ignore[union-attr]
    user.find(marker=f'finish-{doing.id}').click()
    await eventually(lambda: store.card(UNIT, doing.id).column == Column.DONE)  # type: ignore[union-attr]

    user.find(marker='step-done').click()
    user.find(marker=f'gain-{doing.id}').click()
    user.find(marker='gain-category-quality').click()
    user.find(marker='gain-hours').elements.pop().value = 3.75
    user.find(marker='gain-save').click()
    await eventually(lambda: store.card(UNIT, doing.id).gain is not None)  # type: ignore[union-attr]

    user.find(marker='step-recognition').click()
    user.find(marker='recognition-text').type('Takk til nattevakta for ryddig medisinrom')
    user.find(marker='recognition-add').click()
    await eventually(lambda: len(store.recognitions(UNIT)) == 1)
    user.find(marker='end-meeting').click()
    await user.should_see(marker='meeting-summary')
    assert store.last_meeting(UNIT) is None  # nothing kept before it is confirmed
    user.find(marker='summary-save').click()
    await eventually(lambda: store.last_meeting(UNIT) is not None)
    await user.should_see(marker='meeting-record')  # the record stays on the screen
    user.find(marker='record-close').click()
    meeting = store.last_meeting(UNIT)
    assert meeting.present == 6  # type: ignore[union-attr]
    assert meeting.decisions == (  # type: ignore[union-attr]
        '«Fast plass for rullatorene» tatt inn i Pågår (ansvarlig: Kari)',
        '«Kaffekrok for pårørende» parkert',
        '«Ny kaffemaskin» avslått: Kjøkkenet bytter maskin i januar',
        '«Sjekkliste for innkomst»: Kontrollere',
        '«Sjekkliste for innkomst» ferdig',
        '«Sjekkliste for innkomst»: gevinst 0,1 årsverk',
        'Ros: Takk til nattevakta for ryddig medisinrom',
    )
    await user.should_see('Takk til nattevakta for ryddig medisinrom')  # on the board for the week
    assert not store.card(UNIT, first.id).unseen  # type: ignore[union-attr]


async def test_history_shows_the_week_with_its_meeting_and_finished_work(hub: Hub):
    from datetime import timedelta

    from board.domain import Meeting
    store = hub.store
    done = await hub.do.create_card(UNIT, CardFields(title='Ferdig i dag', quick_win=True), column=Column.DONE)
    now = store.now()
    await hub.do.record_meeting(Meeting(id='m1', unit_id=UNIT, started_at=now - timedelta(minutes=16), ended_at=now,
                                 present=8, decisions=('«Ferdig i dag» ferdig',)))
    user = hub.new_user()
    await user.open(f'/units/{UNIT}/historikk')
    await user.should_see(content='16 min, 8 til stede')
    await user.should_see('«Ferdig i dag» ferdig')
    await user.should_see('Ferdig i dag')
    assert done.id
    user.find(marker='previous-week').click()
    await user.should_see('Ingen tavlemøte denne uka.')


async def test_five_whys_and_fishbone_are_done_at_the_board(hub: Hub):
    from board.domain import FishboneHeading

    from ..helpers import tap_card
    card = await hub.do.create_card(UNIT, CardFields(title='Medisiner gis for sent'), column=Column.DOING)
    user = await open_board(hub)
    tap_card(user, card)
    user.find(marker='dialog-root-causes').click()
    user.find(marker='problem').type('Kveldsmedisinen gis en time for sent tre dager i uka')
    user.find(marker='why-1').type('Vogna er ikke klar')
    user.find(marker='why-2').type('Apoteket leverer sent')
    user.find(marker='tab-fishbone').click()
    # the problem is the fish's head; a tap on a bone opens its causes, which are then drawn on the bone
    await user.should_see(marker='fishbone-head', content='Kveldsmedisinen gis en time for sent')
    await user.should_see(marker='cause-method')  # the first bone open
    await user.should_not_see(marker='cause-equipment')
    user.find(marker='cause-method').type('Ingen fast rutine\nUklart ansvar')
    user.find(marker='bone-equipment').click()
    await user.should_not_see(marker='cause-method')
    user.find(marker='cause-equipment').type('Én vogn')
    [bone] = user.find(marker='bone-method').elements
    assert [e.text for e in bone.descendants() if 'fishbone-cause' in e.classes] == ['Ingen fast rutine',
                                                                                     'Uklart ansvar']
    user.find(marker='root-cause-save').click()
    await eventually(lambda: hub.store.card(UNIT, card.id).whys != ())  # type: ignore[union-attr]
    saved = hub.store.card(UNIT, card.id)
    assert saved.problem == 'Kveldsmedisinen gis en time for sent tre dager i uka'  # type: ignore[union-attr]
    assert saved.whys == ('Vogna er ikke klar', 'Apoteket leverer sent')  # type: ignore[union-attr]
    assert saved.causes == ((FishboneHeading.METHOD, 'Ingen fast rutine'),  # type: ignore[union-attr]
                            (FishboneHeading.METHOD, 'Uklart ansvar'), (FishboneHeading.EQUIPMENT, 'Én vogn'))
    await user.should_see('Årsaksanalyse')  # the card shows that it has one


async def test_the_gain_at_the_wall_takes_four_taps_and_is_identified(hub: Hub):
    from board.domain import GainCategory, GainStatus

    store = hub.store
    card = await hub.do.create_card(UNIT, CardFields(title='Ferdigpakket stellevogn', quick_win=True),
                                    column=Column.DONE)
    user = await open_board(hub)
    user.find(marker='start-meeting').click()
    await user.should_see('Tavlemøte – uke', retries=20)
    user.find(marker='step-done').click()
    await user.should_see('Ferdigpakket stellevogn')
    user.find(marker=f'gain-{card.id}').click()               # 1
    user.find(marker='gain-category-capacity').click()       # 2
    user.find(marker='gain-quick-day-10').click()            # 3
    await user.should_see('= 0,02 årsverk')  # ten minutes on five days: 50 min a week of a 37.5-hour week
    user.find(marker='gain-save').click()                    # 4
    await eventually(lambda: store.card(UNIT, card.id).gain is not None)  # type: ignore[union-attr]
    gain = store.card(UNIT, card.id).gain  # type: ignore[union-attr]
    assert (gain.categories, gain.minutes_per_day, gain.days_per_week, gain.status) == (
        (GainCategory.CAPACITY,), 10, 5, GainStatus.IDENTIFIED)


async def test_goals_first_parked_ideas_come_back_and_the_end_can_be_taken_back(hub: Hub):
    import dataclasses
    from datetime import timedelta

    from board.domain import GoalStatus

    store = hub.store
    now = store.now()
    parked = await hub.do.create_card(UNIT, CardFields(title='Parkert for lenge siden'))
    recent = await hub.do.create_card(UNIT, CardFields(title='Parkert i forrige uke'))
    await hub.do.import_cards(UNIT, [
        dataclasses.replace(parked, answer=Answer.PARKED, answered_at=now - timedelta(weeks=5), stamps={}),
        dataclasses.replace(recent, answer=Answer.PARKED, answered_at=now - timedelta(weeks=1), stamps={})])
    user = await open_board(hub)
    user.find(marker='start-meeting').click()
    await user.should_see('Hvordan går det med målene?', retries=20)
    user.find(marker='goal-status-trivsel').elements.pop().value = GoalStatus.AT_RISK.value
    await eventually(lambda: next(g for g in store.goals(UNIT) if g.id == 'trivsel').status == GoalStatus.AT_RISK)
    user.find(marker='step-parked').click()
    await user.should_see('1 parkert idé er tilbake på dagsorden')  # parked one week ago: not back yet
    [idea] = user.find(marker='meeting-idea').elements
    assert 'Parkert for lenge siden' in [e.text for e in idea.descendants() if isinstance(e, ui.label)]
    user.find(marker='accept').click()
    user.find(marker='accept-confirm').click()
    await user.should_see(marker='parked-done')
    assert store.card(UNIT, parked.id).column == Column.DOING  # type: ignore[union-attr]
    user.find(marker='end-meeting').click()
    await user.should_see(marker='meeting-summary')
    await user.should_see(content='Mål «Trivsel»: I fare')
    user.find(marker='summary-back').click()  # not yet: back to the meeting, nothing kept
    await user.should_not_see(marker='meeting-summary')
    assert store.last_meeting(UNIT) is None
    await user.should_see(marker='step-ideas')

