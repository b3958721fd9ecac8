"""``board user --email/--brief`` and the meeting times of ``board import-org``, on a data folder and through the
running hub's local admin API."""

from __future__ import annotations

import io
import json
from datetime import time

from board.cli import main
from board.domain.meeting_time import MeetingTime
from board.store import Store
from board.users import BriefChoice, User

from ..conftest import Hub
from ..factories import UNIT
from ..helpers import client


def test_the_cli_sets_a_leaders_address_and_choice_and_the_units_meeting_times(tmp_path, capsys, monkeypatch):
    org = tmp_path / 'org.csv'
    org.write_text('tjenesteområde;enhet;enhet_id;møtedag;møtetid\nHelse;Solsiden avd. 1;solsiden-1;onsdag;10:30\n',
                   encoding='utf-8')
    data = tmp_path / 'data'
    assert main(['import-org', str(org), '--data', str(data)]) == 0
    monkeypatch.setattr('sys.stdin', io.StringIO('et langt passord her\n'))
    assert main(['user', 'kari', '--role', 'unit:solsiden-1', '--password-stdin', '--email', 'kari@kommune.no',
                 '--data', str(data)]) == 0
    assert 'e-mail kari@kommune.no, gets: brief' in capsys.readouterr().out
    assert main(['user', 'kari', '--brief', 'none', '--data', str(data)]) == 0
    assert main(['user', 'kari', '--email', 'ikke en adresse', '--data', str(data)]) == 2
    assert 'valid e-mail address' in capsys.readouterr().err
    with Store(data, read_only=True) as store:
        kari = store.accounts.user('kari')
        assert kari is not None and (kari.email, kari.brief) == ('kari@kommune.no', BriefChoice.NONE)
        assert store.meeting_time('solsiden-1') == MeetingTime(weekday=3, at=time(10, 30))


async def test_the_running_hub_sets_mail_and_meeting_times_for_the_cli(hub: Hub):
    token = json.loads((hub.store.folder / 'secrets' / 'local_admin.json').read_text())['token']
    await hub.do.accounts.save(User(username='kari', name='Kari', password_hash='x'))
    async with client(hub) as anonymous:
        assert (await anonymous.post('/api/v1/admin/user-mail', json={'username': 'kari'})).status_code == 401
    async with client(hub, token) as local:
        answer = await local.post('/api/v1/admin/user-mail', json={'username': 'kari', 'email': 'kari@kommune.no',
                                                                   'brief': 'summary'})
        bad = await local.post('/api/v1/admin/user-mail', json={'username': 'kari', 'email': 'kari@'})
        times = await local.post('/api/v1/admin/meeting-times', json={'times': {UNIT: {'weekday': 1, 'at': '08:15'}}})
        unknown = await local.post('/api/v1/admin/meeting-times', json={'times': {'nope': {'weekday': 1,
                                                                                           'at': '08:15'}}})
    assert answer.status_code == 200 and answer.json()['mail'] == 'summary'
    assert bad.status_code == 422 and times.status_code == 200 and unknown.status_code == 422
    kari = hub.store.accounts.user('kari')
    assert kari is not None and kari.email == 'kari@kommune.no' and kari.brief == BriefChoice.SUMMARY
    assert hub.store.meeting_time(UNIT) == MeetingTime(weekday=1, at=time(8, 15))
