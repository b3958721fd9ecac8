"""The leaders' PDF report carries the unit's goals and run charts when it covers one unit (the route hands the
goals and their values to the report; the report reads no store)."""

from __future__ import annotations

import io
from datetime import date, timedelta

from pypdf import PdfReader

from ..conftest import Hub
from ..factories import UNIT
from .test_leaders import logged_in

#: six weeks above the median, then six below (sorted 1.9 2.0 2.1 2.2 2.3 2.4 | 3.2 3.3 3.4 3.4 3.5 3.6: median 2.8)
WEEKS = (3.4, 3.5, 3.3, 3.6, 3.2, 3.4, 2.1, 2.3, 2.0, 2.2, 1.9, 2.4)


async def test_a_unit_leaders_report_shows_the_goals_with_their_run_charts(hub: Hub):
    monday = date.today() - timedelta(days=date.today().weekday())
    await hub.do.record_goal_values(UNIT, [('ventetid', monday - timedelta(weeks=len(WEEKS) - 1 - i), v)
                                           for i, v in enumerate(WEEKS)])
    user = await logged_in(hub, 'kari', f'unit:{UNIT}')
    response = await user.http_client.get('/leder/rapport.pdf')
    assert response.status_code == 200
    text = ' '.join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert 'Mål og målinger' in text and 'Kortere ventetid' in text and 'Trivsel' in text
    assert 'Skift: 6 punkter over medianen' in text and 'Skift: 6 punkter under medianen' in text
    assert 'Median 2,8' in text and 'Mål 2' in text


async def test_a_report_over_all_units_has_no_goal_section(hub: Hub):
    user = await logged_in(hub, 'ola', 'organisation')
    response = await user.http_client.get('/leder/rapport.pdf')
    assert response.status_code == 200
    text = ' '.join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert 'Statusrapport' in text and 'Mål og målinger' not in text
