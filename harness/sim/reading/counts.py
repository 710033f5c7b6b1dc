"""Counts and their bounds in one sentence: "at least five steps", "never fewer than two decoys".

A count is a number (``numerals.py``) close before or after the noun it counts; its bound comes
from the phrase before it ("at least", "no more than", any comparative of size with "than"),
after it ("or more", "max", "is plenty"), a cap verb ("cap the depth at four") or, for a position
("the fifth step"), from where the clause says the answer arrives. Negation flips a bound.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.sim.reading import senses as S
from harness.sim.reading.concepts import Toks, _window, in_clause

_LO = (("at", "least"), ("minimum",), ("a", "minimum", "of"), ("no", "fewer", "than"), ("no", "less", "than"),
       ("not", "fewer", "than"), ("not", "less", "than"), ("upwards", "of"), ("min",))
_GT = (("more", "than"), ("over",), ("above",), ("past",), ("exceed",), ("exceeds",), ("exceeding",), ("beyond",),
       ("greater", "than"), ("longer", "than"), ("deeper", "than"), ("harder", "than"), ("tougher", "than"),
       ("more", "complex", "than"), ("more", "difficult", "than"))
_HI = (("at", "most"), ("maximum",), ("a", "maximum", "of"), ("no", "more", "than"), ("not", "more", "than"),
       ("up", "to"), ("within",), ("no", "longer", "than"), ("no", "deeper", "than"), ("max",), ("only",),
       ("not", "exceeding"), ("no", "greater", "than"), ("down", "to"))
_LT = (("fewer", "than"), ("less", "than"), ("under",), ("below",), ("shorter", "than"), ("easier", "than"),
       ("simpler", "than"))
_BIGGER = S.sense("deep long lengthy hard difficult tough complex great high many much big large")
_SMALLER = S.sense("shallow short brief easy simple few little low small")
_PLENTY = S.sense("enough plenty sufficient suffice adequate ample")
_NUMERAL_LEAD = frozenset({"a", "an", "half", "about", "around", "roughly", "approximately", "some", "good"})
# Where a position on the chain bounds it: "at the fifth step at the earliest", "from the fourth onwards".
_POSITION_LO = S.sense("earliest onward onwards later after beyond")
_POSITION_HI = S.sense("latest earlier before by within")
_ARRIVE = S.sense("answer conclusion verdict outcome result clear emerge follow appear reach surface settle decide "
                  "become")
_COORDINATED = frozenset({"and", "but", "or", ",", "not", "no", "never", "at", "least", "most", "more", "less", "fewer",
                          "than", "under", "over", "above", "below", "minimum", "maximum", "a", "of"})
_COUNTED_RULES = S.sense("rule provision definition section")  # "chain four rules": four steps
# Verbs that make a count of rules a count of steps ("chain four rules", "a single rule settles it").
_CHAINING = S.sense("chain apply combine link use need require involve take span string connect chaining settle "
                    "resolve decide answer solve determine suffice establish connect juggle obvious enough alone itself own "
                    "isolation")
_CAP = frozenset({"cap", "limit", "restrict", "confine", "hold", "keep"})
_NO_MORE = (("and", "no", "more"), (",", "and", "no", "more"), ("and", "nothing", "more"),
            (",", "and", "nothing", "more"), (",", "no", "more"))
_COUNTED_THINGS = frozenset({"question", "questions", "item", "items", "task", "tasks", "chain", "chains", "problem",
                             "problems"})
_EXACT = (("exactly",), ("precisely",), ("just",))
_AFTER_LO = (("or", "more"), ("or", "above"), ("or", "longer"), ("or", "greater"), ("plus",), ("at", "least"),
             ("minimum",), ("or", "deeper"), ("at", "minimum"), ("at", "the", "least"), ("or", "higher"))
_AFTER_HI = (("or", "fewer"), ("or", "less"), ("or", "under"), ("at", "most"), ("max",), ("maximum",),
             ("or", "shorter"), ("tops",), ("only",), ("at", "the", "most"), ("and", "no", "more"), ("no", "more"),
             (",", "and", "no", "more"), (",", "no", "more"), ("and", "not", "more"), ("and", "nothing", "more"),
             (",", "and", "nothing", "more"), ("and", "no", "further"))


@dataclass
class Bounds:
    lo: int | None = None
    hi: int | None = None
    exact: int | None = None


def _ends_with(words: list[str], end: int, phrases: tuple[tuple[str, ...], ...]) -> tuple[str, ...] | None:
    for p in sorted(phrases, key=len, reverse=True):
        if tuple(words[max(0, end - len(p)):end]) == p:
            return p
    return None


def _bound_before(words: list[str], end: int, toks: Toks | None = None) -> tuple[str | None, tuple[str, ...]]:
    """The longest bound phrase ending right before a number, and its kind."""
    best: tuple[str | None, tuple[str, ...]] = (None, ())
    for kind, phrases in (("lo", _LO), ("gt", _GT), ("hi", _HI), ("lt", _LT), ("exact", _EXACT)):
        p = _ends_with(words, end, phrases)
        if p and len(p) > len(best[1]):
            best = (kind, p)
    if best[0] is None and toks is not None and end >= 2 and words[end - 1] == "than" and toks[end - 2].degree == "comp":
        # Any comparative of size or difficulty: "shallower than four", "no simpler than three"
        t = toks[end - 2]
        kind = "gt" if t.lemmas & _BIGGER.words else "lt" if t.lemmas & _SMALLER.words else None
        if kind:  # a "no" or "not" before it negates the number and flips the bound (in ``bounds``)
            return kind, tuple(words[end - 2:end])
    return best


def _numeral_start(words: list[str], i: int) -> int:
    """Where the numeral ending at i begins: "a half-dozen", "half a dozen", "about four"."""
    while i > 0 and words[i - 1] in _NUMERAL_LEAD:
        i -= 1
    return i


def _starts_with(words: list[str], start: int, phrases: tuple[tuple[str, ...], ...]) -> bool:
    return any(tuple(words[start:start + len(p)]) == p for p in phrases)


def counted(toks: Toks, head: S.Sense, reach: int = 4) -> list[tuple[int, int]]:
    """(number index, head index) for each number that counts a ``head`` noun close after it
    ("five reasoning steps", "a 4-hop chain") or right before it ("depth of 5", "steps: 5")."""
    out = []
    heads = set(head.at(toks))
    for i, t in enumerate(toks):
        if t.number is None or t.ordinal:
            continue  # a position ("the fifth step") is read by ``bounds``, not counted
        ranged = i + 2 < len(toks) and toks[i + 1].word in ("or", "to") and toks[i + 2].number is not None
        if t.word in ("one", "single") and not ranged and not any(j in heads for j in range(i + 1, i + 3)):
            continue  # "one" is a pronoun unless a head noun follows at once
        ahead = [j for j in _window(toks, i, 0, reach) if j > i]
        nouns = [j for j in ahead if toks[j].lemmas & (S.PROVISION.words | S.DISTRACTOR.words | S.RUBRIC.words
                                                      | S.EXCEPTION.words | S.STEP.words | {"question"})]
        if nouns and nouns[0] in heads and not (head is S.STEP and S.DISTRACTOR.at(toks[i:nouns[0]])):
            out.append((i, nouns[0]))
        elif any(j in heads for j in _window(toks, i, 4, 0) if j < i) and not nouns:
            out.append((i, max(j for j in _window(toks, i, 4, 0) if j in heads and j < i)))
    # "not less than three and not more than five steps": the first count shares the second's noun,
    for i, t in enumerate(toks):
        if t.number is None or t.ordinal or any(k == i for k, _ in out):
            continue
        # ... or the first's: "not under three steps and not over five"
        other = [(k, h) for k, h in out if i < k <= i + 7] or [(k, h) for k, h in out if i - 7 <= k < i][-1:]
        k = other[0][0] if other else i
        between = {toks[j].word for j in range(min(i, k) + 1, max(i, k)) if j != other[0][1]} if other else set()
        if other and between & {"and", "but", "or"} and between <= _COORDINATED:
            out.append((i, other[0][1]))
    return out


def bounds(toks: Toks) -> tuple[Bounds, set[int]]:
    """Step-count bounds the sentence sets, and the token indices it used for them."""
    words = [t.word for t in toks]
    b, used = Bounds(), set()
    pairs = counted(toks, S.STEP) + [(i, h) for i, h in counted(toks, S.CHAIN) if "chain" in toks[h].lemmas
                                      or "derivation" in toks[h].lemmas]
    if not pairs and not S.DISTRACTOR.at(toks) and _CHAINING.at(toks) and not (S.OMIT.at(toks) or S.MISSING.at(toks)):
        pairs += counted(toks, _COUNTED_RULES)  # a named step count wins over rules counted in passing
    for i, head in sorted(set(pairs)):
        n = toks[i].number
        lead = _numeral_start(words, i) - 1
        if lead >= 0 and words[lead] == "by" and in_clause(toks, i, S.CHANGE):
            continue  # "raise the depth by a step or two": an increment, read as a change
        used.update(range(min(i, head), max(i, head) + 1))
        if head + 1 < len(toks) and toks[head + 1].lemmas & {"long", "deep"}:
            used.add(head + 1)  # "four steps long" is the count, not a request for length
        if i + 2 < len(toks) and words[i + 1] in ("to", "and", "or") and toks[i + 2].number is not None:
            second = toks[i + 2].number
            end = max(head, i + 2) + 1
            if _starts_with(words, end, _AFTER_HI):  # "two to three steps max": the upper end caps
                b.hi = max(n, second)
            elif _starts_with(words, end, _AFTER_LO):
                b.lo = min(n, second)
            else:
                b.lo, b.hi = min(n, second), max(n, second)
            continue
        if i >= 2 and toks[i - 2].number is not None and words[i - 1] in ("to", "and", "or"):
            continue  # the second number of a range, read with the first
        kind, p = _bound_before(words, i, toks)
        start = _numeral_start(words, i)  # "no fewer than a half-dozen rules"
        if kind is None and start < i:
            kind, p = _bound_before(words, start, toks)
        if kind is None:
            start = i
        prep = i - 1 - (i > 1 and words[i - 1] == "a")  # "keep every question to a couple of hops"
        cap = [k for k in range(max(0, prep - 4), prep) if toks[k].lemmas & _CAP and (words[prep] == "to" or toks[k].word != "keep")
               ] if prep >= 0 and words[prep] in ("at", "to") else []
        if kind is None and cap:
            kind, p = "hi", tuple(words[prep:i])  # "cap the depth at four", "limit questions to three steps"
            used.update(range(cap[0], i))  # the cap verb made the bound: not also a "limit" on depth
        used.update(range(start - len(p), i))
        if kind is not None:
            pass
        after = head + 1
        while after < len(words) and words[after] in _COUNTED_THINGS:
            after += 1  # "three-step questions or fewer"
        after += after < len(words) and words[after] == ","  # "three steps, minimum"
        if kind is not None:
            pass
        elif words[i].endswith("+") or _starts_with(words, i + 1, _AFTER_LO) or _starts_with(words, after, _AFTER_LO):
            kind = "lo"
        elif _starts_with(words, i + 1, _AFTER_HI) or _starts_with(words, after, _AFTER_HI):
            kind = "hi"
            if _starts_with(words, after, _NO_MORE) or _starts_with(words, i + 1, _NO_MORE):
                b.exact = n  # "three-step questions, and no more": that count, capped
        later = [j for j in range(head + 1, len(toks)) if toks[j].clause == toks[i].clause]
        if kind is None and not toks[i].negated and [j for j in in_clause(toks, i, _PLENTY) if j > head]:
            kind = "hi"  # "a couple of steps is plenty": that many and no more
        elif kind is None and any(toks[j].word in ("minimum", "floor") for j in later):
            kind = "lo"  # "half a dozen steps is the minimum"
        elif kind is None and any(toks[j].word in ("maximum", "ceiling", "limit") or toks[j].word == "most"
                                  and toks[j - 1].word == "the" for j in later):  # "... is the most I want"
            kind = "hi"
        if toks[i].negated and not (p and toks[start - len(p)].shielded):
            # "do not use more than four" = at most four; "not in a single step" = more than one;
            # any other negated exact count says nothing.
            kind = {"lo": "lt", "gt": "hi", "hi": "gt", "lt": "lo"}.get(kind or "exact")
            if kind is None and n <= 2:
                kind = "gt"
            if kind is None:
                continue
        if kind == "lo":
            b.lo = n
        elif kind == "gt":
            b.lo = n + 1
        elif kind == "hi":
            b.hi = n
        elif kind == "lt":
            b.hi = n - 1
        else:
            b.exact = n
    _positions(toks, b, used)
    return b, used


def count_bound(toks: Toks, i: int) -> str:
    """The bound on a count at i, negation applied: "lo", "gt", "hi", "lt", "exact", or "none" for
    a negated exact count ("not a single distractor")."""
    words = [t.word for t in toks]
    kind, p = _bound_before(words, i, toks)
    start = _numeral_start(words, i)
    if kind is None and start < i:
        kind, p = _bound_before(words, start, toks)
    if kind is None:
        start = i
    if toks[i].negated and not (p and toks[start - len(p)].shielded):
        return {"lo": "lt", "gt": "hi", "hi": "gt", "lt": "lo"}.get(kind or "exact", "none")
    return kind or "exact"


def amount(toks: Toks, i: int, cap: int = 4) -> float:
    """How many of a thing a count at i asks for: "two distractors" 2, "at least two" 2, "never fewer
    than two" 2, "at most two" 1 (none or some up to the cap), "not a single one" 0."""
    n = toks[i].number
    value = {"lo": n, "gt": n + 1, "hi": n / 2, "lt": (n - 1) / 2, "none": 0}.get(count_bound(toks, i), n)
    return float(min(value, cap))


