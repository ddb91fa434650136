"""Client-identifier guard: finds what could identify a person in a free text.

Runs on every free-text field before anything is stored (drafts included). It finds Finnish personal
identity codes (format, date and checksum, all century signs including the 2023 additions), phone
numbers, e-mail addresses, street addresses and first+last names from a shipped name list. It also
spots texts that read as a grievance about one client's care (SHL 48 §), which belong to the
statutory grievance notice, not to a social report.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from pathlib import Path

_DATA = Path(__file__).parent / "data"


class Finding(StrEnum):
    HETU = "hetu"
    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"
    NAME = "name"
    GRIEVANCE = "grievance"


@dataclass(frozen=True)
class Hit:
    finding: Finding
    start: int
    end: int


# --- personal identity code (henkilötunnus) -------------------------------------------------
_CHECK_CHARS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
# 1800s: +; 1900s: - and (since 2023) Y X W V U; 2000s: A and (since 2023) B C D E F.
_CENTURY = {"+": 1800, "-": 1900, "Y": 1900, "X": 1900, "W": 1900, "V": 1900, "U": 1900}
_CENTURY.update({c: 2000 for c in "ABCDEF"})
_HETU_RE = re.compile(
    r"(?<![0-9A-Za-z])(\d{2})(\d{2})(\d{2})([-+A-FU-Y])(\d{3})([0-9A-Y])(?![0-9A-Za-z])"
)


def is_valid_hetu(code: str) -> bool:
    match = _HETU_RE.fullmatch(code.strip().upper())
    return match is not None and _hetu_ok(match)


def _hetu_ok(match: re.Match[str]) -> bool:
    dd, mm, yy, sign, serial, check = match.groups()
    century = _CENTURY.get(sign.upper())
    if century is None or serial == "000" or int(serial) == 1:
        return False
    try:
        date(century + int(yy), int(mm), int(dd))
    except ValueError:
        return False
    return _CHECK_CHARS[int(dd + mm + yy + serial) % 31] == check.upper()


# --- contact details ------------------------------------------------------------------------
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# Finnish numbers: +358 / 00358 / a leading 0, then 6-10 more digits with optional spaces/dashes.
_PHONE_RE = re.compile(
    r"(?<![\w+])(?:\+|00)358[\s\-]?\(?0?\)?[\s\-]?\d(?:[\s\-]?\d){5,9}(?!\d)"
    r"|(?<![\w/])(?<!\d[.,])0\d{1,2}[\s\-]?\d(?:[\s\-]?\d){4,7}(?!\d|[.,/]\d)"
)
_STREET_SUFFIX = (
    "katu|tie|kuja|polku|väylä|raitti|ranta|rinne|kaari|piha|aukio|tori|puistikko|katu|"
    "gatan|gata|vägen|väg|gränd|stigen|street|road|avenue|lane"
)
_ADDRESS_RE = re.compile(
    rf"\b[A-ZÅÄÖ][a-zåäöé\-]*(?:{_STREET_SUFFIX})\s+\d{{1,4}}\s?[a-zA-Z]?"
    r"(?:\s*(?:[A-Z]\s*\d{1,3}|as\.?\s*\d{1,3}|bst\.?\s*\d{1,3}))?",
)

# --- grievance about one client's care (SHL 48 §) -------------------------------------------
_GRIEVANCE_RE = re.compile(
    r"\b(asiakkaani|asiakkaamme|asiakkaallani|asiakkaaltani|asiakastani|tämä asiakas|"
    r"kyseinen asiakas|yksittäisen asiakkaan|epäkohtailmoitu\w*|"
    r"min klient|vår klient|denna klient|my client|this client|this patient)\b",
    re.IGNORECASE,
)


@cache
def _names() -> tuple[frozenset[str], frozenset[str]]:
    def read(name: str) -> frozenset[str]:
        lines = (_DATA / name).read_text(encoding="utf-8").splitlines()
        return frozenset(
            line.strip().casefold() for line in lines if line.strip() and not line.startswith("#")
        )

    return read("first_names.txt"), read("surnames.txt")


_WORD_RE = re.compile(r"[A-ZÅÄÖ][a-zåäöé]+(?:-[A-ZÅÄÖ][a-zåäöé]+)?")


def _name_hits(text: str) -> list[Hit]:
    first, last = _names()
    words = list(_WORD_RE.finditer(text))
    hits = []
    for current, following in itertools.pairwise(words):
        between = text[current.end() : following.start()]
        if between.strip():
            continue
        if current.group().casefold() in first and following.group().casefold() in last:
            hits.append(Hit(Finding.NAME, current.start(), following.end()))
    return hits


def scan(text: str) -> list[Hit]:
    """Every identifier found in text, in order of position."""
    if not text:
        return []
    hits: list[Hit] = []
    hits += [Hit(Finding.HETU, m.start(), m.end()) for m in _HETU_RE.finditer(text) if _hetu_ok(m)]
    hits += [Hit(Finding.EMAIL, m.start(), m.end()) for m in _EMAIL_RE.finditer(text)]
    email_spans = [(h.start, h.end) for h in hits if h.finding is Finding.EMAIL]
    for m in _PHONE_RE.finditer(text):
        if not any(s <= m.start() < e for s, e in email_spans):
            hits.append(Hit(Finding.PHONE, m.start(), m.end()))
    hits += [Hit(Finding.ADDRESS, m.start(), m.end()) for m in _ADDRESS_RE.finditer(text)]
    hits += _name_hits(text)
    hits += [Hit(Finding.GRIEVANCE, m.start(), m.end()) for m in _GRIEVANCE_RE.finditer(text)]
    return sorted(hits, key=lambda h: h.start)


def findings(text: str) -> list[Finding]:
    """The kinds found in text, each once, identifiers before the grievance pointer."""
    kinds = list(dict.fromkeys(h.finding for h in scan(text)))
    return sorted(kinds, key=lambda k: k is Finding.GRIEVANCE)
