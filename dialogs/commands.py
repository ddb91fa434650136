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
    return Parsed(Command.UNKNOWN)
