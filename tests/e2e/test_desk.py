"""End-to-end: the experts' desk in headless Debian chromium (playwright-core, tests/e2e/desk.mjs).

The bot runs as in production but for its origin: a real process with Teams sign-on enabled
(an app id, allowed tenant), its key source pointed at the local OpenID provider of
tests/oidc.py, so every token the page sends is validated by the real code. Screenshots go to
pytest's temporary directory (the path is printed)."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.desk.auth import v2_issuer
from storage.db import Database
from tests.e2e.test_playground import CHROMIUM, ROOT, _free_port, _missing, _wait_http
from tests.oidc import OpenIdProvider
from tests.seed import add, local
from tests.test_desk_auth import APP_ID, FOREIGN, TENANT, claims

DRIVER = Path(__file__).with_name("desk.mjs")
EXPERT, WORKER = "e2e-expert-aad", "e2e-worker-aad"

pytestmark = pytest.mark.e2e


class ProviderThread:
    """The local OpenID provider on an event loop of its own (the test itself is synchronous)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.provider = OpenIdProvider()

    def __enter__(self) -> OpenIdProvider:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.provider.__aenter__(), self.loop).result(30)
        return self.provider

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.provider.__aexit__(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


async def _seed(path: Path) -> None:
    """Synthetic observations: this year month by month (nothing in the future), last year."""
    db = Database.from_url(f"sqlite+aiosqlite:///{path}")
    today = date.today()
    year = today.year
    try:
        for month in range(1, today.month + 1):
            day = 1 if month == today.month else 3
            await add(db, local(year, month, day, 8), 2)
            await add(
                db,
                local(year, month, day, 9),
                1 + month % 3,
                phenomenon="mental_health",
                area="heinola",
                service_area="family_social",
                description=f"Nuorten mielenterveyspalveluihin jonotetaan ({month}. kuukausi).",
            )
            await add(db, local(year - 1, month, 9), 1 + month % 2, phenomenon="substances")
        await add(
            db, local(year, 1, 20), urgency="acute", phenomenon="violence", kind="weak_signal"
        )
    finally:
        await db.dispose()


@dataclass
class DeskStack:
    url: str
    database: Path
    artifacts: Path
    logs: Path
    tokens: dict[str, str]


def _tokens(idp: OpenIdProvider) -> dict[str, str]:
    return {
        "expert": idp.token(claims(oid=EXPERT)),
        "worker": idp.token(claims(oid=WORKER)),
        "wrong_audience": idp.token(claims(oid=EXPERT, aud="00000000-0000-0000-0000-00000000beef")),
        "foreign_tenant": idp.token(claims(oid=EXPERT, tid=FOREIGN, iss=v2_issuer(FOREIGN))),
        "expired": idp.token(claims(oid=EXPERT, exp=int(time.time()) - 3600)),
        "rogue": idp.rogue_token(claims(oid=EXPERT)),
    }


def _start(env: dict[str, str], log: Path, port: int) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=handle, stderr=handle
    )
    handle.close()
    _wait_http(f"http://127.0.0.1:{port}/readyz", 60, proc)
    return proc


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def desk_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeskStack]:
    why = _missing() or (
        None
        if (ROOT / "bot" / "desk" / "static" / "vendor" / "chart.umd.min.js").exists()
        else "the desk's vendor files are missing (make desk-assets)"
    )
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"end-to-end prerequisites missing under CI: {why}")
        pytest.skip(f"END-TO-END TESTS SKIPPED: {why}")
    tmp = tmp_path_factory.mktemp("desk")
    logs = tmp / "logs"
    logs.mkdir()
    database = tmp / "rake.db"
    port = _free_port()
    with ProviderThread() as idp:
        env = dict(
            os.environ,
            RAKE_ENVIRONMENT="test",
            RAKE_DATABASE_URL=f"sqlite+aiosqlite:///{database}",
            RAKE_DEV_EXPERTS=EXPERT,
            RAKE_SCHEDULER="false",
            RAKE_DESK_OPENID_BASE=idp.base_url,
            RAKE_ALLOWED_TENANTS=TENANT,
            RAKE_PUBLIC_URL=f"http://127.0.0.1:{port}",
            MicrosoftAppId=APP_ID,
            MicrosoftAppPassword="not-used-by-the-desk",
            PORT=str(port),
        )
        bot = _start(env, logs / "bot.log", port)
        try:
            asyncio.run(_seed(database))
            artifacts = tmp / "screenshots"
            sys.stderr.write(f"\ndesk screenshots: {artifacts}\n")
            yield DeskStack(f"http://127.0.0.1:{port}", database, artifacts, logs, _tokens(idp))
        finally:
            _stop(bot)


