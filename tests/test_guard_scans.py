"""The guard's scanning machinery: a verdict's early stop, the engine-side filters and started
scans that must hide nothing, and the time a long text takes (structural bounds; the bench
measures the goals)."""

from __future__ import annotations

import re
import time

import pytest

from dialogs.guard import Finding, check, scan
from dialogs.guard_text import normalise


def test_a_verdict_stops_at_the_first_hit_of_a_kind_and_says_the_same() -> None:
    """check() needs one hit of each weaker kind (phone, plate, address, name): their detectors
    stop there. The kinds must be exactly those of the full scan, on every corpus text and on
    texts dense with every kind."""
    import json
    from pathlib import Path

    from bench.guard import SHAPE_UNITS

    corpus = Path(__file__).parent.parent / "bench" / "data" / "guard_corpus.json"
    texts = [row["text"] for row in json.loads(corpus.read_text(encoding="utf-8"))]
    texts += [(unit * 300)[:3000] for unit in SHAPE_UNITS.values()]
    texts += [" ".join(texts[i : i + 7]) for i in range(0, len(texts), 7)]
    for text in texts:
        first, full = check(text), check(text, every_hit=True)
        assert (first.blocks, first.notices) == (full.blocks, full.notices), text
        assert set(first.hits) <= set(full.hits)
        assert {h.finding for h in first.hits} == {h.finding for h in full.hits}
    two = "puh 040 123 4567 tai 050 765 4321, Matti Virtanen ja Liisa Korhonen"
    assert [h.finding for h in check(two).hits] == [Finding.PHONE, Finding.NAME]
    assert [h.finding for h in scan(two)] == [Finding.PHONE] * 2 + [Finding.NAME] * 4


def test_phone_starts_the_engine_refuses_hide_no_number(monkeypatch: pytest.MonkeyPatch) -> None:
    """The phone scan's start pattern refuses, in the engine, starts that _lengths would refuse
    whatever follows (too few digits to join, "+0", "000", a lone 0). With the plain start
    pattern instead — every "+" and every 0 not after a word character — the numbers found
    must be the same, on random strings of digits, separators and keywords."""
    import random

    from dialogs import guard_ids as g

    rng = random.Random(5)
    alphabet = [*"0001495 -./()+x", "00", "358", "040", "123", "4567", "2026", "19", "puh ", "tel."]
    alphabet += ["٣", "٤٥", "٠", "४९"]  # digits NFKC keeps: Arabic-Indic, Devanagari
    texts = [
        normalise("".join(rng.choice(alphabet) for _ in range(rng.randint(3, 30))))
        for _ in range(20_000)
    ]
    filtered = [list(g.phone_spans(t)) for t in texts]
    plain = re.compile(r"(?:\+(?=\d)(?<![^\W_]\+)|0(?<![^\W_]0)(?<!\+0))")
    monkeypatch.setattr(g, "_START", plain)
    assert [list(g.phone_spans(t)) for t in texts] == filtered
    assert sum(map(bool, filtered)) > 1_000  # numbers were there to find
    for number in ("+٣٥٨ ٤٠ ١٢٣ ٤٥٦٧", "0٤٠ ١٢٣ ٤٥٦٧", "+४९ १५१ २३४५ ६७८९"):
        assert list(g.phone_spans(number)) == [(0, len(number))], number


@pytest.mark.parametrize(
    "text",
    [
        "matti.virtanen.example." * 4400,  # no "@": the old e-mail pattern took seconds
        "matti.virtanen.example " * 4400,
        "a" * 100_000,
        "1 " * 50_000,
        "A. " * 33_000,
        "Matti " * 16_000,
        "040 " * 25_000,
    ],
)
def test_long_texts_stay_fast(text: str) -> None:
    check("warm-up Matti Virtanen, Hämeenkatu 3, 00100 Helsinki")
    started = time.process_time()
    check(text[:100_000])
    assert time.process_time() - started < 1.0  # loose: the bench measures < 100 ms


@pytest.mark.parametrize(
    "unit",
    [
        "matti.virtanen.example.",  # a long run without "@"
        "X",  # one long capitalised token
        "aB",  # capitals inside one long token
        "Aa-",  # one long hyphenated token
        "@",  # a run of at-signs
        "a@",
        "xpuhelin",  # a keyword glued to a word, again and again
        "kelanumero",
        "0",  # one long digit run
        "010101-1 ",  # phone starts whose walks are refused
        "Hämeenkatu ",
        "A. ",
        "gmail ",
    ],
)
def test_time_grows_linearly(unit: str) -> None:
    """Structural, not a timing goal (the bench measures those): four times the text may take
    about four times as long, never the sixteen times of a quadratic scan. Best of three CPU
    times, a generous bound, so a loaded machine does not make it fail."""

    def cpu(length: int) -> float:
        text = (unit * (length // len(unit) + 1))[:length]
        best = float("inf")
        for _ in range(3):
            started = time.process_time()
            check(text, every_hit=True)  # every detector to the end, as on a clean text
            best = min(best, time.process_time() - started)
        return best

    cpu(2_000)  # warm the tables and caches
    assert cpu(40_000) < 10 * cpu(10_000) + 0.002


def test_scans_started_at_their_words_find_what_the_whole_scan_finds() -> None:
    """The customer-number and bare-domain scans (dialogs.guard_email) start only where one of
    their words stands (dialogs.guard_ids.from_words); on every corpus text they must find
    exactly what the pattern finds scanning every position — a prefix added to a pattern
    without its word fails here."""
    import json
    from pathlib import Path

    from dialogs import guard_email as e
    from dialogs import guard_ids as g
    from dialogs.guard_text import lowered

    corpus = Path(__file__).parent.parent / "bench" / "data" / "guard_corpus.json"
    texts = [row["text"] for row in json.loads(corpus.read_text(encoding="utf-8"))]
    texts += ["dnro 123/2026", "Diaarinumero 55/2025", "kelan nro 1234567", "x@gmail pp.inet.fi"]
    found = 0
    for text in texts:
        low = lowered(normalise(text))
        ok = g.after_non_word(low, ".-@")
        assert [m.span() for m in g.from_words(g._NUMBER, low, g._NUMBER_TRIGGERS)] == [
            m.span() for m in g._NUMBER.finditer(low)
        ], text
        whole = [m.span() for m in g._starts(e._BARE_DOMAIN, low, ok)]
        assert [m.span() for m in g.from_words(e._BARE_DOMAIN, low, e._DOMAIN_WORDS, ok)] == whole
        found += len(whole)
    assert found > 20  # the corpus has bare domains to find
