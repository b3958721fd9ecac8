"""Audits over the store: an audit started with what the data says, a finding turned into a card, what is due.

The rules are in ``board.domain.audit``; this module reads the unit's cards, meetings and goal values from the
store for the audit's period and writes through ``store.audits``. The writes run on the store's writer
(``await store.run(start_audit, ...)``).
"""

from __future__ import annotations

from datetime import date, datetime

from .domain import Card, CardFields, Origin, Problem, RuleViolation
from .domain.audit import (
    Audit,
    AuditDue,
    AuditKind,
    Finding,
    automatic_answers,
    default_period,
    due,
    finding_title,
)
from .i18n import Translator
from .store import Store

__all__ = ['audits_due', 'finding_to_card', 'period_cards', 'start_audit']


def start_audit(store: Store, t: Translator, unit_id: str, kind: AuditKind, *, auditor: str, waiting_weeks: int,
                period: tuple[date, date] | None = None) -> Audit:
    """A new audit of ``kind`` for the unit, over ``period`` (the last month or half-year if None), with the items
    the data can answer already answered and the facts behind each as the item's note."""
    now = store.now()
    start, end = period or default_period(kind, store.local_now().date())
    findings = evidence(store, unit_id, kind, start=start, end=end, now=now, waiting_weeks=waiting_weeks)
    notes = {item_id: t(f.key, **f.params) for item_id, f in findings.items()}
    return store.audits.start(unit_id, kind, auditor=auditor, period=(start, end), automatic=findings, notes=notes)


def evidence(store: Store, unit_id: str, kind: AuditKind, *, start: date, end: date, now: datetime,
             waiting_weeks: int) -> dict[str, Finding]:
    """What the unit's data says about the automatic items of ``kind``'s checklist for the period."""
    goals = [(g, store.goal_values(unit_id, g.id)) for g in store.goals(unit_id)]
    return automatic_answers(store.audits.template(kind), start=start, end=end, now=now, zone=store.timezone,
                             cards=period_cards(store, unit_id, start, end), meetings=store.meetings(unit_id),
                             goals=goals, waiting_weeks=waiting_weeks, by_month=kind == AuditKind.EXTERNAL)


def period_cards(store: Store, unit_id: str, start: date, end: date) -> list[Card]:
    """The unit's cards on the board, declined, and archived in the period's years (reads archive files)."""
    cards = store.cards(unit_id) + store.declined(unit_id)
    years = set(store.archive_years(unit_id))
    for year in range(start.year, end.year + 1):
        if year in years:
            cards += store.archived_cards(unit_id, year)
    return cards


def finding_to_card(store: Store, t: Translator, audit_id: str, item_id: str, *, by: str) -> Card:
    """One tap: the finding (an item answered Nei or Delvis) becomes an idea on the unit's board, from a leader,
    titled from the item, with the auditor's note; the audit remembers the card, so a second tap makes none."""
    audit = store.audits.get(audit_id)
    item = audit.item(item_id) if audit is not None else None
    if audit is None or item is None or item not in audit.findings:
        raise RuleViolation([Problem('card', 'audit.not_a_finding')])
    existing = audit.cards.get(item_id)
    if existing is not None and store.card(audit.unit_id, existing) is not None:
        raise RuleViolation([Problem('card', 'audit.card_exists')])
    answer = audit.answers[item_id]
    description = t('audit.card_description', kind=t(f'audit.kind_{audit.kind.value}'),
                    date=t.date(audit.created_at.astimezone(store.timezone).date()),
                    verdict=t(f'audit.verdict_{answer.verdict.value}'), note=answer.note or '-')
    card = store.create_card(audit.unit_id, CardFields(title=finding_title(item, t('audit.card_prefix')),
                                                       description=description),
                             origin=Origin.LEADER, created_by=by)
    store.audits.link_card(audit_id, item_id, card.id)
    return card


def audits_due(store: Store, unit_id: str, today: date) -> tuple[AuditDue, ...]:
    """The unit's next internal and external audit: due, overdue or in good time."""
    audits = store.audits.all(unit_id)
    return tuple(due(kind, audits, today) for kind in AuditKind)
