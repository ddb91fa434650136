"""What an action's handler gets of a Teams turn: the render context, the card's data or the
command's words, and the activity's who and where (read once, defensively)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot import perimeter
from cards.common import Card, Ctx, Mode


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def channel_data(activity: Activity) -> dict[str, Any]:
    return as_dict(activity.channel_data)


def user_id(activity: Activity) -> str:
    return perimeter.user_id(activity)  # the Entra object id, never from.id


def team_id(activity: Activity) -> str | None:
    team = channel_data(activity).get("team")
    return team.get("id") if isinstance(team, dict) else None


def channel_id(activity: Activity) -> str | None:
    """The channel a message or card action came from; None in personal and group chat."""
    conversation = activity.conversation
    if not (conversation and conversation.conversation_type == "channel"):
        return None
    channel = as_dict(channel_data(activity).get("channel")).get("id")
    return str(channel) if channel else (team_id(activity) or "")


@dataclass(frozen=True)
class Say:
    """A plain message as the answer (to a button: shown to the one who pressed it, the card
    stays as it was)."""

    text: str


Reply = Card | Say


@dataclass
class Turn:
    context: TurnContext
    ctx: Ctx
    mode: Mode = "execute"  # "submit" inside a Teams dialog
    data: dict[str, Any] = field(default_factory=dict)  # the card's data
    argument: str | None = None  # the words after a typed command

    @property
    def activity(self) -> Activity:
        return self.context.activity

    @property
    def user_id(self) -> str:
        return user_id(self.activity)

    @property
    def user_name(self) -> str | None:
        sender = self.activity.from_property
        return sender.name if sender else None

    @property
    def team_id(self) -> str | None:
        return team_id(self.activity)

    @property
    def channel_id(self) -> str | None:
        return channel_id(self.activity)

    @property
    def here(self) -> str | None:
        """The id of the channel this came from as Teams names it (None outside channels)."""
        channel = as_dict(channel_data(self.activity).get("channel")).get("id")
        return str(channel) if channel else None
