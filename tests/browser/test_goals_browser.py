"""Goals you can measure (issue 15) in Chromium with a finger: a value typed on one wall screen shows on the other
and on the leaders' unit page, a value typed on a wall screen with the hub down reaches the hub, the run chart
marks a shift, and the goal sheet and the meeting's pad keep to the wall's type scale.

What a chart shows is read from the ECharts instance in the page (NiceGUI's ``getElement(el).chart``), not from
the Python options: the option as the chart holds it, and the symbol and colour ECharts gave each drawn point.
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from bench.hubprocess import RunningHub, start_hub, start_kiosk, stop_hub
from board.admin import issue_pairing_code, set_user
from board.domain import Direction, Goal, GoalStatus, Measure
from board.store import Store
from board.ui.run_chart import SIGNAL_COLOUR
from board.users import Grant, Scope

from ..factories import UNIT, seeded_store
from .conftest import LEADER_PASSWORD
from .helpers import wall_offenders

pytestmark = pytest.mark.browser

WALL = {'viewport': {'width': 1920, 'height': 1080}, 'has_touch': True, 'locale': 'nb-NO'}
PORTRAIT = {'viewport': {'width': 1080, 'height': 1920}, 'has_touch': True, 'locale': 'nb-NO'}
#: falls a month: alternating around the median at first, then six in a row below it (a shift, lower is better)
SHIFT_VALUES = (9, 4.5, 8, 5, 9.5, 4, 8.5, 5.5, 3, 2.5, 3.5, 2, 2.5, 3)
SHIFT_POINTS = list(range(8, 14))

#: what an ECharts instance in the page holds: each series' name and data (numbers or {value, symbol, itemStyle}),
#: and for the values (series 0) the symbol and fill ECharts gave each point when it drew them
READ_CHART = """el => {
  const chart = getElement(el)?.chart;
  const option = chart?.getOption();
  if (!option || !option.series) return null;
  const data = chart.getModel().getSeriesByIndex(0).getData();
  const drawn = [];
  for (let i = 0; i < data.count(); i++) {
    drawn.push({symbol: data.getItemVisual(i, 'symbol'), fill: data.getItemVisual(i, 'style').fill});
  }
  return {series: option.series.map(s => ({name: s.name, data: s.data})), drawn};
}"""


def chart_of(element: Locator) -> dict | None:
    return element.evaluate(READ_CHART)


def wait_for_points(page: Page, element: Locator, count: int | None = None, timeout: float = 5000) -> None:
    """Until the chart is drawn (with ``count`` values, if given); no reload."""
    check = 'c !== null' if count is None else f'c !== null && c.series[0].data.length === {count}'
    page.wait_for_function(f'el => {{ const c = ({READ_CHART})(el); return {check}; }}',
                           arg=element.element_handle(), timeout=timeout)


def values_of(chart: dict | None) -> list[float]:
    if not chart:
        return []
    return [d['value'] if isinstance(d, dict) else d for d in chart['series'][0]['data']]


def seed(folder: Path) -> None:
    store = seeded_store(folder)
    set_user(store, 'leder', name='Ledergruppa', grants=[Grant(Scope.ORGANISATION)], password=LEADER_PASSWORD)
    store.save_goal(Goal(id='fall', unit_id=UNIT, name='Færre fall', colour='#D55E00', icon='health_and_safety',
                         status=GoalStatus.AT_RISK, position='c',
                         measure=Measure(unit='fall/mnd', better=Direction.DOWN, target=2, lowest=0)))
    last_monday = store.local_now().date() - timedelta(days=store.local_now().weekday() + 7)
    first = last_monday - timedelta(weeks=len(SHIFT_VALUES) - 1)
    store.record_goal_values(UNIT, [('fall', first + timedelta(weeks=i), v) for i, v in enumerate(SHIFT_VALUES)])
    store.close()


@pytest.fixture(scope='module')
def goal_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    """A hub of its own: the values typed here must not change what other browser tests see."""
    data = tmp_path_factory.mktemp('goal-hub') / 'data'
    seed(data)
    hub = start_hub(data)
    yield hub
    stop_hub(hub)


def open_board(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator('h1')).to_be_visible()
    page.wait_for_timeout(300)


def open_goal(page: Page, name: str) -> Locator:
    """Tap the goal's chip in the strip: its sheet, full screen."""
    page.get_by_role('button', name=f'Åpne målet {name}').tap()
    sheet = page.locator('.goal-sheet')
    expect(sheet).to_be_visible()
    expect(sheet.get_by_role('heading', name=name)).to_be_visible()
    return sheet


