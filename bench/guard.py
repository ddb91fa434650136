"""Benchmark: the identifier guard on its labelled corpus (bench/data/guard_corpus.json).

    make bench-guard                     # or: .venv/bin/python -m bench.guard [--show dev]

Prints the figures of each split (dev: used while tuning; heldout and heldout2: not looked at
while tuning; heldout2 is e-mail as a class, see bench/guard_texts_c.py),
then one JSON line (the contract): texts, recall (overall = identifier texts blocked at all; per
kind = the kind named among the blocks), false_alarm_rate (clean texts blocked), notice figures,
p99_us (per text, after warm-up), the time on 100 000 characters, and the worst case: CPU time
(best of N) of check() on adversarial shapes (SHAPE_UNITS, and the corpus joined) at the longest
guarded free text (FIELD_MAX) and at 100 000 characters, each printed; worst_field_ms and
worst_100k_ms are their maxima; machine_10m_adds_s, how fast the machine runs Python.

Each text is checked with its county's place names as the allow-context when the corpus row names
a county, as the report dialog does.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bot.check_text import county_places
from dialogs.fields import DESCRIPTION_MAX, LONG_TEXT_MAX
from dialogs.guard import check
from dialogs.processing import MAX_NOTE

# the longest free text the bot guards: a report's description, an expert's note
FIELD_MAX = max(DESCRIPTION_MAX, LONG_TEXT_MAX, MAX_NOTE)

CORPUS = Path(__file__).parent / "data" / "guard_corpus.json"


def evaluate(rows: list[dict[str, Any]], show: bool) -> dict[str, Any]:
    places = {c: county_places(c) for c in {r["county"] for r in rows if r["county"]}}
    per_kind: Counter[str] = Counter()
    per_kind_hit: Counter[str] = Counter()
    blocked_texts = ident_texts = clean = false_alarms = 0
    notice_expected = notice_hit = false_notices = phenomenon = 0
    for row in rows:
        verdict = check(row["text"], places.get(row["county"], ()))
        blocks = {f.value for f in verdict.blocks}
        if row["kinds"]:
            ident_texts += 1
            blocked_texts += bool(blocks)
            for kind in row["kinds"]:
                per_kind[kind] += 1
                per_kind_hit[kind] += kind in blocks
                if show and kind not in blocks:
                    print(f"  MISS {kind:<15} {row['text']!r} -> {sorted(blocks)}")
        elif row["notices"]:
            notice_expected += 1
            notice_hit += bool(verdict.notices)
            false_alarms += bool(blocks)
            clean += 1
            if show and not verdict.notices:
                print(f"  MISS notice          {row['text']!r}")
        else:
            clean += 1
            phenomenon += 1
            false_alarms += bool(blocks)
            false_notices += bool(verdict.notices)
            if show and (blocks or verdict.notices):
                print(f"  FALSE {sorted(blocks) + list(map(str, verdict.notices))} {row['text']!r}")
    return {
        "texts": len(rows),
        "identifier_texts": ident_texts,
        "clean_texts": clean,
        "recall": {
            "overall": round(blocked_texts / max(ident_texts, 1), 4),
            **{k: round(per_kind_hit[k] / per_kind[k], 4) for k in sorted(per_kind)},
        },
        "false_alarm_rate": round(false_alarms / max(clean, 1), 4),
        "notice_recall": round(notice_hit / max(notice_expected, 1), 4),
        "false_notice_rate": round(false_notices / max(phenomenon, 1), 4),
    }


def timing(rows: list[dict[str, Any]]) -> dict[str, float]:
    texts = [r["text"] for r in rows]
    check("Matti Virtanen, Hämeenkatu 3, 00100 Helsinki, 040 123 4567")  # warm the tables
    samples = []
    for text in texts * 3:
        started = time.perf_counter()
        check(text)
        samples.append((time.perf_counter() - started) * 1e6)
    samples.sort()
    long_text = ("\n".join(texts) * 2)[:2000]
    big = ("\n".join(texts) * 200)[:100_000]
    no_at = ("matti.virtanen.example." * 5000)[:100_000]  # one long run without "@"
    out = {"p50_us": round(statistics.median(samples), 1)}
    out["p99_us"] = round(samples[int(len(samples) * 0.99)], 1)
    for label, text in (("2000_chars", long_text), ("100k_chars", big), ("100k_no_at", no_at)):
        wall, cpu = [], []
        for _ in range(5):
            w, c = time.perf_counter(), time.process_time()
            check(text)
            wall.append(time.perf_counter() - w)
            cpu.append(time.process_time() - c)
        out[f"{label}_ms"] = round(min(wall) * 1000, 2)
        out[f"{label}_cpu_ms"] = round(min(cpu) * 1000, 2)
    return out


# Adversarial shapes for the worst-case timing: each unit is repeated up to the length measured.
SHAPE_UNITS = {
    "digits_spaced": "1 2 3 4 5 6 7 8 9 ",
    "caps_short": "Aa ",
    "at_signs": "a@b ",
    "street_number": "Hämeenkatu 3 ",
    "phone_like": "0401234567 ",
    "one_token": "x",
    "one_digit_run": "1",
    "caps_token": "X",
    "camel_token": "aB",
    "tabs_crlf": "a\t\r\n",
    "name_pairs": "Matti Virtanen ",
    "names_inflected": "Virtaselle Korhoselta Laineen kanssa ",
    "caps_unknown": "Qwerty Asdfgh Zxcvbn ",
    "nen_words": "Vesalaiselle Hurskaisesta ",
    "newlines": "\n",
    "word_lines": "Lahti\n",
    "punctuation": ".,;:!?()[]-/ ",
    "dots": ".",
    "hyphen_token": "Aa-",
    "at_words": "a at b piste c ",
    "spelled_dots": "piste (at) [dot] ",
    "email_dense": "matti.virtanen@example.com ",
    "local_no_at": "matti.virtanen.example.",
    "swedish": "Storgatan 5 Vasavägen 12 B 3 fru Lindqvist ",
    "postcodes": "00100 Helsinki ",
    "hetu_like": "010203-123A ",
    "dates_times": "12.12.2012 klo 09.00-10.00 ",
    "plates": "ABC-123 AB-1 ",
    "iban_like": "FI21 1234 5600 0007 85 ",
    "numbers_kw": "asiakasnumero 123456 ",
    "grievance": "asiakkaani ",
    "initials": "A. B. ",
    "mixed_unicode": "Ｍａｔｔｉ\u200b ０４０ 123\u00a04567 – ",
    # found 2026-12-02 by trying more shapes: each start of a phone walked and refused
    "zeros_spaced": "00 ",
    "zero_brackets": "(0)0 ",
    "code_chain": "010101-1 ",
    "digit_list": "01 2 3 4 5 6 7 8x ",
    "word_number": "Aa 1 ",
    "place_number": "Lahti 9 ",
    "mail_word": "gmail ",
}


def shapes(rows: list[dict[str, Any]], length: int) -> dict[str, str]:
    """Every adversarial shape, and the corpus's clean and identifier texts joined, at length."""
    clean = "\n".join(r["text"] for r in rows if not r["kinds"])
    idents = "\n".join(r["text"] for r in rows if r["kinds"])
    out = {"corpus_clean": clean, "corpus_identifiers": idents}
    out.update(SHAPE_UNITS)
    return {k: (v * (length // len(v) + 1))[:length] for k, v in out.items()}


def worst_case(rows: list[dict[str, Any]], length: int, repeat: int) -> dict[str, float]:
    """Best-of-repeat CPU milliseconds of check() on each shape at length."""
    out = {}
    for label, text in shapes(rows, length).items():
        cpu = []
        for _ in range(repeat):
            c = time.process_time()
            check(text)
            cpu.append(time.process_time() - c)
        out[label] = round(min(cpu) * 1000, 2)
    return out


def _python_speed() -> float:
    """CPU seconds of a pure-Python loop of 10 million additions."""
    started = time.process_time()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--show", choices=["dev", "heldout", "heldout2", "all"], help="print the misses"
    )
    args = parser.parse_args()
    rows = json.loads(CORPUS.read_text(encoding="utf-8"))
    started = time.perf_counter()
    check("warm-up")
    warm_ms = (time.perf_counter() - started) * 1000
    result: dict[str, Any] = {}
    for split in ("dev", "heldout", "heldout2"):
        part = [r for r in rows if r["split"] == split]
        show = args.show in (split, "all")
        figures = evaluate(part, show)
        result[split] = figures
        print(f"{split}: {json.dumps(figures, ensure_ascii=False)}")
    overall = evaluate(rows, False)
    result.update(overall)
    result.update(timing(rows))
    result["first_call_ms"] = round(warm_ms, 1)
    # how fast this machine runs Python, to compare figures across machines: the same guard took
    # about three times as long on the machine of one session as on the next one's
    # (docs/benchmarks.md)
    result["machine_10m_adds_s"] = round(_python_speed(), 2)
    for label, length, repeat, key in (
        ("allowed length", FIELD_MAX, 20, "worst_field_ms"),
        ("100 000 characters", 100_000, 5, "worst_100k_ms"),
    ):
        figures = worst_case(rows, length, repeat)
        print(f"worst case, {label} (CPU ms, best of {repeat}):")
        for shape, ms in sorted(figures.items(), key=lambda kv: -kv[1]):
            print(f"  {shape:<20} {ms:8.2f}")
        result[key] = max(figures.values())
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
