"""A real hub process and a real wall-screen process: the wall works through a hub outage, then both converge."""

from __future__ import annotations

import dataclasses
import json
import urllib.request

import pytest
from playwright.sync_api import Browser, expect

from bench.hubprocess import start_hub, start_kiosk, stop_hub
from board.admin import issue_pairing_code
from board.domain import CardFields, Column
from board.store import Store

from ..factories import UNIT, seeded_store
from .helpers import card, column, touch_drag

pytestmark = pytest.mark.browser


def test_the_wall_screen_works_through_a_hub_outage_and_both_converge(tmp_path, browser: Browser):
    hub_data = tmp_path / 'hub' / 'data'
    store = seeded_store(hub_data)
    shared = store.create_card(UNIT, CardFields(title='Felles kort'))
    code = issue_pairing_code(store, UNIT)['code']
    store.close()
    hub = start_hub(hub_data)
    kiosk = start_kiosk(tmp_path / 'kiosk' / 'data', hub_url=hub.url, unit_id=UNIT, code=code)
    context = browser.new_context(viewport={'width': 1920, 'height': 1080}, has_touch=True)
    try:
        page = context.new_page()
        page.goto(kiosk.board_url(UNIT))
        status = page.locator('.sync-status')
        expect(status).to_have_text('Tilkoblet', timeout=15000)
        expect(card(page, 'Felles kort')).to_be_visible()
        expect(page.locator('.qr-thumb img')).to_be_visible()  # the hub's phone address, sent to the wall
        with urllib.request.urlopen(f'{kiosk.url}/status', timeout=5) as response:
            health = json.loads(response.read())
        assert (health['role'], health['online']) == ('kiosk', True)
        assert health['boards'] >= 1  # the watchdog's sign that the page is alive

        stop_hub(hub)
        expect(status).to_contain_text('Frakoblet siden', timeout=15000)
        page.get_by_test_id('new-idea').click()
        page.get_by_label('Tittel').fill('Laget uten nett')
        page.get_by_role('button', name='Lagre').click()
        expect(column(page, 'ideas')).to_contain_text('Laget uten nett')
        expect(page.locator('.card-dialog')).to_have_count(0)
        touch_drag(page, card(page, 'Felles kort').locator('.drag-handle'), column(page, 'doing'))
        expect(column(page, 'doing')).to_contain_text('Felles kort')
        expect(status).to_contain_text('2 endringer venter')

        down = Store(hub_data).open()  # meanwhile on the hub (stopped): another change to the same card
        down.edit_card(UNIT, shared.id, dataclasses.replace(shared.fields(), owner='Kari'))
        down.create_card(UNIT, CardFields(title='Laget på huben'))
        down.close()
        hub = start_hub(hub_data, port=hub.port)

        expect(status).to_have_text('Tilkoblet', timeout=30000)
        expect(column(page, 'ideas')).to_contain_text('Laget på huben', timeout=5000)
        expect(column(page, 'doing').locator('.board-card', has_text='Felles kort')).to_contain_text('Kari')
        replica = Store(hub_data, read_only=True).open()
        try:
            merged = replica.card(UNIT, shared.id)
            assert (merged.column, merged.owner) == (Column.DOING, 'Kari')
            assert 'Laget uten nett' in [c.title for c in replica.cards(UNIT)]
        finally:
            replica.close()
    finally:
        context.close()
        stop_hub(kiosk)
        stop_hub(hub)
