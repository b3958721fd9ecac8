"""Upgrades: a data folder written by each released format loads, is migrated with a backup first, serves its
boards and syncs with its wall screen, with every card, gain, meeting and recognition intact.

The folders are in ``tests/data/format-N`` (see its README); they are copied, never changed.
"""

from __future__ import annotations

import json
import logging
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import orjson
import pytest

from board.app import make_tokens
from board.domain import Direction
from board.settings import Settings
from board.store import Store
from board.store import migrations as migrations_module
from board.store.files import FORMAT
from board.store.migrations import NewerFormat, data_files, format_of, migrate_folder, stamp_format
from board.sync_client import KioskCredentials, SyncClient

from ..conftest import Hub, off_loop
from ..helpers import Network, eventually, stop

FORMAT_1 = Path(__file__).resolve().parents[1] / 'data' / 'format-1'
FORMAT_2 = Path(__file__).resolve().parents[1] / 'data' / 'format-2'
FORMAT_3 = Path(__file__).resolve().parents[1] / 'data' / 'format-3'
#: every folder has format 1's secrets and wall screen
FORMAT_1_SECRET = 'format-1 token secret, at least 16 bytes'
RELEASED = [pytest.param(FORMAT_1, 1, id='format-1'), pytest.param(FORMAT_2, 2, id='format-2'),
            pytest.param(FORMAT_3, 3, id='format-3')]


