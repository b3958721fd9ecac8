"""Ideas from citizens: receiving one, a leader's approval or decline, and telling the sender the outcome.

The public page (``board.ui.citizen``) puts an idea in the unit's queue (``store.citizen_ideas``, hub-side only); a
leader of the unit approves it (:func:`approve`: a card in Ideer marked ``from_citizen``, *Fra innbygger*) or
declines it with a reason (:func:`decline`: it never reaches the board). Each runs as one job on the store's single
writer, so two leaders deciding at once cannot both win. If the sender left an e-mail address, the outcome is mailed
(:func:`send_outcomes`, right after the decision and each minute with the leaders' mail) and the address erased.

**For the gains' source** (``board.gains``): a card's ``from_citizen`` (a ``bool`` on :class:`board.domain.Card`) is
true for every card made from an approved citizen's idea, on the hub and on every wall screen; its source is
*innbygger* (check it before ``origin``, which is ``leader`` for these cards: the leader put it on the board).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import uuid
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from .domain import Card, CardFields, Column, Origin, Problem, RuleViolation
from .domain.citizen import (
    OUTCOME_TRIES_FOR,
    CitizenIdea,
    IdeaState,
    OutcomeMail,
    validate_citizen_idea,
    validate_reason,
)
from .i18n import Translator
from .mailer import MailFailed, Transport
from .settings import Settings
from .store import Store

__all__ = ['approve', 'card_id_of', 'decline', 'outcome_message', 'receive', 'send_outcomes']

log = logging.getLogger(__name__)


def card_id_of(idea_id: str) -> str:
    """The card an approved idea becomes: the same id every time, so an approval repeated (a hub that stopped
    between writing the card and the decision) finds the card instead of making a second one."""
    return 'i' + hashlib.sha256(f'citizen/{idea_id}'.encode()).hexdigest()[:31]


def receive(store: Store, unit_id: str, title: str, description: str, email: str) -> CitizenIdea:
    """Queue an idea from the public page (on the store's writer). Raises :class:`RuleViolation` for bad input."""
    title, description, email = title.strip(), description.strip(), email.strip()
    problems = validate_citizen_idea(title, description, email)
    if problems:
        raise RuleViolation(problems)
    idea = CitizenIdea(id=uuid.uuid4().hex, unit_id=unit_id, title=title, description=description, email=email,
                       received_at=store.now(), wants_answer=bool(email))
    store.citizen_ideas.add(idea)
    log.info('citizen idea %s queued for unit %s%s', idea.id, unit_id, ' (wants an answer)' if email else '')
    return idea


def approve(store: Store, unit_id: str, idea_id: str, *, by: str, title: str | None = None,
            description: str | None = None, goal_id: str | None = None) -> tuple[CitizenIdea, Card]:
    """Put the idea on its unit's board, in Ideer, marked *Fra innbygger* (on the store's writer).

    ``title``/``description``: the text as the leader left it (a name taken out, say); the record keeps that text,
    not the one sent. Raises :class:`RuleViolation` if it was decided meanwhile or the text is not valid.
    """
    idea = _pending(store, unit_id, idea_id)
    fields = CardFields(title=idea.title if title is None else title,
                        description=idea.description if description is None else description, goal_id=goal_id)
    card_id = card_id_of(idea.id)
    card = store.card_version(idea.unit_id, card_id)
    if card is None:
        card = store.create_card(idea.unit_id, fields, origin=Origin.LEADER, created_by=by, column=Column.IDEAS,
                                 card_id=card_id, from_citizen=True)
    fields = fields.cleaned()
    decided = dataclasses.replace(idea, state=IdeaState.APPROVED, decided_at=store.now(), decided_by=by.strip(),
                                  card_id=card.id, title=fields.title, description=fields.description)
    store.citizen_ideas.put(decided)
    log.info('citizen idea %s approved by %s: card %s on unit %s', idea.id, by, card.id, idea.unit_id)
    return decided, card


def decline(store: Store, unit_id: str, idea_id: str, reason: str, *, by: str) -> CitizenIdea:
    """Decline with a reason; the idea never reaches the board (on the store's writer)."""
    problems = validate_reason(reason)
    if problems:
        raise RuleViolation(problems)
    idea = _pending(store, unit_id, idea_id)
    decided = dataclasses.replace(idea, state=IdeaState.DECLINED, decided_at=store.now(), decided_by=by.strip(),
                                  reason=reason.strip())
    store.citizen_ideas.put(decided)
    log.info('citizen idea %s declined by %s (unit %s)', idea.id, by, idea.unit_id)
    return decided


def _pending(store: Store, unit_id: str, idea_id: str) -> CitizenIdea:
    """The idea, if it is still waiting in this unit's queue (a leader decides for the units they lead only)."""
    idea = store.citizen_ideas.get(idea_id)
    if idea is None or idea.unit_id != unit_id or not idea.pending:
        raise RuleViolation([Problem('idea', 'citizen.already_decided')])
    return idea


# --- telling the sender -------------------------------------------------------------------------------------------

def outcome_message(t: Translator, settings: Settings, idea: CitizenIdea, unit_name: str, *,
                    now: datetime) -> EmailMessage:
    """The plain-text mail to the sender: approved, or declined with the leader's reason."""
    message = EmailMessage()
    message['Subject'] = t('citizen.mail_subject', unit=unit_name)
    message['From'] = settings.mail_from
    message['To'] = idea.email
    message['Date'] = format_datetime(now)
    domain = parseaddr(settings.mail_from)[1].rpartition('@')[2] or 'forbedringstavla.invalid'
    message['Message-ID'] = f'<{hashlib.sha256(f"citizen/{idea.id}".encode()).hexdigest()[:32]}@{domain}>'
    message['Auto-Submitted'] = 'auto-generated'
    if idea.state == IdeaState.APPROVED:
        body = t('citizen.mail_approved', unit=unit_name, title=idea.title)
    else:
        body = t('citizen.mail_declined', unit=unit_name, title=idea.title, reason=idea.reason)
    message.set_content(f'{body}\n\n{t("citizen.mail_footer")}\n')
    return message


async def send_outcomes(store: Store, settings: Settings, t: Translator, transport: Transport, *,
                        now: datetime | None = None) -> list[CitizenIdea]:
    """Mail every decided idea's outcome to the sender who left an address, then erase the address.

    At most once: ``sending`` is written durably before the server is contacted. A failure that certainly
    delivered nothing is tried again at the next check, for :data:`OUTCOME_TRIES_FOR` after the decision; then,
    or when the server may have it, the address is erased unsent (``gave_up``). Returns the records written last.
    """
    written = []
    for idea in store.citizen_ideas.outcomes_due():
        moment = now or store.now()
        unit = store.unit(idea.unit_id)
        try:
            message = outcome_message(t, settings, idea, unit.name if unit else idea.unit_id, now=moment)
        except (ValueError, TypeError) as error:  # a header the mail library refuses: never sendable
            written.append(await store.run(store.citizen_ideas.put, dataclasses.replace(
                idea, email='', mail=OutcomeMail.GAVE_UP, mail_error=f'the mail could not be made: {error}')))
            continue
        await store.run(store.citizen_ideas.put, dataclasses.replace(idea, mail=OutcomeMail.SENDING))
        try:
            await asyncio.to_thread(transport.send, message)
        except MailFailed as failure:
            decided = idea.decided_at or moment
            if failure.maybe_delivered or moment - decided >= OUTCOME_TRIES_FOR:
                log.warning('the outcome of citizen idea %s is not sent (%s): the address is erased', idea.id,
                            failure.reason)
                settled = dataclasses.replace(idea, email='', mail=OutcomeMail.GAVE_UP, mail_error=failure.reason)
            else:
                log.warning('the outcome of citizen idea %s could not be sent (%s); tried again later', idea.id,
                            failure.reason)
                settled = dataclasses.replace(idea, mail=OutcomeMail.FAILED, mail_error=failure.reason)
            written.append(await store.run(store.citizen_ideas.put, settled))
            continue
        log.info('the outcome of citizen idea %s (unit %s) is mailed; the address is erased', idea.id, idea.unit_id)
        written.append(await store.run(store.citizen_ideas.put, dataclasses.replace(
            idea, email='', mail=OutcomeMail.SENT, mail_error='')))
    return written
