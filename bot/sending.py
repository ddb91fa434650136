"""Calls to the Bot Connector on a thread pool of their own, each bounded by a timeout.

msrest sends with ``requests`` on the event loop's default executor (min(32, cores + 4) threads:
six on two cores, shared with DNS look-ups and anything else using it), and signs the session
(``MicrosoftAppCredentials.get_access_token``: an HTTP call when the token is due) right inside
the event loop. Twelve stalled connector calls delayed an unrelated user's reply by 39 s; Teams
gives up on a turn after 15 s.

``use_own_pool`` rebuilds a connector client's pipeline with the same policies, but

* token signing and the HTTP call both run on the bot's own ``ThreadPoolExecutor``, and
* each (queue wait included) is bounded by ``timeout_s`` with ``asyncio.wait_for``; a call that
  runs out raises msrest's ``ClientRequestError`` (what the outbox treats as "no answer, again
  later"). The thread of a stalled call is freed by requests' own socket timeout (the same
  value), so a burst of stalled calls holds at most their count of the pool's threads, and the
  default executor is never touched.
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from msrest.exceptions import ClientRequestError
from msrest.pipeline import AsyncHTTPPolicy, AsyncPipeline
from msrest.pipeline.async_requests import AsyncPipelineRequestsHTTPSender
from msrest.pipeline.universal import RawDeserializer
from msrest.universal_http.async_requests import (
    AsyncRequestsClientResponse,
    AsyncRequestsHTTPSender,
)

CONNECTOR_THREADS = 64


def connector_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=CONNECTOR_THREADS, thread_name_prefix="rake-connector")


async def _bounded(executor: ThreadPoolExecutor, timeout_s: float, call: Any) -> Any:
    future = asyncio.get_running_loop().run_in_executor(executor, call)
    try:
        return await asyncio.wait_for(future, timeout_s)
    except TimeoutError as exc:
        raise ClientRequestError(f"no answer within {timeout_s:g} s") from exc
    except requests.RequestException as exc:
        raise ClientRequestError(f"request failed ({type(exc).__name__})") from exc


class _PooledSender(AsyncRequestsHTTPSender):  # type: ignore[misc]
    def __init__(self, config: Any, executor: ThreadPoolExecutor, timeout_s: float) -> None:
        super().__init__(config)
        self._executor = executor
        self._timeout_s = timeout_s

    async def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        requests_kwargs = self._configure_send(request, **kwargs)
        session = requests_kwargs.pop("session", self.session)
        call = functools.partial(session.request, request.method, request.url, **requests_kwargs)
        return AsyncRequestsClientResponse(
            request, await _bounded(self._executor, self._timeout_s, call)
        )


class _PooledCredentials(AsyncHTTPPolicy):  # type: ignore[misc]
    """Signs the session (may fetch a token over HTTP) on the pool instead of in the loop."""

    def __init__(self, credentials: Any, executor: ThreadPoolExecutor, timeout_s: float) -> None:
        super().__init__()
        self._credentials = credentials
        self._executor = executor
        self._timeout_s = timeout_s

    async def send(self, request: Any, **kwargs: Any) -> Any:
        session = request.context.session
        sign = functools.partial(self._credentials.signed_session, session)
        await _bounded(self._executor, self._timeout_s, sign)
        assert self.next is not None  # the pipeline links every policy to the next
        return await self.next.send(request, **kwargs)


def use_own_pool(client: Any, executor: ThreadPoolExecutor, timeout_s: float) -> None:
    """Give a msrest connector client (``botframework.connector.aio.ConnectorClient``) a pipeline
    that sends on ``executor`` with ``timeout_s``; its other policies are msrest's defaults."""
    config = client.config
    config.connection.timeout = timeout_s  # requests' connect and read timeouts (frees threads)
    policies: list[Any] = [config.user_agent_policy, RawDeserializer(), config.http_logger_policy]
    if config.credentials is not None:
        policies.insert(1, _PooledCredentials(config.credentials, executor, timeout_s))
    pipeline = AsyncPipeline(
        policies, AsyncPipelineRequestsHTTPSender(_PooledSender(config, executor, timeout_s))
    )
    config.pipeline = pipeline
