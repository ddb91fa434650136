"""Build the labelled corpus for `make bench-guard` (bench/data/guard_corpus.json).

    .venv/bin/python -m bench.guard_corpus      # rewrites the data file (deterministic)

Two splits, made apart: `dev` (seed 11, template set A, hand-written sentences A) was used while
tuning the guard; `heldout` (seed 29, template set B, hand-written sentences B, other names) was
generated once and not looked at while tuning; `heldout2` (bench/guard_texts_c.py, hand-written
2026-12-02) is e-mail as a class — addresses spelled out in many ways, with and without an
at-sign, and clean texts that look e-mail-ish — written before the e-mail detector was changed
for it and not tuned on. All texts are synthetic: names are common Finnish,
Swedish and immigrant names (about a fifth of them deliberately outside the guard's lists),
numbers are made up (identity codes get a computed check character, IBANs a computed checksum).
The Finnish forms of names are written here by a small conservative inflector of its own (only
name classes it inflects correctly) plus a hand table — not by the guard's morphology.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from bench.guard_texts import CLEAN_A, CLEAN_B, HAND_A, HAND_B, TEMPLATES_A, TEMPLATES_B
from bench.guard_texts_c import HAND_C

OUT = Path(__file__).parent / "data" / "guard_corpus.json"

# --- names ----------------------------------------------------------------------------------
FI_LAST = (
    "Virtanen Korhonen Mäkinen Nieminen Hämäläinen Koskinen Heikkinen Järvinen Lehtonen "
    "Lehtinen Saarinen Salminen Heinonen Kinnunen Salonen Turunen Laitinen Rantanen Tuominen "
    "Karjalainen Jokinen Savolainen Lahtinen Ahonen Heikkilä Mattila Hakala Anttila Jokela "
    "Ahola Hiltunen Miettinen Pesonen Kettunen Kauppinen Leppänen Toivonen Laaksonen Rissanen"
).split()
FI_LAST_OUT = (
    "Kiiskinen Happonen Vainikainen Vesalainen Kaartinen Riipinen Kallioinen Paajanen Pyykkönen "
    "Hurskainen Paasonen Hirvelä Purola Ruohola Ritola Ylätalo"
).split()
FI_FIRST = (
    "Matti Juha Timo Mikko Jari Kari Mika Pekka Jukka Antti Anna Maria Liisa Tuula Päivi Anne "
    "Pirkko Sinikka Marja Leena Kaisa Elina Johanna Sari Minna Heikki Markku Ilkka Aino Eeva "
    "Riitta Veikko Erkki Seppo Helena Laura Sanna Tiina Hannu Outi"
).split()
FI_FIRST_OUT = (
    "Tyyne Lahja Sulo Kyösti Sointu Lempi Unto Urho Vieno Aarre Iines Rauha Iivari".split()
)
SV_FIRST = "Anna Erik Lars Karl Johan Maria Eva Karin Kristina Sven Nils Ulla Gunilla Mats".split()
SV_LAST = (
    "Lindqvist Andersson Johansson Karlsson Nilsson Lindholm Holmberg Sjöberg Lindroos".split()
)
SV_LAST_OUT = "Grönwall Strömsholm Vikbacka Österlund".split()
IMM = ["Ahmed Hassan", "Olga Ivanova", "Fatima Ali", "Mohamed Abdi", "Svetlana Petrova",
       "Abdirahman Warsame", "Reza Ahmadi", "Nguyen Van Minh", "Irina Smirnova", "Omar Yusuf"]  # fmt: skip

# irregular names written out: nominative, genitive, allative, elative, adessive, partitive
HAND_FORMS = {
    "Niemi": ("Niemi", "Niemen", "Niemelle", "Niemestä", "Niemellä", "Niemeä"),
    "Lahti": ("Lahti", "Lahden", "Lahdelle", "Lahdesta", "Lahdella", "Lahtea"),
    "Koski": ("Koski", "Kosken", "Koskelle", "Koskesta", "Koskella", "Koskea"),
    "Mäki": ("Mäki", "Mäen", "Mäelle", "Mäestä", "Mäellä", "Mäkeä"),
    "Laine": ("Laine", "Laineen", "Laineelle", "Laineesta", "Laineella", "Lainetta"),
    "Rinne": ("Rinne", "Rinteen", "Rinteelle", "Rinteestä", "Rinteellä", "Rinnettä"),
    "Salo": ("Salo", "Salon", "Salolle", "Salosta", "Salolla", "Saloa"),
    "Pekka": ("Pekka", "Pekan", "Pekalle", "Pekasta", "Pekalla", "Pekkaa"),
    "Jukka": ("Jukka", "Jukan", "Jukalle", "Jukasta", "Jukalla", "Jukkaa"),
    "Matti": ("Matti", "Matin", "Matille", "Matista", "Matilla", "Mattia"),
    "Antti": ("Antti", "Antin", "Antille", "Antista", "Antilla", "Anttia"),
    "Outi": ("Outi", "Oudin", "Oudille", "Oudista", "Oudilla", "Outia"),
    "Heikki": ("Heikki", "Heikin", "Heikille", "Heikistä", "Heikillä", "Heikkiä"),
    "Markku": ("Markku", "Markun", "Markulle", "Markusta", "Markulla", "Markkua"),
    "Ilkka": ("Ilkka", "Ilkan", "Ilkalle", "Ilkasta", "Ilkalla", "Ilkkaa"),
    "Riitta": ("Riitta", "Riitan", "Riitalle", "Riitasta", "Riitalla", "Riittaa"),
    "Seppo": ("Seppo", "Sepon", "Sepolle", "Seposta", "Sepolla", "Seppoa"),
    "Pirkko": ("Pirkko", "Pirkon", "Pirkolle", "Pirkosta", "Pirkolla", "Pirkkoa"),
    "Sinikka": ("Sinikka", "Sinikan", "Sinikalle", "Sinikasta", "Sinikalla", "Sinikkaa"),
    "Erkki": ("Erkki", "Erkin", "Erkille", "Erkistä", "Erkillä", "Erkkiä"),
    "Aarre": ("Aarre", "Aarteen", "Aarteelle", "Aarteesta", "Aarteella", "Aarretta"),
    "Iines": ("Iines", "Iineksen", "Iinekselle", "Iineksestä", "Iineksellä", "Iinestä"),
    "Sointu": ("Sointu", "Soinnun", "Soinnulle", "Soinnusta", "Soinnulla", "Sointua"),
    "Kyösti": ("Kyösti", "Kyöstin", "Kyöstille", "Kyöstistä", "Kyöstillä", "Kyöstiä"),
    "Lempi": ("Lempi", "Lempin", "Lempille", "Lempistä", "Lempillä", "Lempiä"),
    "Iivari": ("Iivari", "Iivarin", "Iivarille", "Iivarista", "Iivarilla", "Iivaria"),
    "Leena": ("Leena", "Leenan", "Leenalle", "Leenasta", "Leenalla", "Leenaa"),
    "Veikko": ("Veikko", "Veikon", "Veikolle", "Veikosta", "Veikolla", "Veikkoa"),
    "Päivi": ("Päivi", "Päivin", "Päiville", "Päivistä", "Päivillä", "Päiviä"),
    "Timo": ("Timo", "Timon", "Timolle", "Timosta", "Timolla", "Timoa"),
}


def forms(name: str) -> tuple[str, ...]:
    """nominative, genitive, allative, elative, adessive, partitive of a name."""
    if name in HAND_FORMS:
        return HAND_FORMS[name]
    back = any(c in "aou" for c in name.lower())
    a, _o = ("a", "o") if back else ("ä", "ö")
    if name.endswith("nen"):
        s = name[:-3]
        return name, s + "sen", s + "selle", s + "sest" + a, s + "sell" + a, s + "st" + a
    if name[-1] in "aäoöuy" or name.endswith("e"):
        v = name
        part = v + ("tt" + a if name.endswith("e") else a)
        return name, v + "n", v + "lle", v + "st" + a, v + "ll" + a, part
    if name.endswith("i"):  # modern i-stem without gradation (Jari, Kari, Mika-like)
        return name, name + "n", name + "lle", name + "st" + a, name + "ll" + a, name + a
    i = name + "i"  # consonant-final foreign names
    return name, i + "n", i + "lle", i + "st" + a, i + "ll" + a, i + a


# --- numbers --------------------------------------------------------------------------------
CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def hetu(rng: random.Random, valid: bool = True) -> str:
    year = rng.randint(1930, 2019)
    sign = "-" if year < 2000 else "A"
    if rng.random() < 0.25:
        sign = rng.choice("YXWVU") if year < 2000 else rng.choice("BCDEF")
    dd, mm, yy = f"{rng.randint(1, 28):02d}", f"{rng.randint(1, 12):02d}", f"{year % 100:02d}"
    serial = f"{rng.randint(2, 899):03d}"
    check = CHECK[int(dd + mm + yy + serial) % 31]
    if not valid:
        check = CHECK[(CHECK.index(check) + rng.randint(1, 30)) % 31]
    return f"{dd}{mm}{yy}{sign}{serial}{check}"


def iban(rng: random.Random) -> str:
    bban = "".join(str(rng.randint(0, 9)) for _ in range(14))
    number = int("".join(str(int(c, 36)) for c in bban + "FI00"))
    code = f"FI{98 - number % 97:02d}{bban}"
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


GRIEVANCE_A = [
    "Asiakkaani ei saanut kotihoitoa, vaikka päätös oli tehty.",
    "Tämä asiakas on odottanut päätöstä puoli vuotta.",
    "Min klient fick inte hemvård trots beslut.",
    "My client was refused an interpreter twice.",
    "Kyseisen asiakkaan kohdalla palvelusuunnitelma laiminlyötiin.",
]
GRIEVANCE_B = [
    "Asiakastani kohdeltiin epäasiallisesti vastaanotolla.",
    "Tälle asiakkaalle ei annettu päätöstä kirjallisena.",
    "Denna klient fick vänta fem månader på beslut.",
    "Asiakkaallani ei ole ollut omatyöntekijää vuoteen.",
]


def build(
    split: str, seed: int, templates: Any, hand: Any, clean: Any, notices: list[str]
) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    pools = {
        "fi_last": FI_LAST if split == "dev" else FI_LAST[::-1],
        "fi_last_out": FI_LAST_OUT,
        "fi_first": FI_FIRST,
        "fi_first_out": FI_FIRST_OUT,
        "sv_first": SV_FIRST,
        "sv_last": SV_LAST,
        "sv_last_out": SV_LAST_OUT,
        "imm": IMM,
        "hand_last": ["Niemi", "Lahti", "Koski", "Mäki", "Laine", "Rinne", "Salo"],
    }
    for kind, maker, count in templates:
        for _ in range(count):
            text, county = maker(rng, pools, forms, hetu, iban)
            if kind == "misc":
                kind_ = "plate" if "rekisteri" in text else "customer_number"
            else:
                kind_ = kind
            out.append({"text": text, "kinds": [kind_], "county": county, "source": "template"})
    for text, kinds, county in hand:
        out.append({"text": text, "kinds": kinds, "county": county, "source": "hand"})
    for maker, count in clean:
        for _ in range(count):
            text, county = maker(rng)
            out.append({"text": text, "kinds": [], "county": county, "source": "template"})
    for text in notices:
        out.append({"text": text, "kinds": [], "notices": ["grievance"], "source": "hand"})
    unique: dict[str, dict[str, Any]] = {}
    for row in out:
        row["split"] = split
        row.setdefault("notices", [])
        row.setdefault("county", None)
        unique.setdefault(row["text"], row)
    return list(unique.values())


def main() -> None:
    rows = build("dev", 11, TEMPLATES_A, HAND_A, CLEAN_A, GRIEVANCE_A)
    rows += build("heldout", 29, TEMPLATES_B, HAND_B, CLEAN_B, GRIEVANCE_B)
    rows += build("heldout2", 47, [], HAND_C, [], [])
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(rows, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{len(rows)} texts written to {OUT}")


if __name__ == "__main__":
    main()
