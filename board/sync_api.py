"""The hub's sync API for wall screens, versioned under ``/api/v1`` (documented at ``/docs`` by FastAPI).

- ``POST /api/v1/pair``: a wall screen exchanges a one-time pairing code for its own token.
- ``POST /api/v1/units/{unit}/sync``: push the screen's outbox, pull the hub's changes since a sequence number.
- ``GET /api/v1/units/{unit}/changes?since=N&wait=S``: long-poll; answers as soon as the unit changes.
- ``POST /api/v1/heartbeat``: last seen, version, outbox length, clock offset.
- ``/api/v1/admin/...``: pairing codes and revocation, for ``board pair`` / ``board kiosk-revoke`` on the hub's
  machine only (a local admin token in the data folder, and loopback callers only).

A call without a valid token gets 401, a call for another unit 403. Tokens are stored hashed.
"""

# no "from __future__ import annotations": FastAPI reads the Annotated[..., Depends(...)] hints at run time, and
# they name dependencies defined inside router()

import asyncio
import hmac
import logging
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from pydantic import BaseModel, Field

from . import admin as admin_rules
from .backup import create_backup
from .codec import (
    card_from_dict,
    card_to_dict,
    goal_to_dict,
    meeting_from_dict,
    meeting_to_dict,
    recognition_from_dict,
    recognition_to_dict,
)
from .devices import PAIRING_CODE_LIFETIME, Kiosk, PairingCode, hash_secret, new_pairing_code, new_token
from .domain import Card, Meeting, Recognition, ServiceArea, Unit
from .orgfile import OrganisationFile
from .ratelimit import RateLimit
from .store import Change, Store
from .users import Grant, Sessions

if TYPE_CHECKING:
    from .app import AppContext

__all__ = ['ChangeSignals', 'router']

log = logging.getLogger(__name__)

MAX_WAIT = 30.0
MAX_CARDS_PER_PUSH = 2000


class PairRequest(BaseModel):
    code: str = Field(max_length=40)
    unit_id: str = Field(max_length=64)


class SyncRequest(BaseModel):
    meetings: list[dict[str, Any]] = Field(default_factory=list, max_length=200)
    recognitions: list[dict[str, Any]] = Field(default_factory=list, max_length=500)
    pulled: int = Field(ge=0, description="the hub's sequence number the screen has everything up to")
    cards: list[dict[str, Any]] = Field(default_factory=list, description='changed cards (the outbox)')


class HeartbeatRequest(BaseModel):
    version: str = Field(max_length=40)
    outbox: int = Field(ge=0)
    clock_ms: int


class PairingCodeRequest(BaseModel):
    unit_id: str = Field(max_length=64)


class UserRequest(BaseModel):
    username: str = Field(max_length=64)
    name: str | None = Field(default=None, max_length=80)
    roles: list[str] | None = None
    password: str | None = Field(default=None, max_length=256)
    disabled: bool | None = None


