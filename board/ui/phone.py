"""The phone page at ``/p/<token>``: staff scan a board's QR code and send an idea. No app, no account.

It is a plain HTML form (GET shows it, POST sends it, then a redirect shows the thanks) rather than a NiceGUI
page: phones lock their screens in the middle of typing, and a websocket page would reload after its timeout and
lose the text; a form keeps it, works without JavaScript and costs the hub one request per idea. Every piece of
user text is escaped; the page runs no script at all (its Content-Security-Policy forbids it).

The page shows the unit's name and its goals' names, nothing else of the board.
"""

from __future__ import annotations

import dataclasses
import html
import logging
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..domain import TITLE_MAX, CardFields, Goal, Origin, Problem, RuleViolation, Unit, validate_card_fields
from ..i18n import Translator
from ..privacy import find_personal_data
from ..ratelimit import RateLimit
from ..store import StoreWriteError
from ..tokens import SubmissionTokens, TokenProblem
from .card_view import readable_colour

if TYPE_CHECKING:
    from ..app import AppContext

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # a title, a description of 4,000 characters and a name fit many times over
COOKIE = 'board_phone'
HEADERS = {
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',  # the token is in the address: never pass it on to another site
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
}


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
        return _page(t, t('phone.title', unit=unit.name), body, status=status, token=token)

    @routes.get('/p/{token}')
    def phone_form(token: str, request: Request, sent: int = 0) -> Response:
        unit = _unit_for(context, tokens, token)
        if unit is None:
            return _invalid(context, tokens, token)
        response = _page(t, t('phone.sent_title'), _thanks(t, unit, token)) if sent else form_page(unit, token)
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
        body = await _read_body(request)
        if body is None:
            return form_page(unit, token, status=413, banner=t('phone.too_large'))
        form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True, encoding='utf-8', errors='replace',
                                             max_num_fields=20).items()}
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
    return _page(t, t('phone.invalid_heading'), body, status=status)


async def _read_body(request: Request) -> str | None:
    """The urlencoded form body as text, or None if it is larger than MAX_BODY."""
    declared = request.headers.get('content-length', '')
    if declared.isdigit() and int(declared) > MAX_BODY:
        return None
    chunks = bytearray()
    async for chunk in request.stream():
        chunks += chunk
        if len(chunks) > MAX_BODY:
            return None
    return chunks.decode('latin-1')  # urlencoded bodies are ASCII; parse_qs decodes the %-escapes as UTF-8


def _problems(fields: CardFields, name: str, goals: list[Goal]) -> list[Problem]:
    # the sender's name is checked like an owner's name; it is kept as who created the card
    return validate_card_fields(dataclasses.replace(fields.cleaned(), owner=name.strip()), goals)


# --- HTML -----------------------------------------------------------------------------------------------------------

def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _page(t: Translator, title: str, body: str, *, status: int = 200, token: str = '') -> HTMLResponse:
    language = 'en' if t.language == 'en' else 'nb'
    goal_css = f'<link rel="stylesheet" href="/p/{_e(token)}/goals.css">' if token else ''
    document = (f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
                '<meta name="viewport" content="width=device-width, initial-scale=1">'
                f'<title>{_e(title)}</title><link rel="stylesheet" href="/assets/phone.css">{goal_css}'
                '<link rel="icon" href="/assets/favicon.svg"></head>'
                f'<body><main>{body}</main></body></html>')
    return HTMLResponse(document, status_code=status, headers=HEADERS)


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
    parts.append(_text_field('title', t('phone.field_title'), values.get('title', ''), errors.get('title'),
                             hint=t('phone.title_hint', max=TITLE_MAX)))
    parts.append(_text_field('description', t('phone.field_description'), values.get('description', ''),
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
    parts.append(_text_field('name', t('phone.field_name'), values.get('name', ''), errors.get('name') or None,
                             hint=t('phone.name_hint')))
    if warning:
        parts.append('<input type="hidden" name="confirm_personal" value="1">')
        parts.append(f'<button type="submit">{_e(t("phone.send_anyway"))}</button>')
    else:
        parts.append(f'<button type="submit">{_e(t("phone.send"))}</button>')
    parts.append('</form>')
    return ''.join(parts)


def _text_field(name: str, label: str, value: str, error: str | None, *, hint: str = '', area: bool = False) -> str:
    described = ' '.join(x for x in (f'{name}-hint' if hint else '', f'{name}-error' if error else '') if x)
    attributes = f'id="{name}" name="{name}" autocomplete="off"'
    if described:
        attributes += f' aria-describedby="{described}"'
    if error:
        attributes += ' aria-invalid="true"'
    control = (f'<textarea {attributes} rows="5">{_e(value)}</textarea>' if area
               else f'<input type="text" {attributes} value="{_e(value)}">')
    return (f'<div class="field"><label for="{name}">{_e(label)}</label>'
            + (f'<p class="hint" id="{name}-hint">{_e(hint)}</p>' if hint else '')
            + control
            + (f'<p class="error" id="{name}-error">{_e(error)}</p>' if error else '')
            + '</div>')


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
