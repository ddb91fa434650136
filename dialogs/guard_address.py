"""Street addresses: a street name in any inflected form + a house number, and postcode + town.

A street is a word ending in a Finnish street word in any case form ("Hämeenkadulla",
"Pihlajakaarteessa", "Mannerheimintiellä"), a Swedish one ("Norra strandgatan", "Vasavägen",
"Esplanaden") or an English one, followed by a house number; or any capitalised word followed by a
house number with a staircase letter and a flat ("Vanha Talvitie 12 B 34", "… 5 as. 7"). A word
that is a place ("Lappeenranta 9") or a number followed by a unit ("Koskikatu 3 kertaa") is not an
address. A postcode followed by its post office ("00100 Helsinki", "20100 TURKU") is an address
signal on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from pathlib import Path

from dialogs.guard_morph import name_forms, singular_forms
from dialogs.guard_names import PLACE, place_forms, tables

_DATA = Path(__file__).parent / "data"
_ANY_DIGIT = re.compile(r"\d")
_FI_STREET = (
    "katu tie kuja polku väylä raitti reitti ranta rinne kaari kaarre piha aukio tori puistikko "
    "puisto kulma portti kierto kehä rivi bulevardi esplanadi kaarto lenkki sola linja tanhua "
    "mäki niitty laakso lehto harju kallio puistotie umpikuja"
).split()
_SV_STREET = (
    "gata gatan gatans väg vägen vägens gränd gränden stig stigen strand stranden esplanad "
    "esplanaden allé allén torg torget backe backen kaj kajen plan platsen parken ringen leden "
    "slingan gången"
).split()
_EN_STREET = "street road avenue lane st rd".split()
_BARE = ("bulevardi", "esplanadi", "esplanaden", "allé")  # streets named by the word alone
_MAIN_WORDS = ("katu", "tie", "kuja", "polku", "väylä", "raitti", "kaari", "kaarre")
_MAIN = (
    *(f for w in _MAIN_WORDS for f in singular_forms(w)),
    *("gatan", "vägen", "gränd", "gränden", "stigen"),
)
# a word (from its start: the look-behind keeps a long word from being retried at every letter)
# and a house number after it, with a staircase and flat if any
_STREET_NUMBER = re.compile(
    r"(?<![^\W\d_])([^\W\d_]++(?:-[^\W\d_]++)*+)"
    r" (\d{1,3}[a-zA-Z]?(?:-\d{1,3})?)(?=$|[\s,.;:)!?])"
    r"(?: ?(?:[A-Ha-h](?: ?\d{1,3})?\b|(?:as|asunto|lgh|bst|lägenhet|apt|flat)\.? ?\d{1,4}))?"
)
_UNIT = re.compile(
    r" ?(?:%|€|e\b|§|kertaa|kerran|kpl|euro\w*|vuo\w*|v\b|päiv\w*|pv|vrk|viik\w*|vk|kk|kuuk\w*|"
    r"h\b|min\w*|tunt\w*|hen\w*|hlö\w*|asiak\w*|km|m\b|pros\w*|las\w*|perhe\w*|kpl|st\b|"
    r"gånger|dagar|år|procent|personer|kr|times|days|years|percent|people)",
    re.IGNORECASE,
)
_STAIR_FLAT = re.compile(
    r"(?<![^\W\d_])([A-ZÅÄÖ][^\W\d_]{2,}+) (\d{1,4}[a-z]?) ?"
    r"(?:[A-H] ?\d{1,3}|(?:as|asunto|lgh|bst)\.? ?\d{1,4})\b"
)
# not after a word character, an "FI-" before it is part of it (both checked by hand: a leading
# look-behind would make the engine try every position)
_POSTCODE = re.compile(r"(\d{5}) ([A-ZÅÄÖ][^\W\d_]+(?:[ \-][A-ZÅÄÖ][^\W\d_]+)?)")
_MAIN_SET = frozenset(_MAIN)
_MAIN_LENGTHS = sorted({len(m) for m in _MAIN})


@cache
def _street_forms() -> frozenset[str]:
    forms: set[str] = set()
    for word in _FI_STREET:
        forms |= singular_forms(word)
    forms |= set(_SV_STREET) | set(_EN_STREET)
    forms |= {"taival", "taipaleella", "taipaleen", "taipaleelle", "penger", "penkereellä"}
    return frozenset(forms)


@cache
def _road_forms() -> frozenset[str]:
    """Numbered public roads ("valtatie 4", "Kehä I"): a road number is not a house number."""
    return frozenset(
        f for w in ("valtatie", "kantatie", "seututie", "maantie") for f in name_forms(w)
    )


@cache
def _offices() -> frozenset[str]:
    names: set[str] = set()
    for line in (_DATA / "postcodes.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            names |= {n.casefold() for n in line.split(" ", 1)[1].split("|")}
    return frozenset(names)


def _is_street(word: str, extra: frozenset[str], flat: bool) -> bool:
    return word.casefold() not in extra and _is_street_word(word, flat)


@lru_cache(maxsize=1 << 13)
def _is_street_word(word: str, flat: bool) -> bool:
    low = word.casefold()
    forms = _street_forms()
    t = tables()
    if t.index.get(low, 0) & PLACE or low in _road_forms():
        return False
    if low in forms:  # a bare street word: "Bulevardi 10", not "rannalla 3" or "Kallio 2024"
        return word[0].isupper() and low.startswith(_BARE)
    if not word[0].isupper() and not flat and not any(low[-k:] in _MAIN_SET for k in _MAIN_LENGTHS):
        return False  # lowercase: the plain street words ("koivukujalla 3") or with a flat
    return any(low[-k:] in forms for k in range(2, min(len(low) - 2, 14) + 1))


def _word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def address_spans(text: str, places: Iterable[str] = ()) -> Iterator[tuple[int, int]]:
    if _ANY_DIGIT.search(text) is None:
        return  # every signal has a number
    extra = place_forms(frozenset(places)) if places else frozenset()
    for m in _STREET_NUMBER.finditer(text):
        if m.end() == m.end(2) and _UNIT.match(text, m.end(2)):
            continue  # "3 kertaa", "12 %": a number with a unit, not a house number
        if _is_street(m.group(1), extra, m.end() > m.end(2)):
            yield m.span()
    for m in _STAIR_FLAT.finditer(text):
        low = m.group(1).casefold()
        if not tables().index.get(low, 0) & PLACE and low not in extra:
            yield m.span()
    offices = _offices()
    pos = 0
    while (code := _POSTCODE.search(text, pos)) is not None:
        s = code.start()
        pos = s + 1
        if text.startswith("FI-", s - 3) and s >= 3 and (s == 3 or not _word_char(text[s - 4])):
            s -= 3
        elif s and _word_char(text[s - 1]):
            continue  # inside a longer number or word
        pos = code.end()
        town = code.group(2).casefold()
        if town in offices or town.split()[0] in offices or town.split("-")[0] in offices:
            yield s, code.end()
