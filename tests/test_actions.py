"""The action table: every action and command has a handler; an action nobody registered gets
the "unknown action" reply in the card's language, and nothing is stored."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import CONTAINER
from dialogs.actions import Action
from dialogs.commands import Command
from i18n import Catalog
from storage.models import Draft
from tests import activities as a
from tests.conftest import BotClient


def test_every_action_and_command_has_one_handler(bot: BotClient) -> None:
    table = bot.app[CONTAINER].actions
    assert table.actions == set(Action)
    assert table.commands == set(Command)


async def test_an_unknown_action_gets_a_clear_reply_in_every_language(bot: BotClient) -> None:
    catalog = Catalog.load()
    for lang in ("fi", "sv", "en"):
        body = await bot.invoke(
            a.execute(bot.connector.url, {"rake": "proposal.new", "lang": lang})
        )
        assert body["statusCode"] == 400
        assert body["value"]["message"] == catalog.t(lang, "unknown.action")
    assert len({catalog.t(lang, "unknown.action") for lang in ("fi", "sv", "en")}) == 3
    submit = a.message(bot.connector.url, "")
    submit["value"] = {"rake": "no.such.action"}  # Action.Submit: the chat's language
    status, _ = await bot.post(submit)
    assert status in (200, 201)
    assert bot.connector.posts()[-1].body["text"] == catalog.t("fi", "unknown.action")
    async with bot.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Draft)) == 0
