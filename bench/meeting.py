"""The scripted board meeting, by finger in Chromium against a hub process on 127.0.0.1: taps and app time.

7 present, 7 new ideas answered (three taken into Pågår, three parked, one declined with a reason), one goal's
status, one PDCA change, one card finished with its gain, one recognition, the end with its summary. Counted:
every tap (typing on the on-screen or a real keyboard is not counted: what is typed is the meeting's own words),
and the app's time: from each tap to what it should show. The gain step must take at most 4 taps.

``python -m bench.meeting`` runs it alone; ``python -m bench`` includes it.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Locator, Page, expect, sync_playwright

from board.domain import CardFields, Column, Goal, GoalStatus, ServiceArea, Unit
from board.store import Store

from .common import Row, report
from .hubprocess import CHROMIUM, CHROMIUM_ARGS, start_hub, stop_hub

UNIT = 'avdeling-1'
IDEAS = ('Fast plass for rullatorene', 'Kaffekrok for pårørende', 'Ny kaffemaskin', 'Sjekkliste for innkomst',
         'Faste tider for tilsyn om natta', 'Merk medisinvognen', 'Samle apotekbestillinger')
GAIN_TAPS_MAX = 4


class Taps:
    """Each tap counted, and the time from it until the page shows what it should (the app's time)."""

    def __init__(self) -> None:
        self.count = 0
        self.app_ms: list[float] = []
        self.by_step: dict[str, int] = {}
        self.step = ''

    def __call__(self, target: Locator, then: Callable[[], None] | None = None) -> None:
        started = time.perf_counter()
        target.tap()
        if then is not None:
            then()
        self.app_ms.append((time.perf_counter() - started) * 1000)
        self.count += 1
        self.by_step[self.step] = self.by_step.get(self.step, 0) + 1


def seed(folder: Path) -> None:
    with Store(folder) as store:
        store.rename_organisation('Målekommune')
        store.add_service_area(ServiceArea(id='helse', name='Helse og omsorg'))
        store.add_unit(Unit(id=UNIT, name='Avdeling 1', service_area_id='helse'))
        # no measure: its status is set at a tap in the meeting's first step, as the taps counted since began
        store.save_goal(Goal(id='fall', unit_id=UNIT, name='Færre fall', colour='#0072B2', icon='health_and_safety',
                             status=GoalStatus.ON_TRACK, position='a'))
        for title in IDEAS:
            store.create_card(UNIT, CardFields(title=title))
        store.create_card(UNIT, CardFields(title='Ferdigpakket stellevogn', owner='Per'), column=Column.DOING)


def meeting(page: Page, tap: Taps) -> None:
    tap.step = 'start'
    tap(page.get_by_role('button', name='Tavlemøte'),
        lambda: expect(page.get_by_role('heading', name='Tavlemøte – uke')).to_be_visible())
    for number in range(1, 8):
        tap(page.get_by_role('button', name='En til til stede'),
            lambda n=number: expect(page.locator('.meeting-present')).to_have_text(str(n)))

    tap.step = 'goals'
    tap(page.locator('.meeting-row', has_text='Færre fall').get_by_role('button', name='I fare'),
        lambda: expect(page.locator('.meeting-goals .goal-chip')).to_contain_text('I fare'))
    tap(page.get_by_role('button', name='Neste punkt'), lambda: expect(page.locator('.meeting-card')).to_be_visible())

    tap.step = 'ideas'
    idea = page.locator('.meeting-card')
    for index, title in enumerate(IDEAS):
        following = IDEAS[index + 1] if index + 1 < len(IDEAS) else None

        def shown(following: str | None = following) -> None:
            if following is None:
                expect(page.get_by_text('Alle ideer har fått svar.')).to_be_visible()
            else:
                expect(idea).to_contain_text(following)

        expect(idea).to_contain_text(title)
        if index < 3:
            tap(page.get_by_role('button', name='Ta inn i Pågår'))
            tap(page.get_by_role('button', name='Bekreft'), shown)
        elif index < 6:
            tap(page.get_by_role('button', name='Parker'), shown)
        else:
            tap(page.get_by_role('button', name='Avslå'))
            tap(page.get_by_label('Kort begrunnelse'))
            page.keyboard.type('Vi har nettopp bestilt ny løsning')
            tap(page.get_by_role('button', name='Bekreft'), shown)

    tap.step = 'doing'
    tap(page.get_by_role('tab', name='4. Pågår'), lambda: expect(page.locator('.meeting-row').first).to_be_visible())
    row = page.locator('.meeting-row', has_text='Ferdigpakket stellevogn')
    tap(row.get_by_role('button', name='Kontrollere'),
        lambda: expect(row.get_by_role('button', name='Kontrollere')).to_have_attribute('aria-pressed', 'true'))
    tap(row.get_by_role('button', name='Ferdig'),
        lambda: expect(page.locator('.meeting-row', has_text='Ferdigpakket stellevogn')).to_have_count(0))

    tap.step = 'gain'
    tap(page.get_by_role('tab', name='5. Ferdig'),
        lambda: expect(page.locator('.meeting-row', has_text='Ferdigpakket stellevogn')).to_be_visible())
    finished = page.locator('.meeting-row', has_text='Ferdigpakket stellevogn')
    tap(finished.get_by_role('button', name='Registrer gevinst'),
        lambda: expect(page.get_by_role('button', name='Økt kvalitet')).to_be_visible())
    tap(page.get_by_role('button', name='Økt kvalitet'))
    tap(page.get_by_role('button', name='10 min om dagen'),
        lambda: expect(page.get_by_text('= 0,02 årsverk')).to_be_visible())
    tap(page.locator('.q-dialog').last.get_by_role('button', name='Lagre'),
        lambda: expect(finished).to_contain_text('årsverk'))

    tap.step = 'recognition'
    tap(page.get_by_role('tab', name='7. Ros'), lambda: expect(page.get_by_label('Ros til')).to_be_visible())
    tap(page.get_by_label('Ros til'))
    page.keyboard.type('Takk til nattevakta for ryddig medisinrom')
    tap(page.get_by_role('button', name='Legg til ros'),
        lambda: expect(page.locator('.meeting .recognition')).to_be_visible())

    tap.step = 'end'
    tap(page.get_by_role('button', name='Avslutt møtet'),
        lambda: expect(page.get_by_text('Avslutte tavlemøtet?')).to_be_visible())
    tap(page.get_by_role('button', name='Avslutt og lagre'),
        lambda: expect(page.get_by_role('heading', name='Referat')).to_be_visible())


def run() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix='bench-meeting-') as tmp:
        data = Path(tmp) / 'data'
        seed(data)
        hub = start_hub(data)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = browser.new_context(viewport={'width': 1920, 'height': 1080}, has_touch=True,
                                              locale='nb-NO')
                page = context.new_page()
                page.goto(hub.board_url(UNIT))
                expect(page.get_by_role('heading', name='Avdeling 1')).to_be_visible()
                taps = Taps()
                meeting(page, taps)
                browser.close()
        finally:
            stop_hub(hub)
    steps = ', '.join(f'{step} {count}' for step, count in taps.by_step.items())
    return [
        Row('scripted meeting: taps (typing not counted)', 'reported', [float(taps.count)], unit='taps',
            note=steps),
        Row('scripted meeting: gain step', f'<= {GAIN_TAPS_MAX} taps', [float(taps.by_step['gain'] - 1)],
            unit='taps', passed=taps.by_step['gain'] - 1 <= GAIN_TAPS_MAX,
            note='Registrer gevinst, kind, time, Lagre (opening the step not counted)'),
        Row('scripted meeting: app time per tap', 'reported', taps.app_ms,
            note=f'{sum(taps.app_ms) / 1000:.1f} s of app time in all'),
    ]


if __name__ == '__main__':
    began = time.monotonic()
    raise SystemExit(report('scripted board meeting', run(), began))
