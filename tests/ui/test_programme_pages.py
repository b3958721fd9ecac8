"""Issue 17, items 2 and 4 on the leaders' pages: the rollout figure on the overview and in the PDF, the rollout page
(editable by admins and organisation leaders only, bad input refused in Norwegian), a new leader's training task,
the value stream analysis page making tagged cards, and the dashboard's split of gains by source."""

from __future__ import annotations

import io
from datetime import date, timedelta

from pypdf import PdfReader

from board.domain import CardFields, Column, Gain, GainCategory, Origin
from board.domain.programme import Phase, UnitRollout
from board.ui.programme import parse_improvements

from ..conftest import Hub
from ..factories import OTHER_UNIT, UNIT
from .test_leaders import logged_in


def _coaching(unit_id: str, today: date) -> UnitRollout:
    start = today - timedelta(days=60)
    return UnitRollout(unit_id=unit_id, phase=Phase.COACHING, trained=14, coach='Kari Veileder',
                       dates={Phase.PREPARATION: start, Phase.TRAINING: start + timedelta(days=14),
                              Phase.COACHING: start + timedelta(days=21)})


async def test_the_overview_and_the_pdf_say_how_many_units_are_trained(hub: Hub):
    today = hub.store.local_now().date()
    await hub.do.set_rollout(_coaching(UNIT, today))
    await hub.do.set_rollout(UnitRollout(unit_id=OTHER_UNIT, phase=Phase.TRAINING,
                                         dates={Phase.PREPARATION: today, Phase.TRAINING: today}, trained=3))
    user = await logged_in(hub, 'ola', 'organisation')
    await user.open('/leder')
    await user.should_see('1 av 2 enheter har fått opplæring.')
    response = await user.http_client.get('/leder/rapport.pdf')
    text = ' '.join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert 'Utrulling og opplæring' in text and '1 av 2 enheter har fått opplæring.' in text
    assert '17 ansatte har fått opplæring.' in text
    # a new leader: still trained, and the overview says one waits for new training
    await hub.do.record_new_leader(UNIT, 'Per Nyleder', today, by='Ola')
    await user.open('/leder')
    await user.should_see('1 av 2 enheter har fått opplæring. 1 venter på ny opplæring etter ny leder.')


async def test_an_admin_records_a_new_leader_on_the_rollout_page(hub: Hub):
    today = hub.store.local_now().date()
    await hub.do.set_rollout(_coaching(UNIT, today))
    user = await logged_in(hub, 'admin', 'admin')
    await user.open('/leder/utrulling')
    [row] = [r for r in user.find(marker='rollout-table').elements.pop().rows if r['id'] == UNIT]
    assert (row['phase'], row['trained'], row['coach'], row['flag']) == ('Veiledning', 14, 'Kari Veileder', '')
    user.find(marker='rollout-unit').elements.pop().value = UNIT
    user.find(marker='rollout-new-leader').click()
    user.find(marker='leader-name').type('Per Nyleder')
    user.find(marker='leader-save').click()
    await user.should_see('Ny leder registrert.')
    await user.open('/leder/utrulling')
    [row] = [r for r in user.find(marker='rollout-table').elements.pop().rows if r['id'] == UNIT]
    assert (row['leader'], row['flag']) == ('Per Nyleder', 'Ny leder – ny opplæring')
    rollout = hub.store.rollout(UNIT)
    assert rollout.needs_new_training and rollout.leader == 'Per Nyleder'
    tasks = [c for c in hub.store.cards(UNIT) if c.title == 'Ny leder – ny opplæring']
    assert len(tasks) == 1 and tasks[0].column == Column.DOING and tasks[0].origin == Origin.LEADER


async def test_bad_rollout_input_gets_a_norwegian_message_and_nothing_is_stored(hub: Hub):
    user = await logged_in(hub, 'ola', 'organisation')
    await user.open('/leder/utrulling')
    user.find(marker='rollout-unit').elements.pop().value = UNIT
    user.find(marker='rollout-edit').click()
    user.find(marker='rollout-phase').elements.pop().value = Phase.COACHING.value  # no dates for the phases
    user.find(marker='rollout-save').click()
    await user.should_see('Hver fase fram til den valgte trenger en dato. Ingenting er lagret.')
    user.find(marker='rollout-phase').elements.pop().value = Phase.PREPARATION.value
    user.find(marker='rollout-date-preparation').elements.pop().value = '2099-01-01'
    user.find(marker='rollout-save').click()
    await user.should_see('Datoen kan ikke være fram i tid.')
    user.find(marker='rollout-date-preparation').elements.pop().value = '2026-01-05'
    user.find(marker='rollout-trained').elements.pop().value = -3
    user.find(marker='rollout-save').click()
    await user.should_see('Antall ansatte med opplæring må være et helt tall fra 0 til 5000. Ingenting er lagret.')
    assert hub.store.rollouts() == {}


