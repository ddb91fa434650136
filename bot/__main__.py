"""``python -m bot``: serve, migrate, check the county configuration, start the Playground, and
the data-rights commands (``user-export``, ``user-delete``; SDK-free, in ``bot.rights_cli``)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from aiohttp import web

from bot import rights_cli, scratch
from bot.logs import configure_logging
from bot.settings import Environment, Settings, SettingsError, load_settings
from counties import CountyConfigError, county_path, load_county
from storage.db import sqlite_path_problem
from storage.migrate import upgrade

log = logging.getLogger("bot")
ROOT = Path(__file__).resolve().parent.parent
PLAYGROUND_CLI = ROOT / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"


def _fail(message: str) -> int:
    sys.stderr.write(f"rake-bot: {message}\n")
    return 2


async def _migrate(settings: Settings) -> None:
    from bot.services import database_for

    db = database_for(settings)
    try:
        await upgrade(db)
    finally:
        await db.dispose()


async def _tick(settings: Settings) -> dict[str, str]:
    from bot.app import MESSENGER, OUTBOX_WORKER, SCHEDULER, SERVICES, create_app

    app = create_app(settings)
    services = app[SERVICES]
    try:
        await upgrade(services.db)
        outcomes = await app[SCHEDULER].tick(force=True)
        await app[OUTBOX_WORKER].drain()
        await app[MESSENGER].drain(60)
        await app[OUTBOX_WORKER].stop()
        return outcomes
    finally:
        await services.db.dispose()


async def _outbox(settings: Settings, statuses: list[str], limit: int) -> str:
    from bot.services import database_for
    from storage.outbox import Outbox

    db = database_for(settings)
    try:
        outbox = Outbox(db)
        counts = await outbox.counts()
        lines = [
            "status counts: "
            + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "empty")
        ]
        for row in await outbox.listing(statuses or None, limit):
            when = row.sent_at or row.next_attempt_at
            lines.append(
                f"{row.id:>7} {row.status:<9} attempts {row.attempts} {row.kind:<14}"
                f" {when:%Y-%m-%d %H:%M:%S} {row.dedupe_key}"
                + (f"  last error: {row.last_error}" if row.last_error else "")
            )
        return "\n".join(lines) + "\n"
    finally:
        await db.dispose()


async def _export(settings: Settings, first: str, last: str, fmt: str, out: str | None) -> str:
    """Write an export file from the command line (audited as the operating-system user)."""
    import getpass

    from bot.export_flow import Exporter, parse_span
    from bot.services import Services
    from cards.common import Ctx
    from storage.audit import AuditLog

    start, end = parse_span(first, last)
    services = Services.build(settings)
    try:
        await upgrade(services.db)
        path = Path(out or f"rake-{services.county.id}-{start}-{end}.{fmt}")
        ctx = Ctx("fi", services.catalog, services.county)
        rows = await Exporter(services, ctx).write(path, fmt, start, end)  # type: ignore[arg-type]
        target = f"{fmt} {start}..{end} (command line)"
        await AuditLog(services.db).record(f"cli:{getpass.getuser()}", "export", target, True)
        return f"{rows} observations written to {path}\n"
    finally:
        await services.db.dispose()


def _run(settings: Settings, banner: bool) -> None:
    from bot.app import create_app  # imports the SDK; not needed for migrate/check

    # every temporary file of the process (exports, openpyxl's sheets) in a folder of its own,
    # removed at exit; a killed process's folder is removed by the next start (bot.scratch)
    try:
        own_tmp: Path | None = scratch.claim()
    except (OSError, scratch.ScratchError) as exc:  # e.g. a read-only temporary folder
        log.warning("no temporary folder of its own (%s): exports use the default one", exc)
        own_tmp = None
    if own_tmp is not None:
        os.environ["TMPDIR"] = str(own_tmp)
        tempfile.tempdir = str(own_tmp)
    try:
        _serve(settings, banner, create_app(settings))
    finally:
        if own_tmp is not None:
            shutil.rmtree(own_tmp, ignore_errors=True)


def _serve(settings: Settings, banner: bool, app: web.Application) -> None:
    from bot.desk import DESK

    if banner:
        sys.stderr.write(
            f"\nRake bot ({settings.county}) serving http://localhost:{settings.port}/api/messages"
            f"\n  health: http://localhost:{settings.port}/healthz"
            "\n  chat with it: `make playground` opens the Microsoft 365 Agents Playground at"
            " http://localhost:56150 (or point the Playground / Bot Framework Emulator here)\n"
        )
        desk_url = app[DESK].dev_url()  # development only: a token for the Playground's user
        if desk_url:
            sys.stderr.write(f"  the experts' desk in a browser: {desk_url}\n")
        sys.stderr.write("\n")
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        print=None,
        shutdown_timeout=15,
        handle_signals=True,
    )


def _playground(settings: Settings) -> int:
    """The bot in a child process and the Playground in the foreground, stopped together."""
    node = shutil.which("node")
    if node is None or not PLAYGROUND_CLI.exists():
        return _fail("the Playground is not installed: run `make playground` (it runs npm ci)")
    env = dict(os.environ, PORT=str(settings.port))
    bot = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, cwd=ROOT)
    try:
        pg_env = dict(
            os.environ, TEAMSAPPTESTER_BROWSER=os.environ.get("TEAMSAPPTESTER_BROWSER", "none")
        )
        sys.stderr.write("\nPlayground: open http://localhost:56150 in your browser\n\n")
        return subprocess.call(
            [
                node,
                str(PLAYGROUND_CLI),
                "start",
                "-e",
                f"http://localhost:{settings.port}/api/messages",
                "-c",
                "msteams",
                "--dt",
            ],
            env=pg_env,
            cwd=ROOT / "deploy" / "playground",
        )
    except KeyboardInterrupt:
        return 0
    finally:
        bot.send_signal(signal.SIGINT)
        try:
            bot.wait(timeout=15)
        except subprocess.TimeoutExpired:
            bot.kill()


def _check_config(county: str) -> int:
    try:
        load_county(county_path(county))
    except CountyConfigError as exc:
        return _fail(f"invalid county configuration:\n{exc}")
    sys.stderr.write("county configuration is valid\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Rake bot")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="serve /api/messages (migrates first)")
    run.add_argument("--port", type=int)
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("tick", help="run every scheduled job once (what each replica does in a loop)")
    outbox = sub.add_parser("outbox", help="delivery status: counts and the latest items")
    outbox.add_argument(
        "--status",
        action="append",
        default=[],
        help="only items of this status (pending, sent, failed, uncertain, …)",
    )
    outbox.add_argument("--limit", type=int, default=30)
    check = sub.add_parser("check-config", help="validate a county file")
    check.add_argument("county", nargs="?", help="county id or path (default: RAKE_COUNTY)")
    export = sub.add_parser("export", help="write the observations of a period to a file")
    export.add_argument("--from", dest="first", required=True, help="first day, YYYY-MM-DD")
    export.add_argument("--to", dest="last", required=True, help="last day (included)")
    export.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    export.add_argument("--out", help="file to write (default: rake-<county>-<from>-<to>.<format>)")
    rights_cli.add_commands(sub)
    pg = sub.add_parser("playground", help="the bot and the Agents Playground together")
    pg.add_argument("--port", type=int)
    guard = sub.add_parser("check-text", help="the identifier guard: JSON array of texts on stdin")
    guard.add_argument("--county", help="county id or path whose place names are allowed")
    args = parser.parse_args(argv)
    if args.command == "check-text":  # needs no settings, and no SDK
        from bot.check_text import run as check_text

        return check_text(sys.stdin, sys.stdout, sys.stderr, args.county)
    if args.command == "check-config":  # the county file only: no app credentials needed
        return _check_config(args.county or os.environ.get("RAKE_COUNTY") or "paijat-hame")

    overrides = {"PORT": args.port} if getattr(args, "port", None) else {}
    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        return _fail(f"invalid settings:\n{exc}")
    configure_logging(settings.log_level, json_lines=settings.environment is Environment.PRODUCTION)
    try:
        load_county(county_path(getattr(args, "county", None) or settings.county))
    except CountyConfigError as exc:
        return _fail(f"invalid county configuration:\n{exc}")

    problem = sqlite_path_problem(settings.database_url)
    if problem is not None:  # one line naming the path, not a traceback from deep inside
        return _fail(problem)
    if args.command == "migrate":
        asyncio.run(_migrate(settings))
        log.info("migrations applied")
        return 0
    if args.command == "outbox":
        sys.stdout.write(asyncio.run(_outbox(settings, args.status, args.limit)))
        return 0
    if args.command == "tick":
        outcomes = asyncio.run(_tick(settings))
        for job, outcome in outcomes.items():
            sys.stdout.write(f"{job}: {outcome}\n")
        return 1 if any(o.startswith("failed") for o in outcomes.values()) else 0
    if args.command == "export":
        from bot.export_flow import ExportError

        try:
            message = asyncio.run(_export(settings, args.first, args.last, args.format, args.out))
        except ExportError as exc:
            return _fail(f"export: {exc}")
        sys.stdout.write(message)
        return 0
    if args.command in rights_cli.COMMANDS:
        return rights_cli.run(args, settings)
    if args.command == "playground":
        return _playground(settings)
    _run(settings, banner=settings.environment is not Environment.PRODUCTION)
    return 0


if __name__ == "__main__":
    sys.exit(main())
