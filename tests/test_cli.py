"""``python -m bot``: fail-fast messages, migrate, tick, and a graceful shutdown of the service."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import activities as a
from tests.fake_connector import FakeConnector

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("RAKE_", "Microsoft"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_broken_county_file_stops_with_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nname: {fi: X}\nlanguages: [de]\n", encoding="utf-8")
    result = cli("check-config", str(bad))
    assert result.returncode == 2
    assert str(bad) in result.stderr and "key 'languages.0'" in result.stderr
    assert "Traceback" not in result.stderr
    result = cli("run", RAKE_COUNTY=str(bad))
    assert result.returncode == 2 and "key 'areas'" in result.stderr


def test_check_config_needs_no_app_credentials(tmp_path: Path) -> None:
    """The production image checks county files before it has its secrets."""
    for county in ("kanta-hame", "varsinais-suomi"):
        result = cli("check-config", county, RAKE_ENVIRONMENT="production")
        assert result.returncode == 0, result.stderr
        assert "county configuration is valid" in result.stderr
    result = cli("check-config", RAKE_ENVIRONMENT="production", RAKE_COUNTY="helsinki")
    assert result.returncode == 0, result.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\n", encoding="utf-8")
    result = cli("check-config", str(bad), RAKE_ENVIRONMENT="production")
    assert result.returncode == 2 and str(bad) in result.stderr
    # everything else still refuses production without its settings
    result = cli("migrate", RAKE_ENVIRONMENT="production")
    assert result.returncode == 2 and "MicrosoftAppId" in result.stderr


def test_invalid_setting_stops_with_its_name() -> None:
    result = cli("migrate", PORT="eighty")
    assert result.returncode == 2 and "setting PORT" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_refuses_to_run_with_auth_disabled() -> None:
    result = cli("run", RAKE_ENVIRONMENT="production")
    assert result.returncode == 2
    assert "authentication disabled" in result.stderr and "MicrosoftAppId" in result.stderr


def test_migrate_and_tick(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    assert cli("migrate", RAKE_DATABASE_URL=url).returncode == 0
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"observations", "drafts", "bot_state", "alembic_version"} <= tables
    result = cli("tick", RAKE_DATABASE_URL=url)
    assert result.returncode == 0 and "purge-expired-drafts: ok" in result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_shutdown_lets_the_turn_in_flight_finish(tmp_path: Path) -> None:
    import aiohttp

    connector = FakeConnector(hang_seconds=2.0)  # the reply to Teams takes 2 s
    await connector.start()
    port = _free_port()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("RAKE_", "Microsoft"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        env={
            **base,
            "PORT": str(port),
            "RAKE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'sd.db'}",
        },
    )
    try:
        async with aiohttp.ClientSession() as session:
            deadline = time.monotonic() + 60
            while True:
                try:
                    async with session.get(f"http://127.0.0.1:{port}/readyz") as ready:
                        if ready.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                if time.monotonic() > deadline or proc.returncode is not None:
                    pytest.fail("the bot did not start")
                await asyncio.sleep(0.2)
            request = asyncio.ensure_future(
                session.post(
                    f"http://127.0.0.1:{port}/api/messages", json=a.message(connector.url, "apua")
                )
            )
            # Wait until the turn is waiting for the connector (its reply has arrived there).
            deadline = time.monotonic() + 30
            while not connector.calls:
                assert time.monotonic() < deadline, "the turn never reached the connector"
                await asyncio.sleep(0.02)
            proc.send_signal(signal.SIGTERM)
            response = await request
            assert response.status == 201
        assert await asyncio.wait_for(proc.wait(), 20) == 0
        assert len(connector.posts()) == 1  # the reply went out before the process ended
    finally:
        if proc.returncode is None:
            proc.kill()
        await connector.close()


async def test_export_from_the_command_line_is_written_and_audited(tmp_path: Path) -> None:
    import csv

    import openpyxl

    from storage.db import Database
    from storage.migrate import upgrade
    from tests import seed

    url = f"sqlite+aiosqlite:///{tmp_path / 'export.db'}"
    db = Database.from_url(url)
    await upgrade(db)
    await seed.add(db, seed.local(2026, 1, 1, 0, 5), 2)
    await seed.add(db, seed.local(2026, 3, 31, 23, 55), phenomenon="digital")
    await seed.add(db, seed.local(2026, 4, 1, 0, 5))  # outside the period
    await db.dispose()

    async def export(fmt: str, out: Path) -> subprocess.CompletedProcess[str]:
        args = ("export", "--from", "2026-01-01", "--to", "2026-03-31", "--format", fmt)
        return await asyncio.to_thread(cli, *args, "--out", str(out), RAKE_DATABASE_URL=url)

    out = tmp_path / "q1.xlsx"
    result = await export("xlsx", out)
    assert result.returncode == 0, result.stderr
    assert "3 observations written" in result.stdout
    rows = list(openpyxl.load_workbook(out, read_only=True).active.iter_rows(values_only=True))
    assert rows[0][0] == "Tunnus" and len(rows) == 4
    csv_out = tmp_path / "q1.csv"
    result = await export("csv", csv_out)
    assert result.returncode == 0, result.stderr
    raw = csv_out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert table[0][:2] == ["Tunnus", "Vastaanotettu"] and len(table) == 4
    with sqlite3.connect(tmp_path / "export.db") as conn:
        entries = conn.execute("SELECT actor, action, target FROM audit_log").fetchall()
    assert len(entries) == 2 and all(e[0].startswith("cli:") and e[1] == "export" for e in entries)
    bad = await asyncio.to_thread(
        cli, "export", "--from", "2026-03-31", "--to", "2026-01-01", RAKE_DATABASE_URL=url
    )
    assert (
        bad.returncode == 2 and "before the start" in bad.stderr and "Traceback" not in bad.stderr
    )


def test_the_export_command_does_not_import_the_bot_sdk(tmp_path: Path) -> None:
    """``python -m bot export`` works without botbuilder: the export is SDK-free."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'sdk.db'}"
    out = tmp_path / "none.csv"
    code = (
        "import sys\n"
        "from bot.__main__ import main\n"
        "rc = main(['export', '--from', '2026-01-01', '--to', '2026-01-31', '--format', 'csv',"
        f" '--out', {str(out)!r}])\n"
        "sdk = ('botbuilder', 'botframework')\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in sdk)\n"
        "print('rc', rc, 'sdk', loaded)\n"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("RAKE_", "Microsoft"))}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**base, "RAKE_DATABASE_URL": url},
    )
    assert result.returncode == 0, result.stderr
    assert "rc 0 sdk []" in result.stdout, result.stdout
    assert out.exists()
