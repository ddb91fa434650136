"""The processing use-cases as the chat and the desk call them: experts only, guarded texts,
the lead's card through the outbox, the lead's answer on the observation."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.processing_service import Actor
from bot.similar_finder import SimilarFinder, similarity_ranker
from cards.processing import path_facts
from dialogs.processing import ProcessingError
from dialogs.vocabulary import ObservationStatus
from storage.audit import AuditLog
from storage.db import Database
from storage.outbox import Outbox
from tests.loop_helpers import EXPERT, LEAD, Clock, outbox_keys, reachable, service
from tests.seed import add, local

NOW = datetime(2026, 3, 10, 9, tzinfo=UTC)


async def test_only_experts_process(db: Database) -> None:
    (obs,) = await add(db, local(2026, 3, 9))
    svc = service(db, Clock(NOW))
    for call in (
        svc.view(LEAD, obs.reference),
        svc.change_status(LEAD, obs.reference, "in_processing"),
        svc.enrich(LEAD, obs.reference, note="x"),
        svc.group(LEAD, [obs.reference], name="x"),
        svc.ask_lead(LEAD, "adult_social", "x", reference=obs.reference),
        svc.proposals(LEAD),
    ):
        with pytest.raises(ProcessingError) as refused:
            await call
        assert refused.value.key == "processing.error.experts_only"
    assert (await svc.repos.processing.state(obs.reference)).status is ObservationStatus.RECEIVED


async def test_an_expert_moves_tags_enriches_and_closes(db: Database) -> None:
    (obs,) = await add(db, local(2026, 3, 9))
    clock = Clock(NOW)
    svc = service(db, clock)
    view = await svc.change_status(EXPERT, obs.reference, "in_processing")
    assert view.status is ObservationStatus.IN_PROCESSING
    view = await svc.enrich(EXPERT, obs.reference, note="Näkyy myös Hollolassa.", tag=" Nuoret ")
    assert view.status is ObservationStatus.ENRICHED and view.tags == ("nuoret",)
    with pytest.raises(ProcessingError) as flagged:
        await svc.enrich(EXPERT, obs.reference, note="Asiakas Matti Virtanen, 040 123 4567")
    assert flagged.value.key == "guard.identifiers"
    with pytest.raises(ProcessingError):
        await svc.change_status(EXPERT, obs.reference, "closed")  # no reason
    view = await svc.change_status(
        EXPERT, obs.reference, "closed", "not_structural", "Yksittäinen asia."
    )
    assert view.status is ObservationStatus.CLOSED and view.closing_reason == "not_structural"
    assert view.stamps["closed_at"] == NOW
    actions = [e.action for e in await AuditLog(db).entries(20)]
    assert {
        "observation.in_processing",
        "observation.tag",
        "observation.enriched",
        "observation.closed",
    } <= set(actions)


async def test_the_lead_is_asked_on_a_card_and_answers_on_it(db: Database) -> None:
    (obs,) = await add(db, local(2026, 3, 9))
    await reachable(db, "lead-1")
    svc = service(db, Clock(NOW))
    (request_id,) = await svc.ask_lead(
        EXPERT, "adult_social", "Näkyykö tämä teillä?", reference=obs.reference
    )
    (key,) = await outbox_keys(db, "comment:")
    item = await Outbox(db).by_key(key)
    text = json.dumps(item.payload["card"], ensure_ascii=False)
    assert obs.reference in text and "Näkyykö tämä teillä?" in text
    assert "Asuminen ja asunnottomuus · Lahti" in text  # what it is about …
    assert obs.description[:30] not in text  # … but not the reporter's text: leads are no experts
    assert item.payload["target"]["owner_id"] == "lead-1"
    with pytest.raises(ProcessingError):
        await svc.answer_request(Actor("lead-2"), request_id, "Ei meillä.")
    answered = await svc.answer_request(LEAD, request_id, "Jonot ovat pidentyneet.")
    assert answered.answer == "Jonot ovat pidentyneet." and answered.target == obs.reference
    view = await svc.view(EXPERT, obs.reference)
    assert view.requests[0].answer == "Jonot ovat pidentyneet."
    with pytest.raises(ProcessingError) as no_lead:
        await svc.ask_lead(EXPERT, "family_social", "?", reference=obs.reference)
    assert no_lead.value.key == "processing.error.no_lead"


async def test_grouping_into_a_new_phenomenon_and_then_an_existing_one(db: Database) -> None:
    first, second = await add(db, local(2026, 3, 9), 2)
    svc = service(db, Clock(NOW))
    pid, name, grouped = await svc.group(
        EXPERT, [first.reference], name="Häätöuhat", description="Vuokrarästit kasvavat."
    )
    assert (name, grouped) == ("Häätöuhat", [first.reference])
    _pid, _name, grouped = await svc.group(EXPERT, [second.reference], phenomenon_id=pid)
    assert grouped == [second.reference]
    view = await svc.view(EXPERT, second.reference)
    assert view.phenomena == ((pid, "Häätöuhat"),) and view.known_phenomena == ((pid, "Häätöuhat"),)
    with pytest.raises(ProcessingError):
        await svc.group(EXPERT, [first.reference], name="  ")


def _overlap(query: str, candidates: Any, k: int) -> list[tuple[str, float]]:
    """A stand-in ranker: shared words (the real back-end is tested in test_similar)."""
    words = set(query.casefold().split())
    scored = [
        (key, len(words & set(text.casefold().split())) / len(words)) for key, text in candidates
    ]
    return sorted((p for p in scored if p[1] > 0), key=lambda p: (-p[1], p[0]))[:k]


async def test_opening_shows_the_most_similar_earlier_observations_and_phenomena(
    db: Database,
) -> None:
    (earlier,) = await add(
        db, local(2026, 3, 1), description="Nuorten häädöt lisääntyvät Lahdessa."
    )
    await add(db, local(2026, 3, 2), description="Digipalvelut toimivat hyvin ikäihmisille.")
    (opened,) = await add(db, local(2026, 3, 9), description="Nuorten häädöt lisääntyvät yhä.")
    (later,) = await add(db, local(2026, 3, 10), description="Nuorten häädöt lisääntyvät taas.")
    clock = Clock(NOW)
    repos = service(db, clock).repos
    svc = service(db, clock, similar=SimilarFinder(repos.processing, _overlap))
    await svc.group(EXPERT, [earlier.reference], name="Nuorten häädöt", description="lisääntyvät")
    view = await svc.view(EXPERT, opened.reference)
    titles = [hit.title for hit in view.similar]
    assert titles[0] == earlier.reference and "Nuorten häädöt" in titles
    assert opened.reference not in titles and later.reference not in titles  # earlier ones only
    assert view.similar[0].reference == earlier.reference


async def test_my_reports_shows_the_whole_path(db: Database) -> None:
    mine, other = await add(db, local(2026, 3, 2), 2, reporter_id="worker-1")
    clock = Clock(NOW)
    svc = service(db, clock)
    await svc.change_status(EXPERT, mine.reference, "in_processing")
    pid, _name, _ = await svc.group(EXPERT, [mine.reference], name="Häätöuhat")
    await svc.make_proposal(EXPERT, "Asumisneuvontaa", "", "adult_social", "2026-03-10", [], [pid])
    fid = await svc.repos.proposals.ask(1, "due", "lead-1", NOW, NOW, lambda _f: None)
    assert fid is not None
    await svc.answer_follow_up(LEAD, fid, "partly", "")
    paths = await svc.paths([mine.id, other.id])
    ctx = svc.ctx("en")
    pairs = dict(path_facts(ctx, paths[mine.id]))
    assert set(pairs) >= {
        "In processing",
        "Grouped into a phenomenon",
        "Led to a proposal",
        "Phenomena",
        "Action proposal",
    }
    assert pairs["Phenomena"] == "Häätöuhat"
    assert pairs["Action proposal"] == "Asumisneuvontaa – In progress (Partly)"
    assert path_facts(ctx, paths[other.id]) == []


async def test_the_kept_tfidf_back_end_finds_the_inflected_paraphrase(db: Database) -> None:
    (housing,) = await add(
        db, local(2026, 3, 1), description="Nuorten asunnottomuus lisääntyy Lahdessa nopeasti."
    )
    await add(db, local(2026, 3, 2), description="Digipalvelut toimivat hyvin ikäihmisille.")
    await add(db, local(2026, 3, 3), description="Omaishoitajat uupuvat ilman lomituspalveluja.")
    (opened,) = await add(
        db, local(2026, 3, 9), description="Asunnottomien nuorten määrä on kasvanut Lahdessa."
    )
    clock = Clock(NOW)
    repos = service(db, clock).repos
    svc = service(db, clock, similar=SimilarFinder(repos.processing, similarity_ranker("tfidf")))
    view = await svc.view(EXPERT, opened.reference)
    assert view.similar and view.similar[0].reference == housing.reference
    assert 0 < view.similar[0].score <= 1
