"""Monitoring: ``/status`` for a health check, ``/metrics`` in the Prometheus format for the municipality's
monitoring (read back with prometheus_client's own parser)."""

from __future__ import annotations

import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from board.domain import CardFields
from board.store import StoreWriteError
from board.store.files import FORMAT
from board.version import VERSION

from ..conftest import Hub
from ..factories import UNIT
from ..helpers import client, pair


def figures(text: str) -> dict[str, float]:
    return {sample.name: sample.value for family in text_string_to_metric_families(text) for sample in family.samples}


async def test_status_tells_what_monitoring_needs(hub: Hub):
    async with client(hub) as http:
        status = (await http.get('/status')).json()
    assert status['status'] == 'ok' and status['role'] == 'hub'
    assert (status['version'], status['format'], status['units']) == (VERSION, FORMAT, 2)
    assert status['uptime_seconds'] >= 0 and status['writes_waiting'] == 0 and status['disk_free_bytes'] > 0
    assert status['last_write_error'] is None and status['boards'] == 0


async def test_metrics_count_ideas_changes_refused_pushes_and_write_errors(hub: Hub):
    phone_page = f'/p/{hub.context.tokens.current(UNIT)}'  # type: ignore[union-attr]
    token = await pair(hub)
    async with client(hub) as http:
        before = figures((await http.get('/metrics')).text)
        await http.get(phone_page)
        assert (await http.post(phone_page, data={'title': 'Idé fra mobilen'})).status_code == 303
        await hub.do.create_card(UNIT, CardFields(title='Fra tavla'))
        silent = figures((await http.get('/metrics')).text)['board_wall_screens_silent']
        async with client(hub, token) as wall:
            await wall.post(f'/api/v1/units/{UNIT}/sync', json={'pulled': 0, 'cards': [{'id': 'x y'}]})
            await wall.post('/api/v1/heartbeat', json={'version': VERSION, 'outbox': 0, 'format': FORMAT,
                                                       'clock_ms': int(time.time() * 1000)})

        def fails() -> None:
            raise StoreWriteError(hub.store.folder / 'units' / f'{UNIT}.json', OSError(28, 'No space left'))
        with pytest.raises(StoreWriteError):
            await hub.store.run(fails)
        response = await http.get('/metrics')
    assert response.headers['content-type'].startswith('text/plain')
    after = figures(response.text)
    assert after['board_phone_ideas_total'] - before['board_phone_ideas_total'] == 1
    assert after['board_card_changes_total'] - before['board_card_changes_total'] == 2
    assert after['board_sync_pushes_refused_total'] - before['board_sync_pushes_refused_total'] == 1
    assert after['board_write_errors_total'] == 1
    assert silent == 1  # paired, never heard from
    assert after['board_connected_screens'] == 0 and after['board_wall_screens_silent'] == 0  # heard from now
    async with client(hub) as http:
        assert (await http.get('/status')).json()['last_write_error']['error'].startswith('could not write')


async def test_metrics_are_not_for_the_internet(hub: Hub):
    from board.app import internal_address
    assert internal_address('127.0.0.1') and internal_address('10.1.2.3') and internal_address('192.168.1.20')
    assert not internal_address('8.8.8.8') and not internal_address('2001:4860::8888')
    outside = httpx.AsyncClient(transport=httpx.ASGITransport(hub._transport.app, client=('8.8.8.8', 5000)),
                                base_url='http://hub')
    async with outside:
        assert (await outside.get('/metrics')).status_code == 403
