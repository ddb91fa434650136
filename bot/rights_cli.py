"""``python -m bot user-export USER`` and ``python -m bot user-delete USER``: the data-rights
commands. SDK-free (no botbuilder is imported): they need only the settings and the database."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.rights import RightsError, UserRights, check_user_id
from bot.services import Services
from bot.settings import Settings
from counties import LANGS
from storage.migrate import upgrade

COMMANDS = frozenset({"user-export", "user-delete"})
T = TypeVar("T")

# What each erasure step means, for the operator's screen.
STEP_TEXT = {
    "drafts": "drafts deleted",
    "bot_state": "bot state documents (settings) deleted",
    "conversation_references": "conversation references deleted",
    "outbox": "messages to the person deleted from the outbox",
    "roles": "roles removed",
    "reports_unlinked": "reports kept, link to the person removed",
    "acknowledgements_unlinked": "acknowledgements kept, link removed",
    "vartti_schedules_unlinked": "team schedules kept, link to who set them removed",
    "roles_granted_unlinked": "roles they granted kept, link removed",
    "settings_unlinked": "settings they changed kept, link removed",
    "audit_log_kept": "audit-log entries kept for the audit log's own period",
}


def add_commands(sub: Any) -> None:
    export = sub.add_parser("user-export", help="all that the bot holds about a person, as JSON")
    export.add_argument("user", help="the person's AAD object id")
    export.add_argument("--out", help="write the JSON to this file (default: standard output)")
    export.add_argument(
        "--lang", choices=LANGS, help="language of the report labels (default: the county's)"
    )
    export.add_argument("--operator", help="who asks, for the audit log (default: cli)")
    erase = sub.add_parser(
        "user-delete",
        help="erase a person: drafts, settings, references, roles; their reports stay unlinked",
    )
    erase.add_argument("user", help="the person's AAD object id")
    erase.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    erase.add_argument("--dry-run", action="store_true", help="print the counts, change nothing")
    erase.add_argument("--operator", help="who asks, for the audit log (default: cli)")


def _with_rights(settings: Settings, work: Callable[[UserRights], Awaitable[T]]) -> T:
    async def go() -> T:
        services = Services.build(settings)
        try:
            await upgrade(services.db)
            return await work(UserRights(services))
        finally:
            await services.db.dispose()

    return asyncio.run(go())


def _counts_text(counts: dict[str, int]) -> str:
    width = max(len(text) for text in STEP_TEXT.values())
    return "".join(f"  {STEP_TEXT.get(name, name):<{width}}  {n}\n" for name, n in counts.items())


def _export(args: argparse.Namespace, settings: Settings, operator: str) -> int:
    document = _with_rights(settings, lambda r: r.export(args.user, operator, args.lang))
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if args.out:  # personal data: readable by the operator only
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        sys.stderr.write(f"the data held about the person written to {args.out}\n")
    else:
        sys.stdout.write(text)
    return 0


def _delete(
    args: argparse.Namespace, settings: Settings, operator: str, ask: Callable[[str], str]
) -> int:
    user = args.user
    if args.dry_run:
        counts = _with_rights(settings, lambda r: r.erasure_counts(user, operator))
        sys.stdout.write(f"dry run, nothing changed; an erasure would do:\n{_counts_text(counts)}")
        return 0
    if not args.yes:
        counts = _with_rights(settings, lambda r: r.repo.erasure_counts(user))
        sys.stderr.write(f"an erasure of {user} will do:\n{_counts_text(counts)}")
        try:
            answer = ask("type 'yes' to erase: ")
        except EOFError:
            answer = ""
        if answer.strip().lower() != "yes":
            sys.stderr.write("not confirmed: nothing changed\n")
            return 1

    async def erase(rights: UserRights) -> tuple[dict[str, int], list[str]]:
        return await rights.erase(user, operator), rights.named_in_county_file(user)

    done, named = _with_rights(settings, erase)
    sys.stdout.write(f"erased:\n{_counts_text(done)}")
    if named:
        sys.stderr.write(
            f"note: the county file still names this person under {', '.join(named)};"
            " remove them there too\n"
        )
    return 0


def _ask(prompt: str) -> str:
    sys.stderr.write(prompt)
    sys.stderr.flush()
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line


def run(args: argparse.Namespace, settings: Settings, ask: Callable[[str], str] = _ask) -> int:
    operator = (args.operator or "cli").strip()[:128] or "cli"
    try:
        args.user = check_user_id(args.user)
        if args.command == "user-export":
            return _export(args, settings, operator)
        return _delete(args, settings, operator, ask)
    except RightsError as exc:
        sys.stderr.write(f"rake-bot: {args.command}: {exc}\n")
        return 2