def type_on_pad(pad: Locator, keys: str) -> None:
    for key in keys:
        pad.get_by_role('button', name=key, exact=True).tap()
    expect(pad.locator('.pad-number')).to_have_text(keys)
    pad.get_by_role('button', name='Lagre').tap()


def log_in(page: Page, hub: RunningHub, path: str) -> None:
    page.goto(f'{hub.url}{path}')
    expect(page.get_by_role('heading', name='Logg inn')).to_be_visible()
    page.get_by_label('Brukernavn').fill('leder')
    page.get_by_label('Passord').fill(LEADER_PASSWORD)
    page.get_by_role('button', name='Logg inn').click()
    page.wait_for_url(f'{hub.url}{path}*')


def test_a_value_typed_on_one_wall_shows_on_the_other_and_on_the_leaders_page(goal_hub: RunningHub, new_page):
    leader = new_page(viewport={'width': 1440, 'height': 900}, locale='nb-NO')
    log_in(leader, goal_hub, f'/leder/enheter/{UNIT}')
    leader_chart = leader.locator('.goal-chart-cell', has_text='Kortere ventetid').locator('.nicegui-echart')
    expect(leader_chart.locator('canvas')).to_be_visible()
    wait_for_points(leader, leader_chart)
    assert values_of(chart_of(leader_chart)) == []

    first, second = new_page(**WALL), new_page(**WALL)
    open_board(first, goal_hub.board_url(UNIT))
    open_board(second, goal_hub.board_url(UNIT))
    chip = second.locator('.goal-chip', has_text='Kortere ventetid')
    expect(chip).to_contain_text('Mål 2 dager')
    watching = open_goal(second, 'Kortere ventetid')  # the other screen has the goal open as the value comes in
    watched_chart = watching.locator('.nicegui-echart')
    expect(watched_chart.locator('canvas')).to_be_visible()

    sheet = open_goal(first, 'Kortere ventetid')
    type_on_pad(sheet.locator('.number-pad'), '2,7')
    expect(first.locator('.q-notification', has_text='er lagret')).to_be_visible()
    expect(sheet.locator('.goal-value-row').first).to_contain_text('2,7 dager')

    wait_for_points(second, watched_chart, 1)
    assert values_of(chart_of(watched_chart)) == [2.7]
    expect(watching.locator('.goal-value-row').first).to_contain_text('2,7 dager')
    expect(chip).to_contain_text('Nå 2,7 · mål 2 dager')
    watching.get_by_role('button', name='Lukk').tap()
    expect(chip).to_be_visible()
    expect(chip).to_contain_text('Nå 2,7 · mål 2 dager')

    wait_for_points(leader, leader_chart, 1)  # no reload
    assert values_of(chart_of(leader_chart)) == [2.7]


