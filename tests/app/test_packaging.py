"""The wheel works on its own: built from the checkout, installed into a fresh virtual environment outside it, it
starts the hub and serves a board, its assets and the phone page, and makes a poster with its fonts.

Nothing is downloaded (the test extra installs a setuptools the build accepts; with an older one pip fetches it):
the new environment reaches the third-party packages already installed here through a folder of links that leaves
out this project's own (editable) install, so ``board`` can only come from the wheel.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import tomllib
import urllib.request
import zipfile
from pathlib import Path

import pytest

from bench.hubprocess import free_port, hub_environment

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / 'pyproject.toml').read_text(encoding='utf-8'))
VERSION = PYPROJECT['project']['version']
#: what the hub serves and the posters use, from the top-level assets/ folder (screenshots are for the README)
SERVED_ASSETS = ['board.css', 'phone.css', 'keyboard.js', 'favicon.svg', 'fonts/DejaVuSans.ttf',
                 'fonts/DejaVuSans-Bold.ttf', 'fonts/DejaVu-LICENSE.txt']
OWN_PACKAGES = ('board', 'kiosk')


def test_the_wheel_installed_outside_the_checkout_runs_the_hub(tmp_path):
    assert not tmp_path.resolve().is_relative_to(ROOT)
    wheel = build_wheel(tmp_path)
    check_wheel_contents(wheel)
    venv = make_environment(tmp_path / 'venv', wheel, tmp_path / 'third-party')
    work = tmp_path / 'work'  # the hub's working directory (NiceGUI keeps its storage there)
    work.mkdir()
    env = clean_environment()

    probe = subprocess.run(
        [str(venv / 'bin' / 'python'), '-c',
         'import json, sys, board, board.app, board.assets\n'
         'from importlib import metadata\n'
         'print(json.dumps({"board": board.__file__, "assets": str(board.assets.ASSETS), "version": board.app.VERSION,'
         ' "installs": [str(d.locate_file("")) for d in metadata.distributions()'
         ' if d.metadata["Name"] == "forbedringstavla"], "path": sys.path}))'],
        cwd=work, env=env, capture_output=True, text=True, timeout=60, check=True)
    found = json.loads(probe.stdout)
    site = Path(found['installs'][0]) if found['installs'] else None
    assert len(found['installs']) == 1, found['installs']
    assert site is not None and site.is_relative_to(venv)
    assert Path(found['board']).is_relative_to(site), 'board must come from the wheel, not from the checkout'
    assert Path(found['assets']) == site / 'board' / 'static'
    assert not any(Path(p).resolve().is_relative_to(ROOT) for p in found['path'] if p), found['path']
    assert found['version'] == VERSION

    data = tmp_path / 'data'
    port = free_port()
    url = f'http://127.0.0.1:{port}'
    log_path = tmp_path / 'hub.log'
    with log_path.open('w') as log:
        hub = subprocess.Popen([str(venv / 'bin' / 'board'), 'demo', '--data', str(data), '--host', '127.0.0.1',
                                '--port', str(port), '--public-url', url],
                               cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        status = wait_for_status(url, hub, log_path)
        assert status['version'] == VERSION
        assert status['role'] == 'hub'
        assert status['units'] >= 6

        landing = get(f'{url}/')
        boards = sorted(set(re.findall(r'/units/([a-z0-9-]+)', landing.decode())))
        units = [b for b in boards if not b.startswith('omrade-') and b != 'ledergruppa']  # the boards above units
        assert len(units) == status['units'], units
        assert 'ledergruppa' in boards and len(boards) > len(units)
        unit = units[0]
        board_page = get(f'{url}/units/{unit}').decode()
        assert all(column in board_page for column in ('"Ideer"', '"Pågår"', '"Ferdig"')), 'no board columns'
        assert '/assets/board.css' in board_page
        assert '/assets/keyboard.js' in board_page

        for name in SERVED_ASSETS:
            assert get(f'{url}/assets/{name}') == (ROOT / 'assets' / name).read_bytes(), name
        assert get(f'{url}/favicon.ico') == (ROOT / 'assets' / 'favicon.svg').read_bytes()

        from board.app import make_tokens
        from board.settings import Settings
        token = make_tokens(Settings(data_dir=data)).current(unit)  # the secret the hub wrote at its start
        phone_page = get(f'{url}/p/{token}').decode()
        assert f'action="/p/{token}"' in phone_page
        assert '/assets/phone.css' in phone_page
    finally:
        hub.terminate()
        try:
            hub.wait(timeout=15)
        except subprocess.TimeoutExpired:
            hub.kill()
            hub.wait()

    # the poster draws its text with the packaged DejaVu fonts; its QR code carries the unit's phone address
    poster = tmp_path / 'poster.png'
    subprocess.run([str(venv / 'bin' / 'board'), 'poster', unit, '--format', 'png', '--out', str(poster),
                    '--data', str(data), '--public-url', url],
                   cwd=work, env=env, capture_output=True, text=True, timeout=60, check=True)
    import zxingcpp
    from PIL import Image
    image = Image.open(io.BytesIO(poster.read_bytes()))
    assert image.format == 'PNG'
    assert image.height > image.width
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [f'{url}/p/{token}']


def build_wheel(tmp_path: Path) -> Path:
    """A wheel of the checkout, built from a copy of what the build reads (so no build/ folder in the checkout)."""
    source = tmp_path / 'source'
    source.mkdir()
    for name in ('pyproject.toml', PYPROJECT['project']['readme']):
        shutil.copy2(ROOT / name, source / name)
    setuptools = PYPROJECT['tool']['setuptools']
    folders = {package.split('.')[0] for package in setuptools['packages']}
    folders |= {folder.split('/')[0] for folder in setuptools.get('package-dir', {}).values()}
    for folder in sorted(folders):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns('__pycache__'))
    out = tmp_path / 'dist'
    pip = [sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--quiet', '-w', str(out), str(source)]
    # offline with this environment's setuptools (the test extra installs one the build accepts); an environment
    # with an older one (installed before the test extra asked for it) has pip fetch the build requirement
    built = subprocess.run([*pip, '--no-build-isolation', '--check-build-dependencies', '--no-index'],
                           check=False, capture_output=True, text=True, timeout=300)
    if built.returncode != 0:
        built = subprocess.run(pip, check=False, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = out.glob('forbedringstavla-*.whl')
    return wheel


def check_wheel_contents(wheel: Path) -> None:
    """Every module of the checkout and every file the app reads at run time, and no screenshots."""
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for folder in OWN_PACKAGES for p in (ROOT / folder).rglob('*.py')
               if '__pycache__' not in p.parts}
    missing = modules - names
    assert not missing, f'not in the wheel: {sorted(missing)}; add their package to [tool.setuptools] packages'
    data = {f'board/static/{name}' for name in SERVED_ASSETS}
    data |= {p.relative_to(ROOT).as_posix() for pattern in ('board/locales/*.toml', 'board/ui/templates/*.html',
                                                            'board/ui/*.js', 'kiosk/*.service', 'kiosk/*.example')
             for p in ROOT.glob(pattern)}
    missing = data - names
    assert not missing, f'not in the wheel: {sorted(missing)}; see [tool.setuptools.package-data]'
    assert not [name for name in names if 'screenshots' in name or name.startswith(('tests/', 'bench/'))]


def make_environment(venv: Path, wheel: Path, third_party: Path) -> Path:
    """A fresh virtual environment with the wheel installed and this environment's third-party packages linked in."""
    python = str(venv / 'bin' / 'python')
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(venv)], check=True, timeout=120)
    subprocess.run([sys.executable, '-m', 'pip', '--python', python, 'install', '--quiet', '--no-deps', '--no-index',
                    str(wheel)], check=True, timeout=120)
    # links to everything installed here except this project's own install: its metadata, its editable finder
    # (which maps `board` to the checkout) and the .pth files that would start it
    third_party.mkdir()
    for site in {Path(sysconfig.get_path('purelib')), Path(sysconfig.get_path('platlib'))}:
        for entry in site.iterdir():
            own = entry.name.lower().startswith(('forbedringstavla', '__editable__')) or entry.name in OWN_PACKAGES
            skip = own or entry.suffix == '.pth' or entry.name == '__pycache__'
            if not skip and not (third_party / entry.name).exists():
                (third_party / entry.name).symlink_to(entry)
    new_site = subprocess.run([python, '-c', 'import sysconfig; print(sysconfig.get_path("purelib"))'],
                              check=True, capture_output=True, text=True, timeout=60).stdout.strip()
    (Path(new_site) / 'third_party.pth').write_text(f'{third_party}\n', encoding='utf-8')
    return venv


def clean_environment() -> dict[str, str]:
    """The variables a real server would have: no test variables, nothing pointing Python at the checkout."""
    env = hub_environment()
    for name in ('PYTHONPATH', 'PYTHONHOME', 'PYTHONSTARTUP', 'PYTHONSAFEPATH', 'VIRTUAL_ENV'):
        env.pop(name, None)
    return env


def wait_for_status(url: str, hub: subprocess.Popen, log_path: Path, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if hub.poll() is not None:
            pytest.fail(f'the installed hub exited with {hub.returncode}:\n{log_path.read_text()[-3000:]}')
        try:
            with urllib.request.urlopen(f'{url}/status', timeout=2) as response:
                return json.loads(response.read())
        except OSError:
            time.sleep(0.2)
    pytest.fail(f'the installed hub did not answer within {timeout} s:\n{log_path.read_text()[-3000:]}')


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200, url
        body: bytes = response.read()
    assert body, url
    return body
