"""The systemd units of the hub (config/) and of a wall screen (kiosk/): systemd's own checker accepts them, and
the hub's unit is confined as the README says.

``systemd-analyze verify`` checks every key and value and that each command exists; an unknown key or a value it
cannot parse is only a warning to it (exit status 0), so every line it prints about our units fails the test. The
units name the installed paths (``/opt/forbedringstavla/.venv/bin/...``); they are checked as copies pointing to
this checkout's virtual environment. Without ``systemd-analyze`` the test fails (``./install.sh --test`` installs
Debian's systemd package for it): a check that cannot run must not pass.
"""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTALLED_BIN = '/opt/forbedringstavla/.venv/bin/'
SYSTEM_UNITS = ['config/forbedringstavla-hub.service', 'config/forbedringstavla-backup.service',
                'config/forbedringstavla-backup.timer', 'kiosk/forbedringstavla-kiosk.service']
USER_UNITS = ['kiosk/forbedringstavla-browser.service']  # in the wall screen's desktop session

#: what the hub's unit must say (README, "Set up the hub")
HUB_SETTINGS = {
    'User': 'tavle', 'Group': 'tavle', 'WorkingDirectory': '/opt/forbedringstavla',
    'ExecStart': '/opt/forbedringstavla/.venv/bin/board hub --config /etc/forbedringstavla/board.toml',
    'Restart': 'on-failure', 'RestartPreventExitStatus': '2', 'UMask': '0027',
    'NoNewPrivileges': 'yes', 'ProtectSystem': 'strict', 'ProtectHome': 'yes', 'PrivateTmp': 'yes',
    'PrivateDevices': 'yes', 'ProtectKernelTunables': 'yes', 'ProtectKernelModules': 'yes',
    'ProtectKernelLogs': 'yes', 'ProtectControlGroups': 'yes', 'RestrictSUIDSGID': 'yes',
    'RestrictNamespaces': 'yes', 'LockPersonality': 'yes', 'MemoryDenyWriteExecute': 'yes',
    'RestrictAddressFamilies': 'AF_INET AF_INET6 AF_UNIX', 'CapabilityBoundingSet': '',
    'SystemCallArchitectures': 'native',
}
DATA = '/var/lib/forbedringstavla/data'
BACKUPS = '/var/lib/forbedringstavla/backups'


def systemd_analyze() -> str:
    found = shutil.which('systemd-analyze')
    if found is None:
        pytest.fail("systemd-analyze is missing: install Debian's systemd package (./install.sh --test does)")
    return found


def verify(tmp_path: Path, units: dict[str, str], *, user: bool = False) -> list[str]:
    """What ``systemd-analyze verify`` says about ``units`` (file name: content), with the exit status if not 0.

    The units are written with the installed paths pointing to this checkout's virtual environment.
    """
    bin_dir = Path(sys.executable).parent
    assert (bin_dir / 'board').is_file(), f'no board command in {bin_dir}: run ./install.sh --test'
    folder = tmp_path / ('user' if user else 'system')
    folder.mkdir()
    for name, content in units.items():
        (folder / name).write_text(content.replace(INSTALLED_BIN, f'{bin_dir}/'))
    runtime = tmp_path / 'runtime'  # a user manager needs a runtime folder, even to check a unit
    runtime.mkdir(mode=0o700, exist_ok=True)
    result = subprocess.run(
        [systemd_analyze(), *(['--user'] if user else []), 'verify', '--man=no', '--generators=no',
         *(str(folder / name) for name in units)],
        capture_output=True, text=True, timeout=60, check=False,
        env=os.environ | {'XDG_RUNTIME_DIR': str(runtime), 'SYSTEMD_LOG_COLOR': '0', 'LC_ALL': 'C.UTF-8'})
    said = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    ours = [line for line in said if str(folder) in line or any(name.split('.')[0] in line for name in units)]
    if result.returncode != 0:
        ours.append(f'exit status {result.returncode}: ' + ' | '.join(said))
    return ours


def read(relative: str) -> str:
    return (ROOT / relative).read_text()


def settings(relative: str, section: str = 'Service') -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=True, delimiters=('=',), comment_prefixes=('#',))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read_string(read(relative))
    return dict(parser[section])


def test_systemd_accepts_the_hub_backup_and_wall_screen_units(tmp_path):
    assert verify(tmp_path, {Path(u).name: read(u) for u in SYSTEM_UNITS}) == []
    assert verify(tmp_path, {Path(u).name: read(u) for u in USER_UNITS}, user=True) == []


def test_the_check_catches_a_misspelt_key_a_bad_value_and_a_missing_command(tmp_path):
    hub = read('config/forbedringstavla-hub.service')
    timer = read('config/forbedringstavla-backup.timer')
    assert 'ProtectSystem=strict' in hub and 'OnCalendar=*-*-* 02:30' in timer
    said = verify(tmp_path, {
        'forbedringstavla-hub.service': hub.replace('ProtectSystem=', 'ProtectSytem='),
        'forbedringstavla-backup.timer': timer.replace('02:30', '25:30'),
        'forbedringstavla-kiosk.service': read('kiosk/forbedringstavla-kiosk.service').replace('bin/board', 'bin/bord'),
    })
    text = '\n'.join(said)
    assert "Unknown key 'ProtectSytem'" in text
    assert '25:30' in text
    assert 'bin/bord' in text


def test_the_hub_runs_as_its_own_user_confined_to_its_data_and_backups():
    hub = settings('config/forbedringstavla-hub.service')
    assert {key: hub.get(key) for key in HUB_SETTINGS} == HUB_SETTINGS
    assert int(hub['TimeoutStopSec']) > 0
    assert hub['ReadWritePaths'].split() == [DATA, BACKUPS]
    assert sorted(f'/var/lib/{d}' for d in hub['StateDirectory'].split()) == sorted([DATA, BACKUPS])
    with (ROOT / 'config' / 'board.toml').open('rb') as example:
        assert tomllib.load(example)['board']['data_dir'] == DATA  # the settings the unit starts with


def test_the_nightly_backup_runs_confined_like_the_hub_into_a_folder_the_hub_may_write():
    hub = settings('config/forbedringstavla-hub.service')
    backup = settings('config/forbedringstavla-backup.service')
    assert backup['Type'] == 'oneshot'
    command = shlex.split(backup['ExecStart'])
    assert command[:2] == [f'{INSTALLED_BIN}board', 'backup']
    options = dict(zip(command[2::2], command[3::2], strict=True))
    assert options == {'--config': '/etc/forbedringstavla/board.toml', '--out': BACKUPS, '--keep': '14'}
    # while the hub runs it writes the archive itself, so the folder must be one the hub's unit lets it write
    assert options['--out'] in hub['ReadWritePaths'].split()
    confinement = {key: value for key, value in hub.items()
                   if key not in ('Type', 'ExecStart', 'Restart', 'RestartSec', 'RestartPreventExitStatus',
                                  'TimeoutStopSec')}
    assert {key: backup.get(key) for key in confinement} == confinement
    timer = settings('config/forbedringstavla-backup.timer', 'Timer')
    assert timer['OnCalendar'] == '*-*-* 02:30' and timer['Persistent'] == 'true'
    assert settings('config/forbedringstavla-backup.timer', 'Install') == {'WantedBy': 'timers.target'}
