"""The hub's sync API for wall screens, versioned under ``/api/v1`` (described in OpenAPI at ``/openapi.json``).

- ``POST /api/v1/pair``: a wall screen exchanges a one-time pairing code for its own token.
- ``POST /api/v1/units/{unit}/sync``: push the screen's outbox, pull the hub's changes since a sequence number.
- ``GET /api/v1/units/{unit}/changes?since=N&wait=S``: long-poll; answers as soon as the unit changes.
- ``POST /api/v1/heartbeat``: last seen, version, outbox length, clock offset.
- ``/api/v1/admin/...``: pairing codes and revocation, for ``board pair`` / ``board kiosk-revoke`` on the hub's
  machine only (a local admin token in the data folder, and loopback callers only).

A call without a valid token gets 401, a call for another unit 403. Tokens are stored hashed. Everything a wall
screen sends is read by the strict models of ``board.wire`` and checked by the board's rules before the store sees
it: a refused push answers 422 naming each refused record, and stores nothing of it. A body over 1 MB gets 413
(``board.bodylimit``). Parsing runs off the event loop, writes on the store's writer.
"""

# no "from __future__ import annotations": FastAPI reads the Annotated[..., Depends(...)] hints at run time, and
# they name dependencies defined inside router()

import asyncio
import dataclasses
import hmac
import logging
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from . import admin as admin_rules
from .backup import BackupError, create_backup
from .clock import stamp_order
from .devices import Kiosk, hash_secret, new_token
from .domain import (
    Card,
    EscalationState,
    Goal,
    GoalValue,
    Origin,
    RuleViolation,
    ServiceArea,
    Unit,
    gain_change_problems,
    raw_value,
)
from .orgfile import OrganisationFile
from .ratelimit import RateLimit
from .store import HUB_ONLY, MAX_BOARD_CARDS, BoardFull, Change, Store
from .store.acting import acting_from, wall_source
from .store.codec import (
    card_to_dict,
    goal_to_dict,
    goal_value_to_dict,
    leader_note_to_dict,
    meeting_to_dict,
    recognition_to_dict,
)
from .store.files import FORMAT, FileTooLarge
from .users import Grant, Sessions, hash_password, password_work
from .wire import MAX_BODY_BYTES, SEQ_MAX, HeartbeatRequest, Push, PushRefused, RefusedRecord, read_push

if TYPE_CHECKING:
    from .context import AppContext

__all__ = ['ChangeSignals', 'router']

log = logging.getLogger(__name__)

MAX_WAIT = 30.0


class PairRequest(BaseModel):
    code: str = Field(max_length=40)
    unit_id: str = Field(max_length=64)


class PairingCodeRequest(BaseModel):
    unit_id: str = Field(max_length=64)


class UserRequest(BaseModel):
    username: str = Field(max_length=64)
    name: str | None = Field(default=None, max_length=80)
    roles: list[str] | None = None
    password: str | None = Field(default=None, max_length=256)
    disabled: bool | None = None


class AreaRequest(BaseModel):
    id: str = Field(max_length=64)
    name: str = Field(max_length=200)


class UnitRequest(AreaRequest):
    service_area_id: str = Field(max_length=64)


class OrganisationRequest(BaseModel):
    name: str = Field(default='', max_length=200)
    service_areas: list[AreaRequest] = Field(default=[], max_length=1000)
    units: list[UnitRequest] = Field(default=[], max_length=10_000)


class BackupRequest(BaseModel):
    out_dir: str
    keep: int = Field(ge=1, le=1000)


