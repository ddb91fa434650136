"""Template set A (the dev split) of the guard corpus; set B lives in bench/guard_texts_b.py."""

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
from bench.guard_texts_b import CLEAN_B, HAND_B, TEMPLATES_B

__all__ = ["CLEAN_A", "CLEAN_B", "HAND_A", "HAND_B", "TEMPLATES_A", "TEMPLATES_B"]
Maker = Callable[..., tuple[str, str | None]]


def _person(rng: random.Random, pools: dict[str, list[str]]) -> tuple[str, str]:
    """A first name and a surname; about a fifth from outside the guard's lists."""
    out = rng.random() < 0.2
    first = pick(rng, pools["fi_first_out" if out and rng.random() < 0.5 else "fi_first"])
    r = rng.random()
    if out:
        last = pick(rng, pools["fi_last_out"])
    elif r < 0.15:
        last = pick(rng, pools["hand_last"])
    else:
        last = pick(rng, pools["fi_last"])
    return first, last


def name_fi(rng: random.Random, pools: Any, forms: Any, hetu: Any, iban: Any) -> tuple[str, None]:
    first, last = _person(rng, pools)
    fn, fg, _fa, _fe, fad, _fp = forms(first)
    ln, lg, la, le, _lad, _lp = forms(last)
    second = pick(rng, pools["fi_first"])
    text = pick(
        rng,
        [
            f"{first} {last} kertoi, että toimeentulotuen päätös viipyi kuusi viikkoa.",
            f"Soitin {la} eilen ja sovimme uuden tapaamisen.",
            f"{le} ei ole kuulunut mitään kahteen viikkoon.",
            f"{lg} perhe joutui muuttamaan ahtaaseen asuntoon.",
            f"Kävin {lg} kanssa Kelan toimistossa hakemassa tukea.",
            f"Rouva {ln} ei saanut kotihoitoa ajoissa.",
            f"herra {ln} odotti päätöstä kaksi kuukautta",
            f"Äiti {first} kertoi lapsen koulupoissaoloista.",
            f"{ln}, {first} – ei saanut tulkkia vastaanotolle.",
            f"{first[0]}. {ln} otti yhteyttä sosiaalipäivystykseen.",
            f"{first.lower()} {last.lower()} soitti ja kysyi vuokrarästeistä",
            f"{first.upper()} {last.upper()} EI SAANUT PALVELUA",
            f"{first}-{second} {ln} on odottanut asuntoa vuoden.",
            f"Eilen {first} kertoi, että rahat loppuivat kesken kuun.",
            f"{fad} ei ole varaa lääkkeisiin, ja {fg} äiti on huolissaan.",
            f"Tapasin {fn} {lg} sekä {lg} lapset perhekeskuksessa.",
            f"Isä {fn} ja {lg} perhe asuvat nyt tilapäismajoituksessa.",
            f"Asiakkaana oli {ln} {fn}, joka kertoi velkaantumisesta.",
        ],
    )
    return text, None


def name_sv(rng: random.Random, pools: Any, forms: Any, hetu: Any, iban: Any) -> tuple[str, None]:
    first = pick(rng, pools["sv_first"])
    last = pick(rng, pools["sv_last_out" if rng.random() < 0.2 else "sv_last"])
    text = pick(
        rng,
        [
            f"Fru {last} berättade att hyran har höjts igen.",
            f"{first} {last}s dotter har inte fått plats i skolan.",
            f"Familjen {last} flyttade till ett härbärge i våras.",
            f"Jag ringde {first} {last} i går om utkomststödet.",
            f"Herr {last} väntade tre månader på beslut.",
            f"Mamma {first} oroar sig för sonens frånvaro.",
        ],
    )
    return text, None


def name_imm(rng: random.Random, pools: Any, forms: Any, hetu: Any, iban: Any) -> tuple[str, None]:
    full = pick(rng, pools["imm"])
    first, last = full.split(" ", 1)
    lg = forms(last.split()[-1])[1]
    text = pick(
        rng,
        [
            f"{full} kertoi, ettei tulkkia ollut saatavilla.",
            f"{first} {lg} perhe asuu kolmen hengen yksiössä.",
            f"Asiakas {full} ei ymmärtänyt päätöksen kieltä.",
            f"{full} did not get an interpreter at the appointment.",
        ],
    )
    return text, None


