"""Benchmark: Rake-vartti prompts fanned out to 1 000 channels through the outbox, against a
local fake Bot Connector answering 10 % of posts with 429 (Retry-After: 1), with a kill -9 of
the app half-way and a restart. Prints figures, then one JSON line (the contract).

    make bench-fanout        # or: .venv/bin/python -m bench.fanout --channels 1000 --db sqlite
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

from sqlalchemy import insert

from bench.dialog import ROOT, drop_pg_database, free_port, pg_database
from bot.settings import load_settings
from storage.db import Database, utcnow
from storage.migrate import upgrade
from storage.models import Channel, Team, VarttiSchedule
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


def start_app(db_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RAKE_ENVIRONMENT": "test",
        "RAKE_DATABASE_URL": db_url,
        "PORT": str(port),
        "MicrosoftAppId": "",
        "RAKE_LOG_LEVEL": "WARNING",
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


async def run(channels: int, db_kind: str) -> dict[str, Any]:
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
        killed_at = restarted_at = None
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            done = sum(1 for n in connector.delivered.values() if n)
            if first_post is None and done:
                first_post = time.monotonic()
            if killed_at is None and done >= channels // 2:
                app.send_signal(signal.SIGKILL)  # kill -9 half-way
                app.wait()
                killed_at = time.monotonic()
                print(f"kill -9 after {done} deliveries")
                app = start_app(url, port)
                restarted_at = time.monotonic()
            if done >= channels:
                break
            counts = await Outbox(db).counts()
            if killed_at and not any(counts.get(s) for s in ("pending", "claimed", "sending")):
                break  # nothing left that will be sent (uncertain items are not resent)
            await asyncio.sleep(0.05)
        finished = time.monotonic()
        app.send_signal(signal.SIGINT)
        app.wait(timeout=30)
        counts = await Outbox(db).counts()
    finally:
        await db.dispose()
        await connector.close()
        if db_kind == "postgresql":
            await drop_pg_database(name)

    delivered = {c: n for c, n in connector.delivered.items() if n}
    duplicates = sum(n - 1 for n in delivered.values())
    lost = channels - len(delivered)
    seconds = finished - (first_post or finished)
    bound = channels / RATE
    downtime = (restarted_at or 0) - (killed_at or 0)
    return {
        "channels": channels,
        "database": db_kind,
        "duplicates": duplicates,
        "lost": lost,
        "seconds": round(seconds, 2),
        "bound_seconds": round(bound, 2),
        "rate_fraction": round(bound / seconds, 3) if seconds else None,
        "throttled_429": sum(1 for c in connector.calls if c.path.endswith("/v3/conversations"))
        - sum(delivered.values()),
        "outbox": counts,
        "plan_seconds": round(plan_s, 2),
        "restart_gap_seconds": round(downtime, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    args = parser.parse_args()
    result = asyncio.run(run(args.channels, args.db))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
