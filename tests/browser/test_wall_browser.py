"""The wall read from 3 m and used with fingers (issue 14), measured in Chromium as it draws the pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from bench.hubprocess import RunningHub

from ..factories import UNIT
from .helpers import card, column, scan, wall_offenders

pytestmark = pytest.mark.browser

VIEWPORTS = [{'width': 1920, 'height': 1080}, {'width': 1080, 'height': 1920}]


def open_wall(new_page, running_hub: RunningHub, viewport: dict, path: str = f'/units/{UNIT}') -> Page:
    page = new_page(viewport=viewport, has_touch=True, locale='nb-NO')
    page.goto(f'{running_hub.url}{path}')
    expect(page.locator('h1')).to_be_visible()
    page.wait_for_timeout(400)
    return page


def assert_readable(page: Page, where: str) -> None:
    offenders = wall_offenders(page)
    assert offenders == [], f'{where}: ' + '\n  '.join(offenders)


@pytest.mark.parametrize('viewport', VIEWPORTS, ids=['landscape', 'portrait'])
def test_the_board_its_card_form_and_each_meeting_step_are_readable_and_big_enough(running_hub: RunningHub,
                                                                                     new_page, viewport):
    page = open_wall(new_page, running_hub, viewport)
    assert_readable(page, 'board')
    column(page, 'doing').locator('.board-card').first.locator('.card-title').tap()
    expect(page.locator('.card-dialog')).to_be_visible()
    page.wait_for_timeout(400)
    assert_readable(page, 'card form')
    page.get_by_role('button', name='Logg').tap()
    expect(page.locator('.q-dialog', has_text='Logg –')).to_be_visible()
    page.wait_for_timeout(300)
    assert_readable(page, 'card log')
    page.locator('.q-dialog', has_text='Logg –').get_by_role('button', name='Lukk').tap()
    page.get_by_role('button', name='Avbryt').tap()
    expect(page.locator('.card-dialog')).to_have_count(0)
    page.get_by_role('button', name='Tavlemøte').tap()
    for step in ('1. Mål', '2. Nye ideer', '3. Parkerte ideer', '4. Pågår', '5. Ferdig', '6. Fra lederne', '7. Ros'):
        page.get_by_role('tab', name=step).tap()
        page.wait_for_timeout(400)
        assert_readable(page, f'meeting step {step}')


def test_the_size_check_can_fail(running_hub: RunningHub, new_page):
    """Break the type scale once: the check must see it."""
    page = open_wall(new_page, running_hub, VIEWPORTS[0])
    page.add_style_tag(content='body.wall { --card-title: 20px; --card-meta: 16px; } body.wall .q-btn '
                               '{ min-height: 30px; font-size: 14px !important; padding: 0 !important; }')
    page.wait_for_timeout(200)
    offenders = wall_offenders(page)
    assert any('card-title' in o for o in offenders)
    assert any(o.startswith('text') and 'meta-item' in o for o in offenders)
    assert any(o.startswith('target') for o in offenders)


def test_a_stray_tap_keeps_the_typed_text_and_a_reload_brings_the_draft_back(running_hub: RunningHub, new_page):
    page = open_wall(new_page, running_hub, VIEWPORTS[0])
    page.evaluate('document.body.classList.add("osk-always")')  # the on-screen keyboard opens, as for a finger
    page.get_by_test_id('new-idea').tap()
    title = page.get_by_label('Tittel')
    title.tap()
    expect(page.locator('.osk')).to_be_visible()
    for key in 'Varme tepper':
        page.locator(f'.osk-key[data-key="{key.lower()}"]' if key != ' ' else '.osk-space').first.tap()
    description = page.get_by_label('Beskrivelse')
    description.fill('Til nattevakta')
    page.mouse.click(20, 1000)  # a tap beside the form
    page.touchscreen.tap(1880, 1040)
    page.wait_for_timeout(600)
    expect(page.locator('.card-dialog')).to_be_visible()
    expect(title).to_have_value('varme tepper')
    page.keyboard.press('Escape')  # changed: Escape does not close it either
    page.wait_for_timeout(400)
    expect(page.locator('.card-dialog')).to_be_visible()
    page.reload()
    expect(page.locator('.card-dialog')).to_be_visible()  # the open form comes back by itself, with its text
    expect(page.get_by_label('Tittel')).to_have_value('varme tepper')
    expect(page.get_by_label('Beskrivelse')).to_have_value('Til nattevakta')
    page.get_by_role('button', name='Lagre').tap()
    expect(column(page, 'ideas')).to_contain_text('varme tepper')
    page.reload()
    expect(page.locator('h1')).to_be_visible()
    page.wait_for_timeout(800)
    expect(page.locator('.card-dialog')).to_have_count(0)  # saved: the draft is gone
    page.get_by_test_id('new-idea').tap()
    expect(page.get_by_label('Tittel')).to_have_value('')


def test_a_due_date_by_chip_and_by_the_calendar_with_a_finger(running_hub: RunningHub, new_page):
    page = open_wall(new_page, running_hub, VIEWPORTS[1])
    target = card(page, 'Allerede i gang')
    target.locator('.card-title').tap()
    today = page.evaluate('new Date().toISOString().slice(0, 10)')
    from datetime import date
    tomorrow = date.fromisoformat(today) + timedelta(days=1)
    page.get_by_role('button', name='I morgen').tap()
    expect(page.get_by_label('Frist')).to_have_value(tomorrow.strftime('%d.%m.%Y'))
    page.get_by_role('button', name='Lagre').tap()
    expect(target).to_contain_text(tomorrow.strftime('%d.%m.%Y'))
    target.locator('.card-title').tap()
    page.get_by_role('button', name='Velg dato i kalenderen').tap()
    calendar = page.locator('.date-calendar')
    expect(calendar).to_be_visible()
    page.wait_for_timeout(500)  # the dialog's opening transition scales it
    text = calendar.inner_text()
    assert 'Man' in text and 'Sun' not in text and 'Mon' not in text  # Norwegian, Monday first
    assert calendar.locator('.q-date__calendar-weekdays > div').first.inner_text().startswith('Man')
    cell = calendar.locator('.q-date__calendar-item--in button', has_text=re.compile(r'^\s*15\s*$')).first
    box = cell.bounding_box()
    assert box and box['width'] >= 56 and box['height'] >= 56
    assert_readable(page, 'calendar')
    cell.tap()
    expect(calendar).to_have_count(0)
    shown = page.get_by_label('Frist').input_value()
    assert re.fullmatch(r'15\.\d\d\.\d{4}', shown), shown
    page.get_by_role('button', name='Lagre').tap()
    expect(target).to_contain_text(shown)


ENGLISH = ['Clear', 'Today', 'Cancel', 'Save', 'New', 'NEW', 'Close', 'Submit', 'Delete', 'Edit', 'Back', 'Next',
           'Previous', 'Search', 'Loading', 'Yes', 'Settings', 'Login', 'Logout', 'Upload', 'Card']
DECIMAL_POINT = re.compile(r'(?<![\d.])\d+\.\d+(?![\d.])')


def english_and_points(page: Page) -> list[str]:
    text = page.evaluate('document.body.innerText')
    found = [word for word in ENGLISH if re.search(rf'\b{word}\b', text)]
    return found + DECIMAL_POINT.findall(text)


def test_the_wall_pages_speak_norwegian(running_hub: RunningHub, new_page):
    page = open_wall(new_page, running_hub, VIEWPORTS[0], '/')
    seen = {'landing': english_and_points(page)}
    page.goto(running_hub.board_url(UNIT))
    expect(page.locator('h1')).to_be_visible()
    seen['board'] = english_and_points(page)
    phone_url = scan(page)
    card(page, 'Allerede i gang').locator('.card-title').tap()
    expect(page.locator('.card-dialog')).to_be_visible()
    seen['card form'] = english_and_points(page)
    page.get_by_role('button', name='Velg dato i kalenderen').tap()
    expect(page.locator('.date-calendar')).to_be_visible()
    seen['calendar'] = english_and_points(page)
    page.reload()
    expect(page.locator('h1')).to_be_visible()
    page.get_by_role('button', name='Tavlemøte').tap()
    expect(page.get_by_role('tab', name='2. Nye ideer')).to_be_visible()
    seen['meeting'] = english_and_points(page)
    for name, path in (('history', f'/units/{UNIT}/historikk'), ('login', '/login')):
        page.goto(f'{running_hub.url}{path}')
        expect(page.locator('h1')).to_be_visible()
        seen[name] = english_and_points(page)
    page.goto(phone_url)
    expect(page.locator('h1')).to_be_visible()
    seen['phone'] = english_and_points(page)
    assert {where: found for where, found in seen.items() if found} == {}
    assert 'text-transform: uppercase' not in page.content()


def test_buttons_are_in_sentence_case(running_hub: RunningHub, new_page):
    page = open_wall(new_page, running_hub, VIEWPORTS[0])
    transforms = page.evaluate('[...document.querySelectorAll(".q-btn, .q-tab")]'
                               '.map(b => getComputedStyle(b).textTransform)')
    assert transforms and set(transforms) == {'none'}
    assert page.locator('[data-icon=fiber_new]').count() == 0


@pytest.mark.parametrize('viewport', VIEWPORTS, ids=['landscape', 'portrait'])
def test_before_and_after_at_kontrollere_are_readable_and_big_enough(running_hub: RunningHub, new_page, viewport):
    page = open_wall(new_page, running_hub, viewport)
    column(page, 'doing').locator('.board-card').first.locator('.card-title').tap()
    expect(page.locator('.card-dialog')).to_be_visible()
    page.locator('.card-dialog').get_by_role('button', name='Kontrollere').tap()
    form = page.locator('.readings-form')
    expect(form).to_be_visible()
    form.scroll_into_view_if_needed()
    page.wait_for_timeout(400)
    assert_readable(page, 'før og etter')
    page.get_by_role('button', name='Avbryt').tap()
