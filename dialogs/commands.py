"""Typed commands in fi / sv / en, matched without the SDK."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from dialogs.processing_commands import split_loop_command


class Command(StrEnum):
    HELP = "help"
    REPORT = "report"
    RESUME = "resume"
    MINE = "mine"
    LANGUAGE = "language"
    SCHEDULE = "schedule"
    DIGEST = "digest"  # argument: the filter words
    EXPORT = "export"  # argument: period and format
    RAKE_CHANNEL = "rake_channel"
    ROLES = "roles"  # argument: "add <id> expert|admin", "remove <id>", or none
    # From observation to action (dialogs.processing_commands parses their arguments)
    OPEN = "open"  # argument: a reference
    PROPOSALS = "proposals"  # argument: status, service area, year, overdue
    PHENOMENA = "phenomena"
    METRICS = "metrics"  # argument: a year
    REPORT_DRAFT = "report_draft"  # argument: a year
    UNKNOWN = "unknown"


_WORDS: dict[Command, tuple[str, ...]] = {
    Command.HELP: ("help", "apua", "ohje", "hjälp", "?"),
    Command.REPORT: (
        "raportoi",
        "uusi havainto",
        "havainto",
        "tee havainto",
        "report",
        "new report",
        "rapportera",
        "ny observation",
    ),
    Command.RESUME: (
        "jatka luonnosta",
        "jatka",
        "luonnos",
        "continue draft",
        "continue",
        "resume",
        "fortsätt",
        "fortsätt utkast",
    ),
    Command.SCHEDULE: ("vartti", "aikataulu", "rake-vartti", "schedule", "schema", "kvart"),
    Command.MINE: (
        "omat havainnot",
        "omat",
        "my reports",
        "mine",
        "mina observationer",
        "mina rapporter",
    ),
}
# Commands that take words after them: the first word(s) name the command.
_WITH_ARGUMENTS: dict[Command, tuple[str, ...]] = {
    Command.DIGEST: ("viikkokooste", "kooste", "digest", "sammandrag", "veckosammandrag"),
    Command.EXPORT: ("vienti", "export", "exportera", "vie"),
    Command.ROLES: ("roolit", "rooli", "roles", "role", "roller", "roll"),
}
_RAKE_CHANNEL_WORDS = (
    "rakekanava",
    "rake-kanava",
    "rake kanava",
    "rake channel",
    "rake-channel",
    "rakekanal",
    "rake-kanal",
    "rake kanal",
)
_LANGUAGE_RE = re.compile(r"^(kieli|language|språk|lang)\s+(fi|sv|en)$")
_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class Parsed:
    command: Command
    argument: str | None = None


def strip_mentions(text: str) -> str:
    """Each ``<at>…</at>`` (on one line) becomes a space, as ``re.sub(r"<at>.*?</at>", " ")``
    would do, but in one left-to-right pass: that regex is quadratic on many unclosed
    ``<at>`` (240 KB of them held the event loop for a minute)."""
    out: list[str] = []
    pos = 0  # copied up to here
    search = 0  # the next "<at>" is looked for from here
    while (start := text.find("<at>", search)) != -1:
        end = text.find("</at>", start + 4)
        if end == -1:
            break  # no closing tag anywhere after: no later "<at>" can close either
        newline = text.find("\n", start + 4, end)
        if newline != -1:
            search = newline + 1  # every "<at>" before this newline would close past it
            continue
        out.append(text[pos:start])
        out.append(" ")
        pos = search = end + 5
    out.append(text[pos:])
    return "".join(out)


def strip_tags(text: str) -> str:
    """Each ``<…>`` with something inside becomes a space, as ``re.sub(r"<[^>]+>", " ")``
    would do, in one pass (that regex is quadratic on many ``<`` without a ``>``)."""
    out: list[str] = []
    pos = search = 0
    while (start := text.find("<", search)) != -1:
        end = text.find(">", start + 1)
        if end == -1:
            break  # no ">" after: nothing later can be a tag
        if end == start + 1:  # "<>" is not a tag; the ">" cannot start one
            search = end + 1
            continue
        out.append(text[pos:start])
        out.append(" ")
        pos = search = end + 1
    out.append(text[pos:])
    return "".join(out)


def parse_command(text: str | None) -> Parsed:
    """Match a typed message; @mentions of the bot (channel messages) are ignored."""
    cleaned = strip_mentions(text or "")
    cleaned = _SPACE_RE.sub(" ", cleaned).strip().strip(".!").casefold()
    language = _LANGUAGE_RE.match(cleaned)
    if language:
        return Parsed(Command.LANGUAGE, language.group(2))
    for command, words in _WORDS.items():
        if cleaned in words:
            return Parsed(command)
    if cleaned in _RAKE_CHANNEL_WORDS:
        return Parsed(Command.RAKE_CHANNEL)
    head, _, rest = cleaned.partition(" ")
    for command, words in _WITH_ARGUMENTS.items():
        if head in words:
            return Parsed(command, rest.strip())
    loop = split_loop_command(cleaned)
    if loop is not None:
        return Parsed(Command(loop[0].value), loop[1])
    return Parsed(Command.UNKNOWN)


_ROLE_ADD = ("lisää", "add", "lägg", "lägg till", "till")
_ROLE_REMOVE = ("poista", "remove", "ta bort", "bort", "delete")
_ROLE_NAMES = {
    "asiantuntija": "expert",
    "expert": "expert",
    "sakkunnig": "expert",
    "admin": "admin",
    "ylläpitäjä": "admin",
    "pääkäyttäjä": "admin",
    "administratör": "admin",
}


@dataclass(frozen=True)
class RoleChange:
    action: str  # add | remove | list
    aad_id: str | None = None
    role: str | None = None


_AAD_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12,13}$")


def parse_role_change(argument: str | None) -> RoleChange | None:
    """ "lisää <aad id> asiantuntija" / "add <id> admin" / "poista <id>"; None if malformed."""
    words = (argument or "").split()
    if not words:
        return RoleChange("list")
    if words[0] in _ROLE_ADD and len(words) == 3 and _AAD_RE.match(words[1]):
        role = _ROLE_NAMES.get(words[2])
        return RoleChange("add", words[1], role) if role else None
    if words[0] in _ROLE_REMOVE and len(words) == 2 and _AAD_RE.match(words[1]):
        return RoleChange("remove", words[1])
    return None