def address(rng: random.Random, pools: Any, forms: Any, hetu: Any, iban: Any) -> tuple[str, None]:
    n, stair, flat = rng.randint(1, 120), rng.choice("ABCDEFGH"), rng.randint(1, 60)
    nom, loc = pick(rng, FI_STREETS)
    sv = pick(rng, SV_STREETS)
    code, town = pick(rng, POSTCODES)
    odd = pick(rng, ODD_STREETS)
    text = pick(
        rng,
        [
            f"Asiakas asuu osoitteessa {nom} {n} {stair} {flat}.",
            f"{loc} {n} {stair} {flat} on ollut vesivahinko jo kuukauden.",
            f"Perhe asuu {loc.lower()} {n} {stair.lower()} {flat}, asunto on kylmä.",
            f"Osoite: {nom} {n} as. {flat}, {code} {town}",
            f"Han bor på {sv} {n} {stair} {flat} sedan i fjol.",
            f"Familjen bor på {sv} {n}.",
            f"Tapaaminen pidettiin osoitteessa {odd} {n} {stair} {flat}.",
            f"Postiosoite {code} {town.upper()}, kotikäynti sovittu.",
            f"Kotikäynti {nom} {n}{rng.choice('ab')} perjantaina.",
        ],
    )
    return text, None


def phone_t(rng: random.Random, pools: Any, forms: Any, hetu: Any, iban: Any) -> tuple[str, None]:
    number = phone(rng)
    text = pick(
        rng,
        [
            f"Asiakkaan numero on {number}, soittaa iltaisin.",
            f"puh. {number}",
            f"Tavoittaa numerosta {number} arkisin.",
            f"Hon nås på {number} efter klockan 16.",
            f"Soita {number}, jos tilanne pahenee.",
            f"{number} (äiti)",
        ],
    )
    return text, None


def email_t(rng: random.Random, pools: Any, forms: Any, hetu: Any, iban: Any) -> tuple[str, None]:
    first, last = _person(rng, pools)
    address_ = email(rng, first, last)
    text = pick(
        rng,
        [
            f"Yhteys sähköpostilla {address_}.",
            f"Hänen osoitteensa on {address_}",
            f"Skicka kallelsen till {address_} i tid.",
            f"Viestit osoitteeseen {address_}, ei puhelinta.",
        ],
    )
    return text, None


def hetu_t(rng: random.Random, pools: Any, forms: Any, hetu: Any, iban: Any) -> tuple[str, None]:
    code = hetu_variant(rng, hetu(rng, valid=rng.random() > 0.2))
    text = pick(
        rng,
        [
            f"Asiakkaan henkilötunnus {code} kirjattiin väärin.",
            f"hetu: {code}",
            f"Päätöksessä luki {code} ja väärä osoite.",
            f"Personbeteckningen {code} syntes på blanketten.",
            f"{code} ei saanut päätöstä ajoissa",
        ],
    )
    return text, None


def plate(rng: random.Random, pools: Any, forms: Any, hetu: Any, iban: Any) -> tuple[str, None]:
    letters = "".join(rng.choice("ABCEFGHIJKLMNOPRSTUVXYZ") for _ in range(3))
    num = rng.randint(1, 999)
    text = pick(
        rng,
        [
            f"Auto {letters}-{num} seisoi pihassa koko yön.",
            f"rekisterinumero {letters} {num}",
            f"Bilen med registreringsnummer {letters}-{num} stod utanför.",
            f"Asiakas nukkuu autossaan ({letters.lower()}-{num}).",
            f"{letters[:2]}-{num % 100 or 1} on perheen ainoa kulkuväline.",
        ],
    )
    return text, None


def number(rng: random.Random, pools: Any, forms: Any, hetu: Any, iban: Any) -> tuple[str, None]:
    n = rng.randint(10000, 9999999)
    text = pick(
        rng,
        [
            f"Asiakasnumero {n} näkyi liitteessä.",
            f"Kelan asiakasnumero: {str(n)[:3]}-{str(n)[3:]}",
            f"asianumero 2025-{n % 100000:05d}",
            f"Dnro {n % 10000}/2026 käsitellään ensi viikolla.",
            f"Kundnummer {n} hos FPA.",
            f"Ärendenummer {n} väntar på beslut.",
            f"Case number {n} was closed too early.",
        ],
    )
    return text, None


