"""The HTTP perimeter: what every request passes before a handler, and every answer on its way out.

* ``guard_activity_body``: /api/messages bodies are refused early — wrong method or content type,
  a declared or streamed size over the limit (aiohttp stops reading at ``client_max_size``), JSON
  that does not parse (a 10 000-level nesting is a ``RecursionError`` in the parser), nesting
  deeper than ``MAX_JSON_DEPTH``, a non-object, an activity not from Teams (``channelId`` must be
  ``msteams``) or a user's activity without ``from.aadObjectId`` — each a 4xx with a JSON reason.
* ``rate_limit``: per-client token buckets for /metrics and /exports (429 with Retry-After).
* ``security_headers``: nosniff, no referrer, a closed CSP for API answers, frame-ancestors none,
  HSTS in production — on every answer, errors and 404s included; ``HeaderPolicy.override`` lets a
  route prefix (the Teams tab under /desk/) replace any of them, and a header a handler set itself
  is never replaced.
* ``user_id``: who a user is — the Entra object id, never the channel-specific ``from.id``.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.adapter import KNOWN_ACTIVITY_TYPES

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

MAX_JSON_DEPTH = 32
TEAMS_CHANNEL = "msteams"
USER_ACTIVITIES = frozenset({"message", "invoke", "messageReaction"})
EXPORT_TOKEN = re.compile(r"[A-Za-z0-9_.~-]{1,1024}")
ACTIVITY_BODY = web.RequestKey("rake_activity_body", dict[str, Any])


def _refuse(status: int, reason: str, headers: Mapping[str, str] | None = None) -> web.Response:
    level = logging.INFO if status in (405, 429) else logging.WARNING  # probes, busy scrapers
    log.log(level, "refused at the perimeter: %d %s", status, reason)  # our words, never input
    return web.json_response({"error": reason}, status=status, headers=headers)


# --- who the user is --------------------------------------------------------------------------
def user_id(activity: Any) -> str:
    """The user's Entra object id, or "" — never ``from.id`` (a channel-specific id that another
    channel could present for someone else)."""
    sender = getattr(activity, "from_property", None)
    aad = getattr(sender, "aad_object_id", None) if sender is not None else None
    return aad if isinstance(aad, str) else ""


def activity_refusal(body: dict[str, Any]) -> str | None:
    """Why an activity that parsed is still not one the bot takes, or None. (A body the adapter
    would not read as an activity is left to its own, more precise 400.)"""
    if body.get("type") not in KNOWN_ACTIVITY_TYPES or not isinstance(body.get("serviceUrl"), str):
        return None
    if any(key in body and not isinstance(body[key], dict) for key in ("from", "conversation")):
        return None
    if body.get("channelId") != TEAMS_CHANNEL:
        return "only Microsoft Teams activities are accepted"
    if body.get("type") in USER_ACTIVITIES:
        sender = body.get("from")
        aad = sender.get("aadObjectId") if isinstance(sender, dict) else None
        if not isinstance(aad, str) or not aad.strip():
            return "the activity has no from.aadObjectId"
    return None


# --- bodies -----------------------------------------------------------------------------------
def too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """True if containers nest deeper than ``limit`` (iterative: no recursion of our own)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def parse_json_body(raw: bytes) -> tuple[Any, str | None]:
    """(value, None) or (None, reason)."""
    try:
        value = json.loads(raw)
    except RecursionError:
        return None, f"the JSON nests deeper than {MAX_JSON_DEPTH} levels"
    except (ValueError, UnicodeDecodeError):
        return None, "the body is not valid JSON"
    if too_deep(value):
        return None, f"the JSON nests deeper than {MAX_JSON_DEPTH} levels"
    return value, None


def guard_activity_body(path: str, max_bytes: int) -> Any:
    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path != path:
            return await handler(request)
        if request.method != "POST":
            return _refuse(405, "only POST", {"Allow": "POST"})
        if request.content_type != "application/json":
            return _refuse(415, "Content-Type must be application/json")
        if request.content_length is not None and request.content_length > max_bytes:
            return _refuse(413, f"the body is larger than {max_bytes} bytes")
        try:
            raw = await request.read()  # stops with 413 past client_max_size, chunked too
        except web.HTTPRequestEntityTooLarge:
            return _refuse(413, f"the body is larger than {max_bytes} bytes")
        body, problem = parse_json_body(raw)
        if problem is not None:
            return _refuse(400, problem)
        if not isinstance(body, dict):
            return _refuse(400, "the body must be a JSON object (an activity)")
        refusal = activity_refusal(body)
        if refusal is not None:
            return _refuse(403, refusal)
        request[ACTIVITY_BODY] = body
        return await handler(request)

    return guard


def export_token_ok(token: str) -> bool:
    """Export tokens are URL-safe ASCII; anything else is not a link we made (a 404, not the
    ``compare_digest`` TypeError a non-ASCII token caused)."""
    return EXPORT_TOKEN.fullmatch(token) is not None


