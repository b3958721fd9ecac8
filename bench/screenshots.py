"""The README's screenshots, made from the demo so they stay true: ``python -m bench.screenshots``.

Starts a hub process on 127.0.0.1 with the demo municipality (``board demo``'s sample data), drives Debian's
Chromium and writes ``assets/screenshots/*.png``: a unit's board on a 1920x1080 wall screen and on a 1080x1920
one in portrait, the board meeting, the phone page at 393 px, and on a laptop the leaders' overview and the gains
dashboard. Run it after a change to what these pages look like, and commit the pictures with the change.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from playwright.sync_api import Browser, expect, sync_playwright

from board.demo import demo_logins, seed_demo
from board.settings import Settings
from board.store import Store

from .hubprocess import CHROMIUM, CHROMIUM_ARGS, ROOT, start_hub, stop_hub

OUT = ROOT / 'assets' / 'screenshots'
UNIT = 'solsiden-avd-1'
WALL = {'viewport': {'width': 1920, 'height': 1080}, 'has_touch': True, 'locale': 'nb-NO'}
PORTRAIT = {'viewport': {'width': 1080, 'height': 1920}, 'has_touch': True, 'locale': 'nb-NO'}
PHONE = {'viewport': {'width': 393, 'height': 852}, 'has_touch': True, 'is_mobile': True,
         'device_scale_factor': 2, 'locale': 'nb-NO'}
LAPTOP = {'viewport': {'width': 1440, 'height': 900}, 'locale': 'nb-NO'}


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix='screenshots-') as tmp:
        data = Path(tmp) / 'data'
        with Store(data) as store:
            seed_demo(store)
            logins = dict(demo_logins(store, data / 'secrets'))
        hub = start_hub(data)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                shoot(browser, hub.url, hub.board_url(UNIT), logins['leder'], data)
                browser.close()
        finally:
            stop_hub(hub)
    for path in sorted(OUT.glob('*.png')):
        print(path.relative_to(ROOT))
    return 0


def shoot(browser: Browser, url: str, board: str, password: str, data: Path) -> None:
    page = browser.new_context(**WALL).new_page()
    page.goto(board)
    expect(page.locator('.board-card').first).to_be_visible()
    page.wait_for_timeout(500)
    page.screenshot(path=OUT / 'board.png')
    page.get_by_role('button', name='Tavlemøte').tap()
    expect(page.get_by_role('heading', name='Tavlemøte – uke')).to_be_visible()
    page.get_by_role('tab', name='2. Nye ideer').tap()
    expect(page.locator('.meeting-card')).to_be_visible()
    page.wait_for_timeout(300)
    page.screenshot(path=OUT / 'meeting.png')
    page.context.close()

    portrait = browser.new_context(**PORTRAIT).new_page()
    portrait.goto(board)
    expect(portrait.locator('.board-card').first).to_be_visible()
    portrait.wait_for_timeout(500)
    portrait.screenshot(path=OUT / 'board-portrait.png')
    portrait.context.close()

    from board.app import make_tokens
    token = make_tokens(Settings(data_dir=data)).current(UNIT)
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(f'{url}/p/{token}')
    expect(phone.get_by_role('heading', level=1)).to_be_visible()
    phone.screenshot(path=OUT / 'phone.png', full_page=True)
    phone.context.close()

    laptop = browser.new_context(**LAPTOP).new_page()
    laptop.goto(f'{url}/login?next=/leder')
    laptop.get_by_label('Brukernavn').fill('leder')
    laptop.get_by_label('Passord').fill(password)
    laptop.get_by_role('button', name='Logg inn').last.click()
    expect(laptop.locator('.tile-title').first).to_be_visible()
    laptop.wait_for_timeout(500)
    laptop.screenshot(path=OUT / 'leaders-overview.png')
    laptop.goto(f'{url}/leder/gevinster')
    laptop.wait_for_timeout(1500)  # the charts draw themselves
    laptop.screenshot(path=OUT / 'gains.png')
    laptop.context.close()


if __name__ == '__main__':
    began = time.monotonic()
    code = main()
    print(f'{time.monotonic() - began:.0f} s')
    raise SystemExit(code)
