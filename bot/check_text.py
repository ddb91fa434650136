"""``python -m bot check-text``: the identifier guard's contract on stdin/stdout.

Reads a JSON array of strings, prints a JSON array of ``{"blocks": [kinds…], "notices": [kinds…]}``
in the same order (blocks: what the dialog refuses; notices: the grievance question). With
``--county`` the county's place names are the guard's allow-context, as in the report dialog.
Imports nothing of the Bot Framework SDK (tested).
"""

from __future__ import annotations

import json
from typing import TextIO

from dialogs.guard import check_texts


def county_places(county: str) -> tuple[str, ...]:
    from counties import county_path, load_county

    return load_county(county_path(county)).place_names()


def run(stdin: TextIO, stdout: TextIO, stderr: TextIO, county: str | None = None) -> int:
    try:
        texts = json.load(stdin)
    except json.JSONDecodeError as exc:
        stderr.write(f"check-text: the input is not JSON: {exc}\n")
        return 2
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        stderr.write("check-text: the input must be a JSON array of strings\n")
        return 2
    places = county_places(county) if county else ()
    json.dump(check_texts(texts, places), stdout, ensure_ascii=False)
    stdout.write("\n")
    return 0