def iban_t(rng: random.Random, pools: Any, forms: Any, hetu: Any, iban: Any) -> tuple[str, None]:
    code = iban(rng)
    text = pick(
        rng,
        [
            f"Tilinumero {code} oli väärin hakemuksessa.",
            f"IBAN {code.replace(' ', '')}",
            f"Vuokra maksetaan tilille {code}.",
            f"Kontonummer {code} saknades i ansökan.",
        ],
    )
    return text, None


TEMPLATES_A: list[tuple[str, Maker, int]] = [
    ("name", name_fi, 110),
    ("name", name_sv, 30),
    ("name", name_imm, 20),
    ("address", address, 70),
    ("phone", phone_t, 70),
    ("email", email_t, 60),
    ("hetu", hetu_t, 60),
    ("plate", plate, 30),
    ("customer_number", number, 30),
    ("iban", iban_t, 20),
]

# hand-written realistic sentences (kinds, county)
HAND_A: list[tuple[str, list[str], str | None]] = [
    ("Virtasen perheessä on neljä lasta ja vuokrat ovat rästissä.", ["name"], None),
    ("Korhoselle ei ole vieläkään tehty palvelutarpeen arviota.", ["name"], None),
    ("Laineen kanssa käytiin läpi velkaneuvonnan vaihtoehtoja.", ["name"], None),
    ("Äiti Anna Salminen soitti, koska päiväkotipaikka peruttiin.", ["name"], None),
    ("Soitin Niemiselle, hän ei ollut saanut kirjettä.", ["name"], "paijat-hame"),
    ("Jari Lahti asuu Lahdessa, ja hänen hakemuksensa on jumissa.", ["name"], "paijat-hame"),
    ("Asiakas (Olga Ivanova) ei saanut venäjänkielistä tulkkia.", ["name"], None),
    ("Fru Lindqvist berättade att hemtjänsten uteblev tre gånger.", ["name"], "varsinais-suomi"),
    ("Vi träffade Anna Lindqvists son på familjecentret.", ["name"], "varsinais-suomi"),
    ("M. Virtanen ja hänen puolisonsa odottavat asuntoa.", ["name"], None),
    ("Hän asuu Hämeenkadulla 20 C 7 ja talossa on hometta.", ["address"], None),
    ("Pihlajakaarre 4 A 2, ovi on rikki.", ["address"], None),
    ("Han bor på Norra strandgatan 4 i Åbo.", ["address"], "varsinais-suomi"),
    ("Soita äidille 040 123 4567 tai isälle +46 70 123 45 67.", ["phone"], None),
    ("Numero (09) 310 12345 ei vastaa.", ["phone"], None),
    # a name inside an e-mail address is reported as the e-mail address
    ("matti.virtanen(at)gmail.com lähetti kuvan päätöksestä", ["email"], None),
    ("Sähköposti: pärttyli.äijälä@esimerkki.fi", ["email"], None),
    ("tunnus 131052-308t oli lomakkeessa", ["hetu"], None),
    ("Henkilötunnus 010101a123N ja osoite puuttuivat.", ["hetu"], None),
    ("Auto ABC-123 on perheen koti tällä hetkellä.", ["plate"], None),
    ("Kelan asiakasnumero 123456789 oli väärin päätöksessä.", ["customer_number"], None),
    ("Tilinumero FI21 1234 5600 0007 85 oli hakemuksessa väärin.", ["iban"], None),
]

# --- clean texts ----------------------------------------------------------------------------


def clean_place(rng: random.Random) -> tuple[str, str | None]:
    county = pick(rng, [c for c in PLACES if c != "helsinki"])
    place, gen, loc = pick(rng, PLACES[county])
    other = pick(rng, PLACES[county])
    phen = pick(rng, PHENOMENA_FI)
    year = rng.randint(2022, 2026)
    text = pick(
        rng,
        [
            f"{phen.capitalize()} on lisääntynyt {loc} vuonna {year}.",
            f"{gen} kaupungin sosiaalipalveluissa {phen} näkyy yhä useammin.",
            f"{place} ja {other[0]} tekevät yhteistyötä: {phen} on yhteinen huoli.",
            f"{loc} ja {other[2]} asiakkaat odottavat pidempään kuin ennen.",
            f"{place}: {phen} kasvaa, erityisesti nuorilla.",
            f"Havainto koskee {gen} ja {other[1]} aluetta, {phen}.",
        ],
    )
    return text, county if rng.random() < 0.8 else None


