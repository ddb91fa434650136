"""Deployment files: the wheel the image installs runs from outside the repository; the
Dockerfile, compose file and Bicep template say what production needs and agree with each other
and with the bot's settings. The image itself is built and run in tests/test_image.py; compose
and Bicep cannot be run here (see deploy/README.md for what is verified how)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def test_the_installed_wheel_runs_with_its_data_from_outside_the_repository(
    tmp_path: Path,
) -> None:
    # exactly what the Dockerfile's build stage copies, built outside the repository
    source = tmp_path / "src"
    source.mkdir()
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    for line in re.findall(r"(?m)^COPY (?!--)(.+)$", _stages(dockerfile)[0]):
        *names, _target = line.split()
        for name in names:
            origin = ROOT / name
            if origin.is_dir():
                ignore = shutil.ignore_patterns("__pycache__")
                shutil.copytree(origin, source / name, ignore=ignore)
            else:
                shutil.copy(origin, source / name)
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(wheels),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(wheels.glob("rake_bot-*.whl"))
    site = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAKE_", "Microsoft"))}
    env.update(PYTHONPATH=str(site), RAKE_DATABASE_URL=f"sqlite+aiosqlite:///{work / 'r.db'}")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args], cwd=work, env=env, capture_output=True, text=True, timeout=120
        )

    # the desk's templates and browser libraries are package data (copied by make desk-assets)
    desk = site / "bot" / "desk"
    for name in ("templates/shell.html", "static/desk.js", "static/vendor/chart.umd.min.js"):
        assert (desk / name).exists(), name
    where = run("-c", "import bot, counties, i18n, storage; print(bot.__file__, storage.__file__)")
    assert where.returncode == 0 and str(site) in where.stdout and str(ROOT) not in where.stdout
    for county in ("paijat-hame", "helsinki", "kanta-hame", "satakunta", "varsinais-suomi"):
        assert run("-m", "bot", "check-config", county).returncode == 0, county
    migrate = run("-m", "bot", "migrate")
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    catalogs = run("-c", "from i18n import Catalog; print(len(Catalog.load().keys('sv')))")
    assert int(catalogs.stdout) > 200


def _stages(dockerfile: str) -> list[str]:
    return re.split(r"(?m)^FROM ", dockerfile)[1:]


def _healthcheck(dockerfile: str) -> list[str]:
    found = re.search(r"(?m)^HEALTHCHECK .*\\\n\s*CMD (\[.*\])$", dockerfile)
    assert found, "no HEALTHCHECK … CMD [...] in the Dockerfile"
    return list(json.loads(found[1]))


def test_dockerfile_final_stage_is_slim_non_root_with_a_health_check() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"(?m)^ARG BASE=python:3\.11-slim-bookworm$", text)
    build, final = _stages(text)
    assert build.startswith("${BASE} AS build") and final.startswith("${BASE}\n")
    user = re.findall(r"(?m)^USER (\S+)", final)
    assert user and user[-1] not in ("root", "0")
    assert re.search(r"--uid " + re.escape(user[-1]) + r"\b", final)
    assert _healthcheck(text)[-1].endswith("/healthz' % os.environ.get('PORT', '3978'), timeout=2)")
    # nothing is installed in the final stage: only the build stage's virtual environment
    assert not re.search(r"apt-get|gcc|build-essential|pip |/wheels", final)
    assert re.findall(r"(?m)^COPY .*", final) == ["COPY --from=build /opt/venv /opt/venv"]
    assert "PATH=/opt/venv/bin:$PATH" in final
    assert "pip uninstall --yes --quiet pip setuptools" in build
    assert "--no-index" in build.split("python3 -m venv /opt/venv", 1)[1]  # wheels only
    # package-index settings come as build secrets, never as ARG/ENV of the image
    assert "--mount=type=secret,id=pipconf" in build and "--mount=type=secret,id=ca" in build
    assert not re.search(r"(?m)^(ARG|ENV) .*(INDEX|PIP_CERT|PIP_CONFIG)", text)
    # every package of the project is copied into the build stage
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    top = {p.split(".")[0] for p in packages["packages"]}
    copied = set(re.findall(r"(?m)^COPY (\w+) \./\1$", build))
    assert copied == top


def _compose_env(bot: dict[str, Any]) -> dict[str, str]:
    """The bot service's environment as compose fills it in with no .env and no variables set."""
    return {
        k: re.sub(r"\$\{[A-Za-z_]+:-([^}]*)\}", r"\1", str(v))
        for k, v in bot["environment"].items()
    }


