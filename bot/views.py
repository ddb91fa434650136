"""Observation rows as the cards' view of them (the view's fields are read by name)."""

from __future__ import annotations

import dataclasses

from dialogs.views import ObservationView
from storage.models import Observation

_VIEWED = tuple(f.name for f in dataclasses.fields(ObservationView) if f.name != "excerpt")


def observation_view(row: Observation, excerpt: int = 0) -> ObservationView:
    text = None
    if excerpt and row.description:
        text = row.description[:excerpt] + ("…" if len(row.description) > excerpt else "")
    return ObservationView(**{name: getattr(row, name) for name in _VIEWED}, excerpt=text)
