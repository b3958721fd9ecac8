"""Nothing lost by mistake, in a real browser: *Angre* on two screens, *Slettet* in Historikk, the card's *Logg*."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bench.hubprocess import RunningHub

from ..factories import UNIT
from ..helpers import phone_idea
from .helpers import card, column

pytestmark = pytest.mark.browser


def delete(page, title: str) -> None:
    card(page, title).locator('.card-title').click()
    page.get_by_role('button', name='Slett').click()
    page.get_by_role('button', name='Ja, slett').click()


def test_delete_then_angre_brings_the_card_back_on_both_screens(running_hub: RunningHub, new_page):
    phone_idea(running_hub, 'Angre meg')
    first, second = new_page(), new_page()
    for page in (first, second):
        page.goto(running_hub.board_url(UNIT))
        expect(column(page, 'ideas')).to_contain_text('Angre meg')
    delete(first, 'Angre meg')
    for page in (first, second):
        expect(card(page, 'Angre meg')).to_have_count(0)
    expect(first.get_by_text('«Angre meg» er slettet')).to_be_visible()
    expect(second.get_by_role('button', name='Angre')).to_be_hidden()  # only where it was deleted
    first.get_by_role('button', name='Angre').click()
    for page in (first, second):
        expect(column(page, 'ideas')).to_contain_text('Angre meg')
    expect(first.get_by_role('button', name='Angre')).to_be_hidden()


def test_a_deleted_card_is_restored_from_slettet_with_its_log(running_hub: RunningHub, new_page):
    phone_idea(running_hub, 'Finn meg i Slettet')
    wall = new_page()
    wall.goto(running_hub.board_url(UNIT))
    delete(wall, 'Finn meg i Slettet')
    expect(card(wall, 'Finn meg i Slettet')).to_have_count(0)
    history = new_page()
    history.goto(f'{running_hub.url}/units/{UNIT}/historikk')
    expect(history.get_by_role('heading', name='Slettet')).to_be_visible()
    row = history.locator('.history-item', has_text='Finn meg i Slettet')
    expect(row).to_contain_text(re.compile(r'Slettet \d\d\.\d\d\.\d{4} kl\. \d\d:\d\d'))
    row.get_by_role('button', name='Gjenopprett').click()
    expect(history.get_by_text('«Finn meg i Slettet» er tilbake i Ideer.')).to_be_visible()
    expect(column(wall, 'ideas')).to_contain_text('Finn meg i Slettet')  # live, on the open board
    card(wall, 'Finn meg i Slettet').locator('.card-title').click()
    wall.get_by_role('button', name='Logg').click()
    log = wall.locator('.q-dialog', has_text='Logg – Finn meg i Slettet')
    expect(log).to_contain_text('Hentet tilbake')
    expect(log).to_contain_text('Slettet')
    expect(log).to_contain_text('Laget')
    expect(log).to_contain_text('fra mobil')  # the idea came from a phone, and no address is kept for it
    expect(log).to_contain_text('på tavla, nettleser på nettverket')  # a browser (its address only for leaders)