def test_compose_runs_the_image_with_postgresql() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    bot, db = compose["services"]["bot"], compose["services"]["db"]
    assert bot["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (DEPLOY / bot["build"]["context"] / bot["build"]["dockerfile"]).is_file()
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert bot["environment"]["RAKE_DATABASE_URL"].startswith("postgresql+asyncpg://")


def test_compose_gives_the_image_what_it_needs() -> None:
    """Compose cannot be run here: its bot service is checked against the settings the bot
    reads, the Dockerfile (port, health check) and the db service."""
    from bot.settings import Settings, load_settings

    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    bot, db = compose["services"]["bot"], compose["services"]["db"]
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    known = {
        alias
        for field in Settings.model_fields.values()
        for alias in getattr(field.validation_alias, "choices", [])
    }
    env = _compose_env(bot)
    assert set(env) <= known, set(env) - known
    # the port: published = the image's PORT = EXPOSE = the settings' default
    (exposed,) = re.findall(r"(?m)^EXPOSE (\d+)$", dockerfile)
    image_env = dict(re.findall(r"(\w+)=(\S+)", _stages(dockerfile)[1].split("ENV ", 1)[1]))
    _published, container = bot["ports"][0].split(":")
    assert container == exposed == image_env["PORT"] == str(Settings.model_fields["port"].default)
    assert "PORT" not in env and env.get("RAKE_HOST", "0.0.0.0") == "0.0.0.0"
    assert image_env["RAKE_HOST"] == "0.0.0.0"  # reachable through the published port
    # the health check: the image's own command (podman's OCI images drop HEALTHCHECK)
    assert bot["healthcheck"]["test"] == ["CMD", *_healthcheck(dockerfile)]
    # the database URL names the db service and its user, password and database
    pg = db["environment"]
    url = env["RAKE_DATABASE_URL"]
    assert url == (
        f"postgresql+asyncpg://{pg['POSTGRES_USER']}:{pg['POSTGRES_PASSWORD']}@db:5432/"
        f"{pg['POSTGRES_DB']}"
    )
    # without a .env the service's settings are valid development settings …
    settings = load_settings(_env_file=None, **env)
    assert settings.environment == "development" and settings.county == "paijat-hame"
    # … and production mode with them alone refuses to start, naming what is missing
    with pytest.raises(Exception, match="MicrosoftAppId"):
        load_settings(_env_file=None, **{**env, "RAKE_ENVIRONMENT": "production"})


def test_bicep_probes_and_port_match_the_image() -> None:
    template = (DEPLOY / "azure" / "main.bicep").read_text(encoding="utf-8")
    (exposed,) = re.findall(r"(?m)^EXPOSE (\d+)$", (DEPLOY / "Dockerfile").read_text())
    assert re.findall(r"targetPort: (\d+)", template) == [exposed]
    probes = re.findall(r"httpGet: \{ path: '([^']+)', port: (\d+) \}", template)
    assert probes == [("/healthz", exposed), ("/readyz", exposed)]
    routes = set(re.findall(r'add_get\("([^"]+)"', (ROOT / "bot" / "app.py").read_text()))
    assert {"/healthz", "/readyz"} <= routes


def _bicep_env() -> dict[str, str]:
    text = (DEPLOY / "azure" / "main.bicep").read_text(encoding="utf-8")
    env = dict(re.findall(r"\{ name: '([A-Za-z_]+)', value: '([^']*)' \}", text))
    env.update({n: "secret-" * 6 for n in re.findall(r"\{ name: '([A-Za-z_]+)', secretRef:", text)})
    return env


def test_bicep_sets_settings_the_app_knows_and_production_accepts() -> None:
    from bot.settings import Settings, load_settings

    env = _bicep_env()
    known = {
        alias
        for field in Settings.model_fields.values()
        for alias in getattr(field.validation_alias, "choices", [])
    } | {"AZURE_CLIENT_ID"}
    assert set(env) <= known, set(env) - known
    # the template's values, with its expressions filled in as Azure would
    filled = {
        k: re.sub(r"\$\{[^}]+\}", "x", v)
        .replace("https://x", "https://rake.example.fi")
        .replace("@x:5432/x", "@rake.postgres.database.azure.com:5432/rake")
        for k, v in env.items()
    }
    for key in ("MicrosoftAppId", "MicrosoftAppTenantId", "RAKE_ALLOWED_TENANTS"):
        filled[key] = "11111111-2222-3333-4444-555555555555"
    filled["RAKE_SEND_RATE"] = "16"
    filled["RAKE_COUNTY"] = "paijat-hame"
    settings = load_settings(**filled)
    assert settings.environment == "production" and settings.database_auth == "entra"
    assert settings.app_type == "UserAssignedMSI" and settings.database_ssl == "require"


def test_bicep_parameters_file_matches_the_template() -> None:
    template = (DEPLOY / "azure" / "main.bicep").read_text(encoding="utf-8")
    params = (DEPLOY / "azure" / "paijat-hame.bicepparam").read_text(encoding="utf-8")
    names = re.findall(r"(?m)^param (\w+) \w+(?: = .*)?$", template)
    required = [n for n in names if not re.search(rf"(?m)^param {n} \w+ = ", template)]
    given = re.findall(r"(?m)^param (\w+) = ", params)
    assert set(given) <= set(names)
    assert set(required) <= set(given), set(required) - set(given)
    assert "exportSecret = readEnvironmentVariable('RAKE_EXPORT_SECRET')" in params
    for resource in re.findall(r"(?m)^resource \w+ '([^']+)'", template):
        assert re.fullmatch(
            r"Microsoft\.[A-Za-z]+/[A-Za-z/]+@\d{4}-\d{2}-\d{2}(-preview)?", resource
        )


@pytest.mark.parametrize("name", ["Dockerfile", "compose.yaml", "README.md"])
def test_deploy_files_exist(name: str) -> None:
    assert (DEPLOY / name).stat().st_size > 500


def test_the_bicep_template_parses_and_names_every_resource_production_needs() -> None:
    """A syntax check with a Python Bicep parser (pycep); the Bicep compiler itself (types,
    API versions) is not reachable from this machine."""
    from pycep import BicepParser

    parser = BicepParser(cache=False)
    template = parser.parse(file_path=DEPLOY / "azure" / "main.bicep")
    types = {r["type"] for r in template["resources"].values()}
    assert types >= {
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        "Microsoft.OperationalInsights/workspaces",
        "Microsoft.App/managedEnvironments",
        "Microsoft.App/containerApps",
        "Microsoft.DBforPostgreSQL/flexibleServers",
        "Microsoft.DBforPostgreSQL/flexibleServers/administrators",
        "Microsoft.BotService/botServices",
        "Microsoft.BotService/botServices/channels",
    }, types
    pg = template["resources"]["postgres"]["config"]["properties"]["authConfig"]
    assert (pg["activeDirectoryAuth"], pg["passwordAuth"]) == ("Enabled", "Disabled")
    bot = template["resources"]["bot"]["config"]["properties"]
    assert bot["msaAppType"] == "UserAssignedMSI"
    broken = (DEPLOY / "azure" / "main.bicep").read_text(encoding="utf-8").replace("}", "", 1)
    from lark.exceptions import LarkError

    with pytest.raises((LarkError, ValueError)):  # the parser does reject a broken template
        parser.parse(text=broken)
