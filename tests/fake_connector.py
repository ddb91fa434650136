"""A local stand-in for the Bot Connector service (Teams' outbound API): records what the bot
sends and can answer 429 (with Retry-After), 5xx, 403 or hang, as scripted by a test."""

from __future__ import annotations

import asyncio
import json
import random
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Call:
    method: str
    path: str
    body: Any


@dataclass
class FakeConnector:
    calls: list[Call] = field(default_factory=list)
    script: deque[tuple[int, dict[str, str], str]] = field(default_factory=deque)
    hang_seconds: float = 0.0
    channels: list[dict[str, str]] = field(default_factory=list)  # a team's extra channels
    member_role: str = "user"
    throttle_fraction: float = 0.0  # this share of channel posts gets 429 + Retry-After
    retry_after: str = "1"
    delivered: dict[str, int] = field(default_factory=dict)  # channel id -> successful posts
    server: TestServer | None = None
    _ids: int = 0

    def fail_next(
        self, status: int, times: int = 1, headers: dict[str, str] | None = None, path: str = ""
    ) -> None:
        """The next `times` requests whose path or body contains `path` get `status`."""
        for _ in range(times):
            self.script.append((status, headers or {}, path))

    def _scripted(self, request_path: str, body: str) -> tuple[int, dict[str, str]] | None:
        for entry in self.script:
            if entry[2] in request_path or entry[2] in body:
                self.script.remove(entry)
                return entry[0], entry[1]
        return None

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/")).rstrip("/") + "/"

    def posts(self) -> list[Call]:
        """Messages sent into conversations (new, replies and updates)."""
        return [c for c in self.calls if c.method in ("POST", "PUT") and "/activities" in c.path]

    def cards(self) -> list[dict[str, Any]]:
        found = []
        for call in self.calls:
            body = call.body if isinstance(call.body, dict) else {}
            activity = body.get("activity", body)
            for attachment in activity.get("attachments") or []:
                found.append(attachment.get("content"))
        return found

    def texts(self) -> list[str]:
        out = []
        for call in self.calls:
            body = call.body if isinstance(call.body, dict) else {}
            if body.get("text"):
                out.append(body["text"])
        return out

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = raw.decode(errors="replace")
        self.calls.append(Call(request.method, request.path, body))
        if self.hang_seconds:
            await asyncio.sleep(self.hang_seconds)
        scripted = self._scripted(request.path, raw.decode(errors="replace"))
        if scripted is not None:
            status, headers = scripted
            return web.json_response(
                {"error": {"code": "Scripted", "message": "scripted failure"}},
                status=status,
                headers=headers,
            )
        self._ids += 1
        if request.method == "GET" and request.path.endswith("/conversations"):  # team channels
            team = request.path.split("/")[3]
            return web.json_response(
                {"conversations": [{"id": team, "name": None}, *self.channels]}
            )
        if request.method == "GET" and "/members/" in request.path:
            return web.json_response(
                {
                    "id": request.path.rsplit("/", 1)[1],
                    "name": "Jäsen",
                    "userRole": self.member_role,
                }
            )
        if request.path.rstrip("/").endswith("/v3/conversations"):
            if self.throttle_fraction and random.random() < self.throttle_fraction:
                return web.json_response(
                    {"error": {"code": "Throttled"}},
                    status=429,
                    headers={"Retry-After": self.retry_after},
                )
            channel = ((body or {}).get("channelData") or {}).get("channel", {}).get("id", "")
            self.delivered[channel] = self.delivered.get(channel, 0) + 1
            return web.json_response({"id": f"19:thread{self._ids}", "activityId": f"a{self._ids}"})
        return web.json_response({"id": f"activity-{self._ids}"})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.server = TestServer(app)
        await self.server.start_server()

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()
