"""Bad input, property-based (hypothesis), over every card action and every typed command of
the action table (a new action or command is covered by being registered), through every
transport (Action.Execute, Action.Submit in a conversation, Teams dialog fetch and submit),
on SQLite and PostgreSQL: wrong types, unknown and missing keys, huge and control-character
strings, NUL bytes, unicode edge cases, nested JSON, and forged ids (another user's draft or
report, another team's vartti, a step never reached, a verb never offered).

Each answer is a clear message or a 4xx, never a 5xx (nor the "something went wrong" reply of
an unexpected exception), and the database is unchanged but for what the user may do to their
own things (see ``changed_wrongly``). Examples per run: HYPOTHESIS_PROFILE=long (make
test-fuzz-long) runs twenty times as many."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from bot.app import CONTAINER, SERVICES
from dialogs import commands as commands_module
from dialogs import processing_commands
from dialogs.actions import KEY, Action
from dialogs.commands import Command
from dialogs.fields import COUNTY_LISTS, FIELDS
from i18n import Catalog
from storage.db import Database
from storage.models import Base, VarttiOccurrence
from tests import activities as a
from tests.conftest import BotClient
from tests.test_storage import FIELDS as STORED_FIELDS
from tests.test_vartti import SCHEDULE, TUESDAY_0630

settings.register_profile(
    "ci",
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=bool(os.environ.get("CI")),
)
settings.register_profile("long", parent=settings.get_profile("ci"), max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

FI = Catalog.load()
EXPERT, LEAD, OTHER = "expert-aad", "lead-aad", "bbbbbbbb-0000-0000-0000-00000000000b"
USERS = (a.WORKER_AAD, EXPERT, LEAD)
OTHER_TEAM = "19:other-team@thread.tacv2"
INTERNAL = {FI.t(lang, "error.internal") for lang in ("fi", "sv", "en")}
# Keys the cards send, the report's fields, and the schedule's: the fuzz mixes them with others.
CARD_KEYS = sorted(
    {KEY, "verb", "draft_id", "step", "lang", "msteams", "reference", "channel", "occurrence"}
    | {"participants", "observations", "note", "from", "to", "format", *SCHEDULE}
    | {field.name for field in FIELDS}
)
NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202e\u200b\ufeff",
    "\ud7ff\ue000\U0010ffff",
    "👩‍👩‍👧‍👦" * 50,
    "é" * 3000,
    "x" * 60_000,
    "\r\n\t\x1b[31m",
    "inf",
    "-inf",
    "nan",
    "1e999",
    "-1",
    "0",
    "5",
    "2147483648",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "true",
    "null",
    "<at>" * 1000,
    "{{lang}}",
    "%s%n",
    "'; DROP TABLE drafts; --",
]


def deep(levels: int) -> Any:
    value: Any = "bottom"
    for i in range(levels):
        value = [value] if i % 2 else {"a": value}
    return value


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
    st.sampled_from(NASTY),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
) | st.integers(min_value=20, max_value=400).map(deep)
keys = st.sampled_from(CARD_KEYS) | st.text(max_size=30)


async def dump(db: Database) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table, as text, sorted."""
    out: dict[str, list[tuple[str, ...]]] = {}
    async with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = (await conn.execute(select(table))).all()
            out[table.name] = sorted(tuple(map(repr, row)) for row in rows)
    return out


def changed_wrongly(
    before: dict[str, list[tuple[str, ...]]], after: dict[str, list[tuple[str, ...]]], user: str
) -> list[str]:
    """What changed that the acting user could not ask for. Allowed: their own drafts (a new
    report, a step saved or cancelled), audit entries added (refusals are audited), where the
    bot can reach them, and their language preference."""
    wrong = []
    for name, rows in before.items():
        now = after[name]
        if name in ("conversation_refs", "bot_state"):
            continue
        if name == "audit_log":
            if not set(rows) <= set(now):
                wrong.append("audit entries changed or removed")
            continue
        if name == "drafts":
            mine = repr(user)
            others_before = [r for r in rows if r[1] != mine]
            others_after = [r for r in now if r[1] != mine]
            if others_before != others_after:
                wrong.append("another user's draft changed")
            continue
        if rows != now:
            wrong.append(name)
    return wrong


class World:
    """Ids a forger would try: another user's draft and report, the acting user's own draft at
    step 1 (steps 2–5 never reached), another team's vartti occurrence."""

    def __init__(self) -> None:
        self.ids: list[Any] = []
        self.own_drafts: dict[str, str] = {}


