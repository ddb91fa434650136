"""Benchmark: simulated workers completing the whole report dialog over HTTP against the running
app (N = 1, 20, 100 concurrent; SQLite and PostgreSQL), and the same load of plain message turns
against botbuilder's stock echo bot. Prints figures, then one JSON line (the contract).

    make bench-dialog            # or: .venv/bin/python -m bench.dialog --seconds 8
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp

from tests import activities as a
from tests.fake_connector import FakeConnector
from tests.test_report_dialog import STEP1, STEP2, STEP3, STEP4

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
STEPS = [STEP1, STEP2, STEP3, STEP4]
PACED_WORKERS = 20
PACED_THINK_S = 0.25  # mean pause between clicks; a person takes several seconds per step


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


class Server:
    def __init__(self, argv: list[str], env: dict[str, str], port: int) -> None:
        self.port = port
        self.proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def ready(self, path: str) -> None:
        deadline = time.monotonic() + 60
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited with {self.proc.returncode}")
                try:
                    async with session.get(f"http://127.0.0.1:{self.port}{path}") as response:
                        if response.status in (200, 404, 405):
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.2)
        raise TimeoutError("server did not start")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def card_of(body: dict[str, Any]) -> dict[str, Any]:
    if body.get("statusCode") != 200:
        raise RuntimeError(f"unexpected answer {str(body)[:200]}")
    return body["value"]


def next_data(card: dict[str, Any], verb: str) -> dict[str, Any]:
    for action in card["actions"]:
        if action["data"].get("verb") == verb:
            return dict(action["data"])
    raise RuntimeError(f"no {verb} button")


async def dialog_worker(
    session: aiohttp.ClientSession,
    url: str,
    service_url: str,
    deadline: float,
    latencies: list[float],
    think: float = 0.0,
) -> int:
    """One worker making reports until the deadline; returns completed reports. ``think`` is
    the pause between clicks (0: saturation; people take seconds per step)."""
    user = f"bench-{uuid.uuid4().hex[:12]}"
    done = 0

    async def turn(activity: dict[str, Any]) -> dict[str, Any]:
        if think:
            await asyncio.sleep(think * (0.5 + random.random()))
        started = time.perf_counter()
        async with session.post(url, json=activity) as response:
            body = await response.json()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}")
        latencies.append((time.perf_counter() - started) * 1000)
        return body

    while time.monotonic() < deadline:
        card = card_of(await turn(a.execute(service_url, {"rake": "report.start"}, user=user)))
        for values in STEPS:
            data = {**next_data(card, "next"), **values}
            card = card_of(await turn(a.execute(service_url, data, user=user)))
        card = card_of(await turn(a.execute(service_url, next_data(card, "submit"), user=user)))
        if "RAKE-" not in json.dumps(card):
            raise RuntimeError("no reference in the confirmation")
        done += 1
    return done


async def echo_worker(
    session: aiohttp.ClientSession,
    url: str,
    service_url: str,
    deadline: float,
    latencies: list[float],
) -> int:
    user = f"bench-{uuid.uuid4().hex[:12]}"
    count = 0
    while time.monotonic() < deadline:
        started = time.perf_counter()
        async with session.post(url, json=a.message(service_url, "hei", user=user)) as response:
            await response.read()
            if response.status >= 300 and response.status != 201:
                raise RuntimeError(f"HTTP {response.status}")
        latencies.append((time.perf_counter() - started) * 1000)
        count += 1
    return count


async def load(
    worker: Any,
    port: int,
    connector: FakeConnector,
    concurrency: int,
    seconds: float,
    **options: Any,
) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}/api/messages"
    latencies: list[float] = []
    limits = aiohttp.TCPConnector(limit=concurrency + 10)
    async with aiohttp.ClientSession(connector=limits) as session:
        # warm-up: one round per worker slot, not measured
        await asyncio.gather(
            *(
                worker(session, url, connector.url, time.monotonic() + 0.5, [])
                for _ in range(min(concurrency, 5))
            )
        )
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(
            *(
                worker(session, url, connector.url, deadline, latencies, **options)
                for _ in range(concurrency)
            )
        )
        elapsed = time.monotonic() - started
    ordered = sorted(latencies)
    return {
        "concurrency": concurrency,
        "turns": len(ordered),
        "median_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
        "turns_per_s": round(len(ordered) / elapsed, 1),
    }


async def pg_database(name: str) -> str | None:
    try:
        import asyncpg

        conn = await asyncpg.connect(PG_ADMIN, timeout=5)
    except Exception as exc:
        print(f"PostgreSQL unreachable, skipped: {exc}")
        return None
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


async def drop_pg_database(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN, timeout=5)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


async def run_bot(
    database_url: str, connector: FakeConnector, levels: list[int], seconds: float
) -> dict[str, Any]:
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
    try:
        await server.ready("/readyz")
        results = {}
        for level in levels:
            results[level] = await load(dialog_worker, port, connector, level, seconds)
            print(f"  dialog  N={level:<3} {results[level]}")
        results["paced"] = await load(
            dialog_worker, port, connector, PACED_WORKERS, seconds, think=PACED_THINK_S
        )
        print(
            f"  dialog  N={PACED_WORKERS} paced ({PACED_THINK_S} s between clicks) "
            f"{results['paced']}"
        )
        results["peak_rss_mb"] = peak_rss_mb(server.proc.pid)
        return results
    finally:
        server.stop()


async def run_echo(connector: FakeConnector, levels: list[int], seconds: float) -> dict[str, Any]:
    port = free_port()
    server = Server([sys.executable, "-m", "bench.stock_echo", str(port)], {}, port)
    try:
        await server.ready("/api/messages")
        results = {}
        for level in levels:
            results[level] = await load(echo_worker, port, connector, level, seconds)
            print(f"  stock echo N={level:<3} {results[level]}")
        results["peak_rss_mb"] = peak_rss_mb(server.proc.pid)
        return results
    finally:
        server.stop()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds per level")
    parser.add_argument("--levels", default="1,20,100")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    connector = FakeConnector()
    await connector.start()
    figures: dict[str, Any] = {}
    try:
        print(f"stock botbuilder echo bot (message turns), {args.seconds} s per level")
        echo = await run_echo(connector, levels, args.seconds)
        with tempfile.TemporaryDirectory() as tmp:
            print("Rake bot, whole report dialog (Action.Execute turns), SQLite")
            figures["sqlite"] = await run_bot(
                f"sqlite+aiosqlite:///{tmp}/bench.db", connector, levels, args.seconds
            )
        name = f"rake_bench_{uuid.uuid4().hex[:8]}"
        pg_url = await pg_database(name)
        if pg_url:
            try:
                print("Rake bot, whole report dialog (Action.Execute turns), PostgreSQL")
                figures["postgresql"] = await run_bot(pg_url, connector, levels, args.seconds)
            finally:
                await drop_pg_database(name)
    finally:
        await connector.close()

    database = "postgresql" if "postgresql" in figures else "sqlite"

    def summary(db: str, level: int) -> dict[str, Any]:
        mine = figures[db][level]
        stock = echo[level]["turns_per_s"]
        return {
            **mine,
            "stock_echo_turns_per_s": stock,
            "speedup": round(mine["turns_per_s"] / stock, 2),
        }

    top = summary(database, 20 if 20 in levels else levels[0])
    result = {
        "database": database,
        **top,
        "c100": summary(database, 100) if 100 in levels else None,
        "c1": summary(database, 1) if 1 in levels else None,
        "paced": figures[database]["paced"],
        "peak_rss_mb": figures[database]["peak_rss_mb"],
        "stock_echo_peak_rss_mb": echo["peak_rss_mb"],
        "sqlite": {str(k): v for k, v in figures["sqlite"].items()},
        "seconds_per_level": args.seconds,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
