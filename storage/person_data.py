"""Which rows are about a person, and what an erasure does to each (the data-rights registry).

What is *about* a person, table by table (``storage/models.py``), and what erasure does:

- drafts (user_id), bot_state (keys ``<channel>/users/<id>`` for the AAD id and the Teams
  account id of their personal chat, and ``<channel>/conversations/<their personal chat>``),
  conversation_refs (scope personal, owner_id), outbox (messages to them: their personal chat,
  ``…:personal:<id>`` keys), roles (aad_id): deleted;
- observations.reporter_id (their reports): replaced by the tombstone, contact permission
  cleared; observations.acknowledged_by, vartti_schedules.updated_by (the schedule is the
  team's), roles.added_by, app_settings.updated_by: replaced by the tombstone;
- audit_log (actor, or a target naming them): kept for the audit log's own period, then purged
  by retention; an erasure must not erase the trail of what the person read.

Every change is made in batches of short transactions (``batch`` rows each), so a large erasure
never holds a long lock; each batch re-selects by the person's id, so an interrupted erasure is
finished by running it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, TableClause, delete, false, or_, select, update

from dialogs.vocabulary import ERASED
from storage.db import Database
from storage.models import (
    AppSetting,
    AuditEntry,
    BotStateRow,
    ConversationRef,
    Draft,
    Observation,
    OutboxItem,
    Role,
    VarttiSchedule,
)
from storage.processing_models import (
    OBS_PROCESSING,
    CommentRequest,
    EnrichmentNote,
    FeedbackItem,
    FollowUp,
    ObservationTag,
    PhenomenonGroup,
    PhenomenonMember,
    Proposal,
)

# What an erased person's links become: a fixed value, the same for everyone, not an AAD id.
TOMBSTONE = ERASED
BATCH = 500

DRAFTS = cast(Table, Draft.__table__)
STATE = cast(Table, BotStateRow.__table__)
REFS = cast(Table, ConversationRef.__table__)
OUTBOX = cast(Table, OutboxItem.__table__)
ROLES = cast(Table, Role.__table__)
OBS = cast(Table, Observation.__table__)
SCHEDULES = cast(Table, VarttiSchedule.__table__)
SETTINGS = cast(Table, AppSetting.__table__)
AUDIT = cast(Table, AuditEntry.__table__)
TAGS = cast(Table, ObservationTag.__table__)
PHENOMENA = cast(Table, PhenomenonGroup.__table__)
MEMBERS = cast(Table, PhenomenonMember.__table__)
NOTES = cast(Table, EnrichmentNote.__table__)
REQUESTS = cast(Table, CommentRequest.__table__)
PROPOSALS = cast(Table, Proposal.__table__)
FOLLOW_UPS = cast(Table, FollowUp.__table__)
FEEDBACK = cast(Table, FeedbackItem.__table__)
CLOSED_SHOWN = ("id", "reference", "closed_at", "closing_reason")
NOTE_SHOWN = ("id", "observation_id", "text", "created_at")
PHENOMENON_SHOWN = ("id", "name", "description", "created_at")
REQUEST_SHOWN = (
    "id",
    "observation_id",
    "phenomenon_id",
    "service_area",
    "question",
    "asked_at",
    "answer",
    "answered_at",
)
PROPOSAL_SHOWN = ("id", "title", "text", "service_area", "due_date", "status", "created_at")
FOLLOW_UP_SHOWN = ("id", "proposal_id", "trigger", "asked_at", "answer", "note", "answered_at")


@dataclass(frozen=True)
class Step:
    """One kind of row about the person: how to find it and what erasure does to it."""

    name: str
    table: TableClause
    key: str  # a (preferably primary-key) column to batch by
    where: ColumnElement[bool]
    values: dict[str, Any] | None = None  # None: delete; else: UPDATE … SET values


@dataclass
class Person:
    """The person's ids: the AAD object id and the ids derived from it before erasure."""

    aad_id: str
    account_ids: list[str] = field(default_factory=list)  # Teams account ids (29:…)
    conversation_ids: list[str] = field(default_factory=list)  # personal conversations

    def state_keys(self) -> ColumnElement[bool]:
        key = STATE.c.key
        clauses = [key.endswith(f"/users/{i}", autoescape=True) for i in self.user_ids()]
        clauses += [
            key.endswith(f"/conversations/{c}", autoescape=True) for c in self.conversation_ids
        ]
        return or_(false(), *clauses)

    def user_ids(self) -> list[str]:
        return list(dict.fromkeys([self.aad_id, *self.account_ids]))

    def outbox_items(self) -> ColumnElement[bool]:
        clauses = [OUTBOX.c.dedupe_key.endswith(f":personal:{self.aad_id}", autoescape=True)]
        if self.conversation_ids:
            clauses.append(OUTBOX.c.conversation_key.in_(self.conversation_ids))
        return or_(*clauses)


@dataclass(frozen=True)
class Link:
    """A column that holds a person's AAD id: its export section, and what erasure does."""

    section: str  # its name in the export
    table: TableClause
    key: str  # the primary-key column (batches)
    column: str  # holds the person's id
    step: str  # its name in the erasure counts
    delete: bool  # True: the row goes; False: the id becomes the tombstone
    shown: tuple[str, ...] = ()  # the columns exported (empty: all)
    also: tuple[tuple[str, Any], ...] = ()  # more values set when unlinked

    def where(self, aad_id: str) -> ColumnElement[bool]:
        return self.table.c[self.column] == aad_id

    def to_step(self, aad_id: str) -> Step:
        values = None if self.delete else {self.column: TOMBSTONE, **dict(self.also)}
        return Step(self.step, self.table, self.key, self.where(aad_id), values)

    def query(self, aad_id: str) -> Any:
        columns = [self.table.c[c] for c in self.shown] or list(self.table.c)
        return select(*columns).where(self.where(aad_id)).order_by(self.table.c[self.key])


