import dataclasses
import subprocess
import sys
from pathlib import Path

from board.cli import main
from board.demo import IDEAS, KINDS, seed_demo
from board.domain import Column, GoalStatus
from board.store import Store

ROOT = Path(__file__).resolve().parents[2]


def test_demo_organisation_is_rich_enough_and_a_second_run_keeps_changes(tmp_path):
    store = Store(tmp_path).open()
    assert seed_demo(store)
    organisation = store.organisation
    assert len(organisation.service_areas) >= 3
    assert len(organisation.units) >= 6
    cards = [c for u in organisation.units for c in store.cards(u.id)]
    assert 40 <= len(cards) <= 60
    assert {c.column for c in cards} == set(Column)
    assert {g.status for u in organisation.units for g in store.goals(u.id)} == set(GoalStatus)
    unit = organisation.units[0].id
    first = store.cards(unit)[0]
    changed = store.edit_card(unit, first.id, dataclasses.replace(first.fields(), owner='Endret i demoen'))
    store.close()

    again = Store(tmp_path).open()
    assert not seed_demo(again)
    assert len([c for u in again.organisation.units for c in again.cards(u.id)]) == len(cards)
    assert again.card(unit, changed.id) == changed
    again.close()


def test_each_demo_unit_has_ideas_of_its_own_kind(tmp_path):
    store = Store(tmp_path).open()
    try:
        assert seed_demo(store)
        for unit in store.organisation.units:
            ideas = set(IDEAS[KINDS[unit.id]])
            titles = {c.title for c in store.cards(unit.id) if c.escalation is None}  # the lift: a problem of its own
            titles |= {c.title for year in store.archive_years(unit.id) for c in store.archived_cards(unit.id, year)}
            assert titles <= ideas, (unit.id, titles - ideas)
        nursing_home = {c.title for c in store.cards('solsiden-avd-1')}
        assert not any('foreldre' in title for title in nursing_home)
        assert store.meetings('bakken-skole')[0].decisions[0].startswith('Ideen om')
    finally:
        store.close()


def test_cli_refuses_a_broken_data_file_naming_it_and_leaves_it(tmp_path, capsys):
    store = Store(tmp_path).open()
    seed_demo(store)
    store.close()
    broken = tmp_path / 'units' / 'nav-kontoret.json'
    content = broken.read_text()[:-3]
    broken.write_text(content)
    assert main(['hub', '--data', str(tmp_path), '--host', '127.0.0.1', '--port', '1']) == 2
    assert str(broken) in capsys.readouterr().err
    assert broken.read_text() == content


def test_cli_refuses_bad_settings_with_one_line(tmp_path, capsys):
    config = tmp_path / 'board.toml'
    config.write_text('[board]\nlanguage = "klingon"\n')
    assert main(['hub', '--config', str(config)]) == 2
    assert 'language' in capsys.readouterr().err


