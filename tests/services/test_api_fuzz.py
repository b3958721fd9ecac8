"""Hypothesis against a real hub process: arbitrary requests to every sync API route with a valid wall-screen token.

Never a 500; afterwards every page of the unit and the leaders' pages answer 200, and the hub starts again on the
same data. Bounded: a fixed number of examples per route, each request with a short timeout, all to 127.0.0.1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.hubprocess import RunningHub, start_hub, stop_hub
from board.admin import set_user
from board.domain import Card
from board.store.codec import card_to_dict
from board.users import Grant, Scope

from ..factories import OTHER_UNIT, UNIT, seeded_store

pytestmark = pytest.mark.slow
PASSWORD = 'fuzz-passord for lederen'
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                         HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12)


def valid_card(number: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    stamp = f'{int(now.timestamp() * 1000):013d}-00000-fuzz'
    return card_to_dict(Card(id=f'fuzz{number}', unit_id=UNIT, title='Et kort', created_at=now,
                             stamps={'title': stamp}))


CARD_FIELDS = list(valid_card(0))
#: a card that is right but for a few fields, which get arbitrary JSON: reaches the deep checks
shaped_cards = st.builds(
    lambda number, changes: valid_card(number) | changes,
    st.integers(0, 10**6),
    st.dictionaries(st.sampled_from([*CARD_FIELDS, 'extra']), json_values, min_size=1, max_size=3))
#: a card whose text fields are any text at all (these are taken when valid: the page must show them as text)
texty_cards = st.builds(
    lambda number, title, owner, description: valid_card(number) | {'title': title, 'owner': owner,
                                                                     'description': description},
    st.integers(0, 10**6), st.text(min_size=1, max_size=60), st.text(max_size=30), st.text(max_size=200))


@pytest.fixture(scope='module')
def fuzzed_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningHub, str]]:
    data_dir: Path = tmp_path_factory.mktemp('fuzz') / 'data'
    store = seeded_store(data_dir)
    set_user(store, 'leder', name='Leder', grants=[Grant(Scope.ORGANISATION)], password=PASSWORD)
    store.close()
    hub = start_hub(data_dir)
    try:
        admin = json.loads((data_dir / 'secrets' / 'local_admin.json').read_text())
        with httpx.Client(base_url=hub.url, timeout=10) as http:
            code = http.post('/api/v1/admin/pairing-codes', json={'unit_id': UNIT},
                             headers={'Authorization': f'Bearer {admin["token"]}'}).json()['code']
            token = http.post('/api/v1/pair', json={'code': code, 'unit_id': UNIT}).json()['token']
        yield hub, token
    finally:
        if hub.process.poll() is None:
            stop_hub(hub)


@pytest.fixture(scope='module')
def api(fuzzed_hub: tuple[RunningHub, str]) -> Iterator[httpx.Client]:
    hub, token = fuzzed_hub
    with httpx.Client(base_url=hub.url, timeout=10, headers={'Authorization': f'Bearer {token}'}) as client:
        yield client


def no_server_error(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.request.method, response.request.url, response.text[:500])


@FUZZ
@given(body=json_values)
def test_any_json_pushed(api: httpx.Client, body: object):
    no_server_error(api.post(f'/api/v1/units/{UNIT}/sync', json=body))


@FUZZ
@given(cards=st.lists(shaped_cards | texty_cards, min_size=1, max_size=4), pulled=json_values | st.integers(0, 9))
def test_cards_right_but_for_a_few_fields(api: httpx.Client, cards: list[dict], pulled: object):
    no_server_error(api.post(f'/api/v1/units/{UNIT}/sync', json={'pulled': pulled, 'cards': cards}))


@FUZZ
@given(records=st.dictionaries(st.sampled_from(['meetings', 'recognitions', 'cards']),
                               st.lists(json_values | st.dictionaries(st.sampled_from(
                                   ['id', 'unit_id', 'text', 'created_at', 'started_at', 'ended_at', 'present',
                                    'decisions', 'deleted', 'seq']), json_values, max_size=8), max_size=3)))
def test_meetings_and_recognitions(api: httpx.Client, records: dict):
    no_server_error(api.post(f'/api/v1/units/{UNIT}/sync', json={'pulled': 0, **records}))


@FUZZ
@given(raw=st.binary(max_size=300))
def test_raw_bytes(api: httpx.Client, raw: bytes):
    for path in (f'/api/v1/units/{UNIT}/sync', '/api/v1/heartbeat', '/api/v1/pair'):
        no_server_error(api.post(path, content=raw, headers={'Content-Type': 'application/json'}))


@FUZZ
@given(body=json_values | st.fixed_dictionaries({'version': json_values, 'outbox': json_values,
                                                 'clock_ms': json_values}))
def test_heartbeats_and_pairing(api: httpx.Client, body: object):
    no_server_error(api.post('/api/v1/heartbeat', json=body))
    no_server_error(api.post('/api/v1/pair', json=body))


# a long-poll waits for as long as it is asked to: only short waits, or values that are no number at all
waits = st.floats(max_value=0.2) | st.text(max_size=12) | st.sampled_from(['nan', 'inf', '-inf', '1e999', '0x10'])


@FUZZ
@given(since=st.integers() | st.text(max_size=12), wait=waits,
       unit=st.sampled_from([UNIT, OTHER_UNIT, 'finnes-ikke', '..', '%00', 'a' * 300]))
def test_long_poll_parameters(api: httpx.Client, since: object, wait: object, unit: str):
    no_server_error(api.get(f'/api/v1/units/{unit}/changes', params={'since': str(since), 'wait': str(wait)}))


def test_afterwards_every_page_answers_and_the_hub_starts_again(fuzzed_hub: tuple[RunningHub, str],
                                                                  api: httpx.Client):
    hub, _token = fuzzed_hub
    # runs after the fuzzing above (pytest keeps the file's order)
    assert api.post(f'/api/v1/units/{UNIT}/sync', json={'pulled': 0, 'cards': [valid_card(1)]}).status_code == 200

    def pages_answer(url: str) -> None:
        with httpx.Client(base_url=url, timeout=20, follow_redirects=False) as browser:
            for path in ('/', f'/units/{UNIT}', f'/units/{UNIT}/historikk', f'/units/{OTHER_UNIT}'):
                assert browser.get(path).status_code == 200, path
            login = browser.post('/login', data={'username': 'leder', 'password': PASSWORD})
            assert login.status_code == 303, login.text
            for path in ('/leder', f'/leder/enheter/{UNIT}', '/leder/gevinster', '/leder/rapport.csv',
                         '/leder/rapport.pdf', '/admin'):
                assert browser.get(path).status_code in (200, 403), path

    pages_answer(hub.url)
    stop_hub(hub)
    again = start_hub(hub.data_dir, hub.port)
    try:
        pages_answer(again.url)
    finally:
        stop_hub(again)
    log = (hub.data_dir.parent / f'hub-{hub.port}.log').read_text()
    assert 'Traceback' not in log, log[log.index('Traceback') - 300:][:3000]
