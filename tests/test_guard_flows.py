"""The new guard in the flows: the grievance notice is a question, identifiers never reach the
database or an export, the audit log keeps structured values only."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from urllib.parse import urlparse

import pytest
from sqlalchemy import select

from cards.common import Ctx
from cards.digest import EXPORT_LINK
from cards.report import step_card
from counties import County, county_path, load_county
from dialogs.report import GUARD_CONTINUE, Step, start, to_submission
from i18n import Catalog
from storage.db import Database
from storage.models import AuditEntry, Base
from tests import activities as a
from tests.conftest import BotClient
from tests.test_digests import valid
from tests.test_report_dialog import DRAFT, STEP1, STEP2, STEP3, STEP4, act, fill
from tests.test_report_http import buttons, card_of, observations, walk_chat

GRIEVANCE = "Asiakkaani ei saanut päätöstä kolmeen kuukauteen, vaikka hakemus oli valmis."
# as the issue found them passing the old guard (and one non-expert's digest command)
HOSTILE = [
    "Lomakkeella luki 131052-308t ja vanha osoite.",
    "Tunnus 010101a123N oli kopioitu viestiin.",
    "Tunnus 1310\u200b52-308T oli kopioitu viestiin.",
    "Tunnus １３１０５２-３０８Ｔ oli kopioitu viestiin.",
    "MATTI VIRTANEN ei saanut asuntoa.",
    "Soita numeroon 040\u20101234567 iltaisin.",
]
FRAGMENTS = ["308t", "308T", "123N", "３０８", "MATTI", "Virtanen", "VIRTANEN", "1234567"]


@pytest.fixture(scope="module")
def county() -> County:
    return load_county(county_path("paijat-hame"))


# --- the dialog, without the SDK ------------------------------------------------------------


def test_a_grievance_is_a_question_and_the_worker_may_go_on(county: County) -> None:
    values = dict(STEP1, description=GRIEVANCE)
    asked = act(start().data, county, "next", Step.WHAT, values)
    assert asked.errors["description"].key == "guard.grievance"
    assert asked.data.description is None  # not stored before the worker answers
    assert asked.echo["description"] == GRIEVANCE
    went_on = act(asked.data, county, "next", Step.WHAT, {**values, GUARD_CONTINUE: "true"})
    assert not went_on.errors and went_on.step is Step.WHO_WHERE
    assert went_on.data.description == GRIEVANCE
    # ... and the whole report is accepted with it
    data = went_on.data
    for step, step_values in ((Step.WHO_WHERE, STEP2), (Step.EXTENT, STEP3), (Step.URGENCY, STEP4)):
        data = act(data, county, "next", step, step_values).data
    assert to_submission(data, county).description == GRIEVANCE


def test_going_on_never_lets_identifiers_through(county: County) -> None:
    values = dict(STEP1, description=GRIEVANCE + " Soita 040 123 4567.")
    outcome = act(start().data, county, "next", Step.WHAT, {**values, GUARD_CONTINUE: "true"})
    assert outcome.errors["description"].key == "guard.identifiers"
    assert outcome.data.description is None


@pytest.mark.parametrize(
    "text",
    [
        "Monet asiakkaamme eivät saa toimeentulotukea ajoissa.",
        "Havainto ei koske yksittäisen asiakkaan tilannetta vaan koko ryhmää.",
        "Lahden ja Heinolan nuoret odottavat asuntoa pidempään kuin ennen.",
    ],
)
def test_phenomenon_texts_pass_without_a_question(county: County, text: str) -> None:
    outcome = act(start().data, county, "next", Step.WHAT, dict(STEP1, description=text))
    assert not outcome.errors and outcome.data.description == text


def test_the_county_places_are_the_dialogs_allow_context() -> None:
    helsinki = load_county(county_path("helsinki"))
    text = "Nuoret Keskisen suurpiirissä odottavat asuntoa pidempään kuin ennen."
    values = {**STEP1, "description": text}
    assert not act(start().data, helsinki, "next", Step.WHAT, values).errors
    other = load_county(county_path("paijat-hame"))
    assert act(start().data, other, "next", Step.WHAT, values).errors  # Keskinen, a surname


def test_the_step_card_asks_only_after_a_notice(county: County) -> None:
    ctx = Ctx("fi", Catalog.load(), county)
    asked = act(start().data, county, "next", Step.WHAT, dict(STEP1, description=GRIEVANCE))
    for mode in ("execute", "submit"):  # personal chat and the Teams dialog
        valid(step_card(ctx, mode, DRAFT, Step.WHAT, asked.data, asked.errors))  # AC 1.5 schema
    card = json.dumps(step_card(ctx, "execute", DRAFT, Step.WHAT, asked.data, asked.errors))
    assert GUARD_CONTINUE in card and "SHL 48" in card
    blocked = act(start().data, county, "next", Step.WHAT, dict(STEP1, description=HOSTILE[0]))
    card = json.dumps(step_card(ctx, "execute", DRAFT, Step.WHAT, blocked.data, blocked.errors))
    assert GUARD_CONTINUE not in card
    filled = fill(county, Step.WHAT)
    assert GUARD_CONTINUE not in json.dumps(step_card(ctx, "execute", DRAFT, Step.WHAT, filled))


# --- through the bot ------------------------------------------------------------------------


async def _every_stored_text(db: Database) -> str:
    """Every row of every table, as text."""
    out = []
    async with db.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                out.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(out)


async def test_the_notice_in_chat_and_the_text_stored_only_after_going_on(bot: BotClient) -> None:
    url = bot.connector.url
    card = card_of(await bot.invoke(a.execute(url, {"rake": "report.start"})))
    asked = card_of(
        await bot.invoke(
            a.execute(url, {**buttons(card)["next"], **STEP1, "description": GRIEVANCE})
        )
    )
    assert GUARD_CONTINUE in json.dumps(asked) and "SHL 48" in json.dumps(asked)
    assert GRIEVANCE not in await _every_stored_text(bot.db)  # the card shows it; no row holds it
    values = {**buttons(asked)["next"], **STEP1, "description": GRIEVANCE, GUARD_CONTINUE: "true"}
    card = card_of(await bot.invoke(a.execute(url, values)))
    for step in (STEP2, STEP3, STEP4):
        card = card_of(await bot.invoke(a.execute(url, {**buttons(card)["next"], **step})))
    card_of(await bot.invoke(a.execute(url, buttons(card)["submit"])))
    rows = await observations(bot.db)
    assert [r.description for r in rows] == [GRIEVANCE]


async def test_identifiers_reach_neither_the_database_nor_the_csv(bot: BotClient) -> None:
    url = bot.connector.url
    card = card_of(await bot.invoke(a.execute(url, {"rake": "report.start"})))
    for text in HOSTILE:  # each refused, in the description and in a proposal alike
        card = card_of(
            await bot.invoke(
                a.execute(url, {**buttons(card)["next"], **STEP1, "description": text})
            )
        )
        assert "tunnistetieto" in json.dumps(card, ensure_ascii=False), text
    await walk_chat(bot, [STEP1, STEP2, {**STEP3, "proposal": HOSTILE[4]}])
    review = await walk_chat(bot, [STEP1, STEP2, STEP3, STEP4])
    card_of(await bot.invoke(a.execute(url, buttons(review)["submit"])))
    # a worker (no expert) types the digest command with identifiers, and a forged reference
    await bot.invoke(
        a.message(url, "kooste 131052-308T matti.virtanen@example.com 040 1234567"), 201
    )
    await bot.invoke(a.execute(url, {"rake": "observation.show", "reference": "131052-308T"}))
    async with bot.db.sessions() as session:
        targets = [e.target for e in await session.scalars(select(AuditEntry))]
    assert any(t.startswith("20") and "W" in t for t in targets), targets  # the period's key
    assert "(not a reference)" in targets
    # the expert's CSV export of the days around today
    today = date.today()
    span = {
        "rake": EXPORT_LINK,
        "from": (today - timedelta(days=7)).isoformat(),
        "to": (today + timedelta(days=1)).isoformat(),
        "format": "csv",
    }
    body = await bot.invoke(a.execute(url, span, user="expert-aad"))
    link = next(x["url"] for x in body["value"]["actions"] if x["type"] == "Action.OpenUrl")
    response = await bot.client.get(urlparse(link).path)
    table = list(
        csv.reader(io.StringIO((await response.read()).decode("utf-8-sig")), delimiter=";")
    )
    assert len(table) == 2  # the one clean report
    exported = json.dumps(table, ensure_ascii=False)
    stored = await _every_stored_text(bot.db)
    for fragment in [*FRAGMENTS, "matti.virtanen", "131052"]:
        assert fragment not in exported, fragment
        assert fragment not in stored, fragment


async def test_a_vartti_note_with_inflected_identifiers_is_refused_a_grievance_is_not(
    bot: BotClient,
) -> None:
    from bot.app import CONTAINER
    from storage.models import VarttiOccurrence
    from tests.test_vartti import TUESDAY_0630, install, rows, set_schedule

    await install(bot)
    await set_schedule(bot)
    await bot.app[CONTAINER].vartti.plan_due(TUESDAY_0630)
    (occurrence,) = await rows(bot.db, VarttiOccurrence)
    held = {"rake": "vartti.held", "occurrence": occurrence.id, "lang": "fi", "participants": "5"}
    for note in ("Puhuttiin Virtasen perheestä", "Soitetaan 040‐1234567", "hetu 131052-308t"):
        body = await bot.invoke(a.execute(bot.connector.url, {**held, "note": note}, team=True))
        assert body["statusCode"] == 400 and "tunnistetieto" in body["value"]["message"]
    note = "Tämä asiakas -tyyppiset tapaukset toistuvat: ilmiönä asumisen kriisit."
    body = await bot.invoke(a.execute(bot.connector.url, {**held, "note": note}, team=True))
    assert "Vartti pidetty" in str(body["value"])
    (occurrence,) = await rows(bot.db, VarttiOccurrence)
    assert occurrence.note == note
