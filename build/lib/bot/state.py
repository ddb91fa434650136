"""botbuilder ``Storage`` over the SQL key/value store, so state survives restarts and replicas."""

from __future__ import annotations

import copy
from typing import Any

from botbuilder.core import Storage, StoreItem

from storage.kv import EtagConflict, KeyValueStore


def _plain(value: Any) -> tuple[dict[str, Any], str | None]:
    if isinstance(value, dict):
        data = copy.deepcopy(value)
        etag = data.pop("e_tag", None)
    elif isinstance(value, StoreItem):
        data = {k: copy.deepcopy(v) for k, v in vars(value).items() if k != "e_tag"}
        etag = getattr(value, "e_tag", None)
    else:
        raise TypeError(f"cannot store a {type(value).__name__} in bot state")
    return data, etag


class SqlStorage(Storage):
    def __init__(self, store: KeyValueStore) -> None:
        self._store = store

    async def read(self, keys: list[str]) -> dict[str, object]:
        if not keys:
            raise ValueError("keys must not be empty")
        found = await self._store.read(keys)
        return {key: {**data, "e_tag": etag} for key, (data, etag) in found.items()}

    async def write(self, changes: dict[str, object]) -> None:
        if changes is None:
            raise ValueError("changes must not be None")
        if not changes:
            return
        plain = {key: _plain(value) for key, value in changes.items()}
        try:
            etags = await self._store.write(plain)
        except EtagConflict as exc:
            raise KeyError(f"Etag conflict. Original: {exc.key}") from exc
        for key, value in changes.items():  # callers keep writing the same objects
            if isinstance(value, dict):
                value["e_tag"] = etags[key]
            elif isinstance(value, StoreItem):
                value.e_tag = etags[key]

    async def delete(self, keys: list[str]) -> None:
        await self._store.delete(keys)
