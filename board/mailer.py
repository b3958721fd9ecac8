"""Sending the leaders' mail from the hub: each minute, what is due goes out, once.

A background job on the hub (never on a wall screen): :meth:`Mailer.check` runs each minute, asks
``board.brief.due_mails`` what is due, and for each mail not yet settled in the record (``store.mail``):

1. writes the record ``sending`` (durably, on the store's writer) **before** contacting the mail server;
2. hands the mail to the server with :mod:`smtplib` in a worker thread (the event loop serves every screen);
3. writes ``sent``, or ``failed`` with the reason and the next try (1, 5, 15, then every 60 minutes; given up after
   a day or when the meeting has begun), or ``uncertain`` if the connection broke while the server had the mail.

At most once (``board.domain.mail``): a hub that stops between 1 and 3 finds the record ``sending`` at its next
start and marks it ``uncertain``, never sending it again; the admin page shows it. Without ``smtp_host`` (the demo)
each mail is written as an ``.eml`` file to ``<data>/outbox-mail/`` instead, and the start says so in the log.
"""

from __future__ import annotations

import asyncio
import logging
import os
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from .atomicfile import write_atomic
from .brief import DueMail, brief_facts, due_mails, render_mail
from .domain.mail import MailKind, MailRecord, MailState
from .gains import GainEntry
from .i18n import Translator
from .settings import Settings
from .store import Store

__all__ = [
    'CHECK_INTERVAL',
    'OUTBOX_FOLDER',
    'FolderTransport',
    'MailFailed',
    'Mailer',
    'SmtpTransport',
    'smtp_password',
]

log = logging.getLogger(__name__)

#: how often the hub looks for mail that is due, in seconds
CHECK_INTERVAL = 60.0
#: where the demo (no smtp_host) writes each would-be mail, under the data folder
OUTBOX_FOLDER = 'outbox-mail'
#: seconds to wait for the mail server at each step
SMTP_TIMEOUT = 30.0
_SECRET_FILE = 'smtp_password'
_SECRET_VARIABLE = 'BOARD_SMTP_PASSWORD'


class MailFailed(Exception):
    """The mail did not go. ``maybe_delivered``: the server may have it (the connection broke while handing it
    over), so it must not be tried again."""

    def __init__(self, reason: str, *, maybe_delivered: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.maybe_delivered = maybe_delivered


def smtp_password(data_dir: Path, environ: Mapping[str, str] | None = None) -> str:
    """The mail server's password: ``BOARD_SMTP_PASSWORD``, else ``<data>/secrets/smtp_password`` ('' for none).
    Never from the settings file, which is often readable by others."""
    env = os.environ if environ is None else environ
    if env.get(_SECRET_VARIABLE):
        return env[_SECRET_VARIABLE].strip()
    try:
        return (data_dir / 'secrets' / _SECRET_FILE).read_text(encoding='utf-8').strip()
    except FileNotFoundError:
        return ''


@dataclass(frozen=True, slots=True)
class SmtpTransport:
    """The municipality's mail server (blocking: run in a worker thread)."""
    host: str
    port: int
    starttls: bool
    user: str
    #: read at each sending, so a new password in the secrets folder needs no restart
    password: Callable[[], str]
    timeout: float = SMTP_TIMEOUT

    def describe(self) -> str:
        return f'{self.host}:{self.port}' + (' (STARTTLS)' if self.starttls else '')

    def send(self, message: EmailMessage) -> None:
        """Hand ``message`` to the server; raises :class:`MailFailed` with the reason."""
        handing_over = False
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password())
                handing_over = True
                refused = smtp.send_message(message)
            if refused:
                raise MailFailed(f'the server refused {", ".join(refused)}: {refused}')
        except smtplib.SMTPAuthenticationError as error:
            raise MailFailed(f'the mail server refused the login of {self.user!r} (wrong user name or password?): '
                             f'{_said(error)}') from error
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
            raise MailFailed(f'the mail server refused the mail: {_said(error)}') from error
        except smtplib.SMTPNotSupportedError as error:
            raise MailFailed(f'the mail server at {self.describe()} does not support this: {error} (check '
                             'smtp_starttls and smtp_user)') from error
        except (smtplib.SMTPServerDisconnected, OSError, smtplib.SMTPException) as error:
            reason = f'{type(error).__name__}: {error}' if str(error) else type(error).__name__
            if handing_over:  # the server may have the mail: at most once means never again
                raise MailFailed(f'the connection to {self.describe()} broke while handing the mail over ({reason})',
                                 maybe_delivered=True) from error
            raise MailFailed(f'the mail server at {self.describe()} could not be reached ({reason})') from error


@dataclass(frozen=True, slots=True)
class FolderTransport:
    """No mail server (the demo): each mail becomes an .eml file in ``folder``."""
    folder: Path

    def describe(self) -> str:
        return str(self.folder)

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = str(message['Message-ID']).strip('<>').partition('@')[0]
        write_atomic(self.folder / f'{name}.eml', message.as_bytes())


Transport = SmtpTransport | FolderTransport


