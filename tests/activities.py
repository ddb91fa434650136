"""Teams activity JSON as Teams sends it (shapes taken from real payloads; all data synthetic)."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

TENANT = "11111111-2222-3333-4444-555555555555"
BOT_ID = "28:rake-bot-app-id"
WORKER_AAD = "aaaaaaaa-0000-0000-0000-000000000001"
TEAM_ID = "19:team-general@thread.tacv2"
CHANNEL_ID = "19:rake-channel@thread.tacv2"
_seq = itertools.count(1)


def base(
    kind: str,
    service_url: str,
    *,
    user: str = WORKER_AAD,
    locale: str = "fi-FI",
    team: bool = False,
    conversation_id: str | None = None,
) -> dict[str, Any]:
    conversation: dict[str, Any] = {
        "id": conversation_id or f"a:personal-{user}",
        "conversationType": "channel" if team else "personal",
        "tenantId": TENANT,
    }
    channel_data: dict[str, Any] = {"tenant": {"id": TENANT}}
    if team:
        conversation["isGroup"] = True
        channel_data.update(
            team={"id": TEAM_ID, "name": "Perhesosiaalityö"},
            channel={"id": CHANNEL_ID, "name": "Rake"},
        )
    return {
        "type": kind,
        "id": f"act-{next(_seq)}",
        "timestamp": "2026-11-24T10:00:00.000Z",
        "localTimestamp": "2026-11-24T12:00:00.000+02:00",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": f"29:{user}", "name": "Testi Työntekijä", "aadObjectId": user},
        "conversation": conversation,
        "recipient": {"id": BOT_ID, "name": "Rake"},
        "locale": locale,
        "channelData": channel_data,
        "entities": [{"type": "clientInfo", "locale": locale, "country": "FI", "platform": "Web"}],
    }


def message(service_url: str, text: str, **kw: Any) -> dict[str, Any]:
    activity = base("message", service_url, **kw)
    activity.update(text=text, textFormat="plain")
    return activity


def bot_added_personal(service_url: str, **kw: Any) -> dict[str, Any]:
    activity = base("conversationUpdate", service_url, **kw)
    activity["membersAdded"] = [{"id": BOT_ID}]
    return activity


def bot_added_to_team(service_url: str) -> dict[str, Any]:
    activity = base("conversationUpdate", service_url, team=True, conversation_id=TEAM_ID)
    activity["membersAdded"] = [{"id": BOT_ID}]
    activity["channelData"]["eventType"] = "teamMemberAdded"
    return activity


def installation_update(
    service_url: str, action: str = "add", team: bool = False
) -> dict[str, Any]:
    activity = base(
        "installationUpdate", service_url, team=team, conversation_id=TEAM_ID if team else None
    )
    activity["action"] = action
    return activity


def invoke(service_url: str, name: str, value: Any, **kw: Any) -> dict[str, Any]:
    activity = base("invoke", service_url, **kw)
    activity.update(name=name, value=value)
    return activity


def execute(service_url: str, data: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """Action.Execute from a card in personal chat."""
    return invoke(
        service_url,
        "adaptiveCard/action",
        {
            "action": {
                "type": "Action.Execute",
                "verb": str(data.get("rake", "rake")),
                "data": data,
            },
            "trigger": "manual",
        },
        **kw,
    )


def task_fetch(service_url: str, data: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return invoke(
        service_url,
        "task/fetch",
        {"data": {"msteams": {"type": "task/fetch"}, **data}, "context": {"theme": "default"}},
        **kw,
    )


def task_submit(service_url: str, data: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return invoke(service_url, "task/submit", {"data": data, "context": {"theme": "default"}}, **kw)


def message_action(service_url: str, html: str, **kw: Any) -> dict[str, Any]:
    return invoke(
        service_url,
        "composeExtension/fetchTask",
        {
            "commandId": "reportFromMessage",
            "commandContext": "message",
            "context": {"theme": "default"},
            "messagePayload": {
                "id": "1700000000000",
                "from": {"user": {"id": "someone", "displayName": "Toinen Työntekijä"}},
                "body": {"contentType": "html", "content": html},
            },
        },
        **kw,
    )


def new_id() -> str:
    return uuid.uuid4().hex
