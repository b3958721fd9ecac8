"""Cards and goals as plain dictionaries of JSON values: the format of the data files and of the sync API.

One format for both means a card read from a file, sent to a wall screen and written there is the same bytes.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

import orjson

from ..domain import (
    HELD_FIELDS,
    Answer,
    Card,
    Column,
    Direction,
    Escalation,
    EscalationState,
    FishboneHeading,
    Gain,
    GainCategory,
    GainStatus,
    Goal,
    GoalStatus,
    GoalValue,
    Held,
    LeaderNote,
    Lift,
    Measure,
    Meeting,
    NoteKind,
    Origin,
    PdcaStage,
    Reading,
    Recognition,
    VsaTag,
    settle_card,
)
from ..domain.changelog import LogAction, LogEntry

__all__ = [
    'card_from_dict',
    'card_to_dict',
    'gain_from_dict',
    'gain_to_dict',
    'goal_from_dict',
    'goal_to_dict',
    'goal_value_from_dict',
    'goal_value_to_dict',
    'leader_note_from_dict',
    'leader_note_to_dict',
    'log_from_dict',
    'log_to_dict',
    'meeting_from_dict',
    'meeting_to_dict',
    'recognition_from_dict',
    'recognition_to_dict',
]


def card_to_dict(card: Card) -> dict[str, Any]:
    return {
        'id': card.id, 'unit_id': card.unit_id, 'title': card.title, 'description': card.description,
        'column': card.column.value, 'position': card.position, 'goal_id': card.goal_id, 'owner': card.owner,
        'due': card.due.isoformat() if card.due else None, 'pdca': card.pdca.value if card.pdca else None,
        'quick_win': card.quick_win, 'gain': gain_to_dict(card.gain) if card.gain else None,
        'origin': card.origin.value, 'created_by': card.created_by,
        'changed_origin': card.changed_origin.value, 'changed_by': card.changed_by, 'unseen': card.unseen,
        'created_at': card.created_at.isoformat(),
        'started_at': _iso(card.started_at), 'finished_at': _iso(card.finished_at), 'deleted': card.deleted,
        'answer': card.answer.value if card.answer else None, 'answer_note': card.answer_note,
        'answered_at': _iso(card.answered_at), 'whys': list(card.whys),
        'causes': [[heading.value, text] for heading, text in card.causes],
        'stamps': {name: stamp for name, stamp in card.stamps.items() if name not in SELF_STAMPED},
        'seq': card.seq,
    } | _self_stamped(card) | _held(card) | _extra(card.extra, _CARD_KEYS)


def card_from_dict(doc: dict[str, Any]) -> Card:
    card = Card(
        id=doc['id'], unit_id=doc['unit_id'], title=doc['title'], description=doc.get('description', ''),
        column=Column(doc['column']), position=doc['position'], goal_id=doc.get('goal_id'),
        owner=doc.get('owner', ''), due=date.fromisoformat(doc['due']) if doc.get('due') else None,
        pdca=PdcaStage(doc['pdca']) if doc.get('pdca') else None, quick_win=bool(doc.get('quick_win')),
        gain=gain_from_dict(doc['gain']) if doc.get('gain') else None,
        origin=Origin(doc.get('origin', 'board')), created_by=doc.get('created_by', ''),
        changed_origin=Origin(doc.get('changed_origin', 'board')), changed_by=doc.get('changed_by', ''),
        unseen=bool(doc.get('unseen')),
        created_at=datetime.fromisoformat(doc['created_at']), started_at=_from_iso(doc.get('started_at')),
        finished_at=_from_iso(doc.get('finished_at')), deleted=bool(doc.get('deleted')),
        answer=Answer(doc['answer']) if doc.get('answer') else None, answer_note=doc.get('answer_note', ''),
        answered_at=_from_iso(doc.get('answered_at')), problem=_text_of(doc.get('problem')),
        before=_reading_of(doc.get('before')), after=_reading_of(doc.get('after')),
        escalation=_escalation_of(doc.get('escalation')), lifted_from=_lift_of(doc.get('lifted_from')),
        shared_to=_units_of(doc.get('shared_to')), adopted_by=_units_of(doc.get('adopted_by')),
        suggested_from=_lift_of(doc.get('suggested_from')),
        vsa=_vsa_of(doc.get('vsa')),
        from_citizen=_flag_of(doc.get('from_citizen')),
        whys=tuple(doc.get('whys', ())),
        causes=tuple((FishboneHeading(h), str(text)) for h, text in doc.get('causes', ())),
        stamps=dict(doc.get('stamps', {})) | _stamps_of_self_stamped(doc), seq=int(doc.get('seq', 0)),
        extra=_unknown(doc, _CARD_KEYS),
    )
    return _with_held(card, doc)


# --- fields added after format 2 carry their own stamp ------------------------------------------------------------
# A release before format 3 refuses a card whose ``stamps`` name a field it does not know, but passes over a key it
# does not know. So a card field added since is written as ``{"text": ..., "stamp": ...}`` under its own key, and only
# when it has been set: an older wall screen or hub syncs the card without it, and nothing of it is lost here (a card
# that comes back without the key keeps this side's value, by the merge's stamps).

#: the card fields written with their own stamp, and the key that holds the value beside ``stamp``: the problem
#: statement (format 3) as ``text``, the before and after measurements (format 4) as ``reading`` (null: none)
SELF_STAMPED = {'problem': 'text', 'before': 'reading', 'after': 'reading', 'escalation': 'escalation',
                'lifted_from': 'lift', 'shared_to': 'units', 'adopted_by': 'units', 'suggested_from': 'lift',
                'vsa': 'tag', 'from_citizen': 'flag'}


def _self_stamped(card: Card) -> dict[str, Any]:
    return {name: {key: _encode_self_stamped(getattr(card, name)), 'stamp': card.stamps[name]}
            for name, key in SELF_STAMPED.items() if card.stamps.get(name)}


def _encode_self_stamped(value: Any) -> Any:
    if isinstance(value, Reading):
        return reading_to_dict(value)
    if isinstance(value, Escalation):
        return escalation_to_dict(value)
    if isinstance(value, Lift):
        return {'unit_id': value.unit_id, 'card_id': value.card_id, 'unit_name': value.unit_name,
                'reason': value.reason}
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, VsaTag):
        return {'id': value.id, 'name': value.name}
    return value


def escalation_to_dict(escalation: Escalation) -> dict[str, Any]:
    return {'to': escalation.to, 'to_name': escalation.to_name, 'reason': escalation.reason,
            'at': escalation.at.isoformat(),
            'state': escalation.state.value, 'answer_note': escalation.answer_note,
            'answered_at': _iso(escalation.answered_at)}


def _escalation_of(value: Any) -> Escalation | None:
    doc = value.get('escalation') if isinstance(value, dict) else None
    if not isinstance(doc, dict):
        return None
    return Escalation(to=str(doc['to']), to_name=str(doc.get('to_name', '')), reason=str(doc.get('reason', '')),
                      at=datetime.fromisoformat(doc['at']),
                      state=EscalationState(doc.get('state', 'waiting')), answer_note=str(doc.get('answer_note', '')),
                      answered_at=_from_iso(doc.get('answered_at')))


def _units_of(value: Any) -> tuple[str, ...]:
    units = value.get('units') if isinstance(value, dict) else None
    return tuple(str(u) for u in units) if isinstance(units, list) else ()


def _lift_of(value: Any) -> Lift | None:
    doc = value.get('lift') if isinstance(value, dict) else None
    if not isinstance(doc, dict):
        return None
    return Lift(unit_id=str(doc['unit_id']), card_id=str(doc['card_id']), unit_name=str(doc.get('unit_name', '')),
                reason=str(doc.get('reason', '')))


def _vsa_of(value: Any) -> VsaTag | None:
    """The value stream analysis a card came from (``{"tag": {"id", "name"}, "stamp"}``; tag null: untagged)."""
    doc = value.get('tag') if isinstance(value, dict) else None
    if not isinstance(doc, dict):
        return None
    return VsaTag(id=str(doc['id']), name=str(doc.get('name', '')))


def _flag_of(value: Any) -> bool:
    return isinstance(value, dict) and value.get('flag') is True


def _text_of(value: Any) -> str:
    return str(value.get('text', '')) if isinstance(value, dict) else ''


def _reading_of(value: Any) -> Reading | None:
    reading = value.get('reading') if isinstance(value, dict) else None
    return reading_from_dict(reading) if isinstance(reading, dict) else None


def reading_to_dict(reading: Reading) -> dict[str, Any]:
    return {'value': reading.value, 'unit': reading.unit, 'on': reading.on.isoformat(), 'note': reading.note,
            'goal_id': reading.goal_id}


def reading_from_dict(doc: dict[str, Any]) -> Reading:
    return Reading(value=float(doc['value']), unit=str(doc.get('unit', '')), on=date.fromisoformat(doc['on']),
                   note=str(doc.get('note', '')), goal_id=doc.get('goal_id') or None)


def _stamps_of_self_stamped(doc: dict[str, Any]) -> dict[str, str]:
    return {name: str(value['stamp']) for name in SELF_STAMPED
            if isinstance(value := doc.get(name), dict) and value.get('stamp')}


# --- values the board's rules hold back (see ``board.domain.Held``) ---------------------------------------------------
# A value the rules keep off a card is written with the stamp of its write under its own key, ``held_<field>``,
# as ``{"value": ..., "stamp": ...}``: a release before it passes over (format 1) or keeps and passes on (format 3)
# a key it does not know, and names no stamp for it in ``stamps``. It counts only while its stamp is the field's:
# an older release that changed the field since (and passed the key on as it was) has made it stale: left out.

#: the key each held field is written under
HELD_KEYS = {name: f'held_{name}' for name in HELD_FIELDS}
#: the largest a held value may be as JSON: an older release refuses an unknown key larger than this (a gain with a
#: long note of emoji could be); such a value is not written held, the card shows what it shows, as before
HELD_MAX_BYTES = 4096


def _held(card: Card) -> dict[str, Any]:
    written = {}
    for name, entry in card.held.items():
        if name in HELD_KEYS and entry.stamp and entry.stamp == card.stamps.get(name):
            value = {'value': _encode_held(entry.value), 'stamp': entry.stamp}
            if len(orjson.dumps(value)) <= HELD_MAX_BYTES:
                written[HELD_KEYS[name]] = value
    return written


def _with_held(card: Card, doc: dict[str, Any]) -> Card:
    held = {}
    for name, key in HELD_KEYS.items():
        entry = doc.get(key)
        if isinstance(entry, dict) and entry.get('stamp') and entry['stamp'] == card.stamps.get(name):
            held[name] = Held(_decode_held(name, entry.get('value')), str(entry['stamp']), getattr(card, name))
    # what the card shows follows from its values as written: a release before it may have moved the card since
    return settle_card(dataclasses.replace(card, held=held)) if held else card


def _encode_held(value: Any) -> Any:
    if isinstance(value, Gain):
        return gain_to_dict(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value.value if isinstance(value, (PdcaStage, Answer)) else value


def _decode_held(name: str, value: Any) -> Any:
    if name == 'answer_note':
        return str(value or '')
    if not value:
        return None
    if name == 'gain':
        return gain_from_dict(value)
    return PdcaStage(value) if name == 'pdca' else Answer(value) if name == 'answer' else datetime.fromisoformat(value)


def gain_to_dict(gain: Gain) -> dict[str, Any]:
    return {
        'categories': [c.value for c in gain.categories], 'hours_per_week': gain.hours_per_week,
        'minutes_per_day': gain.minutes_per_day, 'days_per_week': gain.days_per_week, 'status': gain.status.value,
        'identified_on': gain.identified_on.isoformat(),
        'realised_on': gain.realised_on.isoformat() if gain.realised_on else None,
        'confirmed_by': gain.confirmed_by, 'note': gain.note, 'amount_nok': gain.amount_nok,
    }


def gain_from_dict(doc: dict[str, Any]) -> Gain:
    return Gain(
        categories=tuple(GainCategory(c) for c in doc['categories']), hours_per_week=float(doc['hours_per_week']),
        minutes_per_day=_float(doc.get('minutes_per_day')), days_per_week=_float(doc.get('days_per_week')),
        status=GainStatus(doc['status']), identified_on=date.fromisoformat(doc['identified_on']),
        realised_on=date.fromisoformat(doc['realised_on']) if doc.get('realised_on') else None,
        confirmed_by=doc.get('confirmed_by', ''), note=doc.get('note', ''),
        amount_nok=int(doc['amount_nok']) if doc.get('amount_nok') is not None else None,
    )


def goal_to_dict(goal: Goal) -> dict[str, Any]:
    measure = goal.measure
    return {
        'id': goal.id, 'unit_id': goal.unit_id, 'name': goal.name, 'colour': goal.colour, 'icon': goal.icon,
        'status': goal.status.value, 'status_reason': goal.status_reason, 'position': goal.position,
        'measure': None if measure is None else measure_to_dict(measure), 'retired': goal.retired,
        'changed_origin': goal.changed_origin.value, 'changed_by': goal.changed_by,
        # what a release before format 4 reads: the measure as a target "from baseline to target"
        'target': None if measure is None else {
            'unit': measure.unit, 'target': measure.target,
            'current': measure.baseline if measure.baseline is not None else measure.target},
    }


def goal_from_dict(doc: dict[str, Any]) -> Goal:
    measure = doc.get('measure')
    return Goal(id=doc['id'], unit_id=doc['unit_id'], name=doc['name'], colour=doc['colour'],
                icon=doc.get('icon', 'flag'), status=GoalStatus(doc['status']),
                status_reason=str(doc.get('status_reason') or ''), position=doc.get('position', 'V'),
                measure=measure_from_dict(measure) if measure else _measure_of_target(doc.get('target')),
                retired=bool(doc.get('retired')), changed_origin=Origin(doc.get('changed_origin', 'leader')),
                changed_by=str(doc.get('changed_by') or ''))


def measure_to_dict(measure: Measure) -> dict[str, Any]:
    return {'unit': measure.unit, 'better': measure.better.value, 'target': measure.target,
            'baseline': measure.baseline, 'baseline_on': _date_iso(measure.baseline_on),
            'target_on': _date_iso(measure.target_on), 'lowest': measure.lowest, 'highest': measure.highest}


def measure_from_dict(doc: dict[str, Any]) -> Measure:
    return Measure(unit=str(doc.get('unit', '')), better=Direction(doc['better']), target=float(doc['target']),
                   baseline=_float(doc.get('baseline')), baseline_on=_from_date(doc.get('baseline_on')),
                   target_on=_from_date(doc.get('target_on')), lowest=_float(doc.get('lowest')),
                   highest=_float(doc.get('highest')))


def _measure_of_target(target: Any) -> Measure | None:
    """A goal of a release before format 4 had a target "now ``current``, aiming for ``target``": the measure
    starts from ``current``, and gets better in the direction of the target."""
    if not isinstance(target, dict):
        return None
    current, aim = float(target['current']), float(target['target'])
    return Measure(unit=str(target.get('unit', '')), better=Direction.DOWN if aim < current else Direction.UP,
                   target=aim, baseline=current)


def goal_value_to_dict(value: GoalValue) -> dict[str, Any]:
    return {'goal_id': value.goal_id, 'unit_id': value.unit_id, 'on': value.on.isoformat(), 'value': value.value,
            'deleted': value.deleted, 'origin': value.origin.value, 'by': value.by, 'stamp': value.stamp,
            'seq': value.seq}


def goal_value_from_dict(doc: dict[str, Any]) -> GoalValue:
    return GoalValue(goal_id=doc['goal_id'], unit_id=doc['unit_id'], on=date.fromisoformat(doc['on']),
                     value=float(doc['value']), deleted=bool(doc.get('deleted')),
                     origin=Origin(doc.get('origin', 'board')), by=str(doc.get('by') or ''),
                     stamp=str(doc.get('stamp') or ''), seq=int(doc.get('seq', 0)))


def leader_note_to_dict(note: LeaderNote) -> dict[str, Any]:
    return {'id': note.id, 'unit_id': note.unit_id, 'kind': note.kind.value, 'text': note.text, 'by': note.by,
            'created_at': note.created_at.isoformat(), 'answer': note.answer, 'answered_at': _iso(note.answered_at),
            'handled_at': _iso(note.handled_at), 'deleted': note.deleted, 'stamp': note.stamp, 'seq': note.seq}


def leader_note_from_dict(doc: dict[str, Any]) -> LeaderNote:
    return LeaderNote(id=doc['id'], unit_id=doc['unit_id'], kind=NoteKind(doc['kind']), text=str(doc['text']),
                      by=str(doc.get('by', '')), created_at=datetime.fromisoformat(doc['created_at']),
                      answer=str(doc.get('answer', '')), answered_at=_from_iso(doc.get('answered_at')),
                      handled_at=_from_iso(doc.get('handled_at')), deleted=bool(doc.get('deleted')),
                      stamp=str(doc.get('stamp') or ''), seq=int(doc.get('seq', 0)))


def _date_iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _from_date(text: Any) -> date | None:
    return date.fromisoformat(text) if isinstance(text, str) and text else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def meeting_to_dict(meeting: Meeting) -> dict[str, Any]:
    return {'id': meeting.id, 'unit_id': meeting.unit_id, 'started_at': meeting.started_at.isoformat(),
            'ended_at': meeting.ended_at.isoformat(), 'present': meeting.present,
            'decisions': list(meeting.decisions), 'seq': meeting.seq} | _extra(meeting.extra, _MEETING_KEYS)


def meeting_from_dict(doc: dict[str, Any]) -> Meeting:
    return Meeting(id=doc['id'], unit_id=doc['unit_id'], started_at=datetime.fromisoformat(doc['started_at']),
                   ended_at=datetime.fromisoformat(doc['ended_at']), present=int(doc.get('present', 0)),
                   decisions=tuple(str(d) for d in doc.get('decisions', ())), seq=int(doc.get('seq', 0)),
                   extra=_unknown(doc, _MEETING_KEYS))


def recognition_to_dict(recognition: Recognition) -> dict[str, Any]:
    return {'id': recognition.id, 'unit_id': recognition.unit_id, 'text': recognition.text,
            'created_at': recognition.created_at.isoformat(), 'deleted': recognition.deleted,
            'seq': recognition.seq} | _extra(recognition.extra, _RECOGNITION_KEYS)


def recognition_from_dict(doc: dict[str, Any]) -> Recognition:
    return Recognition(id=doc['id'], unit_id=doc['unit_id'], text=doc['text'],
                       created_at=datetime.fromisoformat(doc['created_at']), deleted=bool(doc.get('deleted')),
                       seq=int(doc.get('seq', 0)), extra=_unknown(doc, _RECOGNITION_KEYS))


def log_to_dict(entry: LogEntry) -> dict[str, Any]:
    return {'card_id': entry.card_id, 'at': entry.at.isoformat(), 'action': entry.action.value,
            'fields': list(entry.fields), 'from': entry.from_column.value if entry.from_column else None,
            'to': entry.to_column.value if entry.to_column else None, 'origin': entry.origin.value, 'by': entry.by,
            'source': entry.source}


def log_from_dict(doc: dict[str, Any]) -> LogEntry:
    return LogEntry(card_id=str(doc['card_id']), at=datetime.fromisoformat(doc['at']), action=LogAction(doc['action']),
                    fields=tuple(str(f) for f in doc.get('fields', ())),
                    from_column=Column(doc['from']) if doc.get('from') else None,
                    to_column=Column(doc['to']) if doc.get('to') else None,
                    origin=Origin(doc.get('origin', Origin.BOARD.value)), by=str(doc.get('by', '')),
                    source=str(doc.get('source', '')))


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


# --- fields of another release ----------------------------------------------------------------------------------------
# A newer release may add fields; an older one reading its cards keeps them in ``extra`` and writes them back as
# they came, so a wall screen a release behind (or ahead) passes them on instead of dropping them.

_CARD_KEYS = frozenset({'id', 'unit_id', 'title', 'description', 'column', 'position', 'goal_id', 'owner', 'due',
                        'pdca', 'quick_win', 'gain', 'origin', 'created_by', 'changed_origin', 'changed_by',
                        'unseen', 'created_at', 'started_at', 'finished_at', 'deleted', 'answer', 'answer_note',
                        'answered_at', 'problem', 'before', 'after', 'escalation', 'lifted_from', 'shared_to',
                        'adopted_by', 'suggested_from', 'vsa', 'whys', 'causes', 'from_citizen',
                        'stamps', 'seq', *HELD_KEYS.values()})
_MEETING_KEYS = frozenset({'id', 'unit_id', 'started_at', 'ended_at', 'present', 'decisions', 'seq'})
_RECOGNITION_KEYS = frozenset({'id', 'unit_id', 'text', 'created_at', 'deleted', 'seq'})
#: keys never taken as another release's fields: TinyDB's and the files' own
_RESERVED = frozenset({'_format'})


def _unknown(doc: dict[str, Any], known: frozenset[str]) -> dict[str, Any]:
    return {key: value for key, value in doc.items() if key not in known and key not in _RESERVED}


def _extra(extra: Any, known: frozenset[str]) -> dict[str, Any]:
    return {key: value for key, value in extra.items() if key not in known and key not in _RESERVED}
