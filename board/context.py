"""What every page and the sync API need, built once by ``board.app.create_app`` and handed to them."""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import Translator
from .mailer import Mailer
from .metrics import Metrics
from .settings import Settings
from .store import Store
from .sync_client import SyncClient
from .tokens import SubmissionTokens

__all__ = ['AppContext']


@dataclass(frozen=True, slots=True)
class AppContext:
    """What every page needs, built once and handed to the page modules."""
    settings: Settings
    store: Store
    t: Translator
    #: the hub signs the QR-code tokens; a wall screen has none and shows the address the hub last sent it
    tokens: SubmissionTokens | None
    sync: SyncClient | None = None
    #: the figures for monitoring (/metrics); None in a test that builds a context by hand
    metrics: Metrics | None = None
    #: the leaders' briefs and summaries (the hub only)
    mailer: Mailer | None = None
    #: the hub signs the citizens' public codes too, with a key of their own (``board.ui.citizen``); None on a wall
    citizen_tokens: SubmissionTokens | None = None

    def phone_url(self, unit_id: str) -> str:
        """The address in the unit's QR code: the phone page with the unit's current token ('' if not known)."""
        if self.tokens is None:
            return self.sync.phone_url if self.sync is not None else ''
        return f'{self.settings.base_url}/p/{self.tokens.current(unit_id)}'

    def citizen_url(self, unit_id: str) -> str:
        """The address in the unit's public code for innbyggere, brukere and pårørende ('' where there is none)."""
        if self.citizen_tokens is None:
            return ''
        return f'{self.settings.base_url}/i/{self.citizen_tokens.current(unit_id)}'

    def codes_fingerprint(self) -> object:
        return self.tokens.fingerprint() if self.tokens is not None else self.phone_url('')
