"""The wall's forms for a person at the screen (issue 14): nothing typed lost, dates by finger, the real limits."""

import asyncio
from datetime import date, timedelta

import pytest
from nicegui import ui

from board.domain import CardFields, Meeting
from board.ui.date_field import next_meeting_day, parse_date

from ..conftest import Hub
from ..factories import UNIT
from ..helpers import eventually, open_board, tap_card


@pytest.mark.parametrize(('text', 'expected'), [
    ('23.11.2026', date(2026, 11, 23)), ('1.2.2027', date(2027, 2, 1)), ('23.11.26', date(2026, 11, 23)),
    ('23/11/2026', date(2026, 11, 23)), ('2026-11-23', date(2026, 11, 23)), (' ', None), ('', None),
])
def test_dates_are_read_as_people_write_them(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize('text', ['31.02.2026', '11/23', 'i morgen', '2026-13-01'])
def test_what_is_not_a_date_is_refused(text):
    with pytest.raises(ValueError):
        parse_date(text)


def test_the_next_board_meeting_is_on_the_weekday_of_the_last():
    tuesday = date(2026, 11, 17)
    assert next_meeting_day(date(2026, 11, 23), tuesday) == date(2026, 11, 24)  # Monday: tomorrow
    assert next_meeting_day(date(2026, 11, 24), tuesday) == date(2026, 12, 1)  # on the day: next week's
    assert next_meeting_day(date(2026, 11, 24), None) is None


def dialog_of(user):
    """The card form's title field and the dialog around it."""
    [title] = user.find(marker='dialog-title').elements
    element = title
    while not isinstance(element, ui.dialog):
        element = element.parent_slot.parent
    return title, element


async def test_a_changed_form_closes_only_through_its_own_buttons(hub: Hub):
    card = await hub.do.create_card(UNIT, CardFields(title='Rydd lageret'))
    user = await open_board(hub)
    tap_card(user, card)
    _, dialog = dialog_of(user)
    await eventually(lambda: dialog.value)
    assert 'no-backdrop-dismiss' in dialog.props  # a tap beside the form never closes it
    assert 'no-esc-dismiss' not in dialog.props  # unchanged: Escape may close it
    user.find(marker='dialog-title').type(' i kjelleren')
    await eventually(lambda: 'no-esc-dismiss' in dialog.props)
    user.find(marker='dialog-title').clear().type('Rydd lageret')
    await eventually(lambda: 'no-esc-dismiss' not in dialog.props)


async def test_the_form_open_before_a_reload_opens_again_for_its_draft(hub: Hub):
    card = await hub.do.create_card(UNIT, CardFields(title='Halvskrevet kort', owner='Kari'))
    user = hub.new_user(draft=f'{UNIT}/{card.id}')  # the browser kept a draft of this card's open form
    await user.open(f'/units/{UNIT}')
    await eventually(lambda: _form_open(user))  # the form is built when it is first needed: here, for the draft
    title, _ = dialog_of(user)
    assert title.value == 'Halvskrevet kort'
    new = hub.new_user(draft=f'{UNIT}/+ideas')
    await new.open(f'/units/{UNIT}')
    await new.should_see('Ny idé')
    await eventually(lambda: _form_open(new))
    gone = hub.new_user(draft=f'{UNIT}/finnes-ikke')  # a card that left the board: nothing opens
    await gone.open(f'/units/{UNIT}')
    await gone.should_see('Ideer')
    await asyncio.sleep(0.3)  # the page has asked the browser for its draft by now
    assert not _form_open(gone)


def _form_open(user) -> bool:
    try:
        _, dialog = dialog_of(user)
    except AssertionError:  # not built: never opened on this screen
        return False
    return bool(dialog.value)


async def test_the_form_names_itself_and_counts_to_the_real_limit(hub: Hub):
    card = await hub.do.create_card(UNIT, CardFields(title='Rydd lageret'))
    user = await open_board(hub)
    tap_card(user, card)
    await user.should_see('Rediger kort')
    [title] = user.find(marker='dialog-title').elements
    assert title.props['maxlength'] == 200 and 'counter' in title.props


async def test_a_due_date_by_chip_is_saved_and_shown_the_norwegian_way(hub: Hub):
    card = await hub.do.create_card(UNIT, CardFields(title='Bestill hansker'))
    today = hub.store.local_now().date()
    user = await open_board(hub)
    tap_card(user, card)
    await user.should_see(marker='dialog-due-chip-tomorrow')
    await user.should_not_see(marker='dialog-due-chip-next_meeting')  # no meeting recorded: the next is not known
    user.find(marker='dialog-due-chip-tomorrow').click()
    [due] = user.find(marker='dialog-due').elements
    tomorrow = today + timedelta(days=1)
    assert due.value == tomorrow.strftime('%d.%m.%Y')
    user.find(marker='dialog-save').click()
    await eventually(lambda: hub.store.card(UNIT, card.id).due == tomorrow)
    await user.should_see(tomorrow.strftime('%d.%m.%Y'))


async def test_the_next_meeting_chip_follows_the_units_meetings(hub: Hub):
    now = hub.store.now()
    start = now - timedelta(days=9)
    await hub.do.record_meeting(Meeting(id='m1', unit_id=UNIT, started_at=start, ended_at=start + timedelta(minutes=15),
                                        present=5, decisions=()))
    card = await hub.do.create_card(UNIT, CardFields(title='Bestill hansker'))
    user = await open_board(hub)
    tap_card(user, card)
    user.find(marker='dialog-due-chip-next_meeting').click()
    expected = next_meeting_day(hub.store.local_now().date(), start.astimezone(hub.store.timezone).date())
    assert expected is not None and expected.weekday() == start.astimezone(hub.store.timezone).weekday()
    [due] = user.find(marker='dialog-due').elements
    assert due.value == expected.strftime('%d.%m.%Y')
    user.find(marker='dialog-due').clear().type('31.02.2026')
    user.find(marker='dialog-save').click()
    await eventually(lambda: due.error == 'Ugyldig dato.')
    assert hub.store.card(UNIT, card.id).due is None
