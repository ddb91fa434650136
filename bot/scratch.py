"""The process's own temporary folder, and the sweep of those a killed process left behind.

An export is written to a temporary file before it is streamed (and openpyxl's write-only
sheets write temporary files of their own); a normal exit or a finished download removes them,
but a kill -9 in the middle leaves a half-written file of observations in the temporary folder.
So `python -m bot run` makes every temporary file of the process in a folder of its own,
``<tmp>/rake-bot-<uid>/<pid>-<random>``, and at each start removes the folders of processes
that are gone (a folder with the starting process's own pid is a previous life's: in a container
every start is pid 1). Folders of live processes — other replicas on the same host — stay.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import tempfile
from pathlib import Path

log = logging.getLogger("bot.scratch")


class ScratchError(RuntimeError):
    pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # somebody else's process: alive
        return True
    return True


def _root(base: Path) -> Path:
    """<base>/rake-bot-<uid>, ours alone (made 0700; refused if someone else made it)."""
    root = base / f"rake-bot-{os.getuid()}"
    try:
        root.mkdir(mode=0o700)
    except FileExistsError:
        pass
    info = os.lstat(root)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise ScratchError(f"{root} is not a folder of this user")
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(root, 0o700)
    return root


def sweep(root: Path, own_pid: int | None = None) -> list[Path]:
    """Remove the folders under root whose process is gone (or is this pid's previous life)."""
    own = os.getpid() if own_pid is None else own_pid
    removed = []
    for child in root.iterdir():
        pid = child.name.partition("-")[0]
        if pid.isdigit() and int(pid) != own and _alive(int(pid)):
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
        removed.append(child)
    if removed:
        log.warning("removed %d temporary folder(s) left by stopped processes", len(removed))
    return removed


def claim(base: Path | None = None) -> Path:
    """Sweep, then make this process's own temporary folder and return it."""
    root = _root(Path(base or tempfile.gettempdir()))
    sweep(root)
    return Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=root))
