"""The phone page at ``/p/<token>``: staff scan a board's QR code and send an idea. No app, no account.

It is a plain HTML form (GET shows it, POST sends it, then a redirect shows the thanks) rather than a NiceGUI
page: phones lock their screens in the middle of typing, and a websocket page would reload after its timeout and
lose the text; a form keeps it, works without JavaScript and costs the hub one request per idea. The pages are
autoescaping templates (``templates/phone_*.html``), so every piece of user text is escaped; the page runs no
script at all (its Content-Security-Policy forbids it).

The page shows the unit's name and its goals' names, nothing else of the board.

Limits (see :func:`router`) protect the units, not a sender: each source has its own budget, every one below the
unit's, so no single phone, address or flood can use up a unit's ideas for everybody else.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..domain import TITLE_MAX, CardFields, Goal, Origin, Problem, Unit, validate_card_fields
from ..i18n import Translator
from ..privacy import confirmation, find_personal_data
from ..ratelimit import RateLimit
from ..tokens import SubmissionTokens, TokenProblem
from .card_view import readable_colour
from .htmlpage import HEADERS, read_body, read_form, refuse_foreign, render
from .theme import safe_colour
from .writes import WRITE_FAILED, attempt

if TYPE_CHECKING:
    from ..context import AppContext

log = logging.getLogger(__name__)

COOKIE = 'board_phone'
#: one address (a staff Wi-Fi behind one NAT has many phones) may send this many times a phone's ideas, a unit
#: ten times as many: an address's budget stays below the unit's, so one address never uses it up
ADDRESS_FACTOR = 5
UNIT_FACTOR = 10
#: what a goal id must look like to name a swatch's class in the page and in goals.css (the store's rule for ids)
_GOAL_ID = re.compile(r'[a-z0-9][a-z0-9_-]{0,62}')


def router(context: AppContext) -> APIRouter:
    """The phone page's routes; the hub includes them, tests can mount them on a bare FastAPI app."""
    if context.tokens is None:
        raise ValueError('the phone page needs the hub\'s tokens')
    tokens = context.tokens
    routes = APIRouter(include_in_schema=False)
    t = context.t
    settings = context.settings
    budgets = Budgets(settings.phone_ideas_per_window, settings.phone_window_minutes * 60.0)
    cookie_key = tokens.derived_key('phone-cookie')

    def form_page(unit: Unit, token: str, *, status: int = 200, **options: object) -> HTMLResponse:
        return _form(t, unit, context.store.goals(unit.id), token, status=status, **options)  # type: ignore[arg-type]

    @routes.get('/p/{token}')
    def phone_form(token: str, request: Request, sent: int = 0) -> Response:
        unit = _unit_for(context, tokens, token)
        if unit is None:
            return _invalid(context, tokens, token)
        response = (render(t, 'phone_thanks.html', title=t('phone.sent_title'), unit=unit, token=token) if sent
                    else form_page(unit, token))
        if phone_id(cookie_key, request.cookies.get(COOKIE)) is None:  # none yet, or not one the hub signed
            response.set_cookie(COOKIE, new_phone_cookie(cookie_key), max_age=365 * 24 * 3600, httponly=True,
                                samesite='lax', secure=request.url.scheme == 'https')
        return response

    @routes.get('/p/{token}/goals.css')
    def goal_colours(token: str) -> Response:
        unit = _unit_for(context, tokens, token)
        css = swatch_css(context.store.goals(unit.id)) if unit else ''
        return Response(css, media_type='text/css', headers={**HEADERS, 'Cache-Control': 'no-cache'})

    @routes.post('/p/{token}')
    async def phone_send(token: str, request: Request) -> Response:
        refused = refuse_foreign(t, request)
        if refused is not None:
            return refused
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

        address = request.client.host if request.client else '?'
        sources = budgets.sources(unit.id, address, phone_id(cookie_key, request.cookies.get(COOKIE)))
        refusal = budgets.refusal(sources)
        if refusal is not None:
            message, wait = refusal
            log.info('phone idea for unit %s from %s refused: %s', unit.id, address, message)
            return form_page(unit, token, status=429, values=values,
                             banner=t(message, minutes=max(1, round(wait / 60))))
        problems = _problems(fields, values['name'], context.store.goals(unit.id))
        if problems:
            return form_page(unit, token, status=422, values=values, problems=problems, banner=t('phone.fix_errors'))
        found = find_personal_data(fields.title, fields.description, values['name'])
        confirm = confirmation(values['title'], values['description'], values['name'])
        if found and form.get('confirm_personal') != confirm:  # a text changed since the warning: checked again
            kinds = _join(t, [t(f'phone.personal_kind.{kind.value}') for kind in found])
            return form_page(unit, token, values=values, warning=t('phone.personal_text', kinds=kinds),
                             confirm=confirm)

        budgets.take(sources)  # counted before the write: ideas sent at the same moment are counted too
        store = context.store
        sent = await attempt(store, store.create_card, unit.id, fields, origin=Origin.PHONE, created_by=values['name'],
                             grouped=unit.id)
        if not sent.ok:
            budgets.give_back(sources)
        if sent.problems == (WRITE_FAILED,):
            return form_page(unit, token, status=503, values=values, banner=t('phone.unavailable'))
        if not sent.ok:
            return form_page(unit, token, status=422, values=values, problems=list(sent.problems),
                             banner=t('phone.fix_errors'))
        if context.metrics is not None:
            context.metrics.phone_ideas.inc()
        return RedirectResponse(f'/p/{token}?sent=1', status_code=303, headers=HEADERS)

    return routes


