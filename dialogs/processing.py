"""Processing an observation: the status transitions, their side effects as data, and what an
expert's free texts must satisfy (Dispatch-style: one timestamp per status, filled on the
transition; a transition table keyed on (from, to); closing needs a reason code and a
description; a duplicate is a pointer, the original keeps its own fate).

Pure: no clock, no database. Callers turn a ``Plan`` into writes, audit entries and messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from dialogs.guard import check
from dialogs.vocabulary import ClosingReason, ObservationStatus

S = ObservationStatus

# The path an observation takes; an event further back than where it is never moves it back.
ORDER: tuple[ObservationStatus, ...] = (
    S.RECEIVED,
    S.IN_PROCESSING,
    S.ENRICHED,
    S.GROUPED,
    S.IN_SUMMARY,
    S.PROPOSED,
    S.CLOSED,
)
RANK: dict[ObservationStatus, int] = {status: i for i, status in enumerate(ORDER)}

# One timestamp column per status, filled on the transition into it (received = created_at).
STAMP_COLUMN: dict[ObservationStatus, str | None] = {
    S.RECEIVED: None,
    S.IN_PROCESSING: "in_processing_at",
    S.ENRICHED: "enriched_at",
    S.GROUPED: "grouped_at",
    S.IN_SUMMARY: "in_summary_at",
    S.PROPOSED: "proposed_at",
    S.CLOSED: "closed_at",
}

MAX_NOTE = 2000
MAX_DESCRIPTION = 1000
MAX_TAG = 40
MAX_NAME = 120


class Effect(StrEnum):
    """What a transition brings with it besides the new status and its timestamp."""

    AUDIT = "audit"  # every change is written to the audit log
    TELL_REPORTER = "tell_reporter"  # queue a feedback message (never for anonymous reports)
    NEEDS_REASON = "needs_reason"  # a closing reason code and a description are required
    CLEAR_CLOSING = "clear_closing"  # reopening forgets the closing reason
    ACKNOWLEDGE = "acknowledge"  # taking an acute report into processing acknowledges it


class FeedbackEvent(StrEnum):
    """What the reporter is told about (dialogs.feedback words the message)."""

    GROUPED = "grouped"
    IN_SUMMARY = "in_summary"
    PROPOSED = "proposed"
    FOLLOW_UP = "follow_up"  # the proposal's follow-up question was answered


@dataclass(frozen=True)
class Transition:
    effects: frozenset[Effect]
    feedback: FeedbackEvent | None = None


_FEEDBACK_ON_ENTRY: dict[ObservationStatus, FeedbackEvent] = {
    S.GROUPED: FeedbackEvent.GROUPED,
    S.IN_SUMMARY: FeedbackEvent.IN_SUMMARY,
    S.PROPOSED: FeedbackEvent.PROPOSED,
}


def _table() -> dict[tuple[ObservationStatus, ObservationStatus], Transition]:
    table: dict[tuple[ObservationStatus, ObservationStatus], Transition] = {}
    for source in ORDER[:-1]:
        for target in ORDER[RANK[source] + 1 :]:
            effects = {Effect.AUDIT}
            feedback = _FEEDBACK_ON_ENTRY.get(target)
            if feedback is not None:
                effects.add(Effect.TELL_REPORTER)
            if target is S.CLOSED:
                effects.add(Effect.NEEDS_REASON)
            if source is S.RECEIVED:
                effects.add(Effect.ACKNOWLEDGE)
            table[(source, target)] = Transition(frozenset(effects), feedback)
    # Reopening a closed observation: back into processing, the closing reason forgotten.
    table[(S.CLOSED, S.IN_PROCESSING)] = Transition(frozenset({Effect.AUDIT, Effect.CLEAR_CLOSING}))
    return table


TRANSITIONS: dict[tuple[ObservationStatus, ObservationStatus], Transition] = _table()

# What an expert may choose by hand on the processing card (grouping, summaries and proposals
# move the status through their own actions).
MANUAL_TARGETS: tuple[ObservationStatus, ...] = (S.IN_PROCESSING, S.ENRICHED, S.CLOSED)


def allowed_targets(current: ObservationStatus) -> list[ObservationStatus]:
    return [target for (source, target) in TRANSITIONS if source is current]


class ProcessingError(Exception):
    """A refused change; ``key`` is the catalog message, ``params`` its values."""

    def __init__(self, key: str, **params: str) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Closing:
    reason: ClosingReason
    description: str
    duplicate_of: str | None = None  # the original's reference, for DUPLICATE


@dataclass(frozen=True)
class Plan:
    """What a change does: the status (unchanged when an event lies behind the current one),
    the timestamp column to fill, side effects and the reporter's feedback event."""

    source: ObservationStatus
    target: ObservationStatus
    status: ObservationStatus
    stamp: str | None
    effects: frozenset[Effect] = field(default_factory=frozenset)
    feedback: FeedbackEvent | None = None
    closing: Closing | None = None

    @property
    def moves(self) -> bool:
        return self.status is not self.source


