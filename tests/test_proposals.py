"""Action proposals: what a proposal needs, and the answers' effect on its status."""

from __future__ import annotations

from datetime import date

import pytest

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
