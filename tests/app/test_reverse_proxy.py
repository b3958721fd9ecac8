"""The hub behind Debian's Caddy with the shipped ``config/Caddyfile``: real processes, everything on 127.0.0.1.

The hub runs with ``board_access = "networks"``, only 127.0.0.1 in ``board_networks`` and Caddy (on this machine)
as its one trusted proxy. Clients bind their end to 127.0.0.2, another loopback address, to be a visitor from
outside the networks. Through Caddy such a visitor gets the friendly page for the boards, and the phone page as
usual; a made-up ``X-Forwarded-For`` changes nothing, through Caddy or straight to the hub. A visitor from inside
opens a board through Caddy and it updates live over the websocket Caddy carries.

Caddy is run from the shipped file with three changes made for the test, each checked to hit exactly one line:
its own port on 127.0.0.1 in plain HTTP instead of the public name, the test hub's port, and no admin endpoint
(another Caddy on this machine may hold 2019). ``install.sh --test`` installs Debian's caddy: a missing caddy
fails these tests, it does not skip them.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import httpx
import pytest

from bench.hubprocess import ROOT, RunningHub, free_port, start_hub, stop_hub
from bench.screens import SimulatedScreen
from board.app import make_tokens
from board.settings import Settings, load_settings
from board.sync_api import MAX_WAIT

from ..factories import UNIT, seeded_store
from ..helpers import eventually

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

CADDYFILE = ROOT / 'config' / 'Caddyfile'
OUTSIDE = '127.0.0.2'  # loopback, but not in board_networks: a phone on the mobile network, anyone on the internet
FRIENDLY = 'Tavla er på kommunens nett'  # access.heading in board/locales/nb.toml
SECOND = 1_000_000_000  # Caddy's JSON gives durations in nanoseconds
HUB_SETTINGS = '''[board]
board_access = "networks"
board_networks = ["127.0.0.1/32"]
trusted_proxies = ["127.0.0.1"]
'''


def caddy() -> str:
    found = shutil.which('caddy')
    if found is None:
        pytest.fail("caddy is not installed: ./install.sh --test installs Debian's package", pytrace=False)
    return found


def caddy_environment(home: Path) -> dict[str, str]:
    # Caddy keeps its state (certificates, the last configuration) under these: the test's own folder
    return {'PATH': '/usr/bin:/bin:/usr/sbin:/sbin', 'HOME': str(home), 'XDG_CONFIG_HOME': str(home / 'config'),
            'XDG_DATA_HOME': str(home / 'data')}


def on_loopback(caddyfile: str, port: int, hub_port: int) -> str:
    """The shipped Caddyfile on 127.0.0.1:``port`` in plain HTTP, in front of the hub on ``hub_port``."""
    changes = [('tavle.example.kommune.no {', f'http://127.0.0.1:{port} {{\n\tbind 127.0.0.1'),
               ('reverse_proxy 127.0.0.1:8080', f'reverse_proxy 127.0.0.1:{hub_port}'),
               ('\tservers {', '\tadmin off\n\tservers {')]
    for old, new in changes:
        assert caddyfile.count(old) == 1, f'config/Caddyfile no longer has exactly one {old!r}: update this test'
        caddyfile = caddyfile.replace(old, new)
    return caddyfile


@dataclass
class Proxied:
    hub: RunningHub
    url: str  # Caddy's address
    caddy_log: Path
    hub_log: Path

    def phone_page(self) -> str:
        return f'/p/{make_tokens(Settings(data_dir=self.hub.data_dir)).current(UNIT)}'


def outside(base_url: str) -> httpx.Client:
    """A client whose connections come from 127.0.0.2."""
    return httpx.Client(base_url=base_url, transport=httpx.HTTPTransport(local_address=OUTSIDE), timeout=10)


def inside(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, transport=httpx.HTTPTransport(local_address='127.0.0.1'), timeout=10)


def wait_for_caddy(process: subprocess.Popen[bytes], url: str, log: Path, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f'caddy exited with {process.returncode}:\n{log.read_text()}', pytrace=False)
        try:
            if httpx.get(f'{url}/status', timeout=1).status_code == 200:  # the hub's, through Caddy
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f'caddy did not pass requests to the hub within {seconds} s:\n{log.read_text()}', pytrace=False)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope='module')
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxied]:
    """A hub with the settings above and the shipped Caddyfile in front of it, from start to stop."""
    binary = caddy()
    folder = tmp_path_factory.mktemp('proxied')
    seeded_store(folder / 'data').close()
    (folder / 'board.toml').write_text(HUB_SETTINGS)
    hub = start_hub(folder / 'data', config=folder / 'board.toml')
    port = free_port()
    caddy_log = folder / 'caddy.log'
    (folder / 'Caddyfile').write_text(on_loopback(CADDYFILE.read_text(), port, hub.port))
    process = None
    try:
        with caddy_log.open('wb') as log:
            process = subprocess.Popen([binary, 'run', '--adapter', 'caddyfile', '--config', str(folder / 'Caddyfile')],
                                       stdout=log, stderr=subprocess.STDOUT, env=caddy_environment(folder / 'caddy'))
        url = f'http://127.0.0.1:{port}'
        wait_for_caddy(process, url, caddy_log)
        yield Proxied(hub, url, caddy_log, folder / f'hub-{hub.port}.log')
    finally:
        if process is not None:
            stop(process)
        stop_hub(hub)


@pytest.fixture(autouse=True)
def logs_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    """The end of both processes' logs, in the report of a test that failed (pytest shows a passing test's none)."""
    yield
    if 'proxied' in request.fixturenames:
        running: Proxied = request.getfixturevalue('proxied')
        for log in (running.caddy_log, running.hub_log):
            print(f'--- {log.name}\n' + '\n'.join(log.read_text(errors='replace').splitlines()[-40:]))


def test_the_shipped_caddyfile_is_valid_and_bounds_slow_clients(tmp_path):
    environment = caddy_environment(tmp_path)
    command = [caddy(), '--adapter', 'caddyfile', '--config', str(CADDYFILE)]
    validated = subprocess.run([command[0], 'validate', *command[1:]], capture_output=True, text=True, timeout=60,
                               env=environment, check=False)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    adapted = subprocess.run([command[0], 'adapt', *command[1:]], capture_output=True, text=True, timeout=60,
                             env=environment, check=False)
    assert adapted.returncode == 0, adapted.stderr
    [server] = json.loads(adapted.stdout)['apps']['http']['servers'].values()
    assert server['listen'] == [':443']  # TLS, with the certificate Caddy gets (or the municipality's)
    assert server['read_header_timeout'] == 10 * SECOND
    assert server['read_timeout'] == 30 * SECOND  # headers and body
    # a wall screen's long-poll waits up to MAX_WAIT seconds before the hub's answer is written
    assert server['write_timeout'] > (MAX_WAIT + 30) * SECOND
    assert 0 < server['idle_timeout'] <= 5 * 60 * SECOND
    [route] = server['routes']
    assert route['match'] == [{'host': ['tavle.example.kommune.no']}]
    handlers = {h['handler']: h for h in route['handle'][0]['routes'][0]['handle']}
    assert handlers['request_body']['max_size'] == 2_000_000
    assert 'Strict-Transport-Security' in handlers['headers']['response']['set']
    # paired with the example settings: the hub where Caddy sends requests, believing Caddy about the visitor
    hub = load_settings(ROOT / 'config' / 'board.toml', environ={})
    assert handlers['reverse_proxy']['upstreams'] == [{'dial': f'{hub.host}:{hub.port}'}]
    assert set(hub.trusted_proxies) == {'127.0.0.1/32', '::1/128'}
    assert hub.board_access == 'networks'


def test_through_caddy_a_visitor_from_outside_gets_the_friendly_page_for_boards(proxied: Proxied):
    with outside(proxied.url) as visitor:
        for path in ('/', f'/units/{UNIT}'):
            response = visitor.get(path)
            assert response.status_code == 403, path
            assert FRIENDLY in response.text and 'skann QR-koden' in response.text
            assert f'/login?next={path}' in response.text
            assert 'Avdeling A' not in response.text
            assert response.headers['strict-transport-security'] == 'max-age=31536000'  # Caddy's
            assert 'server' not in response.headers
        # a made-up X-Forwarded-For: Caddy passes on the address the request came from, nothing the visitor says
        for claimed in ('127.0.0.1', '127.0.0.1, 127.0.0.1'):
            response = visitor.get(f'/units/{UNIT}', headers={'X-Forwarded-For': claimed})
            assert response.status_code == 403 and FRIENDLY in response.text
    assert f'refused to {OUTSIDE}' in proxied.hub_log.read_text()  # the hub saw the visitor's own address


def test_through_caddy_the_phone_page_works_from_outside(proxied: Proxied):
    page = proxied.phone_page()
    with outside(proxied.url) as phone:
        form = phone.get(page)
        assert form.status_code == 200
        assert f'action="{page}"' in form.text and 'name="title"' in form.text
        # Caddy passes the visitor's Host on: the form's Origin check sees this hub, not another site
        sent = phone.post(page, data={'title': 'Idé sendt gjennom Caddy'}, headers={'Origin': proxied.url})
        assert sent.status_code == 303


def test_through_caddy_a_board_opens_from_inside_and_updates_live_over_its_websocket(proxied: Proxied):
    with inside(proxied.url) as screen:
        assert screen.get(f'/units/{UNIT}').status_code == 200
        assert screen.get('/').status_code == 200
    title = 'Idé fra mobilen, vist live'

    async def watch_the_board() -> float:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            board = SimulatedScreen(proxied.url, f'/units/{UNIT}', session)
            await board.connect()  # NiceGUI's socket.io websocket, through Caddy
            try:
                board.watch(title)
                with outside(proxied.url) as phone:
                    page = proxied.phone_page()
                    await asyncio.to_thread(phone.get, page)
                    sent = await asyncio.to_thread(phone.post, page, data={'title': title})
                    assert sent.status_code == 303
                await eventually(lambda: board.watched[title], seconds=15)
                return board.watched[title]
            finally:
                await board.close()
    assert asyncio.run(watch_the_board()) > 0  # when the idea reached the open board, through Caddy


def test_the_hub_believes_x_forwarded_for_from_its_trusted_proxy_only(proxied: Proxied):
    with outside(proxied.hub.url) as direct:  # another process, not Caddy, straight to the hub's port
        response = direct.get(f'/units/{UNIT}', headers={'X-Forwarded-For': '127.0.0.1'})
        assert response.status_code == 403 and FRIENDLY in response.text
        assert direct.get(proxied.phone_page()).status_code == 200
    with inside(proxied.hub.url) as local:
        assert local.get(f'/units/{UNIT}').status_code == 200
    assert re.search(rf'/units/{UNIT} refused to {re.escape(OUTSIDE)}', proxied.hub_log.read_text())
