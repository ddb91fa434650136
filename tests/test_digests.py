"""Digests, the daily card, acute acknowledgement, exports and access (periodic summaries:
test_summaries.py) — against SQLite and PostgreSQL, through the real app and the fake Bot
Connector."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.app import CONTAINER
from bot.digest_flow import Digests
from bot.services import Services
from cards.digest import DIGEST_FILTER, DIGEST_RUN
from dialogs.periods import DigestFilter, Period, calendar, iso_week
from i18n import Catalog
from storage.db import Database
from storage.models import AuditEntry
from tests import activities as a
from tests import seed
from tests.conftest import BotClient, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.test_cards import MAX_BYTES, VALIDATOR

EXPERT = "expert-aad"
WORKER = a.WORKER_AAD
ADMIN = "admin-aad"
FI = Catalog.load()


def county_with_rake_channel(tmp_path: Path, people: str = "") -> str:
    from counties import county_path

    text = county_path("paijat-hame").read_text(encoding="utf-8")
    text = text.replace("  people: []", f"  people: [{people}]")
    text += f"rake_channel: {{team_id: '{a.TEAM_ID}', channel_id: '{a.CHANNEL_ID}'}}\n"
    path = tmp_path / "county.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


async def count(db: Database, model: Any, *where: Any) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)))


async def audit(db: Database) -> list[tuple[str, str, bool]]:
    async with db.sessions() as session:
        rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(r.actor, r.action, r.allowed) for r in rows]


def valid(card: dict[str, Any]) -> dict[str, Any]:
    errors = list(VALIDATOR.iter_errors(card))
    assert not errors, errors[0].message
    assert len(json.dumps(card, ensure_ascii=False).encode()) < MAX_BYTES
    return card


def last_card(connector: FakeConnector) -> dict[str, Any]:
    return connector.cards()[-1]


async def say(bot: BotClient, text: str, **kw: Any) -> dict[str, Any]:
    before = len(bot.connector.cards())
    await bot.invoke(a.message(bot.connector.url, text, **kw), 201)
    cards = bot.connector.cards()
    assert len(cards) == before + 1, "the bot answered with one card"
    return valid(cards[-1])


def facts_of(card: dict[str, Any]) -> dict[str, str]:
    """Every fact of a card's fact sets, title → value."""
    return {
        f["title"]: f["value"]
        for item in card["body"]
        if item.get("type") == "FactSet"
        for f in item["facts"]
    }


def fixed(moment: datetime) -> Any:
    return lambda: moment


# --- figures against hand-computed expectations ----------------------------------------------


async def test_weekly_figures_match_the_hand_computed_ones(db: Database) -> None:
    await seed.week_10_dataset(db)
    flow = Digests(Services.build(make_settings(), db))
    figures = await flow.figures(DigestFilter(iso_week(2026, 10)), today=date(2026, 3, 20))
    assert (figures.total, figures.previous_total, figures.year_ago_total) == (7, 5, 4)
    assert figures.acute == 1

    def by(dim: str) -> dict[str, tuple[int, int, int]]:
        return {x.id: (x.count, x.previous, x.year_ago) for x in figures.by[dim]}

    assert by("phenomenon") == {"housing": (5, 2, 0), "mental_health": (2, 3, 0)}
    assert by("kind") == {
        "problem": (4, 5, 4),
        "good_practice": (2, 0, 0),
        "weak_signal": (1, 0, 0),
    }
    assert by("area") == {"lahti": (4, 5, 4), "heinola": (2, 0, 0), "hollola": (1, 0, 0)}
    assert by("service_area") == {"adult_social": (4, 5, 4), "family_social": (3, 0, 0)}
    assert [x.id for x in figures.rising] == ["housing"]

    # filters go into the SQL
    lahti = await flow.figures(
        DigestFilter(iso_week(2026, 10), area="lahti", kind="problem"), today=date(2026, 3, 20)
    )
    assert (lahti.total, lahti.previous_total, lahti.acute) == (3, 5, 0)
    # a running week is compared with the same days of the weeks before
    running = await flow.figures(DigestFilter(iso_week(2026, 10)), today=date(2026, 3, 2))
    assert (running.total, running.previous_total) == (3, 3)


