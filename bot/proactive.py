"""Proactive sending primitives (a new thread in a channel, a message in personal chat) and
background tasks. Delivery with retries and limits is the outbox worker's."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable
from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)

from bot.adapter import RakeAdapter
from bot.logs import exception_summary
from bot.services import Services
from bot.turn import user_id
from cards.common import Card
from storage.conversations import Reference

log = logging.getLogger(__name__)
RETRYABLE = {412, 429, 502, 503, 504}


def retry_delay(exc: BaseException, attempt: int) -> float:
    """Retry-After when the service gives one (capped), else exponential backoff with jitter."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    retry_after = headers.get("Retry-After")
    if retry_after is not None:
        try:
            return min(60.0, max(0.0, float(retry_after)))
        except ValueError:
            pass  # an HTTP date: fall back to backoff
    return min(30.0, 0.5 * 2**attempt) * (0.5 + random.random())


def status_of(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None) if response is not None else None


class Messenger:
    def __init__(self, adapter: RakeAdapter, services: Services) -> None:
        self._adapter = adapter
        self._s = services
        self._app_id = services.settings.app_id
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Awaitable[Any]) -> None:
        """Run in the background; kept referenced until done, awaited on shutdown."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        error = None if task.cancelled() else task.exception()
        if error is not None:
            log.error("background send failed: %s", exception_summary(error))

    def remember(self, activity: Activity) -> None:
        """Store where this person can be reached in personal chat (once per process; the
        write happens after the turn, off the worker's path)."""
        conversation = activity.conversation
        user = user_id(activity)
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
        self.spawn(self._s.conversations.upsert(ref))

    async def drain(self, seconds: float = 10.0) -> None:
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=seconds)

    async def send_personal(self, ref: Reference, card: Card) -> str | None:
        conversation = ConversationReference(
            channel_id="msteams",
            service_url=ref.service_url,
            conversation=ConversationAccount(id=ref.conversation_id, tenant_id=ref.tenant_id),
            bot=ChannelAccount(id=ref.bot_id or self._app_id),
            user=ChannelAccount(id=ref.user_id or "", aad_object_id=ref.owner_id),
        )

        failures: list[Exception] = []
        sent: list[str | None] = []

        async def callback(context: TurnContext) -> None:
            # Errors inside a proactive turn would go to the adapter's on_turn_error and be
            # swallowed; keep them, so the caller can retry or record the failure.
            try:
                response = await context.send_activity(
                    MessageFactory.attachment(CardFactory.adaptive_card(card))
                )
                sent.append(response.id if response else None)
            except Exception as exc:
                failures.append(exc)

        await self._adapter.continue_conversation(conversation, callback, self._app_id)
        if failures:
            raise failures[0]
        return sent[0] if sent else None

    async def post_to_channel(self, ref: Reference, card: Card) -> str | None:
        """A new thread in a channel; returns the thread's conversation id."""
        return (await self.post_to_channel_ids(ref, card))[0]

    async def post_to_channel_ids(
        self, ref: Reference, card: Card
    ) -> tuple[str | None, str | None]:
        """A new thread in a channel (create_conversation, as Teams wants for channel posts);
        returns the thread's conversation id and the posted activity's id."""
        params = ConversationParameters(
            is_group=True,
            bot=ChannelAccount(id=ref.bot_id or self._app_id),
            channel_data={"channel": {"id": ref.owner_id}},
            activity=Activity(type="message", attachments=[CardFactory.adaptive_card(card)]),
            tenant_id=ref.tenant_id,
        )

        created: list[tuple[str, str | None]] = []

        async def callback(context: TurnContext) -> None:
            created.append((context.activity.conversation.id, context.activity.id))

        await self._adapter.create_conversation(
            self._app_id, callback, params, channel_id="msteams", service_url=ref.service_url
        )
        return created[0] if created else (None, None)

    async def update_card(
        self, ref: Reference, conversation_id: str, activity_id: str, card: Card
    ) -> None:
        """Replace a posted card in place (the Rake channel's daily card)."""
        conversation = ConversationReference(
            channel_id="msteams",
            service_url=ref.service_url,
            conversation=ConversationAccount(id=conversation_id, tenant_id=ref.tenant_id),
            bot=ChannelAccount(id=ref.bot_id or self._app_id),
        )
        failures: list[Exception] = []

        async def callback(context: TurnContext) -> None:
            try:
                activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
                activity.id = activity_id
                await context.update_activity(activity)
            except Exception as exc:
                failures.append(exc)

        await self._adapter.continue_conversation(conversation, callback, self._app_id)
        if failures:
            raise failures[0]
