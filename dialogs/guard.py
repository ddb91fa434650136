"""Client-identifier guard: finds what could identify a person in a free text.

Runs on every free text before anything is stored (drafts included). One normalisation step
(dialogs.guard_text) comes first; then the detectors: Finnish personal identity codes (real ones
and ones that only look like one — a mistyped code still identifies), phone numbers (Finnish and
international), e-mail (also spelled out: "(at)", "piste"), street addresses in any inflected
form and postcode + post office, person names in any inflected form (dialogs.guard_names), car
plates, customer/case/Kela numbers after their keyword, and IBANs. What they find *blocks*: the
dialog refuses the text.

Apart from them a text may read as a grievance about one client's care (SHL 48 §): that is a
*notice*, a question to the worker, never a block.

`check(text, places)` is the API: `places` are the county's own place names (an allow-context:
"Salossa" is a town there, not Mr Salo). `findings(text)` is the older list-of-kinds API.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from dialogs.guard_address import address_spans
from dialogs.guard_email import email_spans
from dialogs.guard_ids import (
    hetu_spans,
    iban_spans,
    is_valid_hetu,
    number_spans,
    phone_spans,
    plate_spans,
)
from dialogs.guard_names import name_spans
from dialogs.guard_text import lowered, normalise

__all__ = [
    "Finding",
    "Hit",
    "Verdict",
    "check",
    "check_texts",
    "findings",
    "guarded",
    "is_valid_hetu",
    "withheld",
]


class Finding(StrEnum):
    HETU = "hetu"
    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"
    NAME = "name"
    PLATE = "plate"
    CUSTOMER_NUMBER = "customer_number"
    IBAN = "iban"
    GRIEVANCE = "grievance"


IDENTIFIERS = tuple(f for f in Finding if f is not Finding.GRIEVANCE)


@dataclass(frozen=True)
class Hit:
    finding: Finding
    start: int  # positions in the normalised text
    end: int


@dataclass(frozen=True)
class Verdict:
    blocks: tuple[Finding, ...]  # identifier kinds: the text must not be stored
    notices: tuple[Finding, ...]  # the grievance question: the worker may go on
    hits: tuple[Hit, ...]  # at least one of each kind found (check(every_hit=True): all)

    @property
    def blocked(self) -> bool:
        return bool(self.blocks)

    def as_json(self) -> dict[str, list[str]]:
        return {
            "blocks": [f.value for f in self.blocks],
            "notices": [f.value for f in self.notices],
        }


# --- grievance about one client's care (SHL 48 §) -------------------------------------------
# One client, singular and pointed at ("asiakkaani", "tämä asiakas", "min klient"); plural and
# general wording ("asiakkaamme", "asiakkaat", "yksittäisen asiakkaan") is how phenomena are told.
_GRIEVANCE_RE = re.compile(  # on the lowered text
    r"\b(?:asiakkaani|asiakastani|asiakkaallani|asiakkaaltani|asiakkaalleni|asiakkaassani|"
    r"tämä asiakas|tämän asiakkaan|tätä asiakasta|tälle asiakkaalle|kyseinen asiakas|"
    r"kyseisen asiakkaan|kyseistä asiakasta|kyseiselle asiakkaalle|potilaani|"
    r"min klient|vår klient|denna klient|den här klienten|min patient|"
    r"my client|this client|this patient|my patient)\b"
)
# read backwards (on the reversed lowered text): up to three words, then a negation
_NEGATED_R = re.compile(r"\s*+(?:\w++\s+){0,3}(?:ie|nätievi|äkie|ne|emme|etni|je|ton|on)\b")


def _grievance(text: str) -> list[Hit]:
    hits: list[Hit] = []
    low = lowered(text)
    if not any(w in low for w in ("asiak", "klient", "client", "patient", "potila")):
        return hits
    rev = ""
    for m in _GRIEVANCE_RE.finditer(low):
        rev = rev or low[::-1]
        negation = _NEGATED_R.match(rev, len(low) - m.start())
        if negation is None or negation.end() - (len(low) - m.start()) > 40:
            hits.append(Hit(Finding.GRIEVANCE, m.start(), m.end()))
    return hits


# starts at the first "-" (the engine skips to it fast), the 8 hex digits before it checked by a
# look-behind
_UUID = re.compile(
    r"-(?<=(?<!\w)[0-9a-fA-F]{8}-)[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
)


def _merged(spans: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Disjoint sorted intervals (starts, ends) covering the spans."""
    starts: list[int] = []
    ends: list[int] = []
    for s, e in sorted(spans):
        if ends and s <= ends[-1]:
            ends[-1] = max(ends[-1], e)
        else:
            starts.append(s)
            ends.append(e)
    return starts, ends


