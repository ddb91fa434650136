"""Build the production image with buildah: `python deploy/image.py` (what `make image` runs).

The base is the official Python image when it can be pulled (or is already here), else a Debian
bookworm root file system bootstrapped with mmdebstrap and imported with podman, cached under
~/.cache/rake-bot (RAKE_IMAGE_CACHE) and reused until it is RAKE_IMAGE_BASE_MAX_AGE_DAYS (30)
old. RAKE_IMAGE_BASE=<image> forces a base. The package-index settings this machine's pip uses
go to the build as build secrets (a pip.conf and a CA bundle), never into a layer. Layers are
reused between builds (`buildah bud --layers`). Needs root, buildah and podman (and mmdebstrap
for the bootstrap); `make image` installs them with apt-get when they are missing.

The last line printed is one JSON object: built, image, id, base, base_kind, build_seconds,
size_mb (and why, when built is false).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
OFFICIAL_BASE = "docker.io/library/python:3.11-slim-bookworm"
LOCAL_BASE = "localhost/rake-base:bookworm-python3"
BOOTSTRAP = [
    "mmdebstrap",
    "--variant=apt",
    "--include=python3,python3-venv,ca-certificates",
    # what the official slim image leaves out too (copyright files are kept)
    "--dpkgopt=path-exclude=/usr/share/man/*",
    "--dpkgopt=path-exclude=/usr/share/doc/*",
    "--dpkgopt=path-include=/usr/share/doc/*/copyright",
    "--dpkgopt=path-exclude=/usr/share/locale/*",
    "bookworm",
]
PIP_KEYS = {"index-url", "extra-index-url", "timeout", "default-timeout", "retries", "trusted-host"}


class BuildError(Exception):
    pass


def say(message: str) -> None:
    sys.stderr.write(f"image: {message}\n")
    sys.stderr.flush()


def cache_dir() -> Path:
    path = Path(os.environ.get("RAKE_IMAGE_CACHE") or Path.home() / ".cache" / "rake-bot")
    path.mkdir(parents=True, exist_ok=True)
    return path


def version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def image_name() -> str:
    return f"rake-bot:{version()}"


def missing_tools() -> list[str]:
    return [tool for tool in ("buildah", "podman") if shutil.which(tool) is None]


def run(args: list[str], timeout: float = 600, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, **kw
    )


def image_exists(ref: str) -> bool:
    return run(["podman", "image", "exists", ref], timeout=60).returncode == 0


def size_mb(ref: str) -> float:
    out = run(["podman", "image", "inspect", "--format", "{{.Size}}", ref], timeout=60)
    return round(int(out.stdout.strip()) / 1e6, 1) if out.returncode == 0 else 0.0


def _official_base(cache: Path) -> str | None:
    """The official image if it is here or can be pulled; an unreachable registry is
    remembered for a day so that every build does not wait for it."""
    if image_exists(OFFICIAL_BASE):
        return OFFICIAL_BASE
    marker = cache / "official-base-unreachable"
    if marker.exists() and time.time() - marker.stat().st_mtime < 86400:
        say("the official Python image was not reachable within the last day: not tried again")
        return None
    say(f"pulling {OFFICIAL_BASE} …")
    try:
        pulled = run(["podman", "pull", "--quiet", OFFICIAL_BASE], timeout=300)
    except subprocess.TimeoutExpired:
        pulled = None
    if pulled is not None and pulled.returncode == 0:
        marker.unlink(missing_ok=True)
        return OFFICIAL_BASE
    reason = pulled.stderr.strip().splitlines()[-1:] if pulled else ["timed out"]
    say(f"the official Python image cannot be pulled ({' '.join(reason)[:200]})")
    marker.touch()
    return None


def _bootstrapped_base(cache: Path) -> str:
    """A Debian bookworm base (python3, python3-venv, ca-certificates) from mmdebstrap."""
    tarball = cache / "debian-bookworm-python3.tar"
    max_age = float(os.environ.get("RAKE_IMAGE_BASE_MAX_AGE_DAYS", "30")) * 86400
    fresh = tarball.exists() and time.time() - tarball.stat().st_mtime < max_age
    if fresh and image_exists(LOCAL_BASE):
        say(f"base: {LOCAL_BASE} (cached, from {tarball})")
        return LOCAL_BASE
    if not fresh:
        if shutil.which("mmdebstrap") is None:
            raise BuildError("mmdebstrap is missing (apt-get install mmdebstrap)")
        say(f"bootstrapping a Debian bookworm base with mmdebstrap into {tarball} …")
        started = time.monotonic()
        partial = tarball.with_suffix(f".partial-{os.getpid()}.tar")
        made = run([*BOOTSTRAP, str(partial)], timeout=1800)
        if made.returncode != 0:
            partial.unlink(missing_ok=True)
            raise BuildError("mmdebstrap failed: " + made.stderr.strip()[-1500:])
        partial.replace(tarball)
        megabytes = tarball.stat().st_size / 1e6
        say(f"bootstrap took {time.monotonic() - started:.1f} s ({megabytes:.0f} MB)")
    imported = run(["podman", "import", "--quiet", str(tarball), LOCAL_BASE], timeout=600)
    if imported.returncode != 0:
        raise BuildError("podman import failed: " + imported.stderr.strip()[-1500:])
    say(f"base: {LOCAL_BASE} (imported from {tarball})")
    return LOCAL_BASE


def choose_base(cache: Path) -> tuple[str, str]:
    forced = os.environ.get("RAKE_IMAGE_BASE")
    if forced:
        return forced, "given"
    with (cache / "base.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # builds started at once share one bootstrap
        official = _official_base(cache)
        if official:
            return official, "official"
        return _bootstrapped_base(cache), "debian-bootstrap"


def _host_pip_settings() -> dict[str, str]:
    """The settings this machine's pip uses (its config files and PIP_* variables)."""
    listed = run([sys.executable, "-m", "pip", "config", "list"], timeout=60)
    settings: dict[str, str] = {}
    for line in listed.stdout.splitlines():
        match = re.fullmatch(r"[^.]*\.([a-z-]+)='(.*)'", line.strip())
        if match:
            settings[match[1]] = match[2]
    return settings


