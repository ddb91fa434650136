"""Action proposals: what a proposal needs, and the answers' effect on its status."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from counties import CountyConfigError, county_path, load_county
from dialogs.processing import ProcessingError
from dialogs.proposals import (
    AFTER_ANSWER,
    FINAL,
    FollowUpAnswer,
    ProposalInput,
    ProposalStatus,
    check_answer,
    check_proposal,
    parse_due,
)
from storage.audit import AuditLog
from storage.db import Database
from storage.feedback import FeedbackRepository
from storage.phenomena import PhenomenonRepository
from storage.processing import ProcessingRepository
from storage.proposals import ProposalRepository
from tests.seed import add, local

AREAS = {"adult_social", "family_social"}
TODAY = date(2026, 12, 1)


def proposal(**kw: object) -> ProposalInput:
    base: dict[str, object] = {
        "title": "Asumisneuvontaa nuorille aikuisille",
        "text": "Lisätään asumisneuvonnan vastaanottoaikoja Lahdessa.",
        "service_area": "adult_social",
        "owner_id": "lead-aad",
        "due": date(2027, 3, 31),
        "observation_refs": ("RAKE-2026-0001",),
    }
    base.update(kw)
    return ProposalInput(**base)  # type: ignore[arg-type]


def test_a_proposal_needs_an_area_an_owner_a_future_due_date_and_a_source() -> None:
    checked = check_proposal(proposal(), TODAY, AREAS)
    assert checked.due == date(2027, 3, 31) and checked.owner_id == "lead-aad"
    assert check_proposal(proposal(due=None), TODAY, AREAS).due == date(2027, 3, 1)
    for bad, key in [
        ({"service_area": "nowhere"}, "proposal.error.service_area"),
        ({"owner_id": " "}, "proposal.error.no_owner"),
        ({"due": date(2026, 11, 30)}, "proposal.error.due_past"),
        ({"observation_refs": ()}, "proposal.error.nothing_to_propose_from"),
        ({"title": " "}, "proposal.error.title_required"),
    ]:
        with pytest.raises(ProcessingError) as refused:
            check_proposal(proposal(**bad), TODAY, AREAS)
        assert refused.value.key == key
    assert check_proposal(proposal(observation_refs=(), phenomenon_ids=(3,)), TODAY, AREAS)


def test_proposal_texts_are_guarded() -> None:
    with pytest.raises(ProcessingError) as hit:
        check_proposal(proposal(text="Yhteys: maija.mallikas@example.org"), TODAY, AREAS)
    assert hit.value.key == "guard.identifiers"


def test_due_dates_from_cards_and_commands() -> None:
    assert parse_due("2027-01-15") == date(2027, 1, 15)
    assert parse_due("15.1.2027") == date(2027, 1, 15)
    assert parse_due("") is None
    with pytest.raises(ProcessingError):
        parse_due("31.2.2027")


def test_answers_decide_the_status_and_only_done_and_not_planned_are_final() -> None:
    assert AFTER_ANSWER[FollowUpAnswer.DONE] in FINAL
    assert AFTER_ANSWER[FollowUpAnswer.NOT_PLANNED] in FINAL
    assert AFTER_ANSWER[FollowUpAnswer.PARTLY] is ProposalStatus.IN_PROGRESS
    assert AFTER_ANSWER[FollowUpAnswer.NOT_DONE] not in FINAL
    assert check_answer("partly", " Kaksi uutta aikaa viikossa. ") == (
        FollowUpAnswer.PARTLY,
        "Kaksi uutta aikaa viikossa.",
    )
    with pytest.raises(ProcessingError):
        check_answer("maybe", "")


# --- in the database (SQLite and PostgreSQL) ------------------------------------------------


NOW = datetime(2026, 3, 10, 9, tzinfo=UTC)


async def test_a_proposal_from_observations_and_a_phenomenon_marks_them_all(db: Database) -> None:
    named, member = await add(db, local(2026, 3, 2), 2)
    (anonymous,) = await add(db, local(2026, 3, 3), anonymous=True)
    groups = PhenomenonRepository(db)
    phen = await groups.create_phenomenon("paijat-hame", "Häätöuhat", "", "exp", NOW)
    await groups.group(phen, [member.reference, anonymous.reference], "exp", NOW)
    checked = check_proposal(
        proposal(observation_refs=(named.reference,), phenomenon_ids=(phen,)), TODAY, AREAS
    )
    repo = ProposalRepository(db)
    pid = await repo.create(
        checked, [named.reference], [phen], "paijat-hame", 2026, "exp", NOW + timedelta(hours=1)
    )
    view = await repo.get(pid, NOW)
    assert view.status is ProposalStatus.OPEN and view.phenomena == (phen,)
    assert set(view.observations) == {named.reference, member.reference, anonymous.reference}
    processing = ProcessingRepository(db)
    for ref in view.observations:
        state = await processing.state(ref)
        assert state.status.value == "proposed" and state.stamps["proposed_at"] is not None
    events = sorted((p.reference, p.event.value) for p in await FeedbackRepository(db).pending())
    assert (named.reference, "proposed") in events and (member.reference, "proposed") in events
    assert all(ref != anonymous.reference for ref, _ in events)
    assert "proposal.create" in [e.action for e in await AuditLog(db).entries(5)]


async def test_proposals_are_listed_by_status_area_and_year(db: Database) -> None:
    (obs,) = await add(db, local(2026, 3, 2))
    repo = ProposalRepository(db)
    for area, year in [("adult_social", 2026), ("family_social", 2026), ("adult_social", 2025)]:
        checked = check_proposal(
            proposal(service_area=area, observation_refs=(obs.reference,)), TODAY, AREAS
        )
        await repo.create(checked, [obs.reference], [], "paijat-hame", year, "exp", NOW)
    assert len(await repo.listing(NOW)) == 3
    assert len(await repo.listing(NOW, service_area="adult_social")) == 2
    assert len(await repo.listing(NOW, year=2026, service_area="adult_social")) == 1
    assert len(await repo.listing(NOW, status=ProposalStatus.DONE)) == 0
    first = (await repo.listing(NOW))[0]
    await repo.withdraw(first.id, "exp", NOW)
    assert len(await repo.listing(NOW, status=ProposalStatus.WITHDRAWN)) == 1
    with pytest.raises(ProcessingError):
        await repo.withdraw(first.id, "exp", NOW)


def test_a_county_names_leads_only_of_its_own_service_areas(tmp_path: Any) -> None:
    text = (county_path("paijat-hame")).read_text(encoding="utf-8")
    broken = tmp_path / "c.yaml"
    broken.write_text(text.replace("  family_social: []", "  nowhere: [x]"), encoding="utf-8")
    with pytest.raises(CountyConfigError, match="service_area_leads"):
        load_county(broken)
    county = load_county(county_path("paijat-hame"))
    assert county.okr_targets.observations_per_year == 50
    assert county.okr_targets.recommendations_per_year == 5
    assert county.leads_of("family_social") == [] and not county.is_lead("x")
