"""The yearly social report (sosiaalinen raportti) as an editable draft: the year's figures
against the targets, observations by phenomenon, the phenomena (ilmiöt) found, the action
proposals and what was done about them.

Built as a list of blocks (headings, paragraphs, bullets, tables) so the same draft becomes
Markdown here and a Word document elsewhere (bot.docx_report). Pure: texts come through ``t``.
Counts of 1–2 observations per phenomenon show as "<3", as in every shared view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dialogs.metrics import Metrics
from dialogs.vartti import SMALL_COUNT

Translate = Callable[..., str]


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str
    placeholder: bool = False  # a place for the experts' own text


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Heading | Paragraph | Bullets | Table


@dataclass(frozen=True)
class PhenomenonItem:
    name: str
    description: str
    observations: int


@dataclass(frozen=True)
class FollowUpItem:
    answered_on: date
    answer: str  # a FollowUpAnswer value
    note: str


@dataclass(frozen=True)
class ProposalItem:
    title: str
    text: str
    service_area: str  # already labelled
    due: date
    status: str  # a ProposalStatus value
    follow_ups: tuple[FollowUpItem, ...] = ()


@dataclass(frozen=True)
class DraftData:
    county: str
    year: int
    metrics: Metrics
    by_phenomenon: Sequence[tuple[str, int]]  # (label, count), most first
    phenomena: Sequence[PhenomenonItem] = ()
    proposals: Sequence[ProposalItem] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def _count(n: int) -> str:
    return str(n) if n >= SMALL_COUNT or n == 0 else f"<{SMALL_COUNT}"


def _value(value: int | None) -> str:
    return "–" if value is None else str(value)


def build(data: DraftData, t: Translate) -> list[Block]:
    m = data.metrics
    blocks: list[Block] = [
        Heading(1, t("report.title", county=data.county, year=data.year)),
        Paragraph(t("report.intro", year=data.year, through=m.through.strftime("%d.%m.%Y"))),
        Heading(2, t("report.figures")),
    ]
    rows = [
        (t(f"metrics.{metric.key}"), str(metric.value), _value(metric.target))
        for metric in m.metrics
    ]
    share = "–" if m.teams_share_percent is None else f"{m.teams_share_percent} %"
    rows.append((t("metrics.teams_share"), f"{share} ({m.teams_reported}/{m.teams_total})", "–"))
    blocks.append(
        Table((t("report.col.metric"), t("report.col.value"), t("report.col.target")), tuple(rows))
    )
    if m.baseline is not None:
        blocks.append(Paragraph(t("report.baseline", baseline=m.baseline)))
    blocks.append(Heading(2, t("report.by_phenomenon")))
    if data.by_phenomenon:
        blocks.append(
            Table(
                (t("report.col.phenomenon"), t("report.col.observations")),
                tuple((label, _count(n)) for label, n in data.by_phenomenon),
            )
        )
    else:
        blocks.append(Paragraph(t("report.none")))
    blocks.append(Heading(2, t("report.phenomena")))
    if data.phenomena:
        for item in data.phenomena:
            blocks.append(Heading(3, item.name))
            if item.description:
                blocks.append(Paragraph(item.description))
            blocks.append(Paragraph(t("report.phenomenon_count", count=_count(item.observations))))
    else:
        blocks.append(Paragraph(t("report.none")))
    blocks.append(Heading(2, t("report.proposals")))
    if data.proposals:
        for proposal in data.proposals:
            blocks += _proposal(proposal, t)
    else:
        blocks.append(Paragraph(t("report.none")))
    blocks += [
        Heading(2, t("report.conclusions")),
        Paragraph(t("report.placeholder"), placeholder=True),
    ]
    return blocks


def _proposal(item: ProposalItem, t: Translate) -> list[Block]:
    blocks: list[Block] = [Heading(3, item.title)]
    if item.text:
        blocks.append(Paragraph(item.text))
    blocks.append(
        Bullets(
            (
                f"{t('proposal.service_area')}: {item.service_area}",
                f"{t('proposal.due')}: {item.due.strftime('%d.%m.%Y')}",
                f"{t('proposal.status')}: {t(f'proposal.status.{item.status}')}",
            )
        )
    )
    if item.follow_ups:
        blocks.append(
            Bullets(
                tuple(
                    f"{f.answered_on.strftime('%d.%m.%Y')}: {t(f'followup.answer.{f.answer}')}"
                    + (f" – {f.note}" if f.note else "")
                    for f in item.follow_ups
                )
            )
        )
    return blocks


def _escape(cell: str) -> str:
    return " ".join(cell.replace("|", "\\|").split())


def to_markdown(blocks: Sequence[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append(f"{'#' * block.level} {block.text}")
        elif isinstance(block, Paragraph):
            out.append(f"*{block.text}*" if block.placeholder else block.text)
        elif isinstance(block, Bullets):
            out.append("\n".join(f"- {item}" for item in block.items))
        else:
            lines = [
                "| " + " | ".join(_escape(h) for h in block.header) + " |",
                "|" + "|".join(" --- " for _ in block.header) + "|",
            ]
            lines += ["| " + " | ".join(_escape(c) for c in row) + " |" for row in block.rows]
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"
