"""The loop through the real app (fake Teams connector): an expert opens an observation by
command and in a channel's dialog, asks the service area's lead, who answers on the card; a
proposal's follow-up is asked by the scheduler and answered; the yearly draft downloads."""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from docx import Document

from bot.app import CONTAINER, SCHEDULER
from cards import processing as pc
from cards import proposals as pp
from storage.db import Database
from tests import activities as a
from tests import seed
from tests.conftest import BotClient, start_bot
from tests.fake_connector import FakeConnector
from tests.test_digests import EXPERT, WORKER, say, valid

LEAD = "lead-aad-1"


def _text(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


async def _execute(bot: BotClient, data: dict[str, Any], user: str) -> dict[str, Any]:
    body = await bot.invoke(a.execute(bot.connector.url, data, user=user))
    return valid(body["value"])


async def test_the_loop_in_teams(db: Database, connector: FakeConnector) -> None:
    (obs,) = await seed.add(db, seed.local(2026, 3, 3), reporter_id=WORKER)
    bot = await start_bot(db, connector, RAKE_DEV_LEADS=LEAD, RAKE_SIMILAR="off")
    try:
        await say(bot, "apua", user=LEAD)  # the lead has talked to the bot: reachable
        card = await say(bot, f"avaa {obs.reference}", user=EXPERT)
        assert f"Käsittely: {obs.reference}" in _text(card)
        ask = {
            "rake": pc.ASK,
            "reference": obs.reference,
            "lang": "fi",
            "service_area": "adult_social",
            "question": "Näkyykö tämä teillä?",
        }
        card = await _execute(bot, ask, EXPERT)
        assert "Kysymys lähetetty tulosalueen johdolle (Aikuissosiaalityö)." in _text(card)
        await bot.settle()
        request = next(c for c in connector.cards() if "Kommenttipyyntö" in _text(c))
        answer = dict(request["actions"][0]["data"], answer="Jonot ovat pidentyneet.")
        card = await _execute(bot, answer, LEAD)
        assert "Kiitos! Vastauksesi tallennettiin havaintoon." in _text(card)

        today = datetime.now(ZoneInfo("Europe/Helsinki")).date().isoformat()
        propose = {
            "rake": pc.PROPOSE,
            "reference": obs.reference,
            "lang": "fi",
            "title": "Asumisneuvontaa",
            "text": "",
            "service_area": "adult_social",
            "due": today,
        }
        card = await _execute(bot, propose, EXPERT)
        assert "Toimenpide-ehdotus #1" in _text(card)
        outcomes = await bot.app[SCHEDULER].tick(force=True)
        assert outcomes["loop-follow-up-asks"] == "ok 1"
        await bot.settle()
        question = next(c for c in connector.cards() if "Mitä tehtiin? Ehdotus #1" in _text(c))
        data = dict(question["actions"][0]["data"], answer="done", note="Tehty.")
        card = await _execute(bot, data, LEAD)
        assert "Kiitos! Vastaus tallennettiin ehdotukseen #1: Tehty." in _text(card)
        listed = await say(bot, "ehdotukset tehdyt", user=EXPERT)
        assert "Asumisneuvontaa" in _text(listed)
        mine = await say(bot, "omat havainnot", user=WORKER)
        assert "Asumisneuvontaa – Toteutettu (Tehty)" in _text(mine)
    finally:
        await bot.client.close()


async def test_processing_from_a_channel_card_opens_in_a_dialog(
    db: Database, connector: FakeConnector
) -> None:
    (obs,) = await seed.add(db, seed.local(2026, 3, 3))
    bot = await start_bot(db, connector, RAKE_SIMILAR="off")
    try:
        data = {"rake": pc.OPEN, "reference": obs.reference, "lang": "fi"}
        body = await bot.invoke(a.task_fetch(connector.url, data, team=True, user=EXPERT))
        card = valid(body["task"]["value"]["card"]["content"])
        assert f"Käsittely: {obs.reference}" in _text(card)
        assert card["actions"][0]["type"] == "Action.Submit"  # inside a dialog
        step = dict(card["actions"][0]["data"])
        body = await bot.invoke(a.task_submit(connector.url, step, team=True, user=EXPERT))
        card = valid(body["task"]["value"]["card"]["content"])
        assert "tila nyt Käsittelyssä" in _text(card)
        refused = await bot.invoke(a.task_fetch(connector.url, data, team=True, user=WORKER))
        assert "Vain Rake-asiantuntijat" in _text(refused)
    finally:
        await bot.client.close()


async def test_the_yearly_draft_downloads_for_experts_only(
    db: Database, connector: FakeConnector
) -> None:
    await seed.add(db, seed.local(2026, 3, 3), 3)
    bot = await start_bot(db, connector, RAKE_SIMILAR="off")
    try:
        card = await _execute(bot, {"rake": pp.REPORT_DRAFT, "year": 2026, "lang": "fi"}, EXPERT)
        urls = [x["url"] for x in card["actions"] if x["type"] == "Action.OpenUrl"]
        docx = await bot.client.get(urlparse(urls[0]).path)
        assert docx.status == 200 and docx.headers["Content-Disposition"].endswith('.docx"')
        document = Document(io.BytesIO(await docx.read()))
        assert document.paragraphs[0].text == (
            "Sosiaalinen raportti 2026 – Päijät-Hämeen hyvinvointialue"
        )
        markdown = await bot.client.get(urlparse(urls[1]).path)
        assert "| Havainnot / vuosi | 3 | 50 |" in await markdown.text()
        forged = await bot.client.get(urlparse(urls[0]).path[:-4] + "AAAA")
        assert forged.status == 403
        refused = await _execute(bot, {"rake": pp.REPORT_DRAFT, "year": 2026, "lang": "fi"}, WORKER)
        assert "Vain Rake-asiantuntijat" in _text(refused)
        audit = [e.action for e in await bot.app[CONTAINER].services.audit.entries(10)]
        assert audit.count("report.draft") == 2
    finally:
        await bot.client.close()
