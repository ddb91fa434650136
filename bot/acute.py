"""Acute reports: the alert (one outbox item per escalation recipient, sent at once by the
outbox worker), the first acknowledgement, and the one reminder when nobody acknowledged.

The alert of a new acute report is enqueued in the transaction that stores the report
(``ObservationRepository.submit(items=...)``): the recipients are looked up first, and the
items are built from the stored row inside the transaction. Reminders are enqueued alone."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.access import is_expert, rake_channel_id
from bot.outbox_worker import reference_payload
from bot.services import Services
from bot.views import observation_view
from cards.common import Card, Ctx
from cards.digest import fmt_day
from cards.observation import acute_alert_card
from i18n import resolve_lang
from storage.acute import AcuteRepository
from storage.conversations import Reference
from storage.models import Observation
from storage.outbox import NewItem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    scope: str  # channel | personal
    owner: str
    ref: Reference | None


async def recipients(services: Services) -> list[Recipient]:
    """The Rake channel (when the county escalates there and it is known) and the named people."""
    county = services.county
    targets: list[tuple[str, str]] = []
    channel_id = await rake_channel_id(services)
    if county.escalation.rake_channel and channel_id:
        targets.append(("channel", channel_id))
    targets += [("personal", person) for person in county.escalation.people]
    return [
        Recipient(scope, owner, await services.conversations.get(scope, owner))
        for scope, owner in targets
    ]


def alert_items(
    services: Services, targets: list[Recipient], row: Observation, reminder: bool = False
) -> list[NewItem]:
    """The alert (or its one reminder) for each recipient that can be reached (pure)."""
    county = services.county
    ctx = Ctx(resolve_lang(county.languages[0]), services.catalog, county)
    view = observation_view(row, excerpt=200)
    prefix = "acute-reminder" if reminder else "acute"
    items = []
    for target in targets:
        if target.ref is None:
            log.warning(
                "acute alert %s: no conversation with a %s recipient", row.reference, target.scope
            )
            continue
        card = acute_alert_card(ctx, view, in_channel=target.scope == "channel", reminder=reminder)
        items.append(
            NewItem(
                f"{prefix}:{row.reference}:{target.scope}:{target.owner}",
                "acute_reminder" if reminder else "acute_alert",
                target.ref.conversation_id,
                {"target": reference_payload(target.ref), "card": card},
            )
        )
    return items


async def enqueue_acute(services: Services, row: Observation, reminder: bool = False) -> int:
    """Enqueue the alert (or its one reminder) on its own; returns how many were new."""
    queued = 0
    for item in alert_items(services, await recipients(services), row, reminder):
        added = await services.outbox.add(
            item.dedupe_key, item.kind, item.conversation_key, item.payload
        )
        queued += added is not None
    return queued


class AcuteFlow:
    """ "Acknowledged" on an alert, and the reminder job."""

    def __init__(self, services: Services) -> None:
        self._s = services
        self.repo = AcuteRepository(services.db)
        self.tz = ZoneInfo(services.county.timezone)

    async def acknowledge(
        self, ctx: Ctx, user_id: str, user_name: str | None, data: dict[str, Any]
    ) -> Card | None:
        """The first acknowledgement wins and is shown on the card; None = not allowed."""
        reference = data.get("reference")
        county = self._s.county
        if not isinstance(reference, str) or len(reference) > 32:
            return None
        allowed = await is_expert(self._s, user_id) or user_id in county.escalation.people
        if not allowed:
            return None
        now = self._s.clock()
        row = await self.repo.acknowledge(reference, user_id, now)
        if row is None:
            return None
        when = row.acknowledged_at or now
        who = user_name if row.acknowledged_by == user_id and user_name else ctx.t("acute.someone")
        local = when.astimezone(self.tz)
        stamp = f"{fmt_day(local.date())} {local:%H.%M}"
        return acute_alert_card(
            ctx,
            observation_view(row, excerpt=200),
            in_channel=bool(data.get("channel")),
            acknowledged=(who, stamp),
        )

    async def remind_unacknowledged(self, now: datetime | None = None) -> int:
        """Acute reports nobody acknowledged in time: one reminder to the recipients."""
        now = now or self._s.clock()
        limit = now - timedelta(minutes=self._s.county.escalation.remind_after_minutes)
        reminded = 0
        for row in await self.repo.unacknowledged(limit):
            if not await self.repo.claim_reminder(row.id, now):
                continue  # another replica reminds
            reminded += await enqueue_acute(self._s, row, reminder=True)
        return reminded
