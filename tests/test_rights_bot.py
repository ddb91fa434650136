"""The data-rights commands over what the real bot stores: a person who installed the bot,
chose a language, made a report and left a draft is exported whole and erased whole (the real
botbuilder state keys and conversation references, not hand-made rows)."""

from __future__ import annotations

from bot.app import MESSENGER, SERVICES
from bot.rights import UserRights
from storage.rights import TOMBSTONE
from tests import activities as a
from tests.conftest import BotClient
from tests.test_report_http import STEPS, buttons, observations, walk_chat

OTHER = "bbbbbbbb-0000-0000-0000-000000000002"


async def test_what_the_bot_stored_is_exported_and_erased(bot: BotClient) -> None:
    url = bot.connector.url
    for user in (a.WORKER_AAD, OTHER):
        await bot.post(a.bot_added_personal(url, user=user))
        await bot.post(a.message(url, "kieli sv", user=user))
    review = await walk_chat(bot, STEPS)
    await bot.invoke(a.execute(url, buttons(review)["submit"]))
    await bot.invoke(a.execute(url, {"rake": "report.start"}))  # a draft left open
    await bot.invoke(a.execute(url, {"rake": "report.start"}, user=OTHER))
    await bot.app[MESSENGER].drain()
    services = bot.app[SERVICES]
    rights = UserRights(services)

    doc = await rights.export(a.WORKER_AAD, "cli")
    assert [s["key"] for s in doc["bot_state"]] == [f"msteams/users/29:{a.WORKER_AAD}"]
    assert doc["bot_state"][0]["data"]["lang"] == "sv"
    assert [r["conversation_id"] for r in doc["conversation_references"]] == [
        f"a:personal-{a.WORKER_AAD}"
    ]
    assert len(doc["reports"]) == 1 and len(doc["drafts"]) == 2  # the submitted one and the new
    assert OTHER not in str(doc)

    done = await rights.erase(a.WORKER_AAD, "cli")
    assert (done["bot_state"], done["conversation_references"], done["drafts"]) == (1, 1, 2)
    after = await rights.export(a.WORKER_AAD, "cli")
    assert all(
        after[k] == [] for k in ("bot_state", "conversation_references", "drafts", "reports")
    )
    (row,) = await observations(bot.db)
    assert row.reporter_id == TOMBSTONE and not row.contact_ok
    other = await rights.export(OTHER, "cli")
    assert len(other["bot_state"]) == 1 and len(other["drafts"]) == 1
    assert len(other["conversation_references"]) == 1