def clean_list(rng: random.Random) -> tuple[str, str | None]:
    county = pick(rng, [c for c in PLACES if c != "helsinki"])
    chosen = rng.sample(PLACES[county], 4)
    names = [p[0] for p in chosen]
    text = pick(
        rng,
        [
            "Alueet:\n" + "\n".join(names),
            ", ".join(names[:-1]) + " ja " + names[-1],
            "\n".join(names),
            " / ".join(names) + " – sama ilmiö kaikissa kunnissa",
        ],
    )
    return text, county if rng.random() < 0.7 else None


def clean_numbers(rng: random.Random) -> tuple[str, None]:
    d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2024, 2027)
    w = rng.randint(1, 52)
    text = pick(
        rng,
        [
            f"Kokous {d}.{m}.{y} klo {rng.randint(8, 15)}.00–{rng.randint(16, 17)}.30, osallistujia {rng.randint(5, 40)}.",
            "SHL 48 §:n mukainen ilmoitus ja laki 812/2000 eivät koske tätä havaintoa.",
            "Sosiaalihuoltolain (1301/2014) 7 § velvoittaa rakenteelliseen sosiaalityöhön.",
            f"Noin {rng.randint(1, 900)} 000 euron säästöt johtivat palvelujen karsimiseen.",
            f"Perusosaa korotettiin {rng.randint(1, 9)},{rng.randint(0, 9)} %, vuokrat nousivat {rng.randint(2, 15)} %.",
            f"Viikolla {w} ja viikoilla {w}–{min(w + 3, 53)} jonot pitenivät.",
            f"Teemaviikot 10 ja 41, vk {w}: Rake-vartti tiimeissä.",
            f"Tilastot {d:02d}.{m:02d}.{y} ja {y}-{m:02d}-{d:02d} välillä eroavat.",
            f"Odotusaika venyi {rng.randint(7, 30)} päivästä {rng.randint(31, 90)} päivään.",
            f"Viite RAKE-{y}-{rng.randint(1, 999):04d} on käsitelty, versio 1.{rng.randint(0, 9)}.{rng.randint(0, 9)}.",
            f"Asiakasmäärä kasvoi {rng.randint(100, 999)} henkilöstä {rng.randint(1000, 4000)} henkilöön.",
            f"SHL 11 § 1 mom. 3 kohta: asumiseen liittyvä tuen tarve, {rng.randint(12, 80)} tapausta.",
        ],
    )
    return text, None


def clean_orgs(rng: random.Random) -> tuple[str, None]:
    phen = pick(rng, PHENOMENA_FI)
    text = pick(
        rng,
        [
            f"Kela, THL ja HYTE-koordinaattorit ovat tunnistaneet ilmiön: {phen}.",
            f"Kelan etuuskäsittelyn ruuhka näkyy sosiaalitoimessa, {phen}.",
            "TE-toimiston ja Kelan välinen tiedonkulku katkeaa usein.",
            f"Sosiaaliohjaajat ja sosiaalityöntekijät kertovat, että {phen} on arkea.",
            "Monet asiakkaamme eivät saa aikaa mielenterveyspalveluihin.",
            "Havainto ei koske yksittäisen asiakkaan tilannetta vaan koko ryhmää.",
            "Asiakkaat kertovat yksinäisyydestä; ilmiö koskee erityisesti ikääntyneitä.",
            "Omaolo ja Teams eivät sovellu kaikille, digituki puuttuu.",
            f"Ukrainasta tulleiden perheiden {phen} vaatii tulkkausta.",
            "Professiojohtaja ja Rake-agentti käsittelivät koosteen.",
            f"Perhekeskuksen työntekijät ovat huolissaan: {phen}.",
            "Asiakkaillamme on vaikeuksia asioida Kelan verkkopalvelussa.",
        ],
    )
    return text, None


def clean_sv(rng: random.Random) -> tuple[str, str]:
    place, loc = pick(rng, SV_PLACES)
    phen = pick(rng, PHENOMENA_SV)
    text = pick(
        rng,
        [
            f"Klienterna {loc} väntar längre än förut, {phen}.",
            f"Socialvårdslagen 48 § gäller inte här; {phen} är ett strukturellt problem.",
            f"Vecka {rng.randint(1, 52)}: {phen} har ökat {loc}.",
            f"FPA och THL har fått signaler om {phen}.",
            f"Många av våra klienter får inte hjälp i tid {loc}.",
            f"{place}, Pargas och Kimitoön: samma problem med {phen}.",
        ],
    )
    return text, "varsinais-suomi"