def test_cli_names_a_bad_environment_variable_and_a_missing_argument(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv('BOARD_PORT', '0')
    assert main(['users', '--data', str(tmp_path)]) == 2
    assert capsys.readouterr().err == ('board: port = "0" (from the environment variable BOARD_PORT): must be a whole '
                                       'number from 1 to 65535\n')
    monkeypatch.delenv('BOARD_PORT')
    assert main(['kiosk', '--data', str(tmp_path)]) == 2  # a first start needs --hub, --unit and --pair
    assert capsys.readouterr().err.startswith('board: first start of a wall screen: give --hub, --unit and --pair')


def test_board_command_is_installed_and_documents_its_subcommands():
    result = subprocess.run([sys.executable, '-m', 'board.cli', '--help'], capture_output=True, text=True,
                            cwd=ROOT, check=True)
    assert 'demo' in result.stdout
    assert 'hub' in result.stdout


def test_revoke_code_from_the_cli_and_unknown_units(tmp_path, capsys):
    from board.app import make_tokens
    from board.settings import Settings

    from ..factories import UNIT, seeded_store
    seeded_store(tmp_path).close()
    tokens = make_tokens(Settings(data_dir=tmp_path))
    old = tokens.current(UNIT)
    assert main(['revoke-code', UNIT, '--data', str(tmp_path)]) == 0
    assert 'revoked' in capsys.readouterr().out
    assert not tokens.check(old, {UNIT}).ok
    assert main(['revoke-code', 'finnes-ikke', '--data', str(tmp_path)]) == 2
    assert f'units: {UNIT}' in capsys.readouterr().err


def test_poster_from_the_cli_carries_the_units_current_code(tmp_path):
    import zxingcpp
    from PIL import Image

    from board.app import make_tokens
    from board.settings import Settings

    from ..factories import UNIT, seeded_store
    seeded_store(tmp_path / 'data').close()
    png, pdf = tmp_path / 'plakat.png', tmp_path / 'plakat.pdf'
    common = ['--data', str(tmp_path / 'data'), '--public-url', 'http://127.0.0.1:8080']
    assert main(['poster', UNIT, '--format', 'png', '--out', str(png), *common]) == 0
    assert main(['poster', UNIT, '--out', str(pdf), *common]) == 0
    [code] = zxingcpp.read_barcodes(Image.open(png))
    token = make_tokens(Settings(data_dir=tmp_path / 'data')).current(UNIT)
    assert code.text == f'http://127.0.0.1:8080/p/{token}'
    assert pdf.read_bytes().startswith(b'%PDF')


def test_pair_list_and_revoke_wall_screens_with_the_hub_stopped(tmp_path, capsys):
    from board.devices import hash_secret
    from board.store import Store

    from ..factories import UNIT, seeded_store
    seeded_store(tmp_path).close()
    assert main(['pair', UNIT, '--data', str(tmp_path)]) == 0
    out = capsys.readouterr().out
    code = out.split(': ')[1].split(' ')[0]
    assert f'board kiosk --hub <hub address> --unit {UNIT} --pair {code}' in out
    store = Store(tmp_path).open()
    assert store.wall_screens.pairing_code_unit(hash_secret(code)) == UNIT
    store.close()
    assert main(['pair', 'finnes-ikke', '--data', str(tmp_path)]) == 2
    assert main(['kiosks', '--data', str(tmp_path)]) == 0
    assert main(['kiosk-revoke', 'kioskfinnesikke', '--data', str(tmp_path)]) == 2


def test_pair_and_revoke_go_through_a_running_hub(tmp_path, capsys):
    import httpx

    from bench.hubprocess import start_hub, stop_hub

    from ..factories import UNIT, seeded_store
    data = tmp_path / 'data'
    seeded_store(data).close()
    hub = start_hub(data)
    try:
        assert main(['pair', UNIT, '--data', str(data)]) == 0  # the hub holds the lock: the CLI asks it
        code = capsys.readouterr().out.split(': ')[1].split(' ')[0]
        paired = httpx.post(f'{hub.url}/api/v1/pair', json={'code': code, 'unit_id': UNIT}).json()
        assert main(['kiosks', '--data', str(data)]) == 0
        assert paired['kiosk_id'] in capsys.readouterr().out
        assert main(['kiosk-revoke', paired['kiosk_id'], '--data', str(data)]) == 0
        refused = httpx.post(f'{hub.url}/api/v1/units/{UNIT}/sync', json={'pulled': 0},
                             headers={'Authorization': f'Bearer {paired["token"]}'})
        assert refused.status_code == 401
    finally:
        stop_hub(hub)


def test_demo_has_gains_meetings_and_its_own_logins(tmp_path):
    from board.demo import demo_logins
    from board.users import verify_password
    store = Store(tmp_path).open()
    seed_demo(store)
    entries = store.gain_entries()
    assert len(entries) >= 20 and any(e.realised_on for e in entries)
    assert len({e.identified_on.year for e in entries}) >= 2  # history in the archive, for the quarter chart
    assert sum(1 for u in store.organisation.units if store.last_meeting(u.id)) == len(store.organisation.units) - 1
    logins = demo_logins(store, tmp_path / 'secrets')
    assert [name for name, _ in logins] == ['admin', 'leder', 'helse', 'solsiden1']
    assert all(verify_password(store.accounts.user(name).password_hash, password) for name, password in logins)
    assert demo_logins(store, tmp_path / 'secrets') == logins  # the same accounts on the next start
    assert oct((tmp_path / 'secrets' / 'demo-logins.json').stat().st_mode)[-3:] == '600'
    store.close()


def test_cli_imports_the_organisation_and_manages_users(tmp_path, capsys, monkeypatch):
    import io
    org = tmp_path / 'org.csv'
    org.write_text('tjenesteområde;enhet;enhet_id\nHelse og omsorg;Solsiden avd. 1;solsiden-1\n'
                   'Oppvekst;Bakken skole;bakken\n', encoding='utf-8-sig')
    data = tmp_path / 'data'
    assert main(['import-org', str(org), '--data', str(data)]) == 0
    assert 'Imported 2 service areas (2 new) and 2 units (2 new)' in capsys.readouterr().out
    monkeypatch.setattr('sys.stdin', io.StringIO('et langt passord her\n'))
    assert main(['user', 'Kari', '--name', 'Kari Nordmann', '--role', 'unit:solsiden-1', '--password-stdin',
                 '--data', str(data)]) == 0
    assert 'Saved kari: roles unit:solsiden-1' in capsys.readouterr().out
    assert main(['user', 'ola', '--role', 'unit:finnes-ikke', '--password-stdin', '--data', str(data)]) == 2
    assert 'There is no unit «finnes-ikke»' in capsys.readouterr().err
    assert main(['user', 'kari', '--role', 'manager', '--data', str(data)]) == 2
    capsys.readouterr()
    assert main(['users', '--data', str(data)]) == 0
    assert 'Kari Nordmann' in capsys.readouterr().out
    org.write_text('navn\nx\n', encoding='utf-8')
    assert main(['import-org', str(org), '--data', str(data)]) == 2
    assert 'nothing was imported' in capsys.readouterr().err
