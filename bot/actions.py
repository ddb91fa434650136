"""The action table: every card action (``dialogs.actions.Action``) and every typed command
(``dialogs.commands.Command``) has one handler, registered here in one line each. The
activity handler (bot.handler) only looks them up; an action nobody registered gets the
"unknown action" reply.

A handler takes a ``Turn`` and returns a card or a ``Say`` (a plain message). Adding one:
write the handler in the flow it belongs to and add ``table.action(Action.X, flow.x)`` (or
``table.command(...)``) in ``build_actions`` below."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.processing_flow import VERBS as LOOP_VERBS
from bot.report_flow import Origin
from bot.turn import Reply, Say, Turn
from cards.common import Card
from cards.welcome import help_card, notice_card, team_intro_card
from dialogs.actions import Action
from dialogs.commands import Command
from dialogs.processing_commands import LoopCommand, loop_arguments

if TYPE_CHECKING:
    from bot.container import Container

Handler = Callable[[Turn], Awaitable[Reply]]


@dataclass(frozen=True)
class Entry:
    handler: Handler
    dialog_title: str | None = None  # the catalog key of its title when shown in a Teams dialog


class ActionTable:
    def __init__(self) -> None:
        self._actions: dict[Action, Entry] = {}
        self._commands: dict[Command, Handler] = {}

    def action(self, name: Action, handler: Handler, dialog_title: str | None = None) -> None:
        if name in self._actions:
            raise ValueError(f"the action {name} is registered twice")
        self._actions[name] = Entry(handler, dialog_title)

    def command(self, name: Command, handler: Handler) -> None:
        if name in self._commands:
            raise ValueError(f"the command {name} is registered twice")
        self._commands[name] = handler

    def for_action(self, name: Action | None) -> Entry | None:
        return self._actions.get(name) if name is not None else None

    def for_command(self, name: Command) -> Handler | None:
        return self._commands.get(name)

    @property
    def actions(self) -> set[Action]:
        return set(self._actions)

    @property
    def commands(self) -> set[Command]:
        return set(self._commands)


def build_actions(c: Container) -> ActionTable:
    """The whole table, from the flows the composition root built."""
    table = ActionTable()
    report, experts, team, vartti = c.reports, c.experts, c.team, c.vartti

    async def report_step(turn: Turn) -> Reply:
        return (await report.act(turn.ctx, turn.mode, turn.user_id, turn.data)).card

    async def report_start(turn: Turn) -> Reply:
        c.messenger.remember(turn.activity)
        return await report.open(turn.ctx, turn.mode, turn.user_id, Origin("chat"), None)

    async def report_open(turn: Turn) -> Reply:
        """A report in a Teams dialog, opened from a card's button (a vartti prompt, a team's)."""
        origin = Origin("team" if turn.team_id else "chat", turn.team_id)
        return await report.open(turn.ctx, "submit", turn.user_id, origin, None)

    async def mine(turn: Turn) -> Reply:
        return await report.my_reports(turn.ctx, turn.user_id)

    async def acknowledge(turn: Turn) -> Reply:
        card = await c.acute.acknowledge(turn.ctx, turn.user_id, turn.user_name, turn.data)
        return card if card is not None else Say(turn.ctx.t("acute.ack_refused"))

    async def typed_report(turn: Turn) -> Reply:
        """In a channel, offer the dialog; in chat, start the card steps."""
        if turn.team_id:
            return team_intro_card(turn.ctx)
        return await report.open(turn.ctx, "execute", turn.user_id, Origin("chat"), None)

    async def resume(turn: Turn) -> Reply:
        card = await report.resume_latest(turn.ctx, "execute", turn.user_id)
        return card or notice_card(turn.ctx, "report.no_draft")

    async def help_(turn: Turn) -> Card:
        return help_card(turn.ctx)

    async def unknown(turn: Turn) -> Reply:
        return Say(turn.ctx.t("unknown.command"))

    a = table.action
    a(Action.REPORT, report_step)
    a(Action.REPORT_START, report_start)
    a(Action.REPORT_OPEN, report_open, dialog_title="dialog.title")
    a(Action.REPORTS_MINE, mine)
    a(
        Action.OBSERVATION_SHOW,
        lambda t: experts.show_observation(t.ctx, t.user_id, t.data),
        dialog_title="acute.open",
    )
    a(Action.ACUTE_ACK, acknowledge)
    a(Action.DIGEST_FILTER, lambda t: c.digest_flow.filter(t.ctx, t.user_id))
    a(Action.DIGEST_RUN, lambda t: c.digest_flow.run_filter(t.ctx, t.user_id, t.data, t.channel_id))
    a(Action.EXPORT_LINK, lambda t: c.exports.link(t.ctx, t.user_id, t.data))
    a(Action.SCHEDULE_SAVE, lambda t: team.schedule(t, t.data))
    a(Action.SCHEDULE_SKIP, lambda t: team.schedule(t, t.data))
    a(Action.VARTTI_HELD, lambda t: vartti.held(t.ctx, t.team_id, t.data))
    a(Action.VARTTI_SKIP, lambda t: vartti.skip(t.ctx, t.team_id, t.data))

    loop = c.loop.flow

    async def loop_action(turn: Turn) -> Reply:
        return await loop.act(turn.ctx, turn.mode, turn.user_id, turn.data)

    for name in sorted(LOOP_VERBS):  # processing, phenomena, proposals, follow-up, the draft
        a(Action(name), loop_action, dialog_title="dialog.title")

    def loop_command(command: Command) -> Handler:
        async def run(turn: Turn) -> Reply:
            parsed = loop_arguments(LoopCommand(command.value), turn.argument)
            if parsed is None:
                return Say(turn.ctx.t("unknown.command"))
            return await loop.command(turn.ctx, turn.user_id, parsed, turn.channel_id is not None)

        return run

    cmd = table.command
    for command in (
        Command.OPEN,
        Command.PROPOSALS,
        Command.PHENOMENA,
        Command.METRICS,
        Command.REPORT_DRAFT,
    ):
        cmd(command, loop_command(command))
    cmd(Command.HELP, help_)
    cmd(Command.REPORT, typed_report)
    cmd(Command.RESUME, resume)
    cmd(Command.MINE, mine)
    cmd(Command.SCHEDULE, lambda t: team.schedule(t, None))
    cmd(
        Command.DIGEST,
        lambda t: c.digest_flow.pull(t.ctx, t.user_id, t.argument or "", t.channel_id),
    )
    cmd(
        Command.EXPORT,
        lambda t: c.exports.typed(t.ctx, t.user_id, t.argument, c.digests.today()),
    )
    cmd(Command.RAKE_CHANNEL, experts.set_rake_channel)
    cmd(Command.ROLES, lambda t: experts.roles(t.ctx, t.user_id, t.argument))
    cmd(Command.LANGUAGE, c.preferences.change_language)
    cmd(Command.UNKNOWN, unknown)
    return table
