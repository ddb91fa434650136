"""Teams tab single sign-on: the token ``getAuthToken()`` gives the page, checked with PyJWT.

The signing keys are the tenant's, found through its OpenID metadata
(``{base}/{tid}/v2.0/.well-known/openid-configuration`` → ``jwks_uri``), fetched with aiohttp
(never a blocking call in the event loop), with a time-out, cached per tenant, and fetched again
when a token names a key we do not have (at most once a minute per tenant: a stream of forged
kids cannot make us hammer the provider). A token is accepted when its RS256 signature checks
against such a key, its issuer is the tenant's (``https://login.microsoftonline.com/{tid}/v2.0``,
or ``https://sts.windows.net/{tid}/`` for a v1 token) and the tenant is allowed, its audience is
the app id or the tab's ``api://<host>/botid-<app id>`` URI, ``scp`` includes
``access_as_user`` and it has not expired (a minute's leeway for clocks). The user is oid + tid.

Development only: a token signed with a key made by this process for the Playground's user, so
the desk opens in a plain browser (``DevTokens``). Production never has one.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import jwt

log = logging.getLogger(__name__)
SCOPE = "access_as_user"
LEEWAY_S = 60
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
DEV_ISSUER = DEV_AUDIENCE = "rake-desk-development"
DEV_TENANT = "00000000-0000-0000-0000-000000000000"


class TokenError(Exception):
    """The token is missing, malformed or not valid for this app (an HTTP 401)."""


@dataclass(frozen=True)
class DeskUser:
    oid: str
    tid: str
    name: str = ""


def v2_issuer(tid: str) -> str:
    return f"https://login.microsoftonline.com/{tid}/v2.0"


def v1_issuer(tid: str) -> str:
    return f"https://sts.windows.net/{tid}/"


@dataclass
class _Keys:
    keys: dict[str, jwt.PyJWK]
    fetched: float


@dataclass
class KeySource:
    """The signing keys of each tenant, from its OpenID metadata and JWKS."""

    base_url: str
    timeout_s: float = 5.0
    ttl_s: float = 6 * 3600
    refresh_every_s: float = 60.0
    max_tenants: int = 32
    clock: Callable[[], float] = time.monotonic
    fetches: int = 0
    _cache: dict[str, _Keys] = field(default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    _session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout_s)
            )
        return self._session

    async def key(self, tid: str, kid: str) -> jwt.PyJWK:
        entry = self._cache.get(tid)
        now = self.clock()
        if entry is not None and now - entry.fetched < self.ttl_s and kid in entry.keys:
            return entry.keys[kid]
        lock = self._locks.setdefault(tid, asyncio.Lock())
        async with lock:
            entry = self._cache.get(tid)
            now = self.clock()
            fresh = entry is not None and now - entry.fetched < self.ttl_s
            if entry is not None and fresh and kid in entry.keys:
                return entry.keys[kid]
            if entry is not None and fresh and now - entry.fetched < self.refresh_every_s:
                raise TokenError("unknown signing key")  # fetched just now: not ours
            entry = await self._fetch(tid)
        if kid not in entry.keys:
            raise TokenError("unknown signing key")
        return entry.keys[kid]

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with self._client().get(url) as response:
                if response.status != 200:
                    raise TokenError(f"key source answered {response.status}")
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("desk: signing keys unavailable: %s", type(exc).__name__)
            raise TokenError("signing keys unavailable") from None
        if not isinstance(body, dict):
            raise TokenError("key source answered nonsense")
        return body

    async def _fetch(self, tid: str) -> _Keys:
        self.fetches += 1
        base = self.base_url.rstrip("/")
        metadata = await self._get_json(f"{base}/{tid}/v2.0/.well-known/openid-configuration")
        jwks_uri = metadata.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
            raise TokenError("metadata without jwks_uri")
        jwks = await self._get_json(jwks_uri)
        keys: dict[str, jwt.PyJWK] = {}
        for item in jwks.get("keys") or []:
            if not isinstance(item, dict) or item.get("kty") != "RSA" or "kid" not in item:
                continue
            if item.get("use", "sig") != "sig":
                continue
            try:
                keys[str(item["kid"])] = jwt.PyJWK(item, algorithm="RS256")
            except jwt.PyJWTError:
                continue
        entry = _Keys(keys, self.clock())
        if tid not in self._cache and len(self._cache) >= self.max_tenants:
            oldest = min(self._cache, key=lambda t: self._cache[t].fetched)
            del self._cache[oldest]
        self._cache[tid] = entry
        log.info("desk: %d signing keys fetched for a tenant", len(keys))
        return entry


class DevTokens:
    """Development only: tokens for a local user, signed with a key this process made."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def issue(self, oid: str, name: str = "", hours: int = 12) -> str:
        now = int(time.time())
        claims = {
            "iss": DEV_ISSUER,
            "aud": DEV_AUDIENCE,
            "oid": oid,
            "tid": DEV_TENANT,
            "name": name,
            "scp": SCOPE,
            "iat": now,
            "exp": now + hours * 3600,
        }
        return jwt.encode(claims, self._key, algorithm="HS256")

    def check(self, token: str) -> DeskUser:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                audience=DEV_AUDIENCE,
                issuer=DEV_ISSUER,
                options={"require": ["exp", "oid"]},
            )
        except jwt.PyJWTError:
            raise TokenError("invalid development token") from None
        return DeskUser(str(claims["oid"]), DEV_TENANT, str(claims.get("name") or ""))


class TokenValidator:
    def __init__(
        self,
        app_id: str,
        resource: str,
        allowed_tenants: list[str],
        keys: KeySource,
        dev: DevTokens | None = None,
        leeway_s: float = LEEWAY_S,
    ) -> None:
        self.app_id = app_id
        self.resource = resource  # api://<host>/botid-<app id>
        self.allowed = {t.lower() for t in allowed_tenants}
        self.keys = keys
        self.dev = dev
        self.leeway_s = leeway_s

    async def validate(self, token: str) -> DeskUser:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenError("malformed token") from None
        if self.dev is not None and header.get("alg") == "HS256":
            return self.dev.check(token)
        if not self.app_id:
            raise TokenError("sign-in is not configured (no MicrosoftAppId)")
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            raise TokenError("unexpected token algorithm")
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise TokenError("malformed token") from None
        tid = unverified.get("tid")
        if not isinstance(tid, str) or not GUID.match(tid):
            raise TokenError("no tenant in the token")
        if self.allowed and tid.lower() not in self.allowed:
            raise TokenError("tenant not allowed")
        key = await self.keys.key(tid, header["kid"])
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=[self.app_id, self.resource],
                issuer=[v2_issuer(tid), v1_issuer(tid)],
                leeway=self.leeway_s,
                options={"require": ["exp", "iat", "iss", "aud", "oid", "tid"]},
            )
        except jwt.PyJWTError as exc:
            raise TokenError(f"token refused: {type(exc).__name__}") from None
        if SCOPE not in str(claims.get("scp", "")).split():
            raise TokenError("token without the access_as_user scope")
        name = claims.get("name") or claims.get("preferred_username") or ""
        return DeskUser(str(claims["oid"]), tid, str(name))
