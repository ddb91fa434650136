"""The report dialog through the adapter: chat (Action.Execute), Teams dialog (task/fetch,
task/submit), message action (composeExtension/fetchTask), forged and double submits, acute
escalation."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.models import Draft, Observation, OutboxItem
from tests import activities as a
from tests.conftest import BotClient, start_bot
from tests.fake_connector import FakeConnector
from tests.test_report_dialog import STEP1, STEP2, STEP3, STEP4

STEPS = [STEP1, STEP2, STEP3, STEP4]


async def observations(db: Database) -> list[Observation]:
    async with db.sessions() as session:
        return list(await session.scalars(select(Observation).order_by(Observation.id)))


def card_of(body: dict[str, Any]) -> dict[str, Any]:
    """The card an Action.Execute answer or a task continue answer carries."""
    if "task" in body:
        return body["task"]["value"]["card"]["content"]
    assert body["statusCode"] == 200, body
    return body["value"]


def buttons(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        action["data"]["verb"]: action["data"]
        for action in card.get("actions", [])
        if "verb" in action.get("data", {})
    }


async def walk_chat(bot: BotClient, steps: list[dict[str, str]], **kw: Any) -> dict[str, Any]:
    """Press the welcome card's button, fill every step, land on the review card."""
    body = await bot.invoke(a.execute(bot.connector.url, {"rake": "report.start"}, **kw))
    card = card_of(body)
    for values in steps:
        body = await bot.invoke(
            a.execute(bot.connector.url, {**buttons(card)["next"], **values}, **kw)
        )
        card = card_of(body)
    return card


async def test_report_in_personal_chat_with_cards_updated_in_place(bot: BotClient) -> None:
    review = await walk_chat(bot, STEPS)
    assert review["body"][0]["text"] == "Tarkista ja lähetä"
    body = await bot.invoke(a.execute(bot.connector.url, buttons(review)["submit"]))
    done = card_of(body)
    assert done["body"][0]["text"] == "Kiitos – havainto on tallennettu"
    rows = await observations(bot.db)
    assert len(rows) == 1
    row = rows[0]
    assert row.reference in done["body"][1]["text"]
    assert (row.kind, row.phenomenon, row.area, row.service_area) == (
        "problem",
        "housing",
        "lahti",
        "adult_social",
    )
    assert row.target_groups == ["youth", "homeless"] and row.origin == "chat"
    assert row.reporter_id == a.WORKER_AAD and row.locale == "fi"
    assert bot.connector.posts() == []  # nothing piled up in the chat: all in place


async def test_double_click_and_teams_retry_store_one_observation(bot: BotClient) -> None:
    review = await walk_chat(bot, STEPS)
    submit = a.execute(bot.connector.url, buttons(review)["submit"])
    results = await asyncio.gather(bot.post(submit), bot.post(submit), bot.post(submit))
    assert all(status == 200 for status, _ in results)
    assert len(await observations(bot.db)) == 1
    body = await bot.invoke(submit)  # a late retry
    assert "jo lähetetty" in card_of(body)["body"][0]["text"]
    assert len(await observations(bot.db)) == 1


async def test_identifier_is_refused_and_not_in_the_database(bot: BotClient) -> None:
    body = await bot.invoke(a.execute(bot.connector.url, {"rake": "report.start"}))
    card = card_of(body)
    leaked = dict(STEP1, description="Asiakkaan hetu 131052-308T, asunto puuttuu")
    body = await bot.invoke(a.execute(bot.connector.url, {**buttons(card)["next"], **leaked}))
    shown = str(card_of(body))
    assert "henkilötunnus" in shown
    async with bot.db.sessions() as session:
        drafts = list(await session.scalars(select(Draft)))
    assert len(drafts) == 1 and "131052-308T" not in str(drafts[0].data)


@pytest.mark.parametrize(
    "forged",
    [
        {"kind": "opinion"},
        {"phenomenon": "not-a-phenomenon"},
        {"description": {"nested": "object"}},
        {"description": "x" * 50000},
        {"is_admin": "true"},
        {"draft_id": "not-hex"},
        {"step": 42},
        {"verb": "drop-table"},
    ],
)
async def test_forged_submits_change_nothing(bot: BotClient, forged: dict[str, Any]) -> None:
    body = await bot.invoke(a.execute(bot.connector.url, {"rake": "report.start"}))
    next_data = buttons(card_of(body))["next"]
    async with bot.db.sessions() as session:
        before = (await session.scalars(select(Draft))).one()
    body = await bot.invoke(a.execute(bot.connector.url, {**next_data, **STEP1, **forged}))
    assert body["statusCode"] == 400 and "Mitään ei muutettu" in body["value"]["message"]
    async with bot.db.sessions() as session:
        after = (await session.scalars(select(Draft))).one()
    assert (after.data, after.step, after.updated_at) == (
        before.data,
        before.step,
        before.updated_at,
    )