def drive(stack: DeskStack, scenario: str, **env: str) -> dict[str, Any]:
    proc = subprocess.run(
        ["node", str(DRIVER), scenario, stack.url, str(stack.artifacts)],
        cwd=ROOT,
        env={
            **os.environ,
            "CHROMIUM_PATH": CHROMIUM,
            "RAKE_DESK_TOKENS": json.dumps(stack.tokens),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    outcome = json.loads(lines[-1]) if lines else {"ok": False, "error": proc.stderr[-2000:]}
    print(f"{scenario}: screenshots {outcome.get('screenshots')}")
    if not outcome.get("ok"):
        log = (stack.logs / "bot.log").read_text(errors="replace")[-3000:]
        pytest.fail(f"{scenario}: {outcome.get('error')}\n--- bot log ---\n{log}")
    return dict(outcome)


def _audit(stack: DeskStack, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(stack.database) as conn:
        return conn.execute(sql).fetchall()


def test_bad_tokens_and_a_non_expert_are_refused_in_the_browser(desk_stack: DeskStack) -> None:
    outcome = drive(desk_stack, "refusals")
    refused = outcome["refused"]
    for name in ("wrong_audience", "foreign_tenant", "expired", "rogue"):
        assert refused[name]["status"] == 401, (name, refused[name])
        assert "Kirjautuminen ei onnistunut" in refused[name]["text"]
    assert refused["worker"]["status"] == 403
    assert "vain Rake-asiantuntijoiden" in refused["worker"]["text"]
    assert "jonotetaan" not in refused["worker"]["text"]
    assert (WORKER, "desk.list", 0) in _audit(
        desk_stack, "SELECT actor, action, allowed FROM audit_log"
    )


def test_an_expert_filters_opens_an_observation_and_sees_the_charts(
    desk_stack: DeskStack,
) -> None:
    outcome = drive(desk_stack, "expert")
    with sqlite3.connect(desk_stack.database) as conn:
        total = conn.execute("SELECT count(*) FROM observations").fetchone()[0]
        mental = conn.execute(
            "SELECT count(*) FROM observations WHERE phenomenon = 'mental_health'"
        ).fetchone()[0]
    assert outcome["listStatus"] == 200 and outcome["total"] == f"{total} havaintoa"
    assert outcome["filtered"] == f"{mental} havaintoa" and mental < total
    assert outcome["sortedRefs"] == sorted(outcome["sortedRefs"], reverse=True)
    assert "jonotetaan" in outcome["description"]  # the filter kept to mental health
    assert outcome["trailRows"] >= 1 and outcome["back"] == outcome["filtered"]
    assert (EXPERT, "observation.read", outcome["opened"], 1) in _audit(
        desk_stack, "SELECT actor, action, target, allowed FROM audit_log"
    )
    assert "/exports/" in str(outcome["exportLink"])
    # the status changed through the processing service, in the page and in the database
    assert "Käsittelyssä" in outcome["statusNotice"] and outcome["statusBadge"] == "Käsittelyssä"
    [(status,)] = _audit(
        desk_stack, f"SELECT status FROM observations WHERE reference = '{outcome['opened']}'"
    )
    assert status == "in_processing"
    assert outcome["metricsRows"] >= 5
    assert outcome["inkYears"] > 500 and outcome["inkDimension"] > 500, outcome
    assert outcome["darkTheme"] == "dark" and outcome["darkBackground"] == "rgb(31, 31, 31)"
    assert "Observationernas utveckling" in outcome["darkHeading"]
    assert outcome["narrowOverflow"] <= 0 and outcome["narrowObservationOverflow"] <= 0
    serious = [
        (page, v["id"])
        for page, found in outcome["axe"].items()
        for v in found
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious and len(outcome["axe"]) == 9
    for path in outcome["screenshots"]:
        assert Path(path).stat().st_size > 10_000, path


def test_the_development_url_opens_the_desk_in_a_plain_browser(
    desk_stack: DeskStack, tmp_path: Path
) -> None:
    """`make run` / `make playground` print a URL with a development token for the
    Playground's user; it works only in development (this bot runs as such)."""
    port = _free_port()
    env = dict(
        os.environ,
        RAKE_ENVIRONMENT="development",
        RAKE_DATABASE_URL=f"sqlite+aiosqlite:///{desk_stack.database}",
        RAKE_DEV_EXPERTS="00000000-0000-0000-0000-0000000000020",
        RAKE_SCHEDULER="false",
        MicrosoftAppId="",
        PORT=str(port),
    )
    bot = _start(env, tmp_path / "bot.log", port)
    try:
        deadline = time.monotonic() + 20
        banner = ""
        while "/desk/#dev=" not in banner and time.monotonic() < deadline:
            time.sleep(0.2)
            banner = (tmp_path / "bot.log").read_text(errors="replace")
        url = next(w for w in banner.split() if "/desk/#dev=" in w)
        path = url.split(f":{port}", 1)[1]
        stack = DeskStack(
            f"http://localhost:{port}", desk_stack.database, desk_stack.artifacts, tmp_path, {}
        )
        outcome = drive(stack, "development", RAKE_DESK_DEV_PATH=path)
        assert outcome["listStatus"] == 200 and outcome["total"].endswith("havaintoa")
        # the real teams-js tried its CDN and the CSP stopped it (it uses its own list then)
        assert outcome["blockedTeamsCdn"] >= 1
    finally:
        _stop(bot)
    # the same token means nothing to a bot that is not in development
    token = path.split("#dev=", 1)[1]
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"{desk_stack.url}/desk/api/", headers={"Authorization": f"Bearer {token}"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