class Budgets:
    """How many ideas each source may send in a window: a phone, an address, a unit.

    A phone's own budget (``ideas``) needs the cookie the hub signed; a phone without one (cookies cleared, or a
    made-up one) is still answered, from one phone's budget that all such phones of its address share. Every
    idea also counts towards its address (``ADDRESS_FACTOR`` times a phone's: a staff Wi-Fi behind one NAT) and
    its unit (``UNIT_FACTOR`` times, against a photo of the code gone round). An address's budget is below the
    unit's, so no single source, however many cookies it makes up or fetches, can use up a unit's.
    """

    def __init__(self, ideas: int, window: float) -> None:
        self.per_phone = RateLimit(ideas, window)
        self.per_address = RateLimit(ideas * ADDRESS_FACTOR, window)
        self.per_unit = RateLimit(ideas * UNIT_FACTOR, window)

    def sources(self, unit_id: str, address: str, phone: str | None) -> list[tuple[RateLimit, str, str]]:
        """Each budget an idea counts towards: (the limit, the key, the message when it is used up)."""
        return [(self.per_phone, f'phone:{phone}' if phone else f'unsigned:{address}', 'phone.rate_limited'),
                (self.per_address, f'address:{address}', 'phone.rate_limited_network'),
                (self.per_unit, f'unit:{unit_id}', 'phone.rate_limited_unit')]

    @staticmethod
    def refusal(sources: list[tuple[RateLimit, str, str]]) -> tuple[str, float] | None:
        """The message and the seconds to wait if one of the budgets is used up; None if the idea may come."""
        for budget, key, message in sources:
            wait = budget.retry_after(key)
            if wait:
                return message, wait
        return None

    @staticmethod
    def take(sources: list[tuple[RateLimit, str, str]]) -> None:
        for budget, key, _ in sources:
            budget.record(key)

    @staticmethod
    def give_back(sources: list[tuple[RateLimit, str, str]]) -> None:
        for budget, key, _ in sources:
            budget.give_back(key)


def new_phone_cookie(key: bytes) -> str:
    """A phone's cookie: a random id and the hub's signature of it, ``<id>.<signature>``."""
    ident = secrets.token_urlsafe(12)
    return f'{ident}.{_signature(key, ident)}'


def phone_id(key: bytes, cookie: str | None) -> str | None:
    """The id in a phone cookie the hub signed; None for none, a made-up or a changed one."""
    if not cookie or len(cookie) > 64:
        return None
    ident, _, signature = cookie.partition('.')
    if not ident or not hmac.compare_digest(signature.encode('utf-8', 'replace'), _signature(key, ident).encode()):
        return None
    return ident


def _signature(key: bytes, ident: str) -> str:
    digest = hmac.new(key, ident.encode('utf-8', 'replace'), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:22]


