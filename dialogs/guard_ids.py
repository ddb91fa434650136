"""Pattern detectors of the identifier guard: identity codes, phones, plates, numbers, IBAN
(e-mail: dialogs.guard_email), and the scanning helpers they share.

Every function takes the normalised text (dialogs.guard_text.normalise) and returns spans. All
patterns are linear: no nested or unbounded repetition that can backtrack over the same characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from functools import lru_cache

from dialogs.guard_text import lowered

Span = tuple[int, int]
_ANY_DIGIT = re.compile(r"\d")


def _word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def _starts(
    pattern: re.Pattern[str], text: str, ok: Callable[[re.Match[str]], bool]
) -> Iterator[re.Match[str]]:
    """The matches of pattern that ok accepts, left to right. Patterns start with a plain class
    (so the engine can skip to candidate characters fast) and the look-behind that used to lead
    them is ok's: a refused match is retried one character later, so it hides nothing."""
    pos = 0
    while (m := pattern.search(text, pos)) is not None:
        if ok(m):
            yield m
            pos = max(m.end(), m.start() + 1)
        else:
            pos = m.start() + 1


def from_words(
    pattern: re.Pattern[str],
    text: str,
    words: tuple[str, ...],
    ok: Callable[[re.Match[str]], bool] | None = None,
) -> Iterator[re.Match[str]]:
    """The matches of pattern (left to right, not overlapping, those ok accepts) when every
    match begins with one of words: the engine is started only where a word stands. An
    alternation of words tried at every position of a long text costs tens of milliseconds;
    str.find of each word costs a fraction of one."""
    starts: set[int] = set()
    for word in words:
        i = text.find(word)
        while i >= 0:
            starts.add(i)
            i = text.find(word, i + 1)
    pos = 0
    for at in sorted(starts):
        if at < pos:
            continue
        m = pattern.match(text, at)
        if m is not None and (ok is None or ok(m)):
            yield m
            pos = max(m.end(), at + 1)


def _after_non_digit(text: str) -> Callable[[re.Match[str]], bool]:
    return lambda m: m.start() == 0 or not text[m.start() - 1].isdigit()


def after_non_word(text: str, extra: str = "") -> Callable[[re.Match[str]], bool]:
    def ok(m: re.Match[str]) -> bool:
        return m.start() == 0 or not (
            _word_char(text[m.start() - 1]) or text[m.start() - 1] in extra
        )

    return ok


# --- personal identity code (henkilötunnus) -------------------------------------------------
_CHECK_CHARS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
# 1800s: +; 1900s: - and (since 2023) Y X W V U; 2000s: A and (since 2023) B C D E F.
_CENTURY = {"+": 1800, "-": 1900, "Y": 1900, "X": 1900, "W": 1900, "V": 1900, "U": 1900}
_CENTURY.update({c: 2000 for c in "ABCDEF"})
_HETU_STRICT = re.compile(r"(\d{2})(\d{2})(\d{2})([-+A-FU-Y])(\d{3})([0-9A-Y])", re.IGNORECASE)
# as written: spaces inside, the sign missing or spaced, glued to words, any case
_HETU_LOOSE = re.compile(
    r"(0[1-9]|[12]\d|3[01]) ?(0[1-9]|1[0-2]) ?(\d{2}) ?([-+A-FU-Ya-fu-y]|(?= )) ?(\d{3}) ?"
    r"([0-9A-Ya-y])(?![0-9])"
)  # not after a digit: _after_non_digit; day and month in range here, the date in _date_ok


def _check_char(dd: str, mm: str, yy: str, serial: str) -> str:
    return _CHECK_CHARS[int(dd + mm + yy + serial) % 31]


@lru_cache(maxsize=4096)
def _date_ok(dd: str, mm: str, yy: str, century: int) -> bool:
    try:
        date(century + int(yy), int(mm), int(dd))
    except ValueError:
        return False
    return True


def is_valid_hetu(code: str) -> bool:
    """A real identity code: shape, date, serial and check character."""
    match = _HETU_STRICT.fullmatch(code.strip().upper())
    if match is None:
        return False
    dd, mm, yy, sign, serial, check = match.groups()
    century = _CENTURY[sign.upper()]
    if serial == "000" or int(serial) == 1 or not _date_ok(dd, mm, yy, century):
        return False
    return _check_char(dd, mm, yy, serial) == check.upper()