def plan_change(
    current: ObservationStatus, target: ObservationStatus, closing: Closing | None = None
) -> Plan:
    """An expert's explicit change; refused unless (current, target) is in the table."""
    transition = TRANSITIONS.get((current, target))
    if transition is None:
        raise ProcessingError(
            "processing.error.transition", source=current.value, target=target.value
        )
    if Effect.NEEDS_REASON in transition.effects:
        if closing is None:
            raise ProcessingError("processing.error.reason_required")
        check_closing(closing)
    return Plan(
        current,
        target,
        target,
        STAMP_COLUMN[target],
        transition.effects,
        transition.feedback,
        closing if Effect.NEEDS_REASON in transition.effects else None,
    )


def plan_event(current: ObservationStatus, event: ObservationStatus) -> Plan:
    """Something happened to the observation (grouped, in a summary, led to a proposal): its
    timestamp is filled and the reporter told, but the status only ever moves forward and a
    closed observation stays closed."""
    if event not in _FEEDBACK_ON_ENTRY and event is not S.ENRICHED:
        raise ProcessingError(
            "processing.error.transition", source=current.value, target=event.value
        )
    forward = current is not S.CLOSED and RANK[event] > RANK[current]
    transition = TRANSITIONS.get((current, event)) if forward else None
    effects = {Effect.AUDIT}
    feedback = _FEEDBACK_ON_ENTRY.get(event)
    if feedback is not None:
        effects.add(Effect.TELL_REPORTER)
    if transition is not None:
        effects |= transition.effects
    return Plan(
        current,
        event,
        event if forward else current,
        STAMP_COLUMN[event],
        frozenset(effects),
        feedback,
    )


def check_closing(closing: Closing) -> None:
    description = closing.description.strip()
    if not description:
        raise ProcessingError("processing.error.description_required")
    guard_text(description, MAX_DESCRIPTION)
    if closing.reason is ClosingReason.DUPLICATE and not closing.duplicate_of:
        raise ProcessingError("processing.error.duplicate_needs_original")


def guard_text(text: str, max_len: int) -> str:
    """An expert's or a lead's free text: trimmed, within its length, and free of anything that
    could identify a client (the same guard as the report's fields). Returns the text to store."""
    value = text.strip()
    if len(value) > max_len:
        raise ProcessingError("error.too_long", max=str(max_len))
    found = check(value).blocks  # identifiers only: the grievance notice is the reporter's
    if found:
        raise ProcessingError("guard.identifiers", kinds=",".join(f.value for f in found))
    return value


def normalise_tag(tag: str) -> str:
    """Tags are short words, case-folded, one space between words, guarded."""
    value = " ".join(tag.split()).casefold()
    if not value:
        raise ProcessingError("error.required")
    return guard_text(value, MAX_TAG)


def parse_status(value: str) -> ObservationStatus:
    try:
        return ObservationStatus(value)
    except ValueError:
        raise ProcessingError("processing.error.unknown_status", status=value) from None


def parse_reason(value: str) -> ClosingReason:
    try:
        return ClosingReason(value)
    except ValueError:
        raise ProcessingError("processing.error.unknown_reason", reason=value) from None
