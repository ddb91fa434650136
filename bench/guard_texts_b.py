"""Template set B (the held-out split) of the guard corpus: other phrasings, other name mixes.

Written once, before the figures of this split were looked at; not tuned on.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from bench.guard_common import (
    FI_STREETS,
    ODD_STREETS,
    PHENOMENA_FI,
    PHENOMENA_SV,
    PLACES,
    POSTCODES,
    SV_PLACES,
    SV_STREETS,
    email,
    hetu_variant,
    phone,
    pick,
)

Maker = Callable[..., tuple[str, str | None]]


def _who(rng: random.Random, pools: dict[str, list[str]]) -> tuple[str, str]:
    out = rng.random() < 0.25
    first = pick(rng, pools["fi_first_out"] if out else pools["fi_first"])
    last = pick(rng, pools["fi_last_out"] if rng.random() < 0.25 else pools["fi_last"])
    if rng.random() < 0.15:
        last = pick(rng, pools["hand_last"])
    return first, last


def names_b(rng: random.Random, pools: Any, forms: Any, hetu: Any, iban: Any) -> tuple[str, Any]:
    first, last = _who(rng, pools)
    fn, fg, _fa, _fe, _fad, _fp = forms(first)
    ln, lg, la, le, lad, lp = forms(last)
    county = pick(rng, [None, "varsinais-suomi", "paijat-hame", "satakunta"])
    text = pick(
        rng,
        [
            f"Tiimissä puhuttiin {lp} koskevasta päätöksestä.",
            f"{lad} on ollut sähköt poikki viikon.",
            f"Sain {le} viestin, että vuokranantaja uhkaa häädöllä.",
            f"Naapuri oli nähnyt {lg} lapset yksin kotona.",
            f"Perheen isä, {fn} {ln}, on ollut sairaslomalla.",
            f"Ohjasin {fn} {la} velkaneuvontaan.",
            f"{fn} {ln} (s. 1984) ei ole saanut kuntoutusta.",
            f"Tapaamisessa olivat {fn} ja hänen miehensä {pick(rng, pools['fi_first'])} {ln}.",
            f"{ln.upper()} {fn.upper()}: palvelutarpeen arvio puuttuu.",
            f"Kuulin {fg} kertovan, että ruoka-apu loppui.",
            f"Mummo {fn} asuu yksin eikä pääse kauppaan.",
            f"{ln}-{pick(rng, pools['fi_last'])} {fn} jäi ilman kotihoitoa.",
            f"Neiti {ln} ja hänen tyttärensä muuttivat turvakotiin.",
            f"Asiakas {fn} {ln.lower()} kertoi velkaantuneensa.",
        ],
    )
    return text, county


def names_sv_b(rng: random.Random, pools: Any, forms: Any, hetu: Any, iban: Any) -> tuple[str, str]:
    first = pick(rng, pools["sv_first"])
    last = pick(rng, pools["sv_last"] + pools["sv_last_out"])
    text = pick(
        rng,
        [
            f"{first} {last} har inte fått något beslut på två månader.",
            f"Jag träffade {last}s barn på skolan.",
            f"Pappa {first} ringde om hyresskulden.",
            f"Enligt {first} {last} fungerar inte hemvården.",
            f"Fröken {last} behöver tolk på mötet.",
        ],
    )
    return text, "varsinais-suomi"


def names_imm_b(
    rng: random.Random, pools: Any, forms: Any, hetu: Any, iban: Any
) -> tuple[str, None]:
    full = pick(rng, pools["imm"])
    first, _last = full.split(" ", 1)
    fa = forms(first)[2]
    text = pick(
        rng,
        [
            f"Soitin {fa} tulkin kanssa, {full} ymmärsi päätöksen vasta silloin.",
            f"Perheen äiti {full} odottaa oleskelulupaa.",
            f"{full} ei päässyt suomen kurssille.",
        ],
    )
    return text, None


def address_b(rng: random.Random, pools: Any, forms: Any, hetu: Any, iban: Any) -> tuple[str, None]:
    n, stair, flat = rng.randint(1, 99), rng.choice("ABCDEF"), rng.randint(1, 40)
    nom, loc = pick(rng, FI_STREETS)
    code, town = pick(rng, POSTCODES)
    text = pick(
        rng,
        [
            f"Kotikäynti: {nom} {n} {stair} {flat}, summeri ei toimi.",
            f"Asunnossa {loc.split()[-1]} {n} on hiiriä.",
            f"Asuu {nom.lower()} {n} {stair}{flat}",
            f"Bor på {pick(rng, SV_STREETS)} {n} {stair} {flat}, {code} {town}.",
            f"Hän muutti osoitteeseen {pick(rng, ODD_STREETS)} {n} as. {flat}.",
            f"{code} {town}, {nom} {n}",
            f"Kirje palautui osoitteesta {nom} {n} {stair} {flat}.",
        ],
    )
    return text, None


def phone_b(rng: random.Random, pools: Any, forms: Any, hetu: Any, iban: Any) -> tuple[str, None]:
    number = phone(rng)
    text = pick(
        rng,
        [
            f"Tytär pyysi soittamaan numeroon {number}.",
            f"Yhteystieto: {number} / isä",
            f"Ring {number} om något händer.",
            f"Hänen uusi liittymänsä on {number}.",
        ],
    )
    return text, None


def email_b(rng: random.Random, pools: Any, forms: Any, hetu: Any, iban: Any) -> tuple[str, None]:
    first, last = _who(rng, pools)
    text = pick(
        rng,
        [
            f"Lähetä kutsu osoitteeseen {email(rng, first, last)}",
            f"E-post: {email(rng, first, last)}",
            f"{email(rng, first, last)} – ei vastannut viesteihin.",
        ],
    )
    return text, None


def hetu_b(rng: random.Random, pools: Any, forms: Any, hetu: Any, iban: Any) -> tuple[str, None]:
    code = hetu_variant(rng, hetu(rng, valid=rng.random() > 0.3))
    text = pick(
        rng,
        [
            f"Lomakkeella oli tunnus {code}.",
            f"HETU {code} näkyi kuvakaappauksessa",
            f"Hänen tunnuksensa ({code}) oli väärin Kelan päätöksessä.",
        ],
    )
    return text, None


def misc_b(rng: random.Random, pools: Any, forms: Any, hetu: Any, iban: Any) -> tuple[str, None]:
    letters = "".join(rng.choice("BCEFGHJKLMNOPRSTUVXYZ") for _ in range(3))
    n = rng.randint(100000, 999999)
    text = pick(
        rng,
        [
            f"Asiakas asuu autossa, rekisteritunnus {letters}-{rng.randint(1, 999)}.",
            f"Asiakasnro {n} oli kirjattu väärin.",
            f"Potilasnumero {n} näkyi kirjeessä.",
            f"Klientnummer {n} fanns i bilagan.",
            f"Hakemusnumero {n}/2026 on yhä käsittelyssä.",
        ],
    )
    return text, None


TEMPLATES_B: list[tuple[str, Maker, int]] = [
    ("name", names_b, 70),
    ("name", names_sv_b, 20),
    ("name", names_imm_b, 10),
    ("address", address_b, 40),
    ("phone", phone_b, 40),
    ("email", email_b, 30),
    ("hetu", hetu_b, 30),
    ("misc", misc_b, 30),  # a plate or a customer number: labelled by what the text holds
]

HAND_B: list[tuple[str, list[str], str | None]] = [
    ("Eilen Järvisen Pirkko soitti ja itki puhelimessa.", ["name"], None),
    ("Salosen Sinikka ei ole saanut kotihoitoa.", ["name"], None),
    ("Kävin Niemen luona kotikäynnillä.", ["name"], None),
    ("Salossa asuva Kaarina Salo on odottanut kuukausia.", ["name"], "varsinais-suomi"),
    ("Familjen Andersson på Vasavägen 12 fick ingen hjälp.", ["name", "address"], None),
    ("Hämäläinen-Smith, Pirkko: ei tulkkia.", ["name"], None),
    ("Ahmed Hassanin lapset eivät ole päässeet kouluun.", ["name"], None),
    ("Rakennus osoitteessa Bulevardi 10 B 5 on purkukunnossa.", ["address"], None),
    ("Soita +372 5123 4567 tai 040/765 4321.", ["phone"], None),
    ("virtanen.matti piste gmail piste com", ["email"], None),
    ("henkilötunnus 131052 308T", ["hetu"], None),
    ("Auto xyz-789 on pysäköity talon eteen.", ["plate"], None),
    ("Kela-numero 12345678 on päätöksessä.", ["customer_number"], None),
    ("IBAN: FI21 1234 5600 0007 85", ["iban"], None),
    ("Tilille FI2112345600000785 maksettiin väärä summa.", ["iban"], None),
]


def clean_b(rng: random.Random) -> tuple[str, str | None]:
    county = pick(rng, list(PLACES))
    place, gen, loc = pick(rng, PLACES[county])
    phen = pick(rng, PHENOMENA_FI)
    text = pick(
        rng,
        [
            f"{loc} {phen} on kasvanut tasaisesti vuodesta {rng.randint(2015, 2024)}.",
            f"{gen} alueen perheet kertovat samaa: {phen}.",
            f"Kuntien ({place}, {pick(rng, PLACES[county])[0]}) välillä on eroja.",
            f"Havaintoja {loc}: {rng.randint(2, 30)} kpl viikolla {rng.randint(1, 52)}.",
            f"{place}\n{pick(rng, PLACES[county])[0]}\n{pick(rng, PLACES[county])[0]}",
            f"Tarve on suurin {loc}, pienin {pick(rng, PLACES[county])[2]}.",
        ],
    )
    return text, county


def clean_b2(rng: random.Random) -> tuple[str, None]:
    phen = pick(rng, PHENOMENA_FI)
    y = rng.randint(2024, 2027)
    text = pick(
        rng,
        [
            f"Lastensuojelulain 417/2007 mukaiset ilmoitukset lisääntyivät {rng.randint(5, 40)} %.",
            f"Asiakasmaksut nousivat 1.{rng.randint(1, 12)}.{y} alkaen.",
            f"Kokous siirtyy viikolle {rng.randint(1, 52)}, klo 13–14.",
            f"Sosiaalityöntekijöitä puuttuu {rng.randint(2, 20)}, mikä näkyy: {phen}.",
            f"Palveluohjaajat ja lähihoitajat raportoivat, että {phen} vaikeutuu.",
            f"Asiakkaiden mukaan Kelan päätökset viipyvät {rng.randint(4, 12)} viikkoa.",
            f"THL:n raportin (2025) mukaan {phen} on valtakunnallinen ilmiö.",
            f"Yksittäisen asiakkaan asiasta ei ole kyse, vaan {phen}.",
            f"Budjetti {rng.randint(1, 9)},{rng.randint(1, 9)} milj. € vuodelle {y}.",
            f"Asumisneuvojat ja HYTE-työryhmä kokoontuvat 2.{rng.randint(1, 12)}.{y}.",
        ],
    )
    return text, None


def clean_sv_b(rng: random.Random) -> tuple[str, str]:
    place, loc = pick(rng, SV_PLACES)
    text = pick(
        rng,
        [
            f"Våra klienter {loc} har svårt att nå socialbyrån, {pick(rng, PHENOMENA_SV)}.",
            f"Enligt THL ökade {pick(rng, PHENOMENA_SV)} med {rng.randint(2, 30)} procent.",
            f"Mötet hålls vecka {rng.randint(1, 52)} {loc}.",
            f"{place} och Nystad: {pick(rng, PHENOMENA_SV)}.",
        ],
    )
    return text, "varsinais-suomi"


CLEAN_B: list[tuple[Callable[[random.Random], tuple[str, str | None]], int]] = [
    (clean_b, 90),
    (clean_b2, 80),
    (clean_sv_b, 40),
]
