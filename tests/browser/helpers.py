"""What the browser tests share: finding cards and columns, dragging with a finger, a phone, reading a QR code."""

from __future__ import annotations

import io
from pathlib import Path

import zxingcpp
from PIL import Image
from playwright.sync_api import Locator, Page

__all__ = ['PHONE', 'WALL_CHECK', 'card', 'column', 'scan', 'touch_drag', 'wall_offenders']

PHONE = {'viewport': {'width': 393, 'height': 852}, 'has_touch': True, 'is_mobile': True, 'device_scale_factor': 2}


def scan(page: Page) -> str:
    """What a phone camera reads from the code on the wall screen."""
    png = page.locator('.qr-thumb img').screenshot()
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return code.text


def card(page: Page, title: str) -> Locator:
    return page.locator('.board-card', has_text=title)


def column(page: Page, name: str) -> Locator:
    return page.locator(f'[data-column={name}]')


def touch_drag(page: Page, source: Locator, target: Locator) -> None:
    """Drag with a finger: real touch events through the DevTools protocol, held briefly before moving."""
    cdp = page.context.new_cdp_session(page)
    start = source.bounding_box()
    end = target.bounding_box()
    assert start and end
    x, y = start['x'] + start['width'] / 2, start['y'] + start['height'] / 2
    to_x, to_y = end['x'] + end['width'] / 2, end['y'] + 40
    cdp.send('Input.dispatchTouchEvent', {'type': 'touchStart', 'touchPoints': [{'x': x, 'y': y}]})
    page.wait_for_timeout(250)  # past the touch delay that keeps scrolling from starting a drag
    steps = 12
    for i in range(1, steps + 1):
        cdp.send('Input.dispatchTouchEvent', {'type': 'touchMove', 'touchPoints': [
            {'x': x + (to_x - x) * i / steps, 'y': y + (to_y - y) * i / steps}]})
        page.wait_for_timeout(30)
    cdp.send('Input.dispatchTouchEvent', {'type': 'touchEnd', 'touchPoints': []})
    cdp.detach()


#: the check of wall_offenders: a JavaScript function of {minText, minTitle, minTarget} returning the offenders
WALL_CHECK = '\n'.join(line for line in (Path(__file__).parent / 'wall_check.js').read_text().splitlines()
                       if not line.startswith('//'))


def wall_offenders(page: Page) -> list[str]:
    """Text under 22 px (card titles under 30 px) and targets under 48 px, as the page shows them now."""
    return page.evaluate(WALL_CHECK, {'minText': 22, 'minTitle': 30, 'minTarget': 48})
