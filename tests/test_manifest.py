"""The Teams app package: manifest and localisation files valid against Microsoft's schemas
(npm @microsoft/app-manifest, validated with Draft 7), icons of the right size, and every
command in the command menu one the bot understands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from PIL import Image

from dialogs.commands import Command, parse_command

ROOT = Path(__file__).resolve().parents[1]
TEAMS = ROOT / "deploy" / "teams"
SCHEMAS = ROOT / "node_modules" / "@microsoft" / "app-manifest" / "build" / "json-schemas" / "teams"


def _schema(name: str, version: str) -> dict[str, Any]:
    path = SCHEMAS / f"v{version}" / name
    if not path.exists():
        why = f"{path} missing: make test installs the npm package @microsoft/app-manifest"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    return json.loads(path.read_text(encoding="utf-8"))


def _load(name: str) -> dict[str, Any]:
    return json.loads((TEAMS / name).read_text(encoding="utf-8"))


def _errors(instance: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def test_manifest_is_valid() -> None:
    manifest = _load("manifest.json")
    assert not _errors(manifest, _schema("MicrosoftTeams.schema.json", manifest["manifestVersion"]))


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_localisation_files_are_valid(lang: str) -> None:
    version = _load("manifest.json")["manifestVersion"]
    assert not _errors(
        _load(f"{lang}.json"), _schema("MicrosoftTeams.Localization.schema.json", version)
    )


def test_validation_catches_a_broken_manifest() -> None:
    manifest = _load("manifest.json")
    schema = _schema("MicrosoftTeams.schema.json", manifest["manifestVersion"])
    broken = dict(manifest, id="not-a-guid")
    del broken["icons"]
    assert len(_errors(broken, schema)) >= 2


def test_icons() -> None:
    with Image.open(TEAMS / "color.png") as colour:
        assert colour.size == (192, 192)
    with Image.open(TEAMS / "outline.png") as outline:
        assert outline.size == (32, 32) and outline.mode == "RGBA"
        pixels = list(outline.getdata())
        assert pixels[0][3] == 0  # transparent background
        drawn = [p for p in pixels if p[3] > 0]
        assert drawn and all(p[:3] == (255, 255, 255) for p in drawn)  # white only


def test_every_menu_command_is_understood_in_its_language() -> None:
    manifest = _load("manifest.json")
    titles = [c["title"] for lst in manifest["bots"][0]["commandLists"] for c in lst["commands"]]
    for lang in ("sv", "en"):
        titles += [
            v
            for k, v in _load(f"{lang}.json").items()
            if k.startswith("bots[0]") and k.endswith(".title")
        ]
    for title in titles:
        assert parse_command(title).command is not Command.UNKNOWN, title


def test_message_action_matches_the_handler() -> None:
    command = _load("manifest.json")["composeExtensions"][0]["commands"][0]
    assert command["type"] == "action" and command["fetchTask"] is True
    assert command["context"] == ["message"]


def test_make_package_builds_a_valid_zip(tmp_path: Path) -> None:
    env = {
        "MicrosoftAppId": "12345678-1234-1234-1234-123456789abc",
        "RAKE_PUBLIC_HOST": "rake.example.fi",
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run(
        [sys.executable, str(TEAMS / "package.py")], check=True, env=env, capture_output=True
    )
    with zipfile.ZipFile(TEAMS / "build" / "rake-bot.zip") as archive:
        assert sorted(archive.namelist()) == sorted(
            ["manifest.json", "color.png", "outline.png", "sv.json", "en.json"]
        )
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["id"] == manifest["bots"][0]["botId"] == env["MicrosoftAppId"]
    assert manifest["validDomains"] == ["rake.example.fi"]
    # the experts' desk: a personal tab with Teams single sign-on for this app and host
    [tab] = manifest["staticTabs"]
    assert tab["scopes"] == ["personal"]
    assert tab["contentUrl"].startswith("https://rake.example.fi/desk/")
    assert manifest["webApplicationInfo"] == {
        "id": env["MicrosoftAppId"],
        "resource": f"api://rake.example.fi/botid-{env['MicrosoftAppId']}",
    }
    # a bot that is a managed identity names another app registration for the sign-on
    desk_app = "7d0c5a1e-9f3b-4c2d-8e6f-1a2b3c4d5e6f"
    subprocess.run(
        [sys.executable, str(TEAMS / "package.py")],
        check=True,
        env={**env, "RAKE_DESK_APP_ID": desk_app},
        capture_output=True,
    )
    with zipfile.ZipFile(TEAMS / "build" / "rake-bot.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["bots"][0]["botId"] == env["MicrosoftAppId"]
    assert manifest["webApplicationInfo"] == {
        "id": desk_app,
        "resource": f"api://rake.example.fi/botid-{desk_app}",
    }
    assert not _errors(manifest, _schema("MicrosoftTeams.schema.json", manifest["manifestVersion"]))
    assert not _errors(manifest, _schema("MicrosoftTeams.schema.json", manifest["manifestVersion"]))
