"""Every card action's name, shared by the cards (the ``rake`` key of a button's data) and the
bot's action table (bot.actions). Typed commands are named by ``dialogs.commands.Command``.

A new action: a member here, a button that sends it (cards/), and one registration in
``bot.actions.build_actions`` (see docs/architecture.md, "Where a new feature goes")."""

from __future__ import annotations

from enum import StrEnum

KEY = "rake"  # the key of a card's data that names the action


class Action(StrEnum):
    REPORT = "report"  # a step of the report dialog (verb, draft id, step, values)
    REPORT_START = "report.start"  # a new report in personal chat
    REPORT_OPEN = "report.open"  # a new report in a Teams dialog (from a channel's card)
    REPORTS_MINE = "reports.mine"
    OBSERVATION_SHOW = "observation.show"  # experts only, audited
    ACUTE_ACK = "acute.ack"
    DIGEST_FILTER = "digest.filter"
    DIGEST_RUN = "digest.run"
    EXPORT_LINK = "export.link"
    SCHEDULE_SAVE = "schedule.save"
    SCHEDULE_SKIP = "schedule.skip"
    VARTTI_HELD = "vartti.held"
    VARTTI_SKIP = "vartti.skip"
    # From observation to action (bot.processing_flow): experts only, except the answers
    PROC_OPEN = "proc.open"  # the processing card of an observation (audited read)
    PROC_STATUS = "proc.status"
    PROC_CLOSE = "proc.close"
    PROC_ENRICH = "proc.enrich"
    PROC_GROUP = "proc.group"
    PROC_ASK = "proc.ask"  # ask a service area's lead for comment
    PROC_PROPOSE = "proc.propose"
    COMMENT_ANSWER = "comment.answer"  # the lead answers on the card
    PHENOMENON_OPEN = "phen.open"
    PHENOMENON_ASK = "phen.ask"
    PHENOMENON_PROPOSE = "phen.propose"
    PROPOSAL_OPEN = "prop.open"
    PROPOSAL_WITHDRAW = "prop.withdraw"
    FOLLOW_UP_OPEN = "fu.open"
    FOLLOW_UP_ANSWER = "fu.answer"  # the owner answers "what was done?"
    REPORT_DRAFT = "report.draft"  # the yearly social-report draft's links


def action_of(data: object) -> Action | None:
    """The action a card's data names; None when it names none or one we do not know."""
    name = data.get(KEY) if isinstance(data, dict) else None
    return Action(name) if isinstance(name, str) and name in Action._value2member_map_ else None
