"""Pattern detectors of the identifier guard: identity codes, phones, e-mail, plates, numbers, IBAN.

Every function takes the normalised text (dialogs.guard_text.normalise) and returns spans. All
patterns are linear: no nested or unbounded repetition that can backtrack over the same characters
(the old e-mail pattern took seconds on a long text without "@"); e-mail is found from its "@" or
its spelled-out "at" outwards, with bounded look-arounds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

Span = tuple[int, int]

# --- personal identity code (henkilötunnus) -------------------------------------------------
_CHECK_CHARS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
# 1800s: +; 1900s: - and (since 2023) Y X W V U; 2000s: A and (since 2023) B C D E F.
_CENTURY = {"+": 1800, "-": 1900, "Y": 1900, "X": 1900, "W": 1900, "V": 1900, "U": 1900}
_CENTURY.update({c: 2000 for c in "ABCDEF"})
_HETU_STRICT = re.compile(r"(\d{2})(\d{2})(\d{2})([-+A-FU-Y])(\d{3})([0-9A-Y])", re.IGNORECASE)
# as written: spaces inside, the sign missing or spaced, glued to words, any case
_HETU_LOOSE = re.compile(
    r"(?<!\d)(\d{2}) ?(\d{2}) ?(\d{2}) ?([-+A-FU-Y]|(?= )) ?(\d{3}) ?([0-9A-Y])(?![0-9])",
    re.IGNORECASE,
)


def _check_char(dd: str, mm: str, yy: str, serial: str) -> str:
    return _CHECK_CHARS[int(dd + mm + yy + serial) % 31]


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
    for m in _HETU_LOOSE.finditer(text):
        dd, mm, yy, sign, serial, check = m.groups()
        if sign:
            if _date_ok(dd, mm, yy, _CENTURY[sign.upper()]):
                yield m.span()
        elif any(_date_ok(dd, mm, yy, c) for c in (1900, 2000)) and check.isalpha():
            if _check_char(dd, mm, yy, serial) == check.upper():
                yield m.span()


# --- phone numbers --------------------------------------------------------------------------
_GROUP = re.compile(r"\+?\d+")
_SEP = re.compile(r" ?[-./]? ?| ?\(? ?| ?\) ?")
_PHONE_WORD = re.compile(
    r"\b(?:(?:puh|puhelin\w*|gsm|tel|telefon\w*|mob\w*|phone|soita\w*|ring\w*)[^\w\n]{0,3}"
    r"|p[.:][^\w\n]{0,2})",
    re.IGNORECASE,
)
_DATE_SHAPE = re.compile(r"\d{1,2}[.\-/]\d{1,2}[.\-/](?:\d{2}|\d{4})")


def _phone_ok(digits: str, plus: bool, keyword: bool) -> bool:
    if plus or digits.startswith("00"):
        body = digits[2:] if digits.startswith("00") and not plus else digits
        return 8 <= len(body) <= 15 and body[0] != "0"
    if digits.startswith("0"):
        return 8 <= len(digits) <= 12 and digits[1] != "0"
    return keyword and 6 <= len(digits) <= 10


def _joins(gap: str, left: str, right: str) -> bool:
    """Whether two digit groups can be parts of one phone number across this separator. Dots
    and slashes join only long groups: "040.123.4567", "040/123 4567" — but not the parts of
    times, dates and months ("09.00-10.00", "01.02.2026", "01/2026")."""
    left, right = left.lstrip("+"), right
    if "." in gap:
        return len(left) >= 3 and len(right) >= 3
    if "/" in gap:
        year = len(right) == 4 and right[:2] in ("19", "20")
        return len(left) >= 2 and len(right) >= 3 and not year
    return True


def phone_spans(text: str) -> Iterator[Span]:
    """Finnish and international numbers with spaces, dashes, dots, slashes or parentheses."""
    groups = list(_GROUP.finditer(text))
    after_keyword = {m.end() for m in _PHONE_WORD.finditer(text)} if groups else set()
    i = 0
    while i < len(groups):
        start = groups[i]
        if start.start() and text[start.start() - 1].isalnum():  # "88b0-7227…" is no number
            i += 1
            continue
        opener = text[max(0, start.start() - 2) : start.start()].endswith("(")
        begin = start.start() - (1 if opener and text[start.start() - 1] == "(" else 0)
        keyword = begin in after_keyword
        plus = start.group().startswith("+")
        digits = start.group().lstrip("+")
        if not plus and not keyword and len(digits) < 2 and not opener:
            i += 1  # a national number starts "0X…": a lone digit is a list, a count
            continue
        best = -1
        j = i
        while True:
            if _phone_ok(digits, plus, keyword):
                best = j
            if j + 1 >= len(groups) or len(digits) > 15:
                break
            gap = text[groups[j].end() : groups[j + 1].start()]
            if groups[j + 1].group().startswith("+") or not _SEP.fullmatch(gap) or not gap:
                break
            if not _joins(gap, groups[j].group(), groups[j + 1].group()):
                break
            j += 1
            digits += groups[j].group()
        end = groups[best].end() if best >= 0 else 0
        if best >= 0 and text[end : end + 1].isalpha():
            best = -1  # glued to letters: an identifier of some other kind
        if best >= 0 and not _DATE_SHAPE.fullmatch(text[start.start() : groups[best].end()]):
            yield begin, groups[best].end()
            i = best + 1
        else:
            i += 1


# --- e-mail, with the usual obfuscations ----------------------------------------------------
_AT = re.compile(
    r"@|\s?[(\[{<]\s?(?:at|ät|a|miukumauku)\s?[)\]}>]\s?| (?:at|ät|miukumauku|kissanhäntä) ",
    re.IGNORECASE,
)
_DOT = r"(?:\.|\s?[(\[{<]\s?(?:dot|piste|punkt|p)\s?[)\]}>]\s?| (?:dot|piste|punkt) )"
_DOMAIN = re.compile(rf"[^\W_][\w\-]{{0,62}}(?:{_DOT}[^\W_][\w\-]{{0,62}}){{0,5}}", re.IGNORECASE)
_TLD_END = re.compile(rf"{_DOT}([a-z]{{2,24}})$", re.IGNORECASE)
_LOCAL_CHAR = re.compile(r"[\w.%+\-]")


def email_spans(text: str) -> Iterator[Span]:
    for at in _AT.finditer(text):
        left = at.start()
        while left > 0 and at.start() - left < 64 and _LOCAL_CHAR.match(text, left - 1):
            left -= 1
        if left == at.start() or not text[left].isalnum():
            continue
        domain = _DOMAIN.match(text, at.end())
        if domain is None:
            continue
        d = domain.group()
        tld = _TLD_END.search(d)
        if tld is None:  # trailing label may be the TLD only if a dot-word came before it
            continue
        if at.group() != "@" and not tld.group(1).isascii():
            continue
        yield left, domain.end()


# --- car plates -----------------------------------------------------------------------------
_PLATE = re.compile(r"(?<![\w\-])([A-ZÅÄÖ]{2,3})-(\d{1,3})(?![\w\-])", re.IGNORECASE)
_PLATE_GLUED = re.compile(r"(?<![\w\-])([A-ZÅÄÖ]{3})(\d{3})(?![\w\-])")
_PLATE_WORD = re.compile(
    r"\b(?:rekisteri\w*|rek\.? ?(?:nro|no|numero)|rekkari\w*|registrerings\w*|reg\.? ?nr|"
    r"licen[cs]e plate|plate|auto\w*|bil\w*) ?:? ?([A-ZÅÄÖ]{2,3}) ?(\d{1,3})(?![\w\-])",
    re.IGNORECASE,
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
    for m in _PLATE.finditer(text):
        letters = m.group(1)
        if letters.casefold() not in _NOT_PLATES:
            yield m.span()
    for m in _PLATE_GLUED.finditer(text):
        if m.group(1).casefold() not in _NOT_PLATES:
            yield m.span()
    for m in _PLATE_WORD.finditer(text):
        if m.group(1).casefold() not in _NOT_PLATES:
            yield m.start(1), m.end()


# --- customer, case and Kela numbers (with their keyword) -----------------------------------
_NUMBER_WORD = re.compile(
    r"(?:numero|nro|tunnus|nummer|number)\w*|nr\b|(?<![^\W\d_])(?:no|id)\b"
    r"|\bd(?:nro|no|nr|iaarinro|iaarinumero)\w*",
    re.IGNORECASE,
)
_NUMBER_PREFIX = re.compile(
    r"(?:asiakas|asiakkuus|asia|asiakirja|tapaus|hakemus|päätös|potilas|etuus|vakuutus|laskun?|"
    r"viite|kela|kelan|kund|klient|ärende|diarie|fpa|försäkrings|referens|customer|client|case|"
    r"patient|reference)[\-: ]?$",
    re.IGNORECASE,
)
_ID_VALUE = re.compile(
    r"[:#=\s]*(?:(?:on|oli|är|is|was|nro|no)\s+)?([A-Z]{0,4}-?\d[\d\-/ ]{2,20}\d)", re.IGNORECASE
)


def number_spans(text: str) -> Iterator[Span]:
    for m in _NUMBER_WORD.finditer(text):
        if not m.group().casefold().startswith("d"):
            prefix = _NUMBER_PREFIX.search(text, max(0, m.start() - 16), m.start())
            if prefix is None:
                continue
            start = prefix.start()
        else:
            start = m.start()
        value = _ID_VALUE.match(text, m.end())
        if value is not None and sum(c.isdigit() for c in value.group(1)) >= 4:
            yield start, value.end()


# --- IBAN -----------------------------------------------------------------------------------
_IBAN = re.compile(r"(?<![\w])([A-Z]{2})(\d{2})((?: ?[A-Z0-9]){11,30})(?![\w])", re.IGNORECASE)
_IBAN_WORD = re.compile(r"(?:iban|tili\w*|konto\w*|account)\W{0,4}$", re.IGNORECASE)


def _iban_ok(country: str, check: str, rest: str) -> bool:
    moved = (rest + country + check).upper()
    number = "".join(str(int(c, 36)) for c in moved)
    return int(number) % 97 == 1


def iban_spans(text: str) -> Iterator[Span]:
    for m in _IBAN.finditer(text):
        country, check, rest = m.group(1), m.group(2), m.group(3).replace(" ", "")
        if any(_iban_ok(country, check, rest[:n]) for n in range(len(rest), 10, -1)):
            yield m.span()
        elif _IBAN_WORD.search(text, max(0, m.start() - 16), m.start()) and rest.isdigit():
            yield m.span()
