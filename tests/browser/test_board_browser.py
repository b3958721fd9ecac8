"""What only a real browser can tell: touch drag and drop, live updates, escaping, accessibility."""

from __future__ import annotations

import gzip
import re
import urllib.request
from pathlib import Path

import nicegui
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from bench.hubprocess import RunningHub

from ..factories import UNIT
from .conftest import CspWatch
from .helpers import card, column, touch_drag

pytestmark = pytest.mark.browser


def test_finger_drags_a_card_from_ideas_to_progress_and_it_stays_after_reload(running_hub: RunningHub,
                                                                              wall_page: Page):
    page = wall_page
    page.goto(running_hub.board_url(UNIT))
    dragged = card(page, 'Dra meg til Pågår')
    expect(dragged).to_be_visible()
    touch_drag(page, dragged.locator('.drag-handle'), column(page, 'doing'))
    expect(column(page, 'doing').locator('.board-card', has_text='Dra meg til Pågår')).to_be_visible()
    expect(column(page, 'doing')).to_contain_text('Planlegge')
    expect(page.locator('.card-dialog')).to_have_count(0)  # a drag is not a tap: the card did not open
    page.wait_for_timeout(300)
    page.reload()
    expect(column(page, 'doing').locator('.board-card', has_text='Dra meg til Pågår')).to_be_visible()
    expect(column(page, 'ideas').locator('.board-card', has_text='Dra meg til Pågår')).to_have_count(0)


def test_a_refused_drop_puts_the_card_back_and_says_why(running_hub: RunningHub, wall_page: Page):
    page = wall_page
    page.goto(running_hub.board_url(UNIT))
    idea = card(page, 'Stor idé, ikke ferdig')
    touch_drag(page, idea.locator('.drag-handle'), column(page, 'done'))
    expect(page.get_by_text('En idé går gjennom Pågår før den er ferdig', exact=False)).to_be_visible()
    expect(column(page, 'ideas').locator('.board-card', has_text='Stor idé, ikke ferdig')).to_be_visible()
    expect(column(page, 'done').locator('.board-card', has_text='Stor idé, ikke ferdig')).to_have_count(0)
    page.reload()
    expect(column(page, 'ideas').locator('.board-card', has_text='Stor idé, ikke ferdig')).to_be_visible()


def test_a_swipe_on_a_card_scrolls_and_never_moves_it(running_hub: RunningHub, wall_page: Page):
    page = wall_page
    page.goto(running_hub.board_url(UNIT))
    swiped = card(page, 'Allerede i gang')
    expect(swiped).to_be_visible()
    touch_drag(page, swiped.locator('.card-title'), column(page, 'done'))
    page.wait_for_timeout(500)
    expect(column(page, 'doing').locator('.board-card', has_text='Allerede i gang')).to_be_visible()
    expect(column(page, 'done').locator('.board-card', has_text='Allerede i gang')).to_have_count(0)


def test_two_pages_on_the_same_board_see_each_others_changes(running_hub: RunningHub, new_page):
    first, second = new_page(), new_page()
    for page in (first, second):
        page.goto(running_hub.board_url(UNIT))
        expect(page.get_by_role('heading', name='Avdeling A')).to_be_visible()
    first.get_by_test_id('new-idea').click()
    first.get_by_label('Tittel').fill('Sett fra den andre skjermen')
    first.get_by_role('button', name='Lagre').click()
    expect(column(second, 'ideas')).to_contain_text('Sett fra den andre skjermen')
    card(second, 'Sett fra den andre skjermen').locator('.card-title').click()
    second.get_by_label('Ansvarlig').fill('Ingrid')
    second.get_by_role('button', name='Lagre').click()
    expect(card(first, 'Sett fra den andre skjermen')).to_contain_text('Ingrid')


