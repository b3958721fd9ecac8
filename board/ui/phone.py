"""The phone page at ``/p/<token>``: staff scan a board's QR code and send an idea. No app, no account.

It is a plain HTML form (GET shows it, POST sends it, then a redirect shows the thanks) rather than a NiceGUI
page: phones lock their screens in the middle of typing, and a websocket page would reload after its timeout and
lose the text; a form keeps it, works without JavaScript and costs the hub one request per idea. Every piece of
user text is escaped; the page runs no script at all (its Content-Security-Policy forbids it).

The page shows the unit's name and its goals' names, nothing else of the board.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..domain import TITLE_MAX, CardFields, Goal, Origin, Problem, RuleViolation, Unit, validate_card_fields
from ..i18n import Translator
from ..privacy import find_personal_data
from ..ratelimit import RateLimit
from ..store import StoreWriteError
from ..tokens import SubmissionTokens, TokenProblem
from .card_view import readable_colour
from .htmlpage import HEADERS, page, read_body, read_form, text_field
from .htmlpage import escape as _e

if TYPE_CHECKING:
    from ..app import AppContext

log = logging.getLogger(__name__)

COOKIE = 'board_phone'


def router(context: AppContext) -> APIRouter:
    """The phone page's routes; the hub includes them, tests can mount them on a bare FastAPI app."""
    if context.tokens is None:
        raise ValueError('the phone page needs the hub\'s tokens')
    tokens = context.tokens
    routes = APIRouter(include_in_schema=False)
    t = context.t
    settings = context.settings
    window = settings.phone_window_minutes * 60.0
    per_phone = RateLimit(settings.phone_ideas_per_window, window)
    per_unit = RateLimit(settings.phone_ideas_per_window * 10, window)

    def form_page(unit: Unit, token: str, *, status: int = 200, **options: object) -> HTMLResponse:
        body = _form(t, unit, context.store.goals(unit.id), token, **options)  # type: ignore[arg-type]
        return page(t, t('phone.title', unit=unit.name), body, status=status, extra_css=f'/p/{token}/goals.css')

    @routes.get('/p/{token}')
    def phone_form(token: str, request: Request, sent: int = 0) -> Response:
        unit = _unit_for(context, tokens, token)
        if unit is None:
            return _invalid(context, tokens, token)
        response = page(t, t('phone.sent_title'), _thanks(t, unit, token)) if sent else form_page(unit, token)
        if COOKIE not in request.cookies:
            response.set_cookie(COOKIE, secrets.token_urlsafe(16), max_age=365 * 24 * 3600, httponly=True,
                                samesite='lax', secure=request.url.scheme == 'https')
        return response

    @routes.get('/p/{token}/goals.css')
    def goal_colours(token: str) -> Response:
        unit = _unit_for(context, tokens, token)
        css = swatch_css(context.store.goals(unit.id)) if unit else ''
        return Response(css, media_type='text/css', headers={**HEADERS, 'Cache-Control': 'no-cache'})

    @routes.post('/p/{token}')
    async def phone_send(token: str, request: Request) -> Response:
        unit = _unit_for(context, tokens, token)
        if unit is None:
            return _invalid(context, tokens, token)
        body = await read_body(request)
        if body is None:
            return form_page(unit, token, status=413, banner=t('phone.too_large'))
        form = read_form(body)
        values = {k: form.get(k, '') for k in ('title', 'description', 'goal_id', 'name', 'quick_win')}
        fields = CardFields(title=values['title'], description=values['description'],
                            goal_id=values['goal_id'] or None, quick_win=values['quick_win'] == '1')

        client = request.cookies.get(COOKIE) or f'ip:{request.client.host if request.client else "?"}'
        wait = max(per_phone.retry_after(client), per_unit.retry_after(unit.id))
        if wait:
            minutes = max(1, round(wait / 60))
            return form_page(unit, token, status=429, values=values, banner=t('phone.rate_limited', minutes=minutes))
        problems = _problems(fields, values['name'], context.store.goals(unit.id))
        if problems:
            return form_page(unit, token, status=422, values=values, problems=problems, banner=t('phone.fix_errors'))
        found = find_personal_data(fields.title, fields.description, values['name'])
        if found and form.get('confirm_personal') != '1':
            kinds = _join(t, [t(f'phone.personal_kind.{kind.value}') for kind in found])
            return form_page(unit, token, values=values, warning=t('phone.personal_text', kinds=kinds))

        store = context.store
        try:
            await store.run(store.create_card, unit.id, fields, origin=Origin.PHONE, created_by=values['name'])
        except RuleViolation as refused:
            return form_page(unit, token, status=422, values=values, problems=list(refused.problems),
                             banner=t('phone.fix_errors'))
        except StoreWriteError:
            return form_page(unit, token, status=503, values=values, banner=t('phone.unavailable'))
        per_phone.record(client)
        per_unit.record(unit.id)
        return RedirectResponse(f'/p/{token}?sent=1', status_code=303, headers=HEADERS)

    return routes


