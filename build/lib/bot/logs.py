"""Logging: structured lines, never message or observation text."""

from __future__ import annotations

import json
import logging
import time
import traceback
from collections.abc import Awaitable, Callable

from botbuilder.core import Middleware, TurnContext

from bot.metrics import Metrics

_TYPES = frozenset(
    {"message", "invoke", "conversationUpdate", "installationUpdate", "messageReaction", "event"}
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("activity_type", "activity_name", "conversation_type", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, json_lines: bool) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("msrest").setLevel(logging.WARNING)


def exception_summary(exc: BaseException) -> str:
    """Type and stack of an exception without its message (which could quote user input)."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = " <- ".join(
        f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in reversed(frames[-6:])
    )
    return f"{type(exc).__name__} at {where}"


# Invoke names Teams sends; anything else is counted as "other" (no unbounded metric labels).
KNOWN_INVOKES = frozenset(
    {
        "adaptiveCard/action",
        "task/fetch",
        "task/submit",
        "composeExtension/fetchTask",
        "composeExtension/submitAction",
    }
)


class TurnLogger(Middleware):
    """One line per turn: type, invoke name, conversation type and duration. No text, no values.
    With metrics, also the turn count and latency by activity type and invoke name."""

    def __init__(self, metrics: Metrics | None = None) -> None:
        self._log = logging.getLogger("rake.turn")
        self._metrics = metrics

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable[None]]) -> None:
        started = time.perf_counter()
        try:
            await logic()
        finally:
            activity = context.activity
            seconds = time.perf_counter() - started
            if self._metrics is not None:
                name = activity.name if activity.name in KNOWN_INVOKES else ""
                kind = activity.type if activity.type in _TYPES else "other"
                self._metrics.observe(
                    "rake_turn_seconds",
                    "Turns handled and their latency",
                    seconds,
                    type=kind,
                    name=name or ("other" if activity.name else ""),
                )
            self._log.info(
                "turn",
                extra={
                    "activity_type": activity.type,
                    "activity_name": activity.name,
                    "conversation_type": activity.conversation.conversation_type
                    if activity.conversation
                    else None,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
