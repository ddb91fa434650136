"""The short version of ``make bench-load``: workers making whole reports over HTTP against the
running app on PostgreSQL, some double-clicking submit; nothing lost, nothing doubled, no 5xx,
every double click answered with the reference."""

from __future__ import annotations

import os

import pytest

from bench.load import run
from tests.conftest import _pg_unreachable

pytestmark = pytest.mark.postgres


async def test_short_soak_loses_and_doubles_nothing() -> None:
    why = await _pg_unreachable()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL unreachable under CI: {why}")
        pytest.skip(f"PostgreSQL unreachable: {why}")
    figures = await run(workers=40, seconds=20)
    assert figures["reports"] > 20, figures
    assert figures["double_clicks"] > 0, figures
    assert figures["lost"] == 0, figures
    assert figures["duplicates"] == 0, figures
    assert figures["stored_unanswered"] == 0, figures
    assert figures["errors"] == 0, figures
    assert figures["double_click_mismatch"] == 0, figures
    assert figures["double_click_unreferenced"] == 0, figures