def _unit_for(context: AppContext, tokens: SubmissionTokens, token: str) -> Unit | None:
    check = tokens.check(token, frozenset(u.id for u in context.store.organisation.units))
    if not check.ok:
        log.info('phone page refused a %s token for unit %s', check.problem, check.unit_id)
        return None
    return context.store.unit(check.unit_id or '')


def _invalid(context: AppContext, tokens: SubmissionTokens, token: str) -> Response:
    t = context.t
    check = tokens.check(token, frozenset(u.id for u in context.store.organisation.units))
    status = 410 if check.problem in (TokenProblem.EXPIRED, TokenProblem.REVOKED) else 404
    body = f'<h1>{_e(t("phone.invalid_heading"))}</h1><p class="lead">{_e(t("phone.invalid_text"))}</p>'
    return page(t, t('phone.invalid_heading'), body, status=status)


def _problems(fields: CardFields, name: str, goals: list[Goal]) -> list[Problem]:
    # the sender's name is checked like an owner's name; it is kept as who created the card
    return validate_card_fields(dataclasses.replace(fields.cleaned(), owner=name.strip()), goals)


# --- HTML -----------------------------------------------------------------------------------------------------------

def _thanks(t: Translator, unit: Unit, token: str) -> str:
    return (f'<h1>{_e(t("phone.sent_heading"))}</h1>'
            f'<p class="lead" role="status">{_e(t("phone.sent_text", unit=unit.name))}</p>'
            f'<p><a class="button" href="/p/{_e(token)}">{_e(t("phone.another"))}</a></p>')


def _form(t: Translator, unit: Unit, goals: list[Goal], token: str, *, values: dict[str, str] | None = None,
          problems: Iterable[Problem] = (), banner: str = '', warning: str = '') -> str:
    values = values or {}
    errors = {p.field: t(p.key, **p.params) for p in problems}
    errors['name'] = errors.pop('owner', '')
    other = [message for field, message in errors.items()
             if field not in ('title', 'description', 'name', 'goal_id') and message]
    banner = ' '.join([banner, *other]).strip()
    parts = [f'<h1>{_e(t("phone.heading", unit=unit.name))}</h1>',
             f'<p class="privacy" role="note"><strong>{_e(t("phone.privacy_title"))}</strong> '
             f'{_e(t("phone.privacy"))}</p>']
    if banner:
        parts.append(f'<p class="banner" role="alert">{_e(banner)}</p>')
    if warning:
        parts.append(f'<div class="warning" role="alert"><h2>{_e(t("phone.personal_heading"))}</h2>'
                     f'<p>{_e(warning)}</p></div>')
    parts.append(f'<form method="post" action="/p/{_e(token)}" accept-charset="utf-8">')
    parts.append(text_field('title', t('phone.field_title'), values.get('title', ''), errors.get('title'),
                             hint=t('phone.title_hint', max=TITLE_MAX)))
    parts.append(text_field('description', t('phone.field_description'), values.get('description', ''),
                             errors.get('description'), area=True))
    if goals:
        chosen = values.get('goal_id', '')
        options = [_radio('', t('phone.no_goal'), chosen == '', None)]
        options += [_radio(g.id, g.name, chosen == g.id, g.colour) for g in goals]
        goal_error = errors.get('goal_id')
        error_html = f'<p class="error" id="goal-error">{_e(goal_error)}</p>' if goal_error else ''
        parts.append(f'<fieldset><legend>{_e(t("phone.field_goal"))}</legend>{error_html}{"".join(options)}'
                     '</fieldset>')
    checked = ' checked' if values.get('quick_win') == '1' else ''
    parts.append(f'<label class="check"><input type="checkbox" name="quick_win" value="1"{checked}> '
                 f'<span>{_e(t("phone.field_quick_win"))}</span></label>')
    parts.append(text_field('name', t('phone.field_name'), values.get('name', ''), errors.get('name') or None,
                             hint=t('phone.name_hint')))
    if warning:
        parts.append('<input type="hidden" name="confirm_personal" value="1">')
        parts.append(f'<button type="submit">{_e(t("phone.send_anyway"))}</button>')
    else:
        parts.append(f'<button type="submit">{_e(t("phone.send"))}</button>')
    parts.append('</form>')
    return ''.join(parts)


def _radio(value: str, label: str, checked: bool, colour: str | None) -> str:
    swatch = (f'<span class="swatch swatch-{_e(value)}" aria-hidden="true"></span>' if colour
              else '<span class="swatch swatch-none" aria-hidden="true"></span>')
    return (f'<label class="radio"><input type="radio" name="goal_id" value="{_e(value)}"'
            f'{" checked" if checked else ""}> {swatch}<span>{_e(label)}</span></label>')


def _join(t: Translator, items: list[str]) -> str:
    if len(items) < 2:
        return ''.join(items)
    return f'{", ".join(items[:-1])} {t("phone.and")} {items[-1]}'


def swatch_css(goals: Iterable[Goal]) -> str:
    """Goal colours for the swatches; served as a stylesheet because the page allows no inline styles."""
    return '\n'.join(f'.swatch-{g.id} {{ background: {readable_colour(g.colour)}; }}' for g in goals)