async def test_someone_elses_draft_is_missing_for_you(bot: BotClient) -> None:
    body = await bot.invoke(a.execute(bot.connector.url, {"rake": "report.start"}))
    next_data = buttons(card_of(body))["next"]
    body = await bot.invoke(
        a.execute(bot.connector.url, {**next_data, **STEP1}, user="intruder-aad")
    )
    assert "ei löytynyt" in card_of(body)["body"][0]["text"]


async def test_report_from_a_team_channel_in_a_teams_dialog(bot: BotClient) -> None:
    body = await bot.invoke(a.task_fetch(bot.connector.url, {"rake": "report.open"}, team=True))
    card = card_of(body)
    for values in STEPS:
        body = await bot.invoke(
            a.task_submit(bot.connector.url, {**buttons(card)["next"], **values}, team=True)
        )
        assert body["task"]["type"] == "continue"
        card = card_of(body)
    body = await bot.invoke(a.task_submit(bot.connector.url, buttons(card)["submit"], team=True))
    assert body["task"]["type"] == "message"
    (row,) = await observations(bot.db)
    assert row.reference in body["task"]["value"]
    assert row.origin == "team" and row.team_id == a.TEAM_ID


async def test_report_from_a_message_prefills_the_text_without_its_author(bot: BotClient) -> None:
    html = "<p>Ikääntyneiden <b>yksinäisyys</b> on lisääntynyt &amp; näkyy kotihoidossa.</p>"
    body = await bot.invoke(a.message_action(bot.connector.url, html, team=True))
    card = card_of(body)
    description = next(i for i in card["body"][-1]["items"] if i.get("id") == "description")
    assert (
        description["value"] == "Ikääntyneiden  yksinäisyys  on lisääntynyt & näkyy kotihoidossa."
    )
    assert "Toinen Työntekijä" not in str(body)
    async with bot.db.sessions() as session:
        draft = (await session.scalars(select(Draft))).one()
    assert (draft.origin == "message" and "description" not in draft.data) or (
        draft.data.get("description") is None
    )


async def test_cancel_deletes_the_draft(bot: BotClient) -> None:
    body = await bot.invoke(a.execute(bot.connector.url, {"rake": "report.start"}))
    body = await bot.invoke(a.execute(bot.connector.url, buttons(card_of(body))["cancel"]))
    assert "peruttiin" in card_of(body)["body"][0]["text"]
    async with bot.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Draft)) == 0


async def test_draft_continues_after_a_restart(db: Database, connector: FakeConnector) -> None:
    first = await start_bot(db, connector)
    body = await first.invoke(a.execute(connector.url, {"rake": "report.start"}))
    body = await first.invoke(a.execute(connector.url, {**buttons(card_of(body))["next"], **STEP1}))
    await first.client.close()
    second = await start_bot(db, connector)
    try:
        await second.post(a.message(connector.url, "jatka luonnosta"))
        resumed = connector.cards()[-1]
        assert resumed["body"][0]["text"] == "Keitä se koskee ja missä?"
        body = await second.invoke(a.execute(connector.url, {**buttons(resumed)["next"], **STEP2}))
        assert card_of(body)["body"][0]["text"] == "Laajuus ja rakenteet"
    finally:
        await second.client.close()


async def test_typed_commands_start_a_report_and_list_own_reports(bot: BotClient) -> None:
    for word in ("raportoi", "report", "rapportera", "uusi havainto"):
        await bot.post(a.message(bot.connector.url, word))
        assert bot.connector.cards()[-1]["body"][0]["text"] in (
            "Mitä havaitsit?",
            "What did you observe?",
            "Vad observerade du?",
        )
    review = await walk_chat(bot, STEPS)
    await bot.post(a.execute(bot.connector.url, buttons(review)["submit"]))
    await bot.post(a.message(bot.connector.url, "omat havainnot"))
    mine = str(bot.connector.cards()[-1])
    (row,) = await observations(bot.db)
    assert row.reference in mine and "Vastaanotettu" in mine


