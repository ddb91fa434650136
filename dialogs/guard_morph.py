"""Finnish (and Swedish) inflection of proper names, for the identifier guard.

A name list holds base forms ("Virtanen", "Laine", "Lahti"); social workers write "Virtasesta",
"Laineen", "Lahdessa". Instead of stripping endings off every word of a text (slow, and wrong for
foreign names), this module generates the inflected forms of each listed name once, from the
declension class its ending implies and the consonant gradation of its last syllable, and the
guard looks words up in the resulting table. The generator over-generates on purpose (both the
graded and the ungraded stem, both the i- and the e-stem of names in -i): a form that is not
Finnish costs nothing, a missing form is a leak. Forms that are also ordinary words ("laineen",
"salon", "annan") are marked from a dictionary when the data files are built (see
dialogs/data/README.md) and the guard treats them with care.
"""

from __future__ import annotations

_CLITICS = ("kaan", "kään", "kin", "han", "hän", "pa", "pä", "ko", "kö")

# strong grade -> weak grade of the consonant(s) before the last vowel ("Pekka" -> "Pekan")
_WEAK = (
    ("kk", "k"),
    ("pp", "p"),
    ("tt", "t"),
    ("nk", "ng"),
    ("mp", "mm"),
    ("lt", "ll"),
    ("nt", "nn"),
    ("rt", "rr"),
    ("ht", "hd"),
    ("lk", "l"),
    ("rk", "r"),
    ("hk", "h"),
    ("lp", "lv"),
    ("rp", "rv"),
    ("t", "d"),
    ("p", "v"),
    ("k", ""),
)
_VOWELS = "aeiouyäöå"


def _back(word: str) -> bool:
    return any(c in "aou" for c in word)


def _weak(stem: str) -> str:
    """stem ends in the consonant(s) before the last vowel; returns it in the weak grade."""
    for strong, weak in _WEAK:
        if stem.endswith(strong) and len(stem) > len(strong):
            before = stem[-len(strong) - 1]
            if len(strong) == 1 and before not in _VOWELS + "hlrn":
                continue
            return stem[: -len(strong)] + weak
    return stem


def _strong(stem: str) -> str:
    """The reverse, for words whose base form is weak ("Rinne" -> "rinte-")."""
    for strong, weak in _WEAK[:14]:
        if stem.endswith(weak) and len(stem) > len(weak):
            return stem[: -len(weak)] + strong
    return stem


def _endings(back: bool) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    a = "a" if back else "ä"
    # weak-grade singular endings, strong-grade singular endings, plural (on an i-stem)
    weak = ("n", "ll" + a, "lle", "lt" + a, "ss" + a, "st" + a, "ksi", "t", "tt" + a)
    strong = ("n" + a,)
    plural: tuple[str, ...] = ("lle", "ll" + a, "lt" + a, "ss" + a, "st" + a, "ksi", "n" + a)
    plural += ("neen", "en", "in", a, "t" + a, "hin", "den", "tten", "tt" + a, "n")
    return weak, strong, plural


def singular_forms(base: str) -> set[str]:
    """The singular case forms of a common noun ("katu" -> "kadulla", "kadun", …)."""
    w = base.casefold()
    back = _back(w)
    a = "a" if back else "ä"
    weak_end = ("n", "ll" + a, "lle", "lt" + a, "ss" + a, "st" + a, "ksi")
    if w.endswith("e"):  # rinne -> rinteellä, kaarre -> kaarteessa; tie -> tiellä
        stems = {_strong(w[:-1]) + "ee", w}
    elif w.endswith("i"):  # kaari -> kaarella, tori -> torilla, raitti -> raitilla
        stems = {_weak(w[:-1]) + "e", _weak(w[:-1]) + "i"}
    else:  # katu -> kadulla, polku -> polulla, ranta -> rannalla
        stems = {_weak(w[:-1]) + w[-1], w}
    return {w} | {s + e for s in stems for e in weak_end}


