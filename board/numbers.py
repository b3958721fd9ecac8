"""Numbers as people type them in Norway: a decimal comma, a space (or a narrow one) between thousands.

The same reading for a value typed at the wall and one in a CSV file from Excel, so "3,5" means the same
everywhere; a decimal point is accepted too ("3.5", from an English Excel or a phone keyboard).
"""

from __future__ import annotations

import math
import re

__all__ = ['parse_number']

_SPACES = re.compile(r'[\s\u00a0\u202f]')
_NUMBER = re.compile(r'[+-]?(\d+([.,]\d*)?|[.,]\d+)')


def parse_number(text: str) -> float:
    """``3,5``, ``3.5``, ``1 475``, ``−2`` as a float. Raises ``ValueError`` for anything else (text, ``1,2,3``,
    infinity, NaN), so a typing error never becomes a stored number."""
    cleaned = _SPACES.sub('', text).replace('\u2212', '-')
    if not _NUMBER.fullmatch(cleaned):
        raise ValueError(f'not a number: {text!r}')
    value = float(cleaned.replace(',', '.'))
    if not math.isfinite(value):
        raise ValueError(f'not a number: {text!r}')
    return value