class Mailer:
    """The hub's leaders' mail: what is due each minute, sent once, with a durable record (see the module)."""

    def __init__(self, store: Store, settings: Settings, t: Translator, *, transport: Transport | None = None) -> None:
        self.store = store
        self.settings = settings
        self.t = t
        self.transport = transport or transport_for(settings)
        self._busy = asyncio.Lock()

    async def start(self) -> None:
        """At the hub's start: settle mails a stopped hub left ``sending``, and say where the mail goes."""
        await self.store.run(self.store.mail.settle_interrupted, self.store.now())
        if isinstance(self.transport, FolderTransport):
            log.info('no smtp_host is set: the leaders\' mails are written as .eml files to %s', self.transport.folder)
        else:
            log.info('the leaders\' mails go through %s', self.transport.describe())

    async def check(self, now: datetime | None = None) -> list[MailRecord]:
        """Send what is due now (a check still running makes this one a no-op); returns the records written."""
        if self._busy.locked():
            return []
        async with self._busy:
            now = now or self.store.now()
            written = []
            due = due_mails(self.store, self.settings, now)
            written += await self._give_up_passed(due, now)
            waiting = [m for m in due if (r := self.store.mail.get(m.key)) is None or r.may_try(now)]
            gains = self.store.gain_entries() if waiting else []  # every unit's, read once for all the mails
            for mail in waiting:
                try:
                    record = await self._send(mail, now, gains)
                except Exception:  # one leader's mail never stops the others'
                    log.exception('the mail %s to %s could not be prepared', mail.key, mail.user.username)
                    continue
                if record is not None:
                    written.append(record)
            return written

    async def _send(self, mail: DueMail, now: datetime, gains: list[GainEntry]) -> MailRecord | None:
        store = self.store
        previous = store.mail.get(mail.key)
        if previous is not None and not previous.may_try(now):
            return None
        facts = [brief_facts(store, self.settings, unit, now=now, leader=mail.user, meeting=mail.meeting,
                             gains=gains) for unit in mail.units]
        message = render_mail(self.t, self.settings, mail, facts, now=now)
        if previous is None:
            record = MailRecord(key=mail.key, kind=mail.kind, username=mail.user.username,
                                unit_id=mail.units[0].id if mail.kind == MailKind.BRIEF else '', on=mail.on,
                                to=mail.user.email, state=MailState.SENDING, attempts=1, first_try=now, last_try=now)
        else:
                record = replace(previous, state=MailState.SENDING, attempts=previous.attempts + 1, last_try=now,
                             next_try=None, to=mail.user.email)
        await store.run(store.mail.put, record)  # durable before the server hears of it: never twice
        try:
            await asyncio.to_thread(self.transport.send, message)
        except MailFailed as failure:
            return await self._failed(record, failure, now)
        log.info('sent the %s for %s to %s (%s)', mail.kind.value, record.unit_id or 'their units', record.to,
                 mail.on.isoformat())
        return await store.run(store.mail.put, replace(record, state=MailState.SENT, error=''))

    async def _failed(self, record: MailRecord, failure: MailFailed, now: datetime) -> MailRecord:
        if failure.maybe_delivered:
            settled = replace(record, state=MailState.UNCERTAIN, error=failure.reason, next_try=None)
        else:
            settled = record.failed(failure.reason, now)
        if settled.state == MailState.FAILED:
            log.warning('the %s to %s (%s) failed: %s; next try at %s', record.kind.value, record.to, record.key,
                        failure.reason, settled.next_try.isoformat() if settled.next_try else '-')
        else:
            log.error('the %s to %s (%s) is not sent, and not tried again: %s', record.kind.value, record.to,
                      record.key, failure.reason)
        return await self.store.run(self.store.mail.put, settled)

    async def _give_up_passed(self, due: list[DueMail], now: datetime) -> list[MailRecord]:
        """A failed mail no longer due (its meeting has begun, its week is over) is given up."""
        keys = {mail.key for mail in due}
        passed = [r for r in self.store.mail.all() if r.state == MailState.FAILED and r.key not in keys]
        written = []
        for record in passed:
            log.error('the %s to %s (%s) was never sent, and its time has passed: %s', record.kind.value, record.to,
                      record.key, record.error)
            written.append(await self.store.run(self.store.mail.put, replace(
                record, state=MailState.GAVE_UP, next_try=None)))
        return written


def transport_for(settings: Settings) -> Transport:
    """The mail server of the settings, or the demo's folder when none is set."""
    if not settings.smtp_host:
        return FolderTransport(settings.data_dir / OUTBOX_FOLDER)
    return SmtpTransport(host=settings.smtp_host, port=settings.smtp_port, starttls=settings.smtp_starttls,
                         user=settings.smtp_user, password=lambda: smtp_password(settings.data_dir))


def _said(error: smtplib.SMTPException) -> str:
    """What the server answered, as text (smtplib keeps it as bytes)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return '; '.join(f'{address}: {code} {_text(text)}' for address, (code, text) in error.recipients.items())
    code = getattr(error, 'smtp_code', '')
    text = getattr(error, 'smtp_error', b'')
    return f'{code} {_text(text)}'.strip() or str(error)


def _text(value: bytes | str) -> str:
    return value.decode('utf-8', 'replace') if isinstance(value, bytes) else str(value)
