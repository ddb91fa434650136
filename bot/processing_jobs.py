"""The loop's scheduled jobs, on the service's injectable clock (SDK-free; every write is
idempotent, so replicas may run them together):

* ``stamp_summaries`` — observations in a new periodic summary: stamped, reporters told;
* ``ask_follow_ups`` — at a proposal's due date and after each periodic summary, the owner is
  asked "what was done?" (once per trigger);
* ``remind_overdue`` — one grouped reminder per owner per day for overdue, unanswered questions;
* ``send_feedback`` — each reporter's waiting happenings in one message a day.

Reminders and feedback go out in working hours only (08–18 local time, Monday to Friday).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta

from bot.processing_service import ProcessingService
from cards.common import Card
from cards.proposals import (
    ProposalCardView,
    ReminderLine,
    feedback_card,
    follow_up_card,
    follow_up_reminder_card,
)
from dialogs.feedback import batch
from dialogs.proposals import reminder_key, reminders_today, resolve_by, triggers_due
from storage.feedback import Outgoing

Reach = Callable[[str, Card], Outgoing]
WORK_START, WORK_END = time(8, 0), time(18, 0)
SUMMARY_LOOKBACK = timedelta(days=400)


class LoopJobs:
    def __init__(self, service: ProcessingService) -> None:
        self.s = service

    def _local(self, now: datetime) -> datetime:
        return now.astimezone(self.s.tz)

    def working_hours(self, now: datetime) -> bool:
        local = self._local(now)
        return local.weekday() < 5 and WORK_START <= local.time() < WORK_END

    def _day_start(self, now: datetime) -> datetime:
        return datetime.combine(self._local(now).date(), time(0), tzinfo=self.s.tz)

    async def stamp_summaries(self) -> int:
        return await self.s.repos.processing.stamp_summaries(self.s.clock())

    async def ask_follow_ups(self) -> int:
        now = self.s.clock()
        today = self._local(now).date()
        repos = self.s.repos
        summaries = await repos.proposals.periodic_summaries(now - SUMMARY_LOOKBACK)
        ctx = self.s.ctx()
        asked = 0
        for state in await repos.proposals.states():
            for trigger in triggers_due(state, today, summaries):
                reach = await self.s.personal(state.owner_id, "follow_up")
                view = self.s.card_view(await repos.proposals.get(state.id, now))

                def outgoing(
                    follow_up_id: int, reach: Reach | None = reach, view: ProposalCardView = view
                ) -> Outgoing | None:
                    if reach is None:
                        return None  # asked and recorded; the reminder reaches them later
                    return reach(
                        f"followup:{follow_up_id}", follow_up_card(ctx, view, follow_up_id)
                    )

                answer_days = self.s.county.follow_up.answer_days
                made = await repos.proposals.ask(
                    state.id,
                    trigger,
                    state.owner_id,
                    now,
                    resolve_by(now, answer_days),
                    outgoing,
                )
                asked += made is not None
        return asked

    async def remind_overdue(self) -> int:
        now = self.s.clock()
        if not self.working_hours(now):
            return 0
        repos = self.s.repos
        ctx = self.s.ctx()
        sent = 0
        due = reminders_today(await repos.proposals.open_follow_ups(), now, self.s.tz)
        for owner, items in due.items():
            reach = await self.s.personal(owner, "follow_up_reminder")
            if reach is None:
                continue
            lines = []
            for item in items:
                row = await repos.proposals.follow_up(item.id)
                proposal = await repos.proposals.get(item.proposal_id)
                lines.append(
                    ReminderLine(
                        item.id, item.proposal_id, proposal.title, self._local(row.asked_at).date()
                    )
                )
            card = follow_up_reminder_card(ctx, lines)
            key = reminder_key(owner, now, self.s.tz)
            ids = [item.id for item in items]
            sent += await repos.proposals.remind(ids, self._day_start(now), now, reach(key, card))
        return sent

    async def send_feedback(self) -> int:
        now = self.s.clock()
        if not self.working_hours(now):
            return 0
        repos = self.s.repos
        day = self._local(now).date()
        told = await repos.feedback.told_since(self._day_start(now))
        sent = 0
        for message in batch(await repos.feedback.pending(), told):
            reach = await self.s.personal(message.recipient_id, "feedback")
            if reach is None:
                continue  # the happenings wait until the person can be reached
            card = feedback_card(self.s.ctx(message.locale), message)
            item = reach(message.outbox_key(day), card)

            def outgoing(_message: object, item: Outgoing = item) -> Outgoing:
                return item

            sent += await repos.feedback.settle(message, outgoing, now)
        return sent

    async def run_all(self) -> dict[str, int]:
        """One pass of every job (``python -m bot tick`` and the tests)."""
        return {
            "stamp_summaries": await self.stamp_summaries(),
            "ask_follow_ups": await self.ask_follow_ups(),
            "remind_overdue": await self.remind_overdue(),
            "send_feedback": await self.send_feedback(),
        }