def hetu_spans(text: str) -> Iterator[Span]:
    """Codes that look like an identity code: a real date and century sign, any check character
    (a mistyped code still identifies); without a sign only when the check character is right."""
    for m in _starts(_HETU_LOOSE, text, _after_non_digit(text)):
        dd, mm, yy, sign, serial, check = m.groups()
        if sign:
            if _date_ok(dd, mm, yy, _CENTURY[sign.upper()]):
                yield m.span()
        elif any(_date_ok(dd, mm, yy, c) for c in (1900, 2000)) and check.isalpha():
            if _check_char(dd, mm, yy, serial) == check.upper():
                yield m.span()


# --- phone numbers --------------------------------------------------------------------------
# The separator between two digit groups a number can join: a space (or two), a dash or a
# bracket with a space on either side; a dot only between groups of 3 digits or more, a slash
# only after 2 or more and before 3 or more, not before a year: "040.123.4567", "040/123 4567" —
# not the parts of times, dates and months ("09.00-10.00", "01.02.2026", "01/2026"). Atomic: of
# separators and digits none is the other, so the first alternative that fits is the only one,
# and a failing look-ahead cannot retry the same text another way.
_JOIN = (
    r"(?>(?<=\d{3}) ?\. ?(?=\d{3})|(?<=\d{2}) ?/ ?(?=\d{3})(?!(?:19|20)\d\d(?!\d))"
    r"| ?[\-()] ?|  ?)"
)
# where a number can start without a keyword: "+" and a digit, or a digit run starting with 0,
# not after a letter or a digit (the scan starts from the literal; the look-behinds check); the
# engine then checks what _lengths would refuse whatever follows, so dates, times, counts and
# runs of zeros are not walked in Python: 8 digits a chain can join from there (the least a
# number has), a first digit after "+" that is not 0, after "0" a second one that is not 0 or
# (international "00…") a third one, and a lone "0" only in brackets ("(0) 40…"); a digit is
# any decimal digit, as \d in the walk (NFKC keeps Arabic-Indic and Devanagari digits as they are)
_START = re.compile(
    rf"\+(?<![^\W_]\+)(?=(?!0)\d(?:\d|{_JOIN}\d){{7}})"
    rf"|0(?<![^\W_]0)(?<!\+0)(?:(?=\d)|(?<=\(0))"
    rf"(?=(?:{_JOIN})?(?:(?!0)\d|0(?:{_JOIN})?(?!0)\d))(?=(?:\d|{_JOIN}\d){{7}})"
)
# on the lowered text
_PHONE_WORD = re.compile(
    r"\b(?:(?:puh|puhelin\w*|gsm|tel|telefon\w*|mob\w*|phone|soita\w*|ring\w*)[^\w\n]{0,3}"
    r"|p[.:][^\w\n]{0,2})"
)
_DATE_SHAPE = re.compile(r"\d{1,2}[.\-/]\d{1,2}[.\-/](?:\d{2}|\d{4})")
# from a start, the digit groups a number can join, four at a time (most numbers have four at
# most; a longer chain is read on only while it has 15 digits or fewer)
_WALK = re.compile(rf"\+?\d++(?:{_JOIN}\d++){{0,3}}+")
_WALK_ON = re.compile(rf"(?:{_JOIN}\d++){{1,4}}+")
_DIGITS = re.compile(r"\d+")
_NOT_DIGITS = str.maketrans("", "", " -./()+")


def _lengths(head: str, plus: bool, keyword: bool) -> tuple[int, int]:
    """The digit counts a number with these first digits may have (an empty range: none):
    "+" and 8–15 digits not starting 0; "00" and 8–15 more not starting 0; "0" and 7–11 more
    not starting 0; after a keyword 6–10 digits."""
    if plus:
        return (8, 15) if head[:1] != "0" else (0, -1)
    if head.startswith("00"):
        return (10, 17) if head[2:3] not in ("", "0") else (0, -1)
    if head.startswith("0"):
        return (8, 12) if head[1:2] != "0" else (0, -1)
    return (6, 10) if keyword else (0, -1)


