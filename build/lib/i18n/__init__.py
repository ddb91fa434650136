"""Message catalogs (fi, sv, en). Every user-visible text comes from here, never from code."""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import Any, Literal, cast

Lang = Literal["fi", "sv", "en"]
LANGS: tuple[Lang, ...] = ("fi", "sv", "en")
DEFAULT_LANG: Lang = "fi"
_DIR = Path(__file__).parent


def resolve_lang(locale: str | None, fallback: Lang = DEFAULT_LANG) -> Lang:
    """'sv-SE' -> 'sv', 'en-US' -> 'en'; unknown or empty -> fallback."""
    if not locale:
        return fallback
    head = locale.replace("_", "-").split("-", 1)[0].lower()
    return cast(Lang, head) if head in LANGS else fallback


class Catalog:
    def __init__(self, messages: dict[Lang, dict[str, str]]) -> None:
        self._messages = messages

    @classmethod
    def load(cls, directory: Path = _DIR) -> Catalog:
        messages: dict[Lang, dict[str, str]] = {}
        for lang in LANGS:
            path = directory / f"{lang}.json"
            messages[lang] = json.loads(path.read_text(encoding="utf-8"))
        return cls(messages)

    def keys(self, lang: Lang) -> set[str]:
        return set(self._messages[lang])

    def has(self, key: str) -> bool:
        return key in self._messages[DEFAULT_LANG]

    def t(self, lang: Lang, key: str, **params: Any) -> str:
        """The text for key in lang (Finnish if the language lacks it), formatted with params."""
        text = self._messages.get(lang, {}).get(key)
        if text is None:
            text = self._messages[DEFAULT_LANG].get(key)
        if text is None:
            raise KeyError(f"no message {key!r} in the catalogs")
        return text.format(**params) if params else text

    @staticmethod
    def placeholders(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
