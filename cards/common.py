"""Shared card parts: the render context, actions in both transports, labels from county lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from counties import County, Option
from dialogs.fields import COUNTY_LISTS, OPTION_PREFIX
from i18n import Catalog, Lang

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
Card = dict[str, Any]
# "execute": personal chat, the card is replaced in place (Action.Execute);
# "submit": inside a Teams dialog (task module), where Action.Submit drives task/submit.
Mode = Literal["execute", "submit"]


@dataclass(frozen=True)
class Ctx:
    lang: Lang
    catalog: Catalog
    county: County

    def t(self, key: str, **params: Any) -> str:
        return self.catalog.t(self.lang, key, **params)

    def county_name(self) -> str:
        return self.county.name.get(self.lang) or self.county.name["fi"]

    def label(self, list_kind: str, option: Option) -> str:
        if option.label:
            return option.label.get(self.lang) or option.label["fi"]
        return self.t(f"{list_kind}.{option.id}")

    def label_of(self, list_name: str, option_id: str | None) -> str:
        if not option_id:
            return "–"
        options: list[Option] = getattr(self.county, list_name)
        for option in options:
            if option.id == option_id:
                return self.label(OPTION_PREFIX[list_name], option)
        return option_id

    def field_label(self, field: str, option_id: str | None) -> str:
        """The label of a field's value from the county list the field draws from."""
        return self.label_of(COUNTY_LISTS[field], option_id)

    def choices(self, list_name: str) -> list[dict[str, str]]:
        options: list[Option] = getattr(self.county, list_name)
        kind = OPTION_PREFIX[list_name]
        return [{"title": self.label(kind, o), "value": o.id} for o in options]

    def field_choices(self, field: str) -> list[dict[str, str]]:
        return self.choices(COUNTY_LISTS[field])


def card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> Card:
    result: Card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    if actions:
        result["actions"] = actions
    return result


def action(
    mode: Mode, title: str, data: dict[str, Any], *, inputs: bool = True, style: str | None = None
) -> dict[str, Any]:
    """One button that works in both transports; ``inputs=False`` sends no input values."""
    result: dict[str, Any] = {
        "type": "Action.Execute" if mode == "execute" else "Action.Submit",
        "title": title,
        "data": data,
    }
    if mode == "execute":
        result["verb"] = str(data.get("rake", "rake"))
    if not inputs:
        result["associatedInputs"] = "none"
    if style:
        result["style"] = style
    return result


def open_dialog_action(title: str, data: dict[str, Any]) -> dict[str, Any]:
    """A button that opens a Teams dialog (task module) in a channel."""
    return {
        "type": "Action.Submit",
        "title": title,
        "data": {"msteams": {"type": "task/fetch"}, **data},
    }


def heading(text: str, subtle: str | None = None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": text, "weight": "Bolder", "size": "Medium", "wrap": True}
    ]
    if subtle:
        items.append(
            {"type": "TextBlock", "text": subtle, "isSubtle": True, "wrap": True, "spacing": "None"}
        )
    return items


def text(value: str, **extra: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": value, "wrap": True, **extra}


def error_text(value: str, colour: str = "Attention") -> dict[str, Any]:
    """A field's error under it; colour "Accent" for a question the user may answer and go on
    (Teams draws "Warning" in a yellow too pale to read on white)."""
    return {
        "type": "TextBlock",
        "text": value,
        "wrap": True,
        "color": colour,
        "size": "Small",
        "spacing": "None",
    }


def facts(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    return {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in pairs]}