# --- rate limits ------------------------------------------------------------------------------
@dataclass
class RateRule:
    prefix: str
    per_second: float
    burst: float


@dataclass
class RateLimits:
    """Token buckets per (rule, client). Clients are the peer address, or in production the
    address the ingress appended last to X-Forwarded-For (earlier entries are the client's own)."""

    rules: list[RateRule]
    behind_proxy: bool = False
    max_clients: int = 10_000
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)

    def client(self, request: web.Request) -> str:
        if self.behind_proxy:
            forwarded = request.headers.get("X-Forwarded-For", "")
            last = forwarded.rsplit(",", 1)[-1].strip()
            if last:
                return last
        return request.remote or "unknown"

    def rule_for(self, path: str) -> RateRule | None:
        return next((rule for rule in self.rules if path.startswith(rule.prefix)), None)

    def take(self, rule: RateRule, client: str) -> float:
        """0 if allowed (a token taken), else the seconds until one is free."""
        now = self.clock()
        key = (rule.prefix, client)
        tokens, at = self._buckets.get(key, (rule.burst, now))
        tokens = min(rule.burst, tokens + (now - at) * rule.per_second)
        if tokens >= 1:
            if key not in self._buckets and len(self._buckets) >= self.max_clients:
                self._prune(now)
            self._buckets[key] = (tokens - 1, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1 - tokens) / rule.per_second

    def _prune(self, now: float) -> None:
        """Forget clients whose buckets have refilled (they are as if new); if all are busy,
        forget the oldest half — memory stays bounded under a flood of addresses."""
        full = [
            key
            for key, (tokens, at) in self._buckets.items()
            if tokens + (now - at) * self._rule_rate(key[0]) >= self._rule_burst(key[0])
        ]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self.max_clients:
            oldest = sorted(self._buckets, key=lambda k: self._buckets[k][1])
            for key in oldest[: len(oldest) // 2]:
                del self._buckets[key]

    def _rule_rate(self, prefix: str) -> float:
        return next(r.per_second for r in self.rules if r.prefix == prefix)

    def _rule_burst(self, prefix: str) -> float:
        return next(r.burst for r in self.rules if r.prefix == prefix)

    def middleware(self) -> Any:
        @web.middleware
        async def rate_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
            rule = self.rule_for(request.path)
            if rule is not None:
                wait = self.take(rule, self.client(request))
                if wait > 0:
                    return _refuse(
                        429, "too many requests", {"Retry-After": str(max(1, math.ceil(wait)))}
                    )
            return await handler(request)

        return rate_limit


# --- headers ----------------------------------------------------------------------------------
API_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


@dataclass
class HeaderPolicy:
    """The headers every answer gets; ``override(prefix, headers)`` changes some for a route
    prefix (a value of None drops that header there). Headers a handler set win over both."""

    production: bool = False
    _overrides: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)

    def override(self, prefix: str, headers: Mapping[str, str | None]) -> None:
        self._overrides.append((prefix, dict(headers)))
        self._overrides.sort(key=lambda entry: -len(entry[0]))  # the longest prefix first

    def headers_for(self, path: str) -> dict[str, str]:
        chosen: dict[str, str | None] = dict(API_HEADERS)
        if self.production:
            chosen["Strict-Transport-Security"] = HSTS
        for prefix, headers in self._overrides:
            if path.startswith(prefix):
                chosen.update(headers)
                break
        return {name: value for name, value in chosen.items() if value is not None}

    async def on_response_prepare(self, request: web.Request, response: web.StreamResponse) -> None:
        for name, value in self.headers_for(request.path).items():
            response.headers.setdefault(name, value)


# --- hook-up ----------------------------------------------------------------------------------
HEADER_POLICY = web.AppKey("header_policy", HeaderPolicy)
RATE_LIMITS = web.AppKey("rate_limits", RateLimits)
DEFAULT_RULES = (
    RateRule("/metrics", per_second=1.0, burst=20),  # a scrape every few seconds is plenty
    RateRule("/exports/", per_second=0.2, burst=10),  # an expert opening a few links
)


def install_perimeter(
    app: web.Application, *, production: bool, max_body_bytes: int, messages_path: str
) -> None:
    """Add the perimeter to an app not yet started: its middlewares run inside any already
    there (an outer error middleware still sees what they raise)."""
    limits = RateLimits(list(DEFAULT_RULES), behind_proxy=production)
    policy = HeaderPolicy(production=production)
    app[RATE_LIMITS] = limits
    app[HEADER_POLICY] = policy
    app.middlewares.append(limits.middleware())
    app.middlewares.append(guard_activity_body(messages_path, max_body_bytes))
    app.on_response_prepare.append(policy.on_response_prepare)