def name_forms(base: str) -> set[str]:
    """The inflected forms of a name (lowercase), its base form included."""
    w = base.casefold()
    if len(w) < 2:
        return {w}
    back = _back(w)
    a = "a" if back else "ä"
    weak_end, strong_end, plural_end = _endings(back)
    forms = {w, w + "s", w + "'s"}  # Swedish and English genitive
    vowel_stems: set[str] = set()  # weak-grade singular stems
    strong_stems: set[str] = set()  # strong-grade stems (essive, illative, partitive)
    plural_stems: set[str] = set()

    if w.endswith("nen"):  # Virtanen: virtase-, virtas-, virtasi-
        root = w[:-3]
        vowel_stems.add(root + "se")
        strong_stems.add(root + "se")
        plural_stems.add(root + "si")
        forms |= {root + "st" + a, root + "sten", root + "seen", root + "set"}
    elif w.endswith("e"):  # Laine, Rinne, Kalle: lainee-, rintee-; Kalle also kalle-/kalle-
        for root in {w, _strong(w[:-1]) + "e"}:
            vowel_stems.add(root + "e")
            strong_stems.add(root + "e")
            plural_stems.add(root + "i")
            forms |= {root + "tt" + a, root + "eseen", root + "eet", root + "iden", root + "itten"}
        # first names in -e decline as vowel stems (Kalle -> Kallen, Kallea)
        vowel_stems.add(_weak(w[:-1]) + "e")
        strong_stems.add(w)
        forms |= {w + a, w + "en"}
    elif w.endswith("i"):
        # i-stem (Matti -> Matin, Mattia; Hassani), and for old names an e-stem (Niemi -> Niemen)
        vowel_stems.add(_weak(w[:-1]) + "i")
        strong_stems.add(w)
        plural_stems.add(w[:-1] + "ei")
        forms |= {w + a, w + "in", w + "t"}
        e_strong = w[:-1] + "e"
        e_weak = _weak(w[:-1]) + "e"
        vowel_stems.add(e_weak)
        strong_stems.add(e_strong)
        plural_stems.add(e_weak[:-1] + "i")
        forms |= {e_strong + a, e_strong + "en", w[:-1] + "t" + a, w[:-1] + "ien"}
        if w.endswith("si"):  # Koski -> kosken, koskea; Kuusi -> kuusen, kuusta
            forms |= {w[:-2] + "st" + a, w[:-2] + "den"}
    elif w[-1] in "aäoöuy":  # Salo, Anna, Pekka, Heikkilä, Turku
        weak = _weak(w[:-1]) + w[-1]
        vowel_stems |= {weak, w}
        strong_stems.add(w)
        forms |= {w + a, w + w[-1] + "n", w + "h" + w[-1] + "n"}
        for stem in {weak, w}:
            if w[-1] in "aä":
                for v in ("o", "ö", "i"):
                    plural_stems.add(stem[:-1] + v + "i")
                forms |= {w[:-1] + "ojen", w[:-1] + "öjen", w[:-1] + "oiden", w[:-1] + "öiden"}
                forms |= {w[:-1] + "oj" + a, w[:-1] + "öj" + a}
            else:
                plural_stems.add(stem + "i")
                forms |= {w + "jen", w + "iden", w + "j" + a}
    else:  # consonant-final (Hassan, Lindqvist, Ivanov, Andersson): hassani-
        stem = w + "i"
        vowel_stems.add(stem)
        strong_stems.add(stem)
        plural_stems.add(w + "ei")
        forms |= {stem + a, stem + "in", w + "ien", w + "eille", w + "eill" + a}
        if w.endswith("s"):  # Swedish genitive of -s names: "Andersson" stays, "Lars'"
            forms.add(w + "'")
        if w[-2:] in ("as", "äs"):  # Armas -> armaan, Ahokas -> ahokkaan
            for root in {w[:-2], _strong(w[:-2])}:
                stem = root + w[-2] * 2
                vowel_stems.add(stem)
                strong_stems.add(stem)
                plural_stems.add(root + w[-2] + "i")
                forms |= {w + "t" + a, stem + "seen"}
        elif w[-2:] in ("is", "us", "ys", "es", "os"):  # Aulis -> auliksen, Markus -> markuksen
            stem = w[:-1] + "kse"
            vowel_stems.add(stem)
            strong_stems.add(stem)
            plural_stems.add(w[:-1] + "ksi")
            forms |= {w + "t" + a, stem + "en"}

    for stem in vowel_stems:
        forms |= {stem + e for e in weak_end}
    for stem in strong_stems:
        forms |= {stem + e for e in strong_end}
    for stem in plural_stems:
        forms |= {stem + e for e in plural_end}
    return forms


_POSSESSIVES = ("nsa", "nsä", "mme", "nne", "ni", "si")


def readings(word: str) -> tuple[str, ...]:
    """word, and word without a clitic ('virtasellekin') or a possessive suffix ('virtasensa')."""
    out = [word]
    for clitic in _CLITICS:
        if word.endswith(clitic) and len(word) > len(clitic) + 3:
            out.append(word[: -len(clitic)])
            break
    for base in tuple(out):
        for suffix in _POSSESSIVES:
            if base.endswith(suffix) and len(base) > len(suffix) + 3:
                root = base[: -len(suffix)]
                out += [root, root + "n"]
                break
    return tuple(out)
