"""Exports for experts: signed links, XLSX and CSV read back, refusals, the audit log."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

import openpyxl

from bot.app import CONTAINER
from bot.export_flow import COLUMNS
from cards.digest import EXPORT_LINK
from storage.db import Database
from tests import activities as a
from tests import seed
from tests.conftest import BotClient, start_bot
from tests.fake_connector import FakeConnector
from tests.test_digests import ADMIN, EXPERT, FI, WORKER, audit, say, valid


async def _download(bot: BotClient, card: dict[str, Any]) -> tuple[int, bytes, dict[str, str]]:
    url = next(x["url"] for x in card["actions"] if x["type"] == "Action.OpenUrl")
    response = await bot.client.get(urlparse(url).path)
    return response.status, await response.read(), dict(response.headers)


async def test_exports_are_for_experts_read_back_and_audited(
    db: Database, connector: FakeConnector
) -> None:
    await seed.week_10_dataset(db)
    await seed.add(
        db,
        seed.local(2026, 3, 3),
        contact_ok=True,
        reporter_id="dddddddd-0000-0000-0000-000000000004",
        description='Rivinvaihto\nja "lainaus"; puolipiste',
        target_groups=["youth", "elderly"],
    )
    bot = await start_bot(db, connector, RAKE_DEV_ADMINS=ADMIN)
    try:
        span = {"rake": EXPORT_LINK, "from": "2026-03-02", "to": "2026-03-08"}
        body = await bot.invoke(a.execute(connector.url, dict(span, format="xlsx"), user=EXPERT))
        status, content, headers = await _download(bot, valid(body["value"]))
        assert status == 200 and headers["Content-Disposition"].endswith('.xlsx"')
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        rows = list(book.active.iter_rows(values_only=True))
        assert list(rows[0]) == [FI.t("fi", f"export.col.{c}") for c in COLUMNS]
        assert rows[0][:4] == ("Tunnus", "Vastaanotettu", "Havainnon laji", "Ilmiö")
        assert len(rows) == 1 + 8
        received = [r[1] for r in rows[1:]]
        assert received == sorted(received) and received[0] == datetime(2026, 3, 2, 9, 0)
        quoted = next(r for r in rows if r[5] and "lainaus" in r[5])
        assert quoted[17] == "dddddddd-0000-0000-0000-000000000004"  # contact allowed
        groups = [FI.t("fi", "target_group.youth"), FI.t("fi", "target_group.elderly")]
        assert quoted[6] == ", ".join(groups)
        assert all(r[17] in (None, "") for r in rows[1:] if r is not quoted)

        body = await bot.invoke(a.execute(connector.url, dict(span, format="csv"), user=EXPERT))
        status, content, headers = await _download(bot, body["value"])
        assert status == 200 and headers["Content-Type"].startswith("text/csv")
        assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
        table = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
        assert table[0][0] == "Tunnus" and table[0][3] == "Ilmiö" and len(table) == 9
        assert any(r[5] == 'Rivinvaihto\nja "lainaus"; puolipiste' for r in table)
        assert table[1][1] == "2026-03-02 09:00"

        # typed: "vienti 2026-W10 csv"
        card = await say(bot, "vienti 2026-W10 csv", user=EXPERT)
        assert (await _download(bot, card))[0] == 200

        # non-experts get no link; a tampered or expired link is refused
        body = await bot.invoke(a.execute(connector.url, dict(span, format="csv"), user=WORKER))
        assert "Action.OpenUrl" not in json.dumps(body)
        tampered = await bot.client.get(urlparse(_url(card)).path + "0")
        assert tampered.status == 403
        signer = bot.app[CONTAINER].exports.signer
        old = signer.sign({"u": EXPERT, "f": "csv", "a": "2026-03-02", "b": "2026-03-08"}, -1)
        assert (await bot.client.get(f"/exports/{old}")).status == 403
        # an expert removed after the link was made cannot use it
        newcomer = "eeeeeeee-0000-0000-0000-000000000005"
        await say(bot, f"rooli lisää {newcomer} asiantuntija", user=ADMIN)
        card = await say(bot, "vienti 2026-W10", user=newcomer)
        await say(bot, f"rooli poista {newcomer}", user=ADMIN)
        assert (await _download(bot, card))[0] == 403

        log = await audit(db)
        assert (WORKER, "export.link", False) in log
        assert log.count((EXPERT, "export", True)) == 3
        assert (newcomer, "export", False) in log
    finally:
        await bot.client.close()


def _url(card: dict[str, Any]) -> str:
    return str(next(x["url"] for x in card["actions"] if x["type"] == "Action.OpenUrl"))
