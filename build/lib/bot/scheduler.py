"""Periodic jobs run by every replica (each job is safe to run concurrently: its writes are
idempotent). One failing job is logged and never stops the others or the next tick."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.logs import exception_summary

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every_s: float
    run: Callable[[], Awaitable[object]]


class BackgroundLoop:
    """One named asyncio task that runs until stopped (cancelled)."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._task: asyncio.Task[None] | None = None

    def start(self, coro: Awaitable[None]) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(coro)
            self._task.set_name(self._name)
        else:
            coro.close()  # type: ignore[attr-defined]

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


class Scheduler:
    def __init__(self, jobs: list[Job], tick_s: float = 15.0) -> None:
        self._jobs = jobs
        self._tick_s = tick_s
        self._last: dict[str, float] = {}
        self._loop_task = BackgroundLoop("rake-scheduler")

    async def tick(self, force: bool = False) -> dict[str, str]:
        """Run the jobs that are due (all of them with force); return each one's outcome."""
        outcomes: dict[str, str] = {}
        now = time.monotonic()
        for job in self._jobs:
            if not force and now - self._last.get(job.name, -1e9) < job.every_s:
                continue
            self._last[job.name] = now
            try:
                result = await job.run()
                outcomes[job.name] = f"ok {result}" if result is not None else "ok"
            except Exception as exc:  # the batch goes on
                outcomes[job.name] = f"failed: {exception_summary(exc)}"
                log.error("job %s failed: %s", job.name, exception_summary(exc))
        return outcomes

    async def _loop(self) -> None:
        while True:
            await self.tick()
            await asyncio.sleep(self._tick_s)

    def start(self) -> None:
        self._loop_task.start(self._loop())

    async def stop(self) -> None:
        await self._loop_task.stop()
