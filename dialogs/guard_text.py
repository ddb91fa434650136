"""The guard's one normalisation step, run before every detector.

Unicode NFKC (fullwidth digits and letters become ASCII, ligatures split), every dash and hyphen
variant becomes "-", every space variant becomes " ", invisible characters (zero-width spaces and
joiners, soft hyphen, byte-order mark, bidi marks) are removed, line breaks of every kind become
"\\n" (detectors treat them as boundaries). Case is kept — the name rules need it — and every
pattern matches case-insensitively. Positions of hits refer to the normalised text.
"""

from __future__ import annotations

import re
import unicodedata

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d\u02d7"
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u180e"
_DASH_RE = re.compile(f"[{_DASHES}]")
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")
_BREAKS = re.compile("[\r\u2028\u2029\x0b\x0c\x85]")  # after "\r\n" -> "\n"
_SPACES = re.compile(r"[^\S\n ]")  # a plain space stays (replacing each with itself is slow)


def normalise(text: str) -> str:
    """The text every detector sees (see the module docstring)."""
    text = _INVISIBLE_RE.sub("", text.replace("\ufe6b", "@"))
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = _BREAKS.sub("\n", _DASH_RE.sub("-", text).replace("\r\n", "\n"))
    return _SPACES.sub(" ", text)


def lowered(text: str) -> str:
    """text in lower case, position for position (the detectors scan it without IGNORECASE, which
    is several times faster; a character whose lower case is longer, "İ", stays as it is)."""
    low = text.lower()
    if len(low) == len(text):  # lower() never shortens: same length, same positions
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