def phone_spans(text: str, taken: Callable[[int], bool] | None = None) -> Iterator[Span]:
    """Finnish and international numbers with spaces, dashes, dots, slashes or parentheses.

    A number starts with "+", with 0, or right after a phone keyword ("puh. 123 4567"); only
    those places are tried, each bounded: from there digit groups are joined by separators
    while the digits can still be a number (at most 15 digits), and the longest prefix that is
    one is the number. taken: positions already in a stronger finding (an identity code): a
    number starting there would be dropped anyway, so it is not tried."""
    if _ANY_DIGIT.search(text) is None:
        return
    low = lowered(text)
    keyword_ends: set[int] = set()
    starts = [m.start() for m in _START.finditer(text)]
    for m in _PHONE_WORD.finditer(low):
        keyword_ends.add(m.end())
        at = m.end() + (1 if low.startswith("(", m.end()) else 0)
        if at < len(low) and (low[at].isdigit() or low[at] == "+"):
            starts.append(at)
    if keyword_ends:
        starts = sorted(set(starts))
    done = 0
    for at in starts:
        if at < done or (taken is not None and taken(at)):
            continue  # inside the number found before, or in an identity code
        opener = at > 0 and text[at - 1] == "("
        begin = at - 1 if opener else at
        keyword = begin in keyword_ends
        if at and text[at - 1].isalnum():
            continue  # "88b0-7227…" is no number
        chain = _WALK.match(text, at)
        if chain is None:
            continue  # a keyword before no digit
        groups = _DIGITS.finditer(text, at, chain.end())
        first_end = next(groups).end()
        plus = text[at] == "+"
        if not plus and not keyword and first_end - at < 2 and not opener:
            continue  # a national number starts "0X…": a lone digit is a list, a count
        lo, hi = _lengths(chain.group().translate(_NOT_DIGITS)[:3], plus, keyword)
        count = first_end - at - plus
        best = first_end if lo <= count <= hi else -1
        while count <= 15:
            for group in groups:
                count += group.end() - group.start()
                if lo <= count <= hi:
                    best = group.end()
                if count > 15:
                    break
            else:
                chain = _WALK_ON.match(text, chain.end())  # the chain goes on?
                if chain is None:
                    break
                groups = _DIGITS.finditer(text, chain.start(), chain.end())
        if best < 0 or text[best : best + 1].isalpha():
            continue  # none, or glued to letters: an identifier of some other kind
        if best != first_end and _DATE_SHAPE.fullmatch(text, at, best):
            continue  # one group alone is never a date
        yield begin, best
        done = best


# --- car plates -----------------------------------------------------------------------------
# a plate has letters next to digits (with "-" or a space between, or none): no pair, no plate
_LETTER_DIGIT = re.compile(r"[^\W\d_][\- ]?\d")
# on the lowered text; not after a word character or "-" (checked by after_non_word)
# each scan starts at the "-" or the first digit (the engine skips to those fast), the letters
# before it checked by look-behinds; group 1 is the letters
_PLATE = re.compile(
    r"-(?:(?<=(?<![\w\-])([a-zåäö]{3})-)|(?<=(?<![\w\-])([a-zåäö]{2})-))\d{1,3}(?![\w\-])"
)
_PLATE_GLUED = re.compile(r"\d(?<=(?<![\w\-])([A-ZÅÄÖ]{3})\d)\d\d(?![\w\-])")  # capitals only
_PLATE_WORDS = ("rek", "registrerings", "reg", "plate", "auto", "bil")
_PLATE_WORD = re.compile(
    r"\b(?:rekisteri\w*|rek\.? ?(?:nro|no|numero)|rekkari\w*|registrerings\w*|reg\.? ?nr|"
    r"licen[cs]e plate|plate|auto\w*|bil\w*) ?:? ?([a-zåäö]{2,3}) ?(\d{1,3})(?![\w\-])"
)
_NOT_PLATES = frozenset(
    "shl thl hyte stm avi kela ely alv eu yk who klo vk vko nro no s kpl ma ti ke to pe la su "
    "pv kk v vrk tk id iso sfs hus ote lape sote pth ptk mom ao ym esim jne ks lk nk ph vs ap "
    "ht tt ks os ov wc tv pc it hr cv ok ab oy ry rf as bst lgh tr tel puh vv am pm ja tai on ei "
    "se ne me te he och är en ett de vi om av på vid art kap fi sv se no dk ee ru "
    # statutes as abbreviated in social care (sosiaalihuoltolaki, lastensuojelulaki, …)
    "lsl vpl mtl ohl asl hl pl tsl ttl ktl ehl phl vhl sol lss sfb "
    # classifications, scales and goals (ICD-10, DSM-5, PHQ-9, GAD-7, SDG-3)
    "icd dsm phq gad atc sdg icf bdi gaf ips".split()
)


