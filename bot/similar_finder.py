"""Similar earlier observations and phenomena for the processing card, ranked on this server
(no text leaves it) by the similarity back-end of dialogs.similar. SDK-free."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from cards.processing import Similar
from storage.processing import ProcessingRepository

log = logging.getLogger(__name__)
# (query, [(key, text)], k) -> [(key, score)], best first
Ranker = Callable[[str, Sequence[tuple[str, str]], int], list[tuple[str, float]]]


def similarity_ranker(name: str = "tfidf") -> Ranker:
    """The kept back-end (tfidf by default; e5 with the ``similar`` extra), loaded at its first
    use (numpy, or the model, would slow every start-up); one that cannot run here suggests
    nothing (logged once)."""
    loaded: list[Any] = []

    def rank(query: str, candidates: Sequence[tuple[str, str]], k: int) -> list[tuple[str, float]]:
        if not loaded:
            try:
                from dialogs.similar import Candidate, backend

                loaded.append((backend(name), Candidate))
            except Exception as exc:
                log.warning("similar observations unavailable: %s", type(exc).__name__)
                loaded.append(None)
        if loaded[0] is None:
            return []
        chosen, candidate = loaded[0]
        ranked: list[tuple[str, float]] = chosen.rank(
            query, [candidate(key, text) for key, text in candidates], k
        )
        return ranked

    return rank


class SimilarFinder:
    """Ranks in a worker thread (TF-IDF over a few thousand texts takes tens of milliseconds),
    one ranking at a time: a back-end keeps its last index, which is not thread-safe."""

    def __init__(self, repo: ProcessingRepository, rank: Ranker) -> None:
        self._repo = repo
        self._rank = rank
        self._lock = asyncio.Lock()

    async def __call__(self, reference: str, k: int) -> list[Similar]:
        query, rows = await self._repo.similar_candidates(reference)
        if not rows or not query:
            return []
        pairs = [(key, text) for key, text, _title, _excerpt, _ref in rows]
        async with self._lock:
            ranked = await asyncio.to_thread(self._rank, query, pairs, k)
        by_key = {row[0]: row for row in rows}
        return [
            Similar(key, by_key[key][2], by_key[key][3], score, by_key[key][4])
            for key, score in ranked
            if key in by_key
        ]
