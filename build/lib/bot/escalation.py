"""Acute reports: one outbox item per escalation recipient, sent at once by the outbox worker."""

from __future__ import annotations

import logging

from bot.access import rake_channel_id
from bot.outbox_worker import reference_payload
from bot.report_flow import observation_view
from bot.services import Services
from cards.common import Ctx
from cards.observation import acute_alert_card
from i18n import resolve_lang
from storage.models import Observation
from storage.outbox import Outbox

log = logging.getLogger(__name__)


async def enqueue_acute(
    services: Services, outbox: Outbox, row: Observation, reminder: bool = False
) -> int:
    """Enqueue the alert (or its one reminder) for the Rake channel and the named people;
    returns how many."""
    county = services.county
    ctx = Ctx(resolve_lang(county.languages[0]), services.catalog, county)
    view = observation_view(row, excerpt=200)
    targets = []
    channel_id = await rake_channel_id(services)
    if county.escalation.rake_channel and channel_id:
        targets.append(("channel", channel_id))
    targets += [("personal", person) for person in county.escalation.people]
    queued = 0
    prefix = "acute-reminder" if reminder else "acute"
    for scope, owner in targets:
        ref = await services.conversations.get(scope, owner)
        if ref is None:
            log.warning("acute alert %s: no conversation with a %s recipient", row.reference, scope)
            continue
        card = acute_alert_card(ctx, view, in_channel=scope == "channel", reminder=reminder)
        added = await outbox.add(
            f"{prefix}:{row.reference}:{scope}:{owner}",
            "acute_reminder" if reminder else "acute_alert",
            ref.conversation_id,
            {"target": reference_payload(ref), "card": card},
        )
        queued += added is not None
    return queued
