"""Signing in with the municipality's identity provider (Entra ID) over OpenID Connect: the protocol, no pages.

The authorisation code flow with PKCE (RFC 7636, S256), state and nonce, as the pages in ``board.ui.auth`` use it:

1. :meth:`OidcClient.new_flow` makes a flow: a random id, where to go afterwards and when it expires, signed with a
   key derived from the hub's secret and kept in a short-lived HttpOnly cookie, so the flow is bound to the browser
   that began it and the hub keeps nothing per attempt (no memory a stranger could fill). The state, the nonce and
   the PKCE code verifier are derived from the flow's id with that key: the verifier never leaves the hub.
2. :meth:`OidcClient.authorization_url`: the provider's authorisation endpoint (from its discovery document,
   ``<issuer>/.well-known/openid-configuration``) with the client id, the redirect URI, the scopes, the state, the
   nonce and the S256 code challenge.
3. :meth:`OidcClient.identity`: the code is exchanged at the token endpoint with the code verifier, and the ID token
   is checked: its signature with the provider's published keys (JWKS; fetched again once for an unknown key id,
   as after the provider rotated its keys), then issuer, audience, expiry and nonce. What comes out is the person:
   their subject, user name, name and groups.

Authlib makes the PKCE challenge and the authorisation address and checks the ID token's claims (``CodeIDToken``:
nonce, azp, at_hash); joserfc (Authlib's JOSE library) checks the signature. Every request to the provider goes
through httpx's async client with a timeout, so the event loop serves every screen meanwhile; Authlib 1.9 deprecates
its integration with httpx in favour of httpx2, and one HTTP library in the hub is enough. Whatever goes wrong is an
:class:`OidcError` with a kind for the page and the details for the log.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from .settings import OidcSettings
from .users import PROVIDER_PREFIX

__all__ = ['CALLBACK', 'FLOW_SECONDS', 'Flow', 'Identity', 'OidcClient', 'OidcError', 'client_secret']

log = logging.getLogger(__name__)

#: where the provider sends the browser back: the redirect URI of the app registration is <public_url> + this
CALLBACK = '/login/oidc/callback'
#: a sign-in must come back from the provider within this many seconds
FLOW_SECONDS = 600
#: the provider's discovery document is read again after this many seconds (its keys: also when one is unknown)
METADATA_SECONDS = 3600.0
#: the longest the hub waits for the provider, in seconds
TIMEOUT = 10.0
#: ID tokens must be signed with the provider's private key: never a shared secret (HS256) or none
_ASYMMETRIC = ('RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512')
_SECRET_FILE = 'oidc_client_secret'
_SECRET_VARIABLE = 'BOARD_OIDC_CLIENT_SECRET'
_PRINTABLE = re.compile(r'^[^\x00-\x20\x7f]{1,128}$')

Failure = Literal['unreachable', 'provider', 'token']


class OidcError(Exception):
    """A sign-in that cannot go on. ``kind``: the provider cannot be reached (``unreachable``), it answered with an
    error or nonsense (``provider``), or its ID token did not pass the checks (``token``); the message is for the log.
    """

    def __init__(self, kind: Failure, message: str) -> None:
        super().__init__(message)
        self.kind: Failure = kind


@dataclass(frozen=True, slots=True)
class Flow:
    """One sign-in under way, kept in the browser's signed cookie."""
    id: str
    expires: float
    next_path: str


@dataclass(frozen=True, slots=True)
class Identity:
    """The person the provider vouched for, from a checked ID token."""
    subject: str
    #: the hub's user name: ``oidc:`` and the provider's user name (its ``sub`` if it gives none)
    username: str
    name: str
    groups: tuple[str, ...]
    #: the ID token named the groups elsewhere (Entra's "overage" for more than 200 groups): none could be read
    groups_elsewhere: bool = False


def client_secret(data_dir: Path, environ: Mapping[str, str] | None = None) -> str:
    """The app registration's client secret: ``BOARD_OIDC_CLIENT_SECRET``, else ``<data>/secrets/oidc_client_secret``
    ('' for none: a public client, PKCE alone). Never from the settings file, which is often readable by others."""
    env = os.environ if environ is None else environ
    if env.get(_SECRET_VARIABLE):
        return env[_SECRET_VARIABLE].strip()
    path = data_dir / 'secrets' / _SECRET_FILE
    try:
        return path.read_text(encoding='utf-8').strip()
    except FileNotFoundError:
        return ''


