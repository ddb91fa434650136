"""One log line (and metrics) per turn: the SDK's middleware, apart from the SDK-free logging."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from botbuilder.core import Middleware, TurnContext

from bot.metrics import Metrics

_TYPES = frozenset(
    {"message", "invoke", "conversationUpdate", "installationUpdate", "messageReaction", "event"}
)
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
