"""Welcome, team introduction, help and short notices."""

from __future__ import annotations

from cards.common import Card, Ctx, action, card, heading, open_dialog_action, text
from dialogs.actions import Action


def welcome_card(ctx: Ctx) -> Card:
    """Personal scope, on install: what the bot is for and a button to start a report."""
    return card(
        [
            *heading(ctx.t("welcome.title"), ctx.county_name()),
            text(ctx.t("welcome.body")),
            text(ctx.t("welcome.privacy"), isSubtle=True, size="Small"),
        ],
        [
            action(
                "execute",
                ctx.t("action.make_report"),
                {"rake": Action.REPORT_START},
                inputs=False,
                style="positive",
            ),
            action(
                "execute", ctx.t("action.my_reports"), {"rake": Action.REPORTS_MINE}, inputs=False
            ),
        ],
    )


def team_intro_card(ctx: Ctx) -> Card:
    """Team scope, on install: a short introduction and a button that opens the report dialog."""
    return card(
        [*heading(ctx.t("team_intro.title")), text(ctx.t("team_intro.body"))],
        [open_dialog_action(ctx.t("action.make_report"), {"rake": Action.REPORT_OPEN})],
    )


def help_card(ctx: Ctx) -> Card:
    commands = ["report", "resume", "mine", "language", "help"]
    return card(
        [
            *heading(ctx.t("help.title")),
            text(ctx.t("help.body")),
            {
                "type": "FactSet",
                "facts": [
                    {"title": ctx.t(f"help.cmd.{c}"), "value": ctx.t(f"help.cmd.{c}.what")}
                    for c in commands
                ],
            },
            text(ctx.t("help.experts"), weight="Bolder", spacing="Medium"),
            {
                "type": "FactSet",
                "facts": [
                    {"title": ctx.t(f"help.cmd.{c}"), "value": ctx.t(f"help.cmd.{c}.what")}
                    for c in (
                        "digest",
                        "export",
                        "open",
                        "proposals",
                        "phenomena",
                        "metrics",
                        "report_draft",
                        "rake_channel",
                        "roles",
                    )
                ],
            },
        ],
        [
            action(
                "execute", ctx.t("action.make_report"), {"rake": Action.REPORT_START}, inputs=False
            )
        ],
    )


def notice_card(ctx: Ctx, key: str, **params: str) -> Card:
    return card([text(ctx.t(key, **params))])
