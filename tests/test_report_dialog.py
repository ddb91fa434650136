"""The report dialog as a plain state machine, without the SDK."""

from __future__ import annotations

from typing import Any

import pytest

from counties import County, county_path, load_county
from dialogs.report import (
    DialogInput,
    MalformedInput,
    ReportData,
    Step,
    Urgency,
    advance,
    parse_input,
    start,
)

DRAFT = "0" * 32
STEP1 = {
    "kind": "problem",
    "phenomenon": "housing",
    "phenomenon_other": "",
    "description": "Nuorten asunnottomuus on lisääntynyt itsenäistymisen jälkeen.",
}
STEP2 = {"target_groups": "youth,homeless", "area": "lahti", "service_area": "adult_social"}
STEP3 = {
    "extent": "recurring",
    "trend": "increasing",
    "structural": "Pienten vuokra-asuntojen puute.",
    "proposal": "",
}
STEP4 = {
    "urgency": "normal",
    "acute_reason": "",
    "reporter_role": "employee",
    "contact_ok": "true",
    "anonymous": "false",
}
STEPS = {Step.WHAT: STEP1, Step.WHO_WHERE: STEP2, Step.EXTENT: STEP3, Step.URGENCY: STEP4}


@pytest.fixture(scope="module")
def county() -> County:
    return load_county(county_path("paijat-hame"))


def act(
    data: ReportData | None,
    county: County,
    verb: str,
    step: int | None = None,
    values: dict[str, Any] | None = None,
) -> Any:
    return advance(
        data, DialogInput(verb=verb, draft_id=DRAFT, step=step, values=values or {}), county
    )


def fill(county: County, upto: Step = Step.URGENCY) -> ReportData:
    data = start().data
    for step, values in STEPS.items():
        if step > upto:
            break
        outcome = act(data, county, "next", step, values)
        assert not outcome.errors, outcome.errors
        data = outcome.data
    return data


def test_happy_path_reaches_review_and_submits(county: County) -> None:
    data = start().data
    views = []
    for step, values in STEPS.items():
        outcome = act(data, county, "next", step, values)
        views.append((outcome.view, outcome.step))
        assert outcome.save_draft
        data = outcome.data
    assert views == [
        ("step", Step.WHO_WHERE),
        ("step", Step.EXTENT),
        ("step", Step.URGENCY),
        ("review", Step.REVIEW),
    ]
    done = act(data, county, "submit", Step.REVIEW)
    assert done.view == "submitted"
    assert done.submission is not None
    assert done.submission.target_groups == ["youth", "homeless"]
    assert done.submission.contact_ok is True and done.submission.proposal is None


def test_required_fields_are_named_and_accepted_values_kept(county: County) -> None:
    outcome = act(
        start().data,
        county,
        "next",
        Step.WHAT,
        {"kind": "problem", "phenomenon": "", "description": ""},
    )
    assert outcome.view == "step" and outcome.step is Step.WHAT
    assert set(outcome.errors) == {"phenomenon", "description"}
    assert outcome.errors["description"].key == "error.required"
    assert outcome.data.kind is not None  # kept, and saved with the draft
    assert outcome.save_draft


def test_identifier_is_not_stored_but_echoed_back(county: County) -> None:
    values = dict(STEP1, description="Asiakas Matti Virtanen, puh. 040 123 4567, jäi ilman asuntoa")
    outcome = act(start().data, county, "next", Step.WHAT, values)
    assert outcome.errors["description"].key == "guard.identifiers"
    assert set(outcome.errors["description"].params["kinds"].split(",")) == {"name", "phone"}
    assert outcome.data.description is None  # never reaches the draft
    assert outcome.echo["description"] == values["description"]  # shown on the card only


def test_grievance_points_to_the_grievance_notice(county: County) -> None:
    values = dict(STEP1, description="Asiakkaani ei saanut päätöstä kolmeen kuukauteen.")
    outcome = act(start().data, county, "next", Step.WHAT, values)
    assert outcome.errors["description"].key == "guard.grievance"
    assert outcome.errors["description"].params["url"] == county.grievance_notice_url


def test_every_free_text_field_is_guarded(county: County) -> None:
    data = fill(county, Step.WHO_WHERE)
    outcome = act(
        data, county, "next", Step.EXTENT, dict(STEP3, proposal="Ota yhteyttä: testi@example.com")
    )
    assert outcome.errors["proposal"].key == "guard.identifiers"
    assert outcome.data.proposal is None


