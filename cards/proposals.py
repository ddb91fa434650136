"""Cards of the loop's far end: an action proposal and the list of them, the follow-up question
"what was done?" to the responsible lead and its daily grouped reminder, the reporter's feedback
message, the metrics card and the social-report draft's download card."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from cards.common import Card, Ctx, Mode, action, card, error_text, facts, heading, text
from dialogs.actions import Action
from dialogs.feedback import Message, line_key, line_params
from dialogs.metrics import Metrics
from dialogs.processing import FeedbackEvent
from dialogs.proposals import MAX_ANSWER_NOTE, FollowUpAnswer, ProposalStatus

PROPOSAL_OPEN = Action.PROPOSAL_OPEN
PROPOSAL_WITHDRAW = Action.PROPOSAL_WITHDRAW
FOLLOW_UP_OPEN = Action.FOLLOW_UP_OPEN
FOLLOW_UP_ANSWER = Action.FOLLOW_UP_ANSWER
REPORT_DRAFT = Action.REPORT_DRAFT


@dataclass(frozen=True)
class FollowUpLine:
    id: int
    asked_on: date
    answer: str | None  # a FollowUpAnswer value, None while waiting
    note: str | None
    answered_on: date | None


@dataclass(frozen=True)
class ProposalCardView:
    id: int
    title: str
    text: str
    service_area: str
    due: date
    status: ProposalStatus
    overdue: bool = False
    observations: tuple[str, ...] = ()
    phenomena: tuple[str, ...] = ()
    follow_ups: tuple[FollowUpLine, ...] = ()


def _d(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _status(ctx: Ctx, view: ProposalCardView) -> str:
    label = ctx.t(f"proposal.status.{view.status.value}")
    return f"{label} · **{ctx.t('proposal.overdue')}**" if view.overdue else label


def proposal_card(
    ctx: Ctx,
    view: ProposalCardView,
    mode: Mode = "execute",
    can_withdraw: bool = False,
    done: str | None = None,
) -> Card:
    body: list[dict[str, Any]] = [*heading(ctx.t("proposal.title", id=view.id), view.title)]
    if done:
        body.append(text(done, color="Good", weight="Bolder"))
    if view.text:
        body.append(text(view.text))
    pairs = [
        (ctx.t("proposal.service_area"), ctx.label_of("service_areas", view.service_area)),
        (ctx.t("proposal.due"), _d(view.due)),
        (ctx.t("proposal.status"), _status(ctx, view)),
    ]
    if view.observations:
        pairs.append((ctx.t("proposal.made_from"), ", ".join(view.observations[:20])))
    if view.phenomena:
        pairs.append((ctx.t("processing.phenomena"), ", ".join(view.phenomena)))
    body.append(facts(pairs))
    if view.follow_ups:
        body.append(text(ctx.t("proposal.history"), weight="Bolder", separator=True))
        for line in view.follow_ups:
            if line.answer is None:
                body.append(
                    text(f"{_d(line.asked_on)}: {ctx.t('proposal.status.asked')}", size="Small")
                )
                continue
            answered = _d(line.answered_on or line.asked_on)
            note = f" – {line.note}" if line.note else ""
            body.append(
                text(f"{answered}: {ctx.t(f'followup.answer.{line.answer}')}{note}", size="Small")
            )
    buttons = []
    if can_withdraw and view.status not in (
        ProposalStatus.DONE,
        ProposalStatus.NOT_PLANNED,
        ProposalStatus.WITHDRAWN,
    ):
        data = {"rake": PROPOSAL_WITHDRAW, "proposal": view.id, "lang": ctx.lang}
        buttons.append(
            action(mode, ctx.t("proposal.action.withdraw"), data, inputs=False, style="destructive")
        )
    return card(body, buttons)


def proposal_list_card(
    ctx: Ctx,
    views: Sequence[ProposalCardView],
    subtitle: str | None = None,
    mode: Mode = "execute",
) -> Card:
    body: list[dict[str, Any]] = [*heading(ctx.t("proposal.list.title"), subtitle)]
    if not views:
        body.append(text(ctx.t("proposal.list.none")))
    for view in views[:30]:
        line = ctx.t("proposal.list.line", id=view.id, status=_status(ctx, view), due=_d(view.due))
        body.append(
            {
                "type": "Container",
                "separator": True,
                "selectAction": action(
                    mode,
                    f"#{view.id}",
                    {"rake": PROPOSAL_OPEN, "proposal": view.id, "lang": ctx.lang},
                    inputs=False,
                ),
                "items": [
                    text(f"**{view.title}**", size="Small"),
                    text(
                        f"{line} · {ctx.label_of('service_areas', view.service_area)}",
                        size="Small",
                        isSubtle=True,
                        spacing="None",
                    ),
                ],
            }
        )
    return card(body)


# --- follow-up ---------------------------------------------------------------------------------
def follow_up_card(
    ctx: Ctx,
    view: ProposalCardView,
    follow_up_id: int,
    mode: Mode = "execute",
    error: str | None = None,
    answered: tuple[str, str] | None = None,
) -> Card:
    """The question to the responsible lead; once answered, the answer and a thank-you."""
    body: list[dict[str, Any]] = [
        *heading(ctx.t("followup.title", id=view.id), view.title),
        text(ctx.t("followup.intro")),
    ]
    if view.text:
        body.append(text(view.text, isSubtle=True))
    body.append(facts([(ctx.t("proposal.due"), _d(view.due))]))
    if answered is not None:
        answer, note = answered
        label = ctx.t(f"followup.answer.{answer}")
        body.append(text(ctx.t("followup.thanks", id=view.id, answer=label), color="Good"))
        if note:
            body.append(text(note, isSubtle=True))
        return card(body)
    if error:
        body.append(error_text(error))
    body += [
        {
            "type": "Input.ChoiceSet",
            "id": "answer",
            "label": ctx.t("followup.field.answer"),
            "style": "expanded",
            "isRequired": True,
            "errorMessage": ctx.t("followup.error.answer_required"),
            "choices": [
                {"title": ctx.t(f"followup.answer.{a.value}"), "value": a.value}
                for a in FollowUpAnswer
            ],
        },
        {
            "type": "Input.Text",
            "id": "note",
            "label": ctx.t("followup.field.note"),
            "isMultiline": True,
            "maxLength": MAX_ANSWER_NOTE,
        },
    ]
    data = {"rake": FOLLOW_UP_ANSWER, "follow_up": follow_up_id, "lang": ctx.lang}
    return card(body, [action(mode, ctx.t("processing.action.send"), data, style="positive")])


@dataclass(frozen=True)
class ReminderLine:
    follow_up_id: int
    proposal_id: int
    title: str
    asked_on: date


def follow_up_reminder_card(ctx: Ctx, lines: Sequence[ReminderLine]) -> Card:
    """ONE grouped reminder a day per person: every overdue question, each with its button."""
    body: list[dict[str, Any]] = [*heading(ctx.t("followup.reminder.title", count=len(lines)))]
    for line in lines[:20]:
        body.append(
            {
                "type": "ColumnSet",
                "separator": True,
                "columns": [
                    {
                        "type": "Column",
                        "width": "stretch",
                        "items": [
                            text(
                                ctx.t(
                                    "followup.reminder.line",
                                    id=line.proposal_id,
                                    title=line.title,
                                    asked=_d(line.asked_on),
                                ),
                                size="Small",
                            )
                        ],
                    },
                    {
                        "type": "Column",
                        "width": "auto",
                        "items": [
                            {
                                "type": "ActionSet",
                                "actions": [
                                    action(
                                        "execute",
                                        ctx.t("followup.action.answer"),
                                        {
                                            "rake": FOLLOW_UP_OPEN,
                                            "follow_up": line.follow_up_id,
                                            "lang": ctx.lang,
                                        },
                                        inputs=False,
                                    )
                                ],
                            }
                        ],
                    },
                ],
            }
        )
    return card(body)


# --- the reporter's feedback -------------------------------------------------------------------
def feedback_card(ctx: Ctx, message: Message) -> Card:
    body: list[dict[str, Any]] = [*heading(ctx.t("feedback.title")), text(ctx.t("feedback.intro"))]
    for item in message.items:
        params = line_params(item)
        if item.event is FeedbackEvent.FOLLOW_UP and "answer" in params:
            params["answer"] = ctx.t(f"followup.answer.{params['answer']}")
        needed = {"name", "period", "title", "answer"}
        for key in needed - params.keys():
            params[key] = "–"
        body.append(text(f"• {ctx.t(line_key(item.event), **params)}", size="Small"))
    if message.more:
        body.append(text(ctx.t("feedback.more", count=message.more), size="Small"))
    body.append(text(ctx.t("feedback.footer"), isSubtle=True, size="Small"))
    return card(body)


# --- metrics and the yearly draft --------------------------------------------------------------
def _metric_value(ctx: Ctx, value: int, target: int | None, percent: int | None) -> str:
    if target is None:
        return ctx.t("metrics.value_only", value=value)
    return ctx.t("metrics.value_target", value=value, target=target, percent=percent or 0)


def metrics_card(ctx: Ctx, metrics: Metrics, mode: Mode = "execute") -> Card:
    pairs = []
    for metric in metrics.metrics:
        value = _metric_value(ctx, metric.value, metric.target, metric.percent_of_target)
        if metric.on_track is True:
            value += f" · {ctx.t('metrics.on_track')}"
        elif metric.on_track is False:
            value += f" · {ctx.t('metrics.behind', expected=metric.expected_by_now)}"
        pairs.append((ctx.t(f"metrics.{metric.key}"), value))
    share = "–" if metrics.teams_share_percent is None else f"{metrics.teams_share_percent} %"
    pairs.append(
        (ctx.t("metrics.teams_share"), f"{share} ({metrics.teams_reported}/{metrics.teams_total})")
    )
    body: list[dict[str, Any]] = [
        *heading(
            ctx.t("metrics.title", year=metrics.year),
            ctx.t("metrics.through", date=_d(metrics.through)),
        ),
        facts(pairs),
    ]
    if metrics.baseline is not None:
        body.append(
            text(ctx.t("metrics.baseline", baseline=metrics.baseline), isSubtle=True, size="Small")
        )
    data = {"rake": REPORT_DRAFT, "year": metrics.year, "lang": ctx.lang}
    return card(body, [action(mode, ctx.t("metrics.action.draft"), data, inputs=False)])


def report_draft_card(ctx: Ctx, year: int, docx_url: str, markdown_url: str) -> Card:
    return card(
        [*heading(ctx.t("report.ready", year=year))],
        [
            {"type": "Action.OpenUrl", "title": ctx.t("report.download_docx"), "url": docx_url},
            {"type": "Action.OpenUrl", "title": ctx.t("report.download_md"), "url": markdown_url},
        ],
    )
