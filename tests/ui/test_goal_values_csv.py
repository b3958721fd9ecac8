"""The leaders' unit page: goal values downloaded as CSV and uploaded from Excel, for that unit's leaders only."""

from __future__ import annotations

from datetime import date

from nicegui import ui
from nicegui.elements.upload_files import SmallFileUpload

from board import admin
from board.users import Grant, Scope

from ..conftest import Hub, off_loop
from ..factories import UNIT
from .test_leaders import logged_in


async def open_csv_dialog(hub: Hub):
    user = await logged_in(hub, 'kari', f'unit:{UNIT}')
    await user.open(f'/leder/enheter/{UNIT}')
    user.find(marker='goal-csv-open').click()
    await user.should_see('Måleverdier i CSV')
    return user


async def upload(user, data: bytes, name: str = 'verdier.csv') -> None:
    [element] = user.find(marker='goal-csv-upload').elements
    assert isinstance(element, ui.upload)
    with user:
        await element.handle_uploads([SmallFileUpload(name=name, content_type='text/csv', _data=data)])


async def test_a_leader_uploads_values_from_excel_and_downloads_them_again(hub: Hub):
    user = await open_csv_dialog(hub)
    await upload(user, '\ufeffMål;Dato;Verdi;Måleenhet\r\nKortere ventetid;02.11.2026;2,5;dager\r\n'
                       'ventetid;2026-11-09;3.1;dager\r\n'.encode())
    await user.should_see('2 verdier er lagret.')
    values = hub.store.goal_values(UNIT, 'ventetid')
    assert [(v.on, v.value, v.by) for v in values] == [(date(2026, 11, 2), 2.5, 'Kari'),
                                                        (date(2026, 11, 9), 3.1, 'Kari')]
    user.find(marker='goal-csv-download').click()
    response = await user.download.next()
    text = response.content.decode('utf-8-sig')
    assert text == 'Mål;Dato;Verdi;Måleenhet\r\nKortere ventetid;02.11.2026;2,5;dager\r\n' \
                   'Kortere ventetid;09.11.2026;3,1;dager\r\n'


async def test_a_bad_row_is_named_and_nothing_is_stored(hub: Hub):
    user = await open_csv_dialog(hub)
    await upload(user, 'Mål;Dato;Verdi\nKortere ventetid;02.11.2026;2\nKortere ventetid;03.11.2026;abc\n'.encode())
    await user.should_see('Rad 3: «abc» er ikke et tall.')
    await user.should_see('Ingenting er lagret. Rett filen og last den opp igjen:')
    assert hub.store.all_goal_values(UNIT) == []


async def test_an_upload_after_the_access_was_taken_away_stores_nothing(hub: Hub):
    user = await open_csv_dialog(hub)
    await off_loop(admin.set_user, hub.store, 'kari', grants=[Grant(Scope.AREA, 'oppvekst')])
    await upload(user, 'Mål;Dato;Verdi\nKortere ventetid;02.11.2026;2\n'.encode())
    await user.should_see('Innloggingen din er utløpt eller endret.')
    assert hub.store.all_goal_values(UNIT) == []
