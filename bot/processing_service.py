"""The loop from an observation to an action, as use-cases: change status, tag, enrich, group into
a phenomenon, ask a service area's lead, the lead answers, make a proposal, answer a follow-up,
list proposals, compute the metrics, make the yearly draft. The chat flows and the experts' desk
(a Teams tab) call these same functions.

SDK-free (no botbuilder): it takes repositories, the county, the catalog, a clock, an access
check and the acting user. Everything proactive (asks to leads, follow-up questions, reminders,
feedback) is enqueued in the outbox, in the transaction of the change that causes it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.processing_support import (
    Repositories,
    draft_blocks,
    proposal_card_view,
    targets_of,
)
from bot.processing_support import (
    excerpt as _excerpt,
)
from cards.common import Card, Ctx
from cards.phenomena import PhenomenonCardView
from cards.processing import (
    CommentRequestView,
    PathView,
    ProcessingView,
    RequestLine,
    Similar,
    comment_request_card,
)
from cards.proposals import ProposalCardView, follow_up_card
from counties import County
from dialogs import social_report
from dialogs.metrics import Metrics, compute
from dialogs.processing import (
    MAX_DESCRIPTION,
    MAX_NAME,
    MAX_NOTE,
    Closing,
    ProcessingError,
    guard_text,
    normalise_tag,
    parse_reason,
    parse_status,
    plan_change,
)
from dialogs.proposals import (
    ProposalInput,
    ProposalStatus,
    check_answer,
    check_proposal,
    parse_due,
)
from i18n import Catalog, Lang, resolve_lang
from storage.feedback import Outgoing
from storage.proposals import ProposalView

Clock = Callable[[], datetime]
ExpertCheck = Callable[[str], Awaitable[bool]]
# Similar observations and phenomena of a text: [(key, title, excerpt, score, reference)].
SimilarFinder = Callable[[str, int], Awaitable[list[Similar]]]


@dataclass(frozen=True)
class Actor:
    aad_id: str
    lang: Lang = "fi"


class Denied(ProcessingError):
    def __init__(self) -> None:
        super().__init__("processing.error.experts_only")


class ProcessingService:
    def __init__(
        self,
        repos: Repositories,
        county: County,
        catalog: Catalog,
        clock: Clock,
        is_expert: ExpertCheck,
        similar: SimilarFinder | None = None,
    ) -> None:
        self.repos = repos
        self.county = county
        self.catalog = catalog
        self.clock = clock
        self.tz = ZoneInfo(county.timezone)
        self._is_expert = is_expert
        self._similar = similar

    # --- helpers ---------------------------------------------------------------------------
    async def is_expert(self, actor: Actor) -> bool:
        return await self._is_expert(actor.aad_id)

    async def record_read(self, actor: Actor, reference: str) -> None:
        """An expert opens an observation's texts (allowed or not: both are audited)."""
        allowed = await self.is_expert(actor)
        await self.repos.audit.record(actor.aad_id, "observation.read", reference, allowed)

    async def require_expert(self, actor: Actor) -> None:
        if not await self._is_expert(actor.aad_id):
            raise Denied()

    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()

    def ctx(self, lang: str | None = None) -> Ctx:
        fallback = resolve_lang(self.county.languages[0])
        return Ctx(resolve_lang(lang, fallback), self.catalog, self.county)

    async def personal(self, aad_id: str, kind: str) -> Callable[[str, Card], Outgoing] | None:
        """How to reach a person in personal chat: (outbox key, card) → an outbox item; None
        until they have talked to the bot (or it was installed for them)."""
        ref = await self.repos.conversations.get("personal", aad_id)
        if ref is None:
            return None
        target = dict(ref.__dict__)
        return lambda key, card: (key, kind, ref.conversation_id, {"target": target, "card": card})

    async def paths(self, observation_ids: list[int]) -> dict[int, PathView]:
        """For "my reports": each of the reporter's own observations, its whole path."""
        found = await self.repos.paths.paths(observation_ids)
        return {
            obs_id: PathView(
                path.stamps,
                path.closing_reason,
                tuple(path.phenomena),
                tuple((p.title, p.status, p.last_answer) for p in path.proposals),
            )
            for obs_id, path in found.items()
        }

    # --- one observation -------------------------------------------------------------------
    async def view(self, actor: Actor, reference: str) -> ProcessingView:
        await self.require_expert(actor)
        row = await self.repos.observations.by_reference(reference)
        if row is None:
            raise ProcessingError("processing.error.not_found", reference=reference)
        state = await self.repos.processing.state(reference)
        known = await self.repos.phenomena.phenomena(limit=50)
        similar = await self._similar(reference, 3) if self._similar else []
        return ProcessingView(
            reference=row.reference,
            status=state.status,
            created_at=row.created_at,
            kind=row.kind,
            phenomenon=row.phenomenon,
            area=row.area,
            service_area=row.service_area,
            excerpt=_excerpt(row.description, 300),
            stamps=state.stamps,
            closing_reason=state.closing_reason,
            closing_description=state.closing_description,
            duplicate_of=state.duplicate_of,
            tags=state.tags,
            phenomena=state.phenomena,
            notes=tuple((when, note) for when, _author, note in state.notes),
            requests=tuple(RequestLine(r.service_area, r.answer) for r in state.requests),
            similar=tuple(similar),
            known_phenomena=tuple((p.id, p.name) for p in known),
            default_due_days=self.county.follow_up.default_due_days,
        )

    async def phenomenon_view(self, actor: Actor, phenomenon_id: int) -> PhenomenonCardView:
        await self.require_expert(actor)
        view, refs = await self.repos.phenomena.phenomenon(phenomenon_id)
        requests = await self.repos.phenomena.requests(phenomenon_id)
        return PhenomenonCardView(
            view.id,
            view.name,
            view.description,
            tuple(refs),
            tuple(RequestLine(r.service_area, r.answer) for r in requests),
            self.county.follow_up.default_due_days,
        )

    async def change_status(
        self,
        actor: Actor,
        reference: str,
        target: str,
        reason: str | None = None,
        description: str | None = None,
        duplicate_of: str | None = None,
    ) -> ProcessingView:
        await self.require_expert(actor)
        status = parse_status(target)
        closing = None
        if reason:
            closing = Closing(
                parse_reason(reason),
                description or "",
                (duplicate_of or "").strip().upper() or None,
            )

        def plan_for(current: Any) -> Any:
            return plan_change(current, status, closing)

        await self.repos.processing.change(reference, plan_for, actor.aad_id, self.clock())
        return await self.view(actor, reference)

    async def enrich(
        self, actor: Actor, reference: str, note: str = "", tag: str = ""
    ) -> ProcessingView:
        await self.require_expert(actor)
        checked_note = guard_text(note, MAX_NOTE) if note.strip() else ""
        checked_tag = normalise_tag(tag) if tag.strip() else ""
        if not checked_note and not checked_tag:
            raise ProcessingError("error.required")
        now = self.clock()
        if checked_tag:
            await self.repos.processing.tag(reference, checked_tag, actor.aad_id, now, add=True)
        if checked_note:
            await self.repos.processing.add_note(reference, checked_note, actor.aad_id, now)
        return await self.view(actor, reference)

    async def untag(self, actor: Actor, reference: str, tag: str) -> bool:
        await self.require_expert(actor)
        tag = normalise_tag(tag)
        return await self.repos.processing.tag(reference, tag, actor.aad_id, self.clock(), False)

    async def group(
        self,
        actor: Actor,
        references: list[str],
        phenomenon_id: int | None = None,
        name: str = "",
        description: str = "",
    ) -> tuple[int, str, list[str]]:
        """Into an existing phenomenon, or a new one named here. Returns (id, name, grouped)."""
        await self.require_expert(actor)
        now = self.clock()
        if phenomenon_id is None:
            checked = guard_text(name, MAX_NAME)
            if not checked:
                raise ProcessingError("processing.error.no_phenomenon")
            phenomenon_id = await self.repos.phenomena.create_phenomenon(
                self.county.id,
                checked,
                guard_text(description, MAX_DESCRIPTION),
                actor.aad_id,
                now,
            )
        grouped = await self.repos.phenomena.group(phenomenon_id, references, actor.aad_id, now)
        view, _refs = await self.repos.phenomena.phenomenon(phenomenon_id)
        return phenomenon_id, view.name, grouped

    # --- asking a service area's lead ------------------------------------------------------
    async def ask_lead(
        self,
        actor: Actor,
        service_area: str,
        question: str,
        reference: str | None = None,
        phenomenon_id: int | None = None,
    ) -> list[int]:
        """One request (and card) per lead named for the service area."""
        await self.require_expert(actor)
        if service_area not in self.county.option_ids("service_areas"):
            raise ProcessingError("proposal.error.service_area")
        leads = self.county.leads_of(service_area)
        if not leads:
            raise ProcessingError("processing.error.no_lead")
        checked = guard_text(question, MAX_NOTE)
        target, excerpt = reference or "", ""
        if reference:
            excerpt = await self._outline(reference)
        elif phenomenon_id is not None:
            phen, _refs = await self.repos.phenomena.phenomenon(phenomenon_id)
            target, excerpt = phen.name, _excerpt(phen.description, 300)
        ids = []
        now = self.clock()
        for lead in leads:
            reach = await self.personal(lead, "comment_request")

            def outgoing(request_id: int, reach: Any = reach) -> Outgoing | None:
                if reach is None:
                    return None
                asked = now.astimezone(self.tz).date()
                view = CommentRequestView(request_id, target, service_area, checked, excerpt, asked)
                return reach(f"comment:{request_id}", comment_request_card(self.ctx(), view))

            ids.append(
                await self.repos.processing.ask_lead(
                    reference,
                    phenomenon_id,
                    service_area,
                    lead,
                    checked,
                    actor.aad_id,
                    now,
                    outgoing,
                )
            )
        return ids

    async def answer_request(
        self, actor: Actor, request_id: int, answer: str
    ) -> CommentRequestView:
        checked = guard_text(answer, MAX_NOTE)
        if not checked:
            raise ProcessingError("error.required")
        row = await self.repos.processing.answer_request(
            request_id, actor.aad_id, checked, self.clock()
        )
        return await self.request_view(row)

    async def _outline(self, reference: str) -> str:
        """What a lead (not an expert) is shown of an observation: its kind, phenomenon, area
        and service area — never the reporter's text; the expert's question says the rest."""
        row = await self.repos.observations.by_reference(reference)
        if row is None:
            return ""
        ctx = self.ctx()
        return " · ".join(
            (
                ctx.t(f"kind.{row.kind}"),
                ctx.label_of("phenomena", row.phenomenon),
                ctx.label_of("areas", row.area),
                ctx.label_of("service_areas", row.service_area),
            )
        )

    async def request_view(self, row: Any) -> CommentRequestView:
        target, excerpt = "", ""
        if row.observation_id is not None:
            target = await self.repos.processing.reference_of(row.observation_id)
            excerpt = await self._outline(target)
        elif row.phenomenon_id is not None:
            phen, _refs = await self.repos.phenomena.phenomenon(row.phenomenon_id)
            target, excerpt = phen.name, _excerpt(phen.description, 300)
        return CommentRequestView(
            row.id,
            target,
            row.service_area,
            row.question,
            excerpt,
            row.asked_at.astimezone(self.tz).date(),
            row.answer,
        )

    # --- proposals -------------------------------------------------------------------------
    async def make_proposal(
        self,
        actor: Actor,
        title: str,
        text: str,
        service_area: str,
        due: str | None,
        references: list[str],
        phenomenon_ids: list[int] | None = None,
    ) -> ProposalView:
        """The owner is the service area's (first) lead named in the county file."""
        await self.require_expert(actor)
        leads = self.county.leads_of(service_area)
        checked = check_proposal(
            ProposalInput(
                title,
                text,
                service_area,
                leads[0] if leads else "",
                parse_due(due),
                tuple(references),
                tuple(phenomenon_ids or ()),
            ),
            self.today(),
            self.county.option_ids("service_areas"),
            self.county.follow_up.default_due_days,
        )
        proposal_id = await self.repos.proposals.create(
            checked,
            references,
            list(phenomenon_ids or ()),
            self.county.id,
            self.today().year,
            actor.aad_id,
            self.clock(),
        )
        return await self.repos.proposals.get(proposal_id, self.clock())

    async def proposal(self, actor: Actor, proposal_id: int) -> ProposalView:
        view = await self.repos.proposals.get(proposal_id, self.clock())
        if view.owner_id != actor.aad_id:
            await self.require_expert(actor)
        return view

    async def proposals(
        self,
        actor: Actor,
        status: str | None = None,
        service_area: str | None = None,
        year: int | None = None,
        overdue_only: bool = False,
    ) -> list[ProposalView]:
        await self.require_expert(actor)
        chosen = ProposalStatus(status) if status else None
        return await self.repos.proposals.listing(
            self.clock(), chosen, service_area, year, overdue_only
        )

    async def withdraw(self, actor: Actor, proposal_id: int) -> ProposalView:
        await self.require_expert(actor)
        await self.repos.proposals.withdraw(proposal_id, actor.aad_id, self.clock())
        return await self.repos.proposals.get(proposal_id, self.clock())

    def card_view(self, view: ProposalView) -> ProposalCardView:
        return proposal_card_view(view, self.tz)

    async def follow_up_card(self, actor: Actor, follow_up_id: int, lang: str) -> Card:
        row = await self.repos.proposals.follow_up(follow_up_id)
        view = await self.proposal(actor, row.proposal_id)
        answered = (row.answer, row.note or "") if row.answer else None
        return follow_up_card(self.ctx(lang), self.card_view(view), follow_up_id, answered=answered)

    async def answer_follow_up(
        self, actor: Actor, follow_up_id: int, answer: str, note: str
    ) -> ProposalStatus:
        """The owner answers; an expert may answer on the owner's behalf (e.g. by phone)."""
        chosen, checked = check_answer(answer, note)
        row = await self.repos.proposals.follow_up(follow_up_id)
        on_behalf = row.owner_id != actor.aad_id
        if on_behalf:
            await self.require_expert(actor)
        return await self.repos.proposals.answer(
            follow_up_id, actor.aad_id, chosen, checked, self.clock(), on_behalf
        )

    # --- metrics and the yearly draft ------------------------------------------------------
    async def metrics(self, actor: Actor, year: int | None = None) -> Metrics:
        await self.require_expert(actor)
        year = year or self.today().year
        counts = await self.repos.metrics.counts(year)
        return compute(counts, targets_of(self.county), self.today())

    async def report_draft(
        self, actor: Actor, year: int, lang: str | None = None
    ) -> list[social_report.Block]:
        """The yearly social-report draft as blocks (Markdown: dialogs.social_report.to_markdown,
        Word: bot.docx_report.to_docx)."""
        metrics = await self.metrics(actor, year)
        return await draft_blocks(self.repos.metrics, self.ctx(lang or actor.lang), metrics, year)
