"""What cards may show of stored observations: plain types, filled by bot/ and storage/."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ObservationView:
    """What a card may show of a stored observation."""

    reference: str
    created_at: datetime
    kind: str
    phenomenon: str
    area: str
    service_area: str
    status: str
    urgency: str
    acute_reason: str | None = None
    excerpt: str | None = None


@dataclass(frozen=True)
class Listed:
    """A line of the observation list under a digest (no reporter, a short excerpt)."""

    reference: str
    kind: str
    phenomenon: str
    area: str
    service_area: str
    extent: str | None
    urgency: str
    created_at: datetime
    excerpt: str
