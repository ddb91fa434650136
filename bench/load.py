"""Load and soak: many simulated workers making whole reports over HTTP against the running app
on PostgreSQL, some double-clicking submit. Afterwards the database is compared with what the
workers were told: every reference a worker got must be stored once, every stored report must
have been answered (nothing lost, nothing doubled), no 5xx. Prints p99 and RSS over time, and
one JSON line last (the contract).

    make bench-load                         # 200 workers, 300 s
    .venv/bin/python -m bench.load --workers 40 --seconds 20   # the short version the tests run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import string
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.dialog import STEPS, Server, card_of, drop_pg_database, free_port, next_data, pg_database
from tests import activities as a
from tests.fake_connector import FakeConnector

DOUBLE_CLICK_SHARE = 0.2  # a fifth of the submits are sent twice at once
THINK_S = 0.5  # mean pause between clicks (people take seconds; this is a hard load)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def marker() -> str:
    """A word no guard flags and no other report has: lowercase letters only."""
    return "".join(random.choices(string.ascii_lowercase, k=14))


@dataclass
class Tally:
    answered: dict[str, str] = field(default_factory=dict)  # marker -> reference
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    double_clicks: int = 0
    mismatched: int = 0  # a double click answered with two different references
    unreferenced: int = 0  # a double click's second answer without the reference


async def worker(
    session: aiohttp.ClientSession, url: str, service_url: str, deadline: float, tally: Tally
) -> None:
    user = f"load-{uuid.uuid4().hex[:12]}"

    async def turn(activity: dict[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(THINK_S * (0.5 + random.random()))
        started = time.perf_counter()
        async with session.post(url, json=activity) as response:
            body = await response.json(content_type=None)
            status = response.status
        tally.latencies.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"HTTP {status}")
        return body

    while time.monotonic() < deadline:
        word = marker()
        try:
            card = card_of(await turn(a.execute(service_url, {"rake": "report.start"}, user=user)))
            for number, values in enumerate(STEPS):
                if number == 0:
                    values = {
                        **values,
                        "description": f"Kuormitustestin havainto {word} asumisesta.",
                    }
                card = card_of(
                    await turn(
                        a.execute(service_url, {**next_data(card, "next"), **values}, user=user)
                    )
                )
            submit = a.execute(service_url, next_data(card, "submit"), user=user)
            if random.random() < DOUBLE_CLICK_SHARE:
                tally.double_clicks += 1
                bodies = await asyncio.gather(turn(submit), turn(submit))
                answers = [_reference(card_of(body)) for body in bodies]
                references = {r for r in answers if r}
                tally.mismatched += len(references) > 1
                tally.unreferenced += "" in answers
                reference = sorted(references)[0] if references else ""
            else:
                reference = _reference(card_of(await turn(submit)))
            if not reference:
                raise RuntimeError("no reference in the confirmation")
            tally.answered[word] = reference
        except Exception as exc:
            tally.errors.append(f"{type(exc).__name__}: {str(exc)[:120]}")
            await asyncio.sleep(1)


def _reference(card: dict[str, Any]) -> str:
    text = json.dumps(card)
    start = text.find("RAKE-")
    return text[start : start + 14] if start >= 0 else ""


async def stored(database_url: str) -> dict[str, list[str]]:
    """marker -> references stored for it (read straight from the database)."""
    import asyncpg

    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT reference, description FROM observations WHERE description LIKE $1",
            "Kuormitustestin havainto %",
        )
    finally:
        await conn.close()
    found: dict[str, list[str]] = {}
    for row in rows:
        word = row["description"].split()[2]
        found.setdefault(word, []).append(row["reference"])
    return found


async def sample_rss(pid: int, every: float, out: list[tuple[float, float]], stop: asyncio.Event):
    started = time.monotonic()
    while not stop.is_set():
        out.append((round(time.monotonic() - started, 1), rss_mb(pid)))
        try:
            await asyncio.wait_for(stop.wait(), every)
        except TimeoutError:
            pass


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))], 1) if ordered else 0.0


async def run(workers: int, seconds: float) -> dict[str, Any]:
    name = f"rake_load_{uuid.uuid4().hex[:8]}"
    database_url = await pg_database(name)
    if database_url is None:
        raise SystemExit("bench-load needs PostgreSQL on 127.0.0.1:5432")
    connector = FakeConnector()
    await connector.start()
    port = free_port()
    server = Server(
        [sys.executable, "-m", "bot", "run"],
        {
            "RAKE_ENVIRONMENT": "test",
            "RAKE_DATABASE_URL": database_url,
            "PORT": str(port),
            "MicrosoftAppId": "",
            "RAKE_LOG_LEVEL": "WARNING",
        },
        port,
    )
    tally = Tally()
    rss: list[tuple[float, float]] = []
    stop = asyncio.Event()
    try:
        await server.ready("/readyz")
        url = f"http://127.0.0.1:{port}/api/messages"
        sampler = asyncio.create_task(
            sample_rss(server.proc.pid, max(1.0, seconds / 30), rss, stop)
        )
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=workers * 2 + 10),
            timeout=aiohttp.ClientTimeout(total=30),
        ) as session:
            deadline = time.monotonic() + seconds
            started = time.monotonic()
            await asyncio.gather(
                *(worker(session, url, connector.url, deadline, tally) for _ in range(workers))
            )
            elapsed = time.monotonic() - started
        stop.set()
        await sampler
        found = await stored(database_url)
    finally:
        server.stop()
        await connector.close()
        await drop_pg_database(name)

    lost = sum(1 for word, ref in tally.answered.items() if ref not in found.get(word, []))
    duplicates = sum(len(refs) - 1 for refs in found.values() if len(refs) > 1)
    unanswered = sum(1 for word in found if word not in tally.answered)
    quarter = max(1, len(rss) // 4)
    early = sum(v for _, v in rss[quarter : 2 * quarter]) / max(1, len(rss[quarter : 2 * quarter]))
    late = sum(v for _, v in rss[-quarter:]) / quarter
    print(f"RSS over time (s, MB): {rss}")
    return {
        "workers": workers,
        "seconds": round(elapsed, 1),
        "reports": len(tally.answered),
        "reports_per_s": round(len(tally.answered) / elapsed, 1),
        "double_clicks": tally.double_clicks,
        "double_click_mismatch": tally.mismatched,
        "double_click_unreferenced": tally.unreferenced,
        "lost": lost,
        "duplicates": duplicates,
        "stored_unanswered": unanswered,
        "errors": len(tally.errors),
        "error_kinds": sorted(set(tally.errors))[:5],
        "turns": len(tally.latencies),
        "p50_ms": percentile(tally.latencies, 0.50),
        "p99_ms": percentile(tally.latencies, 0.99),
        "rss_start_mb": rss[0][1] if rss else 0.0,
        "rss_peak_mb": max((v for _, v in rss), default=0.0),
        "rss_growth_mb": round(late - early, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=300.0)
    args = parser.parse_args()
    print(f"{args.workers} workers making whole reports for {args.seconds:.0f} s on PostgreSQL")
    print(json.dumps(asyncio.run(run(args.workers, args.seconds))))


if __name__ == "__main__":
    main()