class ChangeSignals:
    """Wakes long-polls when a unit changes (the store calls from its writer thread)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._events: dict[str, asyncio.Event] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._store.subscribe(self._from_writer)

    async def wait(self, unit_id: str, seq: int, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self._store.seq(unit_id) <= seq:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            event = self._events.setdefault(unit_id, asyncio.Event())
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return

    def _from_writer(self, change: Change) -> None:
        if isinstance(change, HUB_ONLY):
            return  # the citizens' ideas and the audits are the hub's alone: a wall screen has nothing to pull for them
        unit_id = getattr(change, 'unit_id', None)
        if unit_id is not None and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake, unit_id)

    def _wake(self, unit_id: str) -> None:
        event = self._events.pop(unit_id, None)
        if event is not None:
            event.set()


def router(context: 'AppContext', signals: ChangeSignals, admin_token: str,
           sessions: Sessions | None = None) -> APIRouter:
    api = APIRouter(prefix='/api/v1', tags=['sync'])
    store = context.store
    pair_attempts = RateLimit(10, 600)

    def kiosk(authorization: Annotated[str, Header()] = '') -> Kiosk:
        token = authorization.removeprefix('Bearer ').strip()
        found = store.wall_screens.by_token_hash(hash_secret(token)) if token else None
        if found is None or found.revoked:
            raise HTTPException(401, 'missing, unknown or revoked kiosk token', {'WWW-Authenticate': 'Bearer'})
        return found

    def kiosk_of_unit(unit_id: str, device: Annotated[Kiosk, Depends(kiosk)]) -> Kiosk:
        if device.unit_id != unit_id:
            raise HTTPException(403, f'this kiosk belongs to unit {device.unit_id}, not {unit_id}')
        return device

    @api.post('/pair')
    async def pair(body: PairRequest, request: Request) -> dict[str, Any]:
        """Exchange a one-time pairing code for this wall screen's token (shown once; the hub keeps its hash)."""
        client = request.client.host if request.client else '?'
        if pair_attempts.retry_after(client):
            raise HTTPException(429, 'too many pairing attempts; wait ten minutes')
        pair_attempts.record(client)
        token = new_token()
        device = Kiosk(id=f'kiosk{uuid.uuid4().hex[:10]}', unit_id=body.unit_id, token_hash=hash_secret(token),
                       paired_at=store.now())
        if store.unit(body.unit_id) is None \
                or await store.run(store.wall_screens.redeem_pairing_code, hash_secret(body.code), device) is None:
            log.warning('pairing refused for unit %s from %s', body.unit_id, client)
            raise HTTPException(403, 'the pairing code is wrong, used or expired, or for another unit')
        unit = store.unit(body.unit_id)
        area = store.organisation.service_area(unit.service_area_id) if unit else None
        log.info('kiosk %s paired with unit %s', device.id, body.unit_id)
        return {'kiosk_id': device.id, 'token': token,
                'unit': {'id': body.unit_id, 'name': unit.name if unit else body.unit_id},
                'service_area': {'id': area.id, 'name': area.name} if area else None}

    @api.post('/units/{unit_id}/sync', openapi_extra={'requestBody': {'required': True, 'content': {
        'application/json': {'schema': {'type': 'object', 'required': ['pulled'], 'properties': {
            'pulled': {'type': 'integer', 'minimum': 0},
            'cards': {'type': 'array', 'items': {'type': 'object'}},
            'meetings': {'type': 'array', 'items': {'type': 'object'}},
            'recognitions': {'type': 'array', 'items': {'type': 'object'}},
            'goals': {'type': 'array', 'items': {'type': 'object'}},
            'goal_values': {'type': 'array', 'items': {'type': 'object'}},
            'leader_notes': {'type': 'array', 'items': {'type': 'object'}}}}}}}})
    async def sync(unit_id: str, request: Request, device: Annotated[Kiosk, Depends(kiosk_of_unit)]) -> Any:
        """Push the wall screen's changed cards, meetings and recognitions; pull the hub's changes after ``pulled``.

        Each record is read by the models in ``board.wire`` (the cards as in the data files). A push with a refused
        record answers 422 with ``{"detail": {"refused": [{"kind", "id", "reason"}, ...]}}`` and stores nothing.
        """
        try:
            body = await request.body()
        except ClientDisconnect:  # the wall screen went away mid-push: nothing to answer, nothing stored
            log.info('wall screen %s disconnected during a push', device.id)
            return Response(status_code=400)
        if len(body) > MAX_BODY_BYTES:  # also refused earlier, by the body limit, when the length is declared
            raise HTTPException(413, f'at most {MAX_BODY_BYTES} bytes per push')
        try:
            push = await run_in_threadpool(read_push, body, unit_id, store.goals(unit_id), now=store.now())
            _wall_rules(store, unit_id, push)
            if push.cards or push.meetings or push.recognitions or push.goals or push.values or push.notes:
                with acting_from(wall_source(device.id)):  # the cards' logs name the wall screen
                    await store.run_grouped(unit_id, store.merge_push, unit_id, push.cards, push.meetings,
                                            push.recognitions, goals=push.goals, values=push.values,
                                            notes=push.notes)
        except (BoardFull, PushRefused, RuleViolation, FileTooLarge) as refused:
            if context.metrics is not None:
                context.metrics.pushes_refused.inc()
            return _refused(store, device, unit_id, _as_refusal(refused))
        return _changes(context, unit_id, push.pulled)

    @api.get('/units/{unit_id}/changes')
    async def changes(unit_id: str, _: Annotated[Kiosk, Depends(kiosk_of_unit)],
                      since: Annotated[int, Query(ge=0, le=SEQ_MAX)] = 0,
                      wait: Annotated[float, Query(ge=0, le=MAX_WAIT, allow_inf_nan=False)] = 0.0) -> dict[str, Any]:
        """The hub's changes after ``since``, waiting up to ``wait`` seconds (at most 30) for the first one."""
        await signals.wait(unit_id, since, wait)
        return _changes(context, unit_id, since)

    @api.post('/heartbeat')
    async def heartbeat(body: HeartbeatRequest, device: Annotated[Kiosk, Depends(kiosk)]) -> dict[str, Any]:
        """Last seen, version, outbox and refused changes, and the wall screen's clock compared with the hub's."""
        now_ms = int(time.time() * 1000)
        await store.run(store.wall_screens.record_heartbeat, device.id, version=body.version, outbox=body.outbox,
                        clock_offset_ms=body.clock_ms - now_ms, refused=body.refused, data_format=body.format)
        return {'hub_time_ms': now_ms}

    api.include_router(_admin_router(store, admin_token, sessions))
    return api


