"""Build the production image and run it on this machine: `make image-test`.

`podman run` does not work in this VM (crun cannot set rlimits), so the image is run the way
buildah runs a build step: `buildah from` + `buildah run --isolation chroot`, sharing the host
network, as the user the image names. Checked: `check-config` for every shipped county;
`migrate` and then `run` against the machine's PostgreSQL (a database of its own, dropped
after); /healthz and /readyz from the host and the image's own HEALTHCHECK command; a whole
report dialog over HTTP with the local fake Bot Connector; the uid of the serving process; no
compilers, pip or pip cache in the image; production mode refusing to start without its
settings. The last line printed is one JSON object (see deploy/README.md).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from image import ROOT, BuildError, build, revision, run, say

PG_ADMIN = os.environ.get("RAKE_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REFERENCE = re.compile(r"RAKE-\d{4}-\d{4,}")
NO_TOOLS = (
    "for c in gcc cc c++ g++ clang make ld as pip pip3; do command -v $c; done;"
    " ls -d /wheels /opt/build-venv /root/.cache/pip /home/*/.cache/pip /tmp/pip-* 2>/dev/null;"
    " true"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Container:
    """A working container of the image, run with chroot isolation on the host network."""

    def __init__(self, image: str) -> None:
        self.name = f"rake-image-test-{uuid.uuid4().hex[:8]}"
        made = run(["buildah", "from", "--pull=never", "--name", self.name, image], timeout=300)
        if made.returncode != 0:
            raise BuildError("buildah from failed: " + made.stderr.strip()[-500:])
        config = json.loads(run(["buildah", "inspect", self.name], timeout=60).stdout)
        self.user = config["OCIv1"]["config"].get("User", "")
        self.healthcheck = (config.get("Docker", {}).get("config", {}) or {}).get("Healthcheck")
        self.labels = config["OCIv1"]["config"].get("Labels") or {}

    def command(self, argv: list[str], env: dict[str, str]) -> list[str]:
        args = ["buildah", "run", "--isolation", "chroot", "--network", "host"]
        if self.user:
            args += ["--user", self.user]
        for key, value in env.items():
            args += ["--env", f"{key}={value}"]
        return [*args, self.name, "--", *argv]

    def run(
        self, argv: list[str], env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return run(self.command(argv, env or {}), timeout=300)

    def remove(self) -> None:
        run(["buildah", "rm", self.name], timeout=120)


def _pg(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _admin(sql: str) -> None:
    import asyncpg

    conn = await asyncio.wait_for(asyncpg.connect(_pg(PG_ADMIN)), timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _stored_references(url: str) -> list[str]:
    import asyncpg

    conn = await asyncpg.connect(_pg(url))
    try:
        return [r["reference"] for r in await conn.fetch("SELECT reference FROM observations")]
    finally:
        await conn.close()


def listener_uid(port: int) -> tuple[int, int] | None:
    """(pid, real uid) of the process listening on 127.0.0.1:port, from /proc."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    status = (proc / "status").read_text()
                    uid = re.search(r"(?m)^Uid:\s+(\d+)", status)
                    return int(proc.name), int(uid[1]) if uid else -1
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
    return None


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0


async def report_dialog(base_url: str) -> dict[str, Any]:
    """The bot is installed in personal chat, then a whole report: start, four steps,
    submit — Teams' activities over HTTP, the bot's outbound calls to the fake connector."""
    import aiohttp

    from tests import activities as a
    from tests.fake_connector import FakeConnector
    from tests.test_report_dialog import STEP1, STEP2, STEP3, STEP4

    connector = FakeConnector()
    await connector.start()
    try:
        async with aiohttp.ClientSession() as http:

            async def post(activity: dict[str, Any]) -> Any:
                async with http.post(f"{base_url}/api/messages", json=activity) as response:
                    text = await response.text()
                    if response.status not in (200, 201, 202):
                        raise BuildError(f"/api/messages answered {response.status}: {text[:300]}")
                    return json.loads(text) if text else None

            def card(body: dict[str, Any]) -> dict[str, Any]:
                assert body["statusCode"] == 200, body
                return dict(body["value"])

            def button(c: dict[str, Any], verb: str) -> dict[str, Any]:
                for action in c.get("actions", []):
                    if action.get("data", {}).get("verb") == verb:
                        return dict(action["data"])
                raise BuildError(f"no {verb!r} button on the card")

            await post(a.bot_added_personal(connector.url))
            current = card(await post(a.execute(connector.url, {"rake": "report.start"})))
            for values in (STEP1, STEP2, STEP3, STEP4):
                data = {**button(current, "next"), **values}
                current = card(await post(a.execute(connector.url, data)))
            done = card(await post(a.execute(connector.url, button(current, "submit"))))
        found = REFERENCE.search(json.dumps(done, ensure_ascii=False))
        return {
            "report_reference": found[0] if found else None,
            "connector_calls": len(connector.calls),
            "welcome_sent": bool(connector.cards()),
        }
    finally:
        await connector.close()


