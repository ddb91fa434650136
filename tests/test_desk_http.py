"""The desk through the real app on both databases: tokens from the local OpenID provider,
refusals (401 without or with a bad token, 403 for a non-expert), the list's filters, search,
sorting and pages, an observation's page with its audit trail, trends with small counts hidden
in a shared view, export links, and the headers that let Teams (only) frame the desk."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.desk.auth import v2_issuer
from storage.db import Database
from storage.models import AuditEntry
from tests.conftest import BotClient, start_bot
from tests.fake_connector import FakeConnector
from tests.oidc import OpenIdProvider
from tests.seed import add, local
from tests.test_desk_auth import APP_ID, FOREIGN, TENANT, claims

EXPERT, WORKER = "expert-aad", "worker-aad"


@pytest.fixture
async def idp() -> AsyncIterator[OpenIdProvider]:
    async with OpenIdProvider() as provider:
        yield provider


@pytest.fixture
async def desk(
    db: Database, connector: FakeConnector, idp: OpenIdProvider
) -> AsyncIterator[BotClient]:
    client = await start_bot(
        db,
        connector,
        MicrosoftAppId=APP_ID,
        MicrosoftAppPassword="unused-in-these-tests",
        RAKE_ALLOWED_TENANTS=TENANT,
        RAKE_DESK_OPENID_BASE=idp.base_url,
        RAKE_PUBLIC_URL="https://rake.example.fi",
    )
    yield client
    await client.client.close()


def bearer(idp: OpenIdProvider, **overrides: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {idp.token(claims(**overrides))}", "HX-Request": "true"}


async def get(desk: BotClient, path: str, headers: dict[str, str]) -> tuple[int, str]:
    response = await desk.client.get(path, headers=headers)
    return response.status, await response.text()


async def audit(db: Database) -> list[tuple[str, str, str, bool]]:
    async with db.sessions() as session:
        rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(r.actor, r.action, r.target, r.allowed) for r in rows]


async def test_the_api_answers_401_without_a_valid_token(
    desk: BotClient, idp: OpenIdProvider
) -> None:
    for path in ("/desk/api/", "/desk/api/observations", "/desk/api/trends", "/desk/api/x/y"):
        response = await desk.client.get(path)
        assert response.status == 401, path
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert await response.json() == {"error": "unauthorised"}
    bad = {
        "wrong audience": idp.token(claims(aud="someone-else")),
        "foreign tenant": idp.token(claims(tid=FOREIGN, iss=v2_issuer(FOREIGN))),
        "expired": idp.token(claims(exp=1_600_000_000)),
        "rogue": idp.rogue_token(claims()),
        "garbage": "not-a-token",
    }
    for why, token in bad.items():
        response = await desk.client.get(
            "/desk/api/observations", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status == 401, why
    response = await desk.client.post("/desk/api/export", data={"format": "csv"})
    assert response.status == 401


async def test_the_shell_carries_no_data_and_only_teams_may_frame_it(desk: BotClient) -> None:
    response = await desk.client.get("/desk/", headers={"Accept-Language": "sv-FI,sv;q=0.9"})
    assert response.status == 200
    html = await response.text()
    assert 'data-src="/desk/api/observations"' in html and "Observationer" in html
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors https://teams.microsoft.com https://*.teams.microsoft.com" in csp
    assert "https://*.cloud.microsoft" in csp
    assert "script-src 'self';" in csp and "default-src 'self'" in csp
    assert "X-Frame-Options" not in response.headers
    for src in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html):
        assert src.startswith("/desk/static/"), src  # nothing from elsewhere
        assert (await desk.client.get(src)).status == 200, src
    assert (await desk.client.get("/desk")).url.path == "/desk/"
    deep = await desk.client.get("/desk/observations/RAKE-2026-0001?theme=dark")
    assert 'data-src="/desk/api/observations/RAKE-2026-0001?theme=dark"' in await deep.text()


async def test_a_non_expert_is_refused_and_the_refusal_is_audited(
    desk: BotClient, idp: OpenIdProvider, db: Database
) -> None:
    [row] = await add(db, local(2026, 3, 2))
    headers = bearer(idp, oid=WORKER)
    status, html = await get(desk, "/desk/api/observations", headers)
    assert status == 403
    assert 'data-refused="access.experts_only"' in html and row.reference not in html
    status, html = await get(desk, f"/desk/api/observations/{row.reference}", headers)
    assert status == 403 and row.description not in html
    me = await desk.client.get("/desk/api/", headers=headers)
    assert await me.json() == {"user": WORKER, "tenant": TENANT, "expert": False}
    entries = await audit(db)
    assert (WORKER, "observation.read", row.reference, False) in entries
    assert any(e[:2] == (WORKER, "desk.list") and not e[3] for e in entries)


async def test_an_expert_filters_searches_sorts_and_pages_the_list(
    desk: BotClient, idp: OpenIdProvider, db: Database
) -> None:
    housing = await add(db, local(2026, 3, 2), 22)
    [mental] = await add(
        db,
        local(2026, 3, 3),
        phenomenon="mental_health",
        description="Nuorten mielenterveyspalveluihin jonotetaan kuukausia.",
        urgency="acute",
    )
    [old] = await add(db, local(2025, 5, 5), area="heinola")
    headers = bearer(idp)
    status, html = await get(desk, "/desk/api/observations", headers)
    assert status == 200 and "24 havaintoa" in html and "Sivu 1/2" in html
    assert html.count('class="ref"') == 20
    status, html = await get(desk, "/desk/api/observations?page=2", headers)
    assert html.count('class="ref"') == 4 and "Sivu 2/2" in html
    status, html = await get(desk, "/desk/api/observations?phenomenon=mental_health", headers)
    assert "1 havaintoa" in html and mental.reference in html
    status, html = await get(desk, "/desk/api/observations?q=JONOTETAAN", headers)
    assert "1 havaintoa" in html and mental.reference in html
    status, html = await get(desk, "/desk/api/observations?urgency=acute&period=2026", headers)
    assert "1 havaintoa" in html
    status, html = await get(desk, "/desk/api/observations?area=heinola&period=2025", headers)
    assert "1 havaintoa" in html and old.reference in html
    # unknown values are dropped, not passed on
    status, html = await get(desk, "/desk/api/observations?area=atlantis&sort=x;drop", headers)
    assert status == 200 and "24 havaintoa" in html
    status, html = await get(desk, "/desk/api/observations?sort=reference&dir=asc", headers)
    refs = re.findall(r'class="ref"[^>]*>(RAKE-[\d-]+)<', html)
    assert refs == sorted(refs) and refs[0] == old.reference
    status, html = await get(desk, "/desk/api/observations?sort=created_at&dir=desc", headers)
    assert re.findall(r'class="ref"[^>]*>(RAKE-[\d-]+)<', html)[0] == mental.reference
    assert housing[0].reference in (await get(desk, "/desk/api/observations?page=2", headers))[1]
    # the user's language from Teams' context
    status, html = await get(desk, "/desk/api/observations", {**headers, "X-Desk-Lang": "sv-SE"})
    assert "24 observationer" in html


async def test_an_expert_opens_an_observation_every_read_audited_with_its_trail(
    desk: BotClient, idp: OpenIdProvider, db: Database
) -> None:
    [row] = await add(db, local(2026, 3, 2), contact_ok=True)
    headers = bearer(idp)
    for _ in range(2):
        status, html = await get(desk, f"/desk/api/observations/{row.reference}", headers)
        assert status == 200
    assert row.description in html and "Asuminen" in html
    assert html.count(f"<code>{EXPERT}</code>") == 2  # both reads in the trail shown
    assert row.reporter_id in html  # contact allowed and not anonymous
    reads = [e for e in await audit(db) if e[1] == "observation.read"]
    assert reads == [(EXPERT, "observation.read", row.reference, True)] * 2
    status, html = await get(desk, "/desk/api/observations/RAKE-2026-9999", headers)
    assert status == 404


async def test_trends_are_exact_for_an_expert_and_hide_small_counts_when_shared(
    desk: BotClient, idp: OpenIdProvider, db: Database
) -> None:
    year = datetime.now().year
    await add(db, local(year, 1, 10), 5)
    await add(db, local(year, 1, 12), 1, phenomenon="violence")
    await add(db, local(year - 1, 1, 15), 2)
    status, html = await get(desk, "/desk/api/trends", bearer(idp))
    assert status == 200 and 'id="chart-years"' in html
    data = _chart(html, "chart-dimension")
    series = dict((name, counts) for name, counts in data["series"])
    assert (
        series["Asuminen ja asunnottomuus"][0] == 5 and series["Väkivalta ja turvattomuus"][0] == 1
    )
    years = dict((name, counts) for name, counts in _chart(html, "chart-years")["years"])
    assert years[str(year)][0] == 6 and years[str(year - 1)][0] == 2
    # a non-expert sees the shared view: 1 hidden, and 5 too (one hidden cell alone would be
    # given away by the total); last year's 2 hidden
    status, html = await get(desk, "/desk/api/trends", bearer(idp, oid=WORKER))
    assert status == 200 and "&lt;3" in html
    series = dict(_chart(html, "chart-dimension")["series"])
    assert series["Väkivalta ja turvattomuus"][0] is None
    assert series["Asuminen ja asunnottomuus"][0] is None
    years = dict(_chart(html, "chart-years")["years"])
    assert years[str(year)][0] == 6 and years[str(year - 1)][0] is None
    status, html = await get(desk, "/desk/api/trends?shared=1&by=week&dim=area", bearer(idp))
    assert status == 200 and "&lt;3" in html


def _chart(html: str, element: str) -> dict[str, Any]:
    import html as markup
    import json

    found = re.search(rf"id=\"{element}\"[^>]*data-chart='([^']+)'", html)
    assert found, element
    return dict(json.loads(markup.unescape(found.group(1)))["data"])


async def test_export_buttons_give_the_signed_link_experts_only(
    desk: BotClient, idp: OpenIdProvider, db: Database
) -> None:
    await add(db, local(2026, 3, 2), 2)
    form = {"format": "csv", "from": "2026-03-01", "to": "2026-03-31"}
    response = await desk.client.post("/desk/api/export", data=form, headers=bearer(idp))
    assert response.status == 200
    link = re.search(r'href="https://rake\.example\.fi(/exports/[^"]+)"', await response.text())
    assert link
    download = await desk.client.get(link.group(1))
    assert download.status == 200 and (await download.read()).startswith(b"\xef\xbb\xbfTunnus")
    refused = await desk.client.post("/desk/api/export", data=form, headers=bearer(idp, oid=WORKER))
    assert refused.status == 403
    actions = [(e[0], e[1], e[3]) for e in await audit(db) if e[1].startswith("export")]
    assert actions == [
        (EXPERT, "export.link", True),
        (EXPERT, "export", True),
        (WORKER, "export.link", False),
    ]


async def test_production_has_no_development_tokens_and_needs_an_https_key_source(
    db: Database, connector: FakeConnector
) -> None:
    from bot.desk import DESK
    from bot.desk.auth import DevTokens
    from bot.settings import SettingsError
    from tests.conftest import make_settings

    production = {
        "RAKE_ENVIRONMENT": "production",
        "MicrosoftAppId": APP_ID,
        "MicrosoftAppType": "UserAssignedMSI",
        "MicrosoftAppTenantId": TENANT,
        "RAKE_ALLOWED_TENANTS": TENANT,
        "RAKE_EXPORT_SECRET": "x" * 32,
        "RAKE_PUBLIC_URL": "https://rake.example.fi",
        "RAKE_DEV_EXPERTS": "",
        "RAKE_DEV_TEAM_LEADS": "",
    }
    with pytest.raises(SettingsError, match="RAKE_DESK_OPENID_BASE"):
        make_settings(**production, RAKE_DESK_OPENID_BASE="http://127.0.0.1:9")
    bot = await start_bot(db, connector, **production)
    try:
        desk = bot.app[DESK]
        assert desk.dev is None and desk.dev_url() is None
        assert desk.validator.resource == f"api://rake.example.fi/botid-{APP_ID}"
        token = DevTokens().issue(EXPERT)
        response = await bot.client.get(
            "/desk/api/observations", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status == 401
    finally:
        await bot.client.close()
    # a managed identity cannot expose an API: the desk's tokens are for an app registration
    desk_app = "7d0c5a1e-9f3b-4c2d-8e6f-1a2b3c4d5e6f"
    settings = make_settings(**production, RAKE_DESK_APP_ID=desk_app)
    assert settings.desk_audience == desk_app


async def test_teams_may_frame_only_the_desk_and_its_api_is_rate_limited(desk: BotClient) -> None:
    shell = await desk.client.get("/desk/")
    assert "X-Frame-Options" not in shell.headers
    assert "frame-ancestors https://teams.microsoft.com" in shell.headers["Content-Security-Policy"]
    health = await desk.client.get("/healthz")  # everything else keeps the API's defaults
    assert health.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in health.headers["Content-Security-Policy"]
    statuses = [(await desk.client.get("/desk/api/")).status for _ in range(70)]
    assert statuses[:60] == [401] * 60 and 429 in statuses[60:]
