"""The personal-data guard for ideas: warn when text looks like it names a person.

Health and care units work under a duty of confidentiality (taushetsplikt), and an idea on a wall screen must not
carry a national identity number, a phone number or an e-mail address. The guard warns, it does not block:
a false alarm (a budget figure with 11 digits) must not stop an idea. The sender is asked to remove it or to send
anyway; *Send likevel* carries :func:`confirmation` of exactly the text warned about, so a text changed after the
warning is checked again.
"""

from __future__ import annotations

import hashlib
import re
from enum import StrEnum

__all__ = ['PersonalData', 'confirmation', 'find_personal_data']


class PersonalData(StrEnum):
    NATIONAL_ID = 'national_id'
    PHONE = 'phone'
    EMAIL = 'email'


# fødselsnummer / d-nummer: 11 digits, often written 6 + 5
_NATIONAL_ID = re.compile(r'(?<![\d])\d{6}[ .]?\d{5}(?![\d])')
# Norwegian phone numbers: 8 digits (often in pairs or 3-2-3), optionally with +47 or 0047
# (not part of a decimal number: a point or comma followed by a digit; a full stop ending the sentence is fine)
_PHONE = re.compile(r'(?<![\d+.])(?:(?:\+|00)47[ -]?)?(?:\d{2}[ -]?){3}\d{2}(?!\d|[.,]\d)'
                    r'|(?<![\d+.])(?:(?:\+|00)47[ -]?)?\d{3}[ -]?\d{2}[ -]?\d{3}(?!\d|[.,]\d)')
# dates and times are common in ideas and must not look like phone numbers
_DATE = re.compile(r'\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{1,2}[:.]\d{2}')
_EMAIL = re.compile(r'[\w.+-]+@[\w-]+(?:\.[\w-]+)+')


def find_personal_data(*texts: str) -> list[PersonalData]:
    """What kinds of personal data the texts seem to contain, in a fixed order, without repeats."""
    found: list[PersonalData] = []
    joined = '\n'.join(texts)
    if _NATIONAL_ID.search(joined):
        found.append(PersonalData.NATIONAL_ID)
    without_ids_and_dates = _DATE.sub(' ', _NATIONAL_ID.sub(' ', joined))
    if _PHONE.search(without_ids_and_dates):
        found.append(PersonalData.PHONE)
    if _EMAIL.search(joined):
        found.append(PersonalData.EMAIL)
    return found


def confirmation(*texts: str) -> str:
    """What *Send likevel* sends back: it stands for exactly these texts (line endings and surrounding space aside,
    which a browser may change when it sends a form again)."""
    joined = '\x1f'.join(text.replace('\r\n', '\n').strip() for text in texts)
    return hashlib.sha256(joined.encode('utf-8', 'surrogatepass')).hexdigest()[:24]
