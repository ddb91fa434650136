"""Sliding-window limits for sends to Teams: per conversation 7/s, 60 per 30 s, 1 800 per hour;
per app and tenant 50/s (one process's share; with N replicas give each 50/N)."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

CONVERSATION_LIMITS = ((7, 1.0), (60, 30.0), (1800, 3600.0))


class Window:
    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self.stamps: deque[float] = deque()

    def wait(self, now: float) -> float:
        while self.stamps and self.stamps[0] <= now - self.seconds:
            self.stamps.popleft()
        if len(self.stamps) < self.limit:
            return 0.0
        return self.stamps[0] + self.seconds - now


class RateLimiter:
    def __init__(
        self,
        app_per_second: float = 50,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = asyncio.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self.app_rate = app_per_second
        self._app = Window(max(1, int(app_per_second)), 1.0)
        # Evenly paced, not in bursts of 50: fewer calls in flight at any moment, so a crash
        # leaves fewer sends whose fate is unknown. The pace is a schedule of slots, one every
        # 1/rate s: a send woken late (a busy loop, a sleep's overshoot) does not push every
        # later slot back, so the app keeps its rate; the sliding 1 s window above still caps
        # any second at the limit.
        self._interval = 1.0 / app_per_second
        self._next_slot = float("-inf")
        self._conversations: dict[str, list[Window]] = {}
        self._lock = asyncio.Lock()

    def _windows(self, key: str) -> list[Window]:
        windows = self._conversations.get(key)
        if windows is None:
            if len(self._conversations) > 50_000:  # forget conversations idle for an hour
                now = self._clock()
                self._conversations = {
                    k: w
                    for k, w in self._conversations.items()
                    if w[-1].stamps and w[-1].stamps[-1] > now - 3600
                }
            windows = [Window(n, s) for n, s in CONVERSATION_LIMITS]
            self._conversations[key] = windows
        return windows

    async def acquire(self, conversation_key: str) -> None:
        """Wait until one more send to this conversation fits every limit, then count it."""
        async with self._lock:
            windows = [self._app, *self._windows(conversation_key)]
            while True:
                now = self._clock()
                # late by less than a slot: keep the schedule (the next send comes sooner);
                # later than that (idle, stopped, held by a conversation's limit): start a new
                # schedule now, with no burst to catch up
                slot = self._next_slot if self._next_slot >= now - self._interval else now
                delay = max(slot - now, *(window.wait(now) for window in windows))
                if delay <= 0:
                    for window in windows:
                        window.stamps.append(now)
                    self._next_slot = slot + self._interval
                    return
                await self._sleep(delay)  # type: ignore[misc]
