"""Faults, with a real app process on PostgreSQL and the fake Bot Connector: kill -9 in the
middle of a burst of acute report submits (every answered reference is stored, every stored
acute report has its alerts, a retried submit after the restart stores the rest once), and
PostgreSQL restarted under load (``make test-faults`` only: it restarts the shared server)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bench.dialog import ROOT, drop_pg_database, free_port, pg_database
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Observation, OutboxItem
from tests import activities as a
from tests.conftest import _pg_unreachable
from tests.fake_connector import FakeConnector
from tests.test_replicas import execute, next_button, ready
from tests.test_report_dialog import STEP1, STEP2, STEP3, STEP4

pytestmark = pytest.mark.postgres
REF = re.compile(r"RAKE-\d{4}-\d{4,}")
ACUTE = dict(STEP4, urgency="acute", acute_reason="Kymmenet perheet saavat häätöuhan")
USERS = 24


def acute_county(tmp: Path) -> str:
    from counties import county_path

    county = county_path("paijat-hame").read_text(encoding="utf-8")
    county = county.replace("  people: []", "  people: [expert-aad]")
    county += f"rake_channel: {{team_id: '{a.TEAM_ID}', channel_id: '{a.CHANNEL_ID}'}}\n"
    (tmp / "county.yaml").write_text(county, encoding="utf-8")
    return str(tmp / "county.yaml")


def start(url: str, port: int, county: str, log: Any) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("RAKE_", "Microsoft"))},
        "RAKE_ENVIRONMENT": "test",
        "RAKE_DATABASE_URL": url,
        "RAKE_COUNTY": county,
        "PORT": str(port),
        "MicrosoftAppId": "",
        "RAKE_LOG_LEVEL": "WARNING",
        "RAKE_SCHEDULER": "true",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=log, stderr=log
    )


async def pg_or_skip() -> None:
    why = await _pg_unreachable()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL unreachable under CI: {why}")
        pytest.skip(f"PostgreSQL unreachable ({why})")


async def to_review(session: aiohttp.ClientSession, port: int, url: str, user: str) -> Any:
    """A whole dialog up to the review card; returns the submit button's data."""
    card = await execute(session, port, url, {"rake": "report.start"}, user)
    for values in (STEP1, STEP2, STEP3, ACUTE):
        card = await execute(session, port, url, {**next_button(card, "next"), **values}, user)
    return next_button(card, "submit")


async def submit(
    session: aiohttp.ClientSession, port: int, url: str, data: Any, user: str
) -> str | None:
    """The reference the answer names, or None when the app died before answering."""
    try:
        async with session.post(
            f"http://127.0.0.1:{port}/api/messages",
            json=a.execute(url, data, user=user),
            timeout=aiohttp.ClientTimeout(total=30),
        ) as response:
            found = REF.findall(await response.text()) if response.status == 200 else []
            return found[0] if found else None
    except (TimeoutError, aiohttp.ClientError):
        return None


async def alert_keys(db: Database) -> dict[str, set[str]]:
    async with db.sessions() as session:
        keys = await session.scalars(
            select(OutboxItem.dedupe_key).where(OutboxItem.kind == "acute_alert")
        )
        found: dict[str, set[str]] = {}
        for key in keys:
            _prefix, reference, scope, _owner = key.split(":", 3)
            found.setdefault(reference, set()).add(scope)
        return found


async def stored_references(db: Database) -> list[str]:
    async with db.sessions() as session:
        return list(await session.scalars(select(Observation.reference)))


def user_of(n: int) -> str:
    return f"bbbbbbbb-0000-0000-0000-{n:012d}"


