"""Bad input found by hand (issue 14), each through the real app on both databases: a clear,
localized answer or a 4xx, never a 5xx, and nothing stored."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import func, select

from bot.app import CONTAINER
from i18n import Catalog
from storage.db import Database
from storage.models import AuditEntry, Draft
from tests import activities as a
from tests.conftest import BotClient
from tests.test_report_http import buttons, card_of, walk_chat

EXPERT = "expert-aad"  # an expert in the test settings
FI = Catalog.load()


def said(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False)


def shows(body: Any, key: str, **params: str) -> bool:
    """The catalog's Finnish text of the key is somewhere in the answer."""
    return json.dumps(FI.t("fi", key, **params), ensure_ascii=False)[1:-1] in said(body)


async def test_vartti_held_with_an_infinite_number_is_refused(bot: BotClient) -> None:
    for value in ("inf", "-inf", "nan", "1e999", 1e308, "9" * 400, 2**31, "2147483648"):
        for name in ("occurrence", "participants", "observations"):
            data = {"rake": "vartti.held", "occurrence": "1", name: value}
            body = await bot.invoke(a.execute(bot.connector.url, data, team=True))
            assert body["statusCode"] == 400, (name, value, body)
            assert body["value"]["message"] == FI.t("fi", "error.malformed")


async def test_a_digest_beyond_the_calendar_checks_access_first(bot: BotClient) -> None:
    far = {"rake": "digest.run", "from": "9999-12-01", "to": "9999-12-31"}
    body = await bot.invoke(a.execute(bot.connector.url, far))  # a worker, not an expert
    assert shows(body, "access.experts_only")
    async with bot.db.sessions() as session:
        refused = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.allowed.is_(False))
        )
    assert refused == 1  # the refusal is audited, as every expert-only action's
    for span in (far, {**far, "from": "0001-01-01", "to": "0001-01-07"}):
        body = await bot.invoke(a.execute(bot.connector.url, span, user=EXPERT))
        assert shows(body, "digest.bad_filter"), span
    for words in ("kooste 9999", "kooste 9999-12", "kooste 9999-W52", "kooste 0001"):
        status, _ = await bot.post(a.message(bot.connector.url, words, user=EXPERT))
        assert status in (200, 201), words
        posted = bot.connector.posts()[-1].body
        assert not shows(posted, "error.internal"), words


async def test_editing_the_review_step_is_refused(bot: BotClient) -> None:
    from tests.test_report_http import STEPS

    review = await walk_chat(bot, STEPS)
    edit = buttons(review)["edit"] if "edit" in buttons(review) else None
    draft_id = (edit or next(iter(buttons(review).values())))["draft_id"]
    async with bot.db.sessions() as session:
        before = (await session.scalars(select(Draft))).one()
    for step in (5, 6, 0, -1, "5", 4.5):
        data = {"rake": "report", "verb": "edit", "draft_id": draft_id, "step": step}
        body = await bot.invoke(a.execute(bot.connector.url, data))
        assert body["statusCode"] == 400, (step, body)
        assert body["value"]["message"] == FI.t("fi", "error.malformed")
    async with bot.db.sessions() as session:
        after = (await session.scalars(select(Draft))).one()
    assert (after.step, after.data, after.updated_at) == (
        before.step,
        before.data,
        before.updated_at,
    )
    data = {"rake": "report", "verb": "edit", "draft_id": draft_id, "step": 2}
    assert "step.2" not in said(card_of(await bot.invoke(a.execute(bot.connector.url, data))))


async def test_an_export_at_the_end_of_the_calendar_is_refused(
    bot: BotClient, db: Database
) -> None:
    for first, last in (("9990-01-01", "9999-12-31"), ("0001-01-01", "0001-12-31")):
        data = {"rake": "export.link", "format": "csv", "from": first, "to": last}
        body = await bot.invoke(a.execute(bot.connector.url, data, user=EXPERT))
        text = said(body)
        assert shows(body, "export.bad_request"), (first, body)
        assert "/exports/" not in text
    for words in ("vienti 9999", "vienti 9999-Q4 csv", "vienti 0001"):
        status, _ = await bot.post(a.message(bot.connector.url, words, user=EXPERT))
        assert status in (200, 201)
        assert not shows(bot.connector.posts()[-1].body, "error.internal"), words
    # a link signed for such a span (by an older version) is refused, not a 500
    exports = bot.app[CONTAINER].exports
    token = exports.signer.sign(
        {"u": EXPERT, "f": "csv", "a": "9990-01-01", "b": "9999-12-31", "l": "fi"}, 5
    )
    response = await bot.client.get(urlparse(f"/exports/{token}").path)
    assert 400 <= response.status < 500, response.status


async def test_a_nul_byte_is_refused_or_kept_visible_on_both_databases(bot: BotClient) -> None:
    """PostgreSQL's text and JSON refuse NUL (found by tests/test_fuzz.py): a typed command
    holding one is still answered and audited, a card text with one is malformed."""
    status, _ = await bot.post(a.message(bot.connector.url, "kooste \x00"))  # not an expert
    assert status in (200, 201)
    assert shows(bot.connector.posts()[-1].body, "access.experts_only")
    async with bot.db.sessions() as session:
        target = await session.scalar(select(AuditEntry.target))
    assert target is not None and "\x00" not in target
    from tests.test_report_http import STEPS

    body = await bot.invoke(a.execute(bot.connector.url, {"rake": "report.start"}))
    step = {**buttons(card_of(body))["next"], **STEPS[0], "description": "a\x00b"}
    body = await bot.invoke(a.execute(bot.connector.url, step))
    assert body["statusCode"] == 400 and body["value"]["message"] == FI.t("fi", "error.malformed")
    held = {"rake": "vartti.held", "occurrence": "1", "note": "\x00"}
    body = await bot.invoke(a.execute(bot.connector.url, held, team=True))
    assert body["statusCode"] == 400
