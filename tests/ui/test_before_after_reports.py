"""The PDF status report and the CSV list improvements with their før and etter (issue 15)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from pypdf import PdfReader

from board.domain import Card, Column, Reading
from board.reports import change

from ..conftest import Hub
from ..factories import OTHER_UNIT, UNIT
from .test_leaders import logged_in


async def measured_cards(hub: Hub) -> None:
    today = hub.store.local_now().date()
    when = datetime.now(UTC) - timedelta(days=2)
    common = {'column': Column.DONE, 'created_at': when, 'started_at': when, 'finished_at': when}
    await hub.do.import_cards(UNIT, [
        Card(id='fall', unit_id=UNIT, title='Færre fall om natta', **common,
             before=Reading(value=5, unit='fall/mnd', on=today - timedelta(days=90), note='Snitt i høst'),
             after=Reading(value=2, unit='fall/mnd', on=today)),
        Card(id='bare-for', unit_id=UNIT, title='Kortere ventetid på svar', **common,
             before=Reading(value=3.5, unit='dager', on=today)),
        Card(id='umalt', unit_id=UNIT, title='Ryddig lager', **common)])
    await hub.do.import_cards(OTHER_UNIT, [Card(id='skole', unit_id=OTHER_UNIT, title='Skolens kort', **common,
                                                after=Reading(value=1, unit='stk', on=today))])


def test_the_change_is_after_minus_before_in_the_same_unit():
    day = datetime.now(UTC).date()
    assert change(Reading(value=5, unit='fall', on=day), Reading(value=2, unit='Fall', on=day)) == (-3, -0.6)
    assert change(Reading(value=0, unit='fall', on=day), Reading(value=2, unit='fall', on=day)) == (2, None)
    assert change(Reading(value=5, unit='fall', on=day), Reading(value=2, unit='timer', on=day)) is None
    assert change(None, Reading(value=2, unit='fall', on=day)) is None


async def test_the_pdf_has_a_table_of_before_and_after(hub: Hub):
    await measured_cards(hub)
    user = await logged_in(hub, 'kari', f'unit:{UNIT}')
    response = await user.http_client.get('/leder/rapport.pdf')
    text = ' '.join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert 'Forbedringer med før og etter' in text
    assert 'Færre fall om natta' in text and '5 fall/mnd' in text and '2 fall/mnd' in text
    assert '\u22123 (\u221260 %)' in text
    assert 'Kortere ventetid på svar' in text and '3,5 dager' in text
    assert 'Ryddig lager' not in text  # nothing measured: not in the table
    assert 'Skolens kort' not in text  # not her unit


async def test_the_csv_has_before_after_and_change(hub: Hub):
    await measured_cards(hub)
    user = await logged_in(hub, 'kari', f'unit:{UNIT}')
    content = (await user.http_client.get('/leder/rapport.csv')).content.decode('utf-8-sig')
    rows = list(csv.reader(io.StringIO(content), delimiter=';'))
    header = rows[0]
    assert header[-7:] == ['Før', 'Måleenhet før', 'Målt før', 'Etter', 'Måleenhet etter', 'Målt etter', 'Endring']
    by_title = {r[3]: r[-7:] for r in rows[1:]}
    today = hub.store.local_now().date()
    assert by_title['Færre fall om natta'] == ['5', 'fall/mnd', (today - timedelta(days=90)).isoformat(), '2',
                                               'fall/mnd', today.isoformat(), '-3,00']
    assert by_title['Kortere ventetid på svar'][:3] == ['3,5', 'dager', today.isoformat()]
    assert by_title['Ryddig lager'] == [''] * 7
