"""The client-identifier guard on a table of positive and negative cases."""

from __future__ import annotations

import pytest

from dialogs.guard import Finding, findings, is_valid_hetu

# DVV's published example codes, valid as they stand (hyphen and the 2023 sign Y).
PUBLISHED_HETUS = ["131052-308T", "010594Y9032", "010594Y9021"]
# Synthetic codes of other centuries and signs; the check character is computed by _fix.
COMPUTED_HETUS = ["020594X903?", "010516B903?", "150212A123?", "010181+123?", "291299F345?"]
INVALID_HETUS = [
    "131052-308U",  # wrong check character
    "310252-308T",  # 31 Feb does not exist
    "131052Z308T",  # no such century sign
    "131052-000T",  # serial 000 is not used
    "13105-2308T",  # wrong shape
]


def _check(code: str) -> str:
    chars = "0123456789ABCDEFHJKLMNPRSTUVWXY"
    return chars[int(code[:6] + code[7:10]) % 31]


def _fix(code: str) -> str:
    return code[:10] + _check(code)


@pytest.mark.parametrize("code", PUBLISHED_HETUS + [_fix(c) for c in COMPUTED_HETUS])
def test_valid_identity_codes_are_found(code: str) -> None:
    assert is_valid_hetu(code)
    assert Finding.HETU in findings(f"Asiakas {code} tuli käymään")


@pytest.mark.parametrize("sign", list("+-YXWVUABCDEF"))
def test_every_century_sign(sign: str) -> None:
    code = _fix(f"010203{sign}456X")
    assert is_valid_hetu(code), code
    assert is_valid_hetu(code.lower())


@pytest.mark.parametrize("code", INVALID_HETUS)
def test_invalid_identity_codes_are_not_codes(code: str) -> None:
    assert not is_valid_hetu(code)
    assert Finding.HETU not in findings(f"tunnus {code}")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("soita numeroon 040 123 4567", Finding.PHONE),
        ("p. 0401234567", Finding.PHONE),
        ("puh. 040 123 4567, iltaisin", Finding.PHONE),
        ("numero on 050-765 4321.", Finding.PHONE),
        ("puh +358 40 123 4567", Finding.PHONE),
        ("+358401234567", Finding.PHONE),
        ("09 310 12345 on numero", Finding.PHONE),
        ("laita viestiä testi.henkilo@example.com", Finding.EMAIL),
        ("asuu osoitteessa Mannerheimintie 12 B 7", Finding.ADDRESS),
        ("Hämeenkatu 3 as. 4", Finding.ADDRESS),
        ("bor på Storgatan 5", Finding.ADDRESS),
        ("Matti Virtanen kertoi tilanteesta", Finding.NAME),
        ("Perheen äiti Anna Korhonen", Finding.NAME),
        ("asiakkaani ei saanut palvelua ajoissa", Finding.GRIEVANCE),
        ("min klient fick inte hjälp", Finding.GRIEVANCE),
        ("my client was refused", Finding.GRIEVANCE),
    ],
)
def test_identifiers_are_found(text: str, kind: Finding) -> None:
    assert kind in findings(text)


@pytest.mark.parametrize(
    "text",
    [
        "Nuorten asunnottomuus on lisääntynyt Lahdessa vuonna 2025.",
        "Toimeentulotuen käsittelyajat ovat venyneet 7 päivästä 21 päivään.",
        "Noin 120 000 euron säästöt johtivat palvelujen karsimiseen.",
        "Kokous 24.11.2026 klo 10.00, osallistujia 12.",
        "Asiakkaat kertovat yksinäisyydestä; ilmiö koskee erityisesti ikääntyneitä.",
        "Hämeenlinnan kaupunki ja Riihimäki tekevät yhteistyötä.",
        "Versio 1.2.3 ja 2026-11-24",
        "hinta 0,5 euroa ja osuus 0.04 prosenttia",
        "Virtanen-niminen katu? Ei: Koskikatu ilman numeroa",
        "",
    ],
)
def test_phenomenon_level_text_passes(text: str) -> None:
    assert findings(text) == []


def test_identifiers_are_reported_before_the_grievance_pointer() -> None:
    found = findings("asiakkaani Matti Virtanen, 040 123 4567")
    assert found[-1] is Finding.GRIEVANCE
    assert {Finding.NAME, Finding.PHONE} <= set(found)
