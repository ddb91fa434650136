"""Shared pieces of the guard corpus templates: places, streets, number formats, phenomena."""

from __future__ import annotations

import random
from typing import Any

# county -> (place, genitive, locative) as a worker writes them
PLACES: dict[str, list[tuple[str, str, str]]] = {
    "paijat-hame": [
        ("Lahti", "Lahden", "Lahdessa"), ("Heinola", "Heinolan", "Heinolassa"),
        ("Hollola", "Hollolan", "Hollolassa"), ("Orimattila", "Orimattilan", "Orimattilassa"),
        ("Asikkala", "Asikkalan", "Asikkalassa"), ("Sysmä", "Sysmän", "Sysmässä"),
        ("Padasjoki", "Padasjoen", "Padasjoella"), ("Iitti", "Iitin", "Iitissä"),
        ("Kärkölä", "Kärkölän", "Kärkölässä"), ("Hartola", "Hartolan", "Hartolassa"),
    ],
    "varsinais-suomi": [
        ("Turku", "Turun", "Turussa"), ("Salo", "Salon", "Salossa"),
        ("Kaarina", "Kaarinan", "Kaarinassa"), ("Raisio", "Raision", "Raisiossa"),
        ("Naantali", "Naantalin", "Naantalissa"), ("Parainen", "Paraisten", "Paraisilla"),
        ("Uusikaupunki", "Uudenkaupungin", "Uudessakaupungissa"),
        ("Loimaa", "Loimaan", "Loimaalla"), ("Lieto", "Liedon", "Liedossa"),
        ("Kemiönsaari", "Kemiönsaaren", "Kemiönsaarella"),
    ],
    "satakunta": [
        ("Pori", "Porin", "Porissa"), ("Rauma", "Rauman", "Raumalla"),
        ("Ulvila", "Ulvilan", "Ulvilassa"), ("Huittinen", "Huittisten", "Huittisissa"),
        ("Kankaanpää", "Kankaanpään", "Kankaanpäässä"), ("Eura", "Euran", "Eurassa"),
        ("Harjavalta", "Harjavallan", "Harjavallassa"), ("Kokemäki", "Kokemäen", "Kokemäellä"),
        ("Nakkila", "Nakkilan", "Nakkilassa"), ("Säkylä", "Säkylän", "Säkylässä"),
    ],
    "kanta-hame": [
        ("Hämeenlinna", "Hämeenlinnan", "Hämeenlinnassa"), ("Riihimäki", "Riihimäen", "Riihimäellä"),
        ("Forssa", "Forssan", "Forssassa"), ("Janakkala", "Janakkalan", "Janakkalassa"),
        ("Hattula", "Hattulan", "Hattulassa"), ("Loppi", "Lopen", "Lopella"),
        ("Tammela", "Tammelan", "Tammelassa"), ("Ypäjä", "Ypäjän", "Ypäjällä"),
        ("Humppila", "Humppilan", "Humppilassa"), ("Jokioinen", "Jokioisten", "Jokioisissa"),
    ],
    "helsinki": [
        ("Keskinen", "Keskisen suurpiirin", "Keskisessä suurpiirissä"),
        ("Eteläinen", "Eteläisen suurpiirin", "Eteläisessä suurpiirissä"),
        ("Koillinen", "Koillisen suurpiirin", "Koillisessa suurpiirissä"),
        ("Itäinen", "Itäisen suurpiirin", "Itäisessä suurpiirissä"),
    ],
}  # fmt: skip
SV_PLACES = [("Åbo", "i Åbo"), ("Pargas", "i Pargas"), ("Kimitoön", "på Kimitoön"),
             ("Nådendal", "i Nådendal"), ("S:t Karins", "i S:t Karins"), ("Nystad", "i Nystad")]  # fmt: skip

# (nominative, locative as written before a house number)
FI_STREETS = [
    ("Hämeenkatu", "Hämeenkadulla"), ("Mannerheimintie", "Mannerheimintiellä"),
    ("Koulutie", "Koulutiellä"), ("Kirkkokatu", "Kirkkokadulla"),
    ("Pihlajakaarre", "Pihlajakaarteessa"), ("Koivukuja", "Koivukujalla"),
    ("Mäntypolku", "Mäntypolulla"), ("Rantaraitti", "Rantaraitilla"),
    ("Kuusirinne", "Kuusirinteellä"), ("Jokiväylä", "Jokiväylällä"),
    ("Tammikaari", "Tammikaarella"), ("Satamakatu", "Satamakadulla"),
    ("Vanha Porvoontie", "Vanhalla Porvoontiellä"), ("Itäinen Pitkäkatu", "Itäisellä Pitkäkadulla"),
    ("Kauppapiha", "Kauppapihalla"), ("Puistotori", "Puistotorilla"),
    ("Aleksanterinkatu", "Aleksanterinkadulla"), ("Sibeliuksenkatu", "Sibeliuksenkadulla"),
]  # fmt: skip
SV_STREETS = ["Storgatan", "Norra strandgatan", "Vasavägen", "Kungsgatan", "Esplanaden",
              "Skolvägen", "Strandvägen", "Slottsgatan", "Kyrkogatan", "Auragatan"]  # fmt: skip