def plate_spans(text: str) -> Iterator[Span]:
    if _LETTER_DIGIT.search(text) is None:
        return
    low = lowered(text)
    if "-" in low:
        for m in _PLATE.finditer(low):
            letters = m.group(1) or m.group(2)
            if letters not in _NOT_PLATES:
                yield m.start() - len(letters), m.end()
    for m in _PLATE_GLUED.finditer(text):
        if m.group(1).casefold() not in _NOT_PLATES:
            yield m.start() - 3, m.end()
    if not any(w in low for w in _PLATE_WORDS):
        return
    for m in _PLATE_WORD.finditer(low):
        if m.group(1) not in _NOT_PLATES:
            yield m.start(1), m.end()


# --- customer, case and Kela numbers (with their keyword) -----------------------------------
# one pattern on the lowered text: the number word after its prefix ("asiakasnumero", "kelan
# nro", "ärendenummer"), or a diary number ("dnro"), then the value
_NUMBER_PREFIX = (
    r"(?:asiakas|asiakkuus|asia|asiakirja|tapaus|hakemus|päätös|potilas|etuus|vakuutus|laskun?|"
    r"viite|kela|kelan|kund|klient|ärende|diarie|fpa|försäkrings|referens|customer|client|case|"
    r"patient|reference)[\-: ]?"
)
_NUMBER = re.compile(
    rf"(?:{_NUMBER_PREFIX}(?:(?:numero|nro|tunnus|nummer|number)\w{{0,30}}+|nr\b|(?<![^\W\d_])(?:no|id)\b)"
    r"|(?<!\w)d(?:nro|no|nr|iaarinro|iaarinumero)\w{0,30}+)"
    r"[:#=\s]*(?:(?:on|oli|är|is|was|nro|no)\s+)?([a-z]{0,4}-?\d[\d\-/ ]{2,20}\d)"
)


# every number begins with one of these (the scan starts only where one stands)
_NUMBER_TRIGGERS = (
    "asia",
    "tapaus",
    "hakemus",
    "päätös",
    "potilas",
    "etuus",
    "vakuutus",
    "lasku",
    "viite",
    "kela",
    "kund",
    "klient",
    "ärende",
    "diarie",
    "fpa",
    "försäkrings",
    "referens",
    "customer",
    "client",
    "case",
    "patient",
    "reference",
    "dnr",
    "dno",
    "diaari",
)


def number_spans(text: str) -> Iterator[Span]:
    if _ANY_DIGIT.search(text) is None:
        return
    low = lowered(text)
    for m in from_words(_NUMBER, low, _NUMBER_TRIGGERS):
        if sum(c.isdigit() for c in m.group(1)) >= 4:
            yield m.span()


# --- IBAN -----------------------------------------------------------------------------------
# starts at the check digits (the engine skips to digits fast), the country letters checked by
# a look-behind, not after a word character
_IBAN = re.compile(r"(\d)(?<=(?<!\w)([A-Za-z]{2})\d)(\d)((?: ?[A-Za-z0-9]){11,30})(?!\w)")
_IBAN_WORD = re.compile(r"(?:iban|tili\w*|konto\w*|account)\W{0,4}$")


def _iban_ok(country: str, check: str, rest: str) -> bool:
    """Whether some prefix of rest (at least 11 characters) makes a valid IBAN (mod 97 == 1),
    all prefixes in one pass: the remainder of each prefix is carried on."""
    tail = int("".join(str(int(c, 36)) for c in (country + check).upper()))  # 6 digits
    mod = 0
    for n, c in enumerate(rest.upper(), 1):
        v = int(c, 36)
        mod = (mod * (100 if v >= 10 else 10) + v) % 97
        if n >= 11 and (mod * 1_000_000 + tail) % 97 == 1:
            return True
    return False


def iban_spans(text: str) -> Iterator[Span]:
    for m in _IBAN.finditer(text):
        start = m.start() - 2
        country, check, rest = m.group(2), m.group(1) + m.group(3), m.group(4).replace(" ", "")
        if _iban_ok(country, check, rest):
            yield start, m.end()
        elif rest.isdigit() and _IBAN_WORD.search(lowered(text[max(0, start - 16) : start])):
            yield start, m.end()
