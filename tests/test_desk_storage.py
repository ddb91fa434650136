"""The desk's queries on both databases: local weeks and months as buckets (the county's clock,
across daylight-saving changes), and search that treats % and _ as plain characters."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.desk.present import edges
from storage.db import Database
from storage.desk import DeskQuery, DeskRepository
from tests.seed import add, local

HELSINKI = ZoneInfo("Europe/Helsinki")


async def test_buckets_are_local_months_and_iso_weeks(db: Database) -> None:
    await add(db, local(2026, 1, 31, 23, 50))  # 21:50 UTC: still January in Helsinki
    await add(db, local(2026, 2, 1, 0, 10))  # 22:10 UTC on 31 January: February here
    await add(db, local(2026, 3, 29, 3, 30), 2, phenomenon="violence")  # just after DST began
    await add(db, local(2026, 12, 31, 23, 59))
    await add(db, local(2027, 1, 1, 0, 1))  # next year: in no bucket
    repo = DeskRepository(db)
    months, names = edges(2026, "month", HELSINKI)
    counts = await repo.bucket_counts(months)
    assert names[0] == "1" and len(months) == 13
    assert counts == {(0, ""): 1, (1, ""): 1, (2, ""): 2, (11, ""): 1}
    by = await repo.bucket_counts(months, "phenomenon")
    assert by[(2, "violence")] == 2 and (2, "housing") not in by
    weeks, week_names = edges(2026, "week", HELSINKI)
    assert len(week_names) == 53  # 2026 has 53 ISO weeks
    counts = await repo.bucket_counts(weeks)
    assert counts[(4, "")] == 2  # 31 Jan and 1 Feb 2026 are in week 5
    assert counts[(12, "")] == 2  # 29 March is in week 13
    assert counts[(52, "")] == 2  # week 53 of 2026 runs to Sunday 3 January 2027


async def test_search_is_literal_and_case_insensitive(db: Database) -> None:
    await add(db, local(2026, 3, 2), description="Kuluja kertyy 100% enemmän kuin ennen.")
    await add(db, local(2026, 3, 2), description="Ei prosenttia tässä, vain sana_alaviiva.")
    repo = DeskRepository(db)
    assert (await repo.page(DeskQuery(search="100%"))).total == 1
    assert (await repo.page(DeskQuery(search="%"))).total == 1
    assert (await repo.page(DeskQuery(search="_"))).total == 1
    assert (await repo.page(DeskQuery(search="KULUJA enemmän"))).total == 1
    assert (await repo.page(DeskQuery(search="RAKE-2026"))).total == 2
