"""kill -9 of the app in the middle of an export download: the half-written file of
observations (ours and openpyxl's sheet files) must not stay in the temporary folder. A real
app process on SQLite; the next start removes what the killed one left (bot.scratch)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text

from bench.dialog import ROOT, free_port
from bench.digest import seed_sql
from bot.export_flow import LinkSigner
from bot.scratch import claim, sweep
from storage.db import Database
from storage.migrate import upgrade
from tests.test_replicas import ready

SECRET = "s" * 40
EXPERT = "cccccccc-0000-0000-0000-000000000001"
ROWS = 20_000


def county(tmp: Path) -> str:
    from counties import county_path

    body = county_path("paijat-hame").read_text(encoding="utf-8")
    (tmp / "county.yaml").write_text(
        body.replace("\nexperts: []", f"\nexperts: [{EXPERT}]"), encoding="utf-8"
    )
    return str(tmp / "county.yaml")


def start(tmp: Path, url: str, port: int, log: Any) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("RAKE_", "Microsoft"))},
        "RAKE_ENVIRONMENT": "test",
        "RAKE_DATABASE_URL": url,
        "RAKE_COUNTY": county(tmp),
        "RAKE_EXPORT_SECRET": SECRET,
        "PORT": str(port),
        "MicrosoftAppId": "",
        "RAKE_LOG_LEVEL": "WARNING",
        "RAKE_SCHEDULER": "false",  # the seeded acute rows would keep the acute job busy
        "TMPDIR": str(tmp / "tmp"),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=log, stderr=log
    )


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


async def test_kill_9_during_an_export_leaves_no_file_of_observations(tmp_path: Path) -> None:
    (tmp_path / "tmp").mkdir()
    root = tmp_path / "tmp" / f"rake-bot-{os.getuid()}"
    url = f"sqlite+aiosqlite:///{tmp_path / 'rake.db'}"
    db = Database.from_url(url)
    await upgrade(db)
    async with db.engine.begin() as conn:
        await conn.execute(text(seed_sql("sqlite", ROWS)))
    await db.dispose()
    signer = LinkSigner(SECRET)
    token = signer.sign({"u": EXPERT, "f": "xlsx", "a": "2017-01-01", "b": "2026-12-31"}, 10)
    year = signer.sign({"u": EXPERT, "f": "xlsx", "a": "2020-01-01", "b": "2020-12-31"}, 10)
    port = free_port()
    log = (tmp_path / "app.log").open("wb")
    async with aiohttp.ClientSession() as session:
        app = start(tmp_path, url, port, log)
        try:
            await ready(session, port, app)
            first = [p for p in root.iterdir() if p.name.startswith(f"{app.pid}-")]
            assert len(first) == 1, "the app has a temporary folder of its own"
            download = asyncio.create_task(session.get(f"http://127.0.0.1:{port}/exports/{token}"))
            deadline = time.monotonic() + 60
            while not files_under(first[0]) and time.monotonic() < deadline:
                if download.done():
                    response = download.result()
                    raise AssertionError(f"answered before the kill: {response.status}")
                await asyncio.sleep(0.01)
            os.kill(app.pid, signal.SIGKILL)  # while the export is being written
            app.wait(10)
            with pytest.raises(aiohttp.ClientError):
                await download
        finally:
            if app.poll() is None:
                app.kill()
        left = files_under(first[0])
        assert left, "the kill came before the export began writing"
        assert any(p.name.startswith(("rake-export-", "openpyxl.")) for p in left)

        app = start(tmp_path, url, port, log)
        try:
            await ready(session, port, app)
            assert not first[0].exists(), "the next start removes what the killed one left"
            (mine,) = list(root.iterdir())
            assert mine.name.startswith(f"{app.pid}-")
            async with session.get(f"http://127.0.0.1:{port}/exports/{year}") as response:
                assert response.status == 200
                body = await response.read()
            assert body[:2] == b"PK" and len(body) > 20_000
            # the handler removes the file right after its last write: the client may have the
            # whole body a moment before that
            for _ in range(200):  # up to 10 s
                if not files_under(mine):
                    break
                await asyncio.sleep(0.05)
            assert files_under(mine) == [], "a finished download leaves nothing"
            app.send_signal(signal.SIGTERM)
            assert app.wait(30) == 0
        finally:
            if app.poll() is None:
                app.kill()
            log.close()
        assert not mine.exists(), "a normal exit removes the process's folder"


def test_sweep_keeps_live_processes_folders_and_removes_the_rest(tmp_path: Path) -> None:
    own = claim(tmp_path)
    root = own.parent
    parent = root / f"{os.getppid()}-live"  # a live process (pytest's parent)
    dead = root / "999999999-dead"  # no such pid
    stray = root / "not-a-pid"
    for folder in (parent, dead, stray):
        folder.mkdir()
        (folder / "rake-export-x.csv").write_text("x")
    removed = sweep(root, own_pid=os.getpid())
    assert set(removed) == {dead, stray, own}  # own pid at a start = a previous life's
    assert parent.exists()
    assert oct(root.stat().st_mode & 0o777) == "0o700"