class OrganisationRequest(BaseModel):
    name: str = ''
    service_areas: list[dict[str, str]] = []
    units: list[dict[str, str]] = []


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
        found = store.kiosk_by_token_hash(hash_secret(token)) if token else None
        if found is None or found.revoked:
            raise HTTPException(401, 'missing, unknown or revoked kiosk token', {'WWW-Authenticate': 'Bearer'})
        return found

    def kiosk_of_unit(unit_id: str, device: Annotated[Kiosk, Depends(kiosk)]) -> Kiosk:
        if device.unit_id != unit_id:
            raise HTTPException(403, f'this kiosk belongs to unit {device.unit_id}, not {unit_id}')
        return device

    @api.post('/pair')
    def pair(body: PairRequest, request: Request) -> dict[str, Any]:
        """Exchange a one-time pairing code for this wall screen's token (shown once; the hub keeps its hash)."""
        client = request.client.host if request.client else '?'
        if pair_attempts.retry_after(client):
            raise HTTPException(429, 'too many pairing attempts; wait ten minutes')
        pair_attempts.record(client)
        token = new_token()
        device = Kiosk(id=f'kiosk{uuid.uuid4().hex[:10]}', unit_id=body.unit_id, token_hash=hash_secret(token),
                       paired_at=store.now())
        if store.unit(body.unit_id) is None or store.redeem_pairing_code(hash_secret(body.code), device) is None:
            log.warning('pairing refused for unit %s from %s', body.unit_id, client)
            raise HTTPException(403, 'the pairing code is wrong, used or expired, or for another unit')
        unit = store.unit(body.unit_id)
        area = store.organisation.service_area(unit.service_area_id) if unit else None
        log.info('kiosk %s paired with unit %s', device.id, body.unit_id)
        return {'kiosk_id': device.id, 'token': token,
                'unit': {'id': body.unit_id, 'name': unit.name if unit else body.unit_id},
                'service_area': {'id': area.id, 'name': area.name} if area else None}

    @api.post('/units/{unit_id}/sync')
    async def sync(unit_id: str, body: SyncRequest, _: Annotated[Kiosk, Depends(kiosk_of_unit)]) -> dict[str, Any]:
        """Push the wall screen's changed cards, meetings and recognitions; pull the hub's changes after ``pulled``."""
        cards, meetings, recognitions = _read_push(unit_id, body)
        if cards:
            await store.run(store.merge_cards, unit_id, cards)
        if meetings or recognitions:
            await store.run(store.merge_records, unit_id, meetings, recognitions)
        return _changes(context, unit_id, body.pulled)

    @api.get('/units/{unit_id}/changes')
    async def changes(unit_id: str, _: Annotated[Kiosk, Depends(kiosk_of_unit)], since: int = 0,
                      wait: float = 0.0) -> dict[str, Any]:
        """The hub's changes after ``since``, waiting up to ``wait`` seconds (at most 30) for the first one."""
        await signals.wait(unit_id, since, min(max(wait, 0.0), MAX_WAIT))
        return _changes(context, unit_id, since)

    @api.post('/heartbeat')
    def heartbeat(body: HeartbeatRequest, device: Annotated[Kiosk, Depends(kiosk)]) -> dict[str, Any]:
        now_ms = int(time.time() * 1000)
        store.record_heartbeat(device.id, version=body.version, outbox=body.outbox,
                               clock_offset_ms=body.clock_ms - now_ms)
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
    def create_pairing_code(body: PairingCodeRequest) -> dict[str, Any]:
        return issue_pairing_code(store, body.unit_id)

    @admin.post('/backup')
    def backup(body: BackupRequest) -> dict[str, Any]:
        """A consistent backup while the hub runs: the snapshot is taken under the store's writer lock."""
        archive = create_backup(store.folder, Path(body.out_dir), keep=body.keep, snapshot=store.snapshot)
        return {'archive': str(archive)}

    @admin.post('/users')
    def set_user(body: UserRequest) -> dict[str, Any]:
        try:
            grants = None if body.roles is None else [Grant.parse(r) for r in body.roles]
            user = admin_rules.set_user(store, body.username, name=body.name, grants=grants, password=body.password,
                                        disabled=body.disabled, sessions=sessions)
        except ValueError as error:  # RuleViolation is a ValueError too
            raise HTTPException(422, str(error)) from error
        return {'username': user.username, 'roles': [str(g) for g in user.grants], 'disabled': user.disabled}

    @admin.post('/organisation')
    def import_organisation(body: OrganisationRequest) -> dict[str, Any]:
        parsed = OrganisationFile(name=body.name,
                                  areas=[ServiceArea(id=a['id'], name=a['name']) for a in body.service_areas],
                                  units=[Unit(id=u['id'], name=u['name'], service_area_id=u['service_area_id'])
                                         for u in body.units])
        try:
            areas, units = admin_rules.import_organisation(store, parsed)
        except ValueError as error:
            raise HTTPException(422, str(error)) from error
        return {'new_service_areas': areas, 'new_units': units}

    @admin.post('/kiosks/{kiosk_id}/revoke')
    def revoke(kiosk_id: str) -> dict[str, Any]:
        if not store.revoke_kiosk(kiosk_id):
            raise HTTPException(404, f'no kiosk {kiosk_id}')
        return {'revoked': kiosk_id}

    return admin


def _read_push(unit_id: str, body: SyncRequest) -> tuple[list[Card], list[Meeting], list[Recognition]]:
    """What a wall screen pushed, as domain objects; 413, 422 or 403 (another unit's) if it cannot be taken."""
    if len(body.cards) > MAX_CARDS_PER_PUSH:
        raise HTTPException(413, f'at most {MAX_CARDS_PER_PUSH} cards per push')
    try:
        cards = [card_from_dict(doc) for doc in body.cards]
        meetings = [meeting_from_dict(doc) for doc in body.meetings]
        recognitions = [recognition_from_dict(doc) for doc in body.recognitions]
    except (KeyError, TypeError, ValueError) as error:
        raise HTTPException(422, f'a card, meeting or recognition could not be read: {error}') from error
    if any(c.unit_id != unit_id for c in cards) or any(m.unit_id != unit_id for m in meetings) \
            or any(r.unit_id != unit_id for r in recognitions):
        raise HTTPException(403, 'changes of another unit')
    return cards, meetings, recognitions


def issue_pairing_code(store: Store, unit_id: str) -> dict[str, Any]:
    """A new one-time code for pairing a wall screen with ``unit_id``; only its hash is kept."""
    if store.unit(unit_id) is None:
        raise HTTPException(404, f'no unit {unit_id}')
    code = new_pairing_code()
    expires: datetime = store.now() + PAIRING_CODE_LIFETIME
    store.add_pairing_code(PairingCode(code_hash=hash_secret(code), unit_id=unit_id, expires_at=expires))
    return {'code': code, 'unit_id': unit_id, 'expires_at': expires.isoformat()}


def _changes(context: 'AppContext', unit_id: str, since: int) -> dict[str, Any]:
    cards, goals, seq = context.store.changes_since(unit_id, since)
    meetings, recognitions = context.store.records_since(unit_id, since)
    return {'seq': seq, 'cards': [card_to_dict(c) for c in cards],
            'meetings': [meeting_to_dict(m) for m in meetings],
            'recognitions': [recognition_to_dict(r) for r in recognitions],
            'goals': [{'goal': goal_to_dict(g), 'stamp': stamp} for g, stamp in goals],
            'phone_url': context.phone_url(unit_id)}
