"""The citizens' public code in a real browser: the leader's poster and code read by a real QR decoder, the
citizens' page on a phone-sized screen (axe-core clean in every state, keyboard focus visible), the leader's
approval putting the idea on the wall marked *Fra innbygger*, a declined one never reaching the wall, and the
codes refused on the wrong page."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from axe_playwright_python.sync_playwright import Axe
from PIL import Image
from playwright.sync_api import Page, expect

from bench.hubprocess import RunningHub

from ..factories import UNIT
from .helpers import PHONE, scan
from .test_leaders_browser import log_in
from .test_phone_browser import serious_violations

pytestmark = pytest.mark.browser

SMALL_PHONE = PHONE | {'viewport': {'width': 360, 'height': 740}}


def decode(png: bytes) -> str:
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return code.text


def leader_page(running_hub: RunningHub, new_page) -> Page:
    page = new_page(viewport={'width': 1440, 'height': 900}, locale='nb-NO')
    log_in(page, running_hub, 'leder', f'/leder/enheter/{UNIT}')
    expect(page.get_by_role('heading', name='Forslag fra innbyggere')).to_be_visible()
    return page


def citizen_code(running_hub: RunningHub, leader: Page) -> str:
    """The citizens' code, read by a phone camera from the leader's page and from the printed poster: the same."""
    on_page = decode(leader.locator('.citizen-qr img').screenshot())
    poster = leader.request.get(f'{running_hub.url}/leder/enheter/{UNIT}/innbyggerplakat.png')
    assert poster.ok and poster.headers['content-type'] == 'image/png'
    assert decode(poster.body()) == on_page
    assert on_page.startswith(f'{running_hub.url}/i/{UNIT}.0.0.')
    return on_page


def test_a_citizen_scans_the_poster_sends_an_idea_and_the_approved_one_reaches_the_wall(
        running_hub: RunningHub, new_page):
    leader = leader_page(running_hub, new_page)
    url = citizen_code(running_hub, leader)
    wall = new_page(locale='nb-NO')
    wall.goto(running_hub.board_url(UNIT))
    expect(wall.locator('.qr-thumb img')).to_be_visible()

    phone = new_page(**SMALL_PHONE)
    phone.goto(url)
    expect(phone.get_by_role('heading', name='Har du et forslag til Avdeling A?')).to_be_visible()
    phone.get_by_label('Forslaget ditt (må fylles ut)').fill('Varme pledd i venterommet')
    phone.get_by_label('Mer om forslaget (valgfritt)').fill('Det trekker fra døra om vinteren.')
    phone.get_by_label('E-postadressen din (valgfritt)').fill('kari@example.no')
    phone.get_by_role('button', name='Send forslaget').tap()
    expect(phone.get_by_role('heading', name='Takk! Forslaget er sendt.')).to_be_visible()
    expect(phone.get_by_text('Du får svar på e-post.')).to_be_visible()

    # nothing on the wall before a leader approved it
    wall.wait_for_timeout(1500)
    expect(wall.locator('.board-card', has_text='Varme pledd i venterommet')).to_have_count(0)

    leader.reload()
    idea = leader.locator('.citizen-idea', has_text='Varme pledd i venterommet')
    expect(idea).to_be_visible()
    # the queue on the leader's page too (its own section: the board above it is checked by the board's tests)
    queue = Axe().run(leader, context='.citizen-queue').response['violations']
    assert [v['id'] for v in queue if v['impact'] in ('serious', 'critical')] == []
    idea.get_by_role('button', name='Godkjenn').click()
    expect(leader.get_by_role('heading', name='Sett forslaget på tavla')).to_be_visible()
    leader.get_by_role('button', name='Sett på tavla').click()
    expect(leader.get_by_text('Forslaget er satt på tavla.')).to_be_visible()

    card = wall.locator('[data-column=ideas] .board-card', has_text='Varme pledd i venterommet')
    expect(card).to_be_visible(timeout=5000)
    expect(card).to_contain_text('Fra innbygger')
    expect(card).to_contain_text('Ny')
    assert 'kari@example.no' not in wall.content()
    # an ordinary card from here on: the wall deletes it like any other (and the later tests see their own board)
    card.locator('.card-title').click()
    wall.get_by_role('button', name='Slett').click()
    wall.get_by_role('button', name='Ja, slett').click()
    expect(card).to_have_count(0)


def test_a_declined_idea_never_reaches_the_wall(running_hub: RunningHub, new_page):
    leader = leader_page(running_hub, new_page)
    url = citizen_code(running_hub, leader)
    wall = new_page(locale='nb-NO')
    wall.goto(running_hub.board_url(UNIT))
    phone = new_page(**PHONE)
    phone.goto(url)
    phone.get_by_label('Forslaget ditt (må fylles ut)').fill('Ny parkeringsplass foran inngangen')
    phone.get_by_role('button', name='Send forslaget').tap()
    expect(phone.get_by_role('heading', name='Takk! Forslaget er sendt.')).to_be_visible()
    leader.reload()
    idea = leader.locator('.citizen-idea', has_text='Ny parkeringsplass foran inngangen')
    idea.get_by_role('button', name='Avslå').click()
    leader.get_by_label('Begrunnelse (må fylles ut)').fill('Tomta eies ikke av enheten.')
    leader.get_by_role('button', name='Avslå forslaget').click()
    expect(leader.get_by_text('Forslaget er avslått.')).to_be_visible()
    expect(leader.locator('.citizen-decided', has_text='Ny parkeringsplass')).to_contain_text(
        'Tomta eies ikke av enheten.')
    wall.reload()
    expect(wall.locator('.board-card').first).to_be_visible()
    wall.wait_for_timeout(1500)
    expect(wall.locator('.board-card', has_text='Ny parkeringsplass foran inngangen')).to_have_count(0)


def test_the_citizens_page_passes_axe_fits_360_pixels_and_shows_focus_in_every_state(running_hub: RunningHub,
                                                                                      new_page):
    leader = leader_page(running_hub, new_page)
    url = citizen_code(running_hub, leader)
    phone = new_page(**SMALL_PHONE)

    def check(state: str) -> None:
        assert phone.evaluate('document.documentElement.scrollWidth') <= 360, state
        assert serious_violations(phone) == [], state

    phone.goto(url)
    check('form')
    # the keyboard: Tab reaches the fields in order, and the focused one shows a visible outline
    phone.keyboard.press('Tab')
    assert phone.evaluate('document.activeElement.id') == 'title'
    outline = phone.evaluate("getComputedStyle(document.activeElement).outlineStyle + ' ' + "
                             "getComputedStyle(document.activeElement).outlineWidth")
    assert outline.startswith('solid') and not outline.endswith(' 0px'), outline
    for expected in ('description', 'email'):
        phone.keyboard.press('Tab')
        assert phone.evaluate('document.activeElement.id') == expected
    phone.keyboard.press('Tab')
    assert phone.evaluate('document.activeElement.textContent') == 'Send forslaget'
    phone.keyboard.press('Enter')  # an empty idea: the error state, announced and beside the field
    expect(phone.get_by_text('Skriv forslaget ditt først')).to_be_visible()
    expect(phone.get_by_role('alert')).to_contain_text('Forslaget er ikke sendt ennå')
    expect(phone.get_by_label('Forslaget ditt (må fylles ut)')).to_have_attribute('aria-invalid', 'true')
    check('errors')
    phone.get_by_label('Forslaget ditt (må fylles ut)').fill('Ring meg på 912 34 567')
    phone.get_by_label('E-postadressen din (valgfritt)').fill('ikke en adresse')
    phone.get_by_role('button', name='Send forslaget').click()
    expect(phone.get_by_text('E-postadressen ser ikke riktig ut')).to_be_visible()
    check('bad address')
    phone.get_by_label('E-postadressen din (valgfritt)').fill('')
    phone.get_by_role('button', name='Send forslaget').click()
    expect(phone.get_by_role('heading', name='Forslaget er ikke sendt: det ser ut til å ha personopplysninger')) \
        .to_be_visible()
    expect(phone.get_by_text('Teksten ser ut til å ha et telefonnummer. Ta det bort.')).to_be_visible()
    check('personal data')
    phone.get_by_label('Forslaget ditt (må fylles ut)').fill('Ring vaktrommet i stedet')
    phone.get_by_role('button', name='Send forslaget').click()
    expect(phone.get_by_role('heading', name='Takk! Forslaget er sendt.')).to_be_visible()
    check('thanks')


def test_each_code_on_the_wrong_page_gets_a_clear_page(running_hub: RunningHub, new_page):
    leader = leader_page(running_hub, new_page)
    citizens_url = citizen_code(running_hub, leader)
    wall = new_page(locale='nb-NO')
    wall.goto(running_hub.board_url(UNIT))
    staff_url = scan(wall)
    phone = new_page(**PHONE)
    response = phone.goto(citizens_url.replace('/i/', '/p/'))
    assert response is not None and response.status == 403
    expect(phone.get_by_role('heading', name='Denne koden er for innbyggere')).to_be_visible()
    assert serious_violations(phone) == []
    phone.get_by_role('link', name='Gå til skjemaet for innbyggere, brukere og pårørende').click()
    expect(phone.get_by_role('heading', name='Har du et forslag til Avdeling A?')).to_be_visible()
    response = phone.goto(staff_url.replace('/p/', '/i/'))
    assert response is not None and response.status == 403
    expect(phone.get_by_role('heading', name='Denne koden er for ansatte')).to_be_visible()
    assert serious_violations(phone) == []
