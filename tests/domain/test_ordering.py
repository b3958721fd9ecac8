from hypothesis import given
from hypothesis import strategies as st

from board.ordering import DIGITS, key_between, keys_after


def test_keys_between_open_ends_are_short():
    assert key_between(None, None) == 'V'
    assert key_between('V', None) == 'W'
    assert key_between(None, 'V') == 'U'
    assert len(key_between('V', 'W')) == 2


def test_appending_many_keys_keeps_them_short_and_increasing():
    keys = keys_after(None, 500)
    assert keys == sorted(keys)
    assert max(map(len, keys)) <= 10


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=200))
def test_any_sequence_of_inserts_keeps_strict_order(choices):
    keys: list[str] = []
    for choice in choices:
        index = choice % (len(keys) + 1)
        before = keys[index - 1] if index > 0 else None
        after = keys[index] if index < len(keys) else None
        key = key_between(before, after)
        assert before is None or before < key
        assert after is None or key < after
        assert key[-1] != DIGITS[0]
        keys.insert(index, key)
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


def test_out_of_order_or_malformed_keys_are_refused():
    for before, after in [('W', 'V'), ('V', 'V'), ('V0', None), ('', None), ('ø', None)]:
        try:
            key_between(before, after)
        except ValueError:
            continue
        raise AssertionError(f'accepted {before!r}, {after!r}')


def test_a_thousand_ideas_on_top_keep_their_keys_short_enough_never_to_spread_the_column():
    from board.store.core import POSITION_SPREAD_AT
    assert key_between(None, '0F000001') == '0F'  # a long first key (cards dropped under it) is not inherited
    for first in ('V', '1', '0J7', '0F000001', '1zzzz'):  # a fresh board's first card, and other tops
        keys = [first]
        for _ in range(1000):
            keys.insert(0, key_between(None, keys[0]))
        assert keys == sorted(keys) and len(set(keys)) == len(keys)
        assert all(k[-1] != DIGITS[0] for k in keys)
        assert max(map(len, keys)) <= POSITION_SPREAD_AT  # halving the room above the first card: 195 digits