class OidcClient:
    """The hub as an OpenID Connect relying party of one provider (see the module's description)."""

    def __init__(self, settings: OidcSettings, *, redirect_uri: str, secret: str, key: bytes,
                 clock: Callable[[], float] = time.time, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.redirect_uri = redirect_uri
        self._secret = secret
        self._key = key
        self._clock = clock
        self._monotonic = monotonic
        self._metadata: dict[str, Any] | None = None
        self._metadata_read = 0.0
        self._keys: KeySet | None = None

    # --- the flow, in the browser's cookie -------------------------------------------------------------------------

    def new_flow(self, next_path: str) -> tuple[Flow, str]:
        """A new sign-in and its cookie's value."""
        flow = Flow(secrets.token_urlsafe(24), self._clock() + FLOW_SECONDS, next_path)
        payload = _b64(json.dumps({'f': flow.id, 'x': flow.expires, 'n': flow.next_path}).encode())
        return flow, f'{payload}.{self._sign(payload)}'

    def read_flow(self, cookie: str | None) -> Flow | None:
        """The flow in a cookie this hub signed and that has not expired; None for anything else."""
        if not cookie or len(cookie) > 4096:
            return None
        payload, _, signature = cookie.partition('.')
        if not hmac.compare_digest(signature.encode('utf-8', 'replace'), self._sign(payload).encode()):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + '=' * (-len(payload) % 4)))
            flow = Flow(str(data['f']), float(data['x']), str(data['n']))
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        return flow if self._clock() < flow.expires else None

    def state(self, flow: Flow) -> str:
        return self._derive('state', flow)

    def nonce(self, flow: Flow) -> str:
        return self._derive('nonce', flow)

    def code_verifier(self, flow: Flow) -> str:
        """43 characters of base64url (RFC 7636: 43 to 128 unreserved characters), known only to the hub."""
        return self._derive('verifier', flow)

    # --- the provider --------------------------------------------------------------------------------------------

    async def authorization_url(self, flow: Flow) -> str:
        metadata = await self._provider()
        return str(prepare_grant_uri(
            _endpoint(metadata, 'authorization_endpoint'), self.settings.client_id, 'code',
            redirect_uri=self.redirect_uri, scope=' '.join(self.settings.scopes), state=self.state(flow),
            nonce=self.nonce(flow), code_challenge=create_s256_code_challenge(self.code_verifier(flow)),
            code_challenge_method='S256'))

    async def identity(self, flow: Flow, code: str) -> Identity:
        """Exchange ``code`` (with the flow's code verifier) and check the ID token; raises :class:`OidcError`."""
        metadata = await self._provider()
        tokens = await self._exchange(metadata, flow, code)
        id_token = tokens.get('id_token')
        if not isinstance(id_token, str):
            raise OidcError('provider', 'the token endpoint answered without an ID token')
        access_token = tokens.get('access_token')
        claims = await self._checked_claims(metadata, id_token, nonce=self.nonce(flow),
                                            access_token=access_token if isinstance(access_token, str) else None)
        return self._identity(claims)

    async def _provider(self) -> dict[str, Any]:
        """The discovery document (read again after ``METADATA_SECONDS``), its issuer checked against ours."""
        if self._metadata is not None and self._monotonic() - self._metadata_read < METADATA_SECONDS:
            return self._metadata
        issuer = self.settings.issuer
        metadata = await self._get_json(f'{issuer}/.well-known/openid-configuration', 'the discovery document')
        if metadata.get('issuer') != issuer:
            raise OidcError('provider', f'the discovery document names the issuer {metadata.get("issuer")!r}, '
                                        f'not {issuer!r} as in [board.oidc] issuer')
        self._metadata, self._metadata_read, self._keys = metadata, self._monotonic(), None
        return metadata

    async def _exchange(self, metadata: Mapping[str, Any], flow: Flow, code: str) -> dict[str, Any]:
        form = {'grant_type': 'authorization_code', 'code': code, 'redirect_uri': self.redirect_uri,
                'code_verifier': self.code_verifier(flow), 'client_id': self.settings.client_id}
        headers = {'Accept': 'application/json'}
        if self._secret:
            methods = metadata.get('token_endpoint_auth_methods_supported') or ['client_secret_basic']
            if 'client_secret_post' in methods:
                form['client_secret'] = self._secret
            else:  # RFC 6749 2.3.1: each part form-urlencoded before Basic
                pair = f'{quote(self.settings.client_id, safe="")}:{quote(self._secret, safe="")}'
                headers['Authorization'] = 'Basic ' + base64.b64encode(pair.encode()).decode()
        url = _endpoint(metadata, 'token_endpoint')
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT) as client:
                response = await client.post(url, data=form, headers=headers)
        except httpx.HTTPError as error:
            raise OidcError('unreachable', f'the token endpoint {url} cannot be reached: {error!r}') from error
        body = _json(response)
        if response.status_code != 200 or body is None:
            detail = {k: body.get(k) for k in ('error', 'error_description')} if body else response.text[:300]
            raise OidcError('provider', f'the token endpoint {url} answered {response.status_code}: {detail}')
        return body

    async def _checked_claims(self, metadata: Mapping[str, Any], id_token: str, *, nonce: str,
                              access_token: str | None) -> dict[str, Any]:
        offered = metadata.get('id_token_signing_alg_values_supported') or ['RS256']
        registry = JWSRegistry(algorithms=[a for a in offered if a in _ASYMMETRIC] or ['RS256'])
        try:
            try:
                token = jwt.decode(id_token, await self._key_set(metadata), registry=registry)
            except InvalidKeyIdError:  # the provider may have rotated its keys since they were read
                token = jwt.decode(id_token, await self._key_set(metadata, again=True), registry=registry)
            claims = CodeIDToken(token.claims, token.header, options={
                'iss': {'essential': True, 'value': self.settings.issuer},
                'aud': {'essential': True, 'value': self.settings.client_id},
                'sub': {'essential': True}, 'exp': {'essential': True},
            }, params={'nonce': nonce, 'client_id': self.settings.client_id, 'access_token': access_token})
            claims.validate(leeway=60)
        except (JoseError, ValueError) as error:
            raise OidcError('token', f'the ID token was refused: {error!r}') from error
        return dict(claims)

    async def _key_set(self, metadata: Mapping[str, Any], *, again: bool = False) -> KeySet:
        if self._keys is None or again:
            url = _endpoint(metadata, 'jwks_uri')
            try:
                self._keys = KeySet.import_key_set(await self._get_json(url, 'the signing keys'))  # type: ignore[arg-type]
            except (JoseError, ValueError, TypeError) as error:
                raise OidcError('provider', f'the signing keys at {url} cannot be read: {error!r}') from error
        return self._keys

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT) as client:
                response = await client.get(url, headers={'Accept': 'application/json'})
        except httpx.HTTPError as error:
            raise OidcError('unreachable', f'{what} at {url} cannot be read: {error!r}') from error
        body = _json(response)
        if response.status_code != 200 or body is None:
            raise OidcError('provider', f'{what} at {url}: answered {response.status_code}, not a JSON object')
        return body

    def _identity(self, claims: Mapping[str, Any]) -> Identity:
        settings = self.settings
        subject = str(claims['sub'])
        given = claims.get(settings.username_claim)
        if isinstance(given, str) and _PRINTABLE.match(given.strip()):
            username = given.strip().casefold()
        else:
            log.warning('the ID token of %r has no usable %r claim: the user name is its subject', subject,
                        settings.username_claim)
            username = subject
        name = claims.get('name')
        found = claims.get(settings.groups_claim, [])
        groups = tuple(g for g in found if isinstance(g, str)) if isinstance(found, list) else ()
        names = claims.get('_claim_names')
        elsewhere = settings.groups_claim not in claims and isinstance(names, dict) and settings.groups_claim in names
        return Identity(subject=subject, username=PROVIDER_PREFIX + username,
                        name=name.strip()[:200] if isinstance(name, str) and name.strip() else username,
                        groups=groups, groups_elsewhere=elsewhere)

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, f'flow:{payload}'.encode(), hashlib.sha256).digest())

    def _derive(self, purpose: str, flow: Flow) -> str:
        return _b64(hmac.new(self._key, f'{purpose}:{flow.id}'.encode(), hashlib.sha256).digest())


def _endpoint(metadata: Mapping[str, Any], name: str) -> str:
    value = metadata.get(name)
    if not isinstance(value, str) or not value.startswith(('https://', 'http://')):
        raise OidcError('provider', f'the discovery document has no {name}')
    return value


def _json(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()
