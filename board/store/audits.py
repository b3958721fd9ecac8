"""The units' audits (revisjoner) and the checklist templates: ``store.audits``.

On the hub only: audits are a leaders' and auditors' matter, never synced to a wall screen. New files in format 4
(additive: an older release neither reads nor changes them)::

    audit_templates.json     one row per kind with its items (absent: the built-in checklist)
    audits/<unit-id>.json    the unit's audits (``audits``: with the items as they were when each was made),
                             their answers (``answers``: one row per audit and item, with its own stamp) and the
                             cards findings became (``cards``)

One file per unit, as for the boards, so a tap on a tablet rewrites one unit's audits, not the municipality's. An
answer replaces only an older answer to the same item: two tablets answering at once keep both. Reads come from
frozen :class:`Audit` objects in memory, replaced (never changed) after each durable write.
"""

from __future__ import annotations

import dataclasses
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

#: audits kept per unit (two a month for 40 years)
MAX_AUDITS_PER_UNIT = 1000
#: a unit's audits file (a thousand audits of 40 answered items is about 10 MB)
MAX_FILE_BYTES = 32 * 1024 * 1024


class Audits:
    """Checklist templates and audits (writes: on the store's writer)."""

    def __init__(self, folder: Path, *, lock: threading.RLock, now: Callable[[], datetime], clock: HybridClock,
                 has_unit: Callable[[str], bool],
                 changed: Callable[[str, str], None] = lambda unit_id, audit_id: None) -> None:
        """``changed(unit_id, audit_id)``: called after each durable write of an audit (on the writer)."""
        self._folder = folder / 'audits'
        self._folder.mkdir(exist_ok=True)
        self._lock = lock
        self._now = now
        self._clock = clock
        self._has_unit = has_unit
        self._changed = changed
        self._templates_db: TinyDB = open_db(folder / 'audit_templates.json')
        self._dbs: dict[str, TinyDB] = {}
        self._templates: dict[AuditKind, tuple[ChecklistItem, ...]] = {}
        self._units: dict[str, dict[str, Audit]] = {}
        for doc in self._templates_db.table('templates').all():
            try:
                kind = AuditKind(doc['kind'])
            except (KeyError, ValueError):
                log.warning('a checklist in audit_templates.json cannot be read: %r; it is left out', doc)
                continue
            self._templates[kind] = tuple(i for i in (_item(d) for d in doc.get('items', [])) if i is not None)
        for path in sorted(self._folder.glob('*.json')):
            if is_valid_id(path.stem):
                self._units[path.stem] = _read_unit(self._db(path.stem))

    def close(self) -> None:
        self._templates_db.close()
        for db in self._dbs.values():
            db.close()

    # --- templates ---

    def template(self, kind: AuditKind) -> tuple[ChecklistItem, ...]:
        return self._templates.get(kind) or default_items(kind)

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
        storage: AtomicJSONStorage = self._templates_db.storage  # type: ignore[assignment]
        with storage.batch():
            self._templates_db.table('templates').upsert(
                {'kind': kind.value, 'items': [_item_doc(i) for i in items], 'changed_at': self._now().isoformat()},
                Query().kind == kind.value)
        self._templates = {**self._templates, kind: items}

    # --- audits ---

    def all(self, unit_id: str) -> list[Audit]:
        """The unit's audits, the newest first."""
        return sorted(self._units.get(unit_id, {}).values(), key=lambda a: (a.created_at, a.id), reverse=True)

    def get(self, audit_id: str) -> Audit | None:
        return next((u[audit_id] for u in self._units.values() if audit_id in u), None)

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
            if not self._has_unit(unit_id) or not is_valid_id(unit_id):
                raise RuleViolation([Problem('unit', 'audit.unknown_unit')])
            if len(self._units.get(unit_id, {})) >= MAX_AUDITS_PER_UNIT:
                raise RuleViolation([Problem('unit', 'error.too_many', {'max': MAX_AUDITS_PER_UNIT})])
            items = self.template(kind)
            now = self._now()
            answers = {item_id: ItemAnswer(item_id=item_id, verdict=finding.verdict,
                                           note=(notes or {}).get(item_id, ''), at=now, stamp=self._clock.tick(),
                                           auto=True)
                       for item_id, finding in (automatic or {}).items() if any(i.id == item_id for i in items)}
            audit = Audit(id=uuid.uuid4().hex, unit_id=unit_id, kind=kind, period_start=start, period_end=end,
                          auditor=auditor, created_at=now, items=items, answers=answers)
            db = self._db(unit_id)
            with _storage(db).batch():
                db.table('audits').insert(_audit_doc(audit))
                for answer in answers.values():
                    db.table('answers').insert(_answer_doc(audit.id, answer))
            self._keep(audit)
            log.info('audit %s (%s) of unit %s started by %s', audit.id, kind.value, unit_id, auditor)
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
            merged = merge_answers(audit.answers, {item_id: given})
            if merged[item_id] is not given:
                return audit  # a newer answer to this item is kept
            db = self._db(audit.unit_id)
            where = (Query().audit_id == audit_id) & (Query().item_id == item_id)
            with _storage(db).batch():
                db.table('answers').upsert(_answer_doc(audit_id, given), where)
            return self._keep(_replace(audit, answers=merged))

    def link_card(self, audit_id: str, item_id: str, card_id: str) -> Audit:
        with self._lock:
            audit = self.get(audit_id)
            if audit is None:
                raise RuleViolation([Problem('card', 'audit.unknown_item')])
            db = self._db(audit.unit_id)
            with _storage(db).batch():
                db.table('cards').upsert({'audit_id': audit_id, 'item_id': item_id, 'card_id': card_id},
                                         (Query().audit_id == audit_id) & (Query().item_id == item_id))
            return self._keep(_replace(audit, cards={**audit.cards, item_id: card_id}))

    def _keep(self, audit: Audit) -> Audit:
        """After the durable write: the unit's audits in memory replaced, never changed (readers on the event loop)."""
        self._units = {**self._units, audit.unit_id: {**self._units.get(audit.unit_id, {}), audit.id: audit}}
        self._changed(audit.unit_id, audit.id)
        return audit

    def _db(self, unit_id: str) -> TinyDB:
        db = self._dbs.get(unit_id)
        if db is None:
            db = self._dbs[unit_id] = open_db(self._folder / f'{unit_id}.json', max_bytes=MAX_FILE_BYTES)
        return db