async def test_period_edges_dst_and_the_turn_of_the_year(db: Database) -> None:
    # Summer time starts on Sunday 29 March 2026: Monday 00:30 EEST is 21:30 UTC on Sunday.
    await seed.add(db, datetime(2026, 3, 29, 21, 30, tzinfo=UTC), phenomenon="digital")
    await seed.add(db, datetime(2026, 3, 29, 20, 59, tzinfo=UTC), phenomenon="loneliness")
    # New Year's Eve, 23:30 local: year 2025, but ISO week 1 of 2026
    await seed.add(db, seed.local(2025, 12, 31, 23, 30), phenomenon="ageing")
    await seed.add(db, seed.local(2026, 1, 1, 0, 30), phenomenon="violence")
    flow = Digests(Services.build(make_settings(), db))
    today = date(2026, 6, 1)

    async def ids(period: Period) -> set[str]:
        figures = await flow.figures(DigestFilter(period), today)
        return {x.id for x in figures.by["phenomenon"] if x.count}

    assert await ids(iso_week(2026, 13)) == {"loneliness"}
    assert await ids(iso_week(2026, 14)) == {"digital"}
    assert await ids(iso_week(2026, 1)) == {"ageing", "violence"}
    assert await ids(calendar("year", 2025)) == {"ageing"}
    assert await ids(calendar("year", 2026)) == {"violence", "loneliness", "digital"}
    assert await ids(calendar("tertial", 2026, 1)) == {"violence", "loneliness", "digital"}


# --- the rhythms -----------------------------------------------------------------------------


async def test_channel_cards_suppress_small_counts(
    db: Database, connector: FakeConnector, tmp_path: Path
) -> None:
    await seed.week_10_dataset(db)
    bot = await start_bot(db, connector, RAKE_COUNTY=county_with_rake_channel(tmp_path))
    try:
        await bot.invoke(a.bot_added_to_team(connector.url), 201)
        bot.app[CONTAINER].clock.set(fixed(seed.local(2026, 3, 9, 8, 1).astimezone(UTC)))
        assert await bot.app[CONTAINER].summaries.post_due_summaries() == 1  # the weekly digest
        connector.calls.clear()
        await bot.settle()
        card = connector.cards()[-1]
        text = json.dumps(card, ensure_ascii=False)
        assert "Viikkokooste: viikko 10/2026" in text
        facts = facts_of(card)
        assert facts["Havaintoja"] == "7" and facts["Edellinen jakso"] == "5 (+2)"
        assert facts["Akuutteja"] == "<3"  # 1 acute
        assert facts["Hyvä käytäntö"] == "<3 (–)" and facts["Heinola"] == "<3 (–)"
        assert facts["Aikuissosiaalityö"] == "4 (-1)"  # 4 is shown
        assert '"2"' not in text and '"1"' not in text
        bars = [c for c in _walk(card) if str(c.get("id", "")).startswith("bar-")]
        assert bars == []  # housing (5) and mental health (2) are hidden: no bar tells them
        # the same figures pulled by an expert in personal chat are exact
        card = await say(bot, "kooste 2026-W10", user=EXPERT)
        facts = facts_of(card)
        assert facts["Akuutteja"] == "1" and facts["Hyvä käytäntö"] == "2 (+2)"
    finally:
        await bot.client.close()


# --- pull, filter card, access, audit --------------------------------------------------------


