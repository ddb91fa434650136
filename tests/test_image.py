"""The production image, built and run on this machine (`make image-test`, see deploy/README.md).

Needs root and Debian's buildah and podman (`make test` installs them, with mmdebstrap, when it
can); without them the test is skipped with the reason, and fails under CI. The image's layers
and the bootstrapped base are reused between runs, so a run after a code change takes about a
minute. RAKE_SKIP_IMAGE_TEST=1 skips it outside CI."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _unavailable() -> str | None:
    missing = [tool for tool in ("buildah", "podman") if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} not installed (make test installs them as root with apt-get)"
    if os.geteuid() != 0:
        return "buildah's chroot isolation needs root here"
    if os.environ.get("RAKE_SKIP_IMAGE_TEST") == "1":
        return "RAKE_SKIP_IMAGE_TEST=1"
    return None


def test_the_production_image_builds_and_serves_a_report() -> None:
    why = _unavailable()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"the image test cannot run under CI: {why}")
        pytest.skip(f"the production image is not built here: {why}")
    done = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "image_check.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3000,
        stdin=subprocess.DEVNULL,
    )
    sys.stderr.write(done.stderr[-3000:])
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr[-3000:]
    result = json.loads(lines[-1])
    assert result["built"] is True, result
    assert result["failures"] == [], result["failures"]
    assert done.returncode == 0
    assert result["uid"] and result["uid"] == int(result["user"]) != 0
    assert (result["healthz"], result["readyz"], result["healthcheck"]) == (200, 200, 0)
    assert re.fullmatch(r"RAKE-\d{4}-\d{4,}", result["report_reference"])
    assert result["welcome_sent"] and result["connector_calls"] >= 1
    shipped = sorted(p.stem for p in (ROOT / "counties" / "data").glob("*.yaml"))
    assert result["check_config"] == dict.fromkeys(shipped, True)
    assert result["production_refuses"] is True and result["build_tools_found"] == []
    assert result["migrate"] == 0
    assert result["production"] == {"readyz": 200, "activity_without_token": 401}
    assert 50 < result["size_mb"] < 1000
