"""The outbox worker's pipeline, claim renewal and the take-over of a killed worker's claims,
on both databases; a real process is killed (SIGKILL), the connector is the fake."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from datetime import timedelta
from typing import Any

from bench.dialog import ROOT
from bot.app import OUTBOX_WORKER
from bot.outbox_worker import LEASE, new_worker_id, process_gone
from storage.db import Database, utcnow
from storage.outbox import Outbox
from tests.conftest import DatabaseFactory, start_bot
from tests.fake_connector import FakeConnector

# A worker in another process: holds its presence, claims two items, starts sending the first
# (then it is "on the wire"), says so and waits to be killed.
CLAIMANT = """
import asyncio, json, sys
from datetime import timedelta
from bot.outbox_worker import new_worker_id
from storage.db import Database
from storage.outbox import Outbox, Presence

async def main():
    url, args = json.loads(sys.argv[1])
    db = Database.from_url(url, connect_args=args)
    worker = new_worker_id()
    presence = Presence(db, worker)  # held (referenced) while the process lives
    await presence.ensure()
    outbox = Outbox(db)
    items = await outbox.claim(worker, 2, timedelta(minutes=10))
    assert await outbox.start_sending(items[0].id, worker, timedelta(minutes=10))
    print(worker, flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""


def claimant(url: str, args: dict[str, Any]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", CLAIMANT, json.dumps([url, args])], cwd=ROOT, stdout=subprocess.PIPE
    )


def personal(n: int, url: str) -> dict[str, Any]:
    target = {
        "scope": "personal",
        "owner_id": f"user-{n}",
        "conversation_id": f"a:conv-{n}",
        "service_url": url,
        "tenant_id": "tenant",
    }
    card = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": f"n{n}"}],
    }
    return {"target": target, "card": card}


async def test_a_killed_workers_claims_come_back_at_once_not_after_the_lease(
    databases: DatabaseFactory, connector: FakeConnector
) -> None:
    url, args = await databases.url_and_args()
    db = Database.from_url(url, connect_args=args)
    from storage.migrate import upgrade

    await upgrade(db)
    bot = await start_bot(db, connector)
    outbox = Outbox(db)
    proc = None
    try:
        for n in range(3):
            await outbox.add(f"k{n}", "notice", f"c{n}", personal(n, connector.url))
        proc = claimant(url, args)
        assert proc.stdout is not None
        owner = (await asyncio.to_thread(proc.stdout.readline)).decode().strip()
        assert owner, "the claimant did not start"
        worker = bot.app[OUTBOX_WORKER]
        assert not process_gone(owner) and not process_gone(worker.worker_id)
        await worker.upkeep()  # the claimant lives: its claims stay its own
        assert await outbox.counts() == {"claimed": 1, "sending": 1, "pending": 1}
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert process_gone(owner)
        for _ in range(50):  # PostgreSQL ends the dead process's session within moments
            await worker.upkeep()
            if (await outbox.counts()).get("claimed") is None:
                break
            await asyncio.sleep(0.1)
        # the lease (10 minutes) has not expired: this is the take-over, not the recovery
        assert await outbox.counts() == {"pending": 2, "uncertain": 1}
        assert await bot.settle() == {"sent": 2, "uncertain": 1}
        texts = sorted(c["body"][0]["text"] for c in connector.cards())
        assert texts == ["n1", "n2"]  # the one on the wire at the kill is not resent
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        await bot.client.close()
        await db.dispose()


async def test_a_live_worker_renews_its_claims(db: Database) -> None:
    outbox = Outbox(db)
    me = new_worker_id()
    for n in range(2):
        await outbox.add(f"k{n}", "notice", f"c{n}", {"target": {}, "card": {}})
    first, second = await outbox.claim(me, 2, timedelta(seconds=1))
    assert await outbox.start_sending(first.id, me, timedelta(seconds=1))
    assert await outbox.renew("someone-else", LEASE, [first.id, second.id]) == 0  # own only
    assert await outbox.renew(me, LEASE, [first.id, second.id]) == 2
    # two seconds on, the one-second lease would have expired; the renewed one has not
    assert await outbox.recover(utcnow() + timedelta(seconds=2)) == (0, 0)
    assert await outbox.recover(utcnow() + LEASE + timedelta(seconds=1)) == (1, 1)


async def test_the_running_worker_delivers_each_item_once_through_5xx(
    db: Database, connector: FakeConnector
) -> None:
    bot = await start_bot(db, connector, RAKE_SEND_RATE="40")
    worker = bot.app[OUTBOX_WORKER]
    outbox = Outbox(db)
    items = 60
    connector.fail_next(503, times=4, headers={"Retry-After": "0"})
    connector.fail_next(502, times=3)  # no Retry-After: backoff
    connector.fail_next(504, times=2, headers={"Retry-After": "0"})
    try:
        worker.start(idle_s=0.2)
        for n in range(items):  # enqueued while the worker runs: the feeder keeps up
            await outbox.add(f"k{n}", "notice", f"c{n}", personal(n, connector.url))
            db.enqueued()
        for _ in range(300):
            if (await outbox.counts()) == {"sent": items}:
                break
            await asyncio.sleep(0.1)
    finally:
        await worker.stop()
        await bot.client.close()
    assert await outbox.counts() == {"sent": items}
    texts = [c["body"][0]["text"] for c in connector.cards()]
    assert set(texts) == {f"n{n}" for n in range(items)}
    # each once, plus the nine refused calls (the fake records those too): none sent twice
    assert len(texts) == len(connector.posts()) == items + 9