def pip_secrets(workdir: Path) -> tuple[list[str], str]:
    """`--secret` arguments that give the build this machine's way to the package index: a
    pip.conf (index URLs reachable over the network, timeouts) and the CA bundle pip trusts.
    Local file:// indexes are left out: they are not inside the build."""
    host = _host_pip_settings()
    lines = ["[global]"]
    kept = 0
    for key in sorted(PIP_KEYS & host.keys()):
        value = host[key]
        if key.endswith("index-url"):
            urls = [u for u in value.split() if u.startswith(("http://", "https://"))]
            kept += len(urls)
            value = " ".join(urls)
        if value:
            lines.append(f"{'timeout' if key == 'default-timeout' else key} = {value}")
    conf = workdir / "pip.conf"
    conf.write_text("\n".join(lines) + "\n", encoding="utf-8")
    conf.chmod(0o600)
    args = ["--secret", f"id=pipconf,src={conf}"]
    ca = next(
        (
            Path(p)
            for p in (
                host.get("cert"),
                os.environ.get("REQUESTS_CA_BUNDLE"),
                os.environ.get("SSL_CERT_FILE"),
                "/etc/ssl/certs/ca-certificates.crt",
            )
            if p and Path(p).is_file()
        ),
        None,
    )
    if ca is not None:
        args += ["--secret", f"id=ca,src={ca}"]
    index = "the index pip uses by default" if "index-url" not in host else "the configured index"
    summary = f"{index}, {kept} network index URL(s) in all, CA bundle {ca or 'none'}"
    return args, summary


def revision() -> str:
    try:
        out = run(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"], timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.stdout.strip() or "unknown"


def build() -> dict[str, Any]:
    """Build rake-bot:<version>; raise BuildError with the reason if it cannot be built."""
    missing = missing_tools()
    if missing:
        raise BuildError(f"{', '.join(missing)} missing (make image installs them as root)")
    if os.geteuid() != 0:
        raise BuildError("building with buildah's chroot isolation needs root here")
    cache = cache_dir()
    started = time.monotonic()
    base, kind = choose_base(cache)
    with tempfile.TemporaryDirectory(prefix="rake-image-") as tmp:
        secrets, summary = pip_secrets(Path(tmp))
        say(f"package index for the build: {summary}")
        iidfile = Path(tmp) / "iid"
        args = [
            "buildah", "bud", "--isolation", "chroot", "--network", "host", "--layers",
            "--force-rm", "--format", "docker", "--file", str(DOCKERFILE),
            "--iidfile", str(iidfile),
            "--build-arg", f"BASE={base}",
            "--label", f"org.opencontainers.image.version={version()}",
            "--label", f"org.opencontainers.image.revision={revision()}",
            *secrets, "--tag", image_name(), str(ROOT),
        ]  # fmt: skip
        say("$ " + shlex.join(args))
        log_path = cache / "build.log"
        build_started = time.monotonic()
        with log_path.open("w", encoding="utf-8") as log:
            process = subprocess.Popen(
                args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
            assert process.stdout is not None
            for line in process.stdout:
                log.write(line)
                if re.match(r"\[\d/\d\] STEP|--> Using cache|Successfully tagged", line):
                    sys.stderr.write("  " + line[:160].rstrip() + "\n")
            rc = process.wait()
        if rc != 0:
            tail = log_path.read_text(encoding="utf-8").strip().splitlines()[-25:]
            raise BuildError(f"buildah bud failed ({rc}); log {log_path}:\n" + "\n".join(tail))
        image_id = iidfile.read_text().strip()
    elapsed = time.monotonic() - build_started
    result: dict[str, Any] = {
        "built": True,
        "image": image_name(),
        "id": image_id.removeprefix("sha256:"),
        "base": base,
        "base_kind": kind,
        "build_seconds": round(elapsed, 1),
        "total_seconds": round(time.monotonic() - started, 1),
        "size_mb": size_mb(image_id),
    }
    say(
        f"built {result['image']} ({result['id'][:12]}) on {base} in {elapsed:.1f} s"
        f" ({result['total_seconds']} s with the base); size {result['size_mb']} MB"
    )
    return result


def main() -> int:
    try:
        result = build()
    except (BuildError, subprocess.TimeoutExpired, OSError) as exc:
        say(f"NOT built: {exc}")
        sys.stdout.write(json.dumps({"built": False, "why": str(exc)[:500]}) + "\n")
        return 1
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
