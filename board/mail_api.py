"""The hub's local admin API for the leaders' mail, beside ``sync_api``'s: what ``board user --email/--brief`` and
``board import-org`` (its meeting times) ask a running hub to do, under its writer.

Like the other admin calls: from the hub's own machine only, with the per-start token of
``<data>/secrets/local_admin.json``.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from . import admin as admin_rules
from .domain.meeting_time import MeetingTime
from .store import Store
from .users import BriefChoice

__all__ = ['MailChoiceRequest', 'MeetingTimesRequest', 'router']


class MailChoiceRequest(BaseModel):
    model_config = ConfigDict(extra='forbid')
    username: Annotated[str, Field(min_length=1, max_length=200)]
    email: Annotated[str | None, Field(max_length=254)] = None
    #: 'default': the default for the leader's roles; None: leave it as it is
    brief: Literal['brief', 'summary', 'none', 'default'] | None = None


class MeetingTimeBody(BaseModel):
    model_config = ConfigDict(extra='forbid')
    weekday: Annotated[int, Field(ge=1, le=7)]
    at: Annotated[str, Field(pattern=r'^\d\d:\d\d$')]


class MeetingTimesRequest(BaseModel):
    model_config = ConfigDict(extra='forbid')
    times: Annotated[dict[str, MeetingTimeBody], Field(max_length=10_000)]


def router(store: Store, admin_token: str) -> APIRouter:
    def local_admin(request: Request, authorization: Annotated[str, Header()] = '') -> None:
        token = authorization.removeprefix('Bearer ').strip()
        host = request.client.host if request.client else ''
        if host not in ('127.0.0.1', '::1') or not hmac.compare_digest(token.encode(), admin_token.encode()):
            raise HTTPException(401, 'admin calls need the local admin token, from the hub machine only')

    api = APIRouter(prefix='/api/v1/admin', dependencies=[Depends(local_admin)], include_in_schema=False)

    @api.post('/user-mail')
    async def set_mail(body: MailChoiceRequest) -> dict[str, Any]:
        brief: BriefChoice | Literal['default'] | None = 'default'  # 'default' to set_user: leave it as it is
        if body.brief is not None:
            brief = None if body.brief == 'default' else BriefChoice(body.brief)
        try:
            user = await store.run(admin_rules.set_user, store, body.username, email=body.email, brief=brief)
        except ValueError as error:  # RuleViolation is a ValueError too
            raise HTTPException(422, str(error)) from error
        return {'username': user.username, 'email': user.email, 'mail': user.brief_choice.value}

    @api.post('/meeting-times')
    async def set_meeting_times(body: MeetingTimesRequest) -> dict[str, Any]:
        try:
            times = {unit: MeetingTime.parse(t.weekday, t.at) for unit, t in body.times.items()}
            for unit_id, meeting_time in times.items():
                await store.run(store.set_meeting_time, unit_id, meeting_time)
        except ValueError as error:
            raise HTTPException(422, str(error)) from error
        return {'meeting_times': len(times)}

    return api
