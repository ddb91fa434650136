"""Bot Framework token validation whose signing keys never block the event loop.

botframework 4.17.1 fetches the OpenID metadata and the keys with a synchronous ``requests.get``
without a timeout, inside the event loop (``jwt_token_extractor._OpenIdMetadata``): with the key
endpoint unreachable one forged token froze the whole process, and an unknown ``kid`` was an
``IndexError`` (a 500). Here:

* ``SigningKeys`` fetches metadata and keys with aiohttp under a total timeout, keeps them for a
  day, refreshes on an unknown ``kid`` at most every five minutes, waits a little after a failed
  fetch before trying again (so a flood of forged tokens costs one fetch), lets concurrent
  requests share one fetch, and keeps serving the old keys when a refresh fails.
* ``RakeAuthentication`` is botframework's own parameterised authentication (issuer, signature,
  algorithm, expiry, endorsement of the channel, audience = our app id, service URL claim — all
  the SDK's code) with its ``JwtTokenExtractor`` given ``SigningKeys`` instead of the blocking
  metadata. Only channel tokens (issued by the Bot Framework) are accepted: the bot is a Teams
  bot and needs neither emulator nor skill tokens.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt
from botbuilder.integration.aiohttp import ConfigurationServiceClientCredentialFactory
from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticationConfiguration,
    AuthenticationConstants,
    ClaimsIdentity,
    JwtTokenExtractor,
    VerifyOptions,
)
from botframework.connector.auth._parameterized_bot_framework_authentication import (
    _ParameterizedBotFrameworkAuthentication,
)
from botframework.connector.auth.authenticate_request_result import AuthenticateRequestResult
from jwt.algorithms import RSAAlgorithm

log = logging.getLogger(__name__)

CHANNEL_METADATA_URL = AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL
MAX_DOCUMENT_BYTES = 512 * 1024


class KeysUnavailable(Exception):
    """The signing keys could not be fetched and none are known: the request cannot be checked
    (a 503 — Bot Framework retries — rather than a 500 or a hang)."""


@dataclass(frozen=True)
class SigningKey:
    """What botframework's ``JwtTokenExtractor`` reads from ``open_id_metadata.get(kid)``."""

    public_key: Any
    endorsements: list[str]


