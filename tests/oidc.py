"""A local OpenID provider for tests: OpenID metadata and a JWKS served over real HTTP on
127.0.0.1, and tokens signed with its RSA key, so the bot's real validation code (botframework's
for /api/messages, the desk's for /desk/api) fetches keys and checks signatures as in Azure.

    async with OpenIdProvider() as idp:
        token = idp.token({"aud": APP_ID, "iss": idp.issuer, ...})
        idp.metadata_url            # Bot Framework style: /v1/.well-known/openidconfiguration
        idp.tenant_metadata_url(t)  # Entra v2 style: /{tid}/v2.0/.well-known/openid-configuration

``rogue_token`` signs with a key the provider does not publish (same kid: a forged token).
``requests`` counts the metadata and key fetches, to test caching.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections import Counter
from typing import Any

import jwt
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class OpenIdProvider:
    def __init__(self, endorsements: list[str] | None = None) -> None:
        self.key = _new_key()
        self.kid = uuid.uuid4().hex
        self._rogue = _new_key()
        self.endorsements = endorsements or ["msteams"]
        self.requests: Counter[str] = Counter()
        self._server: TestServer | None = None

    # --- lifecycle -------------------------------------------------------------------------
    async def __aenter__(self) -> OpenIdProvider:
        app = web.Application()
        app.router.add_get("/v1/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._metadata)
        app.router.add_get("/keys", self._keys)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            await self._server.close()

    # --- addresses -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self._server is not None, "use 'async with OpenIdProvider()'"
        return str(self._server.make_url("")).rstrip("/")

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/v1/.well-known/openidconfiguration"

    def tenant_metadata_url(self, tenant: str) -> str:
        return f"{self.base_url}/{tenant}/v2.0/.well-known/openid-configuration"

    @property
    def issuer(self) -> str:
        return "https://api.botframework.com"

    # --- tokens ----------------------------------------------------------------------------
    def _sign(self, key: rsa.RSAPrivateKey, claims: dict[str, Any]) -> str:
        now = int(time.time())
        body = {"iat": now, "nbf": now - 5, "exp": now + 3600, **claims}
        return jwt.encode(body, key, algorithm="RS256", headers={"kid": self.kid})

    def token(self, claims: dict[str, Any]) -> str:
        """A token signed with the published key; ``claims`` override iat/nbf/exp."""
        return self._sign(self.key, claims)

    def rogue_token(self, claims: dict[str, Any]) -> str:
        """Signed with an unpublished key under the published kid: must be refused."""
        return self._sign(self._rogue, claims)

    # --- handlers --------------------------------------------------------------------------
    async def _metadata(self, request: web.Request) -> web.Response:
        self.requests["metadata"] += 1
        tenant = request.match_info.get("tenant")
        issuer = f"https://login.microsoftonline.com/{tenant}/v2.0" if tenant else self.issuer
        return web.json_response(
            {
                "issuer": issuer,
                "jwks_uri": f"{self.base_url}/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def _keys(self, request: web.Request) -> web.Response:
        self.requests["keys"] += 1
        public = self.key.public_key().public_numbers()
        return web.json_response(
            {
                "keys": [
                    {
                        "kty": "RSA",
                        "use": "sig",
                        "alg": "RS256",
                        "kid": self.kid,
                        "n": _b64(public.n),
                        "e": _b64(public.e),
                        "endorsements": self.endorsements,
                    }
                ]
            }
        )
