"""Proactive sending: acute-report alerts to the Rake channel and to named people."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from botframework.connector.models import ErrorResponseException

from bot.adapter import RakeAdapter
from bot.logs import exception_summary
from bot.report_flow import observation_view
from bot.services import Services
from cards.common import Card, Ctx
from cards.observation import acute_alert_card
from i18n import resolve_lang
from storage.conversations import Reference
from storage.models import Observation
from storage.notifications import NotificationRepository

log = logging.getLogger(__name__)
RETRYABLE = {412, 429, 502, 503, 504}
MAX_ATTEMPTS = 4


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


def _status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None) if response is not None else None


class Messenger:
    def __init__(self, adapter: RakeAdapter, services: Services) -> None:
        self._adapter = adapter
        self._s = services
        self._app_id = services.settings.app_id
        self.notifications = NotificationRepository(services.db)
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

    async def drain(self, seconds: float = 10.0) -> None:
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=seconds)

    async def _send_with_retry(self, send: Callable[[], Awaitable[None]]) -> tuple[int, str | None]:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                await send()
                return attempt, None
            except (TimeoutError, ErrorResponseException, OSError) as exc:
                status = _status(exc)
                final = status is not None and status not in RETRYABLE
                if final or attempt == MAX_ATTEMPTS:
                    return attempt, f"{type(exc).__name__} status={status}"
                await asyncio.sleep(retry_delay(exc, attempt))
        return MAX_ATTEMPTS, "unreachable"

    async def send_personal(self, ref: Reference, card: Card) -> None:
        conversation = ConversationReference(
            channel_id="msteams",
            service_url=ref.service_url,
            conversation=ConversationAccount(id=ref.conversation_id, tenant_id=ref.tenant_id),
            bot=ChannelAccount(id=ref.bot_id or self._app_id),
            user=ChannelAccount(id=ref.user_id or "", aad_object_id=ref.owner_id),
        )

        failures: list[Exception] = []

        async def callback(context: TurnContext) -> None:
            # Errors inside a proactive turn would go to the adapter's on_turn_error and be
            # swallowed; keep them, so the caller can retry or record the failure.
            try:
                await context.send_activity(
                    MessageFactory.attachment(CardFactory.adaptive_card(card))
                )
            except Exception as exc:
                failures.append(exc)

        await self._adapter.continue_conversation(conversation, callback, self._app_id)
        if failures:
            raise failures[0]

    async def post_to_channel(self, ref: Reference, card: Card) -> None:
        """A new thread in a channel (create_conversation, as Teams wants for channel posts)."""
        params = ConversationParameters(
            is_group=True,
            bot=ChannelAccount(id=ref.bot_id or self._app_id),
            channel_data={"channel": {"id": ref.owner_id}},
            activity=Activity(type="message", attachments=[CardFactory.adaptive_card(card)]),
            tenant_id=ref.tenant_id,
        )

        async def callback(_context: TurnContext) -> None:
            return None

        await self._adapter.create_conversation(
            self._app_id, callback, params, channel_id="msteams", service_url=ref.service_url
        )

    async def escalate(self, row: Observation) -> None:
        """Tell the county's escalation recipients of an acute report; record each delivery."""
        county = self._s.county
        targets: list[tuple[str, Reference | None, bool]] = []
        if county.escalation.rake_channel and county.rake_channel:
            ref = await self._s.conversations.get("channel", county.rake_channel.channel_id)
            targets.append((f"channel:{county.rake_channel.channel_id}", ref, True))
        for person in county.escalation.people:
            targets.append(
                (f"person:{person}", await self._s.conversations.get("personal", person), False)
            )
        ctx = Ctx(resolve_lang(county.languages[0]), self._s.catalog, county)
        view = observation_view(row, excerpt=200)
        for recipient, ref, is_channel in targets:
            claimed = await self.notifications.claim(row.id, recipient)
            if claimed is None:
                continue
            if ref is None:
                await self.notifications.finish(claimed, 0, "no conversation reference")
                log.warning("acute alert not delivered: no conversation for %s", recipient)
                continue
            target = ref

            card = acute_alert_card(ctx, view, in_channel=is_channel)

            async def send(
                target: Reference = target, is_channel: bool = is_channel, card: Card = card
            ) -> None:
                if is_channel:
                    await self.post_to_channel(target, card)
                else:
                    await self.send_personal(target, card)

            try:
                attempts, error = await self._send_with_retry(send)
            except Exception as exc:  # one failing recipient never stops the others
                attempts, error = 1, exception_summary(exc)
            await self.notifications.finish(claimed, attempts, error)
            log.info(
                "acute alert %s to %s attempts=%d error=%s",
                row.reference,
                recipient.split(":")[0],
                attempts,
                error,
            )
