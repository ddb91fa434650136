"""The observation's vocabularies in one place: kind, extent, trend, urgency, status, closing
reasons. Every other module uses these enums; no literal status or urgency strings elsewhere."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    PROBLEM = "problem"
    GOOD_PRACTICE = "good_practice"
    WEAK_SIGNAL = "weak_signal"


KINDS: tuple[str, ...] = tuple(kind.value for kind in Kind)


class Extent(StrEnum):
    SINGLE = "single"
    RECURRING = "recurring"
    WIDESPREAD = "widespread"


class Trend(StrEnum):
    NEW = "new"
    INCREASING = "increasing"
    UNCHANGED = "unchanged"
    DECREASING = "decreasing"


class Urgency(StrEnum):
    NORMAL = "normal"
    ACUTE = "acute"


class ObservationStatus(StrEnum):
    """Where an observation is on its way from a report to an action (Kanta-Häme's glossary:
    vastaanotettu → käsittelyssä → rikastettu → ilmiöön ryhmitelty → koosteessa →
    toimenpide-ehdotukseen johtanut → suljettu). Values fit the 16-character column."""

    RECEIVED = "received"
    IN_PROCESSING = "in_processing"
    ENRICHED = "enriched"
    GROUPED = "grouped"
    IN_SUMMARY = "in_summary"
    PROPOSED = "proposed"
    CLOSED = "closed"


class ClosingReason(StrEnum):
    """Why an observation was closed (a fixed list; a description goes with it)."""

    ACTED_ON = "acted_on"  # led to an action
    KNOWN_PHENOMENON = "known_phenomenon"  # already covered by a phenomenon or proposal
    DUPLICATE = "duplicate"  # the same observation reported twice (a pointer is kept)
    NOT_STRUCTURAL = "not_structural"  # one client's matter, not a social report
    INSUFFICIENT = "insufficient"  # too little to go on, reporter could not add
    OTHER = "other"


# What a person's links become when they are erased (``python -m bot user-delete``): a fixed
# value, the same for everyone, never an AAD object id. Nobody is reached or asked under it.
ERASED = "erased"
