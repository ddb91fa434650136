"""The CloudAdapter, fixed and made fast.

Two defects of botbuilder 4.17.1 are mended here:

* ``CloudAdapter.process`` serialises an invoke response body with msrest's serializer, which fails
  for the plain dicts that task/fetch, task/submit and Action.Execute answer with. ``RakeAdapter``
  serialises the body itself.
* For every turn the stock adapter builds a new ``ConnectorClient`` and a new ``UserTokenClient``;
  each build runs msrest's ``ClientRetryPolicy.__init__`` (a 999 × 500 list comprehension), about
  7 ms of CPU. ``CachingAuthentication`` keeps one connector client per (app id, service URL,
  audience) and creates the user-token client only when something uses it.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web
from botbuilder.core import Bot, InvokeResponse, TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)
from msrest.serialization import Deserializer, Model

from bot.keys import KeysUnavailable
from bot.sending import connector_pool, use_own_pool

log = logging.getLogger(__name__)

ClientKey = tuple[str, str, str]


def _app_id(claims: ClaimsIdentity | None) -> str:
    if claims is None:
        return ""
    return (
        claims.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM)
        or claims.get_claim_value(AuthenticationConstants.APP_ID_CLAIM)
        or ""
    )


class _CachingConnectorFactory(ConnectorFactory):
    def __init__(
        self,
        inner: ConnectorFactory,
        cache: dict[ClientKey, ConnectorClient],
        app_id: str,
        timeout_s: float,
        executor: ThreadPoolExecutor,
    ) -> None:
        self._inner = inner
        self._cache = cache
        self._app_id = app_id
        self._timeout_s = timeout_s
        self._executor = executor

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        key = (self._app_id, service_url, audience or "")
        client = self._cache.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            use_own_pool(client, self._executor, self._timeout_s)  # not the loop's 6 threads
            self._cache[key] = client
        return client


class _LazyUserTokenClient(UserTokenClient):
    """Builds the real user-token client on first use (sign-in flows only; the bot has none yet)."""

    def __init__(self, make: Callable[[], Awaitable[UserTokenClient]]) -> None:
        self._make = make
        self._client: UserTokenClient | None = None

    async def _real(self) -> UserTokenClient:
        if self._client is None:
            self._client = await self._make()
        return self._client

    async def get_user_token(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._real()).get_user_token(*args, **kwargs)

    async def get_sign_in_resource(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._real()).get_sign_in_resource(*args, **kwargs)

    async def sign_out_user(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._real()).sign_out_user(*args, **kwargs)

    async def get_token_status(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._real()).get_token_status(*args, **kwargs)

    async def get_aad_tokens(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._real()).get_aad_tokens(*args, **kwargs)

    async def exchange_token(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._real()).exchange_token(*args, **kwargs)


class CachingAuthentication(BotFrameworkAuthentication):
    """Delegates to the configured authentication; caches connectors, defers token clients."""

    def __init__(self, inner: BotFrameworkAuthentication, timeout_s: float = 10.0) -> None:
        self._inner = inner
        self._timeout_s = timeout_s
        self.connector_clients: dict[ClientKey, ConnectorClient] = {}
        self.executor = connector_pool()

    def _wrap(self, factory: ConnectorFactory | None, claims: ClaimsIdentity | None) -> Any:
        if factory is None:
            return None
        return _CachingConnectorFactory(
            factory, self.connector_clients, _app_id(claims), self._timeout_s, self.executor
        )

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        result = await self._inner.authenticate_request(activity, auth_header)
        result.connector_factory = self._wrap(result.connector_factory, result.claims_identity)
        return result

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        inner = self._inner.create_connector_factory(claims_identity)
        return self._wrap(inner, claims_identity)  # type: ignore[no-any-return]

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        return _LazyUserTokenClient(lambda: self._inner.create_user_token_client(claims_identity))

    def create_bot_framework_client(self) -> Any:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self._inner.get_originating_audience()  # type: ignore[no-any-return]

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)


def exc_reason(exc: BaseException) -> str:
    """The first argument of a refusal, cut short (the SDK's reasons name claims, never tokens)."""
    reason = exc.args[0] if exc.args else ""
    return f"{type(exc).__name__}: {str(reason)[:120]}"


class BadActivity(web.HTTPBadRequest):
    """A 400 with a plain reason in a JSON body."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            text=json.dumps({"error": reason}), content_type="application/json", reason=reason
        )


def serialise_invoke_body(body: Any) -> Any:
    """msrest models through their serializer; dicts, lists and scalars as they are."""
    if body is None:
        return None
    if isinstance(body, Model):
        return serializer_helper(body)
    return body


@functools.cache
def _activity_deserializer() -> Deserializer:
    # Model.deserialize builds a Deserializer, scanning the schema module, on every call.
    return Deserializer(Activity._infer_class_models())


def parse_activity(body: Any) -> Activity:
    """Validate the shape of an incoming activity enough to route it; raise BadActivity."""
    if not isinstance(body, dict):
        raise BadActivity("the body must be a JSON object (an activity)")
    activity_type = body.get("type")
    if not isinstance(activity_type, str) or not activity_type:
        raise BadActivity("the activity has no 'type'")
    if activity_type not in KNOWN_ACTIVITY_TYPES:
        raise BadActivity(f"unknown activity type {activity_type[:40]!r}")
    for key in ("conversation", "from", "recipient"):
        if key in body and not isinstance(body[key], dict):
            raise BadActivity(f"'{key}' must be an object")
    if not isinstance(body.get("serviceUrl"), str) or not body["serviceUrl"]:
        raise BadActivity("the activity has no 'serviceUrl'")
    try:
        activity: Activity = _activity_deserializer()("Activity", body)
        return activity
    except Exception as exc:  # msrest raises several kinds for malformed fields
        raise BadActivity("the activity could not be read") from exc


KNOWN_ACTIVITY_TYPES = frozenset(
    {
        "message",
        "conversationUpdate",
        "installationUpdate",
        "invoke",
        "event",
        "messageReaction",
        "messageUpdate",
        "messageDelete",
        "typing",
        "endOfConversation",
        "contactRelationUpdate",
        "deleteUserData",
        "suggestion",
        "trace",
        "handoff",
        "command",
        "commandResult",
    }
)


class RakeAdapter(CloudAdapter):
    def __init__(self, authentication: BotFrameworkAuthentication, timeout_s: float = 10.0) -> None:
        self.caching_authentication = CachingAuthentication(authentication, timeout_s)
        super().__init__(self.caching_authentication)

    def close(self) -> None:
        """Let the connector threads go (calls still on the wire end by their timeout)."""
        self.caching_authentication.executor.shutdown(wait=False, cancel_futures=True)

    async def process(  # type: ignore[override]
        self, request: web.Request, bot: Bot, ws_response: Any = None
    ) -> web.Response:
        if request.method != "POST":
            raise web.HTTPMethodNotAllowed(request.method, ["POST"])
        if request.content_type != "application/json":
            raise web.HTTPUnsupportedMediaType(
                text=json.dumps({"error": "Content-Type must be application/json"}),
                content_type="application/json",
            )
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise BadActivity("the body is not valid JSON") from exc
        activity = parse_activity(body)
        auth_header = request.headers.get("Authorization", "")
        try:
            invoke_response: InvokeResponse | None = await self.process_activity(
                auth_header, activity, bot.on_turn
            )
        except PermissionError as exc:
            log.warning("refused an activity: %s", exc_reason(exc))
            raise web.HTTPUnauthorized(
                text=json.dumps({"error": "unauthorized"}), content_type="application/json"
            ) from exc
        except KeysUnavailable as exc:  # cannot check the token now; Bot Framework retries
            log.warning("signing keys unavailable: the activity could not be checked")
            raise web.HTTPServiceUnavailable(
                text=json.dumps({"error": "signing keys unavailable"}),
                content_type="application/json",
                headers={"Retry-After": "10"},
            ) from exc
        if invoke_response is None:
            return web.Response(status=201)
        payload = serialise_invoke_body(invoke_response.body)
        if payload is None:
            return web.Response(status=invoke_response.status)
        return web.json_response(payload, status=invoke_response.status)

    async def send_invoke(self, context: TurnContext, body: Any, status: int = 200) -> None:
        """Leave an invoke response on the turn (what ActivityHandler does for its own handlers)."""
        await context.send_activity(
            Activity(type="invokeResponse", value=InvokeResponse(status=status, body=body))
        )
