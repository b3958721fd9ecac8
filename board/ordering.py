"""Fractional position keys: the order of cards in a column without renumbering.

A card's place is a string; cards sort by it. A new place between two cards is a key that sorts between
theirs, so moving one card never rewrites another - two screens reordering apart cannot renumber each other,
which is what the sync of wall screens needs. Keys are base-62 digit strings read as fractions (0.k) that never
end in the zero digit, so there is always room between any two of them.
"""

from __future__ import annotations

__all__ = ['DIGITS', 'key_between', 'keys_after', 'spread_keys']

DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
_BASE = len(DIGITS)
_INDEX = {d: i for i, d in enumerate(DIGITS)}


def key_between(before: str | None, after: str | None) -> str:
    """A key that sorts strictly after ``before`` and strictly before ``after`` (``None``: open end)."""
    if before is not None and after is not None and not before < after:
        raise ValueError(f'keys out of order: {before!r} >= {after!r}')
    for key in (before, after):
        if key is not None and (not key or key[-1] == DIGITS[0] or any(c not in _INDEX for c in key)):
            raise ValueError(f'not a position key: {key!r}')
    if after is None and before is not None:
        return _after(before)
    if before is None and after is not None:
        # the common case of putting a card on top (every idea from a phone)
        if _INDEX[after[0]] > 1:
            return DIGITS[_INDEX[after[0]] - 1]  # one digit less: the key stays short
        for end in range(1, len(after)):  # the shortest beginning of it that is a key sorts before it
            if after[end - 1] != DIGITS[0]:
                return after[:end]
        return _before(after)
    return _midpoint(before or '', after)


def keys_after(before: str | None, count: int) -> list[str]:
    """``count`` increasing keys after ``before``, for placing many cards at the end (e.g. an import)."""
    keys: list[str] = []
    for _ in range(count):
        before = key_between(before, None)
        keys.append(before)
    return keys


def spread_keys(count: int) -> list[str]:
    """``count`` increasing keys spread evenly, all short (three digits hold 238,000 places).

    Keys grow as cards are put between the same two again and again (and on top, by one digit every 61 cards); past
    a length the store spreads the column's keys anew.
    """
    width = 1
    while _BASE**width < 4 * (count + 1):
        width += 1
    step = _BASE**width / (count + 1)
    keys = []
    for number in range(1, count + 1):
        value = round(step * number)
        digits = ''.join(DIGITS[value // _BASE**power % _BASE] for power in reversed(range(width)))
        keys.append(digits.rstrip(DIGITS[0]))
    return keys


def _after(key: str) -> str:
    # bump the first digit that can be bumped: appending at the end grows a key by one digit per ~60 appends
    head = _INDEX[key[0]]
    if head < _BASE - 1:
        return DIGITS[head + 1]
    return key[0] + (_after(key[1:]) if len(key) > 1 else DIGITS[1])


def _before(key: str) -> str:
    """A key just below ``key``: its last digit one less, or, where that would end in the zero digit, a zero and the
    highest digit after it. Cards put on top again and again grow their keys by one digit every 61 cards (halving the
    room above the first card grew them by one every five or six, and the store had to spread the column anew every
    hundred-odd ideas, rewriting every card in it)."""
    last = _INDEX[key[-1]]
    if last > 1:
        return key[:-1] + DIGITS[last - 1]
    return key[:-1] + DIGITS[0] + DIGITS[-1]


def _midpoint(low: str, high: str | None) -> str:
    """Digits strictly between the fractions 0.low and 0.high (``None``: 1.0); ``low`` may be empty (0)."""
    if high is not None:
        common = 0
        while common < len(high) and (low[common] if common < len(low) else DIGITS[0]) == high[common]:
            common += 1
        if common:
            return high[:common] + _midpoint(low[common:], high[common:])
    digit_low = _INDEX[low[0]] if low else 0
    digit_high = _INDEX[high[0]] if high is not None else _BASE
    if digit_high - digit_low > 1:
        return DIGITS[(digit_low + digit_high) // 2]
    if high is not None and len(high) > 1:
        return high[0]
    return DIGITS[digit_low] + _midpoint(low[1:], None)
