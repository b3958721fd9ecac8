"""This release's version, from the package's installed metadata: pyproject.toml holds the one number."""

from __future__ import annotations

from importlib import metadata

__all__ = ['VERSION']


def _installed_version() -> str:
    """The package's version from its installed metadata: pyproject.toml holds the one number."""
    try:
        return metadata.version('forbedringstavla')
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed (e.g. PYTHONPATH=.)
        return '0+unknown'


#: reported by ``/status`` and in a wall screen's heartbeats
VERSION = _installed_version()
