"""``python -m bot user-export`` / ``user-delete`` end to end in a subprocess on an SQLite file:
the JSON, the confirmation, the dry run, the audit entries, and that no Bot Framework module is
ever imported by them (``tick``, which builds the app, is the control that does import it)."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from storage.db import Database
from storage.migrate import upgrade
from tests.rights_seed import A, B, world

ROOT = Path(__file__).resolve().parents[1]
SDK = ("botbuilder", "botframework", "msrest")
# Runs ``python -m bot ARGS`` and reports, on its last stderr line, the SDK modules it loaded.
WRAPPER = "\n".join(
    [
        "import json, runpy, sys",
        'sys.argv = ["bot", *sys.argv[1:]]',
        "code = 0",
        "try:",
        '    runpy.run_module("bot", run_name="__main__", alter_sys=True)',
        "except SystemExit as exc:",
        "    code = exc.code",
        f'sdk = sorted(m for m in sys.modules if m.split(".")[0] in {SDK!r})',
        'sys.stderr.write("\\nSDK-MODULES " + json.dumps(sdk) + "\\n")',
        "sys.exit(code)",
    ]
)


def bot(url: str, *args: str, stdin: str = "") -> tuple[int, str, str, list[str]]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("RAKE_", "Microsoft"))}
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *args],
        cwd=ROOT,
        env={**base, "RAKE_DATABASE_URL": url, "RAKE_ENVIRONMENT": "test"},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    head, _, tail = done.stderr.rpartition("SDK-MODULES ")
    return done.returncode, done.stdout, head, json.loads(tail.splitlines()[0])


@pytest.fixture
def world_file(tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "rights.db"
    url = f"sqlite+aiosqlite:///{path}"

    async def make() -> None:
        db = Database.from_url(url)
        await upgrade(db)
        await world(db)
        await db.dispose()

    asyncio.run(make())
    return url, path


def drafts_of(path: Path, who: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(
            conn.execute("SELECT count(*) FROM drafts WHERE user_id = ?", (who,)).fetchone()[0]
        )


def audit(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT actor, action, target FROM audit_log ORDER BY id").fetchall()
    return [(a, b, c) for a, b, c in rows if b.startswith("user.")]


def test_user_export_writes_json_without_the_sdk(world_file: tuple[str, Path]) -> None:
    url, path = world_file
    rc, out, err, sdk = bot(url, "user-export", A)
    assert rc == 0, err
    assert sdk == []
    doc = json.loads(out)
    assert doc["user"] == A and len(doc["drafts"]) == 3 and len(doc["reports"]) == 4
    assert B not in out
    target = path.parent / "export.json"
    rc, out, err, sdk = bot(url, "user-export", A, "--out", str(target), "--operator", "dpo-1")
    assert rc == 0 and sdk == [] and out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["drafts"] == doc["drafts"]
    assert target.stat().st_mode & 0o077 == 0  # personal data: the operator's alone
    assert [(a, b) for a, b, _ in audit(path)] == [("cli", "user.export"), ("dpo-1", "user.export")]


def test_user_delete_asks_first_and_a_dry_run_changes_nothing(
    world_file: tuple[str, Path],
) -> None:
    url, path = world_file
    rc, _out, err, sdk = bot(url, "user-delete", A, stdin="no\n")
    assert rc == 1 and "not confirmed: nothing changed" in err and sdk == []
    assert "drafts deleted" in err and "reports kept, link to the person removed" in err
    rc, _out, err, _sdk = bot(url, "user-delete", A)  # no answer at all (end of input)
    assert rc == 1 and drafts_of(path, A) == 3
    rc, out, err, sdk = bot(url, "user-delete", A, "--dry-run")
    assert rc == 0 and sdk == [] and "dry run, nothing changed" in out
    assert [line.split()[-1] for line in out.splitlines() if "drafts deleted" in line] == ["3"]
    assert drafts_of(path, A) == 3
    rc, out, err, sdk = bot(url, "user-delete", A, stdin="yes\n")
    assert rc == 0 and sdk == [] and "erased:" in out, err
    assert drafts_of(path, A) == 0 and drafts_of(path, B) == 3
    actions = audit(path)
    assert [(a, b) for a, b, _ in actions] == [
        ("cli", "user.delete.dry_run"),
        ("cli", "user.delete"),
    ]
    assert all(A not in target for _, _, target in actions)


def test_user_delete_yes_operator_and_bad_ids(world_file: tuple[str, Path]) -> None:
    url, path = world_file
    rc, _out, err, _sdk = bot(url, "user-delete", B, "--yes", "--operator", "dpo-2")
    assert rc == 0, err
    assert rc == 0 and drafts_of(path, B) == 0 and drafts_of(path, A) == 3
    assert audit(path)[-1][:2] == ("dpo-2", "user.delete")
    rc, _out, err, _sdk = bot(url, "user-delete", "erased", "--yes")
    assert rc == 2 and "mark of erased people" in err and "Traceback" not in err


def test_tick_runs_the_retention_jobs_and_is_the_sdk_control(tmp_path: Path) -> None:
    rc, out, err, sdk = bot(f"sqlite+aiosqlite:///{tmp_path / 'tick.db'}", "tick")
    assert rc == 0, err
    for job in ("purge-expired-drafts", "retention-observations", "retention-audit-log"):
        assert f"{job}: ok 0" in out
    assert "botbuilder.core" in sdk  # the check above would see the SDK if it were imported
