"""The hub's sync API, called as a wall screen would, against the app built by create_app."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta

import pytest

from board.admin import issue_pairing_code
from board.domain import CardFields, Column
from board.store.codec import card_to_dict

from ..conftest import Hub, off_loop
from ..factories import OTHER_UNIT, UNIT, seeded_store
from ..helpers import cards_in, client, eventually, open_board, pair


async def test_pairing_gives_a_token_once_and_the_hub_keeps_only_its_hash(hub: Hub):
    code = (await off_loop(issue_pairing_code, hub.store, UNIT))['code']
    async with client(hub) as api:
        first = await api.post('/api/v1/pair', json={'code': code.lower(), 'unit_id': UNIT})
        again = await api.post('/api/v1/pair', json={'code': code, 'unit_id': UNIT})
    assert first.status_code == 200
    body = first.json()
    assert body['unit'] == {'id': UNIT, 'name': 'Avdeling A'}
    assert again.status_code == 403  # a pairing code works once
    stored = (hub.store.folder / 'kiosks.json').read_text()
    assert body['token'] not in stored and code not in stored


async def test_a_pairing_code_is_bound_to_its_unit_and_expires(hub: Hub):
    code = (await off_loop(issue_pairing_code, hub.store, UNIT))['code']
    async with client(hub) as api:
        assert (await api.post('/api/v1/pair', json={'code': code, 'unit_id': OTHER_UNIT})).status_code == 403
        later = hub.store.now() + timedelta(hours=25)
        hub.store.now = lambda: later
        assert (await api.post('/api/v1/pair', json={'code': code, 'unit_id': UNIT})).status_code == 403


async def test_sync_refuses_missing_wrong_and_revoked_tokens(hub: Hub):
    token = await pair(hub)
    async with client(hub) as anonymous:
        assert (await anonymous.post(f'/api/v1/units/{UNIT}/sync', json={'pulled': 0})).status_code == 401
    async with client(hub, 'not-a-token') as forged:
        assert (await forged.post(f'/api/v1/units/{UNIT}/sync', json={'pulled': 0})).status_code == 401
    async with client(hub, token) as kiosk:
        assert (await kiosk.post(f'/api/v1/units/{UNIT}/sync', json={'pulled': 0})).status_code == 200
        assert (await kiosk.post(f'/api/v1/units/{OTHER_UNIT}/sync', json={'pulled': 0})).status_code == 403
        assert (await kiosk.get(f'/api/v1/units/{OTHER_UNIT}/changes')).status_code == 403
        [device] = hub.store.wall_screens.all()
        await hub.do.wall_screens.revoke(device.id)
        assert (await kiosk.post(f'/api/v1/units/{UNIT}/sync', json={'pulled': 0})).status_code == 401


async def test_push_and_pull_exchange_cards_and_goals(hub: Hub, tmp_path):
    token = await pair(hub)
    board = await open_board(hub)
    wall = await off_loop(seeded_store, tmp_path / 'kiosk', node_id='kioskx')  # the wall screen's own replica
    made_offline = await off_loop(wall.create_card, UNIT, CardFields(title='Laget mens nettet var nede'))
    hub_card = await hub.do.create_card(UNIT, CardFields(title='Laget på huben'))
    async with client(hub, token) as kiosk:
        response = await kiosk.post(f'/api/v1/units/{UNIT}/sync',
                                    json={'pulled': 0, 'cards': [card_to_dict(made_offline)]})
    assert response.status_code == 200
    body = response.json()
    assert hub.store.card(UNIT, made_offline.id).title == 'Laget mens nettet var nede'
    await eventually(lambda: 'Laget mens nettet var nede' in cards_in(board, Column.IDEAS))
    assert {c['title'] for c in body['cards']} >= {'Laget på huben', 'Laget mens nettet var nede'}
    assert {g['goal']['name'] for g in body['goals']} == {'Kortere ventetid', 'Trivsel'}
    assert body['phone_url'] == hub.context.phone_url(UNIT)
    assert body['seq'] == hub.store.seq(UNIT)
    assert hub_card.id in {c['id'] for c in body['cards']}
    wall.close()


async def test_a_malformed_or_foreign_card_is_refused(hub: Hub):
    token = await pair(hub)
    other = await hub.do.create_card(OTHER_UNIT, CardFields(title='Skolens kort'))
    async with client(hub, token) as kiosk:
        foreign = await kiosk.post(f'/api/v1/units/{UNIT}/sync', json={'pulled': 0, 'cards': [card_to_dict(other)]})
        broken = await kiosk.post(f'/api/v1/units/{UNIT}/sync', json={'pulled': 0, 'cards': [{'id': 'x'}]})
    assert foreign.status_code == 422
    assert foreign.json()['detail']['refused'] == [
        {'kind': 'card', 'id': other.id, 'reason': f'belongs to another unit than {UNIT}'}]
    assert broken.status_code == 422
    assert hub.store.card(UNIT, other.id) is None


async def test_long_poll_answers_as_soon_as_the_unit_changes(hub: Hub):
    token = await pair(hub)
    async with client(hub, token) as kiosk:
        since = hub.store.seq(UNIT)
        started = time.monotonic()
        waiting = asyncio.create_task(kiosk.get(f'/api/v1/units/{UNIT}/changes',
                                                params={'since': since, 'wait': 10}))
        await asyncio.sleep(0.3)
        assert not waiting.done()
        await hub.store.run(hub.store.create_card, UNIT, CardFields(title='Vekker ventende'))
        response = await asyncio.wait_for(waiting, 5)
    assert time.monotonic() - started < 3
    assert [c['title'] for c in response.json()['cards']] == ['Vekker ventende']


async def test_heartbeat_is_recorded(hub: Hub):
    token = await pair(hub)
    async with client(hub, token) as kiosk:
        response = await kiosk.post('/api/v1/heartbeat', json={'version': '0.1.0', 'outbox': 3,
                                                                'clock_ms': int(time.time() * 1000) + 5000})
    assert response.status_code == 200
    [device] = hub.store.wall_screens.status()
    assert (device.version, device.outbox) == ('0.1.0', 3)
    assert 4000 < device.clock_offset_ms < 6000
    assert not device.stale(hub.store.now())


async def test_admin_calls_need_the_local_admin_token(hub: Hub):
    admin = json.loads((hub.store.folder / 'secrets' / 'local_admin.json').read_text())
    async with client(hub) as anonymous:
        refused = await anonymous.post('/api/v1/admin/pairing-codes', json={'unit_id': UNIT})
    async with client(hub, admin['token']) as local:
        issued = await local.post('/api/v1/admin/pairing-codes', json={'unit_id': UNIT})
        unknown = await local.post('/api/v1/admin/pairing-codes', json={'unit_id': 'finnes-ikke'})
    assert refused.status_code == 401
    assert issued.status_code == 200 and len(issued.json()['code']) == 14
    assert unknown.status_code == 404


async def test_the_api_is_documented(hub: Hub):
    async with client(hub) as api:
        schema = (await api.get('/openapi.json')).json()
        viewers = [(await api.get(path)).status_code for path in ('/docs', '/redoc')]
    assert viewers == [404, 404]  # FastAPI's viewers load scripts from a CDN: the hub serves none
    assert {'/api/v1/pair', '/api/v1/units/{unit_id}/sync', '/api/v1/units/{unit_id}/changes',
            '/api/v1/heartbeat'} <= set(schema['paths'])
    assert not any(path.startswith('/api/v1/admin') for path in schema['paths'])


@pytest.mark.parametrize('body', [{'pulled': -1}, {'pulled': 'x'}, {}])
async def test_bad_sync_bodies_get_422(hub: Hub, body):
    token = await pair(hub)
    async with client(hub, token) as kiosk:
        assert (await kiosk.post(f'/api/v1/units/{UNIT}/sync', json=body)).status_code == 422


async def test_the_cli_creates_users_through_the_running_hub(hub: Hub):
    admin = json.loads((hub.store.folder / 'secrets' / 'local_admin.json').read_text())
    async with client(hub, admin['token']) as local:
        short = await local.post('/api/v1/admin/users', json={'username': 'kari', 'password': 'kort',
                                                              'roles': [f'unit:{UNIT}']})
        assert short.status_code == 422 and hub.store.accounts.user('kari') is None
        made = await local.post('/api/v1/admin/users', json={'username': 'kari', 'name': 'Kari Nordmann',
                                                             'password': 'et langt nok passord',
                                                             'roles': [f'unit:{UNIT}']})
    assert made.status_code == 200, made.text
    kari = hub.store.accounts.user('kari')
    assert kari is not None and kari.name == 'Kari Nordmann' and kari.password_hash.startswith('$argon2id$')


async def test_a_backup_into_a_folder_the_hub_cannot_write_is_a_clear_refusal(hub: Hub, tmp_path):
    admin = json.loads((hub.store.folder / 'secrets' / 'local_admin.json').read_text())
    blocked = tmp_path / 'a-file-not-a-folder'
    blocked.write_text('')
    async with client(hub, admin['token']) as local:
        response = await local.post('/api/v1/admin/backup', json={'out_dir': str(blocked / 'backups'), 'keep': 3})
    assert response.status_code == 422
    assert 'could not be written' in response.json()['detail']
