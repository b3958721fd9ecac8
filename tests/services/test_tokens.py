import stat
from datetime import UTC, datetime, timedelta

import pytest

from board.tokens import RevocationsUnreadable, SubmissionTokens, TokenProblem, load_or_create_secret

UNITS = frozenset({'avd-a', 'skole-b'})
SECRET = b'a test secret that is long enough'


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def tokens(tmp_path, clock) -> SubmissionTokens:
    return SubmissionTokens(SECRET, tmp_path / 'revocations.json', now=clock)


def test_the_current_token_is_accepted_for_its_unit_only(tokens):
    token = tokens.current('avd-a')
    check = tokens.check(token, UNITS)
    assert check.ok and check.unit_id == 'avd-a'
    assert tokens.current('skole-b') != token


def test_a_token_moved_to_another_unit_or_altered_is_forged(tokens):
    unit, period, generation, signature = tokens.current('avd-a').split('.')
    assert tokens.check(f'skole-b.{period}.{generation}.{signature}', UNITS).problem == TokenProblem.FORGED
    assert tokens.check(f'{unit}.{period}.{int(generation) + 1}.{signature}', UNITS).problem == TokenProblem.FORGED
    flipped = signature[:-1] + ('A' if signature[-1] != 'A' else 'B')
    assert tokens.check(f'{unit}.{period}.{generation}.{flipped}', UNITS).problem == TokenProblem.FORGED
    other_secret = SubmissionTokens(b'another secret, also long enough', tokens.revocations, now=tokens.now)
    assert tokens.check(other_secret.current('avd-a'), UNITS).problem == TokenProblem.FORGED


@pytest.mark.parametrize('garbage', ['', 'x', 'a.b.c', 'avd-a.zz.0.sig', 'avd-a.1.x.sig', '....', 'ø.1.0.æ'])
def test_malformed_tokens_are_refused(tokens, garbage):
    assert tokens.check(garbage, UNITS).problem in (TokenProblem.MALFORMED, TokenProblem.FORGED)


def test_codes_rotate_and_the_previous_one_works_for_the_grace_period(tokens, clock):
    old = tokens.current('avd-a')
    period_start = (int(clock.now.timestamp() // tokens.rotation_seconds) + 1) * tokens.rotation_seconds
    clock.now = datetime.fromtimestamp(period_start + 3600, UTC)  # an hour into the next period
    new = tokens.current('avd-a')
    assert new != old
    assert tokens.check(new, UNITS).ok
    assert tokens.check(old, UNITS).ok  # still in the grace week
    clock.now += timedelta(days=7)
    assert tokens.check(old, UNITS).problem == TokenProblem.EXPIRED
    assert tokens.check(new, UNITS).ok


def test_revoking_stops_every_old_code_at_once_even_in_another_process(tmp_path, tokens, clock):
    old = tokens.current('avd-a')
    other_unit = tokens.current('skole-b')
    cli = SubmissionTokens(SECRET, tmp_path / 'revocations.json', now=clock)  # as the CLI would, separately
    assert cli.revoke('avd-a') == 1
    assert tokens.check(old, UNITS).problem == TokenProblem.REVOKED
    assert tokens.check(tokens.current('avd-a'), UNITS).ok
    assert tokens.current('avd-a') != old
    assert tokens.check(other_unit, UNITS).ok
    assert stat.S_IMODE((tmp_path / 'revocations.json').stat().st_mode) == 0o600


def test_an_unknown_unit_is_refused(tokens):
    assert tokens.check(tokens.current('nedlagt'), UNITS).problem == TokenProblem.UNKNOWN_UNIT


def test_an_unreadable_revocation_list_accepts_nothing_and_is_never_overwritten(tmp_path, tokens, caplog):
    token = tokens.current('avd-a')
    path = tmp_path / 'revocations.json'
    path.write_text('{"avd-a": ')
    assert tokens.check(token, UNITS).problem == TokenProblem.REVOKED
    with pytest.raises(RevocationsUnreadable):
        tokens.revoke('avd-a')
    assert path.read_text() == '{"avd-a": '
    assert 'cannot read' in caplog.text


def test_the_secret_is_generated_once_and_kept_private(tmp_path):
    path = tmp_path / 'secrets' / 'token_secret'
    first = load_or_create_secret(path)
    assert load_or_create_secret(path) == first
    assert len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret(path, 'configured in the settings') == b'configured in the settings'
