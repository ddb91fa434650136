"""Action proposals (toimenpide-ehdotus) and their follow-up, Dispatch-style: a proposal has a
responsible service area, an owner (the area's lead) and a due date; at the due date and after
each periodic summary the owner is asked "what was done?" (a follow-up task with resolve_by and
last_reminder_at); an unanswered, overdue follow-up gets ONE grouped reminder per owner per day.

Pure: today's local date and instants are passed in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dialogs.processing import ProcessingError, guard_text

MAX_TITLE = 200
MAX_PROPOSAL_TEXT = 2000
MAX_ANSWER_NOTE = 1000
DEFAULT_DUE_DAYS = 90  # a quarter, when the expert gives no due date
DEFAULT_ANSWER_DAYS = 7  # resolve_by = asked + this many days


class ProposalStatus(StrEnum):
    OPEN = "open"  # made; not asked yet
    ASKED = "asked"  # a follow-up question waits for the owner's answer
    IN_PROGRESS = "in_progress"  # answered partly / not done: asked again after the next summary
    DONE = "done"  # answered done (final)
    NOT_PLANNED = "not_planned"  # answered not planned (final)
    WITHDRAWN = "withdrawn"  # an expert withdrew it (final)


FINAL: frozenset[ProposalStatus] = frozenset(
    {ProposalStatus.DONE, ProposalStatus.NOT_PLANNED, ProposalStatus.WITHDRAWN}
)


class FollowUpAnswer(StrEnum):
    DONE = "done"
    PARTLY = "partly"
    NOT_DONE = "not_done"
    NOT_PLANNED = "not_planned"


# An answer decides the proposal's status. "Actions taken" (the OKR metric) are done + partly.
AFTER_ANSWER: dict[FollowUpAnswer, ProposalStatus] = {
    FollowUpAnswer.DONE: ProposalStatus.DONE,
    FollowUpAnswer.PARTLY: ProposalStatus.IN_PROGRESS,
    FollowUpAnswer.NOT_DONE: ProposalStatus.IN_PROGRESS,
    FollowUpAnswer.NOT_PLANNED: ProposalStatus.NOT_PLANNED,
}
ACTION_TAKEN: frozenset[FollowUpAnswer] = frozenset({FollowUpAnswer.DONE, FollowUpAnswer.PARTLY})

DUE_TRIGGER = "due"


def summary_trigger(summary_kind: str, period_key: str) -> str:
    """The follow-up asked after one periodic summary (unique per proposal and summary)."""
    return f"summary:{summary_kind}:{period_key}"


@dataclass(frozen=True)
class ProposalInput:
    """What an expert fills in on the proposal card (already parsed, not yet checked)."""

    title: str
    text: str
    service_area: str
    owner_id: str
    due: date | None
    observation_refs: tuple[str, ...] = ()
    phenomenon_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class CheckedProposal:
    title: str
    text: str
    service_area: str
    owner_id: str
    due: date


def check_proposal(
    value: ProposalInput,
    today: date,
    service_areas: set[str],
    default_due_days: int = DEFAULT_DUE_DAYS,
) -> CheckedProposal:
    """Title and text guarded; a known service area; an owner; a due date not in the past
    (default: a quarter from today); made from at least one observation or phenomenon."""
    title = guard_text(value.title, MAX_TITLE)
    if not title:
        raise ProcessingError("proposal.error.title_required")
    text = guard_text(value.text, MAX_PROPOSAL_TEXT)
    if value.service_area not in service_areas:
        raise ProcessingError("proposal.error.service_area")
    if not value.owner_id.strip():
        raise ProcessingError("proposal.error.no_owner")
    due = value.due or today + timedelta(days=default_due_days)
    if due < today:
        raise ProcessingError("proposal.error.due_past")
    if not value.observation_refs and not value.phenomenon_ids:
        raise ProcessingError("proposal.error.nothing_to_propose_from")
    return CheckedProposal(title, text, value.service_area, value.owner_id.strip(), due)


def parse_due(value: str | None) -> date | None:
    """Card date inputs give YYYY-MM-DD; d.m.yyyy is accepted from typed commands."""
    if not value or not value.strip():
        return None
    raw = value.strip()
    try:
        if "." in raw:
            d, m, y = (int(part) for part in raw.split("."))
            return date(y, m, d)
        return date.fromisoformat(raw)
    except ValueError:
        raise ProcessingError("proposal.error.bad_date") from None


def check_answer(answer: str, note: str) -> tuple[FollowUpAnswer, str]:
    try:
        chosen = FollowUpAnswer(answer)
    except ValueError:
        raise ProcessingError("followup.error.answer_required") from None
    return chosen, guard_text(note, MAX_ANSWER_NOTE)


@dataclass(frozen=True)
class ProposalState:
    """What the scheduler needs to know of a proposal to decide on asking."""

    id: int
    status: ProposalStatus
    owner_id: str
    due: date
    created_at: datetime
    triggers: frozenset[str]  # follow-ups asked already
    open_follow_up: bool  # one is waiting for an answer
    last_asked_at: datetime | None = None


@dataclass(frozen=True)
class SummaryMade:
    kind: str
    period_key: str
    created_at: datetime


def triggers_due(
    proposal: ProposalState, today: date, summaries: Iterable[SummaryMade]
) -> list[str]:
    """The follow-ups to ask now: at the due date (once), and after each periodic summary made
    after the proposal and after the last question (once each). Nothing for a final proposal
    or while one waits unanswered (the waiting one is reminded instead)."""
    if proposal.status in FINAL or proposal.open_follow_up:
        return []
    if DUE_TRIGGER not in proposal.triggers and today >= proposal.due:
        return [DUE_TRIGGER]
    since = max(proposal.created_at, proposal.last_asked_at or proposal.created_at)
    later = [s for s in summaries if s.created_at > since]
    for made in sorted(later, key=lambda s: s.created_at, reverse=True)[:1]:
        trigger = summary_trigger(made.kind, made.period_key)
        if trigger not in proposal.triggers:
            return [trigger]
    return []


def resolve_by(asked_at: datetime, answer_days: int = DEFAULT_ANSWER_DAYS) -> datetime:
    return asked_at + timedelta(days=answer_days)


@dataclass(frozen=True)
class OpenFollowUp:
    id: int
    proposal_id: int
    owner_id: str
    resolve_by: datetime
    last_reminder_at: datetime | None


def is_overdue(follow_up: OpenFollowUp, now: datetime) -> bool:
    return follow_up.resolve_by <= now


def reminders_today(
    open_follow_ups: Iterable[OpenFollowUp], now: datetime, tz: ZoneInfo
) -> dict[str, list[OpenFollowUp]]:
    """One grouped reminder per owner per local day: every overdue unanswered follow-up of an
    owner not yet reminded today goes into that owner's one message."""
    today = now.astimezone(tz).date()
    grouped: dict[str, list[OpenFollowUp]] = defaultdict(list)
    for item in open_follow_ups:
        if not is_overdue(item, now):
            continue
        if (
            item.last_reminder_at is not None
            and item.last_reminder_at.astimezone(tz).date() >= today
        ):
            continue
        grouped[item.owner_id].append(item)
    return {owner: sorted(items, key=lambda f: f.id) for owner, items in grouped.items()}


def reminder_key(owner_id: str, now: datetime, tz: ZoneInfo) -> str:
    """The outbox key of an owner's reminder of a day: at most one, whichever replica runs."""
    return f"followup-reminder:{owner_id}:{now.astimezone(tz).date().isoformat()}"
