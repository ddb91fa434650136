"""Person names in free text: listed names in any inflected form, and names by their context.

Rules (a hit is the span of the name):
- a first name next to a surname, in either order, any case ("Matti Virtaselle", "virtasen matti",
  "MATTI VIRTANEN"), "Sukunimi, Etunimi", double names ("Anna-Maija Korhonen-Laine");
- a listed first name or surname next to a capitalised word that is not a place or an organisation
  (names outside the list: "Pirkko Hämäläinen-Smith", "Sinikka Järvinen");
- a surname on its own when the form is not also an ordinary word ("Korhoselle", "virtasesta"),
  or when it is capitalised inside a sentence ("Soitin Laineelle"); a capitalised first name on
  its own inside a sentence, or anywhere when it is not also an ordinary word ("Pirkko kertoi");
- a capitalised word inside a sentence in the form of a -nen surname outside the lists
  ("Soitin Vesalaiselle"), not the adjectives and verbal nouns built alike ("Rakenteellinen");
- a title or kinship word before a capitalised word ("rouva Nieminen", "fru Lindqvist", "äiti
  Anna", "familjen Andersson"), a name before a family word ("Virtasen perhe", "Kyöstin äiti")
  or a person's postposition ("Laineen kanssa");
- initials before a surname or a capitalised word ("M. Virtanen", "A-M. Korhonen").
A sentence starts after . ! ? : ; a line break, a bullet or a bracket: capitalisation there says
nothing, so an ordinary word there ("Laine kertoi" at the start) is not taken for a name.
A word that is a place (the municipalities, and the county's own place names given as an
allow-context) does not count as a name on its own: "Salossa", "Lahden kaupunki", a list of
municipalities one per line. Two names in a pair still block ("Matti Lahti").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from dialogs.guard_morph import name_forms, readings

_DATA = Path(__file__).parent / "data"
FIRST, LAST, PLACE = 1, 2, 4
_TOKEN = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_TITLES = frozenset(
    "rouva rva herra hra neiti nti tohtori tri fru herr hr fröken frk mr mrs ms miss dr "
    "mister madame".split()
)
_KIN = frozenset(
    "äiti äidin äidille äidiltä äitiä isä isän isälle isältä isää poika pojan pojalle tytär "
    "tyttären tyttärelle veli veljen veljelle sisko siskon siskolle sisar sisaren mummo mummon "
    "mummi mummin vaari vaarin ukki ukin isoäiti isoäidin isoisä isoisän vaimo vaimon mies "
    "miehen puoliso puolison avopuoliso avopuolison perhe perheen perheelle perheessä perheestä "
    "lapsi lapsen lapselle asiakas asiakkaan asiakkaalle "
    "mamma pappa mor far mormor morfar farmor farfar dotter dottern son sonen bror brodern "
    "syster systern hustru hustrun make maken familjen familj klienten "
    "mother father son daughter brother sister wife husband family mrs".split()
)
_FAMILY_AFTER = frozenset(
    "perhe perheen perheelle perheessä perheestä perhettä äiti isä lapset lapsi lapsia "
    "vanhemmat poika tytär veli sisko vaimo mies puoliso familj familjen barn mamma pappa "
    "family".split()
)
_PERSON_AFTER = frozenset("kanssa luona luokse luota".split())
# capitalised words that are never a person here (organisations, services, countries, months)
_NOT_NAMES = frozenset(
    "kela kelan kelalle kelalta kelassa kelasta kelaan thl hyte stm avi valvira ely sote hus "
    "teams webropol omaolo suomi suomen suomessa suomeen ruotsi ruotsin venäjä viro ukraina "
    "eu yk fpa finland sverige januari helsingin kaupunki kunta hyvinvointialue".split()
)


@dataclass(frozen=True)
class _Tables:
    index: dict[str, int]
    common: frozenset[str]


def _read(name: str) -> list[str]:
    lines = (_DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@cache
def tables() -> _Tables:
    """The form table (inflected form -> FIRST|LAST|PLACE), built once per process."""
    index: dict[str, int] = {}
    for flag, names in (
        (FIRST, _read("first_names.txt")),
        (LAST, _read("surnames.txt")),
        (PLACE, _read("places.txt")),
    ):
        for name in names:
            if name.casefold() in _NOT_NAMES:
                continue
            for form in name_forms(name):
                index[form] = index.get(form, 0) | flag
    return _Tables(index, frozenset(_read("common_forms.txt")))


@cache
def place_forms(places: frozenset[str]) -> frozenset[str]:
    """Every inflected form of the given place names (a county's allow-context)."""
    out: set[str] = set()
    for place in places:
        for part in [*place.replace("-", " ").split(), place]:
            out |= name_forms(part)
    return frozenset(out)


class _Tok:
    """One word of the text that can take part in a rule; its fields are computed once."""

    __slots__ = (
        "cap",
        "common",
        "distinct",
        "end",
        "flags",
        "gap",
        "initial",
        "low",
        "name",
        "place",
        "start",
        "text",
        "unknown_cap",
    )

    def __init__(
        self,
        start: int,
        end: int,
        text: str,
        flags: int,
        common: bool,
        cap: bool,
        initial: bool,
        gap: str,
        unknown_word: bool,
        low: str,
    ) -> None:
        self.start, self.end, self.text, self.flags = start, end, text, flags
        self.common, self.cap, self.initial, self.gap = common, cap, initial, gap
        self.low = low
        self.name = bool(flags & (FIRST | LAST))
        self.place = bool(flags & PLACE)
        # a listed name in a form that is neither an ordinary word nor a place
        self.distinct = self.name and not common and not self.place
        # a capitalised word that could be a name outside the lists
        self.unknown_cap = unknown_word and not initial and not flags


def _unknown_word(word: str, low: str) -> bool:
    """The word-level half of _Tok.unknown_cap (the rest: not sentence-initial, no flags)."""
    return (
        word[0].isupper()
        and len(word) >= 3
        and not (word.isupper() and len(word) <= 5)
        and low not in _NOT_NAMES
        and low not in _TITLES
    )


@lru_cache(maxsize=1 << 13)  # bounded: about 2 MB when full
def _lookup(low: str) -> tuple[int, bool]:
    t = tables()
    flags, common = 0, False
    for reading in readings(low):
        flags |= t.index.get(reading, 0)
        common = common or reading in t.common
    if not flags and "-" in low:  # double names: every part a name, the last one inflected
        parts = low.split("-")
        part_flags = [_lookup(p)[0] for p in parts]
        if all(f & (FIRST | LAST) for f in part_flags):
            flags = part_flags[-1] & (FIRST | LAST) or part_flags[0]
    return flags, common


def _double(word: str, flags: int) -> int:
    """'Lahja-Hannu', 'Happonen-Smith': capitalised parts, one of them a listed name, no place."""
    parts = word.split("-")
    if flags or len(parts) < 2 or not all(p[:1].isupper() for p in parts):
        return flags
    part_flags = [_lookup(p.casefold())[0] for p in parts]
    if any(f & PLACE for f in part_flags):
        return flags
    names = [f & (FIRST | LAST) for f in part_flags if f & (FIRST | LAST)]
    return names[-1] if names else flags


# Finnish surnames in -nen outside the lists: "Vesalaiselle", "Hurskaisesta" (not -lainen words
# at a sentence start, where adjectives like "Suomalainen" stand)
_NEN_FORM = re.compile(
    r"[^\W\d_]{3,}[aeiouyäö](?:nen|s(?:en|elle|ellä|ella|eltä|elta|essa|essä|esta|estä|eksi|ena|enä))$"
)
# ... but not the adjectives and verbal nouns built the same way: rakenteellinen, kehämäinen,
# välittäminen, positiivinen, yksittäinen
_NOT_NEN = re.compile(r"(?:lli|mai|mäi|mi|ii|kohtai|tai|täi)(?:nen|s\w*)$")


@lru_cache(maxsize=1 << 13)  # bounded: about 2 MB when full
def _word(word: str) -> tuple[int, bool, int, bool, str, bool]:
    """(flags, common, keep, unknown word, lower case, title or kinship word) of a word as
    written; keep: 0 it takes part in no rule (an ordinary lowercase word), 1 only right after a
    title or kinship word (a short unlisted capitalised word: "rouva Aa"), 2 in any rule."""
    low = word.casefold()
    flags, common = _lookup(low)
    if low in _NOT_NAMES:
        flags, common = 0, True
    if "-" in word:
        flags = _double(word, flags)
    if flags or low in _KEEP or (word[0].isupper() and len(word) >= 3):
        keep = 2
    else:
        keep = 1 if word[0].isupper() else 0
    return flags, common, keep, _unknown_word(word, low), low, low in _TITLES or low in _KIN


def _tokens(text: str, places: frozenset[str]) -> Iterator[_Tok]:
    """The words that can take part in a rule, left to right (lazily: a caller that has its
    answer stops the tokenising)."""
    extra = place_forms(places) if places else frozenset()
    previous_end = 0
    after_title = False
    first = True
    word_info = _word
    for m in _TOKEN.finditer(text):
        word = m.group()
        flags, common, keep, unknown, low, title = word_info(word)
        if keep < 2 and not (keep and after_title):
            continue  # only its position matters (the next word's gap shows it)
        if extra and any(r in extra for r in readings(low)):
            flags |= PLACE
        start, end = m.span()
        gap = text[previous_end:start]
        before = gap.rstrip(" ") if gap != " " else ""  # the character before, spaces skipped
        if before:
            c = before[-1]
            initial = not (c.isalpha() or c == ",")  # after . ➢ → ( / 2)
        else:
            initial = first  # the text's first word (else the previous word is just before)
        yield _Tok(start, end, word, flags, common, word[0].isupper(), initial, gap, unknown, low)
        first = False
        previous_end = end
        after_title = title


_KEEP = _TITLES | _KIN | _FAMILY_AFTER | _PERSON_AFTER


def _pair(a: _Tok, b: _Tok) -> bool:
    """Two adjacent words that together read as a person's name."""
    if b.gap not in (" ", ", "):
        return False
    fa, fb = a.flags, b.flags
    listed = (fa & FIRST and fb & LAST) or (fa & LAST and fb & FIRST)
    if b.gap == ", ":  # "Virtanen, Matti" (surname first) only; lists of places are not names
        return bool(fa & LAST and fb & FIRST and a.cap and b.cap and not (a.place or b.place))
    if listed:
        if a.place and b.place:
            return False  # "Kaarina Salo" reads as two places more often than as a person
        strong = a.cap + b.cap + (not a.common) + (not b.common)
        return strong >= 3 or (a.cap and b.cap) or a.distinct or b.distinct
    if fa & FIRST and not (a.initial and a.common) and b.unknown_cap:
        return a.cap and not a.place  # "Pirkko Hämäläinen-Smith"
    if a.cap and not a.flags and not a.initial and len(a.text) >= 3 and fb & LAST:
        return b.cap and not b.place and a.low not in _NOT_NAMES  # "Sinikka Järvinen"
    return False


def _alone(tok: _Tok) -> bool:
    """A single word that is a name even without a neighbour."""
    if tok.place or not tok.name:
        return False
    if tok.flags & LAST and not tok.common:
        return True  # "Korhoselle", "virtasesta"
    if tok.cap and not tok.text.isupper() and (not tok.initial or not tok.common):
        return True  # "Pirkko kertoi", and "kävin Laineen kanssa" inside a sentence
    return False


def _unlisted(tok: _Tok) -> bool:
    """A capitalised word inside a sentence in a -nen surname form ('Vesalaiselle')."""
    low = tok.low
    return tok.unknown_cap and _NEN_FORM.match(low) is not None and not _NOT_NEN.search(low)


def _context(tok: _Tok, previous: _Tok | None, following: _Tok | None) -> bool:
    """A capitalised word after a title or kinship word, a name before a family word."""
    if previous is not None and tok.gap == " " and tok.cap:
        word = previous.low.rstrip(".")
        if word in _TITLES and tok.low not in _NOT_NAMES:
            return True
        if word in _KIN and (tok.name or tok.unknown_cap) and not tok.place:
            return True
    if following is not None and following.gap == " " and not tok.place:
        after = following.low
        if after in _FAMILY_AFTER and ((tok.name and (tok.cap or tok.distinct)) or tok.unknown_cap):
            return True  # "Virtasen perhe", "Kyöstin äiti"
        if after in _PERSON_AFTER and tok.name and tok.cap:
            return True  # "Laineen kanssa"
    return False


# from a capital (the engine skips to those fast), not after a word character or a dot
_INITIALS = re.compile(
    r"[A-ZÅÄÖ](?<![\w.][A-ZÅÄÖ])(?:-[A-ZÅÄÖ])?\. ?(?:[A-ZÅÄÖ](?:-[A-ZÅÄÖ])?\. ?){0,2}"
    r"(?=[A-ZÅÄÖ][^\W\d_]{2,})"
)


def name_spans(text: str, places: Iterable[str] = ()) -> Iterator[tuple[int, int]]:
    """The names, left to right; tokenised as far as the caller reads."""
    stream = _tokens(text, frozenset(places))
    toks: list[_Tok] = []  # the words read so far
    following = next(stream, None)
    previous: _Tok | None = None
    while following is not None:
        tok = following
        toks.append(tok)
        following = next(stream, None)
        if not tok.flags and not tok.unknown_cap:
            # no listed name, no unknown capitalised word: only a title makes it a name
            if previous is not None and previous.low in _TITLES and _context(tok, previous, None):
                yield tok.start, tok.end
            previous = tok
            continue
        # every rule of _pair needs a listed name on one side
        if previous is not None and (previous.flags or tok.flags) and _pair(previous, tok):
            yield previous.start, tok.end
        elif _alone(tok) or _context(tok, previous, following):
            yield tok.start, tok.end
        elif _unlisted(tok):
            yield tok.start, tok.end
        previous = tok
    if "." not in text:  # initials end in a dot
        return
    by_start = {tok.start: i for i, tok in enumerate(toks)}
    for m in _INITIALS.finditer(text):
        at = by_start.get(m.end())
        if at is None:
            continue
        tok = toks[at]
        if (tok.flags & LAST or tok.unknown_cap or not tok.flags) and not tok.place:
            if tok.low not in _NOT_NAMES:
                yield m.start(), tok.end
