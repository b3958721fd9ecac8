"""The leaders' and admin pages: login, permissions over HTTP and over websocket events, overview, dashboard,
goals, reports. Through NiceGUI's simulated user and httpx against the app (no browser)."""

from __future__ import annotations

import csv
import importlib
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from nicegui.testing import User as SimulatedUser
from pypdf import PdfReader

from board import admin
from board.domain import Card, CardFields, Column, Gain, GainCategory, GainStatus, Meeting, Origin
from board.store.files import FORMAT
from board.users import Grant, Scope

from ..conftest import Hub, off_loop
from ..factories import OTHER_UNIT, UNIT
from ..helpers import eventually, tap_card

PASSWORD = 'et langt nok passord'


async def add_user(hub: Hub, username: str, *roles: str) -> None:
    await off_loop(admin.set_user, hub.store, username, name=username.capitalize(),
                   grants=[Grant.parse(r) for r in roles], password=PASSWORD)


async def logged_in(hub: Hub, username: str, *roles: str) -> SimulatedUser:
    await add_user(hub, username, *roles)
    user = hub.new_user()
    response = await user.http_client.post('/login', data={'username': username, 'password': PASSWORD})
    assert response.status_code == 303, response.text
    return user


@pytest.mark.parametrize('path', ['/leder', '/leder/gevinster', f'/leder/enheter/{UNIT}', '/admin'])
async def test_anonymous_visitors_are_sent_to_the_login(hub: Hub, path: str):
    response = await hub.new_user().http_client.get(path)
    assert response.status_code == 303
    assert response.headers['location'] == f'/login?next={path}'


@pytest.mark.parametrize('path', ['/leder/rapport.csv', '/leder/rapport.pdf'])
async def test_anonymous_visitors_get_no_reports(hub: Hub, path: str):
    response = await hub.new_user().http_client.get(path)
    assert response.status_code == 401
    assert 'Ingen tilgang' in response.text


async def test_walls_stay_open_without_login(hub: Hub):
    response = await hub.new_user().http_client.get(f'/units/{UNIT}')
    assert response.status_code == 200


async def test_wrong_passwords_lock_no_one_out(hub: Hub):
    await add_user(hub, 'kari', f'unit:{UNIT}')
    client = hub.new_user().http_client
    response = await client.post('/login', data={'username': 'kari', 'password': 'feil passord'})
    assert response.status_code == 401 and 'Feil brukernavn eller passord.' in response.text
    assert 'board_session' not in response.cookies
    for _ in range(4):
        await client.post('/login', data={'username': 'kari', 'password': 'feil passord'})
    # five wrong passwords from one address lock nothing: they slow that address down (tests/ui/test_limits.py)
    response = await client.post('/login', data={'username': 'kari', 'password': PASSWORD})
    assert response.status_code == 303
    # an unknown name answers like a wrong password: no hint which names exist
    response = await client.post('/login', data={'username': 'finnes.ikke', 'password': PASSWORD})
    assert response.status_code == 401


async def test_login_sets_a_session_cookie_and_only_goes_to_local_pages(hub: Hub):
    await add_user(hub, 'kari', f'unit:{UNIT}')
    client = hub.new_user().http_client
    response = await client.post('/login?next=//evil.example/x', data={'username': 'kari', 'password': PASSWORD})
    assert response.status_code == 303 and response.headers['location'] == '/leder'
    cookie = response.headers['set-cookie']
    assert 'board_session=' in cookie and 'HttpOnly' in cookie and 'SameSite=lax' in cookie
    token = response.cookies['board_session']
    assert token not in str(hub.store.folder.joinpath('users.json').read_text())  # kept only as a hash


