"""The Teams adapter of the action table: greets, turns messages, card actions and Teams
dialogs into ``Turn``s, looks their handler up in the table (bot.actions) and wraps the reply
in the transport's answer. No feature logic lives here."""

from __future__ import annotations

import html
import logging
from typing import Any

from botbuilder.core import CardFactory, InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount

from bot.actions import ActionTable
from bot.preferences import Preferences
from bot.proactive import Messenger
from bot.report_flow import Origin, ReportFlow
from bot.team_events import TeamEvents
from bot.team_flow import TeamFlow
from bot.turn import Reply, Say, Turn, as_dict, team_id
from cards.common import Card
from cards.welcome import team_intro_card, welcome_card
from dialogs.actions import Action, action_of
from dialogs.commands import parse_command, strip_tags
from dialogs.report import MalformedInput
from storage.db import write_fault

log = logging.getLogger(__name__)
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
INVOKE_RESPONSE_KEY = TurnContext._INVOKE_RESPONSE_KEY


def _attachment(card: Card) -> dict[str, Any]:
    return {"contentType": CARD_CONTENT_TYPE, "content": card}


def _task(title: str, card: Card) -> dict[str, Any]:
    return {
        "task": {
            "type": "continue",
            "value": {
                "title": title,
                "height": "large",
                "width": "medium",
                "card": _attachment(card),
            },
        }
    }


def _task_message(text: str) -> dict[str, Any]:
    return {"task": {"type": "message", "value": text}}


def _execute_card(card: Card) -> dict[str, Any]:
    return {"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": card}


def _execute_message(message: str) -> dict[str, Any]:
    """An answer shown to the one who pressed the button; the card stays as it was."""
    return {
        "statusCode": 200,
        "type": "application/vnd.microsoft.activity.message",
        "value": message,
    }


def _execute_error(message: str) -> dict[str, Any]:
    return {
        "statusCode": 400,
        "type": "application/vnd.microsoft.error",
        "value": {"code": "BadRequest", "message": message},
    }


def _execute_reply(reply: Reply) -> dict[str, Any]:
    return _execute_message(reply.text) if isinstance(reply, Say) else _execute_card(reply)


def message_text(payload: Any) -> str:
    """Plain text of a message-action payload (HTML stripped; the author is never read)."""
    body = payload.get("body") if isinstance(payload, dict) else None
    content = body.get("content") if isinstance(body, dict) else None
    if not isinstance(content, str):
        return ""
    return html.unescape(strip_tags(content)).strip()[:2000]


