"""Builds the Teams app package: ``make package`` → deploy/teams/build/rake-bot.zip.

The bot's app id comes from ``MicrosoftAppId`` (the Azure Bot's Microsoft App ID) and the public
host from ``RAKE_PUBLIC_HOST``: validDomains, the experts' desk tab (``https://<host>/desk/``)
and its single sign-on (``webApplicationInfo``: the app id and the resource
``api://<host>/botid-<app id>``, which the app registration must expose with the scope
``access_as_user``; ``RAKE_DESK_APP_ID`` names another app registration for it, as a bot that
is a managed identity needs). Without them a development package with the placeholders is built.
"""

from __future__ import annotations

import json
import os
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUILD = HERE / "build"
FILES = ("color.png", "outline.png", "sv.json", "en.json")
PLACEHOLDER = "00000000-0000-0000-0000-000000000000"
PLACEHOLDER_HOST = "rake-bot.example.invalid"


def build(app_id: str, host: str | None, desk_app_id: str = "") -> Path:
    manifest = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    if app_id:
        manifest["id"] = app_id
        manifest["bots"][0]["botId"] = app_id
        manifest["composeExtensions"][0]["botId"] = app_id
    app_id = app_id or PLACEHOLDER
    host = host or PLACEHOLDER_HOST
    manifest["validDomains"] = [host]
    for tab in manifest["staticTabs"]:
        tab["contentUrl"] = tab["contentUrl"].replace(PLACEHOLDER_HOST, host)
    sso = desk_app_id or app_id
    manifest["webApplicationInfo"] = {"id": sso, "resource": f"api://{host}/botid-{sso}"}
    BUILD.mkdir(exist_ok=True)
    target = BUILD / "rake-bot.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        for name in FILES:
            archive.write(HERE / name, name)
    return target


if __name__ == "__main__":
    app_id = os.environ.get("MicrosoftAppId", "")
    path = build(app_id, os.environ.get("RAKE_PUBLIC_HOST"), os.environ.get("RAKE_DESK_APP_ID", ""))
    note = "" if app_id else f" (development package: app id {PLACEHOLDER})"
    sys.stdout.write(f"wrote {path.relative_to(HERE.parent.parent)}{note}\n")
