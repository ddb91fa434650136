"""The loop's typed commands and card actions, as the handler hands them over: the right card
back, a refusal shown on the same card in the reader's language."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.processing_flow import ProcessingFlow
from cards import phenomena as ph
from cards import processing as pc
from cards import proposals as pp
from cards.common import Card
from dialogs.processing_commands import LoopCommand, parse_loop_command
from dialogs.proposals import ProposalStatus
from storage.db import Database
from tests.loop_helpers import EXPERT, LEAD, Clock, jobs, reachable, service
from tests.seed import add, local

NOW = datetime(2026, 3, 10, 8, tzinfo=UTC)


def test_loop_commands_in_three_languages() -> None:
    assert parse_loop_command("avaa RAKE-2026-42") == parse_loop_command("open rake-2026-0042")
    opened = parse_loop_command("<at>Rake</at> öppna RAKE-2026-0042")
    assert opened is not None and opened.reference == "RAKE-2026-0042"
    assert parse_loop_command("avaa jotain") is None
    listed = parse_loop_command("ehdotukset kesken aikuissosiaalityö 2026 myöhässä")
    assert listed is not None and listed.command is LoopCommand.PROPOSALS
    assert (listed.status, listed.year, listed.words, listed.overdue) == (
        ProposalStatus.IN_PROGRESS,
        2026,
        ("aikuissosiaalityö",),
        True,
    )
    assert parse_loop_command("mätare 2025") == parse_loop_command("mittarit 2025")
    draft = parse_loop_command("report draft 2026")
    assert draft is not None and (draft.command, draft.year) == (LoopCommand.REPORT_DRAFT, 2026)
    assert parse_loop_command("ilmiöt") is not None and parse_loop_command("kooste") is None


def _text(card: Card) -> str:
    return json.dumps(card, ensure_ascii=False)


def flow(db: Database, clock: Clock) -> ProcessingFlow:
    return ProcessingFlow(service(db, clock), link=lambda claims: f"https://x/{claims['format']}")


async def test_an_expert_works_through_an_observation_on_its_card(db: Database) -> None:
    (obs,) = await add(db, local(2026, 3, 9))
    f = flow(db, Clock(NOW))
    ctx = f.service.ctx("fi")
    ref = obs.reference
    card = await f.command(ctx, EXPERT.aad_id, parse_loop_command(f"avaa {ref}"))  # type: ignore[arg-type]
    assert f"Käsittely: {ref}" in _text(card) and "Vastaanotettu" in _text(card)
    data: dict[str, Any] = {"reference": ref, "lang": "fi"}
    card = await f.act(
        ctx, "execute", EXPERT.aad_id, {**data, "rake": pc.STATUS, "target": "in_processing"}
    )
    assert "tila nyt Käsittelyssä" in _text(card)
    card = await f.act(
        ctx, "execute", EXPERT.aad_id, {**data, "rake": pc.ENRICH, "note": "Soita 040 123 4567"}
    )
    assert "puhelinnumero" in _text(card) and f"Käsittely: {ref}" in _text(card)  # same card
    card = await f.act(ctx, "execute", EXPERT.aad_id, {**data, "rake": pc.CLOSE, "reason": ""})
    assert "Sulkeminen tarvitsee syyn." in _text(card)
    card = await f.act(
        ctx, "execute", EXPERT.aad_id, {**data, "rake": pc.GROUP, "name": "Häätöuhat"}
    )
    assert "Ryhmitelty ilmiöön Häätöuhat." in _text(card)
    card = await f.act(
        ctx,
        "execute",
        EXPERT.aad_id,
        {
            **data,
            "rake": pc.PROPOSE,
            "title": "Asumisneuvontaa",
            "service_area": "adult_social",
            "due": "2026-06-30",
        },
    )
    assert "Toimenpide-ehdotus #1" in _text(card) and "30.06.2026" in _text(card)
    listed = await f.command(ctx, EXPERT.aad_id, parse_loop_command("ehdotukset aikuis"))  # type: ignore[arg-type]
    assert "Asumisneuvontaa" in _text(listed)
    refused = await f.act(ctx, "execute", LEAD.aad_id, {**data, "rake": pc.OPEN})
    assert "Vain Rake-asiantuntijat" in _text(refused)


async def test_the_lead_answers_the_follow_up_on_its_card(db: Database) -> None:
    (obs,) = await add(db, local(2026, 3, 9))
    clock = Clock(NOW)
    f = flow(db, clock)
    await reachable(db, "lead-1")
    await f.service.make_proposal(
        EXPERT, "Asumisneuvontaa", "", "adult_social", "2026-03-10", [obs.reference]
    )
    assert await jobs(f.service).ask_follow_ups() == 1
    (open_,) = await f.service.repos.proposals.open_follow_ups()
    ctx = f.service.ctx("sv")
    data = {"rake": pp.FOLLOW_UP_ANSWER, "follow_up": open_.id, "lang": "sv"}
    card = await f.act(ctx, "execute", LEAD.aad_id, {**data, "answer": ""})
    assert "Välj vad som gjordes." in _text(card) and "Vad gjordes?" in _text(card)
    card = await f.act(ctx, "execute", LEAD.aad_id, {**data, "answer": "done", "note": "Klart."})
    assert "Tack! Svaret sparades för förslag #1: Gjort." in _text(card)
    again = await f.act(ctx, "execute", LEAD.aad_id, {**data, "answer": "partly"})
    assert "redan besvarad" in _text(again)


async def test_metrics_and_the_draft_link_by_command(db: Database) -> None:
    f = flow(db, Clock(NOW))
    ctx = f.service.ctx("en")
    card = await f.command(ctx, EXPERT.aad_id, parse_loop_command("metrics 2026"))  # type: ignore[arg-type]
    assert "Metrics 2026" in _text(card) and "Social report: draft" in _text(card)
    card = await f.act(ctx, "execute", EXPERT.aad_id, {"rake": pp.REPORT_DRAFT, "year": 2026})
    assert "https://x/docx" in _text(card) and "https://x/md" in _text(card)
    refused = await f.command(ctx, LEAD.aad_id, parse_loop_command("report draft"))  # type: ignore[arg-type]
    assert "Only the Rake experts" in _text(refused)


async def test_opening_is_an_audited_read_and_never_in_a_channel(db: Database) -> None:
    (obs,) = await add(db, local(2026, 3, 9))
    f = flow(db, Clock(NOW))
    ctx = f.service.ctx("fi")
    parsed = parse_loop_command(f"avaa {obs.reference}")
    assert parsed is not None
    in_channel = await f.command(ctx, EXPERT.aad_id, parsed, in_channel=True)
    assert "henkilökohtaisessa keskustelussa" in _text(in_channel)
    await f.command(ctx, EXPERT.aad_id, parsed)
    await f.command(ctx, LEAD.aad_id, parsed)
    reads = [
        (e.actor, e.allowed)
        for e in await f.service.repos.audit.entries(10)
        if e.action == "observation.read"
    ]
    assert sorted(reads) == [(EXPERT.aad_id, True), (LEAD.aad_id, False)]


async def test_a_phenomenon_is_opened_from_the_list_and_a_proposal_made_from_it(
    db: Database,
) -> None:
    first, second = await add(db, local(2026, 3, 9), 2)
    f = flow(db, Clock(NOW))
    await reachable(db, "lead-1")
    pid, _name, _ = await f.service.group(
        EXPERT, [first.reference, second.reference], name="Häätöuhat", description="Kasvaa."
    )
    ctx = f.service.ctx("fi")
    listed = await f.command(ctx, EXPERT.aad_id, parse_loop_command("ilmiöt"))  # type: ignore[arg-type]
    line = listed["body"][1]
    assert "Häätöuhat" in _text(line) and line["selectAction"]["data"]["phenomenon"] == pid
    opened = await f.act(ctx, "execute", EXPERT.aad_id, line["selectAction"]["data"])
    assert first.reference in _text(opened) and second.reference in _text(opened)
    data = {"phenomenon": pid, "lang": "fi"}
    asked = await f.act(
        ctx,
        "execute",
        EXPERT.aad_id,
        {
            **data,
            "rake": ph.PHENOMENON_ASK,
            "service_area": "adult_social",
            "question": "Näkyykö teillä?",
        },
    )
    assert "Kysymys lähetetty" in _text(asked) and "odottaa vastausta" in _text(asked)
    refused = await f.act(
        ctx,
        "execute",
        EXPERT.aad_id,
        {**data, "rake": ph.PHENOMENON_PROPOSE, "title": "", "service_area": "x"},
    )
    assert "Häätöuhat" in _text(refused) and "otsikon" in _text(refused)  # the same card
    made = await f.act(
        ctx,
        "execute",
        EXPERT.aad_id,
        {
            **data,
            "rake": ph.PHENOMENON_PROPOSE,
            "title": "Häätöjen ennaltaehkäisy",
            "service_area": "adult_social",
        },
    )
    assert first.reference in _text(made) and second.reference in _text(made)
    for ref in (first.reference, second.reference):
        assert (await f.service.repos.processing.state(ref)).status.value == "proposed"
