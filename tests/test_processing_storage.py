"""Processing in the database (SQLite and PostgreSQL): status stamps, conflicts, closing with a
reason and a duplicate pointer, tags, enrichment, phenomena, asking a service area's lead, the
"in a summary" stamps — each change audited, feedback queued (never for anonymous reports)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from dialogs.periods import Rhythm, last_complete
from dialogs.processing import Closing, ProcessingError, plan_change
from dialogs.vocabulary import ClosingReason, ObservationStatus
from storage.audit import AuditLog
from storage.db import Database
from storage.digests import DigestRepository
from storage.feedback import FeedbackRepository
from storage.outbox import Outbox
from storage.phenomena import PhenomenonRepository
from storage.processing import Conflict, ProcessingRepository
from storage.processing_models import OBS_PROCESSING
from tests.seed import HELSINKI, add, local

S = ObservationStatus
NOW = datetime(2026, 3, 10, 9, tzinfo=UTC)


def to(target: ObservationStatus, closing: Closing | None = None) -> partial[object]:
    return partial(plan_change, target=target, closing=closing)


async def test_a_change_fills_its_timestamp_and_is_audited(db: Database) -> None:
    (obs,) = await add(db, local(2026, 3, 9))
    repo = ProcessingRepository(db)
    plan = await repo.change(obs.reference, to(S.IN_PROCESSING), "exp", NOW)
    assert plan.moves
    state = await repo.state(obs.reference)
    assert state.status is S.IN_PROCESSING and state.stamps["in_processing_at"] == NOW
    assert state.stamps["closed_at"] is None
    (entry,) = await AuditLog(db).entries(1)
    assert (entry.actor, entry.action, entry.target) == (
        "exp",
        "observation.in_processing",
        obs.reference,
    )
    with pytest.raises(ProcessingError) as refused:  # the table has no way back
        await repo.change(obs.reference, to(S.RECEIVED), "exp", NOW)
    assert refused.value.key == "processing.error.transition"


async def test_two_experts_moving_the_same_observation_one_wins(db: Database) -> None:
    (obs,) = await add(db, local(2026, 3, 9))
    repo = ProcessingRepository(db)
    stale = plan_change(S.RECEIVED, S.ENRICHED)
    await repo.change(obs.reference, to(S.IN_PROCESSING), "a", NOW)
    with pytest.raises(Conflict):
        await repo.change(obs.reference, lambda _current: stale, "b", NOW)
    assert (await repo.state(obs.reference)).status is S.IN_PROCESSING


async def test_closing_keeps_reason_description_and_a_pointer_to_the_original(
    db: Database,
) -> None:
    original, duplicate = await add(db, local(2026, 3, 9), 2)
    repo = ProcessingRepository(db)
    closing = Closing(ClosingReason.DUPLICATE, "Sama tilanne kuin aiemmin.", original.reference)
    await repo.change(duplicate.reference, to(S.CLOSED, closing), "exp", NOW)
    state = await repo.state(duplicate.reference)
    assert state.status is S.CLOSED and state.closing_reason == "duplicate"
    assert state.duplicate_of == original.reference and state.stamps["closed_at"] == NOW
    assert (await repo.state(original.reference)).status is S.RECEIVED  # its own fate
    await repo.change(duplicate.reference, to(S.IN_PROCESSING), "exp", NOW + timedelta(hours=1))
    again = await repo.state(duplicate.reference)
    assert again.closing_reason is None and again.duplicate_of is None
    itself = Closing(ClosingReason.DUPLICATE, "x", original.reference)
    with pytest.raises(ProcessingError) as refused:
        await repo.change(original.reference, to(S.CLOSED, itself), "exp", NOW)
    assert refused.value.key == "processing.error.duplicate_of_itself"


async def test_tags_and_enrichment_notes(db: Database) -> None:
    (obs,) = await add(db, local(2026, 3, 9))
    repo = ProcessingRepository(db)
    assert await repo.tag(obs.reference, "nuoret", "exp", NOW, add=True)
    assert not await repo.tag(obs.reference, "nuoret", "exp", NOW, add=True)  # once
    await repo.add_note(obs.reference, "Sama näkyy myös Heinolassa.", "exp", NOW)
    state = await repo.state(obs.reference)
    assert state.tags == ("nuoret",) and state.status is S.ENRICHED
    assert state.notes == ((NOW, "exp", "Sama näkyy myös Heinolassa."),)
    assert await repo.tag(obs.reference, "nuoret", "exp", NOW, add=False)
    assert (await repo.state(obs.reference)).tags == ()


async def test_grouping_keeps_each_status_and_tells_only_named_reporters(db: Database) -> None:
    fresh, summarised = await add(db, local(2026, 3, 9), 2, reporter_id="worker-1")
    (anonymous,) = await add(db, local(2026, 3, 9), anonymous=True, reporter_id="worker-2")
    repo, groups = ProcessingRepository(db), PhenomenonRepository(db)
    async with db.engine.begin() as conn:
        await conn.execute(
            OBS_PROCESSING.update()
            .where(OBS_PROCESSING.c.id == summarised.id)
            .values(status="in_summary")
        )
    phen = await groups.create_phenomenon(
        "paijat-hame", "Nuorten asunnottomuus", "Toistuu.", "exp", NOW
    )
    refs = [fresh.reference, summarised.reference, anonymous.reference]
    assert await groups.group(phen, refs, "exp", NOW) == refs
    assert await groups.group(phen, refs, "exp", NOW) == []  # already members
    assert (await repo.state(fresh.reference)).status is S.GROUPED
    kept = await repo.state(summarised.reference)
    assert kept.status is S.IN_SUMMARY and kept.stamps["grouped_at"] == NOW
    assert kept.phenomena == ((phen, "Nuorten asunnottomuus"),)
    pending = await FeedbackRepository(db).pending()
    assert sorted(p.reference for p in pending) == sorted([fresh.reference, summarised.reference])
    assert {p.detail["name"] for p in pending} == {"Nuorten asunnottomuus"}
    view, members = await groups.phenomenon(phen)
    assert view.observations == 3 and members == refs
    assert [p.name for p in await groups.phenomena()] == ["Nuorten asunnottomuus"]


async def test_asking_the_lead_enqueues_the_card_and_only_that_lead_answers(db: Database) -> None:
    (obs,) = await add(db, local(2026, 3, 9))
    repo = ProcessingRepository(db)
    request_id = await repo.ask_lead(
        obs.reference,
        None,
        "adult_social",
        "lead-1",
        "Näkyykö tämä teillä?",
        "exp",
        NOW,
        lambda rid: (f"comment:{rid}", "comment_request", "conv-lead-1", {"card": {}}),
    )
    assert (await Outbox(db).by_key(f"comment:{request_id}")) is not None
    with pytest.raises(ProcessingError):
        await repo.answer_request(request_id, "someone-else", "Ei", NOW)
    row = await repo.answer_request(request_id, "lead-1", "Kyllä, jonot ovat pidentyneet.", NOW)
    assert row.answer == "Kyllä, jonot ovat pidentyneet."
    with pytest.raises(ProcessingError):  # once
        await repo.answer_request(request_id, "lead-1", "Toinen vastaus", NOW)
    state = await repo.state(obs.reference)
    assert state.status is S.ENRICHED and state.requests[0].answered_by == "lead-1"
    actions = [e.action for e in await AuditLog(db).entries(10)]
    assert "comment.ask" in actions and "comment.answer" in actions


async def test_observations_in_a_periodic_summary_are_stamped_and_their_reporters_told_once(
    db: Database,
) -> None:
    processing, received = await add(db, local(2026, 2, 10), 2)
    repo = ProcessingRepository(db)
    await repo.change(processing.reference, to(S.IN_PROCESSING), "e", NOW)
    period = last_complete(Rhythm.QUARTERLY, local(2026, 5, 1).date())
    weekly = last_complete(Rhythm.WEEKLY, local(2026, 2, 16).date())
    digests = DigestRepository(db, HELSINKI)
    await digests.store_summary("weekly", weekly, "paijat-hame", {})
    assert await repo.stamp_summaries(NOW) == 0  # a weekly digest is not a kooste
    await digests.store_summary("quarterly", period, "paijat-hame", {})
    later = NOW + timedelta(days=60)
    assert await repo.stamp_summaries(later) == 2
    assert await repo.stamp_summaries(later) == 0
    for ref in (processing.reference, received.reference):
        state = await repo.state(ref)
        assert state.status is S.IN_SUMMARY and state.stamps["in_summary_at"] is not None
    pending = await FeedbackRepository(db).pending()
    assert len(pending) == 2 and {p.detail["period"] for p in pending} == {period.key}
