"""The citizens' page at ``/i/<token>``: innbyggere, brukere and pårørende send an idea with a unit's public code.

Built like the staff's phone page (``board.ui.phone``): a plain HTML form, no script (its Content-Security-Policy
forbids any), autoescaping templates, phone-sized, keeps the text on every error. What differs, because this is a
public, anonymous entry point whose code hangs on posters:

- **Its own code.** Signed with a key of its own (``board.app.make_citizen_tokens``), not rotating, revoked on its
  own. A staff code here, or a citizen's code on the staff page, gets a clear page saying which code is which.
- **Nothing reaches a board before a leader.** The idea waits in the unit's queue on the hub
  (``store.citizen_ideas``, never synced); a leader approves it (a card marked *Fra innbygger*) or declines it.
- **Personal data is refused**, not just warned about: the text will hang in a staff room, and the sender is not
  bound by the staff's duty of confidentiality nor there at the meeting to explain. The page says what it found.
- **An e-mail address, if the sender wants an answer**: kept until the outcome is sent, then erased
  (``board.citizens``). It is the one field not checked for personal data, and never shown to anyone.
- **Limits as for phones**, in budgets of their own: a flood of citizens' ideas never uses up the staff's.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .. import citizens
from ..domain import TITLE_MAX, Problem, RuleViolation, Unit
from ..domain.citizen import validate_citizen_idea
from ..i18n import Translator
from ..privacy import find_personal_data
from ..store.citizen_ideas import QueueFull
from ..store.files import StoreWriteError
from ..tokens import TokenProblem
from .htmlpage import HEADERS, read_body, read_form, refuse_foreign, render
from .phone import Budgets, new_phone_cookie, phone_id

if TYPE_CHECKING:
    from ..context import AppContext

__all__ = ['COOKIE', 'router']

log = logging.getLogger(__name__)

COOKIE = 'board_citizen'
_FIELDS = ('title', 'description', 'email')


def router(context: AppContext) -> APIRouter:
    """The citizens' page's routes (the hub only)."""
    if context.citizen_tokens is None or context.tokens is None:
        raise ValueError('the citizens\' page needs the hub\'s tokens')
    tokens, staff_tokens = context.citizen_tokens, context.tokens
    routes = APIRouter(include_in_schema=False)
    t = context.t
    settings = context.settings
    budgets = Budgets(settings.phone_ideas_per_window, settings.phone_window_minutes * 60.0)
    cookie_key = staff_tokens.derived_key('citizen-cookie')

    def unit_for(token: str) -> Unit | None:
        check = tokens.check(token, _units(context))
        if not check.ok:
            log.info('citizens\' page refused a %s token for unit %s', check.problem, check.unit_id)
            return None
        return context.store.unit(check.unit_id or '')

    def refused(token: str) -> Response:
        if staff_tokens.check(token, _units(context)).ok:  # the staff's code, on the citizens' page
            return render(t, 'message.html', title=t('citizen.staff_code_heading'), status=403,
                          heading=t('citizen.staff_code_heading'), text=t('citizen.staff_code_text'),
                          links=[(f'/p/{token}', t('citizen.staff_code_link'))])
        check = tokens.check(token, _units(context))
        status = 410 if check.problem in (TokenProblem.EXPIRED, TokenProblem.REVOKED) else 404
        return render(t, 'message.html', title=t('citizen.invalid_heading'), status=status,
                      heading=t('citizen.invalid_heading'), text=t('citizen.invalid_text'), links=[])

    @routes.get('/i/{token}')
    def citizen_form(token: str, request: Request, sent: int = 0) -> Response:
        unit = unit_for(token)
        if unit is None:
            return refused(token)
        response = (render(t, 'citizen_thanks.html', title=t('citizen.sent_title'), unit=unit, token=token,
                           answer=sent == 2) if sent
                    else _form(t, unit, token))
        if phone_id(cookie_key, request.cookies.get(COOKIE)) is None:
            response.set_cookie(COOKIE, new_phone_cookie(cookie_key), max_age=365 * 24 * 3600, httponly=True,
                                samesite='lax', secure=request.url.scheme == 'https')
        return response

    @routes.post('/i/{token}')
    async def citizen_send(token: str, request: Request) -> Response:
        foreign = refuse_foreign(t, request)
        if foreign is not None:
            return foreign
        unit = unit_for(token)
        if unit is None:
            return refused(token)
        body = await read_body(request)
        if body is None:
            return _form(t, unit, token, status=413, banner=t('citizen.too_large'))
        form = read_form(body)
        values = {k: form.get(k, '') for k in _FIELDS}
        title, description, email = (values[k].strip() for k in _FIELDS)

        address = request.client.host if request.client else '?'
        sources = budgets.sources(unit.id, address, phone_id(cookie_key, request.cookies.get(COOKIE)))
        refusal = budgets.refusal(sources)
        if refusal is not None:
            message, wait = refusal
            log.info('citizen idea for unit %s from %s refused: %s', unit.id, address, message)
            return _form(t, unit, token, status=429, values=values,
                         banner=t(message.replace('phone.', 'citizen.'), minutes=max(1, round(wait / 60))))
        problems, warning = _check(t, title, description, email)
        if problems:
            log.info('citizen idea for unit %s refused: %s', unit.id, ', '.join(p.key for p in problems))
            return _form(t, unit, token, status=422, values=values, problems=problems, warning=warning,
                         banner='' if warning else t('citizen.fix_errors'))

        budgets.take(sources)
        try:  # checked above as receive checks it: a RuleViolation here is a bug, answered like a failed write
            await context.store.run(citizens.receive, context.store, unit.id, title, description, email)
        except (StoreWriteError, QueueFull, RuleViolation):
            budgets.give_back(sources)
            log.exception('citizen idea for unit %s could not be stored', unit.id)
            return _form(t, unit, token, status=503, values=values, banner=t('citizen.unavailable'))
        return RedirectResponse(f'/i/{token}?sent={2 if email else 1}', status_code=303, headers=HEADERS)

    return routes


def _check(t: Translator, title: str, description: str, email: str) -> tuple[list[Problem], str]:
    """What is wrong with the idea, and the warning to show above the form (personal data) if that is it."""
    problems = validate_citizen_idea(title, description, email)
    if problems:
        return problems, ''
    # the idea's texts, each on its own (the address field is an address by nature: not checked)
    personal = [Problem(field, 'citizen.personal_field',
                        {'kinds': _join(t, [t(f'phone.personal_kind.{kind.value}') for kind in found])})
                for field, text in (('title', title), ('description', description))
                if (found := find_personal_data(text))]
    return personal, t('citizen.personal_text') if personal else ''


def _units(context: AppContext) -> frozenset[str]:
    return frozenset(u.id for u in context.store.organisation.units)


def _form(t: Translator, unit: Unit, token: str, *, status: int = 200, values: dict[str, str] | None = None,
          problems: list[Problem] | tuple[Problem, ...] = (), banner: str = '', warning: str = '') -> HTMLResponse:
    shown = dict.fromkeys(_FIELDS, '') | (values or {})
    errors: dict[str, str | None] = dict.fromkeys(_FIELDS)
    for problem in problems:
        if problem.field in errors and not errors[problem.field]:
            errors[problem.field] = t(problem.key, **problem.params)
    return render(t, 'citizen_form.html', title=t('citizen.title', unit=unit.name), status=status, unit=unit,
                  token=token, values=shown, errors=errors, banner=banner, warning=warning, title_max=TITLE_MAX)


def _join(t: Translator, items: list[str]) -> str:
    if len(items) < 2:
        return ''.join(items)
    return f'{", ".join(items[:-1])} {t("phone.and")} {items[-1]}'