def unlinked(section: str, table: TableClause, key: str, column: str, *shown: str) -> Link:
    """A row that stays (the county's record) with the person's id turned into the tombstone."""
    return Link(section, table, key, column, f"{section}_unlinked", False, shown)


# Every column keyed by a person (tests/test_rights.py checks that no table of the models has
# one that is neither here nor in PERSON_COLUMNS_ELSEWHERE). Exported columns leave out other
# people's ids (who asked them, who owns what they made).
LINKS: tuple[Link, ...] = (
    Link("drafts", DRAFTS, "id", "user_id", "drafts", delete=True),
    Link("roles", ROLES, "aad_id", "aad_id", "roles", True, ("role", "added_at")),
    Link(
        "roles_granted",
        ROLES,
        "aad_id",
        "added_by",
        "roles_granted_unlinked",
        False,
        ("aad_id", "role", "added_at"),
    ),
    Link(
        "reports",
        OBS,
        "id",
        "reporter_id",
        "reports_unlinked",
        False,
        also=(("contact_ok", False),),
    ),
    Link(
        "acknowledgements",
        OBS,
        "id",
        "acknowledged_by",
        "acknowledgements_unlinked",
        False,
        ("reference", "acknowledged_at"),
    ),
    Link(
        "vartti_schedules",
        SCHEDULES,
        "team_id",
        "updated_by",
        "vartti_schedules_unlinked",
        False,
    ),
    Link("settings_changed", SETTINGS, "key", "updated_by", "settings_unlinked", False),
    # The processing of observations (storage/processing_models.py): the county's work record
    # stays, the person's id goes; only the queue of feedback to them is theirs alone.
    unlinked("observations_closed", OBS_PROCESSING, "id", "closed_by", *CLOSED_SHOWN),
    unlinked("tags_added", TAGS, "observation_id", "added_by", "observation_id", "tag", "added_at"),
    unlinked("phenomena_created", PHENOMENA, "id", "created_by", *PHENOMENON_SHOWN),
    unlinked(
        "phenomenon_groupings",
        MEMBERS,
        "observation_id",
        "added_by",
        "phenomenon_id",
        "observation_id",
        "added_at",
    ),
    unlinked(
        "enrichment_notes", NOTES, "id", "author", "id", "observation_id", "text", "created_at"
    ),
    unlinked("comment_requests_to_them", REQUESTS, "id", "lead_id", *REQUEST_SHOWN),
    unlinked("comment_requests_asked", REQUESTS, "id", "asked_by", *REQUEST_SHOWN),
    unlinked("comment_answers", REQUESTS, "id", "answered_by", *REQUEST_SHOWN),
    unlinked("proposals_owned", PROPOSALS, "id", "owner_id", *PROPOSAL_SHOWN),
    unlinked("proposals_made", PROPOSALS, "id", "created_by", *PROPOSAL_SHOWN),
    unlinked("follow_ups_asked", FOLLOW_UPS, "id", "owner_id", *FOLLOW_UP_SHOWN),
    unlinked("follow_ups_answered", FOLLOW_UPS, "id", "answered_by", *FOLLOW_UP_SHOWN),
    Link(
        "feedback",
        FEEDBACK,
        "id",
        "recipient_id",
        "feedback",
        True,
        ("id", "observation_id", "event", "created_at", "sent_at"),
    ),
)
# Person columns handled outside LINKS: the personal references and what hangs on them (the
# bot state under the person's Teams ids, messages to their chat) and the audit log (kept).
PERSON_COLUMNS_ELSEWHERE = frozenset(
    {
        ("conversation_refs", "owner_id"),
        ("conversation_refs", "user_id"),
        ("audit_log", "actor"),
    }
)


def erasure_steps(person: Person) -> list[Step]:
    u = person.aad_id
    return [
        Step("bot_state", STATE, "key", person.state_keys()),
        Step("outbox", OUTBOX, "id", person.outbox_items()),
        Step(
            "conversation_references",
            REFS,
            "id",
            (REFS.c.scope == "personal") & (REFS.c.owner_id == u),
        ),
        *(link.to_step(u) for link in LINKS),
    ]


def about(target: ColumnElement[str], aad_id: str) -> ColumnElement[bool]:
    """Audit targets that name the person (role changes: ``<id>`` or ``<id> <role>``)."""
    return (target == aad_id) | target.startswith(f"{aad_id} ", autoescape=True)


async def apply_batched(
    db: Database, step: Step, batch: int = BATCH, skip_locked: bool = False
) -> int:
    """Apply one step in short transactions of at most ``batch`` rows each; returns the rows.
    With ``skip_locked`` (retention: replicas purging at once) PostgreSQL passes over rows
    another transaction holds, which the next run takes; an erasure waits for them instead."""
    key = step.table.c[step.key]
    query = select(key).where(step.where).limit(batch)
    if skip_locked and db.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    total = 0
    while True:
        async with db.engine.begin() as conn:
            ids = list((await conn.execute(query)).scalars())
            if not ids:
                break
            # the step's own condition again: a key need not be unique (composite primary keys)
            chosen = key.in_(ids) & step.where
            if step.values is None:
                done = await conn.execute(delete(step.table).where(chosen))
            else:
                done = await conn.execute(update(step.table).where(chosen).values(step.values))
        total += int(done.rowcount or 0)  # type: ignore[attr-defined]
        if len(ids) < batch:
            break
    return total
