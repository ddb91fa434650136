"""The experts' typed commands of the loop, fi / sv / en, matched without the SDK:

* ``avaa RAKE-2026-0042`` / ``öppna …`` / ``open …`` — the observation's processing card;
* ``ehdotukset [tila] [tulosalue] [vuosi] [myöhässä]`` / ``förslag …`` / ``proposals …``;
* ``ilmiöt`` / ``fenomen`` / ``phenomena`` — the phenomena so far;
* ``mittarit [vuosi]`` / ``mätare …`` / ``metrics …``;
* ``raporttiluonnos [vuosi]`` / ``rapportutkast …`` / ``report draft …``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from dialogs.proposals import ProposalStatus


class LoopCommand(StrEnum):
    OPEN = "open"
    PROPOSALS = "proposals"
    PHENOMENA = "phenomena"
    METRICS = "metrics"
    REPORT_DRAFT = "report_draft"


_HEADS: dict[LoopCommand, tuple[str, ...]] = {
    LoopCommand.OPEN: ("avaa", "öppna", "open", "käsittele", "behandla", "process"),
    LoopCommand.PROPOSALS: (
        "ehdotukset",
        "toimenpide-ehdotukset",
        "förslag",
        "åtgärdsförslag",
        "proposals",
    ),
    LoopCommand.PHENOMENA: ("ilmiöt", "fenomen", "phenomena"),
    LoopCommand.METRICS: ("mittarit", "mätare", "metrics", "okr"),
    LoopCommand.REPORT_DRAFT: (
        "raporttiluonnos",
        "sosiaalinen raportti",
        "rapportutkast",
        "social rapport",
        "report draft",
        "social report",
    ),
}
_REFERENCE_RE = re.compile(r"^rake-(\d{4})-(\d{1,6})$")
_YEAR_RE = re.compile(r"^(20\d{2})$")
_MENTION_RE = re.compile(r"<at>[^<]*</at>")
_STATUS_WORDS: dict[str, ProposalStatus] = {
    "avoimet": ProposalStatus.OPEN,
    "avoin": ProposalStatus.OPEN,
    "öppna": ProposalStatus.OPEN,
    "open": ProposalStatus.OPEN,
    "kysytyt": ProposalStatus.ASKED,
    "asked": ProposalStatus.ASKED,
    "frågade": ProposalStatus.ASKED,
    "kesken": ProposalStatus.IN_PROGRESS,
    "pågår": ProposalStatus.IN_PROGRESS,
    "in_progress": ProposalStatus.IN_PROGRESS,
    "tehdyt": ProposalStatus.DONE,
    "toteutetut": ProposalStatus.DONE,
    "gjorda": ProposalStatus.DONE,
    "done": ProposalStatus.DONE,
    "peruttu": ProposalStatus.WITHDRAWN,
    "withdrawn": ProposalStatus.WITHDRAWN,
}
_OVERDUE_WORDS = ("myöhässä", "myöhästyneet", "försenade", "overdue", "late")


@dataclass(frozen=True)
class LoopParsed:
    command: LoopCommand
    reference: str | None = None
    year: int | None = None
    status: ProposalStatus | None = None
    words: tuple[str, ...] = ()  # the rest, e.g. a service area's name
    overdue: bool = False


def _clean(text: str | None) -> str:
    cleaned = _MENTION_RE.sub(" ", text or "")
    return re.sub(r"\s+", " ", cleaned).strip().strip(".!").casefold()


def split_loop_command(cleaned: str) -> tuple[LoopCommand, str] | None:
    """A cleaned (case-folded, single-spaced) message's loop command and the words after it,
    when they make a valid command; None otherwise."""
    for command, heads in _HEADS.items():
        for head in heads:
            if cleaned == head or cleaned.startswith(head + " "):
                rest = cleaned[len(head) :].strip()
                return (command, rest) if loop_arguments(command, rest) is not None else None
    return None


def loop_arguments(command: LoopCommand, argument: str | None) -> LoopParsed | None:
    return _arguments(command, (argument or "").split())


def parse_loop_command(text: str | None) -> LoopParsed | None:
    """A loop command, or None (the other commands are dialogs.commands')."""
    found = split_loop_command(_clean(text))
    return loop_arguments(*found) if found else None


def _arguments(command: LoopCommand, words: list[str]) -> LoopParsed | None:
    if command is LoopCommand.OPEN:
        if len(words) != 1 or not _REFERENCE_RE.match(words[0]):
            return None
        year, seq = _REFERENCE_RE.match(words[0]).groups()  # type: ignore[union-attr]
        return LoopParsed(command, reference=f"RAKE-{year}-{int(seq):04d}")
    year = next((int(w) for w in words if _YEAR_RE.match(w)), None)
    if command in (LoopCommand.METRICS, LoopCommand.REPORT_DRAFT, LoopCommand.PHENOMENA):
        return LoopParsed(command, year=year)
    status = next((_STATUS_WORDS[w] for w in words if w in _STATUS_WORDS), None)
    overdue = any(w in _OVERDUE_WORDS for w in words)
    rest = tuple(
        w
        for w in words
        if not _YEAR_RE.match(w) and w not in _STATUS_WORDS and w not in _OVERDUE_WORDS
    )
    return LoopParsed(command, year=year, status=status, words=rest, overdue=overdue)