class RakeBot(TeamEvents, TeamsActivityHandler):
    def __init__(
        self,
        actions: ActionTable,
        preferences: Preferences,
        messenger: Messenger,
        reports: ReportFlow,
        team_flow: TeamFlow,
    ) -> None:
        self._actions = actions
        self._prefs = preferences
        self._messenger = messenger
        self._reports = reports
        self._team_flow = team_flow

    async def on_turn(self, turn_context: TurnContext) -> None:
        try:
            await super().on_turn(turn_context)
            await self._prefs.save(turn_context)
        except Exception as exc:
            fault = write_fault(exc)
            if fault is None:
                raise
            await self._storage_failed(turn_context, fault)

    async def _storage_failed(self, turn_context: TurnContext, fault: str) -> None:
        """The database did not take the turn (disk full, read-only, its file gone): the user
        is told to try again (nothing was saved), readiness goes 503, never a 5xx here."""
        log.error("a turn could not be stored: %s", fault)
        ctx = self._prefs.locale_ctx(turn_context)  # the stored preference may be unreadable
        message = ctx.t("error.storage")
        activity = turn_context.activity
        if activity.type != ActivityTypes.invoke:
            await turn_context.send_activity(message)
            return
        if activity.name == "adaptiveCard/action":
            body: dict[str, Any] = _execute_message(message)
        else:
            body = _task_message(message)
        turn_context.turn_state[INVOKE_RESPONSE_KEY] = Activity(
            type=ActivityTypes.invoke_response, value=InvokeResponse(status=200, body=body)
        )

    async def _send(self, turn_context: TurnContext, reply: Reply) -> None:
        if isinstance(reply, Say):
            await turn_context.send_activity(reply.text)
            return
        attachment = CardFactory.adaptive_card(reply)
        await turn_context.send_activity(MessageFactory.attachment(attachment))

    async def _act(self, turn: Turn) -> Reply:
        """A card's action through the table; one nobody registered is told so."""
        entry = self._actions.for_action(action_of(turn.data))
        if entry is None:
            log.info("a card action nobody registered")
            return Say(turn.ctx.t("unknown.action"))
        return await entry.handler(turn)

    # --- install and greetings -------------------------------------------------------------
    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if not any(member.id == bot_id for member in members_added):
            return
        ctx = await self._prefs.ctx(turn_context)
        if team_id(turn_context.activity):
            await self._team_flow.installed(turn_context)
            await self._send(turn_context, team_intro_card(ctx))
        else:
            self._messenger.remember(turn_context.activity)
            await self._send(turn_context, welcome_card(ctx))

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        if team_id(turn_context.activity):
            await self._team_flow.installed(turn_context)
        else:
            self._messenger.remember(turn_context.activity)

    # --- messages: typed commands, and Action.Submit from a card in a conversation ----------
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        ctx = await self._prefs.ctx(turn_context)
        if isinstance(activity.value, dict) and activity.value.get("rake"):
            turn = Turn(turn_context, ctx, "execute", activity.value)
            try:
                reply = await self._act(turn)
            except MalformedInput as exc:
                log.info("rejected a malformed card submit")
                reply = Say(ctx.t(exc.key))
            await self._send(turn_context, reply)
            return
        self._messenger.remember(activity)
        parsed = parse_command(activity.text)
        handler = self._actions.for_command(parsed.command)
        turn = Turn(turn_context, ctx, "execute", argument=parsed.argument)
        reply = await handler(turn) if handler else Say(ctx.t("unknown.command"))
        await self._send(turn_context, reply)

    # --- invokes ---------------------------------------------------------------------------
    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        response = await self._invoke(turn_context)
        if response is not None:
            # Left where the adapter reads it; ActivityHandler would otherwise route it through
            # send_activity, which deep-copies the whole card for nothing.
            turn_context.turn_state[INVOKE_RESPONSE_KEY] = Activity(
                type=ActivityTypes.invoke_response, value=response
            )
            return response
        return await super().on_invoke_activity(turn_context)

    async def _invoke(self, turn_context: TurnContext) -> InvokeResponse | None:
        name = turn_context.activity.name or ""
        value = as_dict(turn_context.activity.value)
        card_data = as_dict(value.get("action")).get("data") or value.get("data")
        ctx = await self._prefs.ctx(turn_context, card_data)
        try:
            if name == "adaptiveCard/action":
                data = as_dict(as_dict(value.get("action")).get("data"))
                entry = self._actions.for_action(action_of(data))
                if entry is None:
                    log.info("an Action.Execute nobody registered")
                    return InvokeResponse(status=200, body=_execute_error(ctx.t("unknown.action")))
                reply = await entry.handler(Turn(turn_context, ctx, "execute", data))
                return InvokeResponse(status=200, body=_execute_reply(reply))
            if name == "task/fetch":
                body = await self._dialog(
                    Turn(turn_context, ctx, "submit", as_dict(value.get("data")))
                )
                return InvokeResponse(status=200, body=body)
            if name == "composeExtension/fetchTask":
                prefill = {"description": message_text(value.get("messagePayload"))}
                turn = Turn(turn_context, ctx, "submit")
                card = await self._reports.open(
                    ctx, "submit", turn.user_id, Origin("message", turn.team_id), prefill
                )
                return InvokeResponse(status=200, body=_task(ctx.t("dialog.title"), card))
            if name in ("task/submit", "composeExtension/submitAction"):
                turn = Turn(turn_context, ctx, "submit", as_dict(value.get("data")))
                return InvokeResponse(status=200, body=await self._dialog_step(turn))
        except MalformedInput as exc:
            log.info("rejected malformed %s invoke", name)
            message = ctx.t(exc.key)
            if name == "adaptiveCard/action":
                return InvokeResponse(status=200, body=_execute_error(message))
            return InvokeResponse(status=200, body=_task_message(message))
        return None

    async def _dialog(self, turn: Turn) -> dict[str, Any]:
        """A Teams dialog opened by a button: an action that has a dialog (the whole
        observation, a report); any other button of ours opens a report."""
        entry = self._actions.for_action(action_of(turn.data))
        if entry is None or entry.dialog_title is None:
            entry = self._actions.for_action(Action.REPORT_OPEN)
        assert entry is not None and entry.dialog_title is not None
        reply = await entry.handler(turn)
        if isinstance(reply, Say):
            return _task_message(reply.text)
        return _task(turn.ctx.t(entry.dialog_title), reply)

    async def _dialog_step(self, turn: Turn) -> dict[str, Any]:
        action = action_of(turn.data)
        if action is Action.REPORT_OPEN:  # a dialog opened by a plain submit
            return await self._dialog(turn)
        entry = self._actions.for_action(action)
        if action is not Action.REPORT and entry is not None and entry.dialog_title:
            return await self._dialog(turn)  # e.g. processing an observation inside a dialog
        result = await self._reports.act(turn.ctx, "submit", turn.user_id, turn.data)
        if result.finished:
            if result.reference:
                return _task_message(turn.ctx.t("dialog.submitted", reference=result.reference))
            return _task_message(turn.ctx.t("dialog.closed"))
        return _task(turn.ctx.t("dialog.title"), result.card)