ODD_STREETS = ["Bulevardi", "Esplanadi", "Kalevankaarto", "Ratapihantie", "Hakaniemenranta"]
POSTCODES = [("00100", "Helsinki"), ("20100", "Turku"), ("15140", "Lahti"), ("28100", "Pori"),
             ("13100", "Hämeenlinna"), ("24100", "Salo"), ("20780", "Kaarina"),
             ("21600", "Parainen"), ("26100", "Rauma"), ("30100", "Forssa")]  # fmt: skip

PHENOMENA_FI = [
    "nuorten asunnottomuus", "toimeentulotuen käsittelyajat", "ikääntyneiden yksinäisyys",
    "lapsiperheiden köyhyys", "päihdepalveluihin pääsy", "mielenterveyspalvelujen jonot",
    "digitaalisten palvelujen esteet", "maahanmuuttajien tulkkipalvelut", "vuokrarästit",
    "lähisuhdeväkivallan tunnistaminen", "kotihoidon henkilöstöpula", "opiskelijoiden velkaantuminen",
]  # fmt: skip
PHENOMENA_SV = [
    "ungas hemlöshet", "handläggningstiderna för utkomststöd", "äldres ensamhet",
    "barnfamiljers fattigdom", "köerna till mentalvården", "tillgången till tolkar",
]  # fmt: skip


def phone(rng: random.Random) -> str:
    d = lambda n: "".join(str(rng.randint(0, 9)) for _ in range(n))  # noqa: E731
    prefix = rng.choice(["040", "041", "044", "045", "046", "050"])
    return rng.choice(
        [
            f"{prefix} {d(3)} {d(4)}", f"{prefix}{d(7)}", f"{prefix}-{d(3)} {d(4)}",
            f"{prefix}/{d(3)} {d(4)}", f"{prefix}.{d(3)}.{d(4)}", f"{prefix}–{d(3)} {d(4)}",
            f"{prefix}\u2010{d(7)}", f"({prefix[:3]}) {d(3)} {d(4)}", f"(09) {d(3)} {d(5)}",
            f"09 {d(3)} {d(4)}", f"02 {d(3)} {d(4)}", f"+358 {prefix[1:]} {d(3)} {d(4)}",
            f"+358{prefix[1:]}{d(7)}", f"+358 (0){prefix[1:]} {d(3)} {d(4)}",
            f"00358 {prefix[1:]} {d(3)} {d(4)}", f"+46 70 {d(3)} {d(2)} {d(2)}",
            f"+46 8 {d(3)} {d(3)} {d(2)}", f"+372 5{d(3)} {d(4)}", f"+372{d(8)}",
            f"+7 9{d(2)} {d(3)}-{d(2)}-{d(2)}", f"+44 20 {d(4)} {d(4)}", f"+44 7700 {d(6)}",
            f"+251 91 {d(3)} {d(4)}", f"+252 61 {d(7)}", f"+964 750 {d(3)} {d(4)}",
            f"{prefix}\u00a0{d(3)}\u00a0{d(4)}", f"{prefix} {d(2)} {d(2)} {d(3)}",
        ]
    )  # fmt: skip


def ascii_fold(name: str) -> str:
    return name.lower().translate(str.maketrans("äöåé", "aoae"))


def email(rng: random.Random, first: str, last: str) -> str:
    f, la = first.lower(), last.lower()
    fa, lc = ascii_fold(first), ascii_fold(last)
    return rng.choice(
        [
            f"{fa}.{lc}@example.com", f"{f}.{la}@esimerkki.fi", f"{fa}{rng.randint(1, 99)}@gmail.com",
            f"{fa}(at)gmail.com", f"{fa}.{lc} [at] example [dot] fi", f"{fa}.{lc} at example piste fi",
            f"{fa}.{lc}(at)hyvinvointialue.fi", f"{fa} (at) gmail (piste) com", f"{fa}[at]example.org",
            f"{f}.{la}@hyvinvointialue.fi".upper(), f"{fa}_{lc}@outlook.com", f"{lc}.{fa}@ex-ample.fi",
            f"{fa}.{lc}＠example.com", f"{fa}.{lc}{{at}}example.fi", f"{fa} ät example.fi",
        ]
    )  # fmt: skip


def hetu_variant(rng: random.Random, code: str) -> str:
    spaced = code[:6] + " " + code[6] + " " + code[7:]
    return rng.choice(
        [
            code, code.lower(), spaced, code.replace("-", "–"), code.replace("-", "\u2011"),
            "hetu" + code, code[:3] + "\u200b" + code[3:], code.translate(
                str.maketrans("0123456789", "０１２３４５６７８９")
            ), code[:6] + " " + code[6:], "s." + code, code.replace("-", "\u2010"),
        ]
    )  # fmt: skip


def county_places(county: str) -> list[tuple[str, str, str]]:
    return PLACES[county]


def pick(rng: random.Random, seq: Any) -> Any:
    return seq[rng.randrange(len(seq))]