def test_too_long_description(county: County) -> None:
    outcome = act(start().data, county, "next", Step.WHAT, dict(STEP1, description="a" * 2001))
    assert outcome.errors["description"].key == "error.too_long"
    assert outcome.data.description is None


def test_other_phenomenon_needs_text_and_acute_needs_reason(county: County) -> None:
    outcome = act(start().data, county, "next", Step.WHAT, dict(STEP1, phenomenon="other"))
    assert outcome.errors["phenomenon_other"].key == "error.other_needs_text"
    data = fill(county, Step.EXTENT)
    outcome = act(data, county, "next", Step.URGENCY, dict(STEP4, urgency="acute"))
    assert outcome.errors["acute_reason"].key == "error.acute_needs_reason"
    outcome = act(
        data,
        county,
        "next",
        Step.URGENCY,
        dict(STEP4, urgency="acute", acute_reason="Häätöjä uhkaa kymmeniä perheitä"),
    )
    assert outcome.view == "review" and outcome.data.urgency is Urgency.ACUTE


def test_back_and_edit_from_review_return_to_review(county: County) -> None:
    data = act(fill(county), county, "next", Step.URGENCY, STEP4).data
    assert data.reviewed
    edit = act(data, county, "edit", Step.WHO_WHERE)
    assert edit.view == "step" and edit.step is Step.WHO_WHERE
    again = act(data, county, "next", Step.WHO_WHERE, dict(STEP2, area="heinola"))
    assert again.view == "review" and again.data.area == "heinola"
    back = act(data, county, "back", Step.REVIEW)
    assert back.step is Step.URGENCY
    step_back = act(data, county, "back", Step.EXTENT, {"extent": ""})
    assert step_back.step is Step.WHO_WHERE  # back never blocks on required fields


def test_cancel_deletes_and_missing_draft_is_reported(county: County) -> None:
    assert act(fill(county, Step.WHAT), county, "cancel", Step.WHO_WHERE).delete_draft
    assert act(None, county, "next", Step.WHAT, STEP1).view == "missing"


def test_submit_with_gaps_sends_back_to_the_first_gap(county: County) -> None:
    data = fill(county, Step.WHAT)
    outcome = act(data, county, "submit", Step.REVIEW)
    assert outcome.view == "step" and outcome.step is Step.WHO_WHERE
    assert "area" in outcome.errors


@pytest.mark.parametrize(
    "values",
    [
        {"unknown_field": "x"},  # unknown key
        {"kind": "opinion"},  # not a kind
        {"phenomenon": "crime"},  # not in the county's list
        {"description": 42},  # wrong type
        {"description": ["a"]},
        {"description": "x" * 5000},  # huge
        {"target_groups": "youth"},  # belongs to another step
    ],
)
def test_forged_step_values_are_rejected(county: County, values: dict[str, Any]) -> None:
    with pytest.raises(MalformedInput):
        act(start().data, county, "next", Step.WHAT, values)


@pytest.mark.parametrize(
    "raw",
    [
        {"verb": "explode"},
        {"verb": "next", "draft_id": "../../etc"},
        {"verb": "next", "step": 9},
        {"verb": "next", "step": "two"},
        {"verb": "next", "values": "x"},
        {"verb": "next", "extra": 1},
    ],
)
def test_malformed_envelopes_are_rejected(raw: dict[str, Any]) -> None:
    with pytest.raises(MalformedInput):
        parse_input(raw)


def test_forged_booleans_and_list_values(county: County) -> None:
    data = fill(county, Step.EXTENT)
    with pytest.raises(MalformedInput):
        act(data, county, "next", Step.URGENCY, dict(STEP4, anonymous="maybe"))
    with pytest.raises(MalformedInput):
        act(
            fill(county, Step.WHAT),
            county,
            "next",
            Step.WHO_WHERE,
            dict(STEP2, target_groups="youth,martians"),
        )


def test_submit_only_from_review(county: County) -> None:
    with pytest.raises(MalformedInput):
        act(fill(county), county, "submit", Step.URGENCY)


def test_prefill_is_echoed_not_stored() -> None:
    outcome = start({"description": "viestin teksti", "service_area": "adult_social"})
    assert outcome.data.description is None
    assert outcome.echo == {"description": "viestin teksti"}
    assert outcome.data.service_area == "adult_social"