def acute_county(tmp_path: Any, people: str, rake_channel: bool = True) -> str:
    """A county file whose acute reports go to these people (and the Rake channel)."""
    from counties import county_path

    county = county_path("paijat-hame").read_text(encoding="utf-8")
    county = county.replace("  people: []", f"  people: [{people}]")
    if rake_channel:
        county += f"rake_channel: {{team_id: '{a.TEAM_ID}', channel_id: '{a.CHANNEL_ID}'}}\n"
    else:
        county = county.replace("  rake_channel: true", "  rake_channel: false")
    (tmp_path / "county.yaml").write_text(county, encoding="utf-8")
    return str(tmp_path / "county.yaml")


ACUTE = dict(
    STEP4, urgency="acute", acute_reason="Kymmenet perheet saavat häätöuhan samana päivänä"
)


async def test_acute_report_reaches_channel_and_people_at_once(
    db: Database, connector: FakeConnector, tmp_path: Any
) -> None:
    bot = await start_bot(db, connector, RAKE_COUNTY=acute_county(tmp_path, "expert-aad"))
    try:
        await bot.post(a.installation_update(connector.url, team=True))  # the Rake channel
        await bot.post(a.bot_added_personal(connector.url, user="expert-aad"))
        connector.calls.clear()
        review = await walk_chat(bot, [STEP1, STEP2, STEP3, ACUTE])
        body = await bot.invoke(a.execute(connector.url, buttons(review)["submit"]))
        done = str(card_of(body))
        assert "Rake-kanava" in done and "1 vastuuhenkilöä" in done and "112" in done
        assert await bot.settle() == {"sent": 2}
        (row,) = await observations(db)
        new_threads = [
            c for c in connector.calls if c.path.rstrip("/").endswith("/v3/conversations")
        ]
        assert len(new_threads) == 1
        assert new_threads[0].body["channelData"]["channel"]["id"] == a.CHANNEL_ID
        personal = [c for c in connector.posts() if "expert-aad" in c.path]
        assert len(personal) == 1
        alert = str(connector.cards())
        assert row.reference in alert and "Kymmenet perheet" in alert
        assert a.WORKER_AAD not in alert  # the reporter is not named in the alert
        async with db.sessions() as session:
            keys = sorted(i.dedupe_key for i in await session.scalars(select(OutboxItem)))
        assert keys == [
            f"acute:{row.reference}:channel:{a.CHANNEL_ID}",
            f"acute:{row.reference}:personal:expert-aad",
        ]
    finally:
        await bot.client.close()


async def test_a_retried_acute_submit_answers_with_the_reference_and_alerts_once(
    db: Database, connector: FakeConnector, tmp_path: Any
) -> None:
    bot = await start_bot(db, connector, RAKE_COUNTY=acute_county(tmp_path, "expert-aad"))
    try:
        await bot.post(a.installation_update(connector.url, team=True))
        await bot.post(a.bot_added_personal(connector.url, user="expert-aad"))
        review = await walk_chat(bot, [STEP1, STEP2, STEP3, ACUTE])
        submit = a.execute(connector.url, buttons(review)["submit"])
        first = card_of(await bot.invoke(submit))
        late = card_of(await bot.invoke(submit))  # Teams' retry, or a second click
        (row,) = await observations(db)
        assert row.reference in str(first)
        assert row.reference in late["body"][0]["text"]
        assert "jo lähetetty" in late["body"][0]["text"]
        async with db.sessions() as session:
            keys = sorted(i.dedupe_key for i in await session.scalars(select(OutboxItem)))
        assert keys == [
            f"acute:{row.reference}:channel:{a.CHANNEL_ID}",
            f"acute:{row.reference}:personal:expert-aad",
        ]
        assert await bot.settle() == {"sent": 2}
    finally:
        await bot.client.close()