async def test_kill_9_in_a_burst_of_acute_submits_loses_no_report_and_no_alert(
    tmp_path: Path,
) -> None:
    await pg_or_skip()
    connector = FakeConnector(hang_seconds=0.05)
    await connector.start()
    name = f"rake_faults_{uuid.uuid4().hex[:8]}"
    url = await pg_database(name)
    assert url is not None
    db = Database.from_url(url)
    county = acute_county(tmp_path)
    log = (tmp_path / "app.log").open("wb")
    port = free_port()
    proc = None
    try:
        await upgrade(db)
        proc = start(url, port, county, log)
        async with aiohttp.ClientSession() as session:
            await ready(session, port, proc)
            for activity in (
                a.installation_update(connector.url, team=True),  # the Rake channel
                a.bot_added_personal(connector.url, user="expert-aad"),
            ):
                async with session.post(
                    f"http://127.0.0.1:{port}/api/messages", json=activity
                ) as response:
                    assert response.status in (200, 201), await response.text()
            await asyncio.sleep(0.5)  # the conversation reference is written after the turn
            buttons = [
                await to_review(session, port, connector.url, user_of(n)) for n in range(USERS)
            ]
            # the burst; the app is killed when the first answers have come back
            burst = [
                asyncio.ensure_future(submit(session, port, connector.url, buttons[n], user_of(n)))
                for n in range(USERS)
            ]
            for _ in range(400):
                if sum(t.done() for t in burst) >= 3:
                    break
                await asyncio.sleep(0.005)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            answered = await asyncio.gather(*burst)
            got = {n: ref for n, ref in enumerate(answered) if ref}
            stored = await stored_references(db)
            alerts = await alert_keys(db)
            # every answered reference is stored; every stored report has both alerts
            assert set(got.values()) <= set(stored)
            assert {ref: alerts.get(ref) for ref in stored} == {
                ref: {"channel", "personal"} for ref in stored
            }
            cut = USERS - len(got)
            # after the restart, everyone who got no answer submits again
            proc = start(url, port, county, log)
            await ready(session, port, proc)
            again = {
                n: await submit(session, port, connector.url, buttons[n], user_of(n))
                for n in range(USERS)
                if n not in got
            }
            assert all(again.values()), again
            for _ in range(300):  # the alerts go out
                async with db.sessions() as s:
                    busy = await s.scalar(
                        select(func.count()).where(
                            OutboxItem.status.in_(["pending", "claimed", "sending"])
                        )
                    )
                if not busy:
                    break
                await asyncio.sleep(0.1)
        stored = await stored_references(db)
        assert len(stored) == len(set(stored)) == USERS
        assert set(stored) == set(got.values()) | set(again.values())
        assert await alert_keys(db) == {ref: {"channel", "personal"} for ref in stored}
        async with db.sessions() as s:
            statuses = dict(
                (
                    await s.execute(
                        select(OutboxItem.status, func.count()).group_by(OutboxItem.status)
                    )
                ).all()
            )
        assert set(statuses) <= {"sent", "uncertain"}, statuses
        # no alert reached anyone twice (an uncertain one at most once)
        posted: dict[tuple[str, str], int] = {}
        for call in connector.posts() + [
            c for c in connector.calls if c.path.rstrip("/").endswith("/v3/conversations")
        ]:
            if "Kymmenet perheet" not in str(call.body):
                continue  # the daily card and the summary name references too
            for ref in set(REF.findall(str(call.body))):
                posted[(ref, call.path)] = posted.get((ref, call.path), 0) + 1
        assert {k: n for k, n in posted.items() if n > 1} == {}
        assert len(posted) >= 2 * USERS - statuses.get("uncertain", 0)
        assert cut > 0, "the kill came after every submit was answered"
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=15)
        log.close()
        await db.dispose()
        await drop_pg_database(name)
        await connector.close()


def restart_postgres() -> float:
    """`pg_ctlcluster … restart` (root); returns the seconds it took."""
    started = time.monotonic()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return time.monotonic() - started


def ensure_postgres_up() -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "start"],
        capture_output=True,
        timeout=60,
    )


@pytest.mark.pg_restart
async def test_postgres_restarted_under_load_the_app_recovers_by_itself(tmp_path: Path) -> None:
    await pg_or_skip()
    if not os.environ.get("RAKE_TEST_PG_RESTART"):
        pytest.skip("restarts the shared PostgreSQL: run by make test-faults")
    if os.geteuid() != 0 or not shutil.which("pg_ctlcluster"):
        pytest.skip("restarting PostgreSQL needs root and pg_ctlcluster")
    connector = FakeConnector()
    await connector.start()
    name = f"rake_pgrestart_{uuid.uuid4().hex[:8]}"
    url = await pg_database(name)
    assert url is not None
    db = Database.from_url(url)
    log = (tmp_path / "app.log").open("wb")
    port = free_port()
    proc = None
    try:
        await upgrade(db)
        await db.dispose()
        proc = start(url, port, acute_county(tmp_path), log)
        async with aiohttp.ClientSession() as session:
            await ready(session, port, proc)
            ready_log: list[tuple[float, int]] = []
            slowest = [0.0]
            stop = asyncio.Event()

            async def probe() -> None:
                while not stop.is_set():
                    t0 = time.monotonic()
                    try:
                        async with session.get(
                            f"http://127.0.0.1:{port}/readyz",
                            timeout=aiohttp.ClientTimeout(total=30),
                        ) as response:
                            ready_log.append((t0, response.status))
                    except (TimeoutError, aiohttp.ClientError):
                        ready_log.append((t0, 0))
                    slowest[0] = max(slowest[0], time.monotonic() - t0)
                    await asyncio.sleep(0.05)

            async def reports(worker: int) -> list[tuple[float, str | None]]:
                refs: list[tuple[float, str | None]] = []
                n = 0
                while not stop.is_set():
                    user = f"cccccccc-0000-0000-{worker:04d}-{n:012d}"
                    n += 1
                    try:
                        button = await to_review(session, port, connector.url, user)
                    except (TimeoutError, AssertionError, aiohttp.ClientError):
                        continue  # a step refused while the database was away
                    ref = await submit(session, port, connector.url, button, user)
                    refs.append((time.monotonic(), ref))
                return refs

            load = [asyncio.ensure_future(reports(w)) for w in range(4)]
            prober = asyncio.ensure_future(probe())
            await asyncio.sleep(2)
            restart_s = await asyncio.to_thread(restart_postgres)
            back_at = time.monotonic()
            await asyncio.sleep(8)  # the app finds its way back
            stop.set()
            results = await asyncio.gather(*load)
            await prober
        statuses_after = [s for t, s in ready_log if t > ready_log[-1][0] - 2]
        assert any(s == 503 for _t, s in ready_log), "the outage was not seen"
        assert statuses_after and set(statuses_after) == {200}, statuses_after
        assert slowest[0] < 30
        answered = [ref for refs in results for _t, ref in refs if ref]
        # reports go on after the restart: the pool replaced its dead connections by itself
        assert any(ref and t > back_at for refs in results for t, ref in refs)
        db = Database.from_url(url)
        stored = await stored_references(db)
        assert set(answered) <= set(stored)  # an answered reference is stored
        assert len(stored) == len(set(stored))
        print(f"restart {restart_s:.1f} s, slowest /readyz {slowest[0]:.2f} s")
    finally:
        await asyncio.to_thread(ensure_postgres_up)
        if proc is not None and proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=15)
        log.close()
        await db.dispose()
        await drop_pg_database(name)
        await connector.close()


