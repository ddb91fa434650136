"""The loop's parts built from the app's Services: the processing service (with the similar
observations back-end and the access check), its scheduled jobs, the chat flow, and the
download of the yearly draft behind a signed link (the export links' signer)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.access import is_expert
from bot.processing_flow import ProcessingFlow
from bot.processing_jobs import LoopJobs
from bot.processing_service import Actor, ProcessingService
from bot.processing_support import Repositories
from bot.scheduler import Job
from bot.services import Services
from bot.similar_finder import SimilarFinder, similarity_ranker
from dialogs.processing import ProcessingError
from dialogs.social_report import to_markdown
from storage.audit import AuditLog

log = logging.getLogger(__name__)
DRAFT_PATH = "/exports/draft/"


@dataclass
class Loop:
    service: ProcessingService
    jobs: LoopJobs
    flow: ProcessingFlow


def build_loop(services: Services, signer: Any) -> Loop:
    repos = Repositories.build(services.db, ZoneInfo(services.county.timezone))

    async def expert(aad_id: str) -> bool:
        return await is_expert(services, aad_id)

    similar = None
    if services.settings.similar != "off":
        similar = SimilarFinder(repos.processing, similarity_ranker(services.settings.similar))
    service = ProcessingService(
        repos, services.county, services.catalog, services.clock, expert, similar
    )

    def link(claims: dict[str, Any]) -> str:
        token = signer.sign(
            {
                "u": claims["user"],
                "k": "draft",
                "y": claims["year"],
                "f": claims["format"],
                "l": claims["lang"],
            },
            services.settings.export_link_minutes,
        )
        return f"{services.settings.base_url()}{DRAFT_PATH}{token}"

    return Loop(service, LoopJobs(service), ProcessingFlow(service, link))


async def draft_download(
    loop: Loop, signer: Any, audit: AuditLog, token: str
) -> tuple[bytes, str, str] | None:
    """The draft for a valid link of a still-current expert (audited); None otherwise."""
    claims = signer.verify(token)
    if not claims or claims.get("k") != "draft":
        return None
    user, year, fmt = str(claims.get("u", "")), int(claims.get("y", 0)), claims.get("f")
    try:
        blocks = await loop.service.report_draft(Actor(user), year, str(claims.get("l", "fi")))
    except ProcessingError:
        await audit.record(user, "report.draft", f"{year} {fmt}", False)
        return None
    await audit.record(user, "report.draft", f"{year} {fmt}", True)
    name = f"sosiaalinen-raportti-{loop.service.county.id}-{year}"
    if fmt == "docx":
        from bot.docx_report import DOCX_MIME, to_docx  # python-docx only when asked for

        return to_docx(blocks, name), f"{name}.docx", DOCX_MIME
    return to_markdown(blocks).encode(), f"{name}.md", "text/markdown; charset=utf-8"


def loop_jobs(loop: Loop, every: float = 60) -> list[Job]:
    """What they enqueue wakes the outbox worker by itself (Database.on_enqueue)."""
    jobs = loop.jobs
    return [
        Job("loop-summary-stamps", every, jobs.stamp_summaries),
        Job("loop-follow-up-asks", every, jobs.ask_follow_ups),
        Job("loop-follow-up-reminders", 300, jobs.remind_overdue),
        Job("loop-feedback", 300, jobs.send_feedback),
    ]
