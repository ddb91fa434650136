"""The loop's cards (processing, the lead's comment request, proposals, follow-up, reminder,
feedback, metrics, report draft) are valid Adaptive Card 1.5, < 100 KB, in fi, sv and en, with
a label on every input, at their largest."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from cards.common import Card, Ctx
from cards.phenomena import PhenomenonCardView, phenomena_card, phenomenon_card
from cards.processing import (
    CommentRequestView,
    ProcessingView,
    RequestLine,
    Similar,
    comment_request_card,
    processing_card,
)
from cards.proposals import (
    FollowUpLine,
    ProposalCardView,
    ReminderLine,
    feedback_card,
    follow_up_card,
    follow_up_reminder_card,
    metrics_card,
    proposal_card,
    proposal_list_card,
    report_draft_card,
)
from counties import county_path, load_county, shipped_counties
from dialogs.feedback import Message, Pending
from dialogs.metrics import Counts, Targets, compute
from dialogs.processing import FeedbackEvent
from dialogs.proposals import ProposalStatus
from dialogs.vocabulary import ObservationStatus
from i18n import LANGS, Catalog
from tests.test_cards import MAX_BYTES, VALIDATOR

T = datetime(2026, 3, 10, 9, tzinfo=UTC)
LONG = "Pitkä teksti " * 150


def view(status: ObservationStatus = ObservationStatus.GROUPED, **kw: Any) -> ProcessingView:
    base: dict[str, Any] = {
        "reference": "RAKE-2026-0042",
        "status": status,
        "created_at": T,
        "kind": "problem",
        "phenomenon": "housing",
        "area": "lahti",
        "service_area": "adult_social",
        "excerpt": "Vuokra-asuntojen puute…",
        "stamps": {"in_processing_at": T, "grouped_at": T},
        "tags": ("nuoret", "asuminen"),
        "phenomena": ((1, "Nuorten asunnottomuus"),),
        "notes": tuple((T, LONG[:2000]) for _ in range(8)),
        "requests": (RequestLine("adult_social", None), RequestLine("family_social", LONG[:2000])),
        "similar": (
            Similar("obs:3", "RAKE-2026-0003", "Ote", 0.82, "RAKE-2026-0003"),
            Similar("phen:1", "Nuorten asunnottomuus", "Kuvaus", 0.61),
        ),
        "known_phenomena": tuple((i, f"Ilmiö {i}") for i in range(1, 60)),
    }
    base.update(kw)
    return ProcessingView(**base)


PROPOSAL = ProposalCardView(
    7,
    "Asumisneuvontaa nuorille aikuisille",
    LONG[:2000],
    "adult_social",
    date(2026, 6, 30),
    ProposalStatus.IN_PROGRESS,
    overdue=True,
    observations=tuple(f"RAKE-2026-{i:04d}" for i in range(40)),
    phenomena=("Nuorten asunnottomuus",),
    follow_ups=(
        FollowUpLine(1, date(2026, 6, 30), "partly", LONG[:1000], date(2026, 7, 2)),
        FollowUpLine(2, date(2026, 8, 1), None, None, None),
    ),
)


def every_card(ctx: Ctx) -> dict[str, Card]:
    pending = tuple(
        Pending(
            i,
            "w",
            f"RAKE-2026-{i:04d}",
            event,
            {"name": "N", "period": "2026-Q1", "title": "T", "answer": "done"},
            "fi",
            T,
        )
        for i, event in enumerate(FeedbackEvent)
    )
    metrics = compute(Counts(2026, 30, 3, 8, 1, 2, 1, 12), Targets(), date(2026, 7, 1))
    return {
        "processing": processing_card(ctx, view(), error="x", done="y"),
        "processing_closed": processing_card(
            ctx,
            view(
                ObservationStatus.CLOSED,
                closing_reason="duplicate",
                closing_description="d",
                duplicate_of="RAKE-2026-0001",
            ),
        ),
        "processing_in_dialog": processing_card(ctx, view(ObservationStatus.RECEIVED), "submit"),
        "comment_request": comment_request_card(
            ctx,
            CommentRequestView(
                1, "RAKE-2026-0042", "adult_social", LONG[:2000], "Ote", date(2026, 3, 10)
            ),
            error="x",
        ),
        "comment_answered": comment_request_card(
            ctx, CommentRequestView(1, "Ilmiö", "adult_social", "Q", "", date(2026, 3, 10), "A")
        ),
        "proposal": proposal_card(ctx, PROPOSAL, can_withdraw=True, done="ok"),
        "proposal_list": proposal_list_card(ctx, [PROPOSAL] * 40, "2026"),
        "proposal_list_empty": proposal_list_card(ctx, []),
        "follow_up": follow_up_card(ctx, PROPOSAL, 2, error="x"),
        "follow_up_answered": follow_up_card(ctx, PROPOSAL, 2, answered=("done", "Tehty")),
        "reminder": follow_up_reminder_card(
            ctx, [ReminderLine(i, i, "Otsikko " * 20, date(2026, 7, 1)) for i in range(30)]
        ),
        "feedback": feedback_card(ctx, Message("w", "fi", pending * 3, more=5)),
        "metrics": metrics_card(ctx, metrics),
        "report_draft": report_draft_card(ctx, 2026, "https://x/exports/a", "https://x/exports/b"),
        "phenomena": phenomena_card(ctx, [(i, f"Ilmiö {i} " * 10, i) for i in range(40)]),
        "phenomena_none": phenomena_card(ctx, []),
        "phenomenon": phenomenon_card(
            ctx,
            PhenomenonCardView(
                1,
                "Nuorten asunnottomuus",
                LONG[:1000],
                tuple(f"RAKE-2026-{i:04d}" for i in range(50)),
                (RequestLine("adult_social", None), RequestLine("family_social", LONG[:2000])),
                service_area="adult_social",
            ),
            error="x",
            done="y",
        ),
    }


def _inputs(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Input."):
            found.append(node)
        for value in node.values():
            found += _inputs(value)
    elif isinstance(node, list):
        for value in node:
            found += _inputs(value)
    return found


@pytest.mark.parametrize(
    ("county", "lang"), [(c, lang) for c in shipped_counties() for lang in LANGS]
)
def test_every_loop_card_is_valid_adaptive_card_1_5(county: str, lang: Any) -> None:
    ctx = Ctx(lang, Catalog.load(), load_county(county_path(county)))
    for name, card in every_card(ctx).items():
        errors = sorted(VALIDATOR.iter_errors(card), key=str)
        assert not errors, f"{name}: {errors[0].message} at {list(errors[0].absolute_path)}"
        size = len(json.dumps(card, ensure_ascii=False).encode())
        assert size < MAX_BYTES, f"{name} is {size} bytes"
        for item in _inputs(card):
            assert item.get("label"), f"{name}: {item['id']} has no label"


def test_the_processing_card_offers_what_the_table_allows() -> None:
    ctx = Ctx("en", Catalog.load(), load_county(county_path("paijat-hame")))
    open_card = processing_card(ctx, view(ObservationStatus.RECEIVED))
    titles = [a["title"] for a in open_card["actions"]]
    assert titles[0] == "Take into processing" and "Close…" in titles and len(titles) == 6
    closed = processing_card(ctx, view(ObservationStatus.CLOSED, closing_reason="other"))
    assert [a["title"] for a in closed["actions"]] == ["Reopen"]
    proposed = processing_card(ctx, view(ObservationStatus.PROPOSED))
    assert "Take into processing" not in [a["title"] for a in proposed["actions"]]
    text = json.dumps(open_card, ensure_ascii=False)
    assert "RAKE-2026-0003" in text and "82 %" in text  # the similar ones, with their scores


def test_feedback_words_the_follow_up_answer_in_the_readers_language() -> None:
    ctx = Ctx("fi", Catalog.load(), load_county(county_path("paijat-hame")))
    item = Pending(
        1,
        "w",
        "RAKE-2026-0001",
        FeedbackEvent.FOLLOW_UP,
        {"title": "Asumisneuvonta", "answer": "partly"},
        "fi",
        T,
    )
    card = feedback_card(ctx, Message("w", "fi", (item,)))
    text = json.dumps(card, ensure_ascii=False)
    assert "Asumisneuvonta" in text and "Osittain" in text
