"""`python -m bot check-text` (the guard's contract), its data and its labels."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dialogs.guard import Finding
from i18n import LANGS

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "dialogs" / "data"


def _run(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", "check-text", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_check_text_answers_in_order_and_imports_no_sdk() -> None:
    texts = [
        "Matti Virtanen kertoi, puh. 040 123 4567",
        "Monet asiakkaamme eivät saa toimeentulotukea ajoissa.",
        "asiakkaani ei saanut palvelua",
        "",
        "hetu 131052-308t",
    ]
    done = _run(json.dumps(texts))
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == [
        {"blocks": ["phone", "name"], "notices": []},
        {"blocks": [], "notices": []},
        {"blocks": [], "notices": ["grievance"]},
        {"blocks": [], "notices": []},
        {"blocks": ["hetu"], "notices": []},
    ]
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()]
    assert "dialogs.guard" in imported  # the import log is there and names modules
    assert not [m for m in imported if m.startswith(("botbuilder", "botframework"))]


def test_check_text_takes_a_county_as_allow_context() -> None:
    text = json.dumps(["Nuoret Keskisen suurpiirissä odottavat."])
    assert json.loads(_run(text).stdout) == [{"blocks": ["name"], "notices": []}]
    assert json.loads(_run(text, "--county", "helsinki").stdout) == [{"blocks": [], "notices": []}]


@pytest.mark.parametrize("stdin", ["not json", '{"a": 1}', '["ok", 3]'])
def test_check_text_refuses_other_input(stdin: str) -> None:
    done = _run(stdin)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "check-text" in done.stderr


def test_every_kind_has_a_label_in_every_language() -> None:
    for lang in LANGS:  # read the files themselves: the catalog falls back to Finnish
        messages = json.loads((ROOT / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))
        for kind in Finding:
            if kind is not Finding.GRIEVANCE:
                assert messages.get(f"guard.kind.{kind.value}"), (lang, kind)


def _section_sizes(name: str) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.startswith("# --- "):
            source, count = line[6:].rsplit(":", 1)
            sizes[source] = int(count)
    return sizes


def test_the_name_lists_are_large_and_sourced() -> None:
    first, last = _section_sizes("first_names.txt"), _section_sizes("surnames.txt")
    finnish = sum(n for s, n in first.items() if s.startswith("Finnish")) + sum(
        n for s, n in last.items() if s.startswith("Finnish")
    )
    assert finnish >= 1000
    assert any(s.startswith("Swedish") for s in first) and any(
        s.startswith("Swedish") for s in last
    )
    assert sum(first.values()) + sum(last.values()) >= 5000
    assert "DVV" in (DATA / "README.md").read_text(encoding="utf-8")
