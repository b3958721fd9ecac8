"""Faults of a running hub: a full disk, a restart with 70 boards open, and a day of updates on one board."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import tempfile
import time
from pathlib import Path

import aiohttp
import httpx
from playwright.async_api import async_playwright

from board.admin import issue_pairing_code
from board.app import make_tokens
from board.domain import CardFields, ServiceArea, Unit
from board.settings import Settings
from board.store import Store
from board.store.codec import card_to_dict

from .common import Row, percentile
from .hubprocess import CHROMIUM, CHROMIUM_ARGS, resident_mb, start_hub, stop_hub
from .screens import SimulatedScreen
from .store_writes import build_history

UNIT = 'enhet-00'


def _small_organisation(folder: Path, cards: int = 10) -> None:
    store = Store(folder).open()
    store.add_service_area(ServiceArea(id='helse', name='Helse og omsorg'))
    store.add_unit(Unit(id=UNIT, name='Enhet 0', service_area_id='helse'))
    for number in range(cards):
        store.create_card(UNIT, CardFields(title=f'Lagret før {number}'))
    store.close()


# --- SIGKILL the hub itself during a write storm ---------------------------------------------------------------------

def hub_kill_storm(*, rounds: int) -> list[Row]:
    return asyncio.run(_hub_kill_storm(rounds))


async def _hub_kill_storm(rounds: int, seed: int = 11) -> list[Row]:
    """A client pushes cards through the sync API while the hub is killed with SIGKILL at random moments."""
    import random
    import signal
    rng = random.Random(seed)
    acknowledged: dict[str, str] = {}
    broken = lost = 0
    with tempfile.TemporaryDirectory(prefix='bench-hubkill-') as tmp:
        data = Path(tmp) / 'data'
        _small_organisation(data)
        store = Store(data).open()
        codes = [issue_pairing_code(store, UNIT)['code']]
        store.close()
        writer = Store(Path(tmp) / 'writer', node_id='writer').open()
        writer.add_service_area(ServiceArea(id='helse', name='Helse og omsorg'))
        writer.add_unit(Unit(id=UNIT, name='Enhet 0', service_area_id='helse'))
        hub = start_hub(data)
        async with httpx.AsyncClient(base_url=hub.url, timeout=5) as http:
            token = (await http.post('/api/v1/pair', json={'code': codes[0], 'unit_id': UNIT})).json()['token']
        headers = {'Authorization': f'Bearer {token}'}
        for _ in range(rounds):
            kill_at = time.monotonic() + rng.uniform(0.05, 0.6)
            async with httpx.AsyncClient(base_url=hub.url, headers=headers, timeout=5) as http:
                number = 0
                while time.monotonic() < kill_at:
                    card = writer.create_card(UNIT, CardFields(title=f'storm {len(acknowledged)}-{number}'))
                    number += 1
                    try:
                        response = await http.post(f'/api/v1/units/{UNIT}/sync',
                                                   json={'pulled': 10**9, 'cards': [card_to_dict(card)]})
                    except httpx.HTTPError:
                        break
                    if response.status_code == 200:
                        acknowledged[card.id] = card.title
                hub.process.send_signal(signal.SIGKILL)  # mid-storm: requests may be in flight
                hub.process.wait()
            try:
                check = Store(data, read_only=True).open()
            except Exception:
                broken += 1
            else:
                lost += sum(1 for card_id in acknowledged if check.card(UNIT, card_id) is None)
                check.close()
            hub = start_hub(data, port=hub.port)
        stop_hub(hub)
        writer.close()
    return [Row(figure='SIGKILL of the hub process during a write storm (sync API)', target='0 broken files, '
                '0 lost writes', samples=[float(rounds)], unit='kills', passed=broken == 0 and lost == 0,
                note=f'{rounds} kills, {len(acknowledged)} acknowledged writes, {broken} broken loads, {lost} lost')]


# --- a full disk ----------------------------------------------------------------------------------------------------

def full_disk() -> list[Row]:
    if os.geteuid() != 0:
        return [Row(figure='full disk', target='clear message, nothing lost, works again', samples=[0],
                    note='not run: mounting a small tmpfs needs root')]
    with tempfile.TemporaryDirectory(prefix='bench-disk-') as tmp:
        disk = Path(tmp) / 'disk'
        disk.mkdir()
        subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', str(disk)], check=True)
        try:
            return asyncio.run(_full_disk(disk))
        finally:
            subprocess.run(['umount', str(disk)], check=False)


async def _full_disk(disk: Path) -> list[Row]:
    hub = None
    try:
        _small_organisation(disk)
        hub = start_hub(disk)
        path = f'/p/{make_tokens(Settings(data_dir=disk)).current(UNIT)}'
        filler = disk / 'filler'
        with contextlib.suppress(OSError), filler.open('wb') as file:
            while True:
                file.write(b'\0' * 65536)
                file.flush()
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as phone, \
                async_playwright() as playwright:
            await phone.get(hub.url + path)
            async with phone.post(hub.url + path, data={'title': 'Disken er full'}) as response:
                phone_full = (response.status, 'kunne ikke lagres' in await response.text())
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = await browser.new_page(viewport={'width': 1920, 'height': 1080})
            await page.goto(hub.board_url(UNIT))
            await page.get_by_test_id('new-idea').click()
            await page.get_by_label('Tittel').fill('Fra tavla med full disk')
            await page.get_by_role('button', name='Lagre').click()
            board_message = await _visible(page.get_by_text('Endringen kunne ikke lagres'))
            filler.unlink()
            await page.get_by_role('button', name='Lagre').click()
            board_again = await _visible(page.locator('[data-column=ideas]', has_text='Fra tavla med full disk'))
            async with phone.post(hub.url + path, data={'title': 'Plass igjen'}, allow_redirects=False) as again:
                phone_again = again.status
            await browser.close()
    finally:
        if hub is not None:
            stop_hub(hub)
        stored = Store(disk, read_only=True).open()
        titles = {c.title for c in stored.cards(UNIT)}
        stored.close()
    kept = all(f'Lagret før {n}' in titles for n in range(10))
    ok = (phone_full == (503, True) and board_message and board_again and phone_again == 303 and kept
          and {'Plass igjen', 'Fra tavla med full disk'} <= titles and 'Disken er full' not in titles)
    return [Row(figure='full disk (3 MB tmpfs under a running hub)', target='clear message, nothing lost, '
                'works again', samples=[0], passed=ok,
                note=f'phone: {phone_full[0]} with message {phone_full[1]}; board message: {board_message}; '
                     f'after space returned: board {board_again}, phone {phone_again}; earlier cards kept: {kept}')]


async def _visible(locator, seconds: float = 10) -> bool:
    try:
        await locator.first.wait_for(state='visible', timeout=seconds * 1000)
        return True
    except Exception:
        return False


# --- restart the hub with 70 boards open ----------------------------------------------------------------------------

class ReloadingScreen(SimulatedScreen):
    """A simulated board that, like the browser, reloads once its connection is gone for good."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reloads = 0
        self.sio.on('disconnect', self._lost)
        self.lost = asyncio.Event()

    async def _lost(self, *_args) -> None:
        self.lost.set()

    async def come_back(self, expected_text: str, deadline: float) -> float | None:
        """Reload until the page loads again and shows ``expected_text``; seconds it took, or None."""
        started = time.monotonic()
        while time.monotonic() < deadline:
            try:
                async with self.session.get(self.base_url + self.path) as response:
                    html = await response.text()
                self.reloads += 1
                if expected_text in html:
                    self.sio = type(self.sio)(reconnection=False, http_session=self.session)
                    await self.connect()
                    return time.monotonic() - started
            except (aiohttp.ClientError, OSError):
                pass
            await asyncio.sleep(1.0)
        return None


