"""Start and stop a real hub process on 127.0.0.1 (used by the browser tests and the benchmarks)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get('BOARD_CHROMIUM', '/usr/bin/chromium')
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
                 '--disable-sync', '--no-first-run', '--disable-quic']


@dataclass
class RunningHub:
    url: str
    port: int
    data_dir: Path
    process: subprocess.Popen

    def board_url(self, unit_id: str) -> str:
        return f'{self.url}/units/{unit_id}'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def hub_environment() -> dict[str, str]:
    # a hub started from a test is a real server: NiceGUI must not see pytest's variables and act as a test
    env = {k: v for k, v in os.environ.items() if not k.startswith(('PYTEST_', 'NICEGUI_'))}
    return env | {'PYTHONUNBUFFERED': '1'}


def start_hub(data_dir: Path, port: int | None = None, *, timeout: float = 30.0,
              release: Path | None = None, config: Path | None = None, poll: float = 0.1) -> RunningHub:
    """Start ``board hub`` on 127.0.0.1 with QR/public address on loopback, and wait until it answers.

    ``release``: a folder holding another release's ``board`` package (e.g. the previous one), run instead.
    ``config``: a settings file (``--config``); the data folder, address and port given here win over it.
    ``poll``: seconds between two asks whether it answers (short, to time a start).
    """
    port = port or free_port()
    url = f'http://127.0.0.1:{port}'
    settings = ['--config', str(config)] if config else []
    return _start(['hub', '--public-url', url, *settings], data_dir, port, timeout, release, poll=poll)


def start_kiosk(data_dir: Path, *, hub_url: str, unit_id: str, code: str, port: int | None = None,
                timeout: float = 30.0, release: Path | None = None) -> RunningHub:
    """Start ``board kiosk`` (a wall screen's own board) on 127.0.0.1, pairing it with the hub at ``hub_url``.

    Without ``code``: a wall screen paired before, which finds its hub and token in its data folder.
    """
    pairing = ['--hub', hub_url, '--unit', unit_id, '--pair', code] if code else []
    return _start(['kiosk', *pairing], data_dir, port or free_port(), timeout, release)


def _start(command: list[str], data_dir: Path, port: int, timeout: float,
           release: Path | None = None, *, poll: float = 0.1) -> RunningHub:
    url = f'http://127.0.0.1:{port}'
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f'{command[0]}-{port}.log'
    with log_path.open('a') as log:
        process = subprocess.Popen(
            [sys.executable, '-m', 'board.cli', *command, '--data', str(data_dir), '--host', '127.0.0.1',
             '--port', str(port)],
            cwd=release or ROOT, stdout=log, stderr=subprocess.STDOUT,
            env=hub_environment() | ({'PYTHONPATH': str(release)} if release else {}))
    return wait_until_serving(process, RunningHub(url, port, data_dir, process), command[0], log_path,
                              timeout=timeout, poll=poll)


def wait_until_serving(process: subprocess.Popen, running: RunningHub, name: str, log_path: Path, *,
                       timeout: float, poll: float = 0.1) -> RunningHub:
    """Wait until the started process answers ``/status``; it is killed if it does not within ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f'{name} exited with {process.returncode}; see {log_path}')
        try:
            with urllib.request.urlopen(f'{running.url}/status', timeout=1) as response:
                if response.status == 200:
                    return running
        except OSError:
            time.sleep(poll)
    process.kill()
    process.wait()
    raise RuntimeError(f'{name} did not answer on {running.url} within {timeout} s; see {log_path}')


def stop_hub(hub: RunningHub) -> None:
    hub.process.terminate()
    try:
        hub.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        hub.process.kill()
        hub.process.wait()


def resident_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux)."""
    with Path(f'/proc/{pid}/status').open() as status:
        for line in status:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024
    return float('nan')
