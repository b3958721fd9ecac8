"""Spreading what works with fingers on wall-sized screens, in Debian's Chromium (issue 17): a finished card shared
from one unit's board comes up in another unit's meeting as *Forslag fra …*, is taken in there, the original shows
*Tatt i bruk av 1 enhet* without a reload, and the leaders' gains dashboard counts the original's gain once (the
suggestion carries none of it)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from bench.hubprocess import start_hub, stop_hub
from board.admin import set_user
from board.domain import Card, Column, Gain, GainCategory
from board.users import Grant, Scope

from ..factories import OTHER_UNIT, UNIT, seeded_store
from .helpers import card
from .test_escalation_browser import start_meeting_at, wall
from .test_meeting_browser import osk_type

pytestmark = pytest.mark.browser

PASSWORD = 'et langt nok passord for testen'


def test_a_finished_card_is_shared_taken_in_by_another_unit_and_its_gain_counted_once(tmp_path, browser: Browser):
    data_dir = tmp_path / 'hub' / 'data'
    store = seeded_store(data_dir)
    now = store.now()
    store.import_cards(UNIT, [Card(id='ferdig-1', unit_id=UNIT, title='Fast plass for rullatorene',
                                   column=Column.DONE, created_at=now, started_at=now, finished_at=now,
                                   gain=Gain(categories=(GainCategory.CAPACITY,), hours_per_week=3.75,
                                             identified_on=now.date()))])
    set_user(store, 'leder', name='Ledergruppa', grants=[Grant(Scope.ORGANISATION)], password=PASSWORD)
    store.close()
    hub = start_hub(data_dir)
    contexts = []
    try:
        ours, theirs = wall(browser), wall(browser)
        contexts += [ours.context, theirs.context]
        ours.goto(hub.board_url(UNIT))
        shared = card(ours, 'Fast plass for rullatorene')
        shared.locator('.card-title').tap()
        ours.get_by_role('button', name='Del med andre enheter').tap()
        dialog = ours.locator('.q-dialog', has=ours.get_by_role('heading', name='Del «Fast plass for rullatorene»'))
        dialog.get_by_text('Skole B').tap()
        dialog.get_by_role('button', name='Del', exact=True).tap()
        expect(shared).to_contain_text('Delt med 1 enhet')

        # in the other unit's meeting: the suggestion among the new ideas, taken into Pågår
        theirs.goto(hub.board_url(OTHER_UNIT))
        start_meeting_at(theirs, '2. Nye ideer')
        idea = theirs.locator('.meeting-card')
        expect(idea).to_contain_text('Fast plass for rullatorene')
        expect(idea).to_contain_text('Forslag fra Avdeling A')
        theirs.get_by_role('button', name='Ta inn i Pågår').tap()
        theirs.get_by_label('Ansvarlig').tap()
        osk_type(theirs, 'Per')
        theirs.locator('.osk [data-key=close]').tap()
        theirs.get_by_role('button', name='Bekreft').tap()
        expect(theirs.get_by_text('Alle ideer har fått svar.')).to_be_visible()

        # the original, on the first screen, without a reload
        expect(shared).to_contain_text('Tatt i bruk av 1 enhet', timeout=3000)

        # the gains: the original's 0,1 årsverk once, not again for the suggestion
        leader = browser.new_context(viewport={'width': 1440, 'height': 900}, locale='nb-NO').new_page()
        contexts.append(leader.context)
        leader.goto(f'{hub.url}/leder/gevinster')
        expect(leader.get_by_role('heading', name='Logg inn')).to_be_visible()
        leader.get_by_label('Brukernavn').fill('leder')
        leader.get_by_label('Passord').fill(PASSWORD)
        leader.get_by_role('button', name='Logg inn').click()
        leader.wait_for_url(f'{hub.url}/leder/gevinster*')
        identified = leader.locator('.kpi').first
        expect(identified.locator('.kpi-value')).to_have_text('0,1')
    finally:
        for context in contexts:
            context.close()
        stop_hub(hub)