def _admin_router(store: Store, admin_token: str, sessions: Sessions | None) -> APIRouter:
    """What the CLI (``board pair``, ``board user`` ...) asks a running hub to do (loopback and admin token only)."""

    def local_admin(request: Request, authorization: Annotated[str, Header()] = '') -> None:
        token = authorization.removeprefix('Bearer ').strip()
        host = request.client.host if request.client else ''
        if host not in ('127.0.0.1', '::1') or not hmac.compare_digest(token.encode(), admin_token.encode()):
            raise HTTPException(401, 'admin calls need the local admin token, from the hub machine only')

    admin = APIRouter(prefix='/admin', dependencies=[Depends(local_admin)], include_in_schema=False)

    @admin.post('/pairing-codes')
    async def create_pairing_code(body: PairingCodeRequest) -> dict[str, Any]:
        if store.unit(body.unit_id) is None:
            raise HTTPException(404, f'no unit {body.unit_id}')
        return await store.run(admin_rules.issue_pairing_code, store, body.unit_id)

    @admin.post('/backup')
    def backup(body: BackupRequest) -> dict[str, Any]:
        """A consistent backup while the hub runs: the snapshot is taken under the store's writer lock."""
        try:
            archive = create_backup(store.folder, Path(body.out_dir), keep=body.keep, snapshot=store.snapshot)
        except (OSError, BackupError) as error:  # a folder the hub may not write, a full disk: say so in one line
            log.warning('backup into %s failed: %s', body.out_dir, error)
            raise HTTPException(422, f'the backup could not be written to {body.out_dir}: {error}') from error
        return {'archive': str(archive)}

    @admin.post('/users')
    async def set_user(body: UserRequest) -> dict[str, Any]:
        """Checked here, hashed on the password workers, saved on the store's writer."""
        try:
            grants = None if body.roles is None else [Grant.parse(r) for r in body.roles]
            problems = admin_rules.check_user(store, body.username, name=body.name, grants=grants,
                                              password=body.password)
            if problems:
                raise RuleViolation(problems)
            hashed = await password_work(hash_password, body.password) if body.password is not None else None
            user = await store.run(admin_rules.set_user, store, body.username, name=body.name, grants=grants,
                                   password_hash=hashed, disabled=body.disabled, sessions=sessions)
        except ValueError as error:  # RuleViolation is a ValueError too
            raise HTTPException(422, str(error)) from error
        return {'username': user.username, 'roles': [str(g) for g in user.grants], 'disabled': user.disabled}

    @admin.post('/organisation')
    async def import_organisation(body: OrganisationRequest) -> dict[str, Any]:
        parsed = OrganisationFile(name=body.name,
                                  areas=[ServiceArea(id=a.id, name=a.name) for a in body.service_areas],
                                  units=[Unit(id=u.id, name=u.name, service_area_id=u.service_area_id)
                                         for u in body.units])
        try:
            areas, units = await store.run(admin_rules.import_organisation, store, parsed)
        except ValueError as error:
            raise HTTPException(422, str(error)) from error
        return {'new_service_areas': areas, 'new_units': units}

    @admin.post('/kiosks/{kiosk_id}/revoke')
    async def revoke(kiosk_id: str) -> dict[str, Any]:
        if not await store.run(store.wall_screens.revoke, kiosk_id):
            raise HTTPException(404, f'no kiosk {kiosk_id}')
        return {'revoked': kiosk_id}

    return admin