async def test_acute_alert_retries_429_and_gives_up_on_403(
    db: Database, connector: FakeConnector, tmp_path: Any
) -> None:
    bot = await start_bot(
        db,
        connector,
        RAKE_COUNTY=acute_county(tmp_path, "expert-aad, blocked-aad", rake_channel=False),
    )
    try:
        await bot.post(a.bot_added_personal(connector.url, user="expert-aad"))
        await bot.post(a.bot_added_personal(connector.url, user="blocked-aad"))
        review = await walk_chat(bot, [STEP1, STEP2, STEP3, ACUTE])
        connector.calls.clear()
        connector.fail_next(429, headers={"Retry-After": "1"}, path="expert-aad")
        connector.fail_next(403, path="blocked-aad")
        started = time.monotonic()
        await bot.post(a.execute(connector.url, buttons(review)["submit"]))
        assert await bot.settle() == {"sent": 1, "failed": 1}
        assert time.monotonic() - started >= 1.0  # Retry-After was honoured
        async with db.sessions() as session:
            rows = {
                i.dedupe_key.rsplit(":", 1)[1]: i for i in await session.scalars(select(OutboxItem))
            }
        assert rows["expert-aad"].status == "sent" and rows["expert-aad"].attempts == 2
        assert rows["blocked-aad"].status == "failed" and rows["blocked-aad"].attempts == 1
        assert rows["blocked-aad"].last_error == "HTTP 403"
        calls = [c.path.split("/")[3] for c in connector.posts()]
        assert calls.count("a:personal-expert-aad") == 2  # the 429 was retried
        assert calls.count("a:personal-blocked-aad") == 1  # 403 is final: never retried
    finally:
        await bot.client.close()


async def test_acute_alert_opens_the_report_for_experts_only_and_is_audited(
    db: Database, connector: FakeConnector, tmp_path: Any
) -> None:
    from storage.models import AuditEntry

    bot = await start_bot(db, connector, RAKE_COUNTY=acute_county(tmp_path, "expert-aad"))
    try:
        await bot.post(a.installation_update(connector.url, team=True))
        await bot.post(a.bot_added_personal(connector.url, user="expert-aad"))
        review = await walk_chat(bot, [STEP1, STEP2, STEP3, ACUTE])
        await bot.invoke(a.execute(connector.url, buttons(review)["submit"]))
        await bot.settle()
        alerts = [c for c in connector.cards() if "Akuutti havainto" in str(c)]
        in_channel = next(c for c in alerts if c["actions"][0]["type"] == "Action.Submit")
        personal = next(c for c in alerts if c["actions"][0]["type"] == "Action.Execute")
        show = personal["actions"][0]["data"]
        # the expert (RAKE_DEV_EXPERTS in the test settings) opens it in place
        body = await bot.invoke(a.execute(connector.url, show, user="expert-aad"))
        assert STEP1["description"] in str(card_of(body))
        # from the channel the same button opens a dialog, private to the one who opens it
        body = await bot.invoke(
            a.task_fetch(
                connector.url, in_channel["actions"][0]["data"], team=True, user="expert-aad"
            )
        )
        assert STEP1["description"] in str(card_of(body))
        # the reporting worker is no expert
        body = await bot.invoke(a.execute(connector.url, show))
        refused = str(card_of(body))
        assert "vain Rake-asiantuntijoiden" in refused and STEP1["description"] not in refused
        async with db.sessions() as session:
            audit = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        assert [(e.actor, e.action, e.allowed) for e in audit] == [
            ("expert-aad", "observation.read", True),
            ("expert-aad", "observation.read", True),
            (a.WORKER_AAD, "observation.read", False),
        ]
        assert {e.target for e in audit} == {show["reference"]}
    finally:
        await bot.client.close()


async def test_a_dialog_continues_in_the_language_it_started_in(bot: BotClient) -> None:
    body = await bot.invoke(a.execute(bot.connector.url, {"rake": "report.start"}, locale="sv-FI"))
    card = card_of(body)
    assert card["body"][0]["text"] == "Vad observerade du?"
    # the Teams client now says English: the card's own language wins
    body = await bot.invoke(
        a.execute(bot.connector.url, {**buttons(card)["next"], **STEP1}, locale="en-US")
    )
    assert card_of(body)["body"][0]["text"] == "Vem gäller det och var?"


async def test_a_forged_card_language_is_ignored(bot: BotClient) -> None:
    body = await bot.invoke(a.execute(bot.connector.url, {"rake": "report.start"}))
    data = {**buttons(card_of(body))["next"], **STEP1, "lang": "xx-evil"}
    body = await bot.invoke(a.execute(bot.connector.url, data, locale="en-US"))
    assert card_of(body)["body"][0]["text"] == "Whom does it concern, and where?"
