"""The activity handler: greets, answers commands, routes card actions to the report flow."""

from __future__ import annotations

import html
import logging
from typing import Any

from botbuilder.core import CardFactory, InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount

from bot.access import is_expert
from bot.digest_flow import DigestFlow
from bot.expert_flow import ExpertFlow
from bot.export_flow import ExportFlow
from bot.outbox_worker import OutboxWorker
from bot.proactive import Messenger
from bot.report_flow import FlowResult, Origin, ReportFlow
from bot.services import Services
from bot.team_events import TeamEvents
from bot.team_flow import TeamFlow
from bot.vartti_flow import VarttiFlow
from cards.common import Card, Ctx, Mode
from cards.digest import DIGEST_FILTER, DIGEST_RUN, EXPORT_LINK
from cards.observation import ACK as ACUTE_ACK
from cards.observation import SHOW as SHOW_OBSERVATION
from cards.welcome import help_card, notice_card, team_intro_card, welcome_card
from dialogs.commands import Command, parse_command, strip_tags
from dialogs.report import MalformedInput
from i18n import LANGS, Lang, resolve_lang
from storage.conversations import Reference

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


def _channel_id(activity: Activity) -> str | None:
    """The channel a message or card action came from; None in personal and group chat."""
    conversation = activity.conversation
    if not (conversation and conversation.conversation_type == "channel"):
        return None
    channel = _dict(_channel_data(activity).get("channel")).get("id")
    return str(channel) if channel else (_team_id(activity) or "")


def _execute_error(message: str) -> dict[str, Any]:
    return {
        "statusCode": 400,
        "type": "application/vnd.microsoft.error",
        "value": {"code": "BadRequest", "message": message},
    }


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _user_id(activity: Activity) -> str:
    sender = activity.from_property
    return (sender.aad_object_id or sender.id) if sender else ""


def _channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    return data if isinstance(data, dict) else {}


def _team_id(activity: Activity) -> str | None:
    team = _channel_data(activity).get("team")
    return team.get("id") if isinstance(team, dict) else None


def message_text(payload: Any) -> str:
    """Plain text of a message-action payload (HTML stripped; the author is never read)."""
    body = payload.get("body") if isinstance(payload, dict) else None
    content = body.get("content") if isinstance(body, dict) else None
    if not isinstance(content, str):
        return ""
    return html.unescape(strip_tags(content)).strip()[:2000]