SIMILAR = (
    "from dialogs.similar import Candidate, backend; "
    "print(backend().rank('nuorten asunnottomuus', [Candidate('a', 'Nuorten asunnottomuus "
    "kasvaa'), Candidate('b', 'Vanhusten yksinäisyys')], 1)[0][0])"
)


def check(image_id: str, result: dict[str, Any], failures: list[str]) -> None:
    counties = sorted(p.stem for p in (ROOT / "counties" / "data").glob("*.yaml"))
    box = Container(image_id)
    database = f"rake_image_{uuid.uuid4().hex[:10]}"
    server: subprocess.Popen[str] | None = None
    try:
        result["user"] = box.user
        result["revision"] = box.labels.get("org.opencontainers.image.revision")
        if result["revision"] != revision():
            failures.append(f"the image's revision label {result['revision']} is not {revision()}")
        dev = {"RAKE_ENVIRONMENT": "development"}
        checked = {}
        for county in counties:
            out = box.run(["python", "-m", "bot", "check-config", county], dev)
            checked[county] = out.returncode == 0
            if out.returncode:
                failures.append(f"check-config {county}: {out.stderr.strip()[-300:]}")
        result["check_config"] = checked

        tools = box.run(["sh", "-c", NO_TOOLS]).stdout.split()
        result["build_tools_found"] = tools
        if tools:
            failures.append(f"compilers, pip or pip caches in the image: {tools}")

        # similar observations (numpy TF-IDF) rank inside the image
        similar = box.run(["python", "-c", SIMILAR])
        result["similar"] = similar.stdout.strip()
        if similar.returncode or result["similar"] != "a":
            failures.append(f"similar observations in the image: {similar.stderr.strip()[-300:]}")

        refused = box.run(["python", "-m", "bot", "run"])
        half = box.run(
            ["python", "-m", "bot", "run"],
            {"MicrosoftAppId": "11111111-0000-0000-0000-000000000001", "MicrosoftAppPassword": "x"},
        )
        result["production_refuses"] = (
            refused.returncode == 2
            and "production mode refuses to start" in refused.stderr
            and half.returncode == 2
            and "RAKE_EXPORT_SECRET" in half.stderr
        )
        if not result["production_refuses"]:
            failures.append(f"production mode started without its settings: {refused.stderr}")

        asyncio.run(_admin(f'CREATE DATABASE "{database}"'))
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + database
        port = free_port()
        env = {
            **dev,
            "RAKE_DATABASE_URL": url,
            "RAKE_HOST": "127.0.0.1",
            "PORT": str(port),
            "RAKE_MIGRATE_ON_START": "false",  # so /readyz 200 shows `migrate` did it
            "RAKE_SCHEDULER": "false",
        }
        migrated = box.run(["python", "-m", "bot", "migrate"], env)
        result["migrate"] = migrated.returncode
        if migrated.returncode:
            failures.append(f"migrate: {migrated.stderr.strip()[-500:]}")
        server = _serve(box, env)
        base_url = f"http://127.0.0.1:{port}"
        result["healthz"] = http_status(base_url + "/healthz")
        result["readyz"] = http_status(base_url + "/readyz")
        for name in ("healthz", "readyz"):
            if result[name] != 200:
                failures.append(f"/{name} answered {result[name]}")
        found = listener_uid(port)
        result["pid"], result["uid"] = found if found else (None, None)
        if not result["uid"]:
            failures.append(f"the serving process runs as uid {result['uid']}")
        if box.healthcheck:
            probe = box.run(box.healthcheck["Test"][1:], {"PORT": str(port)})
            result["healthcheck"] = probe.returncode
            if probe.returncode:
                failures.append(f"the image's HEALTHCHECK failed: {probe.stderr[-300:]}")
        else:
            failures.append("the image has no HEALTHCHECK")
        if result["healthz"] == 200:
            result.update(asyncio.run(report_dialog(base_url)))
            stored = asyncio.run(_stored_references(url))
            if not result.get("report_reference") or stored != [result["report_reference"]]:
                failures.append(f"report: card {result.get('report_reference')}, stored {stored}")
            if not result.get("welcome_sent"):
                failures.append("the welcome card did not reach the fake connector")
        _stop(server, result.get("pid"))
        server = None
        production(box, url, result, failures)
    finally:
        if server is not None:
            _stop(server, result.get("pid"))
        box.remove()
        try:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        except Exception as exc:  # leave a note; the run's result stands
            say(f"could not drop database {database}: {exc}")