def _leaders_gains_kept(store: Store, unit_id: str, push: Push) -> None:
    """A wall screen records identified gains; realised ones, kroner and gains of over an årsverk are leaders'.

    Only a gain changed on the wall (its stamp newer than the hub's) is judged: a leader's confirmation that came
    from the hub and goes back with the card is the hub's own. The gains as written are judged, held ones too (an
    idea shows none, but one held would show when the card goes to Pågår).
    """
    refused = []
    for card in push.cards:
        mine = store.card_version(unit_id, card.id)
        ours = mine.stamps.get('gain', '') if mine is not None else ''
        if stamp_order(card.stamps.get('gain', '')) <= stamp_order(ours):
            continue
        problems = gain_change_problems(raw_value(mine, 'gain') if mine else None, raw_value(card, 'gain'),
                                        full_time_week=store.full_time_week)
        if problems:
            refused.append(RefusedRecord('card', card.id, f'gain: {problems[0].key}'))
    if refused:
        raise PushRefused(refused)


def _wall_rules(store: Store, unit_id: str, push: Push) -> None:
    """What only a wall screen's push is held to: gains as the wall may record them, and no leader's name."""
    _leaders_gains_kept(store, unit_id, push)
    push.cards[:] = [_as_the_wall_said(store, unit_id, card) for card in push.cards]
    push.goals[:] = [(_goal_as_the_wall_may(store, unit_id, goal), stamp) for goal, stamp in push.goals]
    push.values[:] = [_value_as_the_wall_said(store, unit_id, value) for value in push.values]
    _notes_as_the_wall_may(store, unit_id, push)


def _notes_as_the_wall_may(store: Store, unit_id: str, push: Push) -> None:
    """A leader writes a note on the hub; a wall screen only answers it or marks it gone through in a meeting:
    a note the hub does not have, or one whose question, author or time a wall screen changed, is refused."""
    refused = []
    for note in push.notes:
        mine = store.leader_note(unit_id, note.id)
        if mine is None or (note.kind, note.text, note.by, note.created_at, note.deleted) != (
                mine.kind, mine.text, mine.by, mine.created_at, mine.deleted):
            refused.append(RefusedRecord('note', note.id, 'a wall screen only answers a leader\'s note'))
    if refused:
        raise PushRefused(refused)


def _value_as_the_wall_said(store: Store, unit_id: str, value: GoalValue) -> GoalValue:
    """A value a wall screen says a leader entered is the board's, unless the hub's value says so already."""
    mine = store.goal_value(unit_id, value.id)
    if value.origin == Origin.LEADER and (mine is None or (mine.origin, mine.by) != (value.origin, value.by)):
        return dataclasses.replace(value, origin=Origin.BOARD, by='')
    return value


def _goal_as_the_wall_may(store: Store, unit_id: str, goal: Goal) -> Goal:
    """A wall screen adds and edits goals, but only a leader retires one (or brings it back), and a wall screen
    cannot name a leader as the goal's last editor unless the hub's goal already does."""
    mine = store.goal(unit_id, goal.id)
    retired = mine.retired if mine is not None else False
    if goal.changed_origin == Origin.LEADER and (
            mine is None or (mine.changed_origin, mine.changed_by) != (goal.changed_origin, goal.changed_by)):
        goal = dataclasses.replace(goal, changed_origin=Origin.BOARD, changed_by='')
    return goal if goal.retired == retired else dataclasses.replace(goal, retired=retired)