def hub_restart(*, boards: int = 70) -> list[Row]:
    return asyncio.run(_hub_restart(boards))


async def _hub_restart(boards: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix='bench-restart-') as tmp:
        data = Path(tmp) / 'data'
        build_history(data, 70 * 20).close()
        hub = start_hub(data)
        units = [f'enhet-{i % 70:02d}' for i in range(boards)]
        async with aiohttp.ClientSession() as session, async_playwright() as playwright:
            screens = [ReloadingScreen(hub.url, f'/units/{u}', session) for u in units]
            for chunk in range(0, len(screens), 10):
                await asyncio.gather(*(s.connect() for s in screens[chunk:chunk + 10]))
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            pages, loads = [], []
            for number in range(2):
                page = await browser.new_page(viewport={'width': 1920, 'height': 1080})
                count = [0]
                page.on('load', lambda _page, count=count: count.__setitem__(0, count[0] + 1))
                await page.goto(hub.board_url(f'enhet-{number:02d}'))
                pages.append(page)
                loads.append(count)
            stop_hub(hub)
            down = Store(data).open()  # a change made while the hub was down must show after the restart
            for number in range(2):
                down.create_card(f'enhet-{number:02d}', CardFields(title='Etter omstart'))
            for unit in set(units):
                down.create_card(unit, CardFields(title=f'Nytt etter omstart {unit}'))
            down.close()
            hub = start_hub(data, port=hub.port)
            deadline = time.monotonic() + 30
            back = await asyncio.gather(*(s.come_back(f'Nytt etter omstart {u}', deadline)
                                          for s, u in zip(screens, units, strict=True)))
            real_back = [await _visible(p.locator('[data-column=ideas]', has_text='Etter omstart'), 30)
                         for p in pages]
            reloads = [count[0] - 1 for count in loads]
            await browser.close()
            for screen in screens:
                with contextlib.suppress(Exception):
                    await screen.close()
        hub_mb = resident_mb(hub.process.pid)
        stop_hub(hub)
    seconds = [b * 1000 for b in back if b is not None]
    ok = len(seconds) == boards and all(real_back) and max(reloads) <= 1 and percentile(seconds, 100) <= 30000
    return [Row(figure=f'hub restart with {boards} simulated + 2 browser boards open', target='all back with '
                'current data <= 30 s, no reload loop', samples=seconds or [float('nan')], passed=ok,
                note=f'{len(seconds)} of {boards} back; browser pages back: {real_back}, reloads per page: '
                     f'{reloads}; hub {hub_mb:.0f} MB after')]


