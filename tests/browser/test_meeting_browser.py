"""A whole board meeting with fingers on a wall-sized screen, in Debian's Chromium: start, answer every new idea,
take one into Pågår typing on the on-screen keyboard, record a gain, give recognition, end; then the meeting's
record in the history. And the on-screen keyboard typing Norwegian letters into a card's title."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from bench.hubprocess import RunningHub, start_hub, stop_hub
from board.domain import CardFields, Column, Origin

from ..factories import UNIT, seeded_store

pytestmark = pytest.mark.browser


@pytest.fixture(scope='module')
def meeting_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    """A hub of its own: the meeting answers every idea on the board, which other browser tests rely on."""
    data_dir = tmp_path_factory.mktemp('meeting') / 'data'
    store = seeded_store(data_dir)
    store.create_card(UNIT, CardFields(title='Fast plass for rullatorene'), origin=Origin.PHONE)
    store.create_card(UNIT, CardFields(title='Kaffekrok for pårørende'))
    store.create_card(UNIT, CardFields(title='Ny kaffemaskin'))
    store.create_card(UNIT, CardFields(title='Sjekkliste for innkomst', owner='Per'), column=Column.DOING)
    store.close()
    hub = start_hub(data_dir)
    yield hub
    stop_hub(hub)


def osk_type(page: Page, text: str) -> None:
    """Type with fingers on the on-screen keyboard."""
    keyboard = page.locator('.osk')
    expect(keyboard).to_be_visible()
    for char in text:
        if char == ' ':
            keyboard.locator('[data-key=space]').tap()
            continue
        if char.isupper():
            keyboard.locator('[data-key=shift]').tap()
        keyboard.locator(f'[data-key="{char.lower()}"]').tap()


def test_the_on_screen_keyboard_types_norwegian_letters_into_a_title(meeting_hub: RunningHub, wall_page: Page):
    page = wall_page
    page.goto(meeting_hub.board_url(UNIT))
    page.get_by_test_id('new-idea').tap()
    title = page.get_by_label('Tittel')
    title.tap()
    osk_type(page, 'Ærlig blåbærsyltetøy på Åsen')
    expect(title).to_have_value('Ærlig blåbærsyltetøy på Åsen')
    page.locator('.osk [data-key=backspace]').tap()
    expect(title).to_have_value('Ærlig blåbærsyltetøy på Åse')
    osk_type(page, 'n')
    page.get_by_role('button', name='Lagre').tap()
    expect(page.locator('[data-column=ideas] .board-card', has_text='Ærlig blåbærsyltetøy på Åsen')).to_be_visible()
    expect(page.locator('.osk')).to_be_hidden()


def test_a_whole_board_meeting_with_fingers(meeting_hub: RunningHub, wall_page: Page):
    page = wall_page
    page.goto(meeting_hub.board_url(UNIT))
    page.get_by_role('button', name='Tavlemøte').tap()
    expect(page.get_by_role('heading', name='Tavlemøte – uke')).to_be_visible()
    expect(page.get_by_role('timer')).to_have_text(re.compile(r'^14:5\d$'))  # counting down from the unit's 15
    for _ in range(6):
        page.get_by_role('button', name='En til til stede').tap()
    expect(page.locator('.meeting-present')).to_have_text('6')

    # 1. the goals: this week's value on the number pad, a status at a tap for a goal without a measure, and the
    # goal strip stays in view
    page.locator('.meeting-row', has_text='Kortere ventetid').get_by_role('button', name='Legg inn uke').tap()
    pad = page.locator('.pad-dialog')
    for key in ('2', ',', '5'):
        pad.get_by_role('button', name=key, exact=True).tap()
    pad.get_by_role('button', name='Lagre').tap()
    expect(page.locator('.meeting-goals .goal-chip', has_text='Kortere ventetid')).to_contain_text('Nå 2,5')
    goal_row = page.locator('.meeting-row', has_text='Trivsel')
    goal_row.get_by_role('button', name='Ikke på sporet').tap()
    expect(page.locator('.meeting-goals .goal-chip', has_text='Trivsel')).to_contain_text('Ikke på sporet')
    page.get_by_role('tab', name='2. Nye ideer').tap()

    # 2. every new idea gets an answer (the one typed on the keyboard above included)
    idea = page.locator('.meeting-card')
    expect(idea).to_contain_text('Fast plass for rullatorene')
    page.get_by_role('button', name='Ta inn i Pågår').tap()
    page.get_by_label('Ansvarlig').tap()
    osk_type(page, 'Kari')
    page.locator('.osk [data-key=close]').tap()
    page.get_by_role('button', name='Bekreft').tap()
    expect(idea).to_contain_text('Kaffekrok for pårørende')
    page.get_by_role('button', name='Parker').tap()
    expect(idea).to_contain_text('Ny kaffemaskin')
    page.get_by_role('button', name='Avslå').tap()
    page.get_by_label('Kort begrunnelse').tap()
    osk_type(page, 'Bytter i januar')
    page.get_by_role('button', name='Bekreft').tap()
    expect(idea).to_contain_text('Ærlig blåbærsyltetøy på Åsen')
    page.get_by_role('button', name='Parker').tap()
    expect(page.get_by_text('Alle ideer har fått svar.')).to_be_visible()
    page.get_by_role('button', name='Neste punkt').tap()
    expect(page.get_by_text('Ingen parkerte ideer har ventet 4 uker.')).to_be_visible()  # parked just now

    # 4. work in progress: a stage, and one finished
    page.get_by_role('tab', name='4. Pågår').tap()
    row = page.locator('.meeting-row', has_text='Sjekkliste for innkomst')
    row.get_by_role('button', name='Kontrollere').tap()
    row.get_by_role('button', name='Ferdig').tap()
    expect(page.locator('.meeting-row', has_text='Sjekkliste for innkomst')).to_have_count(0)

    # 5. finished work and its gain
    page.get_by_role('tab', name='5. Ferdig').tap()
    finished = page.locator('.meeting-row', has_text='Sjekkliste for innkomst')
    # four taps: the gain, its kind, its time, save
    finished.get_by_role('button', name='Registrer gevinst').tap()
    kind = page.get_by_role('button', name='Økt kvalitet')
    kind.tap()
    expect(kind).to_have_attribute('aria-pressed', 'true')
    page.get_by_role('button', name='2 timer i uka').tap()
    expect(page.get_by_text('= 0,05 årsverk')).to_be_visible()
    page.locator('.q-dialog').last.get_by_role('button', name='Lagre').tap()
    expect(page.locator('.meeting-row', has_text='Sjekkliste for innkomst')).to_contain_text('0,05 årsverk')

    # 6. recognition
    page.get_by_role('tab', name='7. Ros').tap()
    page.get_by_label('Ros til').tap()
    osk_type(page, 'Takk til Kari for opplæringen')
    page.get_by_role('button', name='Legg til ros').tap()
    expect(page.locator('.meeting .recognition')).to_have_text('Takk til Kari for opplæringen')

    # the end: a summary to confirm, then the record stays on the screen until it is closed
    page.get_by_role('button', name='Avslutt møtet').tap()
    summary = page.locator('.q-dialog', has_text='Avslutte tavlemøtet?')
    expect(summary).to_contain_text('6 til stede, 10 beslutninger')
    expect(summary).to_contain_text('Kortere ventetid: 2,5 dager i uke')
    expect(summary).to_contain_text('Mål «Trivsel»: Ikke på sporet')
    summary.get_by_role('button', name='Avslutt og lagre').tap()
    expect(page.get_by_text('Tavlemøtet er lagret:')).to_contain_text('6 til stede, 10 beslutninger')
    expect(page.get_by_role('heading', name='Referat')).to_be_visible()
    page.get_by_role('button', name='Lukk referatet').tap()
    expect(page.locator('.recognition-strip')).to_contain_text('Takk til Kari for opplæringen')
    board = page.locator('[data-column=doing]')
    expect(board).to_contain_text('Fast plass for rullatorene')
    expect(board.locator('.board-card', has_text='Fast plass for rullatorene')).to_contain_text('Kari')
    expect(page.locator('[data-column=ideas] .board-card', has_text='Ny kaffemaskin')).to_have_count(0)
    expect(page.locator('[data-column=ideas] .board-card', has_text='Kaffekrok')).to_contain_text('Parkert')

    # the meeting's record, in the history
    page.goto(f'{meeting_hub.url}/units/{UNIT}/historikk')
    expect(page.get_by_text('til stede')).to_contain_text('6 til stede')
    for decision in ('«Fast plass for rullatorene» tatt inn i Pågår (ansvarlig: Kari)',
                     '«Ny kaffemaskin» avslått: Bytter i januar', '«Sjekkliste for innkomst»: gevinst 0,05 årsverk',
                     'Ros: Takk til Kari for opplæringen'):
        expect(page.get_by_text(decision)).to_be_visible()
    expect(page.locator('.history-card', has_text='Sjekkliste for innkomst')).to_contain_text('0,05 årsverk')
