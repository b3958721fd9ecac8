"""The leaders' pages in a real browser: login, the overview with its filter, the gains dashboard and its chart,
the CSV download; and the login in front of the admin page."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from bench.hubprocess import RunningHub

from ..factories import UNIT
from .conftest import LEADER_PASSWORD, CspWatch

pytestmark = pytest.mark.browser


def log_in(page: Page, hub: RunningHub, username: str, path: str = '/leder') -> None:
    page.goto(f'{hub.url}{path}')
    expect(page.get_by_role('heading', name='Logg inn')).to_be_visible()
    page.get_by_label('Brukernavn').fill(username)
    page.get_by_label('Passord').fill(LEADER_PASSWORD)
    page.get_by_role('button', name='Logg inn').click()
    page.wait_for_url(f'{hub.url}{path}*')


def serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [v['id'] for v in results.response['violations'] if v['impact'] in ('serious', 'critical')]


def test_overview_filters_by_service_area(running_hub: RunningHub, new_page) -> None:
    page = new_page(viewport={'width': 1440, 'height': 900}, locale='nb-NO')
    log_in(page, running_hub, 'leder')
    expect(page.get_by_role('heading', name='Oversikt')).to_be_visible()
    expect(page.locator('.unit-tile')).to_have_count(2)
    school = page.locator('.unit-tile', has_text='Skole B')
    expect(school).to_contain_text('Gevinst: 1,5 identifisert / 0,5 realisert årsverk')
    expect(school).to_contain_text('Ingen tavlemøte registrert')
    assert serious_violations(page) == []
    page.get_by_label('Tjenesteområde').click()
    page.get_by_role('option', name='Oppvekst').click()
    page.wait_for_url('**area=oppvekst**')
    expect(page.locator('.unit-tile')).to_have_count(1)
    expect(page.locator('.unit-tile')).to_contain_text('Skole B')
    page.get_by_role('link', name='Skole B').click()
    expect(page.get_by_role('heading', name='Skole B')).to_be_visible()
    expect(page.locator('.board-card.changed-since')).to_have_count(2)  # both changed in the last week
    expect(page.locator('.board-card', has_text='Ny timeplan for lærerne')).to_contain_text('0,5 årsverk')


def test_gains_dashboard_chart_and_csv(running_hub: RunningHub, new_page) -> None:
    page = new_page(viewport={'width': 1440, 'height': 900}, locale='nb-NO', accept_downloads=True)
    csp = CspWatch(page)
    log_in(page, running_hub, 'leder', '/leder/gevinster')
    expect(page.locator('.kpi', has_text='Identifisert')).to_contain_text('1,5')
    expect(page.locator('.kpi', has_text='Realisert')).to_contain_text('0,5')
    expect(page.locator('.nicegui-echart canvas').first).to_be_visible()  # ECharts, served by the hub itself
    assert serious_violations(page) == []
    assert csp.violations() == []  # NiceGUI, Vue, Quasar and ECharts all work under the page's policy
    with page.expect_download() as download:
        page.get_by_role('button', name='Alle kort (CSV)').click()
    content = download.value.path().read_bytes()
    assert content.startswith(b'\xef\xbb\xbf') and 'Ny timeplan for lærerne' in content.decode('utf-8-sig')


def test_admin_page_needs_an_admin(running_hub: RunningHub, new_page) -> None:
    page = new_page(locale='nb-NO')
    page.goto(f'{running_hub.url}/admin')
    expect(page.get_by_role('heading', name='Logg inn')).to_be_visible()
    log_in(page, running_hub, 'leder', '/admin')
    expect(page.get_by_role('heading', name='Ingen tilgang')).to_be_visible()
    other = new_page(locale='nb-NO')
    csp = CspWatch(other)
    log_in(other, running_hub, 'it', '/admin')
    other.get_by_role('tab', name='Veggskjermer').click()
    other.get_by_role('button', name='Lag paringskode').click()
    expect(other.locator('.pairing-code')).to_contain_text('Paringskode for')
    assert csp.violations() == []


def test_the_leaders_and_admin_pages_speak_norwegian(running_hub: RunningHub, new_page) -> None:
    """No English UI word and no decimal point on the leaders' pages and each tab of the admin page (issue 14)."""
    from .test_wall_browser import english_and_points

    page = new_page(viewport={'width': 1440, 'height': 900}, locale='nb-NO')
    log_in(page, running_hub, 'leder')
    seen = {}
    for name, path in (('overview', '/leder'), ('unit', f'/leder/enheter/{UNIT}'), ('gains', '/leder/gevinster')):
        page.goto(f'{running_hub.url}{path}')
        expect(page.locator('h1').first).to_be_visible()
        page.wait_for_timeout(800)  # the chart draws its axis
        seen[name] = english_and_points(page)
    admin = new_page(viewport={'width': 1440, 'height': 900}, locale='nb-NO')
    log_in(admin, running_hub, 'it', '/admin')
    tabs = admin.get_by_role('tab')
    expect(tabs.first).to_be_visible()
    for index in range(tabs.count()):
        tab = tabs.nth(index)
        tab.click()
        admin.wait_for_timeout(300)
        seen[f'admin: {tab.inner_text().strip()}'] = english_and_points(admin)
    assert {where: found for where, found in seen.items() if found} == {}
