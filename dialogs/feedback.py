"""Feedback to the reporter (the VASSO promise): a short personal message when their observation
is grouped into a phenomenon, included in a summary, leads to a proposal, and when that
proposal's follow-up is answered. Never for anonymous reports; at most one message a day per
person — whatever happened meanwhile waits and goes out together the next day.

Pure: events come in as data, messages go out as data; the storage layer queues and marks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from dialogs.processing import FeedbackEvent
from dialogs.vocabulary import ERASED

MAX_LINES = 10  # a message lists at most this many happenings (the rest: "and N more")


def wants_feedback(anonymous: bool, reporter_id: str | None) -> bool:
    """Anonymous reports are never followed up towards their reporter (nor are reports without
    a person behind them, e.g. made on a team's behalf with no account id, or whose reporter
    was erased)."""
    return not anonymous and bool(reporter_id) and reporter_id != ERASED


def dedupe_key(observation_id: int, event: FeedbackEvent, ref: str) -> str:
    """The same happening is queued once (a double click, two replicas)."""
    return f"{observation_id}:{event.value}:{ref}"[:200]


@dataclass(frozen=True)
class Pending:
    """A queued happening, not yet told."""

    id: int
    recipient_id: str
    reference: str  # the observation's RAKE-… reference
    event: FeedbackEvent
    detail: dict[str, Any]
    locale: str
    created_at: datetime


@dataclass(frozen=True)
class Message:
    """One person's message of the day."""

    recipient_id: str
    locale: str
    items: tuple[Pending, ...]
    more: int = 0
    ids: tuple[int, ...] = field(default=())  # every queue row this message settles

    def outbox_key(self, day: date) -> str:
        return feedback_key(self.recipient_id, day)


def feedback_key(recipient_id: str, day: date) -> str:
    """At most one feedback message per person per local day (the outbox's unique key)."""
    return f"feedback:{recipient_id}:{day.isoformat()}"


def batch(pending: Iterable[Pending], told_today: set[str]) -> list[Message]:
    """One message per person not yet told today, with all their waiting happenings (oldest
    first, at most MAX_LINES shown). People told today wait for tomorrow."""
    by_person: dict[str, list[Pending]] = defaultdict(list)
    for item in pending:
        if item.recipient_id in told_today:
            continue
        by_person[item.recipient_id].append(item)
    messages = []
    for person, items in sorted(by_person.items()):
        items.sort(key=lambda p: (p.created_at, p.id))
        shown = tuple(items[:MAX_LINES])
        messages.append(
            Message(
                person,
                items[-1].locale,
                shown,
                more=len(items) - len(shown),
                ids=tuple(p.id for p in items),
            )
        )
    return messages


def line_key(event: FeedbackEvent) -> str:
    """The catalog message for one happening (its params come from ``line_params``)."""
    return f"feedback.line.{event.value}"


def line_params(item: Pending) -> dict[str, str]:
    params = {"reference": item.reference}
    params.update({k: str(v) for k, v in item.detail.items() if isinstance(v, str | int)})
    return params
