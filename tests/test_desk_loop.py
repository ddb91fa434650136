"""The loop on the desk, through the real app on both databases: an expert changes an
observation's status (with a reason to close), tags, enriches, groups it into a phenomenon and
asks a service area's lead — all through the processing service the chat uses; refused changes
come back with the reason; phenomena, proposals (follow-up state, overdue) and the metrics
against the county's targets."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text

from bot.desk import DESK
from bot.processing_jobs import LoopJobs
from bot.processing_service import Actor
from counties import county_path
from storage.db import Database
from tests.conftest import BotClient, start_bot
from tests.fake_connector import FakeConnector
from tests.loop_helpers import Clock
from tests.oidc import OpenIdProvider
from tests.seed import add, local
from tests.test_desk_auth import APP_ID, TENANT, claims

EXPERT, WORKER, LEAD = "expert-aad", "worker-aad", "lead-aad"


@pytest.fixture
async def idp() -> AsyncIterator[OpenIdProvider]:
    async with OpenIdProvider() as provider:
        yield provider


@pytest.fixture
async def desk(
    db: Database, connector: FakeConnector, idp: OpenIdProvider, tmp_path: Path
) -> AsyncIterator[BotClient]:
    county = yaml.safe_load(county_path("paijat-hame").read_text(encoding="utf-8"))
    county["service_area_leads"]["adult_social"] = [LEAD]
    path = tmp_path / "county.yaml"
    path.write_text(yaml.safe_dump(county, allow_unicode=True), encoding="utf-8")
    client = await start_bot(
        db,
        connector,
        MicrosoftAppId=APP_ID,
        MicrosoftAppPassword="unused-in-these-tests",
        RAKE_ALLOWED_TENANTS=TENANT,
        RAKE_DESK_OPENID_BASE=idp.base_url,
        RAKE_PUBLIC_URL="https://rake.example.fi",
        RAKE_COUNTY=str(path),
    )
    yield client
    await client.client.close()


def bearer(idp: OpenIdProvider, oid: str = EXPERT) -> dict[str, str]:
    return {"Authorization": f"Bearer {idp.token(claims(oid=oid))}", "HX-Request": "true"}


async def post(
    desk: BotClient, idp: OpenIdProvider, path: str, form: dict[str, str], oid: str = EXPERT
) -> tuple[int, str]:
    response = await desk.client.post(path, data=form, headers=bearer(idp, oid))
    return response.status, await response.text()


async def status_of(db: Database, reference: str) -> str:
    async with db.engine.connect() as conn:
        found = await conn.scalar(
            text("SELECT status FROM observations WHERE reference = :r"), {"r": reference}
        )
    return str(found)


async def test_an_expert_processes_an_observation_on_its_page(
    desk: BotClient, idp: OpenIdProvider, db: Database
) -> None:
    [row] = await add(db, local(2026, 3, 2))
    page = f"/desk/api/observations/{row.reference}"
    response = await desk.client.get(page, headers=bearer(idp))
    html = await response.text()
    assert 'hx-post="' + page + '/status"' in html and 'value="in_processing"' in html
    status, html = await post(desk, idp, f"{page}/status", {"target": "in_processing"})
    assert status == 200 and "tila nyt Käsittelyssä" in html
    assert await status_of(db, row.reference) == "in_processing"
    # a change the rules refuse comes back with the reason, nothing changed
    status, html = await post(desk, idp, f"{page}/status", {"target": "closed"})
    assert status == 422 and 'data-outcome="refused"' in html
    assert await status_of(db, row.reference) == "in_processing"
    # tag and enrichment note; a note with an identifier is refused by the guard
    status, html = await post(desk, idp, f"{page}/enrich", {"tag": "nuoret aikuiset"})
    assert status == 200 and "nuoret aikuiset" in html
    status, html = await post(desk, idp, f"{page}/enrich", {"note": "Soita 040 123 4567"})
    assert status == 422 and "040 123 4567" not in html.split('data-outcome="refused"')[0]
    status, html = await post(desk, idp, f"{page}/enrich", {"note": "Sama näkyy myös Heinolassa."})
    assert status == 200 and "Sama näkyy myös Heinolassa." in html
    # group into a new phenomenon; the phenomena page lists it with the observation
    status, html = await post(
        desk, idp, f"{page}/group", {"name": "Nuorten asunnottomuus", "phenomenon_description": ""}
    )
    assert status == 200 and "Ryhmitelty ilmiöön Nuorten asunnottomuus" in html
    response = await desk.client.get("/desk/api/phenomena", headers=bearer(idp))
    listing = await response.text()
    assert "Nuorten asunnottomuus" in listing and row.reference in listing
    # ask the service area's lead
    status, html = await post(
        desk, idp, f"{page}/ask", {"service_area": "adult_social", "question": "Näkyykö teillä?"}
    )
    assert status == 200 and 'data-outcome="done"' in html
    # close with a reason
    status, html = await post(
        desk,
        idp,
        f"{page}/status",
        {"target": "closed", "reason": "known_phenomenon", "description": "Ilmiössä."},
    )
    assert status == 200 and await status_of(db, row.reference) == "closed"
    assert "Suljettu" in html


async def test_a_non_expert_cannot_process_and_nothing_changes(
    desk: BotClient, idp: OpenIdProvider, db: Database
) -> None:
    [row] = await add(db, local(2026, 3, 2))
    page = f"/desk/api/observations/{row.reference}"
    for verb, form in (
        ("status", {"target": "in_processing"}),
        ("enrich", {"tag": "x"}),
        ("group", {"name": "Ilmiö"}),
        ("ask", {"service_area": "adult_social", "question": "?"}),
    ):
        status, _html = await post(desk, idp, f"{page}/{verb}", form, oid=WORKER)
        assert status == 403, verb
    assert await status_of(db, row.reference) == "received"
    for view in ("phenomena", "proposals", "metrics"):
        response = await desk.client.get(f"/desk/api/{view}", headers=bearer(idp, WORKER))
        assert response.status == 403, view
    response = await desk.client.post(f"{page}/status", data={"target": "in_processing"})
    assert response.status == 401


async def test_proposals_with_follow_up_state_and_overdue_flags_and_metrics(
    desk: BotClient, idp: OpenIdProvider, db: Database
) -> None:
    svc = desk.app[DESK].processing
    clock = Clock(local(2026, 3, 2, 9))
    svc.clock = clock  # the processing service's own clock, moved by hand
    [row] = await add(db, local(2026, 3, 2))
    made = await svc.make_proposal(
        Actor(EXPERT),
        "Asumisneuvontaa nuorille",
        "Lisää aikoja asumisneuvontaan.",
        "adult_social",
        "30.6.2026",
        [row.reference],
    )
    response = await desk.client.get("/desk/api/proposals", headers=bearer(idp))
    html = await response.text()
    assert "Asumisneuvontaa nuorille" in html and row.reference in html and "Avoin" in html
    assert "badge danger" not in html
    clock.at_local(2026, 6, 30, 7)
    assert await LoopJobs(svc).ask_follow_ups() == 1
    clock.at_local(2026, 7, 8, 10)
    response = await desk.client.get("/desk/api/proposals?overdue=1", headers=bearer(idp))
    html = await response.text()
    assert f"#{made.id}" in html and 'badge danger">Seuranta myöhässä' in html
    assert "Seurantakysymys odottaa" in html  # the follow-up's state
    response = await desk.client.get("/desk/api/proposals?status=done", headers=bearer(idp))
    assert "Asumisneuvontaa nuorille" not in await response.text()
    response = await desk.client.get("/desk/api/metrics?year=2026", headers=bearer(idp))
    html = await response.text()
    observations = re.search(r'data-metric="observations".*?</tr>', html, re.S)
    assert observations and "1 / tavoite 50" in observations.group(0)
    proposals = re.search(r'data-metric="proposals".*?</tr>', html, re.S)
    assert proposals and "<progress" in proposals.group(0)
