"""Lifting a card to the board above with fingers on wall-sized screens, in Debian's Chromium (issue 16): from a
unit's board on the hub, and from a wall screen while the hub is down. The lifted card shows up among the area
board's new ideas (on a page already open there, without a reload), that board's meeting answers it, and the answer
comes back to the unit's card and to the unit's next meeting, step *Fra lederne*."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Browser, Page, expect

from bench.hubprocess import start_hub, start_kiosk, stop_hub
from board.admin import issue_pairing_code
from board.domain import CardFields, area_board_id

from ..factories import UNIT, seeded_store
from .helpers import card, column
from .test_meeting_browser import osk_type

pytestmark = pytest.mark.browser

AREA_BOARD = area_board_id('helse')
LIFT = 'Løft til Helse og omsorg'
WAITING = 'Løftet til Helse og omsorg – venter svar'
LIFTED_FROM = 'Løftet fra Avdeling A'


def wall(browser: Browser) -> Page:
    """A wall-screen sized page with touch, in a browser context of its own (closed with the browser's contexts)."""
    context = browser.new_context(viewport={'width': 1920, 'height': 1080}, has_touch=True, locale='nb-NO')
    return context.new_page()


def lift(page: Page, title: str, reason: str) -> None:
    """Tap the card, *Løft til …* in its form, type the reason on the on-screen keyboard and confirm."""
    card(page, title).locator('.card-title').tap()
    expect(page.get_by_label('Tittel')).to_have_value(title)
    page.get_by_role('button', name=LIFT).tap()
    dialog = page.locator('.q-dialog', has=page.get_by_role('heading', name=f'Løft «{title}»'))
    expect(dialog).to_be_visible()
    expect(page.get_by_label('Tittel')).to_be_hidden()  # the card's form made way for the lift
    dialog.get_by_label('Hvorfor trenger dere hjelp?').tap()
    osk_type(page, reason)
    page.locator('.osk [data-key=close]').tap()
    dialog.get_by_role('button', name=LIFT).tap()
    expect(dialog).to_be_hidden()


def start_meeting_at(page: Page, step: str) -> None:
    page.get_by_role('button', name='Tavlemøte').tap()
    expect(page.get_by_role('heading', name='Tavlemøte – uke')).to_be_visible()
    page.get_by_role('tab', name=step).tap()


def test_a_card_lifted_on_the_hub_is_answered_on_the_area_board_and_the_answer_comes_back(tmp_path,
                                                                                           browser: Browser):
    data_dir = tmp_path / 'hub' / 'data'
    store = seeded_store(data_dir)
    store.create_card(UNIT, CardFields(title='Ingen vikarer i helgene'))
    store.close()
    hub = start_hub(data_dir)
    contexts = []
    try:
        unit_page, area_page = wall(browser), wall(browser)
        contexts += [unit_page.context, area_page.context]
        area_page.goto(hub.board_url(AREA_BOARD))
        expect(area_page.get_by_role('heading', name='Helse og omsorg')).to_be_visible()
        area_page.wait_for_function('window.did_handshake === true')
        unit_page.goto(hub.board_url(UNIT))
        expect(card(unit_page, 'Ingen vikarer i helgene')).to_be_visible()

        lift(unit_page, 'Ingen vikarer i helgene', 'Vi kan ikke ansette selv')
        lifted_at = time.monotonic()
        expect(card(unit_page, 'Ingen vikarer i helgene')).to_contain_text(WAITING)
        # on the area board, open in another browser, without a reload: among the new ideas, marked where from
        lifted = column(area_page, 'ideas').locator('.board-card', has_text='Ingen vikarer i helgene')
        expect(lifted).to_contain_text(LIFTED_FROM, timeout=2000)
        assert time.monotonic() - lifted_at < 2.5

        # the area board's meeting declines it with a reason
        start_meeting_at(area_page, '2. Nye ideer')
        idea = area_page.locator('.meeting-card')
        expect(idea).to_contain_text('Ingen vikarer i helgene')
        expect(idea).to_contain_text(f'{LIFTED_FROM}: Vi kan ikke ansette selv')  # where from, and why
        area_page.get_by_role('button', name='Avslå').tap()
        area_page.get_by_label('Kort begrunnelse').tap()
        osk_type(area_page, 'Budsjettet er brukt opp')
        area_page.get_by_role('button', name='Bekreft').tap()
        expect(area_page.get_by_text('Alle ideer har fått svar.')).to_be_visible()

        # the answer on the unit's card, live, and in the unit's next meeting
        answer = 'Helse og omsorg avslo: Budsjettet er brukt opp'
        expect(card(unit_page, 'Ingen vikarer i helgene')).to_contain_text(answer, timeout=3000)
        expect(card(unit_page, 'Ingen vikarer i helgene')).not_to_contain_text('venter svar')
        start_meeting_at(unit_page, '6. Fra lederne')
        row = unit_page.locator('.meeting-row', has_text='Ingen vikarer i helgene')
        expect(row).to_contain_text(answer)
    finally:
        for context in contexts:
            context.close()
        stop_hub(hub)


def test_a_card_lifted_on_a_wall_screen_with_the_hub_down_reaches_the_area_board_and_the_answer_returns(
        tmp_path, browser: Browser):
    hub_data = tmp_path / 'hub' / 'data'
    store = seeded_store(hub_data)
    store.create_card(UNIT, CardFields(title='Heisen står igjen'))
    code = issue_pairing_code(store, UNIT)['code']
    store.close()
    hub = start_hub(hub_data)
    kiosk = start_kiosk(tmp_path / 'kiosk' / 'data', hub_url=hub.url, unit_id=UNIT, code=code)
    contexts = []
    try:
        screen = wall(browser)
        contexts.append(screen.context)
        screen.goto(kiosk.board_url(UNIT))
        status = screen.locator('.sync-status')
        expect(status).to_have_text('Tilkoblet', timeout=15000)
        expect(card(screen, 'Heisen står igjen')).to_be_visible()

        stop_hub(hub)
        expect(status).to_contain_text('Frakoblet siden', timeout=15000)
        lift(screen, 'Heisen står igjen', 'Vi eier ikke bygget')
        expect(card(screen, 'Heisen står igjen')).to_contain_text(WAITING)  # at once, with the hub still down
        expect(status).to_contain_text(re.compile(r'1 endringe?r? venter'))

        hub = start_hub(hub_data, port=hub.port)
        expect(status).to_have_text('Tilkoblet', timeout=30000)
        area_page = wall(browser)
        contexts.append(area_page.context)
        area_page.goto(hub.board_url(AREA_BOARD))
        lifted = column(area_page, 'ideas').locator('.board-card', has_text='Heisen står igjen')
        expect(lifted).to_contain_text(LIFTED_FROM, timeout=5000)

        # the area board's meeting takes it in
        start_meeting_at(area_page, '2. Nye ideer')
        expect(area_page.locator('.meeting-card')).to_contain_text('Heisen står igjen')
        area_page.get_by_role('button', name='Ta inn i Pågår').tap()
        area_page.get_by_label('Ansvarlig').tap()
        osk_type(area_page, 'Eiendom')
        area_page.locator('.osk [data-key=close]').tap()
        area_page.get_by_role('button', name='Bekreft').tap()
        expect(area_page.get_by_text('Alle ideer har fått svar.')).to_be_visible()

        # the answer reaches the wall screen, on the card and in its next meeting
        expect(card(screen, 'Heisen står igjen')).to_contain_text('Helse og omsorg tok det inn', timeout=15000)
        start_meeting_at(screen, '6. Fra lederne')
        expect(screen.locator('.meeting-row', has_text='Heisen står igjen')).to_contain_text(
            'Helse og omsorg tok det inn')
    finally:
        for context in contexts:
            context.close()
        stop_hub(kiosk)
        stop_hub(hub)
