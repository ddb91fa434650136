"""Typed commands in fi / sv / en, matched without the SDK."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


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
_MENTION_RE = re.compile(r"<at>.*?</at>")


@dataclass(frozen=True)
class Parsed:
    command: Command
    argument: str | None = None


def parse_command(text: str | None) -> Parsed:
    """Match a typed message; @mentions of the bot (channel messages) are ignored."""
    cleaned = _MENTION_RE.sub(" ", text or "")
    cleaned = re.sub(r"\s+", " ", cleaned).strip().strip(".!").casefold()
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