async def test_a_unit_leader_sees_only_their_unit_and_no_admin(hub: Hub):
    user = await logged_in(hub, 'kari', f'unit:{UNIT}')
    await user.open('/leder')
    await user.should_see('Avdeling A')
    await user.should_not_see('Skole B')
    for path, status in ((f'/leder/enheter/{OTHER_UNIT}', 403), ('/admin', 403), ('/leder/enheter/nope', 404)):
        response = await user.http_client.get(path)
        assert response.status_code == status, path
    await hub.do.create_card(UNIT, CardFields(title='Kortet til avdelingen'))
    await hub.do.create_card(OTHER_UNIT, CardFields(title='Kortet til skolen'))
    rows = list(csv.reader(io.StringIO((await user.http_client.get('/leder/rapport.csv')).content
                                       .decode('utf-8-sig')), delimiter=';'))
    assert [(r[1], r[3]) for r in rows[1:]] == [('Avdeling A', 'Kortet til avdelingen')]  # her unit, only hers


async def test_an_area_leader_sees_the_units_of_the_area(hub: Hub):
    user = await logged_in(hub, 'per', 'area:oppvekst')
    await user.open('/leder')
    await user.should_see('Skole B')
    await user.should_not_see('Avdeling A')


async def test_a_goal_saved_after_the_login_ended_is_refused_on_the_server(hub: Hub):
    user = await logged_in(hub, 'kari', f'unit:{UNIT}')
    await user.open(f'/leder/enheter/{UNIT}')
    user.find(marker='manage-goals').click()
    user.find(marker='new-goal').click()
    user.find(marker='goal-name').type('Færre avbrytelser')
    # the page is open and the dialog filled in; now the leader's role is taken away
    await off_loop(admin.set_user, hub.store, 'kari', grants=[Grant(Scope.UNIT, OTHER_UNIT)])
    user.find(marker='goal-save').click()
    await user.should_see('Innloggingen din er utløpt eller endret.')
    assert [g.name for g in hub.store.goals(UNIT)] == ['Kortere ventetid', 'Trivsel']


async def test_a_leader_creates_and_edits_a_goal(hub: Hub):
    user = await logged_in(hub, 'kari', f'unit:{UNIT}')
    await user.open(f'/leder/enheter/{UNIT}')
    user.find(marker='manage-goals').click()
    user.find(marker='new-goal').click()
    user.find(marker='goal-save').click()
    await user.should_see('Skriv et navn.')  # refused: nothing saved
    user.find(marker='goal-name').type('Færre avbrytelser')
    user.find(marker='goal-colour').elements.pop().value = '#AA4499'
    user.find(marker='goal-status').elements.pop().value = 'at_risk'
    user.find(marker='goal-target-unit').type('per vakt')
    user.find(marker='goal-current').elements.pop().value = 12
    user.find(marker='goal-target').elements.pop().value = 5
    user.find(marker='goal-better').elements.pop().value = 'down'
    user.find(marker='goal-save').click()
    await eventually(lambda: len(hub.store.goals(UNIT)) == 3)
    goal = hub.store.goals(UNIT)[-1]
    measure = goal.measure
    assert measure is not None
    assert (goal.name, goal.colour, goal.status.value, measure.baseline, measure.target, measure.better) == (
        'Færre avbrytelser', '#AA4499', 'at_risk', 12, 5, 'down')
    wall = hub.new_user()
    await wall.open(f'/units/{UNIT}')
    await wall.should_see('Færre avbrytelser')  # on the wall, without login


async def test_a_card_moved_by_a_leader_records_who_and_a_lost_login_refuses(hub: Hub):
    card = await hub.do.create_card(UNIT, CardFields(title='Felles medisinrom'))
    user = await logged_in(hub, 'kari', f'unit:{UNIT}')
    await user.open(f'/leder/enheter/{UNIT}')
    await user.should_see('Kort med blå ramme er endret de siste 7 dagene')
    tap_card(user, card)
    user.find(marker='dialog-owner').type('Ola')
    user.find(marker='dialog-save').click()
    await eventually(lambda: hub.store.card(UNIT, card.id).owner == 'Ola')
    changed = hub.store.card(UNIT, card.id)
    assert (changed.changed_origin, changed.changed_by) == (Origin.LEADER, 'Kari')
    # the account is closed; the open page can no longer change
    await off_loop(admin.set_user, hub.store, 'kari', disabled=True)
    tap_card(user, card)
    user.find(marker='dialog-owner').type('x')
    user.find(marker='dialog-save').click()
    await user.should_see('Innloggingen din er utløpt eller endret.')
    assert hub.store.card(UNIT, card.id).owner == 'Ola'


