"""Rake-vartti: plans due prompts into the outbox, and handles the schedule and prompt cards."""

from __future__ import annotations

import logging
import math
import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from bot.outbox_worker import reference_payload
from bot.services import Services
from cards.common import Card, Ctx
from cards.vartti import LEADS, Recorded, prompt_card, schedule_card
from counties import prompt_library
from dialogs.guard import check
from dialogs.report import MalformedInput
from dialogs.vartti import Prompt, Schedule, choose_prompt, is_theme_week, shown_count
from i18n import resolve_lang
from storage.conversations import Reference
from storage.teams import ActiveSchedule, TeamInfo, TeamRepository
from storage.vartti import VarttiRepository

log = logging.getLogger(__name__)
DATA_POINT_DAYS = 30
MAX_ID = 2**31 - 1  # an INTEGER column on PostgreSQL: 2**31 would be a DataError there
NUMBER = re.compile(r"-?\d{1,10}(?:\.\d{1,6})?")
SCHEDULE_FIELDS = {
    "channel_id",
    "weekday",
    "meeting_time",
    "lead_minutes",
    "frequency",
    "week_of_month",
    "language",
    "service_area",
    "area",
    "paused",
}


class VarttiFlow:
    def __init__(self, services: Services, teams: TeamRepository) -> None:
        self._s = services
        self._teams = teams
        self.vartti = VarttiRepository(services.db)
        self.clock = services.clock
        self.library = {p.id: p for p in prompt_library(services.county)}

    # --- planning (the scheduler's job) -----------------------------------------------------
    async def plan_due(self, now: datetime | None = None) -> int:
        """Enqueue every due prompt once; one team's failure does not stop the others."""
        now = now or self.clock()
        planned = 0
        for active in await self._teams.active_schedules():
            try:
                planned += await self._plan_team(active, now)
            except Exception:
                log.exception("planning the vartti of one team failed")
        return planned

    async def _plan_team(self, active: ActiveSchedule, now: datetime) -> int:
        planned = 0
        county = self._s.county
        for meeting_date, due_at in active.schedule.due(now):
            prompt = choose_prompt(
                self.library.values(),
                meeting_date=meeting_date,
                theme_weeks=county.theme_weeks,
                phenomena=county.ids_of("phenomenon"),
                last_used=await self.vartti.last_used(active.team.team_id),
                rotation_weeks=county.prompt_rotation_weeks,
            )
            if active.schedule.skip_date == meeting_date:
                await self.vartti.skip(active.team.team_id, meeting_date, prompt.id)
                await self._teams.set_skip(active.team.team_id, None)
                continue
            ctx = Ctx(active.schedule.language, self._s.catalog, county)
            point = await self._data_point(ctx, active.team, prompt, now)
            theme = is_theme_week(meeting_date, county.theme_weeks)
            target = Reference(
                scope="channel",
                owner_id=active.channel_id,
                conversation_id=active.channel_id,
                service_url=active.team.service_url,
                tenant_id=active.team.tenant_id,
                team_id=active.team.team_id,
            )

            def payload(
                occurrence_id: int,
                prompt: Prompt = prompt,
                theme: bool = theme,
                point: str | None = point,
                meeting: date = meeting_date,
                ctx: Ctx = ctx,
                target: Reference = target,
                channel_name: str = active.channel_name or ctx.t("channel.general"),
            ) -> dict[str, Any]:
                card = prompt_card(ctx, occurrence_id, meeting, prompt.text[ctx.lang], point, theme)
                return {
                    "target": reference_payload(target),
                    "card": card,
                    "occurrence": occurrence_id,
                    "channel_name": channel_name,
                }

            created = await self.vartti.plan(
                active.team.team_id,
                meeting_date,
                due_at,
                prompt.id,
                point,
                ctx.lang,
                active.channel_id,
                payload,
            )
            planned += created is not None
        return planned

    async def _data_point(self, ctx: Ctx, team: TeamInfo, prompt: Prompt, now: datetime) -> str:
        count = await self.vartti.count_observations(
            now - timedelta(days=DATA_POINT_DAYS),
            prompt.phenomenon,
            team.area,
            team.service_area,
        )
        places = [
            ctx.field_label("area", team.area) if team.area else None,
            ctx.field_label("service_area", team.service_area) if team.service_area else None,
        ]
        place = " / ".join(p for p in places if p) or ctx.t("vartti.whole_county")
        shown = shown_count(count) or ctx.t("vartti.fewer_than_3")
        if prompt.phenomenon:
            return ctx.t(
                "vartti.datapoint",
                place=place,
                count=shown,
                phenomenon=ctx.field_label("phenomenon", prompt.phenomenon).lower(),
            )
        return ctx.t("vartti.datapoint.all", place=place, count=shown)

    # --- the prompt card's buttons ----------------------------------------------------------
    async def _occurrence_card(self, ctx: Ctx, occurrence_id: int, team_id: str | None) -> Any:
        occurrence = await self.vartti.get(occurrence_id)
        if occurrence is None or occurrence.team_id != team_id:
            raise MalformedInput()
        return occurrence

    def _render(self, occurrence: Any) -> Card:
        ctx = Ctx(resolve_lang(occurrence.language), self._s.catalog, self._s.county)
        prompt = self.library.get(occurrence.prompt_id)
        text = prompt.text[ctx.lang] if prompt else occurrence.prompt_id
        meeting = date.fromisoformat(occurrence.meeting_date)
        recorded = Recorded(
            occurrence.status, occurrence.participants, occurrence.observations, occurrence.note
        )
        return prompt_card(
            ctx,
            occurrence.id,
            meeting,
            text,
            occurrence.data_point,
            is_theme_week(meeting, self._s.county.theme_weeks),
            recorded,
        )

    async def held(self, ctx: Ctx, team_id: str | None, data: dict[str, Any]) -> Card:
        occurrence_id = _int(data.get("occurrence"), 1, MAX_ID)
        occurrence = await self._occurrence_card(ctx, occurrence_id, team_id)
        participants = _int(data.get("participants") or 0, 0, 200)
        observations = _int(data.get("observations") or 0, 0, 100)
        note = data.get("note") or ""
        if not isinstance(note, str) or len(note) > 500 or "\x00" in note:
            raise MalformedInput()
        if check(note, self._s.county.place_names()).blocked:  # a grievance notice: no block
            raise MalformedInput("vartti.note_identifiers")
        await self.vartti.record(
            occurrence.id,
            occurrence.team_id,
            "held",
            participants,
            observations,
            note.strip() or None,
        )
        return self._render(await self.vartti.get(occurrence.id))

    async def skip(self, ctx: Ctx, team_id: str | None, data: dict[str, Any]) -> Card:
        occurrence = await self._occurrence_card(
            ctx, _int(data.get("occurrence"), 1, MAX_ID), team_id
        )
        await self.vartti.record(occurrence.id, occurrence.team_id, "skipped")
        return self._render(await self.vartti.get(occurrence.id))

    # --- the schedule card ------------------------------------------------------------------
    async def schedule_card(
        self,
        ctx: Ctx,
        team_id: str,
        here: str | None = None,
        saved: str | None = None,
        errors: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ) -> Card:
        channels = [
            (
                c.channel_id,
                c.name or (ctx.t("channel.general") if c.channel_id == team_id else c.channel_id),
            )
            for c in await self._teams.channels(team_id)
            if not c.deleted
        ]
        team = await self._teams.get(team_id)
        current: dict[str, Any] = {
            "weekday": "1",
            "meeting_time": "09:00",
            "lead_minutes": "60",
            "frequency": "weekly",
            "week_of_month": "1",
            "language": ctx.lang,
        }
        stored = await self._teams.schedule(team_id)
        if stored:
            channel_id, schedule = stored
            current.update(
                channel_id=channel_id,
                weekday=str(schedule.weekday),
                meeting_time=schedule.meeting_time,
                lead_minutes=str(schedule.lead_minutes),
                frequency=schedule.frequency.value,
                week_of_month=str(schedule.week_of_month or 1),
                language=schedule.language,
                paused=schedule.paused,
            )
        elif channels:
            ids = [c[0] for c in channels]
            current["channel_id"] = here if here in ids else ids[0]
        if team:
            current.update(service_area=team.service_area or "", area=team.area or "")
        current.update(values or {})
        return schedule_card(ctx, channels, current, errors, saved)

    async def save_schedule(
        self, ctx: Ctx, team_id: str, user_id: str, data: dict[str, Any]
    ) -> Card:
        values = {k: v for k, v in data.items() if k not in ("rake", "lang", "msteams")}
        if set(values) - SCHEDULE_FIELDS or any(
            not isinstance(v, str) or len(v) > 300 for v in values.values()
        ):
            raise MalformedInput()
        channel_ids = {c.channel_id for c in await self._teams.channels(team_id)}
        county = self._s.county
        if values.get("channel_id") not in channel_ids:
            raise MalformedInput()
        for name in ("service_area", "area"):
            if values.get(name) and values[name] not in county.ids_of(name):
                raise MalformedInput()
        if values.get("lead_minutes") not in {str(m) for m in LEADS}:
            raise MalformedInput()
        frequency = values.get("frequency", "weekly")
        stored = await self._teams.schedule(team_id)
        today = self.clock().astimezone(ZoneInfo(county.timezone)).date()
        try:
            weekday = int(values.get("weekday", ""))
            anchor = stored[1].anchor_date if stored and stored[1].weekday == weekday else today
            schedule = Schedule.model_validate(
                {
                    "weekday": weekday,
                    "meeting_time": values.get("meeting_time", "")[:5],
                    "lead_minutes": int(values["lead_minutes"]),
                    "frequency": frequency,
                    "week_of_month": int(values.get("week_of_month") or 1)
                    if frequency == "monthly"
                    else None,
                    "anchor_date": anchor,
                    "timezone": county.timezone,
                    "paused": values.get("paused") == "true",
                    "language": values.get("language") or ctx.lang,
                    "skip_date": stored[1].skip_date if stored else None,
                }
            )
        except (ValueError, ValidationError) as exc:
            if "meeting_time" in str(exc):
                return await self.schedule_card(
                    ctx, team_id, errors={"meeting_time": "error.invalid_time"}, values=values
                )
            raise MalformedInput() from None
        await self._teams.save_schedule(team_id, values["channel_id"], schedule, user_id)
        await self._teams.set_flags(
            team_id,
            service_area=values.get("service_area") or None,
            area=values.get("area") or None,
        )
        await self.plan_due()  # a prompt already due goes out now
        upcoming = schedule.next_meeting(self.clock())
        saved = (
            ctx.t("schedule.saved_paused")
            if schedule.paused
            else ctx.t("schedule.saved", date=_day(upcoming))
            if upcoming
            else ctx.t("schedule.no_next")
        )
        return await self.schedule_card(ctx, team_id, saved=saved)

    async def skip_next(self, ctx: Ctx, team_id: str) -> Card:
        stored = await self._teams.schedule(team_id)
        upcoming = stored[1].next_meeting(self.clock()) if stored else None
        if upcoming is None:
            return await self.schedule_card(ctx, team_id, saved=ctx.t("schedule.no_next"))
        await self._teams.set_skip(team_id, upcoming)
        return await self.schedule_card(
            ctx, team_id, saved=ctx.t("schedule.skipping", date=_day(upcoming))
        )


def _day(day: date | None) -> str:
    return f"{day.day}.{day.month}.{day.year}" if day else "–"


def _int(value: Any, low: int, high: int) -> int:
    """A whole number in [low, high] from a card's input (Input.Number sends "7" or "7.0");
    anything else (inf, nan, 1e999, a bool, a list) is a forged submit."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and math.isfinite(value):
        number = int(value)
    elif isinstance(value, str) and NUMBER.fullmatch(value.strip()):
        number = int(float(value))
    if number is None or not low <= number <= high:
        raise MalformedInput()
    return number