async def test_a_unit_leader_reads_the_rollout_but_cannot_change_it(hub: Hub):
    user = await logged_in(hub, 'kari', f'unit:{UNIT}')
    await user.open('/leder/utrulling')
    await user.should_see('Administratorer og ledere for hele kommunen kan endre utrullingen.')
    await user.should_not_see(marker='rollout-edit')


async def test_a_vsa_from_the_page_puts_tagged_ideas_on_the_boards(hub: Hub):
    user = await logged_in(hub, 'ola', 'organisation')
    await user.open('/leder/verdistrom')
    user.find(marker='vsa-save').click()
    await user.should_see('Skriv et navn.')  # and no units: nothing stored
    user.find(marker='vsa-name').type('Innkomst av nye brukere')
    user.find(marker='vsa-save').click()
    await user.should_see('Velg minst én enhet for verdistrømanalysen. Ingenting er lagret.')
    assert hub.store.value_stream_analyses() == []
    user.find(marker='vsa-units').elements.pop().value = [UNIT, OTHER_UNIT]
    user.find(marker='vsa-participants').type('Kari\nOla')
    user.find(marker='vsa-improvements').type('Avdeling A: Felles sjekkliste\nÉn kontaktperson')
    user.find(marker='vsa-save').click()
    await user.should_see('Analysen er lagret, og 3 kort er lagt på tavlene.')
    [vsa] = hub.store.value_stream_analyses()
    tagged = {u: [c.title for c in hub.store.cards(u) if c.vsa is not None and c.vsa.id == vsa.id]
              for u in (UNIT, OTHER_UNIT)}
    assert sorted(tagged[UNIT]) == ['Felles sjekkliste', 'Én kontaktperson']
    assert tagged[OTHER_UNIT] == ['Én kontaktperson']


async def test_a_unit_leader_cannot_record_a_vsa_for_a_unit_they_do_not_lead(hub: Hub):
    user = await logged_in(hub, 'kari', f'unit:{UNIT}')
    await user.open('/leder/verdistrom')
    user.find(marker='vsa-name').type('Analyse')
    user.find(marker='vsa-units').elements.pop().value = [OTHER_UNIT]  # not offered: forced from the browser
    user.find(marker='vsa-improvements').type('Noe')
    user.find(marker='vsa-save').click()
    await user.should_see('Innloggingen din er utløpt eller endret.')
    assert hub.store.value_stream_analyses() == []


def test_improvements_are_read_one_a_line():
    names = {UNIT: 'Avdeling A', OTHER_UNIT: 'Skole B'}
    items, problem = parse_improvements('Avdeling A: En\n\nTo', (UNIT, OTHER_UNIT), names)
    assert problem is None and items == [(UNIT, 'En'), (UNIT, 'To'), (OTHER_UNIT, 'To')]
    _, problem = parse_improvements('Skole B: En', (UNIT,), names)
    assert problem is not None and problem.key == 'error.vsa_unknown_unit'


async def test_the_dashboard_splits_the_gains_by_source_against_the_aim(hub: Hub):
    today = hub.store.local_now().date()
    gain = Gain(categories=(GainCategory.QUALITY,), hours_per_week=7.5, identified_on=today)
    from board.domain.programme import ValueStreamAnalysis
    [tagged] = await hub.do.record_vsa(ValueStreamAnalysis(id='vsa1', name='Innkomst', on=today, unit_ids=(UNIT,)),
                                       [(UNIT, 'Felles sjekkliste')])
    phone = await hub.do.create_card(UNIT, CardFields(title='Fra mobilen'), origin=Origin.PHONE)
    for card in (tagged, phone):
        await hub.do.move_card(UNIT, card.id, Column.DOING, 0)
        await hub.do.set_gain(UNIT, card.id, gain)
    user = await logged_in(hub, 'ola', 'organisation')
    await user.open('/leder/gevinster')
    rows = {r['source']: (r['identified'], r['realised'])
            for r in user.find(marker='source-table').elements.pop().rows}
    assert rows['Verdistrømanalyse'] == ('0,2', '0') and rows['Mobil'] == ('0,2', '0')
    assert rows['Tavle'] == ('0', '0') and rows['Innbygger'] == ('0', '0')
    await user.should_see('Mål: 80 % av gevinstene (identifisert) fra verdistrømanalyser. Nå: 50 %.')
    response = await user.http_client.get('/leder/rapport.pdf')
    text = ' '.join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert 'Hvor gevinstene kommer fra' in text and 'Verdistrømanalyse' in text and 'Nå: 50 %.' in text


async def test_the_programme_pages_need_a_login(hub: Hub):
    for path in ('/leder/utrulling', '/leder/verdistrom'):
        response = await hub.new_user().http_client.get(path)
        assert response.status_code == 303 and response.headers['location'] == f'/login?next={path}'