async def test_experts_pull_digests_others_are_refused_and_all_is_audited(
    db: Database, connector: FakeConnector
) -> None:
    await seed.week_10_dataset(db)
    bot = await start_bot(db, connector)
    try:
        bot.app[CONTAINER].clock.set(fixed(seed.local(2026, 3, 20).astimezone(UTC)))
        refused = await say(bot, "kooste", user=WORKER)
        assert FI.t("fi", "access.experts_only") in json.dumps(refused, ensure_ascii=False)
        for command in ("kooste viikko 10", "viikkokooste 2026-W10", "digest week10 2026"):
            card = await say(bot, command, user=EXPERT)
            text = json.dumps(card, ensure_ascii=False)
            assert "viikko 10/2026" in text and "RAKE-2026-" in text, command
        card = await say(bot, "sammandrag v10 Lahti", user=EXPERT, locale="sv-SE")
        assert "Lahti" in json.dumps(card, ensure_ascii=False)
        # the chart: one bar per phenomenon, the longest for the largest count
        bars = [
            column
            for column in _walk(card)
            if isinstance(column, dict) and str(column.get("id", "")).startswith("bar-")
        ]
        assert [b["id"] for b in bars] == ["bar-housing"]  # Lahti has housing only
        # unknown words give the filter card
        card = await say(bot, "kooste viikko 10 xyzzy", user=EXPERT)
        assert "xyzzy" in json.dumps(card, ensure_ascii=False)
        assert {i.get("id") for i in card["body"]} >= {"from", "to", "phenomenon", "area"}
        assert await audit(db) == [
            (WORKER, "digest", False),
            (EXPERT, "digest", True),
            (EXPERT, "digest", True),
            (EXPERT, "digest", True),
            (EXPERT, "digest", True),
            (EXPERT, "digest", True),
        ]
    finally:
        await bot.client.close()


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


async def test_the_filter_card(db: Database, connector: FakeConnector) -> None:
    await seed.week_10_dataset(db)
    bot = await start_bot(db, connector)
    try:
        body = await bot.invoke(a.execute(connector.url, {"rake": DIGEST_FILTER}, user=EXPERT))
        form = valid(body["value"])
        assert form["actions"][0]["data"]["rake"] == DIGEST_RUN
        answer = {
            "rake": DIGEST_RUN,
            "from": "2026-03-02",
            "to": "2026-03-08",
            "phenomenon": "mental_health",
            "area": "",
        }
        body = await bot.invoke(a.execute(connector.url, answer, user=EXPERT))
        text = json.dumps(valid(body["value"]), ensure_ascii=False)
        assert "Mielenterveys" in text and "2.3.2026–8.3.2026" in text
        # forged or broken values give the form back, never an error page
        for forged in (
            dict(answer, phenomenon="<script>"),
            dict(answer, to="2026-02-01"),
            dict(answer, **{"from": "yesterday"}),
        ):
            body = await bot.invoke(a.execute(connector.url, forged, user=EXPERT))
            assert FI.t("fi", "digest.bad_filter") in json.dumps(body, ensure_ascii=False)
        for data in ({"rake": DIGEST_FILTER}, answer):
            body = await bot.invoke(a.execute(connector.url, data, user=WORKER))
            assert FI.t("fi", "access.experts_only") in json.dumps(body, ensure_ascii=False)
    finally:
        await bot.client.close()