def exception_rate(toks: Toks) -> float | None:
    """The chance of crossing an exception a bounded or negated count of them asks for ("at most one
    exception" 0.45: allowed; "no fewer than one" 0.7; "never more than zero", "not one" 0.05); None
    for a plain count, which the rate reading takes with its "every" and "always"."""
    for i, _ in counted(toks, S.EXCEPTION):
        kind, n = count_bound(toks, i), toks[i].number
        if kind == "exact" and n > 0:
            continue
        most = {"hi": n, "lt": n - 1}.get(kind)
        if kind in ("none", "exact") or most is not None and most < 1:
            return 0.05
        return 0.45 if most is not None else 0.7
    return None


def _positions(toks: Toks, b: Bounds, used: set[int]) -> None:
    """A position on the chain where the answer arrives bounds its length: "at the fifth step at the
    earliest" (a floor), "by the third step at the latest" (a ceiling), "the answer should emerge at
    the fourth step" (that count); "the first step is to read" names no length."""
    for i, t in enumerate(toks):
        head = next((j for j in range(i + 1, min(len(toks), i + 3)) if j in S.STEP.at(toks)), None)
        if not t.ordinal or head is None or b.lo is not None or b.hi is not None or b.exact is not None:
            continue
        lo, hi = in_clause(toks, i, _POSITION_LO), in_clause(toks, i, _POSITION_HI)
        kind = "lo" if lo and not hi else "hi" if hi and not lo else "exact" if _ARRIVE.at(toks) and not (lo or hi) else None
        if kind and t.negated:
            kind = {"lo": "hi", "hi": "lo"}.get(kind)  # "not before the fourth step": a floor
        if kind:
            setattr(b, kind, t.number)
            used.update(range(i, head + 1))
