"""The unit's PDF report as a reader sees it (issue 15): its goals page rendered to an image with PDFium, where the
run chart must really be drawn (the values' line, the signal's diamonds in their blue, inside the chart), and the
table of improvements with their før and etter read back with pypdf."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pypdfium2 as pdfium
from PIL import Image
from pypdf import PdfReader

from board.domain import Direction, Goal, GoalStatus, GoalValue, Measure, Organisation, ServiceArea, Unit
from board.gains import ALL_TIME, summarise
from board.i18n import translator
from board.report_pdf import LINE_RGB, SIGNAL_RGB, status_pdf
from board.reports import ReportScope

from ..conftest import Hub
from ..factories import UNIT
from .test_before_after_reports import measured_cards
from .test_leaders import logged_in

#: alternating around the median at first, then six in a row below it: one shift, of the last six points
SHIFTED = (9, 4.5, 8, 5, 9.5, 4, 8.5, 5.5, 3, 2.5, 3.5, 2, 2.5, 3)
#: pixels per PDF point: 2 is 144 dpi, where the chart's 0.4 mm line is a few pixels wide
SCALE = 2


def pages_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def render(pdf: bytes, index: int) -> Image.Image:
    document = pdfium.PdfDocument(pdf)
    try:
        return document[index].render(scale=SCALE).to_pil().convert('RGB')
    finally:
        document.close()


def near(pixel: tuple[int, int, int], colour: tuple[int, int, int], tolerance: int = 4) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


class Drawn:
    """Where an image holds the chart's colours: the box of the values' line, and the signal pixels inside it."""

    def __init__(self, image: Image.Image) -> None:
        width, height = image.size
        data = image.load()
        assert data is not None
        line = [(x, y) for y in range(height) for x in range(width) if near(data[x, y], LINE_RGB)]
        self.line_pixels = len(line)
        if not line:
            self.box = (0, 0, 0, 0)
            self.signal_pixels = self.ink = 0
            return
        xs, ys = [x for x, _ in line], [y for _, y in line]
        self.box = (min(xs), min(ys), max(xs), max(ys))
        left, top, right, bottom = self.box
        inside = [data[x, y] for y in range(top, bottom + 1) for x in range(left, right + 1)]
        self.signal_pixels = sum(1 for p in inside if near(p, SIGNAL_RGB))
        #: the share of the chart's box that is not white paper
        self.ink = sum(1 for p in inside if min(p) < 235) / len(inside)
        self.page_width = width


async def test_the_unit_reports_goals_page_draws_the_run_chart_and_the_before_after_table_is_there(hub: Hub):
    today = hub.store.local_now().date()
    last_monday = today - timedelta(days=today.weekday() + 7)
    first = last_monday - timedelta(weeks=len(SHIFTED) - 1)
    await hub.do.record_goal_values(UNIT, [('ventetid', first + timedelta(weeks=i), v) for i, v in enumerate(SHIFTED)])
    await measured_cards(hub)
    user = await logged_in(hub, 'kari', f'unit:{UNIT}')
    response = await user.http_client.get('/leder/rapport.pdf')
    assert response.status_code == 200
    pdf = response.content
    texts = pages_of(pdf)

    [goals_page] = [i for i, text in enumerate(texts) if 'Mål og målinger' in text]
    assert 'Kortere ventetid' in texts[goals_page] and 'Skift: 6 punkter under medianen' in texts[goals_page]
    drawn = Drawn(render(pdf, goals_page))
    left, top, right, bottom = drawn.box
    assert drawn.line_pixels > 500, 'the values are not drawn as a line'
    assert right - left > drawn.page_width / 2 and bottom - top > 60, f'the line is not a chart: {drawn.box}'
    # six diamonds of about 2 mm at 144 dpi, less what the line crosses: well over a hundred pixels of the blue
    assert drawn.signal_pixels > 150, f'the shift is not marked in the chart: {drawn.signal_pixels} px'
    assert 0.02 < drawn.ink < 0.6, f'the chart area is {drawn.ink:.0%} ink'

    [table_page] = [i for i, text in enumerate(texts) if 'Forbedringer med før og etter' in text]
    assert table_page != goals_page
    table = texts[table_page]
    assert 'Færre fall om natta' in table and '5 fall/mnd' in table and '2 fall/mnd' in table
    assert '\u22123 (\u221260 %)' in table
    assert 'Kortere ventetid på svar' in table and '3,5 dager' in table


def test_the_pixel_check_sees_a_chart_without_a_signal_and_a_page_without_a_chart():
    """The check can fail: a goal whose values hold no signal has no blue in its chart; no values, no chart."""
    area = ServiceArea(id='helse', name='Helse og omsorg')
    organisation = Organisation(name='Testkommune', service_areas=(area,),
                                units=(Unit(id='u', name='Avdeling A', service_area_id='helse'),))
    goal = Goal(id='g', unit_id='u', name='Jevn ventetid', colour='#0072B2', status=GoalStatus.AT_RISK,
                measure=Measure(unit='dager', better=Direction.DOWN, target=2))
    scope = ReportScope(organisation=organisation, title='Avdeling A', active_units=1)
    summary = summarise([], organisation, full_time_week=37.5)

    def goals_page(values: list[GoalValue]) -> Drawn:
        pdf = status_pdf(summary, scope, ALL_TIME, translator('nb'), generated=date(2026, 4, 6),
                         goals=[(goal, values)])
        [index] = [i for i, text in enumerate(pages_of(pdf)) if 'Mål og målinger' in text]
        return Drawn(render(pdf, index))

    steady = [GoalValue(goal_id='g', unit_id='u', on=date(2026, 1, 5) + timedelta(weeks=i), value=v)
              for i, v in enumerate((4, 6, 4, 6, 4, 6, 4, 6, 4, 6, 4, 6))]
    plain = goals_page(steady)
    assert plain.line_pixels > 500 and plain.signal_pixels == 0
    assert goals_page([]).line_pixels == 0
