import pytest

from board.privacy import PersonalData, find_personal_data
from board.ratelimit import LoginThrottle, RateLimit, growing_delay


@pytest.mark.parametrize(('text', 'found'), [
    ('Fru Hansen 01017012345 faller ofte', [PersonalData.NATIONAL_ID]),
    ('fnr 010170 12345', [PersonalData.NATIONAL_ID]),
    ('Ring pårørende på 912 34 567', [PersonalData.PHONE]),
    ('tlf 22 33 44 55', [PersonalData.PHONE]),
    ('+47 91234567 etter kl 16', [PersonalData.PHONE]),
    ('ring meg på 91234567.', [PersonalData.PHONE]),
    ('ring meg på 912 34 567, takk', [PersonalData.PHONE]),
    ('send til kari.nordmann@kommune.no', [PersonalData.EMAIL]),
    ('12345678901 og ola@example.org', [PersonalData.NATIONAL_ID, PersonalData.EMAIL]),
])
def test_personal_data_is_recognised(text, found):
    assert find_personal_data(text) == found


@pytest.mark.parametrize('text', [
    'Fast plass for rullatorene', 'Kjøp 2 stoler til 1200 kr', 'Uke 48 2026', 'rom 12 og 14',
    'budsjett 12 000 000', 'kostet 12345678,50 kr', 'sum 12345678.5',
    'Møte kl 14:30 den 24.11.2026', 'Bestill 500 hansker', '5 x hvorfor',
])
def test_ordinary_ideas_raise_no_warning(text):
    assert find_personal_data(text) == []


def test_rate_limit_slides_with_time():
    now = [0.0]
    limit = RateLimit(3, 600, clock=lambda: now[0])
    for _ in range(3):
        assert limit.retry_after('phone') == 0
        limit.record('phone')
    assert limit.retry_after('phone') == 600
    assert limit.retry_after('another phone') == 0
    now[0] = 599.0
    assert limit.retry_after('phone') == pytest.approx(1.0)
    now[0] = 600.5
    assert limit.retry_after('phone') == 0


def test_rate_limit_forgets_idle_keys_instead_of_growing():
    now = [0.0]
    limit = RateLimit(1, 10, clock=lambda: now[0], max_keys=100)
    for number in range(100):
        limit.record(f'k{number}')
    now[0] = 20.0
    limit.record('fresh')
    assert len(limit) == 1


def test_a_given_back_event_no_longer_counts():
    limit = RateLimit(1, 600, clock=lambda: 0.0)
    limit.record('phone')
    limit.give_back('phone')
    assert limit.retry_after('phone') == 0
    limit.give_back('never seen')  # nothing to give back: nothing happens


# --- logins: a growing delay, never a lock -------------------------------------------------------------------------

def test_the_delay_grows_from_nothing_to_the_cap():
    assert [growing_delay(n, 5, 30) for n in range(12)] == [0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 30, 30]
    assert growing_delay(10_000, 5, 30) == 30


def test_guesses_from_one_address_wait_their_turn_even_at_the_same_moment():
    now = [0.0]
    throttle = LoginThrottle(free_per_name=5, free_per_address=20, cap=30, max_wait=60, clock=lambda: now[0])
    attempts = [throttle.start('kari', '203.0.113.9') for _ in range(30)]  # none finished yet
    assert [a.wait for a in attempts[:20]] == [0] * 20
    assert [a.wait for a in attempts[20:25]] == [1, 3, 7, 15, 31]  # each behind the one before, growing
    assert all(a.refused for a in attempts[25:])  # a queue over a minute: come back later, nothing checked
    # the owner, from elsewhere, waits for nothing: one address counts at most `share` (3) towards a name
    owner = throttle.start('kari', '10.0.0.1')
    assert owner.wait == 0 and not owner.refused
    throttle.succeeded(owner)
    # an hour later it is all forgotten
    now[0] = 3600.0
    assert throttle.start('kari', '203.0.113.9').wait == 0


def test_guesses_from_many_addresses_slow_the_name_to_the_cap_and_no_further():
    now = [0.0]
    throttle = LoginThrottle(free_per_name=5, free_per_address=20, cap=30, clock=lambda: now[0])
    for n in range(10):
        for _ in range(3):
            throttle.failed(throttle.start('kari', f'203.0.113.{n}'))
    owner = throttle.start('kari', '10.0.0.1')
    assert owner.wait == 30 and not owner.refused  # slowed, never locked
    throttle.succeeded(owner)
    assert throttle.start('ola', '10.0.0.1').wait == 0  # another name is not slowed


def test_a_success_clears_the_names_failures_from_its_address():
    throttle = LoginThrottle(free_per_name=2, free_per_address=20, share=2, cap=30, clock=lambda: 0.0)
    throttle.failed(throttle.start('kari', '10.0.0.1'))
    throttle.failed(throttle.start('kari', '10.0.0.1'))
    slowed = throttle.start('kari', '10.0.0.1')
    assert slowed.wait == 1  # two failures before it: the first step of the delay
    throttle.succeeded(slowed)
    assert throttle.start('kari', '10.0.0.1').wait == 0


def test_failed_logins_are_listed_latest_first_and_bounded():
    throttle = LoginThrottle(clock=lambda: 0.0, keep_failures=3)
    for name in ('a', 'b', 'a', 'c', 'd'):
        throttle.failed(throttle.start(name, '10.0.0.1'))
    listed = throttle.failures()
    assert [(f.name, f.count) for f in listed] == [('d', 1), ('c', 1), ('a', 2)]
    assert listed[-1].first <= listed[-1].last


def test_made_up_names_and_addresses_do_not_grow_memory_without_bound():
    now = [0.0]
    throttle = LoginThrottle(clock=lambda: now[0], max_keys=50, window=10)
    for n in range(500):
        now[0] = n / 100
        throttle.failed(throttle.start(f'name{n}', f'10.0.{n // 250}.{n % 250}'))
    assert len(throttle._by_address) <= 50 and len(throttle._by_name) <= 50