def test_a_network_blip_of_a_few_seconds_does_not_reload_the_board(running_hub: RunningHub, new_page):
    wall, other = new_page(), new_page()
    for page in (wall, other):
        page.goto(running_hub.board_url(UNIT))
        page.wait_for_function('window.did_handshake === true')
    wall.evaluate('window.loadedOnce = true')
    wall.context.set_offline(True)
    expect(wall.locator('#popup')).to_have_attribute('aria-hidden', 'false')  # NiceGUI shows "connection lost"
    other.get_by_test_id('new-idea').click()
    other.get_by_label('Tittel').fill('Skrevet mens nettet var borte')
    other.get_by_role('button', name='Lagre').click()
    wall.wait_for_timeout(4000)
    wall.context.set_offline(False)
    expect(column(wall, 'ideas')).to_contain_text('Skrevet mens nettet var borte', timeout=15000)
    assert wall.evaluate('window.loadedOnce') is True  # the same page: it caught up without reloading


def test_a_card_opens_from_the_keyboard_too(running_hub: RunningHub, wall_page: Page):
    wall_page.goto(running_hub.board_url(UNIT))
    target = card(wall_page, 'Allerede i gang')
    target.focus()
    wall_page.keyboard.press('Enter')
    expect(wall_page.get_by_label('Tittel')).to_have_value('Allerede i gang')
    wall_page.keyboard.press('Escape')


def test_markup_in_a_title_is_shown_as_text_and_never_runs(running_hub: RunningHub, wall_page: Page):
    dialogs = []
    wall_page.on('dialog', lambda d: (dialogs.append(d.message), d.dismiss()))
    csp = CspWatch(wall_page)
    response = wall_page.goto(running_hub.board_url(UNIT))
    assert response is not None and "frame-ancestors 'none'" in response.headers['content-security-policy']
    title = wall_page.locator('.card-title', has_text='<img src=x onerror=alert(1)>')
    expect(title).to_have_text('<img src=x onerror=alert(1)>')
    assert title.locator('img').count() == 0
    card(wall_page, '<img src=x onerror=alert(1)>').click()  # the board works under its policy: a card opens
    expect(wall_page.get_by_label('Tittel')).to_have_value('<img src=x onerror=alert(1)>')
    wall_page.keyboard.press('Escape')
    wall_page.wait_for_timeout(500)
    assert dialogs == []
    assert csp.violations() == []


def test_unknown_unit_page_lists_the_units(running_hub: RunningHub, wall_page: Page):
    wall_page.goto(f'{running_hub.url}/units/finnes-ikke')
    expect(wall_page.get_by_role('heading', name='Fant ikke enheten')).to_be_visible()
    expect(wall_page.get_by_role('link', name='Avdeling A')).to_be_visible()


@pytest.mark.parametrize('viewport', [{'width': 1920, 'height': 1080}, {'width': 1080, 'height': 1920}])
@pytest.mark.parametrize('path', ['/', '/units/avd-a'])
def test_no_serious_accessibility_violations(running_hub: RunningHub, new_page, path: str, viewport):
    page = new_page(viewport=viewport)
    page.goto(f'{running_hub.url}{path}')
    expect(page.locator('h1')).to_be_visible()
    page.wait_for_timeout(300)
    results = Axe().run(page)
    serious = [f"{v['id']} ({v['impact']}): {len(v['nodes'])} nodes, e.g. {v['nodes'][0]['html'][:160]}"
               for v in results.response['violations'] if v['impact'] in ('serious', 'critical')]
    assert serious == []


def test_the_real_hub_sends_the_package_scripts_compressed_and_the_same_bytes_each_time(running_hub: RunningHub):
    """``ui.run`` gets :class:`board.ui.static_gzip.StaticGzip` (the in-process tests run without NiceGUI's gzip)."""
    html = urllib.request.urlopen(running_hub.board_url(UNIT), timeout=10).read().decode()
    quasar = re.search(r'src="(/_nicegui/[^"]+/static/quasar\.umd\.prod\.js)"', html)
    assert quasar is not None
    bodies = []
    for _ in range(2):
        request = urllib.request.Request(running_hub.url + quasar.group(1), headers={'Accept-Encoding': 'gzip'})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.headers['Content-Encoding'] == 'gzip'
            assert 'immutable' in response.headers['Cache-Control']  # NiceGUI's cache header is still added
            bodies.append(response.read())
    assert bodies[0] == bodies[1]
    on_disk = Path(nicegui.__file__).parent / 'static' / 'quasar.umd.prod.js'
    assert gzip.decompress(bodies[0]) == on_disk.read_bytes()
