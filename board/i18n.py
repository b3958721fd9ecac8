"""One translation mechanism for every word on the screen.

Each language is one TOML catalogue in ``board/locales`` (``nb.toml``, ``en.toml``); adding Nynorsk is adding
``nn.toml``. Keys are dotted (``column.ideas``), values use ``str.format`` placeholders. A key missing in the
chosen language falls back to Bokmål, the reference catalogue, and is logged so it gets translated.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ['DEFAULT_LANGUAGE', 'Translator', 'available_languages', 'translator']

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = 'nb'
_LOCALES = Path(__file__).parent / 'locales'


def available_languages() -> list[str]:
    return sorted(p.stem for p in _LOCALES.glob('*.toml'))


@cache
def _catalogue(language: str) -> dict[str, str]:
    path = _LOCALES / f'{language}.toml'
    with path.open('rb') as file:
        return _flatten(tomllib.load(file))


def _flatten(tree: dict[str, Any], prefix: str = '') -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f'{prefix}{key}.'))
        else:
            flat[f'{prefix}{key}'] = str(value)
    return flat


@dataclass(frozen=True, slots=True)
class Translator:
    language: str

    def __call__(self, key: str, **params: Any) -> str:
        text = _catalogue(self.language).get(key)
        if text is None:
            text = _catalogue(DEFAULT_LANGUAGE).get(key)
            log.warning('missing translation %r for language %r', key, self.language)
        if text is None:
            return key
        try:
            return text.format(**params) if params else text
        except (KeyError, IndexError, ValueError):
            log.exception('bad placeholders in translation %r (%s)', key, self.language)
            return text

    def number(self, value: float, decimals: int = 1) -> str:
        """Numbers as the language writes them: 3,1 in Norwegian, 3.1 in English."""
        text = f'{value:,.{decimals}f}'.rstrip('0').rstrip('.') if decimals else f'{value:,.0f}'
        if self.language == 'en':
            return text
        return text.replace(',', '\u00a0').replace('.', ',')

    def date(self, value: date) -> str:
        return value.strftime('%d.%m.%Y') if self.language != 'en' else value.isoformat()


def translator(language: str) -> Translator:
    if language not in available_languages():
        raise ValueError(f'unknown language {language!r}; available: {", ".join(available_languages())}')
    return Translator(language)