def _unit_for(context: AppContext, tokens: SubmissionTokens, token: str) -> Unit | None:
    check = tokens.check(token, frozenset(u.id for u in context.store.organisation.units))
    if not check.ok:
        log.info('phone page refused a %s token for unit %s', check.problem, check.unit_id)
        return None
    return context.store.unit(check.unit_id or '')


def _invalid(context: AppContext, tokens: SubmissionTokens, token: str) -> Response:
    t = context.t
    units = frozenset(u.id for u in context.store.organisation.units)
    if context.citizen_tokens is not None and context.citizen_tokens.check(token, units).ok:
        # the citizens' public code (board.ui.citizen), on the staff's page: say which is which, and where to go
        return render(t, 'message.html', title=t('citizen.citizen_code_heading'), status=403,
                      heading=t('citizen.citizen_code_heading'), text=t('citizen.citizen_code_text'),
                      links=[(f'/i/{token}', t('citizen.citizen_code_link'))])
    check = tokens.check(token, frozenset(u.id for u in context.store.organisation.units))
    status = 410 if check.problem in (TokenProblem.EXPIRED, TokenProblem.REVOKED) else 404
    return render(t, 'message.html', title=t('phone.invalid_heading'), status=status,
                  heading=t('phone.invalid_heading'), text=t('phone.invalid_text'), links=[])


def _problems(fields: CardFields, name: str, goals: list[Goal]) -> list[Problem]:
    # the sender's name is checked like an owner's name; it is kept as who created the card
    return validate_card_fields(dataclasses.replace(fields.cleaned(), owner=name.strip()), goals)


# --- HTML -----------------------------------------------------------------------------------------------------------

def _form(t: Translator, unit: Unit, goals: list[Goal], token: str, *, status: int = 200,
          values: dict[str, str] | None = None, problems: Iterable[Problem] = (), banner: str = '',
          warning: str = '', confirm: str = '') -> HTMLResponse:
    shown = dict.fromkeys(('title', 'description', 'goal_id', 'name', 'quick_win'), '') | (values or {})
    # staff words, not the board's: an empty title on the phone is an idea not yet written, not a card
    errors = {p.field: t(_PHONE_WORDS.get(p.key, p.key), **p.params) for p in problems}
    errors['name'] = errors.pop('owner', '')
    other = [message for field, message in errors.items()
             if field not in ('title', 'description', 'name', 'goal_id') and message]
    banner = ' '.join([banner, *other]).strip()
    field_errors = {k: errors.get(k) or None for k in ('title', 'description', 'name', 'goal_id')}
    choices = [{'id': g.id, 'name': g.name, 'swatch': swatch_class(g)} for g in goals]
    return render(t, 'phone_form.html', title=t('phone.title', unit=unit.name), status=status,
                  extra_css=f'/p/{token}/goals.css', unit=unit, token=token, goals=choices, values=shown,
                  errors=field_errors, banner=banner, warning=warning, confirm=confirm, title_max=TITLE_MAX)


#: the board's messages that the phone page says in its own words
_PHONE_WORDS = {'error.title_empty': 'phone.title_empty'}


def swatch_class(goal: Goal) -> str:
    """The class of a goal's colour swatch: ``swatch-<id>``, or the grey one when the id or colour is not plain."""
    return f'swatch-{goal.id}' if _swatch_ok(goal) else 'swatch-none'


def _swatch_ok(goal: Goal) -> bool:
    return bool(_GOAL_ID.fullmatch(goal.id)) and safe_colour(goal.colour, '') == goal.colour


def _join(t: Translator, items: list[str]) -> str:
    if len(items) < 2:
        return ''.join(items)
    return f'{", ".join(items[:-1])} {t("phone.and")} {items[-1]}'


def swatch_css(goals: Iterable[Goal]) -> str:
    """Goal colours for the swatches; served as a stylesheet because the page allows no inline styles.

    Only a goal whose id and colour match the store's rules (``[a-z0-9][a-z0-9_-]{0,62}``, ``#rrggbb``) gets a
    rule; anything else is left out here, so nothing but a class name and a colour can reach the stylesheet.
    """
    return '\n'.join(f'.swatch-{g.id} {{ background: {readable_colour(g.colour)}; }}' for g in goals
                     if _swatch_ok(g))
