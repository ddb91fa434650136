"""Processing an observation: the transition table, timestamps, closing with a reason, events
that never move an observation back, and the guard on every expert's text."""

from __future__ import annotations

import pytest

from dialogs.processing import (
    MANUAL_TARGETS,
    ORDER,
    STAMP_COLUMN,
    TRANSITIONS,
    Closing,
    Effect,
    FeedbackEvent,
    ProcessingError,
    allowed_targets,
    guard_text,
    normalise_tag,
    plan_change,
    plan_event,
)
from dialogs.vocabulary import ClosingReason, ObservationStatus

S = ObservationStatus


def test_every_status_but_received_has_its_own_timestamp_column() -> None:
    assert set(STAMP_COLUMN) == set(S)
    columns = [STAMP_COLUMN[s] for s in ORDER if s is not S.RECEIVED]
    assert None not in columns and len(set(columns)) == len(columns)


def test_table_goes_forward_only_except_reopening_a_closed_one() -> None:
    backwards = [(a, b) for (a, b) in TRANSITIONS if ORDER.index(b) <= ORDER.index(a)]
    assert backwards == [(S.CLOSED, S.IN_PROCESSING)]
    assert allowed_targets(S.CLOSED) == [S.IN_PROCESSING]
    assert S.RECEIVED not in {b for (_a, b) in TRANSITIONS}
    with pytest.raises(ProcessingError) as refused:
        plan_change(S.PROPOSED, S.ENRICHED)
    assert refused.value.key == "processing.error.transition"


def test_side_effects_are_data_in_the_table() -> None:
    assert TRANSITIONS[(S.ENRICHED, S.GROUPED)].feedback is FeedbackEvent.GROUPED
    assert Effect.TELL_REPORTER in TRANSITIONS[(S.GROUPED, S.IN_SUMMARY)].effects
    assert Effect.TELL_REPORTER not in TRANSITIONS[(S.RECEIVED, S.IN_PROCESSING)].effects
    assert Effect.NEEDS_REASON in TRANSITIONS[(S.IN_PROCESSING, S.CLOSED)].effects
    assert Effect.CLEAR_CLOSING in TRANSITIONS[(S.CLOSED, S.IN_PROCESSING)].effects
    assert all(Effect.AUDIT in t.effects for t in TRANSITIONS.values())
    assert set(MANUAL_TARGETS) <= {b for (_a, b) in TRANSITIONS}


def test_closing_needs_a_reason_code_and_a_description() -> None:
    with pytest.raises(ProcessingError) as no_reason:
        plan_change(S.IN_PROCESSING, S.CLOSED)
    assert no_reason.value.key == "processing.error.reason_required"
    with pytest.raises(ProcessingError) as empty:
        plan_change(S.IN_PROCESSING, S.CLOSED, Closing(ClosingReason.OTHER, "  "))
    assert empty.value.key == "processing.error.description_required"
    with pytest.raises(ProcessingError) as no_original:
        plan_change(S.RECEIVED, S.CLOSED, Closing(ClosingReason.DUPLICATE, "Sama kuin aiempi"))
    assert no_original.value.key == "processing.error.duplicate_needs_original"
    plan = plan_change(
        S.RECEIVED,
        S.CLOSED,
        Closing(ClosingReason.DUPLICATE, "Sama kuin aiempi", duplicate_of="RAKE-2026-0001"),
    )
    assert plan.status is S.CLOSED and plan.stamp == "closed_at" and plan.closing is not None


def test_an_event_behind_the_current_status_stamps_and_tells_but_never_moves_back() -> None:
    plan = plan_event(S.IN_SUMMARY, S.GROUPED)
    assert plan.status is S.IN_SUMMARY and not plan.moves
    assert plan.stamp == "grouped_at" and plan.feedback is FeedbackEvent.GROUPED
    forward = plan_event(S.RECEIVED, S.PROPOSED)
    assert forward.status is S.PROPOSED and forward.moves
    closed = plan_event(S.CLOSED, S.IN_SUMMARY)
    assert closed.status is S.CLOSED and closed.feedback is FeedbackEvent.IN_SUMMARY


def test_expert_texts_go_through_the_identifier_guard() -> None:
    with pytest.raises(ProcessingError) as hit:
        guard_text("Soita numeroon 040 123 4567", 500)
    assert hit.value.key == "guard.identifiers" and "phone" in hit.value.params["kinds"]
    with pytest.raises(ProcessingError) as long:
        guard_text("x" * 11, 10)
    assert long.value.params == {"max": "10"}
    assert (
        guard_text("  Asumisneuvonnan jonot kasvavat.  ", 500) == "Asumisneuvonnan jonot kasvavat."
    )
    with pytest.raises(ProcessingError):
        plan_change(S.RECEIVED, S.CLOSED, Closing(ClosingReason.OTHER, "Matti Virtanen soitti"))


def test_tags_are_folded_and_guarded() -> None:
    assert normalise_tag("  Asunnottomuus   Nuoret ") == "asunnottomuus nuoret"
    with pytest.raises(ProcessingError):
        normalise_tag("   ")
    with pytest.raises(ProcessingError):
        normalise_tag("x" * 41)
