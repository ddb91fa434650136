"""Observation rows as the cards' view of them."""

from __future__ import annotations

from cards.report import ObservationView
from storage.models import Observation


def observation_view(row: Observation, excerpt: int = 0) -> ObservationView:
    text = None
    if excerpt and row.description:
        text = row.description[:excerpt] + ("…" if len(row.description) > excerpt else "")
    return ObservationView(
        reference=row.reference,
        created_at=row.created_at,
        kind=row.kind,
        phenomenon=row.phenomenon,
        area=row.area,
        service_area=row.service_area,
        status=row.status,
        urgency=row.urgency,
        acute_reason=row.acute_reason,
        excerpt=text,
    )
