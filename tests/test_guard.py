"""The client-identifier guard on the forms social workers really write, and on hard clean texts."""

from __future__ import annotations

import pytest

from dialogs.guard import Finding, check, findings, is_valid_hetu, scan
from dialogs.guard_text import normalise

# DVV's published example codes, valid as they stand (hyphen and the 2023 sign Y).
PUBLISHED_HETUS = ["131052-308T", "010594Y9032", "010594Y9021"]
# Synthetic codes of other centuries and signs; the check character is computed by _fix.
COMPUTED_HETUS = ["020594X903?", "010516B903?", "150212A123?", "010181+123?", "291299F345?"]
NOT_CODES = [
    "310252-308T",  # 31 Feb does not exist
    "131052Z308T",  # no such century sign
    "13105-2308T",  # wrong shape
    "131352-308T",  # month 13
]
PLACES_VS = ("Turku", "Åbo", "Salo", "Kaarina", "S:t Karins", "Lieto", "Lundo", "Parainen")
PLACES_HKI = ("Eteläinen", "Läntinen", "Keskinen", "Pohjoinen", "Koillinen", "Kaakkoinen")


def _check(code: str) -> str:
    chars = "0123456789ABCDEFHJKLMNPRSTUVWXY"
    return chars[int(code[:6] + code[7:10]) % 31]


def _fix(code: str) -> str:
    return code[:10] + _check(code)


def blocks(text: str, places: tuple[str, ...] = ()) -> set[str]:
    return {f.value for f in check(text, places).blocks}


# --- identity codes -------------------------------------------------------------------------


@pytest.mark.parametrize("code", PUBLISHED_HETUS + [_fix(c) for c in COMPUTED_HETUS])
def test_valid_identity_codes_are_found(code: str) -> None:
    assert is_valid_hetu(code)
    assert Finding.HETU in findings(f"Asiakas {code} tuli käymään")


@pytest.mark.parametrize("sign", list("+-YXWVUABCDEF"))
def test_every_century_sign(sign: str) -> None:
    code = _fix(f"010203{sign}456X")
    assert is_valid_hetu(code), code
    assert is_valid_hetu(code.lower())
    assert "hetu" in blocks(f"tunnus {code.lower()}")


@pytest.mark.parametrize(
    "written",
    [
        "131052-308t",  # lowercase check character
        "010101a123N",  # lowercase century sign
        "131052 - 308T",  # spaces around the sign
        "131052 308T",  # the sign left out (the check character is right)
        "131052–308T",  # en dash
        "131052\u2011308T",  # non-breaking hyphen
        "131052\u2010308T",  # U+2010 hyphen
        "hetu131052-308Tok",  # glued to words
        "1310\u200b52-308T",  # a zero-width space inside
        "１３１０５２-３０８Ｔ",  # fullwidth digits and letter
        "131052-308U",  # wrong check character: still looks like a code, still identifies
        "131052-000T",  # serial never issued: the same
    ],
)
def test_identity_codes_as_written_block(written: str) -> None:
    assert "hetu" in blocks(f"Lomakkeella oli {written} ja osoite.")


@pytest.mark.parametrize("code", NOT_CODES)
def test_shapes_that_are_no_code(code: str) -> None:
    assert not is_valid_hetu(code)
    assert "hetu" not in blocks(f"tunnus {code}")


def test_is_valid_hetu_still_checks_the_check_character() -> None:
    assert not is_valid_hetu("131052-308U")
    assert not is_valid_hetu("131052-000T")


# --- phones, e-mail, addresses, numbers -----------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "040 123 4567", "0401234567", "050-765 4321", "040/123 4567", "040.123.4567",
        "040–123 4567", "040\u20101234567", "040\u00a0123\u00a04567", "(09) 310 12345",
        "09 310 12345", "+358 40 123 4567", "+358401234567", "+358 (0)40 123 4567",
        "00358 40 123 4567", "+46 70 123 45 67", "+46701234567", "+372 5123 4567",
        "+7 912 345-67-89", "+44 20 7946 0958", "+44 7700 900123", "+252 61 5551234",
    ],
)  # fmt: skip
def test_phone_numbers(number: str) -> None:
    assert "phone" in blocks(f"Numero on {number}, soittaa iltaisin.")


@pytest.mark.parametrize(
    "address",
    [
        "testi.henkilo@example.com",
        "pärttyli.äijälä@esimerkki.fi",
        "matti(at)gmail.com",
        "matti.virtanen [at] example [dot] fi",
        "matti.virtanen at example piste fi",
        "matti (at) gmail (piste) com",
        "matti[at]example.org",
        "MATTI.VIRTANEN@EXAMPLE.COM",
        "matti.virtanen＠example.com",
        # spelled out, as a class
        "ilpo.kettunen @ elisanet.fi",  # spaces around the at-sign
        "ilpo.kettunen@@elisanet.fi",
        "ilpo . kettunen (at) gmail . com",
        "ilpo_kettunen ät hotmail piste fi",
        "ILPO.KETTUNEN AT GMAIL DOT COM",
        "ilpo.kettunen a-kirjain luukku piste com",
        "ilpo.kettunen at-merkki outlook.com",
        "ilpo.kettunen snabel-a telia punkt com",
        "ilpo.kettunen kissanhäntä kolumbus.fi",
        "ilpo.kettunen at saunalahti",  # a mail domain without its TLD
        "kettunen.ilpo piste gmail piste com",  # no at at all
        "ilpo.kettunen gmail.com",
        "ilpo85 hotmail.fi",
        "ilpo.kettunen hel.fi",
        "jörö.äijälä(ät)netti.fi",
    ],
)
def test_email_addresses(address: str) -> None:
    assert "email" in blocks(f"Yhteys: {address} arkisin")


