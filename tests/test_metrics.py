"""Metrics (seed 000 §2.1) and the yearly social-report draft."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from docx import Document

from bot.docx_report import to_docx
from cards.proposals import metrics_card
from dialogs.metrics import Counts, Targets, compute, percent, year_fraction
from dialogs.periods import Rhythm, last_complete
from dialogs.processing import ProcessingError
from dialogs.social_report import (
    DraftData,
    FollowUpItem,
    PhenomenonItem,
    ProposalItem,
    build,
    to_markdown,
)
from storage.db import Database
from storage.digests import DigestRepository
from storage.teams import TeamRepository
from storage.vartti import VarttiRepository
from tests.loop_helpers import EXPERT, HELSINKI, LEAD, Clock, service
from tests.seed import add, local

COUNTS = Counts(
    2026,
    observations=30,
    teams_reported=3,
    teams_total=8,
    summaries=1,
    proposals=2,
    actions_taken=1,
    varttis_held=12,
)


def test_targets_are_prorated_over_the_year() -> None:
    assert year_fraction(2026, date(2026, 12, 31)) == 1.0
    assert year_fraction(2025, date(2026, 3, 1)) == 1.0
    assert year_fraction(2027, date(2026, 3, 1)) == 0.0
    m = compute(COUNTS, Targets(observations=50, proposals=5), date(2026, 7, 2))  # day 183
    obs = m.get("observations")
    assert (obs.value, obs.target, obs.expected_by_now, obs.percent_of_target) == (30, 50, 25, 60)
    assert obs.on_track
    assert m.get("proposals").expected_by_now == 2 and m.get("proposals").on_track
    assert m.get("actions").target is None and m.get("actions").on_track is None
    assert m.teams_share_percent == 38  # 3 / 8 = 37.5 %, rounded half up


def test_percent_rounds_half_up_and_needs_a_whole() -> None:
    assert percent(1, 8) == 13 and percent(0, 5) == 0 and percent(3, 0) is None


def _t(key: str, **params: object) -> str:
    return key + (
        "(" + ",".join(f"{k}={v}" for k, v in sorted(params.items())) + ")" if params else ""
    )


def test_the_draft_has_the_figures_phenomena_and_proposals_with_their_follow_ups() -> None:
    metrics = compute(COUNTS, Targets(), date(2026, 12, 31))
    data = DraftData(
        county="Päijät-Häme",
        year=2026,
        metrics=metrics,
        by_phenomenon=[("Asuminen", 20), ("Mielenterveys", 2)],
        phenomena=[PhenomenonItem("Nuorten asunnottomuus", "Toistuu | Lahdessa", 4)],
        proposals=[
            ProposalItem(
                "Asumisneuvontaa",
                "Lisää aikoja",
                "Aikuissosiaalityö",
                date(2026, 9, 30),
                "done",
                (FollowUpItem(date(2026, 10, 2), "done", "Kaksi aikaa lisää"),),
            )
        ],
    )
    md = to_markdown(build(data, _t))
    assert md.startswith("# report.title(county=Päijät-Häme,year=2026)\n")
    assert "| metrics.observations | 30 | 50 |" in md
    assert "| metrics.teams_share | 38 % (3/8) | – |" in md
    assert "| Asuminen | 20 |" in md and "| Mielenterveys | <3 |" in md  # small counts hidden
    assert "### Nuorten asunnottomuus" in md and "Toistuu | Lahdessa" in md
    assert "- 02.10.2026: followup.answer.done – Kaksi aikaa lisää" in md
    assert "*report.placeholder*" in md


# --- a seeded dataset on SQLite and PostgreSQL: the card and the draft show its figures -------


async def _seed(db: Database, clock: Clock) -> None:
    teams = TeamRepository(db)
    for team in ("t1", "t2", "t3", "t4"):
        await teams.installed(team, team.upper(), None, None, "https://svc.test/")
    await teams.set_flags("t4", archived=True)
    team = {"origin": "team"}
    await add(db, local(2026, 2, 3), 5, team_id="t1", **team)  # housing
    await add(db, local(2026, 3, 3), 2, team_id="t2", phenomenon="mental_health", **team)
    await add(db, local(2026, 3, 4), team_id="t4", phenomenon="mental_health", **team)
    await add(db, local(2026, 4, 1), 2, phenomenon="substances")
    grouped = await add(db, local(2026, 4, 2), 2)
    await add(db, local(2026, 12, 31, 23, 30))  # still 2026 in Helsinki
    await add(db, local(2027, 1, 1, 0, 10))  # 2027
    await add(db, local(2025, 6, 1), 3, team_id="t3", **team)  # last year
    digests = DigestRepository(db, HELSINKI)
    for kind, rhythm, today in [
        ("quarterly", Rhythm.QUARTERLY, date(2026, 2, 1)),
        ("quarterly", Rhythm.QUARTERLY, date(2026, 5, 1)),
        ("weekly", Rhythm.WEEKLY, date(2026, 3, 9)),  # a digest, not a kooste
        ("annual", Rhythm.ANNUAL, date(2026, 1, 1)),  # the year 2025
    ]:
        await digests.store_summary(kind, last_complete(rhythm, today), "paijat-hame", {})
    varttis = VarttiRepository(db)
    for team_id, day, status in [
        ("t1", date(2026, 2, 3), "held"),
        ("t1", date(2026, 3, 3), "held"),
        ("t2", date(2026, 3, 4), "held"),
        ("t2", date(2026, 3, 11), "skipped"),
        ("t1", date(2025, 9, 2), "held"),
    ]:
        oid = await varttis.plan(team_id, day, clock.now, "p1", None, "fi", "c", lambda _i: {})
        assert oid is not None
        await varttis.record(oid, team_id, status)
    svc = service(db, clock)
    clock.at_local(2025, 6, 2)
    old = await svc.make_proposal(EXPERT, "Vanha", "", "adult_social", None, ["RAKE-2025-0001"])
    phen, _name, _ = await svc.group(
        EXPERT, [o.reference for o in grouped], name="Nuorten asunnottomuus", description="Toistuu."
    )
    clock.at_local(2026, 4, 10)
    done = await svc.make_proposal(
        EXPERT, "Asumisneuvontaa", "Lisää aikoja.", "adult_social", "2026-06-01", [], [phen]
    )
    open_ = await svc.make_proposal(
        EXPERT, "Päihdetyön jalkautus", "", "adult_social", "2026-06-01", ["RAKE-2026-0009"]
    )
    proposals = svc.repos.proposals
    for pid, answer, when in [
        (old.id, "partly", datetime(2025, 9, 1, 9, tzinfo=HELSINKI)),
        (done.id, "done", datetime(2026, 6, 2, 9, tzinfo=HELSINKI)),
        (open_.id, "not_done", datetime(2026, 6, 2, 9, tzinfo=HELSINKI)),
    ]:
        clock.now = when
        fid = await proposals.ask(pid, "due", "lead-1", when, when, lambda _f: None)
        assert fid is not None
        await svc.answer_follow_up(
            LEAD, fid, answer, "Kaksi aikaa lisää." if answer == "done" else ""
        )
    clock.at_local(2026, 7, 2, 12)  # day 183 of 365


async def test_the_metrics_card_shows_the_seeded_years_figures(db: Database) -> None:
    clock = Clock(datetime(2026, 1, 1, tzinfo=UTC))
    await _seed(db, clock)
    svc = service(db, clock)
    m = await svc.metrics(EXPERT, 2026)
    got = {metric.key: metric.value for metric in m.metrics}
    assert got == {"observations": 13, "summaries": 2, "proposals": 2, "actions": 1, "varttis": 3}
    assert (m.teams_reported, m.teams_total, m.teams_share_percent) == (2, 3, 67)
    assert (await svc.metrics(EXPERT, 2025)).get("proposals").value == 1
    ctx = svc.ctx("fi")
    card = metrics_card(ctx, m)
    facts = {f["title"]: f["value"] for f in card["body"][2]["facts"]}
    assert facts["Havainnot / vuosi"] == "13 / tavoite 50 (26 %) · jäljessä (odotettu 25)"
    assert facts["Koosteet / vuosi"] == "2 / tavoite 2 (100 %) · tahdissa"
    assert facts["Toimenpide-ehdotukset / vuosi"] == "2 / tavoite 5 (40 %) · tahdissa"
    assert facts["Tulosalueilla tehdyt toimet / vuosi"] == "1"
    assert facts["Rake-vartit / vuosi"] == "3"
    assert facts["Raportoineet tiimit"] == "67 % (2/3)"
    with pytest.raises(ProcessingError):
        await svc.metrics(LEAD, 2026)  # experts only


async def test_the_yearly_draft_shows_the_same_figures_in_markdown_and_word(db: Database) -> None:
    clock = Clock(datetime(2026, 1, 1, tzinfo=UTC))
    await _seed(db, clock)
    svc = service(db, clock)
    blocks = await svc.report_draft(EXPERT, 2026, "fi")
    md = to_markdown(blocks)
    assert md.startswith("# Sosiaalinen raportti 2026 – Päijät-Hämeen hyvinvointialue\n")
    assert "| Havainnot / vuosi | 13 | 50 |" in md
    assert "| Toimenpide-ehdotukset / vuosi | 2 | 5 |" in md
    assert "| Raportoineet tiimit | 67 % (2/3) | – |" in md
    assert "| Asuminen ja asunnottomuus | 8 |" in md
    assert "| Mielenterveys | 3 |" in md and "| Päihteet ja riippuvuudet | <3 |" in md
    assert "### Nuorten asunnottomuus" in md and "Havaintoja: <3" in md
    assert "### Asumisneuvontaa" in md and "- 02.06.2026: Tehty – Kaksi aikaa lisää." in md
    assert "### Päihdetyön jalkautus" in md and "Ei vielä tehty" in md
    assert "Vanha" not in md  # last year's proposal
    document = Document(io.BytesIO(to_docx(blocks, "Sosiaalinen raportti 2026")))
    paragraphs = [p.text for p in document.paragraphs]
    assert "Nuorten asunnottomuus" in paragraphs and "Asumisneuvontaa" in paragraphs
    first_table = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert ["Havainnot / vuosi", "13", "50"] in first_table
    assert ["Raportoineet tiimit", "67 % (2/3)", "–"] in first_table