# --- a day of use on one open board ---------------------------------------------------------------------------------

def soak(*, updates: int) -> list[Row]:
    return asyncio.run(_soak(updates))


async def _soak(updates: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix='bench-soak-') as tmp:
        data = Path(tmp) / 'data'
        _small_organisation(data, cards=20)
        store = Store(data).open()
        code = issue_pairing_code(store, UNIT)['code']
        store.close()
        hub = start_hub(data)
        replica_dir = Path(tmp) / 'replica'
        try:
            async with httpx.AsyncClient(base_url=hub.url) as http, async_playwright() as playwright:
                paired = (await http.post('/api/v1/pair', json={'code': code, 'unit_id': UNIT})).json()
                http.headers['Authorization'] = f'Bearer {paired["token"]}'
                replica = Store(replica_dir, node_id=paired['kiosk_id']).open()
                replica.add_service_area(ServiceArea(id='helse', name='Helse og omsorg'))
                replica.add_unit(Unit(id=UNIT, name='Enhet 0', service_area_id='helse'))
                pulled = (await http.post(f'/api/v1/units/{UNIT}/sync', json={'pulled': 0})).json()
                from board.store.codec import card_from_dict
                replica.merge_cards(UNIT, [card_from_dict(c) for c in pulled['cards']])
                ids = [c.id for c in replica.cards(UNIT)]
                browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = await browser.new_page(viewport={'width': 1920, 'height': 1080})
                cdp = await page.context.new_cdp_session(page)
                await cdp.send('Performance.enable')
                await page.goto(hub.board_url(UNIT))
                samples: list[tuple[int, float, float]] = []
                batch = 10
                for done in range(0, updates, batch):
                    cards = []
                    for offset in range(batch):
                        card_id = ids[(done + offset) % len(ids)]
                        current = replica.card(UNIT, card_id)
                        cards.append(replica.edit_card(UNIT, card_id, CardFields(
                            title=f'Oppdatering {done + offset}', owner=current.owner if current else '')))
                    response = await http.post(f'/api/v1/units/{UNIT}/sync',
                                               json={'pulled': 0, 'cards': [card_to_dict(c) for c in cards]})
                    response.raise_for_status()
                    if done % max(updates // 10, batch) == 0 or done + batch >= updates:
                        await asyncio.sleep(0.5)  # let the page apply what it was sent
                        samples.append((done + batch, resident_mb(hub.process.pid), await _js_heap_mb(cdp)))
                last = f'Oppdatering {updates - 1}'
                shown = await _visible(page.get_by_text(last, exact=True), 20)
                await browser.close()
                replica.close()
        finally:
            stop_hub(hub)
    warm = samples[1] if len(samples) > 2 else samples[0]
    end = samples[-1]
    hub_growth, heap_growth = end[1] - warm[1], end[2] - warm[2]
    ok = shown and hub_growth <= 40 and heap_growth <= 30
    trace = ', '.join(f'{n}: hub {h:.0f} MB / page {j:.0f} MB' for n, h, j in samples[::3])
    return [Row(figure=f'soak: {updates:,} updates on one open board', target='memory growth bounded '
                '(hub <= 40 MB, page <= 30 MB after warm-up)', samples=[hub_growth, heap_growth], unit='MB',
                passed=ok, note=f'last update shown: {shown}; growth hub {hub_growth:+.1f} MB, page heap '
                                f'{heap_growth:+.1f} MB; {trace}')]


async def _js_heap_mb(cdp) -> float:
    metrics = (await cdp.send('Performance.getMetrics'))['metrics']
    return next(m['value'] for m in metrics if m['name'] == 'JSHeapUsedSize') / 2**20


__all__ = ['full_disk', 'hub_kill_storm', 'hub_restart', 'soak']

