"""The QR round trip in a real browser: the wall's code, a phone-sized page, and the card back on the wall."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from bench.hubprocess import RunningHub

from ..factories import UNIT
from .helpers import PHONE, scan

pytestmark = pytest.mark.browser

def serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['nodes'][0]['html'][:160]}" for v in results.response['violations']
            if v['impact'] in ('serious', 'critical')]


def test_scan_the_wall_code_send_from_a_phone_and_see_it_on_the_open_board(running_hub: RunningHub, new_page):
    wall = new_page()
    wall.goto(running_hub.board_url(UNIT))
    expect(wall.locator('.qr-thumb img')).to_be_visible()
    url = scan(wall)
    assert url.startswith(f'{running_hub.url}/p/{UNIT}.')

    phone = new_page(**PHONE)
    phone.goto(url)
    expect(phone.get_by_role('heading', name='Del en idé med Avdeling A')).to_be_visible()
    phone.get_by_label('Ideen din (må fylles ut)').tap()
    phone.get_by_label('Ideen din (må fylles ut)').fill('Varme tepper til nattevakta')
    phone.get_by_label('Trivsel').check()
    phone.get_by_role('button', name='Send ideen').tap()
    expect(phone.get_by_role('heading', name='Takk! Ideen er sendt.')).to_be_visible()

    new_card = wall.locator('[data-column=ideas] .board-card', has_text='Varme tepper til nattevakta')
    expect(new_card).to_be_visible(timeout=5000)
    expect(new_card).to_contain_text('Fra mobil')
    expect(new_card).to_contain_text('Ny')
    expect(new_card).to_contain_text('Trivsel')


def test_tapping_the_code_shows_it_full_screen(running_hub: RunningHub, wall_page: Page):
    wall_page.goto(running_hub.board_url(UNIT))
    wall_page.get_by_role('button', name='Vis QR-koden stort').tap()
    big = wall_page.locator('.qr-full img')
    expect(big).to_be_visible()
    # large enough to scan from a few metres, once the dialog has finished opening
    wall_page.wait_for_function("document.querySelector('.qr-full img').getBoundingClientRect().width >= 600")
    wall_page.get_by_role('button', name='Lukk').tap()
    expect(big).to_be_hidden()


def test_the_phone_page_fits_360_pixels_and_passes_axe_in_every_state(running_hub: RunningHub, new_page):
    wall = new_page()
    wall.goto(running_hub.board_url(UNIT))
    url = scan(wall)
    phone = new_page(**PHONE | {'viewport': {'width': 360, 'height': 740}})
    phone.goto(url)
    states = {'form': None}
    phone.get_by_role('button', name='Send ideen').click()  # empty title: the error state
    expect(phone.get_by_text('Skriv ideen din først')).to_be_visible()
    states['errors'] = None
    for state in states:
        if state == 'form':
            phone.goto(url)
        else:
            phone.get_by_role('button', name='Send ideen').click()
        assert phone.evaluate('document.documentElement.scrollWidth') <= 360, state
        assert serious_violations(phone) == [], state
    phone.get_by_label('Ideen din (må fylles ut)').fill('Ring meg på 912 34 567')
    phone.get_by_role('button', name='Send ideen').click()
    expect(phone.get_by_role('heading', name='Ser ut som personopplysninger')).to_be_visible()
    assert serious_violations(phone) == []
    expect(phone.get_by_role('button', name='Send likevel')).to_be_visible()
    phone.get_by_label('Ideen din (må fylles ut)').fill('Ring vaktrommet i stedet')
    phone.get_by_role('button', name='Send ideen').click()  # the number is gone: the plain send takes it
    expect(phone.get_by_role('heading', name='Takk! Ideen er sendt.')).to_be_visible()
    assert serious_violations(phone) == []
    assert phone.evaluate('document.documentElement.scrollWidth') <= 360


def test_an_old_code_gets_the_friendly_page(running_hub: RunningHub, new_page):
    phone = new_page(**PHONE)
    response = phone.goto(f'{running_hub.url}/p/{UNIT}.1.0.AAAAAAAAAAAAAAAAAAAAAA')
    assert response is not None and response.status == 404
    expect(phone.get_by_role('heading', name='Denne koden virker ikke lenger')).to_be_visible()
    assert serious_violations(phone) == []