async def world(bot: BotClient) -> World:
    found = getattr(bot, "_fuzz_world", None)
    if found is not None:
        return found
    made = World()
    services = bot.app[SERVICES]
    other = await services.drafts.create(OTHER, "chat", None, {}, 1)
    submitted = await services.drafts.create(OTHER, "chat", None, {}, 5)
    row, _ = await services.observations.submit(
        submitted.id, dict(STORED_FIELDS, reporter_id=OTHER)
    )
    for user in USERS:
        made.own_drafts[user] = (await services.drafts.create(user, "chat", None, {}, 1)).id
    container = bot.app[CONTAINER]
    container.clock.set(lambda: TUESDAY_0630 - timedelta(days=1))
    added = a.bot_added_to_team(bot.connector.url)
    added["channelData"]["team"]["id"] = added["conversation"]["id"] = OTHER_TEAM
    await bot.invoke(added, 201)
    save = a.execute(bot.connector.url, {KEY: "schedule.save", **SCHEDULE}, team=True, user=LEAD)
    save["channelData"]["team"]["id"] = OTHER_TEAM
    assert (await bot.invoke(save))["statusCode"] == 200
    await container.vartti.plan_due(TUESDAY_0630)
    async with bot.db.sessions() as session:
        occurrence = (await session.scalars(select(VarttiOccurrence))).one()
    made.ids = [
        other.id,
        submitted.id,
        *made.own_drafts.values(),
        row.reference,
        row.reference.lower(),
        occurrence.id,
        str(occurrence.id),
        OTHER_TEAM,
        OTHER,
    ]
    bot._fuzz_world = made  # type: ignore[attr-defined]
    return made


async def answer_of(bot: BotClient, activity: dict[str, Any]) -> tuple[int, Any, list[str]]:
    """HTTP status, body, and the texts the bot posted into the conversation meanwhile."""
    seen = len(bot.connector.posts())
    status, body = await bot.post(activity)
    texts = [str(p.body.get("text")) for p in bot.connector.posts()[seen:]]
    return status, body, texts


def assert_clear(status: int, body: Any, texts: list[str], what: Any) -> None:
    assert status < 500, (status, body, what)
    assert not INTERNAL & set(texts), ("an unexpected exception", what)
    if isinstance(body, dict) and "statusCode" in body:
        assert body["statusCode"] in (200, 400), (body, what)
    flat = json.dumps(body, ensure_ascii=False)
    assert not any(text in flat for text in INTERNAL), ("an unexpected exception", what)


def card_activity(
    bot: BotClient, transport: str, data: dict[str, Any], **kw: Any
) -> dict[str, Any]:
    url = bot.connector.url
    if transport == "execute":
        return a.execute(url, data, **kw)
    if transport == "fetch":
        return a.task_fetch(url, data, **kw)
    if transport == "submit":
        return a.task_submit(url, data, **kw)
    activity = a.message(url, "", **kw)
    activity["value"] = data
    return activity


REPORT_FIELDS = [field.name for field in FIELDS]
# The keys each action's handler reads (a new action, not listed, gets all of them): the fuzz
# sends mostly these, with plausible and broken values, plus unknown keys.
READS: dict[str, list[str]] = {
    "report": ["verb", "draft_id", "step", *REPORT_FIELDS],
    "observation.show": ["reference", "channel"],
    "acute.ack": ["reference", "channel"],
    "digest.run": ["from", "to", "phenomenon", "area", "service_area", "kind"],
    "export.link": ["from", "to", "format"],
    "schedule.save": list(SCHEDULE),
    "schedule.skip": list(SCHEDULE),
    "vartti.held": ["occurrence", "participants", "observations", "note"],
    "vartti.skip": ["occurrence"],
}
NUMBERS = [0, 1, 7, -1, 2**31, 2**63, 1e308, "7", "7.0", "inf", "-inf", "nan", "1e999", "0x10"]
DAYS = ["2026-03-02", "2026-03-08", "9999-12-31", "0001-01-01", "2026-02-30", "20260302", ""]
PLAUSIBLE: dict[str, list[Any]] = {
    "verb": ["start", "next", "back", "edit", "cancel", "submit", "resume", "delete", ""],
    "step": [None, 0, 1, 2, 3, 4, 5, 6, -1, "5", 4.5, True, 2**40],
    "occurrence": NUMBERS,
    "participants": NUMBERS,
    "observations": NUMBERS,
    "from": DAYS,
    "to": DAYS,
    "format": ["csv", "xlsx", "pdf", "", None],
    "lang": ["fi", "sv", "en", "de", "", 1],
    "channel": [True, False, "true", 1],
    **{name: [value, f"{value}x", ""] for name, value in SCHEDULE.items()},
}


# Action.Execute and Action.Submit reach the action; a Teams dialog's fetch and submit reach it
# only for actions with a dialog (any other opens or steps a report).
TRANSPORTS = [
    "execute",
    "execute",
    "execute",
    "submit-message",
    "submit-message",
    "fetch",
    "submit",
]