def _overlaps(span: tuple[int, int], taken: tuple[list[int], list[int]]) -> bool:
    starts, ends = taken
    i = bisect_left(starts, span[1]) - 1  # the last interval starting before the span ends
    return i >= 0 and ends[i] > span[0]


def _scan(text: str, places: Iterable[str], every: bool) -> list[Hit]:
    """The hits in the normalised text. Not every: of the weaker kinds only the first hit of
    each (what a verdict needs) — their detectors are generators and stop there; the strong
    ones always give every span, since they mask what the weaker ones may read."""
    places = tuple(places)
    hits: list[Hit] = []
    strong: list[tuple[int, int]] = []  # spans that a weaker detector must not re-read
    for finding, spans in (
        (Finding.HETU, hetu_spans(text)),
        (Finding.IBAN, iban_spans(text)),
        (Finding.EMAIL, email_spans(text)),
        (Finding.CUSTOMER_NUMBER, number_spans(text)),
    ):
        for span in spans:
            hits.append(Hit(finding, *span))
            strong.append(span)
    if "-" in text:  # ids of accounts, not phone numbers
        strong += [(m.start() - 8, m.end()) for m in _UUID.finditer(text)]
    taken = _merged(strong)
    for finding, spans in (
        (Finding.PHONE, phone_spans(text, lambda at: _overlaps((at, at + 1), taken))),
        (Finding.PLATE, plate_spans(text)),
        (Finding.ADDRESS, address_spans(text, places)),
        (Finding.NAME, name_spans(text, places)),
    ):
        for span in spans:
            if not _overlaps(span, taken):
                hits.append(Hit(finding, *span))
                if not every:
                    break
    return hits + _grievance(text)


def check(text: str, places: Iterable[str] = (), every_hit: bool = False) -> Verdict:
    """What the guard finds in text; places are the county's place names (an allow-context).
    The hits are at least one of each kind found; every one of them with every_hit."""
    if not text or not text.strip():
        return Verdict((), (), ())
    hits = sorted(_scan(normalise(text), places, every_hit), key=lambda h: h.start)
    kinds = set(h.finding for h in hits)
    return Verdict(
        blocks=tuple(f for f in IDENTIFIERS if f in kinds),
        notices=(Finding.GRIEVANCE,) if Finding.GRIEVANCE in kinds else (),
        hits=tuple(hits),
    )


def check_texts(texts: list[str], places: Iterable[str] = ()) -> list[dict[str, list[str]]]:
    """The `python -m bot check-text` contract: one {"blocks", "notices"} per text, in order."""
    return [check(text, places).as_json() for text in texts]


def guarded(
    text: str | None, places: Iterable[str] = (), max_length: int | None = None
) -> str | None:
    """text if the guard finds no identifier in it, else None (for optional stored texts);
    a text longer than max_length is not read at all (None)."""
    if text is None or (max_length is not None and len(text) > max_length):
        return None
    if check(text, places).blocked:
        return None
    return text


def withheld(text: str, places: Iterable[str] = ()) -> str:
    """text if the guard finds no identifier in it, else a marker naming only the kinds found."""
    verdict = check(text, places)
    if not verdict.blocked:
        return text
    return "(withheld: " + ",".join(f.value for f in verdict.blocks) + ")"


def scan(text: str) -> list[Hit]:
    """Every hit, in order of position (positions in the normalised text)."""
    return list(check(text, every_hit=True).hits)


def findings(text: str, places: Iterable[str] = ()) -> list[Finding]:
    """The kinds found in text, each once, identifiers before the grievance notice."""
    verdict = check(text, places)
    return [*verdict.blocks, *verdict.notices]