async def test_roles_by_command_and_the_rake_channel_command(
    db: Database, connector: FakeConnector
) -> None:
    await seed.week_10_dataset(db)
    bot = await start_bot(db, connector, RAKE_DEV_ADMINS=ADMIN)
    newcomer = "cccccccc-0000-0000-0000-000000000003"
    try:
        assert FI.t("fi", "access.admins_only") in json.dumps(
            await say(bot, f"rooli lisää {newcomer} asiantuntija", user=EXPERT), ensure_ascii=False
        )
        assert FI.t("fi", "access.experts_only") in json.dumps(
            await say(bot, "kooste", user=newcomer), ensure_ascii=False
        )
        card = await say(bot, f"rooli lisää {newcomer} asiantuntija", user=ADMIN)
        assert newcomer in json.dumps(card)
        assert FI.t("fi", "access.experts_only") not in json.dumps(
            await say(bot, "kooste", user=newcomer), ensure_ascii=False
        )
        assert FI.t("fi", "roles.bad_command") in json.dumps(
            await say(bot, "rooli lisää jonkun", user=ADMIN), ensure_ascii=False
        )
        await say(bot, f"role remove {newcomer}", user=ADMIN)
        assert FI.t("fi", "access.experts_only") in json.dumps(
            await say(bot, "kooste", user=newcomer), ensure_ascii=False
        )
        # the Rake channel: chosen by an expert in a channel; not by others, not in chat
        refused = await say(bot, "<at>Rake</at> rakekanava", user=WORKER, team=True)
        assert FI.t("fi", "access.experts_only") in json.dumps(refused, ensure_ascii=False)
        assert FI.t("fi", "rake_channel.in_channel_only") in json.dumps(
            await say(bot, "rakekanava", user=EXPERT), ensure_ascii=False
        )
        await say(bot, "<at>Rake</at> rakekanava", user=EXPERT, team=True)
        services = bot.app[CONTAINER].services
        assert (await services.app_settings.get("rake_channel")) == {
            "team_id": a.TEAM_ID,
            "channel_id": a.CHANNEL_ID,
        }
        actions = [x[1] for x in await audit(db)]
        assert actions.count("role.add") == 1 and actions.count("role.remove") == 1
    finally:
        await bot.client.close()


def test_small_totals_are_hidden_in_a_channel_with_their_changes() -> None:
    from cards.common import Ctx
    from cards.digest import digest_card
    from counties import county_path, load_county
    from dialogs.digest import Group, compute, suppress

    ctx = Ctx("fi", FI, load_county(county_path("paijat-hame")))
    one = [Group("problem", "housing", "lahti", "adult_social", "acute", 1)]
    flt = DigestFilter(iso_week(2026, 10))
    card = digest_card(
        ctx, "digest.title", flt, suppress(compute(one, [], one * 4)), [], in_channel=True
    )
    facts = {
        f["title"]: f["value"]
        for i in card["body"]
        if i.get("type") == "FactSet"
        for f in i["facts"]
    }
    assert facts["Havaintoja"] == "<3" and facts["Edellinen jakso"] == "0 (–)"
    assert facts["Vuotta aiemmin"] == "4 (–)" and facts["Akuutteja"] == "<3"
    chat = digest_card(ctx, "digest.title", flt, compute(one, [], one * 4), [], in_channel=False)
    facts = {
        f["title"]: f["value"]
        for i in chat["body"]
        if i.get("type") == "FactSet"
        for f in i["facts"]
    }
    assert facts["Havaintoja"] == "1" and facts["Vuotta aiemmin"] == "4 (-3)"


async def test_excerpts_reach_no_channel_but_the_rake_channel(
    db: Database, connector: FakeConnector
) -> None:
    await seed.week_10_dataset(db)
    bot = await start_bot(db, connector)
    try:
        bot.app[CONTAINER].clock.set(fixed(seed.local(2026, 3, 20).astimezone(UTC)))
        await bot.invoke(a.bot_added_to_team(connector.url), 201)
        # an expert asks in a team's channel: counts (suppressed), no observation texts
        card = await say(bot, "<at>Rake</at> kooste 2026-W10", user=EXPERT, team=True)
        text = json.dumps(card, ensure_ascii=False)
        assert "viikko 10/2026" in text and "RAKE-2026-" not in text
        assert "Vuokra-asuntojen" not in text
        # once that channel is the Rake channel, the list with excerpts is shown there
        await say(bot, "<at>Rake</at> rakekanava", user=EXPERT, team=True)
        card = await say(bot, "<at>Rake</at> kooste 2026-W10", user=EXPERT, team=True)
        text = json.dumps(card, ensure_ascii=False)
        assert "RAKE-2026-" in text and "Vuokra-asuntojen" in text
    finally:
        await bot.client.close()
