"""100 phones sending ideas at once to the hub while 70 boards are connected (all on 127.0.0.1).

Each simulated phone opens its unit's form (and gets its cookie), then all send together, in rounds, each idea on
a connection of its own; one wave before the rounds warms up both sides and is not counted. A simulated wall screen
per unit watches for each idea's title in the updates it receives. Then ten waves back to back measure the ideas a
second the hub sustains. The same run is made as the hub runs by default (group commit and the write-ahead journal),
without group commit (each write made durable on its own, still through the journal) and without the journal (group
commit rewriting each changed unit file, as before the journal), side by side.
"""

from __future__ import annotations

import asyncio
import gc
import tempfile
import time
from pathlib import Path

import aiohttp

from board.app import make_tokens
from board.settings import Settings

from .common import Row, percentile
from .hubprocess import resident_mb, start_hub, stop_hub
from .screens import SimulatedScreen
from .store_writes import build_history

#: a phone sends its idea a minute after it opened the form, long after the hub closed that idle connection
#: (uvicorn keeps one open 5 s): every idea comes on a connection of its own
FRESH = {'Connection': 'close'}


def run(*, phones: int = 100, rounds: int = 3, boards: int = 70, history: int = 70 * 20) -> list[Row]:
    sizes = {'phones': phones, 'rounds': rounds, 'boards': boards, 'history': history}
    rows = asyncio.run(_run(**sizes, group_commit=True))
    rows += asyncio.run(_run(**sizes, group_commit=False))
    rows += asyncio.run(_run(**sizes, group_commit=True, journal=False))
    return rows


async def _run(*, phones: int, rounds: int, boards: int, history: int, group_commit: bool,
               journal: bool = True) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix='bench-phones-') as tmp:
        data = Path(tmp) / 'data'
        store = build_history(data, history)
        units = [u.id for u in store.organisation.units][:boards]
        store.close()
        tokens = make_tokens(Settings(data_dir=data))
        # the burst comes from one address here, where real phones come from many: lift the per-source budgets
        # (their cost is still paid on every idea; what they refuse is tested in tests/ui/test_limits.py)
        config = Path(tmp) / 'board.toml'
        config.write_text('[board]\nphone_ideas_per_window = 100000\n'
                          f'group_commit = {"true" if group_commit else "false"}\n'
                          f'journal = {"true" if journal else "false"}\n')
        hub = start_hub(data, config=config)
        try:
            async with aiohttp.ClientSession() as session:
                screens = {unit: SimulatedScreen(hub.url, f'/units/{unit}', session) for unit in units}
                for chunk in range(0, len(units), 10):
                    await asyncio.gather(*(screens[u].connect() for u in units[chunk:chunk + 10]))
                await _phones(hub.url, tokens, screens, units, phones=phones, rounds=1, prefix='Oppvarming')
                send_ms, seen_ms, errors, _ = await _phones(hub.url, tokens, screens, units, phones=phones,
                                                            rounds=rounds)
                # ten waves back to back: the ideas a second the hub sustains
                _, _, wave_errors, rate = await _phones(hub.url, tokens, screens, units, phones=phones, rounds=10,
                                                        pause=0.0)
                hub_mb = resident_mb(hub.process.pid)
                await asyncio.gather(*(s.close() for s in screens.values()))
        finally:
            stop_hub(hub)
    note = f'{phones} phones x {rounds} rounds, {len(units)} boards connected, {errors} errors, hub {hub_mb:.0f} MB'
    if not (group_commit and journal):  # the comparisons: what each buys, measured in the same run
        without = 'without group commit' if not group_commit else 'without the journal'
        return [
            Row(figure=f'  {without}: phone idea sent', target='(comparison)', samples=send_ms, note=note),
            Row(figure=f'  {without}: ideas a second, ten waves', target='(comparison)', samples=[rate],
                unit='/s', note=f'{phones * 10} ideas, {wave_errors} errors'),
        ]
    return [
        Row(figure='phone idea sent (HTTP POST), group commit', target='p95 <= 150 ms, no errors', samples=send_ms,
            passed=errors == 0 and percentile(send_ms, 95) <= 150, note=note),
        Row(figure="phone idea on its unit's connected board", target='p95 <= 1000 ms', samples=seen_ms,
            passed=len(seen_ms) == phones * rounds and percentile(seen_ms, 95) <= 1000,
            note=f'{len(seen_ms)} of {phones * rounds} seen'),
        Row(figure='ideas a second, ten waves back to back', target='>= 500 /s, no errors', samples=[rate],
            unit='/s', passed=wave_errors == 0 and rate >= 500, note=f'{phones * 10} ideas, {wave_errors} errors'),
    ]


async def _phones(base_url: str, tokens, screens: dict[str, SimulatedScreen], units: list[str], *, phones: int,
                  rounds: int, pause: float = 1.5, prefix: str = 'Idé') -> tuple[list[float], list[float], int, float]:
    """Send ``rounds`` waves of ``phones`` ideas; returns send times, seen times, errors and ideas a second (the
    ideas over the time spent in the waves, pauses left out)."""
    sessions = [aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) for _ in range(phones)]
    send_ms: list[float] = []
    sent_at: dict[str, tuple[str, float]] = {}
    errors = 0
    try:
        paths = {u: f'/p/{tokens.current(u)}' for u in units}
        await asyncio.gather(*(_read(s.get(base_url + paths[units[i % len(units)]])) for i, s in enumerate(sessions)))

        async def send(number: int, session: aiohttp.ClientSession, round_: int) -> None:
            nonlocal errors
            unit = units[number % len(units)]
            title = f'{prefix} {round_}-{number} fra mobilen'
            screens[unit].watch(title)
            start = time.monotonic()
            async with session.post(base_url + paths[unit], data={'title': title}, headers=FRESH,
                                    allow_redirects=False) as response:
                await response.read()
                if response.status != 303:
                    errors += 1
            send_ms.append((time.monotonic() - start) * 1000)
            sent_at[title] = (unit, start)

        busy = 0.0
        # this process's own garbage collections are not the hub's time: after the other benchmarks it holds many
        # objects, and a full collection in the middle of a wave would delay reading every phone's answer
        gc.collect()
        gc.disable()
        for round_ in range(rounds):
            wave = time.monotonic()
            await asyncio.gather(*(send(i, s, round_) for i, s in enumerate(sessions)))
            busy += time.monotonic() - wave
            if pause:
                gc.collect()
                await asyncio.sleep(pause)  # let the boards catch up before the next wave
    finally:
        gc.enable()
        await asyncio.gather(*(s.close() for s in sessions))
    seen_ms = [(screens[unit].watched[title] - start) * 1000 for title, (unit, start) in sent_at.items()
               if screens[unit].watched.get(title)]
    return send_ms, seen_ms, errors, phones * rounds / busy if busy else 0.0


async def _read(request) -> None:
    async with request as response:
        await response.read()