def test_a_value_typed_on_a_wall_screen_with_the_hub_down_reaches_the_hub(tmp_path, browser: Browser):
    hub_data = tmp_path / 'hub' / 'data'
    store = seeded_store(hub_data)
    code = issue_pairing_code(store, UNIT)['code']
    store.close()
    hub = start_hub(hub_data)
    kiosk = start_kiosk(tmp_path / 'kiosk' / 'data', hub_url=hub.url, unit_id=UNIT, code=code)
    context = browser.new_context(**WALL)
    try:
        page = context.new_page()
        open_board(page, kiosk.board_url(UNIT))
        status = page.locator('.sync-status')
        expect(status).to_have_text('Tilkoblet', timeout=15000)

        stop_hub(hub)
        expect(status).to_contain_text('Frakoblet siden', timeout=15000)
        sheet = open_goal(page, 'Kortere ventetid')
        type_on_pad(sheet.locator('.number-pad'), '2,4')
        expect(page.locator('.q-notification', has_text='er lagret')).to_be_visible()
        expect(sheet.locator('.goal-value-row').first).to_contain_text('2,4 dager')
        sheet.get_by_role('button', name='Lukk').tap()
        expect(page.locator('.goal-chip', has_text='Kortere ventetid')).to_contain_text('Nå 2,4')
        expect(status).to_contain_text('1 endringer venter')

        hub = start_hub(hub_data, port=hub.port)
        expect(status).to_have_text('Tilkoblet', timeout=30000)
        on_hub = context.new_page()  # the hub's own board, as any screen there shows it
        open_board(on_hub, hub.board_url(UNIT))
        expect(on_hub.locator('.goal-chip', has_text='Kortere ventetid')).to_contain_text('Nå 2,4 · mål 2 dager',
                                                                                         timeout=10000)
        with urllib.request.urlopen(f'{hub.url}/status', timeout=5) as response:
            assert response.status == 200
        replica = Store(hub_data, read_only=True).open()
        try:
            [value] = replica.goal_values(UNIT, 'ventetid')
            today = replica.local_now().date()
            monday = today - timedelta(days=today.weekday())
            assert (value.value, value.on) == (2.4, monday)
        finally:
            replica.close()
    finally:
        context.close()
        stop_hub(kiosk)
        stop_hub(hub)


def test_the_run_chart_marks_a_shift_in_words_and_on_the_points(goal_hub: RunningHub, new_page):
    page = new_page(**WALL)
    open_board(page, goal_hub.board_url(UNIT))
    sheet = open_goal(page, 'Færre fall')
    expect(sheet.locator('.run-chart-signal', has_text='Skift')).to_be_visible()
    expect(sheet.locator('.run-chart-signal')).to_have_text(re.compile(r'^Skift: 6 punkter under medianen'))
    chart = sheet.locator('.nicegui-echart')
    wait_for_points(page, chart)
    shown = chart_of(chart)
    assert shown is not None
    assert values_of(shown) == list(SHIFT_VALUES)
    marked = [i for i, d in enumerate(shown['series'][0]['data'])
              if isinstance(d, dict) and d.get('symbol') == 'diamond'
              and d.get('itemStyle', {}).get('color', '').upper() == SIGNAL_COLOUR]
    assert marked == SHIFT_POINTS
    drawn = [i for i, d in enumerate(shown['drawn'])
             if d['symbol'] == 'diamond' and (d['fill'] or '').upper() == SIGNAL_COLOUR]
    assert drawn == SHIFT_POINTS  # as drawn: the other points stay plain circles
    assert {d['symbol'] for i, d in enumerate(shown['drawn']) if i not in SHIFT_POINTS} == {'circle'}
    names = [s['name'] for s in shown['series']]
    assert names[:3] == ['Målinger', 'Signal', 'Median']
    median = next(s for s in shown['series'] if s['name'] == 'Median')['data']
    assert set(median) == {4.25}