async def _seed_gains(hub: Hub) -> None:
    now = datetime.now(UTC)
    identified = (now - timedelta(days=30)).date()
    cards = [
        Card(id='g1', unit_id=UNIT, title='Færre telefoner på kveld', column=Column.DONE, created_at=now,
             started_at=now, finished_at=now,
             gain=Gain(categories=(GainCategory.QUALITY,), hours_per_week=7.5, identified_on=identified,
                       status=GainStatus.REALISED, realised_on=now.date(), confirmed_by='Enhetsleder',
                       amount_nok=20_000)),
        Card(id='g2', unit_id=OTHER_UNIT, title='=HYPERLINK("http://x") ny timeplan', column=Column.DOING,
             created_at=now, started_at=now,
             gain=Gain(categories=(GainCategory.SAVINGS,), hours_per_week=30, identified_on=identified)),
    ]
    await hub.do.import_cards(UNIT, cards[:1])
    await hub.do.import_cards(OTHER_UNIT, cards[1:])
    await hub.do.record_meeting(Meeting(id='m1', unit_id=UNIT, started_at=now - timedelta(days=2, minutes=15),
                                 ended_at=now - timedelta(days=2), present=7))


async def test_overview_for_the_whole_organisation(hub: Hub):
    await _seed_gains(hub)
    five_weeks_ago = datetime.now(UTC) - timedelta(weeks=5)
    old_idea = Card(id='old', unit_id=OTHER_UNIT, title='Gammel idé', created_at=five_weeks_ago)
    await hub.do.import_cards(OTHER_UNIT, [old_idea])
    user = await logged_in(hub, 'leder', 'organisation')
    await user.open('/leder')
    for text in ('Helse og omsorg', 'Oppvekst', 'Avdeling A', 'Skole B', 'Ingen tavlemøte registrert',
                 'Ideer som har ventet over 3 uker: 1', 'Gevinst: 0,2 identifisert / 0,2 realisert årsverk',
                 'Gevinst: 0,8 identifisert / 0 realisert årsverk'):
        await user.should_see(text)
    await user.should_see(content='Siste tavlemøte')
    filtered = await logged_in(hub, 'leder2', 'organisation')
    await filtered.open('/leder?area=oppvekst')
    await filtered.should_see('Skole B')
    await filtered.should_not_see('Avdeling A')


async def test_the_overview_s_tiles_are_made_after_the_start_and_its_first_request_uses_them(hub: Hub):
    store = hub.store
    made_by = importlib.import_module('board.ui.leaders')._TILES  # the module as this test's hub imported it

    def tiles() -> dict[str, object]:
        return {u.id: made_by[(store.folder, u.id)][1] for u in store.organisation.units
                if (store.folder, u.id) in made_by}

    await eventually(lambda: len(tiles()) == len(store.organisation.units), seconds=10)  # before anyone asks
    made = tiles()
    user = await logged_in(hub, 'leder', 'organisation')
    await user.open('/leder')
    await user.should_see('Avdeling A')
    assert all(tile is made[unit_id] for unit_id, tile in tiles().items())  # found made, not made again
    await hub.do.create_card(UNIT, CardFields(title='Ny idé etter starten'))
    await user.open('/leder')
    assert tiles()[UNIT] is not made[UNIT] and tiles()[OTHER_UNIT] is made[OTHER_UNIT]  # only the changed unit's


