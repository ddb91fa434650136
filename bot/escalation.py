"""Acute reports: one outbox item per escalation recipient, sent at once by the outbox worker.

The alert of a new acute report is enqueued in the transaction that stores the report
(``ObservationRepository.submit(items=...)``): the recipients are looked up first, and the
items are built from the stored row inside the transaction. Reminders are enqueued alone."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.access import rake_channel_id
from bot.outbox_worker import reference_payload
from bot.services import Services
from bot.views import observation_view
from cards.common import Ctx
from cards.observation import acute_alert_card
from i18n import resolve_lang
from storage.conversations import Reference
from storage.models import Observation
from storage.outbox import NewItem, Outbox

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


async def enqueue_acute(
    services: Services, outbox: Outbox, row: Observation, reminder: bool = False
) -> int:
    """Enqueue the alert (or its one reminder) on its own; returns how many were new."""
    queued = 0
    for item in alert_items(services, await recipients(services), row, reminder):
        added = await outbox.add(item.dedupe_key, item.kind, item.conversation_key, item.payload)
        queued += added is not None
    return queued