class SigningKeys:
    """The published signing keys of one OpenID metadata document, fetched asynchronously."""

    def __init__(
        self,
        metadata_url: str = CHANNEL_METADATA_URL,
        *,
        timeout_s: float = 5.0,
        max_age_s: float = 24 * 3600,
        unknown_kid_every_s: float = 300.0,
        retry_after_failure_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = metadata_url
        self._timeout_s = timeout_s
        self._max_age_s = max_age_s
        self._unknown_kid_every_s = unknown_kid_every_s
        self._retry_after_failure_s = retry_after_failure_s
        self._clock = clock
        self._keys: dict[str, SigningKey] = {}
        self._fetched_at: float | None = None
        self._failed_at: float | None = None
        self._inflight: asyncio.Task[None] | None = None
        self.fetches = 0  # attempts, for tests and metrics

    async def get(self, key_id: str | None) -> SigningKey:
        now = self._clock()
        if self._fetched_at is None or now - self._fetched_at > self._max_age_s:
            await self._refresh()
        key = self._keys.get(key_id or "")
        if (
            key is None
            and self._fetched_at is not None
            and self._clock() - self._fetched_at > self._unknown_kid_every_s
        ):
            await self._refresh()  # perhaps the keys were rotated
            key = self._keys.get(key_id or "")
        if key is not None:
            return key
        if not self._keys:
            raise KeysUnavailable("no signing keys could be fetched")
        raise PermissionError("the token's signing key is not published")

    async def _refresh(self) -> None:
        if self._inflight is None or self._inflight.done():
            if (
                self._failed_at is not None
                and self._clock() - self._failed_at < self._retry_after_failure_s
            ):
                return  # failed a moment ago: answer from what we have, at once
            self._inflight = asyncio.ensure_future(self._fetch())
        await asyncio.shield(self._inflight)

    async def _fetch(self) -> None:
        self.fetches += 1
        try:
            async with (
                asyncio.timeout(self._timeout_s),  # both requests together
                aiohttp.ClientSession() as session,
            ):
                metadata = await _get_json(session, self.url)
                keys = await _get_json(session, str(metadata["jwks_uri"]))
            parsed = dict(filter(None, map(_parse_key, keys["keys"])))
            if not parsed:
                raise ValueError("no usable keys")
        except Exception as exc:  # unreachable, slow, not JSON, not keys: all the same here
            self._failed_at = self._clock()
            log.warning(
                "signing keys could not be fetched (%s); %s",
                type(exc).__name__,
                "keeping the known keys" if self._keys else "no keys known",
            )
            return
        self._keys = parsed
        self._fetched_at = self._clock()
        self._failed_at = None


def _parse_key(jwk: Any) -> tuple[str, SigningKey] | None:
    """One RSA key of a JWKS, or None for anything else (one odd key does not spoil the set)."""
    if not isinstance(jwk, dict) or not jwk.get("kid") or jwk.get("kty") != "RSA":
        return None
    try:
        public_key = RSAAlgorithm.from_jwk(json.dumps(jwk))
    except (ValueError, TypeError, KeyError, jwt.PyJWTError):
        return None
    endorsements = jwk.get("endorsements")
    return str(jwk["kid"]), SigningKey(
        public_key, [str(e) for e in endorsements] if isinstance(endorsements, list) else []
    )


async def _get_json(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url) as response:
        response.raise_for_status()
        raw = await response.content.read(MAX_DOCUMENT_BYTES + 1)
        if len(raw) > MAX_DOCUMENT_BYTES:
            raise ValueError("document too large")
        return json.loads(raw)


class RakeAuthentication(_ParameterizedBotFrameworkAuthentication):
    """botframework's authentication for the public Azure cloud, with non-blocking keys."""

    def __init__(self, configuration: Any, keys: SigningKeys) -> None:
        super().__init__(
            validate_authority=True,
            to_channel_from_bot_login_url=AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX,
            to_channel_from_bot_oauth_scope=AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
            to_bot_from_channel_token_issuer=AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
            oauth_url=AuthenticationConstants.OAUTH_URL,
            to_bot_from_channel_open_id_metadata_url=keys.url,
            to_bot_from_emulator_open_id_metadata_url=keys.url,
            caller_id="urn:botframework:azure",
            credentials_factory=ConfigurationServiceClientCredentialFactory(configuration),
            auth_configuration=AuthenticationConfiguration(),
            http_client_factory=None,
        )
        self.keys = keys

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        try:
            return await super().authenticate_request(activity, auth_header or None)  # type: ignore[arg-type]
        except (PermissionError, KeysUnavailable):
            raise
        except jwt.PyJWTError as exc:  # malformed, badly signed or expired: the caller's fault
            raise PermissionError(f"invalid token ({type(exc).__name__})") from exc
        except Exception as exc:  # the SDK raises bare Exception for endorsements and algorithms
            raise PermissionError(f"token refused ({type(exc).__name__})") from exc

    async def _skill_validation_authenticate_channel_token(
        self, auth_header: str, channel_id: str
    ) -> ClaimsIdentity | None:
        raise PermissionError("skill tokens are not accepted")

    async def _emulator_validation_authenticate_emulator_token(
        self, auth_header: str, channel_id: str
    ) -> ClaimsIdentity | None:
        raise PermissionError("emulator tokens are not accepted")

    async def _government_channel_validation_authenticate_channel_token(
        self, auth_header: str, service_url: str, channel_id: str
    ) -> ClaimsIdentity | None:
        # The SDK's method of the same name, with our keys in its token extractor.
        if not auth_header:
            return None
        extractor = JwtTokenExtractor(
            VerifyOptions(
                issuer=[self._to_bot_from_channel_token_issuer],
                audience=None,  # checked below, by the SDK
                clock_tolerance=5 * 60,
                ignore_expiration=False,
            ),
            metadata_url=self.keys.url,
            allowed_algorithms=AuthenticationConstants.ALLOWED_SIGNING_ALGORITHMS,
        )
        extractor.open_id_metadata = self.keys
        parts = auth_header.split(" ")
        if len(parts) != 2:
            raise PermissionError("the Authorization header is not 'Bearer <token>'")
        identity = await extractor.get_identity(
            schema=parts[0],
            parameter=parts[1],
            channel_id=channel_id,
            required_endorsements=self._auth_configuration.required_endorsements,
        )
        await self._government_channel_validation_validate_identity(identity, service_url)
        return identity
