import pytest

from board.privacy import PersonalData, find_personal_data
from board.ratelimit import RateLimit


@pytest.mark.parametrize(('text', 'found'), [
    ('Fru Hansen 01017012345 faller ofte', [PersonalData.NATIONAL_ID]),
    ('fnr 010170 12345', [PersonalData.NATIONAL_ID]),
    ('Ring pårørende på 912 34 567', [PersonalData.PHONE]),
    ('tlf 22 33 44 55', [PersonalData.PHONE]),
    ('+47 91234567 etter kl 16', [PersonalData.PHONE]),
    ('send til kari.nordmann@kommune.no', [PersonalData.EMAIL]),
    ('12345678901 og ola@example.org', [PersonalData.NATIONAL_ID, PersonalData.EMAIL]),
])
def test_personal_data_is_recognised(text, found):
    assert find_personal_data(text) == found


@pytest.mark.parametrize('text', [
    'Fast plass for rullatorene', 'Kjøp 2 stoler til 1200 kr', 'Uke 48 2026', 'rom 12 og 14',
    'budsjett 12 000 000', 'Møte kl 14:30 den 24.11.2026', 'Bestill 500 hansker', '5 x hvorfor',
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
