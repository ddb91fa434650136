"""Storage faults on a real SQLite file (issue 14): the file deleted while running, the disk
full (a real small tmpfs filled up: SQLite gets ENOSPC as on a full volume), a read-only or
impossible data path on start; and the per-person draft limit on both databases."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.report_flow import MAX_OPEN_DRAFTS
from i18n import Catalog
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Draft
from tests import activities as a
from tests.conftest import BotClient, start_bot
from tests.fake_connector import FakeConnector
from tests.test_bad_input import shows

FI = Catalog.load()
ROOT = Path(__file__).resolve().parent.parent


async def sqlite_bot(path: Path, connector: FakeConnector) -> BotClient:
    db = Database.from_url(f"sqlite+aiosqlite:///{path}")
    await upgrade(db)
    return await start_bot(db, connector)


async def drafts(db: Database) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Draft)) or 0)


@contextlib.contextmanager
def small_filesystem(where: Path, size: str = "4m", read_only: bool = False) -> Iterator[Path]:
    """A tmpfs of its own (needs root, which the CI machine and this one have)."""
    where.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True
    )
    if done.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"cannot mount a tmpfs under CI: {done.stderr.decode()}")
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


async def test_a_database_file_deleted_while_running_refuses_writes(
    tmp_path: Path, connector: FakeConnector
) -> None:
    path = tmp_path / "rake.db"
    bot = await sqlite_bot(path, connector)
    try:
        assert (await bot.client.get("/readyz")).status == 200
        await bot.invoke(a.execute(connector.url, {"rake": "report.start"}))
        path.unlink()  # an operator's mistake, a cleanup job, a volume remounted
        response = await bot.client.get("/readyz")
        assert response.status == 503 and "deleted" in (await response.json())["fault"]
        body = await bot.invoke(a.execute(connector.url, {"rake": "report.start"}))
        assert body["statusCode"] == 200 and body["value"] == FI.t("fi", "error.storage")
        status, _ = await bot.post(a.message(connector.url, "raportoi"))
        assert status < 500 and connector.posts()[-1].body["text"] == FI.t("fi", "error.storage")
        # a file put back in its place is another database: still refused
        path.write_bytes(b"")
        assert (await bot.client.get("/readyz")).status == 503
        body = await bot.invoke(a.execute(connector.url, {"rake": "report.start"}))
        assert body["value"] == FI.t("fi", "error.storage")
    finally:
        await bot.client.close()
        await bot.db.dispose()


async def test_a_full_disk_is_a_clear_answer_and_not_ready_until_it_has_room(
    tmp_path: Path, connector: FakeConnector
) -> None:
    with small_filesystem(tmp_path / "volume") as volume:
        bot = await sqlite_bot(volume / "rake.db", connector)
        try:
            await bot.invoke(a.execute(connector.url, {"rake": "report.start"}))
            filler = volume / "filler"
            with contextlib.suppress(OSError), filler.open("wb") as handle:
                while True:
                    handle.write(b"\0" * 65536)
                    handle.flush()
            saw_full = False
            for i in range(2000):  # until the WAL (reused after checkpoints) must grow
                body = await bot.invoke(
                    a.execute(
                        connector.url, {"rake": "report.start"}, user=f"u-{i}", locale="en-US"
                    )
                )
                if body["value"] == FI.t("en", "error.storage"):  # in the Teams locale's language
                    saw_full = True
                    break
            assert saw_full
            response = await bot.client.get("/readyz")
            assert response.status == 503 and (await response.json())["fault"] == "disk full"
            task = await bot.invoke(a.task_fetch(connector.url, {"rake": "report.open"}))
            assert task == {"task": {"type": "message", "value": FI.t("fi", "error.storage")}}
            filler.unlink()  # room again: ready again, and the next report is stored
            assert (await bot.client.get("/readyz")).status == 200
            before = await drafts(bot.db)
            body = await bot.invoke(a.execute(connector.url, {"rake": "report.start"}))
            assert body["value"]["type"] == "AdaptiveCard"
            assert await drafts(bot.db) == before + 1
        finally:
            await bot.client.close()
            await bot.db.dispose()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_bot(command: str, database: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        RAKE_DATABASE_URL=f"sqlite+aiosqlite:///{database}",
        RAKE_ENVIRONMENT="development",
        PORT=str(free_port()),
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", command],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("command", ["migrate", "run"])
def test_an_impossible_or_read_only_data_path_is_one_line_naming_it(
    tmp_path: Path, command: str
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    impossible = tmp_path / "a-file" / "data" / "rake.db"
    with small_filesystem(tmp_path / "ro", "1m", read_only=True) as read_only:
        for database in (impossible, read_only / "rake.db"):
            done = run_bot(command, str(database))
            assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
            lines = done.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("rake-bot: "), done.stderr[-2000:]
            assert str(database.parent) in lines[0] and "Traceback" not in done.stderr


async def test_a_flood_of_new_reports_stops_at_the_draft_limit(bot: BotClient) -> None:
    for _ in range(MAX_OPEN_DRAFTS + 5):
        body = await bot.invoke(a.execute(bot.connector.url, {"rake": "report.start"}))
    assert shows(body, "report.too_many_drafts", max=str(MAX_OPEN_DRAFTS))
    assert await drafts(bot.db) == MAX_OPEN_DRAFTS
    other = await bot.invoke(a.execute(bot.connector.url, {"rake": "report.start"}, user="x-2"))
    assert other["value"]["type"] == "AdaptiveCard"  # a limit per person, not for everyone
    # a draft cancelled makes room again
    async with bot.db.sessions() as session:
        oldest = await session.scalar(select(Draft.id).where(Draft.user_id == a.WORKER_AAD))
    cancel = {"rake": "report", "verb": "cancel", "draft_id": oldest, "step": 1}
    await bot.invoke(a.execute(bot.connector.url, cancel))
    body = await bot.invoke(a.execute(bot.connector.url, {"rake": "report.start"}))
    assert not shows(body, "report.too_many_drafts", max=str(MAX_OPEN_DRAFTS))


async def test_a_step_never_reached_changes_nothing(bot: BotClient) -> None:
    from bot.app import SERVICES

    draft = await bot.app[SERVICES].drafts.create(a.WORKER_AAD, "chat", None, {}, 1)
    assert draft is not None
    for verb, step in (("next", 3), ("edit", 4), ("back", 2), ("submit", 5)):
        data = {"rake": "report", "verb": verb, "draft_id": draft.id, "step": step}
        body = await bot.invoke(a.execute(bot.connector.url, data))
        assert body["statusCode"] == 400 and body["value"]["message"] == FI.t(
            "fi", "error.stale_card"
        )
    async with bot.db.sessions() as session:
        row = (await session.scalars(select(Draft))).one()
    assert (row.step, row.data, row.updated_at) == (1, {}, draft.updated_at)
