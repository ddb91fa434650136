"""Delivers the outbox: claims due items, respects Teams' limits, retries what may be retried.

Retried: 412, 429, 502, 503, 504 (Retry-After honoured, else exponential backoff with jitter)
and network errors/time-outs (a time-out is ambiguous: the post may have arrived; retrying it
risks a duplicate, not retrying risks a loss — we retry). Final: 400, 401, 403, 404 and
other answers; a 403/404 from a channel marks it inactive and tells the Rake channel once.

The running worker is a pipeline: a feeder keeps a small queue of claimed items (a fifth of a
second of sending at the allowed rate) topped up while senders take from it, each waiting for
the limiter's evenly paced slot, then committing ``sending`` and making the call at once — so
there is no gap between batches and about one call is on the wire at any moment. Once a
second the feeder renews its claims, takes over the claims of workers that are provably gone
(a restarted process resumes their work at once) and recovers expired leases.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from datetime import timedelta
from typing import Any

from botframework.connector.models import ErrorResponseException
from msrest.exceptions import ClientRequestError

from bot.access import rake_channel
from bot.logs import exception_summary
from bot.proactive import RETRYABLE, Messenger, retry_delay, status_of
from bot.ratelimit import RateLimiter
from bot.scheduler import BackgroundLoop
from bot.services import Services
from cards.common import Ctx
from cards.welcome import notice_card
from i18n import resolve_lang
from storage.conversations import Reference
from storage.db import utcnow
from storage.outbox import Item, Presence
from storage.teams import TeamRepository

log = logging.getLogger(__name__)
# A dead worker's claims come back after the lease; claims are small (a fifth of a second of
# sending at the allowed rate), so a short lease suffices.
LEASE = timedelta(seconds=3)
UPKEEP_S = 1.0  # renew claims, take over gone workers' claims, recover expired leases


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), None if unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def new_worker_id() -> str:
    """host:pid:start:random — so a worker on the same host can tell that a claimant is gone."""
    pid = os.getpid()
    return f"{socket.gethostname()[:24]}:{pid}:{_start_ticks(pid) or '-'}:{uuid.uuid4().hex[:8]}"


def process_gone(worker: str) -> bool:
    """True only when provable from here: the claimant ran on this host (same name) and its
    process no longer exists, or that pid now belongs to a process started at another time."""
    parts = worker.split(":")
    if len(parts) != 4 or parts[0] != socket.gethostname()[:24] or parts[2] == "-":
        return False
    if len(socket.gethostname()) > 24 or not parts[1].isdigit():
        return False  # a truncated host name proves nothing
    if int(parts[1]) == os.getpid():
        return parts[2] != _start_ticks(os.getpid())
    if not os.path.exists("/proc/self/stat"):
        return False
    return _start_ticks(int(parts[1])) != parts[2]


def reference_payload(ref: Reference) -> dict[str, Any]:
    return dict(ref.__dict__)


class OutboxWorker:
    def __init__(
        self,
        services: Services,
        messenger: Messenger,
        limiter: RateLimiter,
        concurrency: int = 8,
        batch: int = 50,
    ) -> None:
        self._s = services
        self._messenger = messenger
        self._limiter = limiter
        self.outbox = services.outbox
        self._teams = TeamRepository(services.db)
        self.worker_id = new_worker_id()
        self._presence = Presence(services.db, self.worker_id)
        self._concurrency = concurrency
        self._batch = max(1, min(batch, int(limiter.app_rate // 5)))
        self._loop_task = BackgroundLoop("rake-outbox")
        self._wake = asyncio.Event()
        self._taken = asyncio.Event()
        # Items this worker holds (queued or being delivered); only these are renewed, so an
        # item dropped by an error comes back when its lease ends.
        self._held: set[int] = set()

    def wake(self) -> None:
        self._wake.set()

    async def upkeep(self) -> None:
        """Renew this worker's claims, take over those of gone workers, recover expired ones."""
        await self._presence.ensure()
        await self.outbox.renew(self.worker_id, LEASE, sorted(self._held))
        for owner in await self.outbox.claimants():
            if owner == self.worker_id:
                continue
            gone = await self.outbox.presence_gone(owner)
            if gone or (gone is None and process_gone(owner)):
                back, unsure = await self.outbox.take_over(owner)
                if back or unsure:
                    log.warning(
                        "took over a gone worker's claims: %d back to pending, %d uncertain",
                        back,
                        unsure,
                    )
        await self.outbox.recover()

    async def run_once(self) -> int:
        """Recover, then claim and send one batch. Returns items handled."""
        await self.upkeep()
        items = await self.outbox.claim(self.worker_id, self._batch, LEASE)
        if not items:
            return 0
        gate = asyncio.Semaphore(self._concurrency)

        async def one(item: Item) -> None:
            async with gate:
                await self._deliver(item)

        await asyncio.gather(*(one(item) for item in items))
        return len(items)

    async def drain(self, max_rounds: int = 1000) -> None:
        """Send until nothing is due now (tests, the CLI tick)."""
        for _ in range(max_rounds):
            if await self.run_once() == 0:
                return

    async def _deliver(self, item: Item) -> None:
        self._held.add(item.id)
        try:
            await self._deliver_held(item)
        finally:
            self._held.discard(item.id)

    async def _deliver_held(self, item: Item) -> None:
        await self._limiter.acquire(item.conversation_key)
        if not await self.outbox.start_sending(item.id, self.worker_id, LEASE):
            return  # the lease was lost (this worker was too slow); someone else has it
        attempts = item.attempts + 1
        target = Reference(**item.payload["target"])
        activity_id: str | None = None
        try:
            if item.kind == "update":
                result = await self._update(item, target)
            elif target.scope == "channel":
                result, activity_id = await self._messenger.post_to_channel_ids(
                    target, item.payload["card"]
                )
            else:
                result = await self._messenger.send_personal(target, item.payload["card"])
        except ErrorResponseException as exc:
            status = status_of(exc)
            self._count(item, "retry" if status in RETRYABLE else "failed")
            await self._failed(item, attempts, exc, status)
            return
        except (ClientRequestError, TimeoutError, OSError) as exc:  # no answer: again later
            self._count(item, "retry")
            await self.outbox.retry(
                item.id, attempts, retry_delay(exc, attempts), exception_summary(exc)
            )
            return
        except Exception as exc:  # a bug or a malformed payload: do not loop on it
            self._count(item, "failed")
            log.error("outbox item %d failed: %s", item.id, exception_summary(exc))
            await self.outbox.failed(item.id, exception_summary(exc))
            return
        self._count(item, "superseded" if result == "superseded" else "sent")
        await self.outbox.sent(item.id, result, activity_id)

    def _count(self, item: Item, result: str) -> None:
        self._s.metrics.inc(
            "rake_deliveries_total",
            "Delivery attempts by kind and result",
            kind=item.kind,
            result=result,
        )

    async def _update(self, item: Item, target: Reference) -> str | None:
        """Replace a posted card; skipped when a later update of the same card is queued."""
        supersede = item.payload.get("supersede_prefix")
        if supersede and await self.outbox.newer_exists(supersede, item.id):
            return "superseded"
        await self._messenger.update_card(
            target,
            item.payload["conversation_id"],
            item.payload["activity_id"],
            item.payload["card"],
        )
        return item.payload["activity_id"]

    async def _failed(self, item: Item, attempts: int, exc: Exception, status: int | None) -> None:
        error = f"HTTP {status}"
        if status in RETRYABLE:
            await self.outbox.retry(item.id, attempts, retry_delay(exc, attempts), error)
            return
        await self.outbox.failed(item.id, error)
        target = item.payload["target"]
        if status in (403, 404) and target["scope"] == "channel":
            if await self._teams.channel_inactive(target["owner_id"], str(status)):
                await self._tell_rake_channel(item, str(status))

    async def _tell_rake_channel(self, item: Item, reason: str) -> None:
        county = self._s.county
        ref = await rake_channel(self._s)
        if ref is None:
            log.warning("a channel went inactive and no Rake channel is known")
            return
        target = item.payload["target"]
        ctx = Ctx(resolve_lang(county.languages[0]), self._s.catalog, county)
        team = await self._teams.get(target.get("team_id") or "")
        channel = item.payload.get("channel_name") or target["owner_id"]
        card = notice_card(
            ctx,
            "channel.inactive",
            team=(team.name if team else None) or "–",
            channel=channel,
            reason=reason,
        )
        await self.outbox.add(
            f"channel-inactive:{target['owner_id']}",
            "notice",
            ref.owner_id,
            {"target": reference_payload(ref), "card": card},
        )

    async def _send_from(self, queue: asyncio.Queue[Item]) -> None:
        while True:
            item = await queue.get()
            self._taken.set()
            try:
                await self._deliver(item)
            except Exception as exc:  # the database away: the lease brings the item back
                log.error("outbox delivery failed: %s", exception_summary(exc))

    async def _idle_wait(self, idle_s: float) -> None:
        """Until woken by an enqueue, the next retry is due, or idle_s passed."""
        due = await self.outbox.next_due()
        wait = idle_s
        if due is not None:
            wait = min(idle_s, max(0.02, (due - utcnow()).total_seconds()))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._wake.wait(), wait)

    async def _loop(self, idle_s: float) -> None:
        queue: asyncio.Queue[Item] = asyncio.Queue()
        senders = [asyncio.ensure_future(self._send_from(queue)) for _ in range(self._concurrency)]
        next_upkeep = 0.0
        try:
            while True:
                try:
                    if time.monotonic() >= next_upkeep:
                        await self.upkeep()
                        next_upkeep = time.monotonic() + UPKEEP_S
                    room = self._batch - queue.qsize()
                    if room * 2 < self._batch:  # enough queued: wait until senders take some
                        self._taken.clear()
                        with contextlib.suppress(asyncio.TimeoutError):
                            await asyncio.wait_for(self._taken.wait(), UPKEEP_S)
                        continue
                    self._wake.clear()
                    items = await self.outbox.claim(self.worker_id, room, LEASE)
                    for item in items:
                        self._held.add(item.id)
                        queue.put_nowait(item)
                    if not items and queue.empty():
                        await self._idle_wait(idle_s)
                    elif not items:
                        self._taken.clear()
                        with contextlib.suppress(asyncio.TimeoutError):
                            await asyncio.wait_for(self._taken.wait(), UPKEEP_S)
                except Exception as exc:  # the database may be away for a moment
                    log.error("outbox round failed: %s", exception_summary(exc))
                    await asyncio.sleep(min(idle_s, UPKEEP_S))
        finally:
            for sender in senders:
                sender.cancel()
            await asyncio.gather(*senders, return_exceptions=True)

    def start(self, idle_s: float = 2.0) -> None:
        self._loop_task.start(self._loop(idle_s))

    async def stop(self) -> None:
        await self._loop_task.stop()
        try:
            released = await self.outbox.release(self.worker_id)
        except Exception as exc:  # the database may be the reason we are stopping
            log.warning("could not release outbox claims: %s", exception_summary(exc))
            return
        if released:
            log.info("released %d outbox claims", released)
        await self._presence.release()