async def test_gains_dashboard_and_reports(hub: Hub):
    await _seed_gains(hub)
    user = await logged_in(hub, 'leder', 'organisation')
    await user.open('/leder/gevinster')
    for text in ('Gevinster', 'Identifisert', 'Realisert', 'Enheter med aktiv tavle', 'av 2', 'Per kvartal (årsverk)'):
        await user.should_see(text)
    categories = {r['category']: (r['identified'], r['realised']) for r in user.find(marker='category-table')
                  .elements.pop().rows}
    assert categories == {'Økt kvalitet': ('0,2', '0,2'), 'Økt kvantitet': ('0', '0'), 'Besparelse': ('0,8', '0')}
    units = {r['unit']: (r['identified'], r['realised']) for r in user.find(marker='unit-table').elements.pop().rows}
    assert units == {'Avdeling A': ('0,2', '0,2'), 'Skole B': ('0,8', '0')}
    [kpi] = user.find(marker='kpi-identified').elements
    assert '1' in [c.text for c in kpi.descendants() if hasattr(c, 'text')]  # 7.5 h + 30 h = 37.5 h = 1 årsverk
    [chart] = user.find(marker='quarter-chart').elements
    assert sum(chart.options['series'][0]['data']) == pytest.approx(1.0)

    response = await user.http_client.get('/leder/rapport.csv')
    assert response.headers['content-type'].startswith('text/csv')
    assert response.content.startswith(b'\xef\xbb\xbf')  # the BOM: Excel opens it as UTF-8
    rows = list(csv.reader(io.StringIO(response.content.decode('utf-8-sig')), delimiter=';'))
    assert rows[0][:4] == ['Tjenesteområde', 'Enhet', 'Kort-id', 'Tittel']
    by_id = {r[2]: r for r in rows[1:]}
    assert by_id['g1'][3] == 'Færre telefoner på kveld' and by_id['g1'][15] == '0,200'
    assert by_id['g2'][3].startswith("'=HYPERLINK")  # never a formula in someone's spreadsheet

    response = await user.http_client.get(f'/leder/rapport.pdf?period={date.today().year}')
    assert response.headers['content-type'] == 'application/pdf'
    text = ' '.join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert 'Statusrapport for forbedringsarbeidet' in text
    assert '1 årsverk identifisert, 0,2 realisert' in text
    assert 'Færre telefoner på kveld' in text and 'Avdeling A' in text and 'Skole B' in text


async def test_admin_page_adds_a_unit_and_a_user_and_pairs_a_screen(hub: Hub):
    user = await logged_in(hub, 'it', 'admin')
    await user.open('/admin')
    user.find(marker='unit-name').type('Åsen bo- og behandlingssenter')
    user.find(marker='unit-area').elements.pop().value = 'helse'
    user.find(marker='add-unit').click()
    await eventually(lambda: hub.store.unit('asen-bo-og-behandlingssenter') is not None)
    user.find(marker='change-unit').elements.pop().value = UNIT
    user.find(marker='change-name').elements.pop().value = 'Avdeling A, Solsiden'
    user.find(marker='save-unit').click()
    await eventually(lambda: hub.store.unit(UNIT).name == 'Avdeling A, Solsiden')  # type: ignore[union-attr]
    assert hub.store.unit(UNIT).service_area_id == 'helse' and hub.store.goals(UNIT)  # type: ignore[union-attr]
    user.find(marker='tab-users').click()
    user.find(marker='new-user').click()
    user.find(marker='user-username').type('siri')
    user.find(marker='user-name').type('Siri Enhetsleder')
    user.find(marker='user-roles').elements.pop().value = ['unit:asen-bo-og-behandlingssenter']
    user.find(marker='user-password').type('kort')
    user.find(marker='user-save').click()
    await user.should_see('Passordet må ha minst 10 tegn.', retries=20)
    assert hub.store.accounts.user('siri') is None
    user.find(marker='user-password').type(' men nå er det langt nok')
    user.find(marker='user-save').click()
    await eventually(lambda: hub.store.accounts.user('siri') is not None)
    assert hub.store.accounts.user('siri').grants == (Grant(Scope.UNIT, 'asen-bo-og-behandlingssenter'),)  # type: ignore
    user.find(marker='tab-screens').click()
    user.find(marker='pair-unit').elements.pop().value = UNIT
    user.find(marker='pair').click()
    await user.should_see(content='Paringskode for avd-a', retries=40)


async def test_leader_pages_ask_again_for_every_admin_action(hub: Hub):
    user = await logged_in(hub, 'it', 'admin')
    await user.open('/admin')
    await off_loop(admin.set_user, hub.store, 'it', grants=[Grant(Scope.ORGANISATION)])  # no longer admin
    user.find(marker='unit-name').type('Ny enhet')
    user.find(marker='unit-area').elements.pop().value = 'helse'
    user.find(marker='add-unit').click()
    await user.should_see('Innloggingen din er utløpt eller endret.')
    assert hub.store.unit('ny-enhet') is None


