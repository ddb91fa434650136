"""Metrics (seed 000 §2.1) and the yearly social-report draft."""

from __future__ import annotations

from datetime import date

from dialogs.metrics import Counts, Targets, compute, percent, year_fraction
from dialogs.social_report import (
    DraftData,
    FollowUpItem,
    PhenomenonItem,
    ProposalItem,
    build,
    to_markdown,
)

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