def _read_unit(db: TinyDB) -> dict[str, Audit]:
    """A unit's audits from its file; an unreadable record is logged and left out, the others are kept."""
    answers: dict[str, dict[str, ItemAnswer]] = {}
    for row in db.table('answers').all():
        answer = _answer(row)
        if answer is not None:
            audit_id = str(row.get('audit_id'))
            answers[audit_id] = merge_answers(answers.get(audit_id, {}), {answer.item_id: answer})
    cards: dict[str, dict[str, str]] = {}
    for row in db.table('cards').all():
        cards.setdefault(str(row.get('audit_id')), {})[str(row.get('item_id'))] = str(row.get('card_id'))
    found = {}
    for doc in db.table('audits').all():
        audit = _audit(doc, answers, cards)
        if audit is not None:
            found[audit.id] = audit
    return found


def _audit(doc: dict[str, Any], answers: dict[str, dict[str, ItemAnswer]],
           cards: dict[str, dict[str, str]]) -> Audit | None:
    try:
        audit_id = str(doc['id'])
        return Audit(id=audit_id, unit_id=str(doc['unit_id']), kind=AuditKind(doc['kind']),
                     period_start=date.fromisoformat(doc['period_start']),
                     period_end=date.fromisoformat(doc['period_end']), auditor=str(doc['auditor']),
                     created_at=datetime.fromisoformat(doc['created_at']),
                     items=tuple(i for i in (_item(d) for d in doc.get('items', [])) if i is not None),
                     answers=answers.get(audit_id, {}), cards=cards.get(audit_id, {}))
    except (KeyError, TypeError, ValueError) as error:  # one bad record never hides the others
        log.warning('an audit cannot be read (%s): %r; it is left out', error, doc)
        return None


def _replace(audit: Audit, **changes: Any) -> Audit:
    return dataclasses.replace(audit, **changes)


def _storage(db: TinyDB) -> AtomicJSONStorage:
    return db.storage  # type: ignore[return-value]


def _audit_doc(audit: Audit) -> dict[str, Any]:
    return {'id': audit.id, 'unit_id': audit.unit_id, 'kind': audit.kind.value,
            'period_start': audit.period_start.isoformat(), 'period_end': audit.period_end.isoformat(),
            'auditor': audit.auditor, 'created_at': audit.created_at.isoformat(),
            'items': [_item_doc(i) for i in audit.items]}


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
        log.warning('a checklist item cannot be read (%s): %r; it is left out', error, doc)
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
        log.warning("an audit's answer cannot be read (%s): %r; it is left out", error, doc)
        return None