@pytest.mark.parametrize('viewport', [WALL, PORTRAIT], ids=['landscape', 'portrait'])
def test_the_goal_sheet_and_the_meetings_pad_are_readable_and_big_enough(goal_hub: RunningHub, new_page, viewport):
    page = new_page(**viewport)
    open_board(page, goal_hub.board_url(UNIT))
    sheet = open_goal(page, 'Færre fall')
    page.wait_for_timeout(500)  # past the dialog's opening transition
    offenders = wall_offenders(page)
    sheet.evaluate('el => { el.scrollTop = el.scrollHeight; }')  # the values listed, and the pad on a portrait
    page.wait_for_timeout(300)
    offenders += wall_offenders(page)
    # the chart's own words are drawn on its canvas, out of the check's reach: their sizes as the chart holds them
    sizes = sheet.locator('.nicegui-echart').evaluate(
        'el => { const o = getElement(el).chart.getOption(); return [o.xAxis[0].axisLabel.fontSize, '
        'o.yAxis[0].axisLabel.fontSize, o.yAxis[0].nameTextStyle.fontSize, o.legend[0].textStyle.fontSize, '
        '...o.series.filter(s => s.endLabel && s.endLabel.show).map(s => s.endLabel.fontSize)]; }')
    assert len(sizes) >= 5 and min(sizes) >= 22, sizes
    assert sorted(set(offenders)) == [], 'goal sheet: ' + '\n  '.join(sorted(set(offenders)))
    sheet.get_by_role('button', name='Lukk').tap()
    expect(sheet).to_have_count(0)

    page.get_by_role('button', name='Tavlemøte').tap()
    row = page.locator('.meeting-row', has_text='Færre fall')
    row.get_by_role('button', name=re.compile(r'Legg inn uke')).tap()
    pad = page.locator('.pad-dialog')
    expect(pad).to_be_visible()
    page.wait_for_timeout(500)
    offenders = wall_offenders(page)
    assert offenders == [], 'meeting pad: ' + '\n  '.join(offenders)
    pad.get_by_role('button', name='Avbryt').tap()
    expect(pad).to_have_count(0)


#: counts the charts' draws from here on: NiceGUI's echart component draws in ``update_chart`` (once the chart is
#: made); charts mounted later are made from the same component definition, patched here
COUNT_DRAWS = """el => {
  window.chartDraws = 0;
  const methods = getElement(el).$options.methods;
  const draw = methods.update_chart;
  methods.update_chart = function (...args) {
    if (this.chart) window.chartDraws += 1;
    return draw.apply(this, args);
  };
}"""


def test_each_open_draws_the_chart_once_and_a_quick_reopen_shows_the_goal_opened(goal_hub: RunningHub, new_page):
    page = new_page(**WALL)
    open_board(page, goal_hub.board_url(UNIT))
    sheet = open_goal(page, 'Færre fall')
    wait_for_points(page, sheet.locator('.nicegui-echart'), len(SHIFT_VALUES))
    sheet.locator('.nicegui-echart').evaluate(COUNT_DRAWS)
    sheet.get_by_role('button', name='Lukk').tap()
    expect(sheet).to_have_count(0)
    page.wait_for_timeout(500)

    sheet = open_goal(page, 'Færre fall')
    wait_for_points(page, sheet.locator('.nicegui-echart'), len(SHIFT_VALUES))
    page.wait_for_timeout(500)
    assert page.evaluate('window.chartDraws') == 1  # drawn by mounting; not once more by NiceGUI's update call

    # closed, and at once another goal (a click straight on its chip while the sheet still fades out, where a
    # finger could not reach it yet): the chart shows that goal, not the one before
    sheet.get_by_role('button', name='Lukk').tap()
    page.get_by_role('button', name='Åpne målet Kortere ventetid').dispatch_event('click')
    expect(sheet.get_by_role('heading', name='Kortere ventetid')).to_be_visible()
    page.wait_for_function(
        f"el => {{ const c = ({READ_CHART})(el); return c && c.series[0].data.length !== {len(SHIFT_VALUES)}; }}",
        arg=sheet.locator('.nicegui-echart').element_handle(), timeout=5000)
    unit = sheet.locator('.nicegui-echart').evaluate('el => getElement(el).chart.getOption().yAxis[0].name')
    assert unit == 'dager'
    expect(sheet.locator('.run-chart-signal')).not_to_contain_text('Skift')
