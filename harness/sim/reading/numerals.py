"""Numbers written in words: a small numeral grammar over one sentence's words.

General English, nothing about the world. A count is a digit ("5"), a cardinal ("five"), a
collective noun ("a couple", "a pair", "a trio", "a handful" - about four -, "a dozen"), a
fraction of one ("half a dozen", "a half-dozen": six) or a multiple of a hundred ("a hundred",
"two hundred"); an ordinal ("fifth", "5th") is a position, marked apart so that only a reading
that knows positions ("at the fifth step at the earliest") uses it. A number that multiplies a
comparison ("twice as many", "three times as long") is a ratio, not a count, and gets no value.
Approximations ("three or so", "about four") keep their number: the normaliser in ``text.py``
rewrites "N or so" as "about N" and word ranges ("two-three") as "two to three".

The value sits on the numeral's last word (the head of "half a dozen" is "dozen"), so a count
is found, as before, right before the noun it counts.
"""

from __future__ import annotations

CARDINALS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "single": 1,
    "twice": 2, "once": 1, "thrice": 3,
}
# Collective nouns that name a count ("a couple of", "a handful of": a few, about four).
COLLECTIVES = {"couple": 2, "pair": 2, "trio": 3, "triplet": 3, "quartet": 4, "handful": 4, "dozen": 12,
               "half-dozen": 6}
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
}
NUMBER_WORDS = {**CARDINALS, **COLLECTIVES}
# Words that make a number the factor of a comparison ("twice as many", "three times longer").
_COMPARED = frozenset({"as", "more", "less", "longer", "deeper", "harder", "fewer", "shorter"})
_ORDINAL_SUFFIX = frozenset({"th", "st", "nd", "rd"})


def read_numbers(words: list[str]) -> tuple[list[int | None], list[bool]]:
    """(value of each word as a count or position, whether that value is an ordinal position)."""
    n = len(words)
    values: list[int | None] = [None] * n
    ordinal = [False] * n
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < n else ""
        if w.rstrip("+").isdigit():
            values[i] = int(w.rstrip("+"))
            ordinal[i] = nxt in _ORDINAL_SUFFIX  # "5th"
        elif w in ORDINALS and not (w == "second" and nxt in ("of", "to")):
            values[i], ordinal[i] = ORDINALS[w], True
        elif w in NUMBER_WORDS:
            values[i] = NUMBER_WORDS[w]
        elif w == "hundred":
            values[i] = 100 * (values[i - 1] or 1) if i else 100
            if i and values[i - 1] is not None:
                values[i - 1] = None  # "two hundred": one number, on its last word
        if values[i] is None:
            continue
        if w == "dozen" and i and (words[i - 1] == "half" or i > 1 and words[i - 2] == "half" and words[i - 1] in ("a", "an")):
            values[i] = 6  # "half a dozen", "a half dozen"
        after = words[i + 2] if i + 2 < n else ""
        if w in CARDINALS and (nxt == "as" or nxt == "times" and after in _COMPARED) and w not in ("one", "single"):
            values[i] = None  # "twice as many steps": a ratio, not a count
    return values, ordinal
