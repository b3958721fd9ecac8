"""A goal with five years of weekly values (260) opened as a run chart on the wall, by finger in Chromium.

A hub process on 127.0.0.1 with one unit whose goal has 260 weekly values; a 1920x1080 touch page on its board.
Each open is timed in the page, from the finger touching the goal's chip (``touchstart``) to the chart drawn: the
ECharts instance in the sheet holds all 260 points and a frame has been painted since (ECharts paints the canvas
as its options are set). The sheet is closed between opens, so each open mounts and draws its chart afresh.

Two figures: opens on a screen that has opened a goal before (the target, 500 ms p95, issue 15), and the first
open on a freshly loaded screen, which also builds the sheet on the hub (reported).

``python -m bench.goal_chart [--size quick|full]`` runs it alone; ``python -m bench`` includes it.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

from board.domain import Direction, Goal, GoalStatus, Measure, ServiceArea, Unit
from board.store import Store

from .common import Row, percentile, report
from .hubprocess import CHROMIUM, CHROMIUM_ARGS, start_hub, stop_hub

UNIT = 'avdeling-1'
GOAL = 'Kortere ventetid'
WEEKS = 260
TARGET_MS = 500.0
#: every open must be drawn within this, or the run stops (the bench is bounded in time)
OPEN_TIMEOUT_MS = 10_000
SIZES = {'quick': {'opens': 10, 'screens': 3}, 'full': {'opens': 40, 'screens': 10}}

#: set before each tap: from the finger's touch to the sheet's chart drawn with every point, in the page's clock
_ARM = """points => {
  window.chartOpenMs = null;
  document.addEventListener('touchstart', () => {
    const touched = performance.now();
    const drawn = () => {
      const el = document.querySelector('.goal-sheet .nicegui-echart');
      const chart = el && getElement(el)?.chart;
      if (!chart || chart.isDisposed()) return false;
      const series = chart.getOption()?.series;
      return !!series && series[0].data.length === points && el.querySelector('canvas')?.width > 0;
    };
    const poll = () => {
      if (drawn()) requestAnimationFrame(() => { window.chartOpenMs = performance.now() - touched; });
      else requestAnimationFrame(poll);
    };
    poll();
  }, {capture: true, once: true});
}"""


def seed(folder: Path) -> None:
    with Store(folder) as store:
        store.rename_organisation('Målekommune')
        store.add_service_area(ServiceArea(id='helse', name='Helse og omsorg'))
        store.add_unit(Unit(id=UNIT, name='Avdeling 1', service_area_id='helse'))
        store.save_goal(Goal(id='ventetid', unit_id=UNIT, name=GOAL, colour='#0072B2', icon='schedule',
                             status=GoalStatus.AT_RISK, position='a',
                             measure=Measure(unit='dager', better=Direction.DOWN, target=2, baseline=6, lowest=0)))
        today = store.local_now().date()
        last_monday = today - timedelta(days=today.weekday() + 7)
        first = last_monday - timedelta(weeks=WEEKS - 1)
        # five years that drift down with a season and some noise: shifts and trends for the chart to mark
        store.record_goal_values(UNIT, [
            ('ventetid', first + timedelta(weeks=week),
             round(6 - 3 * week / WEEKS + 0.8 * math.sin(week / 8) + 0.3 * ((week * 7) % 5 - 2), 1))
            for week in range(WEEKS)])


def open_once(page: Page) -> float:
    """Tap the goal's chip; the time until its chart is drawn (ms), then close the sheet again."""
    page.evaluate(_ARM, WEEKS)
    page.get_by_role('button', name=f'Åpne målet {GOAL}').tap()
    page.wait_for_function('window.chartOpenMs !== null', timeout=OPEN_TIMEOUT_MS, polling=50)
    took = page.evaluate('window.chartOpenMs')
    sheet = page.locator('.goal-sheet')
    expect(sheet.locator('.run-chart-signal').first).to_be_visible()
    sheet.get_by_role('button', name='Lukk').tap()
    expect(sheet).to_have_count(0)
    page.wait_for_timeout(100)
    return float(took)


def new_screen(browser: Browser, url: str) -> Page:
    context = browser.new_context(viewport={'width': 1920, 'height': 1080}, has_touch=True, locale='nb-NO')
    page = context.new_page()
    page.goto(url)
    expect(page.get_by_role('heading', name='Avdeling 1')).to_be_visible()
    page.wait_for_function('window.did_handshake === true')
    return page


def run(*, opens: int, screens: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix='bench-goal-chart-') as tmp:
        data = Path(tmp) / 'data'
        seed(data)
        hub = start_hub(data)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    first_ms = []
                    for _ in range(screens):
                        page = new_screen(browser, hub.board_url(UNIT))
                        first_ms.append(open_once(page))
                        page.context.close()
                    page = new_screen(browser, hub.board_url(UNIT))
                    open_once(page)  # the sheet built: from here on, opens as a wall screen repeats them
                    again_ms = [open_once(page) for _ in range(opens)]
                finally:
                    browser.close()
        finally:
            stop_hub(hub)
    return [
        Row(f'goal with {WEEKS} weekly values: tap to run chart drawn (Chromium)', f'p95 <= {TARGET_MS:.0f} ms',
            again_ms, passed=percentile(again_ms, 95) <= TARGET_MS,
            note='touchstart to all points drawn, in the page; sheet closed between opens'),
        Row(f'goal with {WEEKS} weekly values: first open on a fresh screen', 'reported', first_ms,
            note='the hub builds the goal sheet on a screen\'s first open'),
    ]


if __name__ == '__main__':
    parser = argparse.ArgumentParser(prog='python -m bench.goal_chart', description=__doc__)
    parser.add_argument('--size', choices=SIZES, default='quick')
    began = time.monotonic()
    raise SystemExit(report('goal run chart on the wall', run(**SIZES[parser.parse_args().size]), began))