def _serve(box: Container, env: dict[str, str]) -> subprocess.Popen[str]:
    """`python -m bot run` in the container; returns once /healthz answers (or it gave up)."""
    server = subprocess.Popen(
        box.command(["python", "-m", "bot", "run"], env),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and server.poll() is None:
        if http_status(f"http://127.0.0.1:{env['PORT']}/healthz") == 200:
            break
        time.sleep(0.3)
    return server


def production(box: Container, url: str, result: dict[str, Any], failures: list[str]) -> None:
    """With production's settings (made-up credentials) the image starts, is ready, and
    refuses an activity that carries no Bot Framework token."""
    from tests import activities as a

    port = free_port()
    env = {
        "RAKE_DATABASE_URL": url,
        "RAKE_HOST": "127.0.0.1",
        "PORT": str(port),
        "RAKE_SCHEDULER": "false",
        "MicrosoftAppId": "11111111-0000-0000-0000-000000000001",
        "MicrosoftAppPassword": "not-a-real-password",
        "RAKE_EXPORT_SECRET": uuid.uuid4().hex + uuid.uuid4().hex,
        "RAKE_PUBLIC_URL": "https://rake.example.fi",
        "RAKE_ALLOWED_TENANTS": a.TENANT,
    }
    server = _serve(box, env)
    pid = None
    try:
        base_url = f"http://127.0.0.1:{port}"
        ready = http_status(base_url + "/readyz")
        found = listener_uid(port)
        pid = found[0] if found else None
        request = urllib.request.Request(
            base_url + "/api/messages",
            data=json.dumps(a.message("http://127.0.0.1:9/", "raportoi")).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                unauthenticated = int(response.status)
        except urllib.error.HTTPError as exc:
            unauthenticated = int(exc.code)
        except OSError:
            unauthenticated = 0
        result["production"] = {"readyz": ready, "activity_without_token": unauthenticated}
        if ready != 200 or unauthenticated != 401:
            failures.append(f"production mode with its settings: {result['production']}")
    finally:
        _stop(server, pid)


def _stop(server: subprocess.Popen[str], pid: int | None) -> None:
    """Stop the bot we started: SIGTERM to its process (buildah does not forward signals)."""
    if pid:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        out, _ = server.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        server.terminate()
        try:
            out, _ = server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            out, _ = server.communicate(timeout=20)
    lines = [line for line in (out or "").splitlines() if line.strip()]
    say(f"the bot's last log lines: {lines[-3:]}")


def main() -> int:
    started = time.monotonic()
    result: dict[str, Any] = dict.fromkeys(
        ("size_mb", "uid", "healthz", "readyz", "report_reference"), None
    )
    result["built"] = False
    failures: list[str] = []
    try:
        built = build()
        result.update(built)
    except (BuildError, subprocess.TimeoutExpired, OSError) as exc:
        failures.append(f"not built: {exc}")
    if result["built"]:
        try:
            check(result["id"], result, failures)
        except Exception as exc:  # any failure is reported in the summary line
            failures.append(f"{type(exc).__name__}: {exc}")
    result["test_seconds"] = round(time.monotonic() - started, 1)
    result["failures"] = failures
    for failure in failures:
        say(f"FAILED: {failure}")
    get = result.get
    say(
        f"image {get('image')}: {get('size_mb')} MB, build {get('build_seconds')} s,"
        f" uid {get('uid')}, /healthz {get('healthz')}, /readyz {get('readyz')},"
        f" report {get('report_reference')}, whole run {result['test_seconds']} s"
    )
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
