"""Every card the bot can emit is valid Adaptive Card 1.5, under 100 KB, in fi, sv and en."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from importlib import resources
from typing import Any

import jsonschema
import pytest

from cards.common import Card, Ctx
from cards.digest import daily_card, digest_card, export_card, filter_card, roles_card
from cards.observation import acute_alert_card, observation_card
from cards.report import (
    ObservationView,
    closed_card,
    my_reports_card,
    review_card,
    step_card,
    submitted_card,
)
from cards.welcome import help_card, notice_card, team_intro_card, welcome_card
from counties import county_path, load_county, shipped_counties
from dialogs.digest import Figures, Group, compute, suppress
from dialogs.periods import DigestFilter, iso_week
from dialogs.report import FieldError, ReportData, Step
from i18n import LANGS, Catalog
from storage.digests import Listed

MAX_BYTES = 100 * 1024
DRAFT = "f" * 32


def _validator() -> jsonschema.Draft6Validator:
    schema_file = resources.files("adaptive_cards") / "schemas" / "schema-1.5.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    return jsonschema.Draft6Validator(schema)


VALIDATOR = _validator()
FULL = ReportData.model_validate(
    {
        "kind": "problem",
        "phenomenon": "other",
        "phenomenon_other": "Kuljetuspalvelut",
        "description": "Kuvaus " * 280,
        "target_groups": ["youth", "elderly"],
        "area": "lahti",
        "service_area": "adult_social",
        "extent": "recurring",
        "trend": "increasing",
        "structural": "Rakenne " * 120,
        "proposal": "Ehdotus " * 120,
        "urgency": "acute",
        "acute_reason": "Häätöjä uhkaa",
        "reporter_role": "employee",
        "contact_ok": True,
        "anonymous": False,
        "reviewed": True,
    }
)
VIEW = ObservationView(
    reference="RAKE-2026-0042",
    created_at=datetime(2026, 11, 24, 10, tzinfo=UTC),
    kind="problem",
    phenomenon="housing",
    area="lahti",
    service_area="adult_social",
    status="received",
    urgency="acute",
    acute_reason="Häätöjä uhkaa",
    excerpt="Lyhyt ote…",
)
ERRORS = {
    "kind": FieldError("error.required"),
    "description": FieldError("guard.identifiers", {"kinds": "hetu,phone,email,address,name"}),
    "phenomenon_other": FieldError("error.too_long", {"max": "200"}),
    "area": FieldError("error.required"),
    "proposal": FieldError("guard.grievance", {"url": "https://example.invalid/x"}),
    "acute_reason": FieldError("error.acute_needs_reason"),
}


def big_figures(ctx: Ctx) -> Figures:
    """Every phenomenon, area and service area of the county, small and large counts."""
    groups = [
        Group(kind, p.id, a.id, s.id, "acute" if i % 7 == 0 else "normal", i % 5 + 1)
        for i, (kind, p, a, s) in enumerate(
            (k, p, a, s)
            for k in ("problem", "good_practice", "weak_signal")
            for p in ctx.county.phenomena
            for a in ctx.county.areas[:4]
            for s in ctx.county.service_areas[:2]
        )
    ]
    return compute(groups, groups[::2], groups[::3])


def listed(n: int) -> list[Listed]:
    return [
        Listed(
            f"RAKE-2026-{i:04d}",
            "weak_signal",
            "housing",
            "lahti",
            "adult_social",
            "widespread",
            "acute" if i % 3 == 0 else "normal",
            datetime(2026, 11, 24, 10, tzinfo=UTC),
            "Ote " * 20,
        )
        for i in range(n)
    ]


def every_card(ctx: Ctx) -> dict[str, Card]:
    week = DigestFilter(iso_week(2026, 48), phenomenon="housing", area="lahti", kind="problem")
    cards: dict[str, Card] = {
        "digest_chat": digest_card(
            ctx, "digest.title", week, big_figures(ctx), listed(10), in_channel=False
        ),
        "digest_channel": digest_card(
            ctx, "summary.annual", week, suppress(big_figures(ctx)), listed(10), in_channel=True
        ),
        "digest_empty": digest_card(
            ctx, "digest.title", week, compute([], [], []), [], in_channel=False
        ),
        "filter": filter_card(ctx, week, "Tarkista"),
        "daily": daily_card(ctx, date(2026, 11, 24), 500, listed(30), VIEW.created_at),
        "export": export_card(ctx, "https://rake.example.fi/exports/x.y", "xlsx", "1.1.–2.2.", 15),
        "roles": roles_card(ctx, [("a" * 36, "expert"), ("b" * 36, "admin")], "ok"),
        "roles_empty": roles_card(ctx, []),
        "acute_acknowledged": acute_alert_card(
            ctx, VIEW, in_channel=True, acknowledged=("Asiantuntija", "24.11.2026 12.00")
        ),
        "acute_reminder": acute_alert_card(ctx, VIEW, in_channel=False, reminder=True),
        "welcome": welcome_card(ctx),
        "team_intro": team_intro_card(ctx),
        "help": help_card(ctx),
        "notice": notice_card(ctx, "report.no_draft"),
        "review": review_card(ctx, "execute", DRAFT, FULL),
        "review_submit": review_card(ctx, "submit", DRAFT, FULL),
        "submitted_acute": submitted_card(ctx, "RAKE-2026-0042", FULL, ["Rake-kanava"]),
        "submitted_nobody": submitted_card(ctx, "RAKE-2026-0042", FULL, []),
        "submitted_normal": submitted_card(ctx, "RAKE-2026-0042", ReportData(), []),
        "closed": closed_card(ctx, "report.cancelled"),
        "mine_empty": my_reports_card(ctx, []),
        "mine_full": my_reports_card(ctx, [VIEW] * 10),
        "acute_channel": acute_alert_card(ctx, VIEW, in_channel=True),
        "acute_personal": acute_alert_card(ctx, VIEW, in_channel=False),
        "observation": observation_card(ctx, VIEW, FULL.model_dump(mode="json")),
        "observation_empty": observation_card(ctx, VIEW, {}),
    }
    for step in (Step.WHAT, Step.WHO_WHERE, Step.EXTENT, Step.URGENCY):
        for mode in ("execute", "submit"):
            cards[f"step{int(step)}-{mode}"] = step_card(ctx, mode, DRAFT, step, FULL)
            cards[f"step{int(step)}-{mode}-errors"] = step_card(
                ctx, mode, DRAFT, step, ReportData(), ERRORS, {"description": "x" * 2000}
            )
    return cards


CASES = [(county, lang) for county in shipped_counties() for lang in LANGS]


@pytest.mark.parametrize(("county", "lang"), CASES)
def test_every_card_is_valid_adaptive_card_1_5(county: str, lang: Any) -> None:
    ctx = Ctx(lang, Catalog.load(), load_county(county_path(county)))
    for name, card in every_card(ctx).items():
        errors = sorted(VALIDATOR.iter_errors(card), key=str)
        assert not errors, f"{name}: {errors[0].message} at {list(errors[0].absolute_path)}"
        assert card["version"] == "1.5"
        size = len(json.dumps(card, ensure_ascii=False).encode())
        assert size < MAX_BYTES, f"{name} is {size} bytes"


def test_schema_check_is_not_vacuous() -> None:
    broken = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock"}]}
    assert list(VALIDATOR.iter_errors(broken))
    wrong_action = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [],
        "actions": [{"type": "Action.Execute", "title": "x", "colour": "red"}],
    }
    assert list(VALIDATOR.iter_errors(wrong_action))


def test_every_input_has_a_label_and_errors_sit_next_to_their_field() -> None:
    ctx = Ctx("fi", Catalog.load(), load_county(county_path("paijat-hame")))
    card = step_card(ctx, "execute", DRAFT, Step.WHAT, ReportData(), ERRORS)
    items = card["body"][-1]["items"]
    for index, item in enumerate(items):
        if item["type"].startswith("Input."):
            assert item.get("label") or item.get("title"), item["id"]
            if item["id"] in ERRORS:
                assert items[index + 1]["color"] == "Attention"
    text = json.dumps(card, ensure_ascii=False)
    assert "henkilötunnus" in text and "puhelinnumero" in text


def test_the_grievance_question_is_a_question_not_an_error() -> None:
    """Only the grievance notice on the step: a question in the accent colour, with its "go
    on" toggle; an identifier beside it makes the card ask for fixes again, in red."""
    for lang in LANGS:
        ctx = Ctx(lang, Catalog.load(), load_county(county_path("paijat-hame")))
        grievance = {"description": FieldError("guard.grievance", {"url": "https://x.invalid"})}
        card = step_card(ctx, "execute", DRAFT, Step.WHAT, ReportData(), grievance)
        header = card["body"][2]
        assert header["text"] == ctx.t("error.answer_question")
        assert header["color"] == "Accent"
        items = card["body"][-1]["items"]
        notice = next(i for i in items if "https://x.invalid" in i.get("text", ""))
        assert notice["color"] == "Accent"
        assert items[-1]["title"] == ctx.t("guard.grievance_continue")
        both = {**grievance, "summary": FieldError("guard.identifiers", {"kinds": "name"})}
        card = step_card(ctx, "execute", DRAFT, Step.WHAT, ReportData(), both)
        assert card["body"][2]["text"] == ctx.t("error.fix_fields")
        assert card["body"][2]["color"] == "Attention"


def test_cancel_and_edit_send_no_inputs_and_carry_the_draft() -> None:
    ctx = Ctx("en", Catalog.load(), load_county(county_path("paijat-hame")))
    card = review_card(ctx, "execute", DRAFT, FULL)
    actions = card["actions"]
    assert [a["data"]["verb"] for a in actions] == ["submit", "back", "cancel"]
    assert all(a["associatedInputs"] == "none" and a["data"]["draft_id"] == DRAFT for a in actions)
    assert all(a["type"] == "Action.Execute" for a in actions)
    in_dialog = review_card(ctx, "submit", DRAFT, FULL)
    assert all(a["type"] == "Action.Submit" for a in in_dialog["actions"])


def test_bilingual_county_labels_follow_the_language() -> None:
    county = load_county(county_path("varsinais-suomi"))
    catalog = Catalog.load()
    sv = step_card(Ctx("sv", catalog, county), "execute", DRAFT, Step.WHO_WHERE, ReportData())
    fi = step_card(Ctx("fi", catalog, county), "execute", DRAFT, Step.WHO_WHERE, ReportData())
    assert "Åbo" in json.dumps(sv, ensure_ascii=False)
    assert "Åbo" not in json.dumps(fi, ensure_ascii=False)