async def test_kill_9_around_the_summary_post_makes_it_once_and_posts_it_once(
    tmp_path: Path,
) -> None:
    """The summary job runs at each start; the app is killed at random moments right after
    it became ready, three times, then runs to the end. At every kill a stored summary has
    its covered observations and its post queued (one transaction); in the end each summary
    exists once and reached the Rake channel at most once."""
    import random
    from datetime import timedelta

    from storage.db import utcnow
    from storage.models import Summary, SummaryObservation
    from tests.seed import add

    await pg_or_skip()
    connector = FakeConnector(hang_seconds=0.05)
    await connector.start()
    name = f"rake_summary_{uuid.uuid4().hex[:8]}"
    url = await pg_database(name)
    assert url is not None
    db = Database.from_url(url)
    county = acute_county(tmp_path)
    log = (tmp_path / "app.log").open("wb")
    port = free_port()
    proc = None

    async def check() -> int:
        async with db.sessions() as s:
            summaries = list(await s.scalars(select(Summary)))
            keys = set(
                await s.scalars(select(OutboxItem.dedupe_key).where(OutboxItem.kind == "summary"))
            )
            for row in summaries:
                assert f"summary:{row.kind}:{row.period_key}" in keys
                covered = await s.scalar(
                    select(func.count()).where(SummaryObservation.summary_id == row.id)
                )
                if row.kind == "weekly":
                    assert covered == 5, (row.period_key, covered)
            assert len(keys) == len(summaries)
            return len(summaries)

    try:
        await upgrade(db)
        await add(db, utcnow() - timedelta(days=7), n=5)  # last week's observations
        proc = start(url, port, county, log)
        async with aiohttp.ClientSession() as session:
            await ready(session, port, proc)
            async with session.post(
                f"http://127.0.0.1:{port}/api/messages",
                json=a.installation_update(connector.url, team=True),  # the Rake channel
            ) as response:
                assert response.status in (200, 201), await response.text()
            await asyncio.sleep(0.5)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            for _ in range(3):
                proc = start(url, port, county, log)
                await ready(session, port, proc)
                await asyncio.sleep(random.uniform(0, 0.4))
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=10)
                await check()
            proc = start(url, port, county, log)
            await ready(session, port, proc)
            for _ in range(300):
                async with db.sessions() as s:
                    open_items = await s.scalar(
                        select(func.count()).where(
                            OutboxItem.status.in_(["pending", "claimed", "sending"])
                        )
                    )
                if not open_items and await check():
                    break
                await asyncio.sleep(0.1)
        assert await check() >= 1
        async with db.sessions() as s:
            rows = (await s.execute(select(OutboxItem.kind, OutboxItem.status))).all()
        assert {status for _kind, status in rows} <= {"sent", "uncertain"}, rows
        posts = [status for kind, status in rows if kind != "update"]  # updates edit in place
        sent, unsure = posts.count("sent"), posts.count("uncertain")
        threads = [c for c in connector.calls if c.path.rstrip("/").endswith("/v3/conversations")]
        # every post of the Rake channel (summaries, the daily card) is a new thread: one per
        # item sent, plus at most the uncertain ones — never a second post of an item
        assert sent <= len(threads) <= sent + unsure, (len(threads), rows)
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=15)
        log.close()
        await db.dispose()
        await drop_pg_database(name)
        await connector.close()
