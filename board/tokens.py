"""Submission tokens in the boards' QR codes: signed, bound to a unit, rotating and revocable.

A token is ``<unit-id>.<period>.<generation>.<signature>``: the signature is an HMAC-SHA256 of the rest with
the hub's secret, so tokens are derived, never stored. ``period`` counts rotation periods (4 weeks by default)
since the Unix epoch; the board always shows the current period's token, and the previous period's token is
still accepted for a grace period (a week by default) so a code scanned just before the change still works.
``generation`` is the unit's revocation counter: revoking (``board revoke-code <unit>``) bumps it, and every
older token of that unit stops working at once.

Revocations live in ``<data>/secrets/revocations.json``, written atomically by the CLI and re-read by the
running hub whenever the file changes, so a revocation needs no restart and no second writer of the store.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from .atomicfile import write_atomic
from .clock import utc_now
from .store.migrations import format_of, stamp_format

__all__ = ['SubmissionTokens', 'TokenCheck', 'TokenProblem', 'load_or_create_secret']

log = logging.getLogger(__name__)

_SIGNATURE_LENGTH = 22  # 132 bits of HMAC-SHA256, base64url


class TokenProblem(StrEnum):
    MALFORMED = 'malformed'
    FORGED = 'forged'
    EXPIRED = 'expired'
    REVOKED = 'revoked'
    UNKNOWN_UNIT = 'unknown_unit'


@dataclass(frozen=True, slots=True)
class TokenCheck:
    unit_id: str | None
    problem: TokenProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


class SubmissionTokens:

    def __init__(self, secret: bytes, revocations: Path, *, rotation: timedelta | None = timedelta(weeks=4),
                 grace: timedelta = timedelta(days=7), now: Callable[[], datetime] = utc_now) -> None:
        """``rotation=None``: the codes never change by themselves, only when revoked (the citizens' public code,
        printed on posters and leaflets for months: see ``board.ui.citizen``)."""
        if len(secret) < 16:
            raise ValueError('the token secret must be at least 16 bytes')
        if rotation is not None and grace > rotation:
            raise ValueError('the grace period cannot be longer than the rotation period')
        self._secret = secret
        #: where revocations are kept, how long a code lasts (seconds; 0: for ever), and the clock (tests move it)
        self.revocations = revocations
        self.rotation_seconds = rotation.total_seconds() if rotation is not None else 0.0
        self._grace = grace.total_seconds()
        self.now = now
        self._lock = threading.Lock()
        self._generations: dict[str, int] = {}
        self._seen_mtime: int | None = -1
        self._broken = False

    def current(self, unit_id: str) -> str:
        """The token the unit's board shows now."""
        return self._make(unit_id, self._period(), self.generation(unit_id))

    def check(self, token: str, known_units: set[str] | frozenset[str]) -> TokenCheck:
        try:
            unit_id, period_text, generation_text, signature = token.split('.')
            period, generation = int(period_text, 16), int(generation_text)
        except ValueError:
            return TokenCheck(None, TokenProblem.MALFORMED)
        # bytes: compare_digest refuses non-ASCII str, and a token is whatever someone typed into the address bar
        if not hmac.compare_digest(signature.encode(), self._sign(unit_id, period, generation).encode()):
            return TokenCheck(None, TokenProblem.FORGED)
        if unit_id not in known_units:
            return TokenCheck(unit_id, TokenProblem.UNKNOWN_UNIT)
        if generation != self.generation(unit_id) or self._broken:
            return TokenCheck(unit_id, TokenProblem.REVOKED)  # an unreadable revocation list accepts nothing
        if not self.rotation_seconds:
            return TokenCheck(unit_id) if period == 0 else TokenCheck(unit_id, TokenProblem.EXPIRED)
        now = self.now().timestamp()
        current = int(now // self.rotation_seconds)
        in_grace = period == current - 1 and now - current * self.rotation_seconds < self._grace
        if period != current and not in_grace:
            return TokenCheck(unit_id, TokenProblem.EXPIRED)
        return TokenCheck(unit_id)

    def generation(self, unit_id: str) -> int:
        self._reload_if_changed()
        return self._generations.get(unit_id, 0)

    def revoke(self, unit_id: str) -> int:
        """Invalidate every token of the unit now; the board shows a new code. Returns the new generation."""
        with self._lock:
            self._load()
            if self._broken:
                raise RevocationsUnreadable(self.revocations)  # never overwrite a list we cannot read
            generations = {**self._generations, unit_id: self._generations.get(unit_id, 0) + 1}
            self.revocations.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            document = stamp_format('revocations', {'generations': generations})
            write_atomic(self.revocations, json.dumps(document, indent=1, sort_keys=True).encode(), mode=0o600)
            self._generations = generations
        log.warning('submission code of unit %s revoked (generation %d)', unit_id, generations[unit_id])
        return generations[unit_id]

    def derived_key(self, purpose: str) -> bytes:
        """A key for another use of the hub's secret (signing the phone cookie), independent of the tokens.

        It is the HMAC of ``purpose:<purpose>``; a token signs ``<unit>.<period>.<generation>``, which always has
        dots, so a purpose (which has none) never signs the same text as a token.
        """
        if '.' in purpose:
            raise ValueError('a purpose has no dots')
        return hmac.new(self._secret, f'purpose:{purpose}'.encode(), hashlib.sha256).digest()

    def fingerprint(self) -> tuple[int, int | None]:
        """Changes whenever any unit's current token changes (new period or a revocation)."""
        self._reload_if_changed()
        return self._period(), self._seen_mtime

    # --- internals ---

    def _period(self) -> int:
        if not self.rotation_seconds:
            return 0
        return int(self.now().timestamp() // self.rotation_seconds)

    def _make(self, unit_id: str, period: int, generation: int) -> str:
        return f'{unit_id}.{period:x}.{generation}.{self._sign(unit_id, period, generation)}'

    def _sign(self, unit_id: str, period: int, generation: int) -> str:
        digest = hmac.new(self._secret, f'{unit_id}.{period}.{generation}'.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:_SIGNATURE_LENGTH]

    def _reload_if_changed(self) -> None:
        try:
            mtime: int | None = self.revocations.stat().st_mtime_ns
        except FileNotFoundError:
            mtime = None
        if mtime != self._seen_mtime:
            with self._lock:
                self._load()

    def _load(self) -> None:
        try:
            mtime = self.revocations.stat().st_mtime_ns
            text = self.revocations.read_text()
        except FileNotFoundError:
            self._seen_mtime, self._generations, self._broken = None, {}, False
            return
        self._seen_mtime = mtime
        try:
            loaded = json.loads(text)
            if format_of('revocations', loaded) > 1:  # format 1 was the plain mapping
                loaded = loaded['generations']
            self._generations = {str(k): int(v) for k, v in loaded.items()}
            self._broken = False
        except (ValueError, TypeError, AttributeError) as error:
            # refuse every token rather than accept a revoked one; IT sees why in the log (once per change)
            log.error('cannot read %s (%s): no phone idea is accepted until it is fixed or removed',
                      self.revocations, error)
            self._generations, self._broken = {}, True


class RevocationsUnreadable(RuntimeError):
    def __init__(self, path: Path) -> None:
        super().__init__(f'the revocation list {path} cannot be read; fix or remove it')


def load_or_create_secret(path: Path, configured: str = '') -> bytes:
    """The configured secret, or one generated on first start and kept (readable by the owner only)."""
    if configured:
        return configured.encode()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(path, secrets.token_urlsafe(48).encode(), mode=0o600)
        log.info('generated a new secret in %s', path)
    return path.read_bytes().strip()