async def test_admin_lists_wall_screens_flags_silent_ones_and_revokes(hub: Hub):
    from board.devices import Kiosk, PairingCode, hash_secret
    store = hub.store
    now = store.now()
    for kiosk_id, seen in (('kioskquiet', now - timedelta(minutes=11)), ('kioskfresh', now)):
        code = f'CODE{kiosk_id}'
        screens = hub.do.wall_screens
        await screens.add_pairing_code(PairingCode(code_hash=hash_secret(code), unit_id=UNIT,
                                                   expires_at=now + timedelta(1)))
        await screens.redeem_pairing_code(hash_secret(code), Kiosk(id=kiosk_id, unit_id=UNIT, token_hash=kiosk_id,
                                                                   paired_at=now))
        store.now = lambda seen=seen: seen  # its last heartbeat came then
        await screens.record_heartbeat(kiosk_id, version='0.1.0', outbox=2, clock_offset_ms=-40,
                                       refused=3 if kiosk_id == 'kioskfresh' else 0)
    store.now = lambda: now
    user = await logged_in(hub, 'it', 'admin')
    await user.open('/admin')
    user.find(marker='tab-screens').click()
    [quiet] = user.find(marker='kiosk-state-kioskquiet').elements
    [fresh] = user.find(marker='kiosk-state-kioskfresh').elements
    assert (quiet.text, fresh.text) == ('Ikke sett på over 10 min', 'I orden')
    await user.should_see(content='2 venter · klokke -40 ms')
    [refused] = user.find(marker='kiosk-refused-kioskfresh').elements
    assert refused.text == '3 endringer ikke synkronisert: se loggen'
    await user.should_not_see(marker='kiosk-refused-kioskquiet')
    # these heartbeats came without a data format, as from a release from before formats: flagged for an upgrade
    [upgrade] = user.find(marker='kiosk-upgrade-kioskfresh').elements
    assert 'dataformat 1' in upgrade.text and f'dataformat {FORMAT}' in upgrade.text
    user.find(marker='revoke-kioskquiet').click()
    await eventually(lambda: next(k for k in store.wall_screens.all() if k.id == 'kioskquiet').revoked)


async def test_a_leader_confirms_a_gain_months_after_the_card_left_the_board(hub: Hub):
    long_ago = datetime.now(UTC) - timedelta(days=120)
    gain = Gain(categories=(GainCategory.CAPACITY,), hours_per_week=3.75, identified_on=long_ago.date())
    await hub.do.import_cards(UNIT, [Card(id='arkivert', unit_id=UNIT, title='Ryddig lager', column=Column.DONE,
                                       created_at=long_ago, started_at=long_ago, finished_at=long_ago, gain=gain)])
    assert hub.store.card(UNIT, 'arkivert') is None  # in the archive, not on the board
    other = await logged_in(hub, 'per', f'unit:{OTHER_UNIT}')
    await other.open('/leder/gevinster')
    await other.should_see('Ingen gevinster venter på bekreftelse.')  # not his unit
    user = await logged_in(hub, 'kari', f'unit:{UNIT}')
    await user.open('/leder/gevinster')
    await user.should_see('Ryddig lager')
    user.find(marker='confirm-arkivert').click()
    user.find(marker='confirm-save').click()
    await user.should_see('Gevinsten er bekreftet som realisert.')
    [entry] = [e for e in hub.store.gain_entries() if e.card_id == 'arkivert']
    assert entry.realised_on == hub.store.local_now().date() and entry.confirmed_by == 'Kari'
    [card] = [c for c in hub.store.archived_cards(UNIT, long_ago.year) if c.id == 'arkivert']
    assert card.gain.realised and card.changed_by == 'Kari'  # type: ignore[union-attr]


async def test_a_period_without_gains_shows_an_empty_dashboard(hub: Hub):
    user = await logged_in(hub, 'leder', 'organisation')
    for period in ('2025', '2019-Q2', 'tull'):
        response = await user.http_client.get(f'/leder/gevinster?period={period}')
        assert response.status_code == 200, period