@pytest.mark.parametrize(
    "text",
    [
        "Hakemus tehdään osoitteessa www.kela.fi.",
        "Omaolo.fi ja suomi.fi-palvelu ovat monelle vaikeita.",
        "Ohjeet ovat hel.fi-sivuilla ja palaute.hel.fi-palvelussa.",
        "Gmail-tili ei ole kaikilla, esim. gmail tai hotmail.",
        "Tapaaminen klo 9 at the office, tulkin kanssa.",
        "Tähän piste ja lähtöpiste on arviointi.",
        "Moni ei osaa kirjoittaa @-merkkiä puhelimella.",
        "Det är svårt att skriva snabel-a på mobilen.",
        "Punkt 3 i planen gäller boendet.",
        "puh. 040 123 4567 gmail.com",  # a phone, and a domain: no address
    ],
)
def test_email_like_texts_that_are_not_addresses(text: str) -> None:
    assert "email" not in blocks(text)


@pytest.mark.parametrize(
    "text",
    [
        "Hän asuu Hämeenkadulla 20 C 7 ja talossa on hometta.",
        "Asiakas asuu osoitteessa Mannerheimintie 12 B 7.",
        "Pihlajakaarteessa 4 A 2 ovi on rikki.",
        "Bulevardi 10 B 5",  # no listed street ending: the staircase and flat tell
        "perhe asuu koivukujalla 3 b 12",
        "asuu kauppapiha 5 b12",
        "Koulutie 5 as. 3",
        "Han bor på Norra strandgatan 4.",
        "Familjen bor på Vasavägen 12 B 3.",
        "Esplanaden 3, 00130 Helsingfors",
        "Postiosoite 20100 TURKU",
        "Itäisellä Pitkäkadulla 44",
    ],
)
def test_street_addresses(text: str) -> None:
    assert "address" in blocks(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Auto ABC-123 seisoi pihassa.", "plate"),
        ("asiakas nukkuu autossaan (abc-123)", "plate"),
        ("rekisterinumero XYZ 789", "plate"),
        ("Asiakasnumero 1234567 näkyi liitteessä.", "customer_number"),
        ("Kelan asiakasnumero: 123-456-789", "customer_number"),
        ("Kela-numero 12345678 on päätöksessä.", "customer_number"),
        ("Dnro 1234/2026 käsitellään ensi viikolla.", "customer_number"),
        ("Kundnummer 445566 hos FPA.", "customer_number"),
        ("Tilinumero FI21 1234 5600 0007 85 oli väärin.", "iban"),
        ("IBAN FI2112345600000785", "iban"),
    ],
)
def test_plates_numbers_and_ibans(text: str, kind: str) -> None:
    assert kind in blocks(text)


def test_an_iban_needs_its_checksum_or_its_keyword() -> None:
    assert "iban" not in blocks("Koodi FI22 1234 5600 0007 85 tuotteessa")
    assert "iban" in blocks("tilinumero FI22 1234 5600 0007 85")


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Matti Virtanen kertoi tilanteesta",
        "Virtasesta ei ole kuulunut mitään.",
        "Soitin Korhoselle eilen.",
        "Virtasen perhe muutti ahtaaseen asuntoon.",
        "Kävin Laineen kanssa Kelassa.",
        "rouva Nieminen ei saanut kotihoitoa",
        "Fru Lindqvist berättade att hyran höjts.",
        "Vi träffade Anna Lindqvists son.",
        "Familjen Andersson flyttade.",
        "Äiti Anna kertoi poissaoloista.",
        "M. Virtanen otti yhteyttä.",
        "Virtanen, Matti – ei tulkkia.",
        "matti virtanen soitti",
        "MATTI VIRTANEN",
        "Ahmed Hassan kertoi, ettei tulkkia ollut.",
        "Olga Ivanova odottaa päätöstä.",
        "Eilen Pirkko kertoi, että rahat loppuivat.",
        "Sinikka Järvinen ei saanut kotihoitoa.",
        "Anna-Maija Korhonen-Laine on odottanut vuoden.",
        "Jari Lahti asuu Lahdessa.",  # a first name makes the surname-place a name
        "Soitin Vesalaiselle eilen.",  # a -nen surname outside the lists, inside a sentence
        "Tapasin Kyöstin äidin perhekeskuksessa, Kyöstin äiti itki.",
    ],
)
def test_names(text: str) -> None:
    assert "name" in blocks(text, PLACES_VS)


