"""Benchmark: the weekly digest and a yearly XLSX export over 1 000 000 synthetic observations,
on PostgreSQL and SQLite, through the bot's own code (Digests.figures + the observation
list; Exporter.write). Prints figures, then one JSON line (the contract):

    make bench-digest        # or: .venv/bin/python -m bench.digest --rows 1000000

The rows are generated inside the database (one INSERT … SELECT), spread evenly over ten
years, so a year holds rows/10 observations and a week about rows/520.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.dialog import drop_pg_database, pg_database
from bot.digest_flow import Digests
from bot.export_flow import Exporter
from bot.services import Services
from cards.common import Ctx
from dialogs.periods import DigestFilter, calendar, iso_week
from dialogs.vocabulary import KINDS as REPORT_KINDS
from storage.db import Database
from storage.migrate import upgrade
from tests.conftest import make_settings

START_YEAR = 2017
YEARS = 10
KINDS = list(REPORT_KINDS)
PHENOMENA = [
    "housing",
    "mental_health",
    "substances",
    "livelihood",
    "service_system",
    "loneliness",
    "violence",
    "children_families",
    "ageing",
    "immigration",
    "digital",
    "work_education",
]
AREAS = [
    "asikkala",
    "hartola",
    "heinola",
    "hollola",
    "iitti",
    "karkola",
    "lahti",
    "orimattila",
    "padasjoki",
    "sysma",
]
SERVICE_AREAS = [
    "family_social",
    "adult_social",
    "elderly_services",
    "disability_services",
    "mental_substance",
    "health_services",
    "emergency_social",
]
TEXT = (
    "Synteettinen havainto: vuokra-asuntojen puute ja pitkät jonot näkyvät asiakastyössä, "
    "erityisesti nuorten aikuisten itsenäistymisessä. Ilmiö toistuu usealla alueella."
)


def _case(expr: str, values: list[str]) -> str:
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE ({expr}) % {len(values)} {whens} END"


def seed_sql(dialect: str, rows: int) -> str:
    step = (YEARS * 365 * 86400) // rows  # seconds between two observations
    if dialect == "postgresql":
        source = f"generate_series(1, {rows}) AS s(g)"
        created = f"timestamptz '{START_YEAR}-01-01 00:00:00+00' + g * interval '{step} seconds'"
        year = f"{START_YEAR} + (g * {step}) / 31536000"
        groups = """'["youth","working_age"]'::jsonb"""
        prefix = ""
    else:
        prefix = (
            f"WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {rows}) "
        )
        source = "s"
        created = (
            f"strftime('%Y-%m-%d %H:%M:%f', '{START_YEAR}-01-01', '+' || (g * {step}) || "
            "' seconds') || '000'"
        )
        year = f"{START_YEAR} + (g * {step}) / 31536000"
        groups = """'["youth","working_age"]'"""
    return (
        prefix + "INSERT INTO observations (reference, year, seq, submission_key, county, kind, "
        "phenomenon, description, target_groups, area, service_area, extent, trend, urgency, "
        "acute_reason, reporter_role, contact_ok, anonymous, reporter_id, origin, locale, status, "
        "created_at) "
        f"SELECT 'BENCH-' || g, {year}, g, 'bench-' || g, 'paijat-hame', "
        f"{_case('g', KINDS)}, {_case('g * 7', PHENOMENA)}, '{TEXT} ' || g, {groups}, "
        f"{_case('g * 11', AREAS)}, {_case('g * 13', SERVICE_AREAS)}, 'recurring', 'increasing', "
        "CASE WHEN g % 50 = 0 THEN 'acute' ELSE 'normal' END, "
        "CASE WHEN g % 50 = 0 THEN 'Synteettinen kiireellinen syy' END, 'employee', "
        f"g % 4 = 0, g % 9 = 0, 'bench-reporter-' || (g % 500), 'chat', 'fi', 'received', "
        f"{created} "
        f"FROM {source}"
    )


async def seed(db: Database, rows: int) -> float:
    started = time.perf_counter()
    async with db.engine.begin() as conn:
        await conn.execute(text(seed_sql(db.dialect, rows)))
    async with db.engine.begin() as conn:
        await conn.execute(text("ANALYZE" if db.dialect == "sqlite" else "ANALYZE observations"))
    return time.perf_counter() - started


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(db: Database, rows: int, repeats: int, export: bool) -> dict[str, Any]:
    await upgrade(db)
    seed_s = await seed(db, rows)
    services = Services.build(make_settings(), db)
    flow = Digests(services)
    last_year = START_YEAR + YEARS - 2  # a whole year of data (the last one is a day short)
    week = DigestFilter(iso_week(last_year, 20))
    today = date(last_year, 12, 31)
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        figures = await flow.figures(week, today)
        listed = await flow.repo.listed(week, week.period)
        timings.append(time.perf_counter() - started)
    yearly = DigestFilter(calendar("year", last_year))
    started = time.perf_counter()
    year_figures = await flow.figures(yearly, today)
    year_s = time.perf_counter() - started
    result: dict[str, Any] = {
        "seed_s": round(seed_s, 1),
        "digest_s": round(statistics.median(timings), 4),
        "digest_max_s": round(max(timings), 4),
        "week_rows": figures.total,
        "listed": len(listed),
        "year_digest_s": round(year_s, 3),
        "year_rows": year_figures.total,
    }
    if export:
        gc.collect()
        before = rss_mb()
        ctx = Ctx("fi", services.catalog, services.county)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "year.xlsx"
            started = time.perf_counter()
            written = await Exporter(services, ctx).write(
                path, "xlsx", date(last_year, 1, 1), date(last_year, 12, 31)
            )
            result["xlsx_export_s"] = round(time.perf_counter() - started, 2)
            result["xlsx_rows"] = written
            result["xlsx_mb"] = round(path.stat().st_size / 1e6, 1)
        result["rss_before_export_mb"] = round(before, 1)
        result["rss_peak_after_export_mb"] = round(rss_mb(), 1)
    return result


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    out: dict[str, Any] = {"rows": args.rows}

    name = "rake_bench_digest"
    url = await pg_database(name)
    if url:
        db = Database.from_url(url)
        try:
            pg = await measure(db, args.rows, args.repeats, export=True)
        finally:
            await db.dispose()
            await drop_pg_database(name)
        print(f"PostgreSQL: {json.dumps(pg)}")
        out["postgres_digest_s"] = pg["digest_s"]
        out["postgres_year_digest_s"] = pg["year_digest_s"]
        out["xlsx_export_s"] = pg["xlsx_export_s"]
        out["xlsx_rows"] = pg["xlsx_rows"]
        out["xlsx_rss_growth_mb"] = round(
            pg["rss_peak_after_export_mb"] - pg["rss_before_export_mb"], 1
        )
        out["week_rows"] = pg["week_rows"]
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.from_url(f"sqlite+aiosqlite:///{tmp}/bench.db")
        try:
            lite = await measure(db, args.rows, args.repeats, export=False)
        finally:
            await db.dispose()
    print(f"SQLite: {json.dumps(lite)}")
    out["sqlite_digest_s"] = lite["digest_s"]
    out["sqlite_year_digest_s"] = lite["year_digest_s"]
    if "postgres_digest_s" in out:
        out["goals_met"] = {
            "postgres_digest_lt_1s": out["postgres_digest_s"] < 1,
            "sqlite_digest_lt_3s": out["sqlite_digest_s"] < 3,
            "xlsx_100k_lt_30s": out["xlsx_export_s"] < 30 and out["xlsx_rows"] >= 100_000,
            "xlsx_memory_bounded": out["xlsx_rss_growth_mb"] < 100,
        }
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main())
