"""Wall screens (kiosks) known to the hub, and the one-time codes that pair them. Plain data and rules.

An admin creates a pairing code for a unit (``board pair <unit>``); the wall screen exchanges it once for its own
token. The hub keeps only hashes: SHA-256 suits these secrets because they are long random values, not passwords
a person chose, so no slow key-derivation is needed to make guessing hopeless.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ['PAIRING_CODE_LIFETIME', 'STALE_AFTER', 'Kiosk', 'PairingCode', 'hash_secret', 'new_pairing_code',
           'new_token', 'same_secret']

PAIRING_CODE_LIFETIME = timedelta(hours=24)
#: a kiosk not heard from for this long is flagged on the hub's admin view
STALE_AFTER = timedelta(minutes=10)
# no 0/O or 1/I/L: a code is read off one screen and typed on another
_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'


@dataclass(kw_only=True, frozen=True, slots=True)
class PairingCode:
    code_hash: str
    unit_id: str
    expires_at: datetime
    used: bool = False

    def usable(self, now: datetime) -> bool:
        return not self.used and now < self.expires_at


@dataclass(kw_only=True, frozen=True, slots=True)
class Kiosk:
    id: str
    unit_id: str
    token_hash: str
    paired_at: datetime
    revoked: bool = False
    last_seen: datetime | None = None
    version: str = ''
    outbox: int = 0
    clock_offset_ms: int = 0
    #: changes the hub refused that the wall screen holds back (from its heartbeat, or the hub's last refusal)
    refused: int = 0
    #: the data format the wall screen's release writes (1: a release from before formats)
    data_format: int = 1

    def stale(self, now: datetime) -> bool:
        return self.last_seen is None or now - self.last_seen > STALE_AFTER


def new_pairing_code() -> str:
    """Twelve characters in groups of four, about 59 bits: typed once, valid for a day, usable once."""
    raw = ''.join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return f'{raw[:4]}-{raw[4:8]}-{raw[8:]}'


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(value: str) -> str:
    normalised = value.strip().upper().replace('-', '') if len(value) <= 16 else value.strip()
    return hashlib.sha256(normalised.encode()).hexdigest()


def same_secret(value: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(value).encode(), stored_hash.encode())