@pytest.mark.parametrize(
    "text",
    [
        "Nuorten asunnottomuus on lisääntynyt Lahdessa vuonna 2025.",
        "Salossa ja Kaarinassa odotusajat ovat pidentyneet.",
        "Turku, Salo, Kaarina ja Lieto",
        "Kaarina\nSalo\nLieto\nTurku",
        "Alueet:\nSalo\nKaarina",
        "Lahden kaupunki ja Hämeenlinnan seutu",
        "Lappeenranta 9, Lahti 12 ja Salo 4 ilmoitusta.",
        "Koskikatu ilman numeroa",
        "Koskikatu 3 kertaa viikossa",
        "Valtatie 4 varrella ei kulje busseja.",
        "Monet asiakkaamme eivät saa aikaa mielenterveyspalveluihin.",
        "Sosiaaliohjaajat ja sosiaalityöntekijät kertovat samaa.",
        "Kela, THL ja HYTE-koordinaattorit tunnistavat ilmiön.",
        "SHL 48 §:n mukainen epäkohtailmoitus ja laki 812/2000",
        "Sosiaalihuoltolain (1301/2014) 7 § velvoittaa.",
        "Kokous 24.11.2026 klo 10.00–11.30, osallistujia 12.",
        "Kokous 01.12.2026 ja 2026-12-01",
        "Vastaanotto klo 09.00–10.00 ja 08:30-16:00.",
        "Ajanjakso 01.02.2026 - 28.02.2026 ja jakso 01/2026–06/2026.",
        "Kokous ke 04.03.2026 08:30, taulukko 0.1.2.3",
        "Viikolla 41 ja viikoilla 10–13 jonot pitenivät.",
        "Noin 120 000 euron säästöt; perusosa +0,5 %.",
        "Viite RAKE-2026-0042, versio 1.2.3",
        "Anna palautetta Omaolossa.",
        "ICD-10, DSM-5, PHQ-9 ja GAD-7 sekä LSL-13 § ja SDG-3",
        "Klienterna i Åbo och Pargas väntar längre.",
        "Socialvårdslagen 48 § gäller inte här.",
        "",
    ],
)
def test_phenomenon_level_text_passes(text: str) -> None:
    assert check(text, PLACES_VS).blocks == ()


def test_the_county_places_are_an_allow_context() -> None:
    text = "Nuoret Keskisen suurpiirissä odottavat pidempään."
    assert "name" in blocks(text)  # without the county: Keskinen is a surname
    assert blocks(text, PLACES_HKI) == set()
    assert "name" in blocks("Matti Keskinen odottaa.", PLACES_HKI)


# --- the grievance notice -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "asiakkaani ei saanut palvelua ajoissa",
        "Tämä asiakas on odottanut puoli vuotta.",
        "min klient fick inte hjälp",
        "my client was refused",
    ],
)
def test_a_grievance_is_a_notice_not_a_block(text: str) -> None:
    verdict = check(text)
    assert verdict.notices == (Finding.GRIEVANCE,)
    assert verdict.blocks == ()


@pytest.mark.parametrize(
    "text",
    [
        "Monet asiakkaamme eivät saa toimeentulotukea ajoissa.",
        "Havainto ei koske yksittäisen asiakkaan tilannetta.",
        "Havainto ei koske tätä asiakasta vaan kaikkia.",
        "Asiakkaat kertovat yksinäisyydestä.",
        "Våra klienter väntar längre.",
    ],
)
def test_phenomenon_texts_get_no_notice(text: str) -> None:
    assert check(text).notices == ()


def test_identifiers_still_block_beside_a_notice() -> None:
    verdict = check("asiakkaani Matti Virtanen, 040 123 4567")
    assert verdict.notices == (Finding.GRIEVANCE,)
    assert {Finding.NAME, Finding.PHONE} <= set(verdict.blocks)
    found = findings("asiakkaani Matti Virtanen, 040 123 4567")  # the older API
    assert found[-1] is Finding.GRIEVANCE


# --- normalisation, the older API, performance ----------------------------------------------


def test_one_normalisation_step() -> None:
    assert normalise("a\u2010b\u2011c\u2013d\u2212e") == "a-b-c-d-e"
    assert normalise("a\u00a0b\u202fc\u2009d") == "a b c d"
    assert normalise("a\u200bb\u00adc\ufeffd") == "abcd"
    assert normalise("１２３ＡＢ") == "123AB"
    assert normalise("a\r\nb\u2028c") == "a\nb\nc"


def test_line_breaks_are_boundaries() -> None:
    assert check("Matti\nVirtanen", PLACES_VS).blocks == (Finding.NAME,)  # Virtanen alone
    assert check("Kaarina\nSalo", PLACES_VS).blocks == ()
    assert "phone" not in blocks("puhelut 040\n123 4567 kpl")


def test_scan_gives_positions_in_the_normalised_text() -> None:
    hits = scan("puh 040 123 4567")
    assert [(h.finding, h.start, h.end) for h in hits] == [(Finding.PHONE, 4, 16)]
