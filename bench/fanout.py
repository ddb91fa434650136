"""Benchmark: Rake-vartti prompts fanned out to 10 000 channels through the outbox, against a
local fake Bot Connector answering 10 % of posts with 429 (Retry-After: 1), with a kill -9 of
the app half-way and a restart. Prints figures, then one JSON line (the contract).

    make bench-fanout        # or: .venv/bin/python -m bench.fanout --channels 1000 --db sqlite

What is counted comes from the fake connector (per channel), not from the database:
``duplicates`` — posts beyond the first to a channel; ``lost`` — channels that got nothing;
``uncertain`` — outbox rows left ``uncertain`` by the kill (in ``sending``: the call may or may
not have reached Teams, so they are not resent), split into those the connector did receive
(delivered, not lost) and those it did not (also counted in ``lost``).
``rate_fraction`` = delivered per second ÷ the ideal, where the ideal is the send rate times
the share of attempts not refused (a 429 uses a send slot too); the seconds run from the
first delivered post to the last, the kill and the restart included.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from bench.dialog import ROOT, drop_pg_database, free_port, pg_database
from bot.settings import load_settings
from storage.db import Database, utcnow
from storage.migrate import upgrade
from storage.models import Channel, OutboxItem, Team, VarttiSchedule
from storage.outbox import Outbox
from tests.fake_connector import FakeConnector

RATE = 50.0  # Teams: 50 requests/s per app and tenant


async def seed(db: Database, channels: int, service_url: str) -> datetime:
    """Teams with a channel and a schedule each, all due now; returns 'now'."""
    now = utcnow()
    local = (now + timedelta(minutes=30)).astimezone(ZoneInfo("Europe/Helsinki"))
    teams, chans, schedules = [], [], []
    for i in range(channels):
        team, channel = f"team-{i}", f"19:channel-{i}@thread.tacv2"
        teams.append(
            dict(
                team_id=team,
                name=f"Tiimi {i}",
                tenant_id="bench-tenant",
                service_url=service_url,
                installed=True,
                archived=False,
                area="lahti",
                service_area="family_social",
                updated_at=now,
            )
        )
        chans.append(
            dict(channel_id=channel, team_id=team, name="Rake", deleted=False, updated_at=now)
        )
        schedules.append(
            dict(
                team_id=team,
                channel_id=channel,
                weekday=local.weekday(),
                meeting_time=local.strftime("%H:%M"),
                lead_minutes=60,
                frequency="weekly",
                anchor_date=local.date().isoformat(),
                language="fi",
                timezone="Europe/Helsinki",
                paused=False,
                updated_at=now,
            )
        )
    async with db.engine.begin() as conn:
        await conn.execute(insert(Team), teams)
        await conn.execute(insert(Channel), chans)
        await conn.execute(insert(VarttiSchedule), schedules)
    return now


async def plan(db_url: str, connect: dict[str, Any], now: datetime) -> int:
    """The app's own planner, run once (what the scheduler's first tick does)."""
    from bot.outbox_worker import OutboxWorker  # noqa: F401  (imports the bot package)
    from bot.services import Services
    from bot.vartti_flow import VarttiFlow
    from storage.teams import TeamRepository

    db = Database.from_url(db_url, connect_args=connect)
    services = Services.build(load_settings(RAKE_DATABASE_URL=db_url), db)
    flow = VarttiFlow(services, TeamRepository(db))
    try:
        return await flow.plan_due(now + timedelta(seconds=1))
    finally:
        await db.dispose()


async def uncertain_rows(db: Database) -> list[Any]:
    async with db.engine.connect() as conn:
        return list(
            await conn.execute(select(OutboxItem.payload).where(OutboxItem.status == "uncertain"))
        )


def start_app(db_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RAKE_ENVIRONMENT": "test",
        "RAKE_DATABASE_URL": db_url,
        "PORT": str(port),
        "MicrosoftAppId": "",
        "RAKE_LOG_LEVEL": "ERROR",
        "RAKE_SEND_RATE": str(RATE),
        "RAKE_SCHEDULER": "true",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def run(channels: int, db_kind: str, kill: bool = True) -> dict[str, Any]:
    connector = FakeConnector(throttle_fraction=0.10, retry_after="1")
    await connector.start()
    name = f"rake_fanout_{uuid.uuid4().hex[:8]}"
    tmp = tempfile.mkdtemp()
    if db_kind == "postgresql":
        url = await pg_database(name)
        if url is None:
            raise SystemExit("PostgreSQL is unreachable")
    else:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'fanout.db'}"
    db = Database.from_url(url)
    try:
        await upgrade(db)
        now = await seed(db, channels, connector.url)
        started = time.monotonic()
        planned = await plan(url, {}, now)
        plan_s = time.monotonic() - started
        print(f"planned {planned} prompts in {plan_s:.1f} s")

        port = free_port()
        app = start_app(url, port)
        first_post = None
        killed_at = restarted_at = resumed_at = None
        at_kill = last_done = reported = 0
        next_report = next_count = time.monotonic() + 5
        last_post = time.monotonic()
        deadline = time.monotonic() + 120 + 3 * channels / RATE
        while time.monotonic() < deadline:
            done = sum(1 for n in connector.delivered.values() if n)
            if first_post is None and done:
                first_post = time.monotonic()
            if killed_at is not None and resumed_at is None and done > at_kill:
                resumed_at = time.monotonic()
            if time.monotonic() >= next_report:
                print(f"  {done} delivered, {done - reported} in the last 5 s", flush=True)
                next_report, reported = next_report + 5, done
            if kill and killed_at is None and done >= channels // 2:
                app.send_signal(signal.SIGKILL)  # kill -9 half-way
                app.wait()
                killed_at = time.monotonic()
                at_kill = sum(1 for n in connector.delivered.values() if n)
                print(f"kill -9 after {at_kill} deliveries")
                app = start_app(url, port)
                restarted_at = time.monotonic()
            if done > last_done:
                last_done, last_post = done, time.monotonic()
            if done >= channels:
                break
            if (killed_at or not kill) and time.monotonic() >= next_count:  # once a second:
                next_count = time.monotonic() + 1  # the bench shares the cores with the app
                counts = await Outbox(db).counts()
                if not any(counts.get(s) for s in ("pending", "claimed", "sending")):
                    break  # nothing left that will be sent (uncertain items are not resent)
            await asyncio.sleep(0.05)
        app.send_signal(signal.SIGINT)
        app.wait(timeout=30)
        counts = await Outbox(db).counts()
        uncertain_channels = [row.payload["target"]["owner_id"] for row in await uncertain_rows(db)]
    finally:
        await db.dispose()
        await connector.close()
        if db_kind == "postgresql":
            await drop_pg_database(name)

    delivered = {c: n for c, n in connector.delivered.items() if n}
    duplicates = sum(n - 1 for n in delivered.values())
    lost = channels - len(delivered)
    seconds = last_post - (first_post or last_post)
    attempts = sum(1 for c in connector.calls if c.path.endswith("/v3/conversations"))
    throttled = attempts - sum(delivered.values())
    accepted_share = 1 - throttled / attempts if attempts else 1.0
    ideal_per_s = RATE * accepted_share
    per_s = len(delivered) / seconds if seconds else 0.0
    return {
        "channels": channels,
        "database": db_kind,
        "duplicates": duplicates,
        "lost": lost,
        "uncertain": len(uncertain_channels),
        "uncertain_delivered": sum(1 for c in uncertain_channels if c in delivered),
        "uncertain_lost": sum(1 for c in uncertain_channels if c not in delivered),
        "seconds": round(seconds, 2),
        "delivered_per_s": round(per_s, 2),
        "ideal_per_s": round(ideal_per_s, 2),
        "rate_fraction": round(per_s / ideal_per_s, 3) if seconds else None,
        "attempts": attempts,
        "throttled_429": throttled,
        "outbox": counts,
        "plan_seconds": round(plan_s, 2),
        "kill_after": at_kill,
        "restart_seconds": round((restarted_at or 0) - (killed_at or 0), 2),
        "kill_to_next_delivery_s": round((resumed_at or 0) - (killed_at or 0), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--channels", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--no-kill", action="store_true", help="no kill -9 half-way")
    args = parser.parse_args()
    result = asyncio.run(run(args.channels, args.db, kill=not args.no_kill))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