def copy_of(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / 'data'
    shutil.copytree(folder, target)
    return target


def holdings(store: Store) -> dict:
    """What the manifest lists, as the store holds it now."""
    units = {}
    for unit in store.organisation.units:
        cards = store.changes_since(unit.id, 0)[0]
        archived = [c for year in store.archive_years(unit.id) for c in store.archived_cards(unit.id, year)]
        archived += store.archive.deleted(unit.id)  # deleted cards whose time in Slettet is over
        everything = {c.id: c for c in archived + cards}.values()
        units[unit.id] = {
            'cards': sorted(c.id for c in everything),
            'gains': sorted(c.id for c in everything if c.gain is not None),
            'meetings': sorted(m.id for m in store.meetings(unit.id)),
            'recognitions': sorted(r.id for r in store.records_since(unit.id, 0)[1]),
            'goals': sorted(g.id for g in store.goals(unit.id)),
        }
    return {'units': units, 'users': sorted(u.username for u in store.accounts.all()),
            'wall_screens': [k.id for k in store.wall_screens.all()]}


@pytest.mark.parametrize(('folder', 'version'), RELEASED)
def test_a_released_format_is_upgraded_with_a_backup_first_and_nothing_lost(tmp_path, caplog, folder, version):
    data = copy_of(folder, tmp_path)
    originals = {path.relative_to(data): path.read_bytes() for path, _ in data_files(data)}
    with caplog.at_level(logging.INFO, logger='board.store.migrations'), Store(data) as store:
        assert holdings(store) == json.loads((folder / 'manifest.json').read_text())
    for path, kind in data_files(data):
        assert format_of(kind, orjson.loads(path.read_bytes())) == FORMAT, path
    [backup] = (data / 'migrations').iterdir()
    assert backup.name.endswith(f'-format-{version}-to-{FORMAT}')
    assert {p.relative_to(backup): p.read_bytes() for p in backup.rglob('*.json')} == originals
    migrated = [r.getMessage() for r in caplog.records if r.getMessage().startswith('migrated ')]
    assert len(migrated) == len(originals)  # one line per file
    with Store(data):  # a second start has nothing to do
        pass
    assert len(list((data / 'migrations').iterdir())) == 1
    tokens = make_tokens(Settings(data_dir=data, token_secret=FORMAT_1_SECRET))
    assert tokens.generation('nav-kontoret') == 1  # the revoked QR code stays revoked


def test_a_crash_in_the_middle_of_an_upgrade_is_finished_by_the_next_start(tmp_path, monkeypatch):
    data = copy_of(FORMAT_1, tmp_path)
    real_write = migrations_module.write_atomic
    written: list[Path] = []

    def dies_after_some(path: Path, payload: bytes, **kwargs: int) -> None:
        if 'migrations' not in path.parts:
            if len(written) == 5:
                raise OSError('the power went')
            written.append(path)
        real_write(path, payload, **kwargs)
    monkeypatch.setattr(migrations_module, 'write_atomic', dies_after_some)
    with pytest.raises(OSError):
        Store(data).open()
    monkeypatch.setattr(migrations_module, 'write_atomic', real_write)
    versions = [format_of(kind, orjson.loads(path.read_bytes())) for path, kind in data_files(data)]
    assert 1 in versions and FORMAT in versions  # half done, as a crash leaves it
    with Store(data) as store:  # the next start migrates the rest; the folder was never served half-way
        assert holdings(store) == json.loads((FORMAT_1 / 'manifest.json').read_text())
    assert {format_of(kind, orjson.loads(path.read_bytes())) for path, kind in data_files(data)} == {FORMAT}


def test_a_file_from_a_newer_release_stops_the_start_and_is_left_as_it_is(tmp_path):
    data = copy_of(FORMAT_1, tmp_path)
    unit_file = data / 'units' / 'nav-kontoret.json'
    newer = orjson.loads(unit_file.read_bytes()) | {'_format': {'1': {'version': FORMAT + 1}}}
    unit_file.write_bytes(orjson.dumps(newer))
    before = {path: path.read_bytes() for path, _ in data_files(data)}
    with pytest.raises(NewerFormat) as refused:
        Store(data).open()
    message = str(refused.value)
    assert str(unit_file) in message and f'format {FORMAT + 1}' in message and f'format {FORMAT}' in message
    assert {path: path.read_bytes() for path, _ in data_files(data)} == before  # nothing migrated, nothing lost
    assert not (data / 'migrations').exists()
    with pytest.raises(NewerFormat):  # again, not "busy": the failed start released the folder's lock
        Store(data).open()
    with pytest.raises(NewerFormat):  # a look is refused too
        Store(data, read_only=True).open()


@pytest.mark.parametrize('folder', [pytest.param(FORMAT_1, marks=pytest.mark.data_folder(FORMAT_1), id='format-1'),
                                    pytest.param(FORMAT_2, marks=pytest.mark.data_folder(FORMAT_2), id='format-2'),
                                    pytest.param(FORMAT_3, marks=pytest.mark.data_folder(FORMAT_3), id='format-3')])
@pytest.mark.settings(token_secret=FORMAT_1_SECRET)
async def test_an_upgraded_hub_serves_its_boards_and_its_wall_screen_syncs(hub: Hub, tmp_path, folder: Path):
    manifest = json.loads((folder / 'manifest.json').read_text())
    assert await off_loop(holdings, hub.store) == manifest
    user = hub.new_user()
    await user.open('/units/solsiden-avd-1')
    await user.should_see('Kort med rotårsaker')
    await user.should_see('Takk til nattevakta for ryddig medisinrom')
    # the wall screen paired under format 1 syncs with its old token and gets the whole board
    wall = await off_loop(lambda: Store(tmp_path / 'wall', node_id='kioskformat1').open())
    try:
        await off_loop(_copy_organisation, hub.store, wall)
        credentials = KioskCredentials(hub_url='http://127.0.0.1', unit_id='solsiden-avd-1',
                                       kiosk_id='kioskformat1', token='format-1-token')
        client = SyncClient(wall, credentials, version='0.1.0', transport=Network(hub._transport))
        tasks = client.start()
        try:
            expected = len(hub.store.changes_since('solsiden-avd-1', 0)[0])
            await eventually(lambda: len(wall.changes_since('solsiden-avd-1', 0)[0]) == expected, seconds=10)
            assert {m.id for m in wall.meetings('solsiden-avd-1')} == set(
                manifest['units']['solsiden-avd-1']['meetings'])
            # its goals too, measured as the hub's are (a goal of format 3 or older: its target made a measure)
            assert {g.id: g.measure for g in wall.goals('solsiden-avd-1')} == {
                g.id: g.measure for g in hub.store.goals('solsiden-avd-1')}
        finally:
            await stop(client, tasks)
    finally:
        await off_loop(wall.close)


def _copy_organisation(hub: Store, wall: Store) -> None:
    """What pairing gives a wall screen: its unit in its own replica (see ``board kiosk``)."""
    unit = hub.unit('solsiden-avd-1')
    assert unit is not None
    area = hub.organisation.service_area(unit.service_area_id)
    assert area is not None
    wall.add_service_area(area)
    wall.add_unit(unit)


def test_format_2_keeps_its_logs_bin_and_provider_logins_and_cards_get_an_empty_problem(tmp_path):
    from board.domain.changelog import LogAction

    data = copy_of(FORMAT_2, tmp_path)
    with Store(data) as store:
        unit = 'solsiden-avd-1'
        logged = next(c for c in store.cards(unit) if c.title == 'Kort med logg (format 2)')
        log = store.card_log(unit, logged.id)
        assert [e.action for e in log] == [LogAction.CREATED, LogAction.MOVED, LogAction.EDITED,
                                           LogAction.ROOT_CAUSES]
        assert (log[0].source, log[2].source) == ('address:10.20.30.40', 'wall:kioskformat1')
        assert logged.problem == '' and logged.whys == ('Fordi rullatorene står i gangen',)
        assert [c.title for c, _ in store.deleted_cards(unit)][:1] == ['Kort i Slettet (format 2)']
        assert any(c.title == 'Slettet og hentet tilbake (format 2)' for c in store.cards(unit))
        assert store.accounts.user('oidc:lise').subject == 'entra-subject-lise'  # type: ignore[union-attr]
        assert store.accounts.sessions()
    raw = orjson.loads((data / 'units' / 'solsiden-avd-1.json').read_bytes())
    assert not any('problem' in doc for doc in raw['cards'].values())  # written only once someone writes one


#: the goals of format-3's folder with a target, as format 4 must measure them: (unit, goal) -> (unit of measure,
#: direction, target, baseline); the target says the direction: below the current value, lower is better
FORMAT_3_MEASURES = {
    ('solsiden-avd-1', 'mal-v0'): ('min/dag', 'up', 60.0, 42.0),
    ('solsiden-avd-1', 'mal-w1'): ('fall/mnd', 'down', 2.0, 5.0),
    ('hjemmetjenesten-nord', 'mal-v0'): ('t/uke', 'down', 50.0, 61.0),
    ('bakken-skole', 'mal-w1'): ('t/uke', 'up', 5.0, 3.0),
    ('nav-kontoret', 'mal-v0'): ('dager', 'down', 2.0, 3.1),
    ('nav-kontoret', 'mal-f3-ned'): ('%', 'down', 2.5, 14.5),
    ('solsiden-avd-2', 'mal-w1'): ('%', 'down', 7.0, 9.4),
    ('teknisk-drift', 'mal-v0'): ('dager', 'down', 3.0, 4.0),
    ('teknisk-drift', 'mal-f3-opp'): ('tiltak/mnd', 'up', 20.0, 12.0),
    # already at the target: nothing says which way is better, so the step takes "higher is better"
    ('tusenfryd-barnehage', 'mal-f3-lik'): ('%', 'up', 5.0, 5.0),
}


def test_the_step_to_format_4_turns_each_goals_target_into_a_measure_and_changes_nothing_else(tmp_path):
    data = copy_of(FORMAT_3, tmp_path)
    originals = {path.relative_to(data): (kind, path.read_bytes()) for path, kind in data_files(data)}
    assert {format_of(kind, orjson.loads(raw)) for kind, raw in originals.values()} == {3}
    assert len(migrate_folder(data, now=datetime(2026, 11, 27, 8, 0, tzinfo=UTC))) == len(originals)
    # the files as they were, byte for byte, in the migrations folder
    [backup] = (data / 'migrations').iterdir()
    assert backup.name == f'20261127-080000-format-3-to-{FORMAT}'
    assert {p.relative_to(backup): p.read_bytes() for p in backup.rglob('*.json')} == {
        path: raw for path, (_, raw) in originals.items()}
    measured = {}
    for path, (kind, raw) in originals.items():
        before = orjson.loads(raw)
        after = migrations_module.STEPS[3](kind, before)
        written = after
        for step in range(4, FORMAT):  # what later formats add comes after this step
            written = migrations_module.STEPS[step](kind, written)
        assert orjson.loads((data / path).read_bytes()) == stamp_format(kind, written), path
        if kind != 'unit':  # only a unit's goals change: every other file is as it was
            assert after == before, path
            continue
        assert after | {'goals': None} == before | {'goals': None}, path
        assert after['goals'].keys() == before['goals'].keys()
        for doc_id, goal in after['goals'].items():
            old = before['goals'][doc_id]
            if old['target'] is None:
                assert goal == old, (path, goal['id'])  # no target, no measure
                continue
            assert {k: v for k, v in goal.items() if k != 'measure'} == old  # the old target stays beside it
            measure = goal['measure']
            assert (measure['baseline_on'], measure['target_on'], measure['lowest'], measure['highest']) == \
                (None, None, None, None)
            measured[(goal['unit_id'], goal['id'])] = (measure['unit'], measure['better'], measure['target'],
                                                       measure['baseline'])
    assert measured == FORMAT_3_MEASURES  # every goal with a target, and only those


def test_format_4_reads_the_migrated_format_3_folder_with_no_goal_values_and_everything_kept(tmp_path):
    data = copy_of(FORMAT_3, tmp_path)
    manifest = json.loads((FORMAT_3 / 'manifest.json').read_text())
    with Store(data) as store:
        assert holdings(store) == manifest
        for unit in store.organisation.units:
            assert store.all_goal_values(unit.id) == [] and store.values_since(unit.id, 0) == []
            for goal in store.goals(unit.id):
                expected = FORMAT_3_MEASURES.get((unit.id, goal.id))
                if expected is None:
                    assert goal.measure is None, goal
                    continue
                assert goal.measure is not None and not goal.retired
                assert (goal.measure.unit, goal.measure.better, goal.measure.target, goal.measure.baseline) == \
                    (expected[0], Direction(expected[1]), expected[2], expected[3])
                if expected[2] != expected[3]:  # the baseline is short of the target, the target reaches it
                    assert goal.measure.reached(expected[2]) and not goal.measure.reached(expected[3])
            assert all(c.before is None and c.after is None for c in store.cards(unit.id))
        unit = 'solsiden-avd-1'
        stated = next(c for c in store.cards(unit) if c.title == 'Kort med problemformulering (format 3)')
        assert stated.problem == 'Sengetøy mangler på lageret tre netter i uka'
        assert stated.whys == ('Fordi dørene til lageret står åpne', 'Fordi låsen er ødelagt')
        assert len(stated.causes) == 2
        # a format-4 folder now: a migrated goal takes values
        store.record_goal_values('teknisk-drift', [('mal-f3-opp', date(2026, 11, 23), 14.0)])
    with Store(data, read_only=True) as store:
        assert [(v.goal_id, v.on, v.value) for v in store.all_goal_values('teknisk-drift')] == [
            ('mal-f3-opp', date(2026, 11, 23), 14.0)]
