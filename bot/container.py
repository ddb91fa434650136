"""The composition root: builds the services (repositories, the clock, the outbox), the
flows, the action table, the activity handler, the outbox worker and the scheduled jobs once.
The aiohttp app (bot.app), the CLI and the tests take what they need from here."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from botbuilder.core import TurnContext, UserState

from bot.actions import ActionTable, build_actions
from bot.acute import AcuteFlow
from bot.adapter import RakeAdapter
from bot.daily_card import DailyCard
from bot.digest_flow import DigestFlow, Digests
from bot.expert_flow import ExpertFlow
from bot.export_flow import ExportFlow
from bot.handler import RakeBot
from bot.keys import RakeAuthentication, SigningKeys
from bot.logs import exception_summary
from bot.metrics import Metrics
from bot.outbox_worker import OutboxWorker
from bot.preferences import Preferences
from bot.proactive import Messenger
from bot.processing_wiring import Loop, build_loop, loop_jobs
from bot.ratelimit import RateLimiter
from bot.report_flow import ReportFlow
from bot.retention import Retention
from bot.scheduler import Job, Scheduler
from bot.services import Clock, Services
from bot.settings import Settings
from bot.state import SqlStorage
from bot.summaries import Summaries
from bot.team_flow import TeamFlow
from bot.turn_logger import TurnLogger
from bot.vartti_flow import VarttiFlow
from i18n import Catalog, Lang, resolve_lang
from storage.db import Database
from storage.kv import KeyValueStore
from storage.outbox import Outbox
from storage.teams import TeamRepository

log = logging.getLogger(__name__)


def build_adapter(
    settings: Settings,
    catalog: Catalog,
    default_lang: Lang,
    metrics: Metrics | None = None,
    signing_keys: SigningKeys | None = None,
) -> RakeAdapter:
    auth = RakeAuthentication(settings.bot_framework_config(), signing_keys or SigningKeys())
    adapter = RakeAdapter(auth, settings.send_timeout_s)
    adapter.use(TurnLogger(metrics))

    async def on_error(context: TurnContext, error: Exception) -> None:
        log.error("turn failed: %s", exception_summary(error))
        try:
            lang = resolve_lang(context.activity.locale, default_lang)
            await context.send_activity(catalog.t(lang, "error.internal"))
        except Exception as send_error:  # the connector may be the reason
            log.warning(
                "could not tell the user about the error: %s", exception_summary(send_error)
            )

    adapter.on_turn_error = on_error
    return adapter


@dataclass
class Container:
    services: Services
    adapter: RakeAdapter
    messenger: Messenger
    worker: OutboxWorker
    preferences: Preferences
    reports: ReportFlow
    experts: ExpertFlow
    vartti: VarttiFlow
    team: TeamFlow
    digests: Digests
    digest_flow: DigestFlow
    summaries: Summaries
    daily_card: DailyCard
    acute: AcuteFlow
    exports: ExportFlow
    loop: Loop  # from observation to action (bot.processing_wiring)
    actions: ActionTable
    bot: RakeBot
    scheduler: Scheduler

    @property
    def clock(self) -> Clock:
        return self.services.clock

    @property
    def outbox(self) -> Outbox:
        return self.services.outbox

    def jobs(self) -> list[Job]:
        """The scheduled jobs; what they enqueue wakes the outbox worker by itself."""
        return [
            Job("vartti-plan", 30, self.vartti.plan_due),
            Job("summaries", 60, self.summaries.post_due_summaries),
            Job(
                "rake-daily-card",
                self.services.settings.daily_card_every_s,
                self.daily_card.refresh,
            ),
            Job("acute-reminders", 60, self.acute.remind_unacknowledged),
            *loop_jobs(self.loop, self.services.settings.loop_every_s),
            # drafts, observations and the audit log past their periods (bot.retention)
            *Retention(self.services.db, self.services.county, self.services.clock).jobs(),
        ]


def build_container(
    settings: Settings, db: Database | None = None, signing_keys: SigningKeys | None = None
) -> Container:
    services = Services.build(settings, db)
    adapter = build_adapter(
        settings,
        services.catalog,
        resolve_lang(services.county.languages[0]),
        services.metrics,
        signing_keys,
    )
    messenger = Messenger(adapter, services)
    worker = OutboxWorker(services, messenger, RateLimiter(settings.send_rate_per_second))
    services.db.on_enqueue(worker.wake)
    preferences = Preferences(services, UserState(SqlStorage(KeyValueStore(services.db))))
    teams = TeamRepository(services.db)
    vartti = VarttiFlow(services, teams)
    digests = Digests(services)
    reports = ReportFlow(services)
    team = TeamFlow(services, teams, vartti)
    exports = ExportFlow(services)
    loop = build_loop(services, exports.signer)
    reports.paths = loop.service.paths  # "my reports" shows each report's whole path
    c = Container(
        services=services,
        adapter=adapter,
        messenger=messenger,
        worker=worker,
        preferences=preferences,
        reports=reports,
        experts=ExpertFlow(services),
        vartti=vartti,
        team=team,
        digests=digests,
        digest_flow=DigestFlow(services, digests),
        summaries=Summaries(services, digests),
        daily_card=DailyCard(services, digests),
        acute=AcuteFlow(services),
        exports=exports,
        loop=loop,
        actions=ActionTable(),
        bot=None,  # type: ignore[arg-type]  # set below: the handler needs the table
        scheduler=Scheduler([]),
    )
    c.actions = build_actions(c)
    c.bot = RakeBot(c.actions, preferences, messenger, reports, team)
    c.scheduler = Scheduler(c.jobs())
    return c
