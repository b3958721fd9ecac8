"""The units' audits (revisjoner) and the checklist templates (``audits.json``): ``store.audits``.

On the hub only: audits are a leaders' and auditors' matter, never synced to a wall screen. A new file in format 4
(additive: an older release neither reads nor changes it).

Tables: ``templates`` (one row per kind, its items; absent: the built-in checklist), ``audits`` (one row per audit,
with the items as they were when it was made), ``answers`` (one row per audit and item, with its own stamp: an
answer replaces only an older answer to the same item, so two tablets answering at once keep both) and
``cards`` (the card a finding became).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB

from ..clock import HybridClock, valid_stamp
from ..domain import Problem, RuleViolation, is_valid_id
from ..domain.audit import (
    ITEMS_MAX,
    Audit,
    AuditKind,
    AutoCheck,
    ChecklistItem,
    Finding,
    ItemAnswer,
    Verdict,
    default_items,
    merge_answers,
    parse_verdict,
    validate_item_text,
    validate_note,
)
from .files import AtomicJSONStorage, open_db

__all__ = ['Audits']

log = logging.getLogger(__name__)

#: audits kept per unit (two a month for 50 years would be 1,200)
MAX_AUDITS_PER_UNIT = 1000


class Audits:
    """Checklist templates and audits (writes: on the store's writer)."""

    def __init__(self, path: Path, *, lock: threading.RLock, now: Callable[[], datetime], clock: HybridClock,
                 has_unit: Callable[[str], bool]) -> None:
        self._db: TinyDB = open_db(path, max_bytes=64 * 1024 * 1024)
        self._lock = lock
        self._now = now
        self._clock = clock
        self._has_unit = has_unit

    def close(self) -> None:
        self._db.close()

    # --- templates ---

    def template(self, kind: AuditKind) -> tuple[ChecklistItem, ...]:
        doc = self._db.table('templates').get(Query().kind == kind.value)
        if not isinstance(doc, dict):
            return default_items(kind)
        return tuple(i for i in (_item(d) for d in doc.get('items', [])) if i is not None)

    def add_item(self, kind: AuditKind, text: str) -> ChecklistItem:
        text = text.strip()
        _refuse(validate_item_text(text))
        with self._lock:
            items = self.template(kind)
            if len(items) >= ITEMS_MAX:
                raise RuleViolation([Problem('text', 'error.too_many', {'max': ITEMS_MAX})])
            item = ChecklistItem(id=uuid.uuid4().hex[:12], text=text)
            self._save_template(kind, (*items, item))
            return item

    def rename_item(self, kind: AuditKind, item_id: str, text: str) -> ChecklistItem:
        text = text.strip()
        _refuse(validate_item_text(text))
        with self._lock:
            items = self.template(kind)
            if not any(i.id == item_id for i in items):
                raise RuleViolation([Problem('text', 'audit.unknown_item')])
            renamed = tuple(ChecklistItem(id=i.id, text=text, auto=i.auto) if i.id == item_id else i for i in items)
            self._save_template(kind, renamed)
            return next(i for i in renamed if i.id == item_id)

    def remove_item(self, kind: AuditKind, item_id: str) -> None:
        with self._lock:
            items = self.template(kind)
            kept = tuple(i for i in items if i.id != item_id)
            if len(kept) == len(items):
                raise RuleViolation([Problem('text', 'audit.unknown_item')])
            if not kept:
                raise RuleViolation([Problem('text', 'audit.last_item')])
            self._save_template(kind, kept)

    def _save_template(self, kind: AuditKind, items: tuple[ChecklistItem, ...]) -> None:
        with self._storage().batch():
            self._db.table('templates').upsert({'kind': kind.value, 'items': [_item_doc(i) for i in items],
                                                'changed_at': self._now().isoformat()}, Query().kind == kind.value)

    # --- audits ---

    def all(self, unit_id: str) -> list[Audit]:
        """The unit's audits, the newest first."""
        docs = self._db.table('audits').search(Query().unit_id == unit_id)
        found = [a for a in (self._audit(d) for d in docs) if a is not None]
        return sorted(found, key=lambda a: (a.created_at, a.id), reverse=True)

    def get(self, audit_id: str) -> Audit | None:
        doc = self._db.table('audits').get(Query().id == audit_id)
        return self._audit(doc) if isinstance(doc, dict) else None

    def start(self, unit_id: str, kind: AuditKind, *, auditor: str, period: tuple[date, date],
              automatic: dict[str, Finding] | None = None, notes: dict[str, str] | None = None) -> Audit:
        """A new audit from the kind's template, with the answers the data gave (``automatic``, by item id;
        ``notes``: the facts behind each, in words)."""
        auditor = auditor.strip()
        problems = [] if auditor else [Problem('auditor', 'audit.no_auditor')]
        if len(auditor) > 100:
            problems.append(Problem('auditor', 'error.name_too_long', {'max': 100}))
        start, end = period
        if start > end:
            problems.append(Problem('period', 'audit.bad_period'))
        _refuse(problems)
        with self._lock:
            if not self._has_unit(unit_id):
                raise RuleViolation([Problem('unit', 'audit.unknown_unit')])
            if len(self._db.table('audits').search(Query().unit_id == unit_id)) >= MAX_AUDITS_PER_UNIT:
                raise RuleViolation([Problem('unit', 'error.too_many', {'max': MAX_AUDITS_PER_UNIT})])
            items = self.template(kind)
            now = self._now()
            audit_id = uuid.uuid4().hex
            answers = [ItemAnswer(item_id=item_id, verdict=finding.verdict, note=(notes or {}).get(item_id, ''),
                                  at=now, stamp=self._clock.tick(), auto=True)
                       for item_id, finding in (automatic or {}).items() if any(i.id == item_id for i in items)]
            with self._storage().batch():
                self._db.table('audits').insert({
                    'id': audit_id, 'unit_id': unit_id, 'kind': kind.value, 'period_start': start.isoformat(),
                    'period_end': end.isoformat(), 'auditor': auditor, 'created_at': now.isoformat(),
                    'items': [_item_doc(i) for i in items]})
                for answer in answers:
                    self._db.table('answers').insert(_answer_doc(audit_id, answer))
            log.info('audit %s (%s) of unit %s started by %s', audit_id, kind.value, unit_id, auditor)
            audit = self.get(audit_id)
            assert audit is not None
            return audit

    def answer(self, audit_id: str, item_id: str, verdict: object, note: str = '', *, by: str,
               stamp: str | None = None) -> Audit:
        """One item's answer. It replaces only an older answer to the same item (by stamp): answers to other items,
        from another tablet at the same moment, are kept. ``stamp``: the moment the answer was given (the hub's
        clock if none)."""
        chosen = parse_verdict(verdict)
        note = note.strip()
        _refuse(validate_note(note) + ([Problem('verdict', 'audit.bad_stamp')]
                                       if stamp is not None and not valid_stamp(stamp) else []))
        with self._lock:
            audit = self.get(audit_id)
            if audit is None or audit.item(item_id) is None:
                raise RuleViolation([Problem('verdict', 'audit.unknown_item')])
            given = ItemAnswer(item_id=item_id, verdict=chosen, note=note, by=by, at=self._now(),
                               stamp=stamp or self._clock.tick())
            table = self._db.table('answers')
            where = (Query().audit_id == audit_id) & (Query().item_id == item_id)
            kept = table.get(where)
            current = _answer(kept) if isinstance(kept, dict) else None
            merged = merge_answers({item_id: current} if current else {}, {item_id: given})[item_id]
            if merged is given:
                with self._storage().batch():
                    table.upsert(_answer_doc(audit_id, given), where)
            result = self.get(audit_id)
            assert result is not None
            return result

    def link_card(self, audit_id: str, item_id: str, card_id: str) -> None:
        with self._lock, self._storage().batch():
            self._db.table('cards').upsert({'audit_id': audit_id, 'item_id': item_id, 'card_id': card_id},
                                           (Query().audit_id == audit_id) & (Query().item_id == item_id))

    def _audit(self, doc: dict[str, Any]) -> Audit | None:
        try:
            audit_id = str(doc['id'])
            answers: dict[str, ItemAnswer] = {}
            for row in self._db.table('answers').search(Query().audit_id == audit_id):
                answer = _answer(row)
                if answer is not None:
                    answers = merge_answers(answers, {answer.item_id: answer})
            cards = {str(r['item_id']): str(r['card_id'])
                     for r in self._db.table('cards').search(Query().audit_id == audit_id)}
            return Audit(id=audit_id, unit_id=str(doc['unit_id']), kind=AuditKind(doc['kind']),
                         period_start=date.fromisoformat(doc['period_start']),
                         period_end=date.fromisoformat(doc['period_end']), auditor=str(doc['auditor']),
                         created_at=datetime.fromisoformat(doc['created_at']),
                         items=tuple(i for i in (_item(d) for d in doc.get('items', [])) if i is not None),
                         answers=answers, cards=cards)
        except (KeyError, TypeError, ValueError) as error:  # one bad record never hides the others
            log.warning('an audit in audits.json cannot be read (%s): %r; it is left out', error, doc)
            return None

    def _storage(self) -> AtomicJSONStorage:
        return self._db.storage  # type: ignore[return-value]


def _refuse(problems: list[Problem]) -> None:
    if problems:
        raise RuleViolation(problems)


def _item_doc(item: ChecklistItem) -> dict[str, Any]:
    return {'id': item.id, 'text': item.text, 'auto': item.auto.value if item.auto else None}


def _item(doc: object) -> ChecklistItem | None:
    try:
        assert isinstance(doc, dict)
        item_id, text = str(doc['id']), str(doc['text'])
        if not is_valid_id(item_id):
            raise ValueError(f'item id {item_id!r}')
        return ChecklistItem(id=item_id, text=text, auto=AutoCheck(doc['auto']) if doc.get('auto') else None)
    except (AssertionError, KeyError, TypeError, ValueError) as error:
        log.warning('a checklist item in audits.json cannot be read (%s): %r; it is left out', error, doc)
        return None


def _answer_doc(audit_id: str, answer: ItemAnswer) -> dict[str, Any]:
    return {'audit_id': audit_id, 'item_id': answer.item_id, 'verdict': answer.verdict.value, 'note': answer.note,
            'by': answer.by, 'at': answer.at.isoformat(), 'stamp': answer.stamp, 'auto': answer.auto}


def _answer(doc: dict[str, Any]) -> ItemAnswer | None:
    try:
        return ItemAnswer(item_id=str(doc['item_id']), verdict=Verdict(doc['verdict']), note=str(doc.get('note', '')),
                          by=str(doc.get('by', '')), at=datetime.fromisoformat(doc['at']), stamp=str(doc['stamp']),
                          auto=bool(doc.get('auto')))
    except (KeyError, TypeError, ValueError) as error:
        log.warning('an answer in audits.json cannot be read (%s): %r; it is left out', error, doc)
        return None