def plausible(key: str, forged: World, county_ids: dict[str, list[str]]) -> st.SearchStrategy:
    """Half the time a value of the key's own kind, else a forged id or anything."""
    own = list(PLAUSIBLE.get(key, [])) + county_ids.get(key, [])
    pool = st.sampled_from(own) if own else values
    return st.one_of(pool, pool, st.sampled_from(forged.ids), values)


@pytest.mark.parametrize("action", sorted(Action))
@given(st.data())
async def test_no_card_action_breaks_the_bot(
    bot: BotClient, action: Action, data: st.DataObject
) -> None:
    forged = await world(bot)
    assert action in bot.app[CONTAINER].actions.actions  # the table is what is fuzzed
    county = bot.app[SERVICES].county
    county_ids = {dim: sorted(county.ids_of(dim)) for dim in COUNTY_LISTS}
    transport = data.draw(st.sampled_from(TRANSPORTS), label="transport")
    user = data.draw(st.sampled_from(USERS), label="user")
    team = data.draw(st.booleans(), label="in a team channel")
    reads = READS.get(action, CARD_KEYS)
    if action in READS:  # each key the handler reads, three times in four
        chosen = {key for key in reads if data.draw(st.integers(0, 3), label=f"has {key}")}
    else:
        chosen = data.draw(st.sets(st.sampled_from(reads), min_size=1), label="keys")
    payload: dict[Any, Any] = {
        key: data.draw(plausible(key, forged, county_ids), label=key) for key in sorted(chosen)
    }
    payload.update(data.draw(st.dictionaries(keys, values, max_size=2), label="others"))
    payload[KEY] = action
    if action == "report" and data.draw(st.booleans(), label="one's own draft"):
        payload["draft_id"] = forged.own_drafts[user]
    before = await dump(bot.db)
    status, body, texts = await answer_of(
        bot, card_activity(bot, transport, payload, user=user, team=team)
    )
    assert_clear(status, body, texts, (transport, payload))
    wrong = changed_wrongly(before, await dump(bot.db), user)
    assert not wrong, (wrong, transport, payload)


def command_words() -> dict[Command, list[str]]:
    """Words that name each command of the table (every one must have some)."""
    words: dict[Command, list[str]] = {c: [] for c in Command}
    for command, names in {**commands_module._WORDS, **commands_module._WITH_ARGUMENTS}.items():
        words[command].extend(names)
    for loop, heads in processing_commands._HEADS.items():  # open, proposals, metrics, …
        words[Command(loop.value)].extend(heads)
    words[Command.RAKE_CHANNEL].extend(commands_module._RAKE_CHANNEL_WORDS)
    words[Command.LANGUAGE].extend(["kieli", "language", "språk"])
    words[Command.UNKNOWN].append("")
    return words


def test_every_command_of_the_table_is_fuzzed(bot: BotClient) -> None:
    words = command_words()
    assert all(words[c] for c in bot.app[CONTAINER].actions.commands)


@given(st.data())
async def test_no_typed_command_breaks_the_bot(bot: BotClient, data: st.DataObject) -> None:
    forged = await world(bot)
    command = data.draw(st.sampled_from(sorted(bot.app[CONTAINER].actions.commands)))
    head = data.draw(st.sampled_from(command_words()[command] or [""]), label="words")
    tail = data.draw(
        st.lists(st.text(max_size=30) | st.sampled_from(NASTY + [str(i) for i in forged.ids])),
        label="argument",
    )
    user = data.draw(st.sampled_from(USERS), label="user")
    team = data.draw(st.booleans(), label="in a team channel")
    message = " ".join([head, *tail])[:100_000]
    if team:
        message = f"<at>Rake</at> {message}"
    before = await dump(bot.db)
    status, body, texts = await answer_of(
        bot, a.message(bot.connector.url, message, user=user, team=team)
    )
    assert_clear(status, body, texts, message)
    after = await dump(bot.db)
    if command in (Command.ROLES, Command.RAKE_CHANNEL, Command.SCHEDULE, Command.LANGUAGE):
        return  # an admin's or a lead's valid command may change roles, settings, schedules
    wrong = changed_wrongly(before, after, user)
    assert not wrong, (wrong, message)


async def test_the_database_dump_sees_every_table(bot: BotClient) -> None:
    """The comparison above is only as good as the dump: it covers every table there is."""
    async with bot.db.engine.connect() as conn:
        if bot.db.dialect == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'table'"
        else:
            query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        names = {row[0] for row in await conn.execute(text(query))}
    assert names - {"alembic_version", "sqlite_sequence"} == set(await dump(bot.db))
