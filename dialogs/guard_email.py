"""E-mail addresses for the identifier guard, with the usual obfuscations.

Takes the normalised text (dialogs.guard_text.normalise) and returns spans. An address is found
from its "@" or its spelled-out "at" outwards (or from a known mail domain), with bounded
look-arounds: the old pattern, tried at every position, took seconds on a long text without "@".
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator

from dialogs.guard_ids import Span, after_non_word, from_words
from dialogs.guard_text import lowered

# --- e-mail, with the usual obfuscations ----------------------------------------------------
# Everything on the lowered text. An address is found from its "at" outwards: the "@" (doubled,
# spaced), or "at" spelled out in brackets or as a word (Finnish, Swedish, English); or, with no
# "at" at all, from a known mail domain ("virtanen.matti gmail piste com"). The domain after it
# must end in a top-level domain, or be a known mail domain; the local part before it is read
# backwards (one match on the reversed text, bounded). Public web addresses ("www.kela.fi",
# "omaolo.fi", "palaute.hel.fi") have no local part before an "at" or a mail domain: they pass.
_AT_WORDS = (
    r"at|ät|miukumauku|kissanhäntä|snabel-?a|snabel a|a-kirjain|at-merkki|ät-merkki|at-merkin"
)
# a dot: tight, or spaced on both sides (". " alone ends a sentence), or spelled out
_DOT = r"(?:\.| \. | ?[(\[{<] ?(?:dot|piste|punkt|p) ?[)\]}>] ?| (?:dot|piste|punkt) )"
_LABEL = r"[^\W_][\w\-]{0,62}+"
# mail domains people have (webmail, operators): an address may name them without a TLD
_MAIL_DOMAINS = (
    "gmail|googlemail|hotmail|outlook|live|msn|yahoo|ymail|icloud|luukku|suomi24|elisanet|"
    r"elisa|kolumbus|saunalahti|welho|dnainternet|netti|pp\.inet|inet|telia|sonera|protonmail|"
    "proton|gmx|aol|yandex|kotiposti|jippii|surffi|mbnet|nic"
)
# public-sector mail domains: in an address with no "at" only with their TLD ("… hel.fi")
_PUBLIC_DOMAINS = (
    "hel|espoo|vantaa|ouka|turku|tampere|pirha|phhyky|vakehyva|hyvaks|soite|siunsote|"
    "hyvinvointialue|ovph|keusote|eksote|kymsote|pohjanmaanhyvinvointi|satakunnanhyvinvointialue"
)
_TLD = r"[a-z]{2,24}(?![\w\-])"
_DOMAIN_AFTER = re.compile(rf"(?:{_LABEL}{_DOT}){{1,5}}{_TLD}|(?:{_MAIL_DOMAINS})(?![\w\-])")
# the three forms of "at", each its own scan that starts from a literal or a class (fast): the
# at-sign, a bracketed word, a word between spaces; a space before the first two is theirs
_AT_SCANS = (
    re.compile(rf"@(?<!@@)@*+ ?(?:{_DOMAIN_AFTER.pattern})"),  # from the first "@" of a run
    re.compile(
        r"[(\[{<] ?(?:at|ät|a|miukumauku|kissanhäntä|snabel-?a|snabel a) ?[)\]}>] ?"
        rf"(?:{_DOMAIN_AFTER.pattern})"
    ),
    re.compile(rf" (?:{_AT_WORDS}) (?:{_DOMAIN_AFTER.pattern})"),
)
# what each scan needs in the text at all (cheap substring tests, so a text without skips it)
_AT_TRIGGERS = (
    ("@",),
    tuple("([{<"),
    (" at ", " ät ", " at-", " ät-", " a-kirjain", " miukumauku", " kissanhäntä", " snabel"),
)
# every bare domain begins with one of these (the scan starts only where one stands)
_DOMAIN_WORDS = tuple(_MAIL_DOMAINS.replace("\\", "").split("|") + _PUBLIC_DOMAINS.split("|"))
# no "at": a known domain, as a word of its own (the character before it is checked by hand)
_BARE_DOMAIN = re.compile(
    rf"(?:{_MAIL_DOMAINS})(?:{_DOT}{_TLD}|(?![\w\-]))|(?:{_PUBLIC_DOMAINS}){_DOT}{_TLD}"
)
# backwards (on the reversed text): the local part, atoms joined by dots, and, before a bare
# domain, the separator (a space or a dot) between them
_DOT_R = r"(?:\.| \. | ?[)\]}>] ?(?:tod|etsip|tknup|p) ?[(\[{<] ?| (?:tod|etsip|tknup) )"
_LOCAL_R = re.compile(rf"[\w%+\-]{{1,64}}+(?:{_DOT_R}[\w%+\-]{{1,64}}+){{0,4}}")
_SEP_R = re.compile(rf"{_DOT_R}| ")
_LOCAL_INNER = re.compile(rf"[._\d]|{_DOT}")
_LETTER = re.compile(r"[^\W\d_]")


def _local_start(low: str, rev: str, end: int, strict: bool) -> int | None:
    """Where the local part ending at end starts; strict (no "at" in the address): it must be
    more than one plain word ("virtanen.matti", "teemu_aalto", "ville85"), not a number ("040
    123 4567 gmail.com" is a phone and a domain) or a short code."""
    m = _LOCAL_R.match(rev, len(low) - end)
    if m is None:
        return None
    start = end - len(m.group())
    while start < end and not low[start].isalnum():
        start += 1  # "-matti@…": the address starts at its first letter or digit
    if start == end or (start and low[start - 1] in "@."):
        return None
    if strict and (
        end - start < 4
        or _LOCAL_INNER.search(low, start, end) is None
        or _LETTER.search(low, start, end) is None
    ):
        return None
    return start


def email_spans(text: str) -> Iterator[Span]:
    low = lowered(text)
    rev = ""
    found: list[Span] = []
    for scan, triggers in zip(_AT_SCANS, _AT_TRIGGERS, strict=True):
        if any(t in low for t in triggers):
            for m in scan.finditer(low):
                rev = rev or low[::-1]
                at = m.start() - (1 if m.start() and low[m.start() - 1] == " " else 0)
                start = _local_start(low, rev, at, strict=False)
                if start is not None:
                    found.append((start, m.end()))
    found.sort()
    for m in from_words(_BARE_DOMAIN, low, _DOMAIN_WORDS, after_non_word(low, ".-@")):
        i = bisect_right(found, (m.start(), len(low))) - 1
        if i >= 0 and found[i][1] > m.start():
            continue  # the domain of an address found from its "at"
        rev = rev or low[::-1]
        sep = _SEP_R.match(rev, len(low) - m.start())
        if sep is None:
            continue
        start = _local_start(low, rev, m.start() - len(sep.group()), strict=True)
        if start is not None:
            found.append((start, m.end()))
    yield from found