class RakeBot(TeamEvents, TeamsActivityHandler):
    def __init__(self, services: Services, messenger: Messenger, outbox: OutboxWorker) -> None:
        self._s = services
        self._messenger = messenger
        self._outbox = outbox
        self._flow = ReportFlow(services)
        self._experts = ExpertFlow(services)
        self._team_flow = TeamFlow(services)
        self.vartti = VarttiFlow(services, outbox.outbox, self._team_flow.teams)
        self.digests = DigestFlow(services, outbox.outbox)
        self.exports = ExportFlow(services)
        self._lang_pref = services.user_state.create_property("lang")

    async def on_turn(self, turn_context: TurnContext) -> None:
        await super().on_turn(turn_context)
        await self._s.user_state.save_changes(turn_context)

    # --- context ---------------------------------------------------------------------------
    async def _ctx(self, turn_context: TurnContext, card_data: Any = None) -> Ctx:
        """The language: a card's own (its buttons carry it), else the stored preference,
        else the Teams locale of the activity, else the county's first language."""
        card_lang = _dict(card_data).get("lang")
        if card_lang in LANGS:
            return Ctx(card_lang, self._s.catalog, self._s.county)
        preferred = await self._lang_pref.get(turn_context, None)
        county_default = resolve_lang(self._s.county.languages[0])
        lang: Lang = resolve_lang(preferred or turn_context.activity.locale, county_default)
        return Ctx(lang, self._s.catalog, self._s.county)

    async def _remember(self, turn_context: TurnContext) -> None:
        """Store where this person can be reached in personal chat (once per process; the
        write happens after the turn, off the worker's path)."""
        activity = turn_context.activity
        conversation = activity.conversation
        user = _user_id(activity)
        if not user or user in self._s.known_refs or conversation is None:
            return
        if conversation.conversation_type not in (None, "personal"):
            return
        self._s.known_refs.add(user)
        ref = Reference(
            scope="personal",
            owner_id=user,
            conversation_id=conversation.id,
            service_url=activity.service_url,
            tenant_id=conversation.tenant_id,
            bot_id=activity.recipient.id if activity.recipient else None,
            user_id=activity.from_property.id if activity.from_property else None,
        )
        self._messenger.spawn(self._s.conversations.upsert(ref))

    async def _send_card(self, turn_context: TurnContext, card: Card) -> None:
        await turn_context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(card)))

    # --- install and greetings -------------------------------------------------------------
    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if not any(member.id == bot_id for member in members_added):
            return
        ctx = await self._ctx(turn_context)
        if _team_id(turn_context.activity):
            await self._team_flow.installed(turn_context)
            await self._send_card(turn_context, team_intro_card(ctx))
        else:
            await self._remember(turn_context)
            await self._send_card(turn_context, welcome_card(ctx))

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        if _team_id(turn_context.activity):
            await self._team_flow.installed(turn_context)
        else:
            await self._remember(turn_context)

    # --- messages --------------------------------------------------------------------------
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        ctx = await self._ctx(turn_context)
        if isinstance(activity.value, dict) and activity.value.get("rake"):
            await self._on_card_submit(turn_context, ctx, activity.value)
            return
        await self._remember(turn_context)
        parsed = parse_command(activity.text)
        user = _user_id(activity)
        if parsed.command is Command.HELP:
            await self._send_card(turn_context, help_card(ctx))
        elif parsed.command is Command.REPORT:
            await self._start_report_here(turn_context, ctx)
        elif parsed.command is Command.RESUME:
            card = await self._flow.resume_latest(ctx, "execute", user)
            await self._send_card(turn_context, card or notice_card(ctx, "report.no_draft"))
        elif parsed.command is Command.MINE:
            await self._send_card(turn_context, await self._flow.my_reports(ctx, user))
        elif parsed.command is Command.SCHEDULE:
            await self._send_card(turn_context, await self._schedule(turn_context, ctx))
        elif parsed.command is Command.DIGEST:
            card = await self.digests.pull(ctx, user, parsed.argument or "", _channel_id(activity))
            await self._send_card(turn_context, card)
        elif parsed.command is Command.EXPORT:
            await self._send_card(
                turn_context,
                await self.exports.typed(ctx, user, parsed.argument, self.digests.today()),
            )
        elif parsed.command is Command.RAKE_CHANNEL:
            await self._send_card(turn_context, await self._set_rake_channel(turn_context, ctx))
        elif parsed.command is Command.ROLES:
            await self._send_card(
                turn_context, await self._experts.roles(ctx, user, parsed.argument)
            )
        elif parsed.command is Command.LANGUAGE and parsed.argument:
            await self._lang_pref.set(turn_context, parsed.argument)
            ctx = Ctx(resolve_lang(parsed.argument), ctx.catalog, ctx.county)
            await turn_context.send_activity(ctx.t("language.changed"))
        else:
            await turn_context.send_activity(ctx.t("unknown.command"))

    async def _set_rake_channel(self, turn_context: TurnContext, ctx: Ctx) -> Card:
        """An expert typed "rakekanava" in a channel: this channel becomes the Rake channel."""
        activity = turn_context.activity
        team_id = _team_id(activity)
        channel = _dict(_channel_data(activity).get("channel"))
        channel_id = channel.get("id")
        user = _user_id(activity)
        if not team_id or not channel_id:
            return notice_card(ctx, "rake_channel.in_channel_only")
        if not await is_expert(self._s, user):
            return notice_card(ctx, "access.experts_only")
        tenant = _dict(_channel_data(activity).get("tenant")).get("id")
        await self._s.conversations.upsert(
            Reference(
                scope="channel",
                owner_id=channel_id,
                conversation_id=channel_id,
                service_url=activity.service_url,
                tenant_id=tenant,
                team_id=team_id,
                bot_id=activity.recipient.id if activity.recipient else None,
            )
        )
        await self._s.app_settings.put(
            "rake_channel", {"team_id": team_id, "channel_id": channel_id}, user
        )
        log.info("the Rake channel was set by an expert")
        return notice_card(ctx, "rake_channel.set")

    async def _schedule(
        self, turn_context: TurnContext, ctx: Ctx, data: dict[str, Any] | None = None
    ) -> Card:
        """The team's schedule card; saving and skipping for team owners and leads only."""
        team_id = _team_id(turn_context.activity)
        if not team_id:
            return notice_card(ctx, "schedule.in_team_only")
        user = _user_id(turn_context.activity)
        if not self._team_flow.may_schedule(user):
            return notice_card(ctx, "schedule.leads_only")
        if data is None:
            here = _dict(_channel_data(turn_context.activity).get("channel")).get("id")
            return await self.vartti.schedule_card(ctx, team_id, here)
        if data.get("rake") == "schedule.skip":
            return await self.vartti.skip_next(ctx, team_id)
        card = await self.vartti.save_schedule(ctx, team_id, user, data)
        self._outbox.wake()
        return card

    async def _start_report_here(self, turn_context: TurnContext, ctx: Ctx) -> None:
        """Typed "raportoi": in a channel, offer the dialog; in chat, start the card steps."""
        team_id = _team_id(turn_context.activity)
        if team_id:
            await self._send_card(turn_context, team_intro_card(ctx))
            return
        card = await self._flow.open(
            ctx, "execute", _user_id(turn_context.activity), Origin("chat"), None
        )
        await self._send_card(turn_context, card)

    async def _on_card_submit(
        self, turn_context: TurnContext, ctx: Ctx, value: dict[str, Any]
    ) -> None:
        """Action.Submit from a card in a conversation (clients without Action.Execute)."""
        card = await self._card_action(ctx, "execute", turn_context, value)
        await self._send_card(turn_context, card)

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
        value = _dict(turn_context.activity.value)
        card_data = _dict(value.get("action")).get("data") or value.get("data")
        ctx = await self._ctx(turn_context, card_data)
        try:
            if name == "adaptiveCard/action":
                data = _dict(_dict(value.get("action")).get("data"))
                if data.get("rake") == ACUTE_ACK:
                    return InvokeResponse(
                        status=200, body=await self._acknowledge(turn_context, ctx, data)
                    )
                card = await self._card_action(ctx, "execute", turn_context, data)
                return InvokeResponse(status=200, body=_execute_card(card))
            if name == "task/fetch":
                fetch_data = _dict(value.get("data"))
                if fetch_data.get("rake") == SHOW_OBSERVATION:
                    card = await self._experts.show_observation(
                        ctx, _user_id(turn_context.activity), fetch_data
                    )
                    return InvokeResponse(status=200, body=_task(ctx.t("acute.open"), card))
                return InvokeResponse(
                    status=200, body=await self._dialog_from_card(turn_context, ctx, fetch_data)
                )
            if name == "composeExtension/fetchTask":
                prefill = {"description": message_text(value.get("messagePayload"))}
                return InvokeResponse(
                    status=200,
                    body=await self._dialog_open(turn_context, ctx, prefill, origin="message"),
                )
            if name in ("task/submit", "composeExtension/submitAction"):
                return InvokeResponse(
                    status=200,
                    body=await self._dialog_step(turn_context, ctx, _dict(value.get("data"))),
                )
        except MalformedInput as exc:
            log.info("rejected malformed %s invoke", name)
            message = ctx.t(exc.key)
            if name == "adaptiveCard/action":
                return InvokeResponse(status=200, body=_execute_error(message))
            return InvokeResponse(status=200, body=_task_message(message))
        return None

    async def _card_action(
        self, ctx: Ctx, mode: Mode, turn_context: TurnContext, data: dict[str, Any]
    ) -> Card:
        user = _user_id(turn_context.activity)
        kind = data.get("rake")
        if kind == "report.start":
            await self._remember(turn_context)
            return await self._flow.open(ctx, mode, user, Origin("chat"), None)
        if kind == "reports.mine":
            return await self._flow.my_reports(ctx, user)
        if kind == SHOW_OBSERVATION:
            return await self._experts.show_observation(ctx, user, data)
        if kind == DIGEST_FILTER:
            return await self.digests.filter(ctx, user)
        if kind == DIGEST_RUN:
            return await self.digests.run_filter(
                ctx, user, data, _channel_id(turn_context.activity)
            )
        if kind == EXPORT_LINK:
            return await self.exports.link(ctx, user, data)
        if kind in ("schedule.save", "schedule.skip"):
            return await self._schedule(turn_context, ctx, data)
        if kind == "vartti.held":
            return await self.vartti.held(ctx, _team_id(turn_context.activity), data)
        if kind == "vartti.skip":
            return await self.vartti.skip(ctx, _team_id(turn_context.activity), data)
        if kind == "report":
            result = await self._flow.act(ctx, mode, user, data)
            await self._after(result)
            return result.card
        raise MalformedInput()

    async def _acknowledge(
        self, turn_context: TurnContext, ctx: Ctx, data: dict[str, Any]
    ) -> dict[str, Any]:
        sender = turn_context.activity.from_property
        card = await self.digests.acknowledge(
            ctx, _user_id(turn_context.activity), sender.name if sender else None, data
        )
        if card is None:
            return _execute_message(ctx.t("acute.ack_refused"))
        return _execute_card(card)

    async def _after(self, result: FlowResult) -> None:
        if result.enqueued:
            self._outbox.wake()

    async def _dialog_open(
        self,
        turn_context: TurnContext,
        ctx: Ctx,
        prefill: dict[str, Any] | None,
        origin: str = "team",
    ) -> dict[str, Any]:
        activity = turn_context.activity
        team_id = _team_id(activity)
        kind = origin if origin == "message" else ("team" if team_id else "chat")
        card = await self._flow.open(
            ctx, "submit", _user_id(activity), Origin(kind, team_id), prefill
        )
        return _task(ctx.t("dialog.title"), card)

    async def _dialog_from_card(
        self, turn_context: TurnContext, ctx: Ctx, data: dict[str, Any]
    ) -> dict[str, Any]:
        """A report dialog opened from a card's button: from a vartti prompt, or the team's."""
        origin = "vartti" if data.get("vartti") else "team"
        return await self._dialog_open(turn_context, ctx, None, origin)

    async def _dialog_step(
        self, turn_context: TurnContext, ctx: Ctx, data: dict[str, Any]
    ) -> dict[str, Any]:
        if data.get("rake") == "report.open":  # a dialog opened by a plain submit button
            return await self._dialog_from_card(turn_context, ctx, data)
        result = await self._flow.act(ctx, "submit", _user_id(turn_context.activity), data)
        await self._after(result)
        if result.finished:
            if result.reference:
                return _task_message(ctx.t("dialog.submitted", reference=result.reference))
            return _task_message(ctx.t("dialog.closed"))
        return _task(ctx.t("dialog.title"), result.card)