def _as_the_wall_said(store: Store, unit_id: str, card: Card) -> Card:
    """A wall screen has no leaders' logins: a card it says a leader changed or made is the board's, unless that
    is what the hub itself holds (a leader's change that came from the hub and goes back with the card)."""
    mine = store.card_version(unit_id, card.id)
    card = _lift_as_the_wall_may(mine, card)
    hub_citizen = mine.from_citizen if mine is not None else False
    if card.from_citizen != hub_citizen:  # only the hub marks an idea from a citizen (a leader approved it)
        card = dataclasses.replace(card, from_citizen=hub_citizen)
    if card.changed_origin == Origin.LEADER and (
            mine is None or (mine.changed_origin, mine.changed_by) != (card.changed_origin, card.changed_by)):
        card = dataclasses.replace(card, changed_origin=Origin.BOARD, changed_by='')
    if card.origin == Origin.LEADER and (mine is None or (mine.origin, mine.created_by) != (card.origin,
                                                                                           card.created_by)):
        card = dataclasses.replace(card, origin=Origin.BOARD, created_by='')
    return card


def _lift_as_the_wall_may(mine: Card | None, card: Card) -> Card:
    """A wall screen lifts a card (an escalation waiting for an answer) and shares one; the answer, the mark of a
    lifted card or a suggestion, and who took a shared card into use are the hub's: what a wall screen says of them
    is replaced by what the hub holds."""
    hub_lift = mine.lifted_from if mine is not None else None
    hub_escalation = mine.escalation if mine is not None else None
    escalation = card.escalation
    if escalation is not None and escalation != hub_escalation and (
            escalation.state != EscalationState.WAITING or escalation.answer_note or escalation.answered_at):
        card = dataclasses.replace(card, escalation=hub_escalation)
    if card.lifted_from != hub_lift:
        card = dataclasses.replace(card, lifted_from=hub_lift)
    # where a suggestion came from, and which units took a shared card into use, are the hub's too
    hub_suggested = mine.suggested_from if mine is not None else None
    hub_adopted = mine.adopted_by if mine is not None else ()
    if (card.suggested_from, card.adopted_by) != (hub_suggested, hub_adopted):
        card = dataclasses.replace(card, suggested_from=hub_suggested, adopted_by=hub_adopted)
    # so is the value stream analysis an improvement came from: it counts in the leaders' share of gains from them
    hub_vsa = mine.vsa if mine is not None else None
    if card.vsa != hub_vsa:
        card = dataclasses.replace(card, vsa=hub_vsa)
    return card


def _as_refusal(error: Exception) -> PushRefused:
    """What the wall screen is told: each refused record, or why the whole push was."""
    if isinstance(error, BoardFull):
        return PushRefused([RefusedRecord('card', card_id, f'the board is full ({MAX_BOARD_CARDS} cards)')
                            for card_id in error.card_ids])
    if isinstance(error, PushRefused):
        return error
    # too many meetings or recognitions, or the unit's file would grow past its limit
    return PushRefused([RefusedRecord('push', '', str(error))])


def _refused(store: Store, device: Kiosk, unit_id: str, refused: PushRefused) -> JSONResponse:
    log.warning('push from wall screen %s of unit %s refused: %s', device.id, unit_id, refused)
    store.wall_screens.record_refusals(device.id, len(refused.refused))
    return JSONResponse({'detail': {'message': 'push refused; nothing of it was stored',
                                    'refused': [r.as_dict() for r in refused.refused[:100]]}}, status_code=422)


def _changes(context: 'AppContext', unit_id: str, since: int) -> dict[str, Any]:
    cards, goals, seq = context.store.changes_since(unit_id, since)
    meetings, recognitions = context.store.records_since(unit_id, since)
    return {'format': FORMAT, 'instance': context.store.instance, 'seq': seq,
            'cards': [card_to_dict(c) for c in cards],
            'meetings': [meeting_to_dict(m) for m in meetings],
            'recognitions': [recognition_to_dict(r) for r in recognitions],
            'goals': [{'goal': goal_to_dict(g), 'stamp': stamp} for g, stamp in goals],
            'goal_values': [goal_value_to_dict(v) for v in context.store.values_since(unit_id, since)],
            'leader_notes': [leader_note_to_dict(n) for n in context.store.notes_since(unit_id, since)],
            'phone_url': context.phone_url(unit_id)}
