"""Processing cards: what an expert does with one observation (status, tags, enrichment, grouping
into a phenomenon, asking a service area's lead, making a proposal, closing with a reason), with
its path so far and the most similar earlier observations and phenomena; and the lead's card for
answering a comment request. Pure: views in, Adaptive Card 1.5 out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from cards.common import Card, Ctx, Mode, action, card, error_text, facts, heading, text
from cards.report import local_date
from dialogs.actions import Action
from dialogs.processing import (
    MAX_DESCRIPTION,
    MAX_NAME,
    MAX_NOTE,
    MAX_TAG,
    ORDER,
    STAMP_COLUMN,
    allowed_targets,
)
from dialogs.proposals import MAX_PROPOSAL_TEXT, MAX_TITLE
from dialogs.vocabulary import ClosingReason, ObservationStatus

# Card verbs (the "rake" value of a button's data).
OPEN = Action.PROC_OPEN
STATUS = Action.PROC_STATUS
CLOSE = Action.PROC_CLOSE
ENRICH = Action.PROC_ENRICH
GROUP = Action.PROC_GROUP
ASK = Action.PROC_ASK
PROPOSE = Action.PROC_PROPOSE
COMMENT_ANSWER = Action.COMMENT_ANSWER
NEW_PHENOMENON = "__new__"


@dataclass(frozen=True)
class Similar:
    key: str  # obs:<id> / phen:<id>
    title: str  # a reference or a phenomenon's name
    excerpt: str
    score: float
    reference: str | None = None  # observations open with "avaa"


@dataclass(frozen=True)
class RequestLine:
    service_area: str
    answer: str | None


@dataclass(frozen=True)
class ProcessingView:
    reference: str
    status: ObservationStatus
    created_at: datetime
    kind: str
    phenomenon: str
    area: str
    service_area: str
    excerpt: str
    stamps: dict[str, datetime | None]
    closing_reason: str | None = None
    closing_description: str | None = None
    duplicate_of: str | None = None
    tags: tuple[str, ...] = ()
    phenomena: tuple[tuple[int, str], ...] = ()
    notes: tuple[tuple[datetime, str], ...] = ()  # (when, text); authors stay off the card
    requests: tuple[RequestLine, ...] = ()
    similar: tuple[Similar, ...] = ()
    known_phenomena: tuple[tuple[int, str], ...] = ()  # to group into
    default_due_days: int = 90


def _data(verb: str, view: ProcessingView, ctx: Ctx, **extra: Any) -> dict[str, Any]:
    return {
        "rake": verb,
        "reference": view.reference,
        "status": view.status.value,
        "lang": ctx.lang,
        **extra,
    }


def input_text(
    ident: str, label: str, max_length: int, multiline: bool = False, value: str = ""
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "type": "Input.Text",
        "id": ident,
        "label": label,
        "maxLength": max_length,
        "isMultiline": multiline,
    }
    if value:
        item["value"] = value
    return item


def choice(
    ident: str, label: str, choices: list[dict[str, str]], value: str | None = None
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "type": "Input.ChoiceSet",
        "id": ident,
        "label": label,
        "choices": choices,
        "style": "compact",
        "wrap": True,
    }
    if value:
        item["value"] = value
    return item


def show_card(title: str, body: list[dict[str, Any]], submit: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Action.ShowCard",
        "title": title,
        "card": {"type": "AdaptiveCard", "body": body, "actions": [submit]},
    }


def request_lines(ctx: Ctx, requests: Sequence[RequestLine]) -> list[dict[str, Any]]:
    """The last five questions to team leads, answered or waiting."""
    lines = []
    for request in requests[-5:]:
        area = ctx.label_of("service_areas", request.service_area)
        line = (
            ctx.t("processing.request_answered", area=area, answer=request.answer)
            if request.answer
            else ctx.t("processing.request_waiting", area=area)
        )
        lines.append(text(line, size="Small"))
    return lines


def ask_lead_card(ctx: Ctx, service_area: str | None, submit: dict[str, Any]) -> dict[str, Any]:
    """ "Ask a team lead": the service area (preset) and the question."""
    areas = ctx.choices("service_areas")
    return show_card(
        ctx.t("processing.action.ask_lead"),
        [
            choice("service_area", ctx.t("processing.field.service_area"), areas, service_area),
            input_text("question", ctx.t("processing.field.question"), MAX_NOTE, multiline=True),
        ],
        submit,
    )


def propose_card(
    ctx: Ctx, service_area: str | None, due_days: int, data: dict[str, Any], mode: Mode
) -> dict[str, Any]:
    """ "Make a proposal": title, text, the service area it is for and an optional due date;
    the same form under an observation and under a phenomenon."""
    areas = ctx.choices("service_areas")
    return show_card(
        ctx.t("processing.action.propose"),
        [
            input_text("title", ctx.t("proposal.field.title"), MAX_TITLE),
            input_text("text", ctx.t("proposal.field.text"), MAX_PROPOSAL_TEXT, multiline=True),
            choice("service_area", ctx.t("proposal.service_area"), areas, service_area),
            {
                "type": "Input.Date",
                "id": "due",
                "label": ctx.t("proposal.field.due", days=due_days),
            },
        ],
        action(mode, ctx.t("proposal.action.make"), data),
    )


def _timeline(ctx: Ctx, view: ProcessingView) -> list[tuple[str, str]]:
    pairs = [(ctx.t("processing.received"), local_date(ctx, view.created_at))]
    for status in ORDER[1:]:
        column = STAMP_COLUMN[status]
        moment = view.stamps.get(column or "")
        if moment is not None:
            pairs.append((ctx.t(f"status.{status.value}"), local_date(ctx, moment)))
    return pairs


def _similar_items(ctx: Ctx, view: ProcessingView, mode: Mode) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [
        text(ctx.t("processing.similar"), weight="Bolder", separator=True)
    ]
    if not view.similar:
        items.append(text(ctx.t("processing.similar_none"), isSubtle=True, size="Small"))
    for hit in view.similar:
        line: dict[str, Any] = {
            "type": "Container",
            "items": [
                text(f"**{hit.title}** · {round(hit.score * 100)} %", size="Small"),
                text(hit.excerpt, size="Small", isSubtle=True, spacing="None"),
            ],
        }
        if hit.reference:
            line["selectAction"] = action(
                mode,
                hit.title,
                {"rake": OPEN, "reference": hit.reference, "lang": ctx.lang},
                inputs=False,
            )
        items.append(line)
    return items


def processing_card(
    ctx: Ctx,
    view: ProcessingView,
    mode: Mode = "execute",
    error: str | None = None,
    done: str | None = None,
) -> Card:
    status = ctx.t(f"status.{view.status.value}")
    body: list[dict[str, Any]] = [
        *heading(
            ctx.t("processing.title", reference=view.reference),
            f"{ctx.t('processing.status')}: {status}",
        ),
    ]
    if done:
        body.append(text(done, color="Good", weight="Bolder"))
    if error:
        body.append(error_text(error))
    pairs = [
        (ctx.t("field.kind"), ctx.t(f"kind.{view.kind}")),
        (ctx.t("field.phenomenon"), ctx.label_of("phenomena", view.phenomenon)),
        (ctx.t("field.area"), ctx.label_of("areas", view.area)),
        (ctx.t("field.service_area"), ctx.label_of("service_areas", view.service_area)),
    ]
    if view.tags:
        pairs.append((ctx.t("processing.tags"), ", ".join(view.tags)))
    if view.phenomena:
        pairs.append((ctx.t("processing.phenomena"), ", ".join(n for _i, n in view.phenomena)))
    if view.closing_reason:
        reason = ctx.t(f"closing.{view.closing_reason}")
        pairs.append(
            (ctx.t("processing.closing"), f"{reason}: {view.closing_description or ''}".strip())
        )
    if view.duplicate_of:
        pairs.append((ctx.t("processing.duplicate_of"), view.duplicate_of))
    body += [facts(pairs), text(view.excerpt, isSubtle=True, size="Small")]
    body += [
        text(ctx.t("processing.timeline"), weight="Bolder", separator=True),
        facts(_timeline(ctx, view)),
    ]
    if view.notes:
        body.append(text(ctx.t("processing.notes"), weight="Bolder"))
        body += [
            text(f"{local_date(ctx, when)}: {note}", size="Small") for when, note in view.notes[-5:]
        ]
    if view.requests:
        body.append(text(ctx.t("processing.requests"), weight="Bolder"))
        body += request_lines(ctx, view.requests)
    body += _similar_items(ctx, view, mode)
    return card(body, _actions(ctx, view, mode))


def _actions(ctx: Ctx, view: ProcessingView, mode: Mode) -> list[dict[str, Any]]:
    targets = allowed_targets(view.status)
    buttons: list[dict[str, Any]] = []
    if ObservationStatus.IN_PROCESSING in targets:
        label = (
            "processing.action.reopen"
            if view.status is ObservationStatus.CLOSED
            else "processing.action.in_processing"
        )
        buttons.append(
            action(
                mode, ctx.t(label), _data(STATUS, view, ctx, target="in_processing"), inputs=False
            )
        )
    if view.status is ObservationStatus.CLOSED:
        return buttons
    save, send = ctx.t("processing.action.save"), ctx.t("processing.action.send")
    buttons.append(
        show_card(
            ctx.t("processing.action.enrich"),
            [
                input_text("note", ctx.t("processing.field.note"), MAX_NOTE, multiline=True),
                input_text("tag", ctx.t("processing.field.tag"), MAX_TAG),
            ],
            action(mode, save, _data(ENRICH, view, ctx)),
        )
    )
    known = [{"title": name, "value": str(i)} for i, name in view.known_phenomena]
    group_body: list[dict[str, Any]] = []
    if known:
        group_body.append(choice("phenomenon_id", ctx.t("processing.field.phenomenon"), known))
    group_body += [
        input_text("name", ctx.t("processing.field.new_phenomenon"), MAX_NAME),
        input_text(
            "description",
            ctx.t("processing.field.phenomenon_description"),
            MAX_DESCRIPTION,
            multiline=True,
        ),
    ]
    buttons.append(
        show_card(
            ctx.t("processing.action.group"),
            group_body,
            action(mode, save, _data(GROUP, view, ctx)),
        )
    )
    buttons.append(ask_lead_card(ctx, view.service_area, action(mode, send, _data(ASK, view, ctx))))
    buttons.append(
        propose_card(ctx, view.service_area, view.default_due_days, _data(PROPOSE, view, ctx), mode)
    )
    reasons = [{"title": ctx.t(f"closing.{r.value}"), "value": r.value} for r in ClosingReason]
    buttons.append(
        show_card(
            ctx.t("processing.action.close"),
            [
                choice("reason", ctx.t("processing.field.reason"), reasons),
                input_text(
                    "description",
                    ctx.t("processing.field.description"),
                    MAX_DESCRIPTION,
                    multiline=True,
                ),
                input_text("duplicate_of", ctx.t("processing.field.duplicate_of"), 32),
            ],
            action(
                mode, ctx.t("processing.action.close"), _data(CLOSE, view, ctx), style="destructive"
            ),
        )
    )
    return buttons


# --- the service area lead's card ------------------------------------------------------------
@dataclass(frozen=True)
class CommentRequestView:
    id: int
    target: str  # a reference or a phenomenon's name
    service_area: str
    question: str
    excerpt: str
    asked_on: date
    answer: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def comment_request_card(
    ctx: Ctx, view: CommentRequestView, mode: Mode = "execute", error: str | None = None
) -> Card:
    area = ctx.label_of("service_areas", view.service_area)
    body: list[dict[str, Any]] = [
        *heading(ctx.t("comment.title", target=view.target), view.asked_on.strftime("%d.%m.%Y")),
        text(ctx.t("comment.intro", area=area)),
    ]
    if view.excerpt:
        body.append(text(view.excerpt, isSubtle=True))
    if view.question:
        body.append(text(view.question, weight="Bolder"))
    if error:
        body.append(error_text(error))
    if view.answer is not None:
        body += [text(view.answer), text(ctx.t("comment.thanks"), color="Good")]
        return card(body)
    body.append(input_text("answer", ctx.t("comment.field.answer"), MAX_NOTE, multiline=True))
    data = {"rake": COMMENT_ANSWER, "request": view.id, "lang": ctx.lang}
    return card(body, [action(mode, ctx.t("processing.action.send"), data)])


# --- the reporter's view of the path ("my reports") ------------------------------------------
@dataclass(frozen=True)
class PathView:
    stamps: dict[str, datetime]
    closing_reason: str | None = None
    phenomena: tuple[str, ...] = ()
    proposals: tuple[tuple[str, str, str | None], ...] = ()  # (title, status, last answer)


def path_facts(ctx: Ctx, path: PathView) -> list[tuple[str, str]]:
    """What became of an observation, step by step, for its reporter."""
    pairs: list[tuple[str, str]] = []
    for status in ORDER[1:]:
        moment = path.stamps.get(STAMP_COLUMN[status] or "")
        if moment is not None:
            pairs.append((ctx.t(f"status.{status.value}"), local_date(ctx, moment)))
    if path.phenomena:
        pairs.append((ctx.t("processing.phenomena"), ", ".join(path.phenomena)))
    for title, proposal_status, answer in path.proposals:
        value = f"{title} – {ctx.t(f'proposal.status.{proposal_status}')}"
        if answer:
            value += f" ({ctx.t(f'followup.answer.{answer}')})"
        pairs.append((ctx.t("mine.path.proposal"), value))
    if path.closing_reason:
        pairs.append((ctx.t("processing.closing"), ctx.t(f"closing.{path.closing_reason}")))
    return pairs