def clean_hard(rng: random.Random) -> tuple[str, str | None]:
    county = pick(rng, list(PLACES))
    place, gen, loc = pick(rng, PLACES[county])
    text = pick(
        rng,
        [
            f"{place} {rng.randint(2, 12)} kertaa, muut kunnat harvemmin.",
            f"{loc} {rng.randint(2, 40)} uutta asiakasta viikossa.",
            "Lappeenranta 9, Lahti 12 ja Salo 4 ilmoitusta.",
            "Koskikatu ja Hämeenkatu ilman numeroa ovat esimerkkejä kävelykaduista.",
            f"{gen} seudulla asuu noin {rng.randint(10, 99)} 000 ihmistä.",
            f"Asunnottomien määrä {loc}: {rng.randint(10, 300)}.",
        ],
    )
    return text, county


def clean_caps(rng: random.Random) -> tuple[str, None]:
    """Capitalised words inside sentences that are not persons: services, NGOs, laws, roads."""
    phen = pick(rng, PHENOMENA_FI)
    text = pick(
        rng,
        [
            "Ohjasimme perheitä Pelastakaa Lapset ry:hyn ja Mannerheimin Lastensuojeluliittoon.",
            f"Marian sairaalan päihdepoliklinikalle on nyt {rng.randint(2, 9)} viikon jono.",
            f"Aurora-sairaalan ja A-klinikan yhteistyö on katkennut, {phen}.",
            "Y-Säätiön ja Nuorisoasuntoliiton asunnot ovat täynnä.",
            f"Anna palautetta Omaolossa, jos {phen} koskee sinua.",
            f"Toivo paremmasta on asiakkailla vähissä, koska {phen}.",
            f"Valtatie {rng.randint(2, 9)} varrella ei kulje busseja, mikä vaikeuttaa asiointia.",
            f"Lastensuojelulaki ja Sosiaalihuoltolaki velvoittavat, mutta {phen} jatkuu.",
            f"Kirkon diakonia ja Sininauhaliitto jakavat ruoka-apua {rng.randint(2, 5)} kertaa viikossa.",
            "Kela-kortti ja Kanta-palvelut eivät toimi kaikille ikääntyneille.",
            f"Ensi- ja turvakotien liitto raportoi samasta: {phen}.",
            f"Yksittäisestä tapauksesta ei ole kyse: {phen} toistuu kaikissa tiimeissä.",
            f"Suomalainen palvelujärjestelmä ei tunnista ilmiötä, {phen}.",
            "Ukrainalaiset ja venäjänkieliset perheet kertovat samaa.",
            "In English: the clients in Turku and Salo report the same problem in March.",
            "Aikuissosiaalityö, Perhekeskus ja Vammaispalvelut tekivät yhteisen havainnon.",
        ],
    )
    return text, None


def clean_times(rng: random.Random) -> tuple[str, None]:
    """Times and dates with leading zeros, ranges and months: numbers that are no phones."""
    h, m = rng.randint(7, 9), rng.choice(["00", "15", "30", "45"])
    d, mo, y = rng.randint(1, 9), rng.randint(1, 9), rng.randint(2025, 2027)
    text = pick(
        rng,
        [
            f"Vastaanotto klo 0{h}.{m}–1{h - 6}.00, ajanvaraus arkisin.",
            f"Ajanjakso 0{d}.0{mo}.{y} - 2{d}.0{mo}.{y}: {rng.randint(3, 40)} havaintoa.",
            f"Jakso 0{mo}/{y}–1{mo % 3}/{y}, seuranta jatkuu.",
            f"Kokous ke 0{d}.0{mo}.{y} 0{h}:{m} Teamsissa.",
            f"Aukioloajat 0{h}:00-16:00, lounastauko 11.00–11.30.",
            f"Taulukko 0.{d}.{mo} ja liite 0{d}.",
            f"Tilastot viikoilta 0{d}-{d + 10}, vuosi {y}.",
        ],
    )
    return text, None


CLEAN_A: list[tuple[Callable[[random.Random], tuple[str, str | None]], int]] = [
    (clean_place, 140),
    (clean_list, 50),
    (clean_numbers, 110),
    (clean_orgs, 90),
    (clean_sv, 60),
    (clean_hard, 50),
    (clean_caps, 80),
    (clean_times, 50),
]
