"""PostgreSQL login with a Microsoft Entra access token instead of a password.

Azure Database for PostgreSQL (flexible server) accepts an Entra access token as the password
of an Entra-mapped role. asyncpg asks for the password on every new connection when it is given
a callable; ``EntraPassword`` is that callable: it returns the cached token while it has more
than ``refresh_margin_s`` left and fetches a fresh one otherwise (one fetch at a time). Nothing
is stored in settings or files; the credential is the managed identity (or the developer's
``az login`` through DefaultAzureCredential).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)
SCOPE = "https://ossrdbms-aad.database.windows.net/.default"


class AsyncTokenCredential(Protocol):
    """What azure.identity.aio credentials offer (and what a test's fake offers)."""

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any: ...  # AccessToken


class EntraPassword:
    def __init__(
        self,
        credential: AsyncTokenCredential,
        refresh_margin_s: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._credential = credential
        self._margin = refresh_margin_s
        self._clock = clock
        self._token: str | None = None
        self._expires_on = 0.0
        self._lock = asyncio.Lock()
        self.fetched = 0  # how many tokens were fetched (metrics, tests)

    def _fresh(self) -> bool:
        return self._token is not None and self._expires_on - self._margin > self._clock()

    async def __call__(self) -> str:
        if self._fresh():
            assert self._token is not None
            return self._token
        async with self._lock:
            if not self._fresh():
                access = await self._credential.get_token(SCOPE)
                self._token, self._expires_on = access.token, float(access.expires_on)
                self.fetched += 1
                log.info(
                    "fetched a database access token (valid %.0f s)",
                    self._expires_on - self._clock(),
                )
        assert self._token is not None
        return self._token
