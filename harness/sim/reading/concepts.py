"""The world's concepts, recognised in one sentence by composing senses (see ``senses.py``).

Each function reads the tokens of one sentence (``text.tokens``) and returns what the sentence
says about its concept: a direction (+1 asks for more of it, -1 for less or none, 0 nothing),
a strength, or numeric bounds. Negation reverses a direction; it never creates one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from harness.sim.reading import senses as S
from harness.sim.reading.text import Token

Toks = tuple[Token, ...]

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
_FILLER = frozenset({"the", "number", "of", "count", "amount", "a", "down", "up", "total", "in", "on", "back", "off"})
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


def _window(toks: Toks, i: int, before: int, after: int) -> range:
    """Indices around i in the same clause."""
    lo, hi = i, i
    while lo > 0 and i - lo < before and toks[lo - 1].clause == toks[i].clause:
        lo -= 1
    while hi < len(toks) - 1 and hi - i < after and toks[hi + 1].clause == toks[i].clause:
        hi += 1
    return range(lo, hi + 1)


def near(toks: Toks, i: int, sense: S.Sense, before: int = 3, after: int = 3) -> list[int]:
    window = _window(toks, i, before, after)
    return [j for j in sense.at(toks) if j in window and j != i]


def in_clause(toks: Toks, i: int, sense: S.Sense) -> list[int]:
    return [j for j in sense.at(toks) if toks[j].clause == toks[i].clause]


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
        if kind is None and not toks[i].negated and [j for j in in_clause(toks, i, _PLENTY) if j > head]:
            kind = "hi"  # "a couple of steps is plenty": that many and no more
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


def amount(toks: Toks, i: int, cap: int = 4) -> float:
    """How many of a thing a count at i asks for: "two distractors" 2, "at least two" 2, "never fewer
    than two" 2, "at most two" 1 (none or some up to the cap), "not a single one" 0."""
    words = [t.word for t in toks]
    n = toks[i].number
    kind, p = _bound_before(words, i, toks)
    start = _numeral_start(words, i)
    if kind is None and start < i:
        kind, p = _bound_before(words, start, toks)
    if kind is None:
        start = i
    if toks[i].negated and not (p and toks[start - len(p)].shielded):
        kind = {"lo": "lt", "gt": "hi", "hi": "gt", "lt": "lo"}.get(kind or "exact")
        if kind is None:
            return 0.0  # "not a single distractor"
    value = {"lo": n, "gt": n + 1, "hi": n / 2, "lt": (n - 1) / 2}.get(kind or "exact", n)
    return float(min(value, cap))


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


_AS_POSSIBLE = S.sense("", "as possible", "as can be")


def _magnitude(toks: Toks, j: int) -> float:
    """How strongly a modifier at j is meant: intensified x2, hedged x0.5."""
    if near(toks, j, S.INTENSIFIER, 2, 0) or near(toks, j, _AS_POSSIBLE, 0, 4):
        return 2.0
    if near(toks, j, S.HEDGE, 2, 0):
        return 0.5
    return 1.0


def step_direction(toks: Toks, used: set[int]) -> float:
    """Relative depth change asked for ("more steps" +1, "many more" +2, "shorter chains" -1)."""
    ups, downs = [0.0], [0.0]
    for i in sorted(set(S.STEP.at(toks)) | set(S.CHAIN.at(toks))):
        if i in used:
            continue
        reach = 3
        while i - reach - 1 >= 0 and toks[i - reach].word in _FILLER:
            reach += 1  # "increase the number of steps"
        # ... or in its predicate: "the reasoning should be kept to a minimum"
        said = [j for j in S.UP.at(toks) + S.DOWN.at(toks) if i + 3 < j <= i + 7 and toks[j].clause == toks[i].clause
                and any(toks[k].lemmas & {"be", "keep", "stay", "remain", "become", "get"} for k in range(i + 1, j))]
        for j in near(toks, i, S.UP, reach, 3) + near(toks, i, S.DOWN, reach, 3) + said + ([i] if i in S.UP.at(toks) else []):
            if j in used or toks[j].number is not None or j and toks[j - 1].word == "how":
                continue  # "how many steps" asks for a number, not for many
            if toks[j].word == "few" and j and toks[j - 1].word == "a":
                continue  # "a few steps" is an amount, not a reduction
            change = bool(toks[j].lemmas & S.CHANGE.words)
            excess = "too" in toks[j].lemmas or j and toks[j - 1].word in _TOO  # a judgement, past or not
            if not toks[j].degree and toks[j].word not in ("more", "fewer") and not (change or excess) and _descriptive(toks, j):
                continue  # "when the chain is short": a condition, not a request
            up = j in S.UP.at(toks) and not (j in S.DOWN.at(toks) and toks[j].degree)
            if j and toks[j - 1].word in _TOO or j > 1 and toks[j - 2].word in _TOO or "too" in toks[j].lemmas:
                up = not up  # "far too many inferences": fewer wanted
            value = (1.0 if up else -1.0) * _magnitude(toks, j)
            if toks[j].negated or toks[i].negated and j < i:
                # "avoid long chains" reverses; "no need for more steps" only cancels
                # a change verb is a comparative: "there is no need to increase the steps" keeps them
                value = 0.0 if toks[j].degree == "comp" or toks[j].word in ("more", "fewer") or change else -0.5 * value
            (ups if value > 0 else downs).append(value)
    for i in S.INTERMEDIATE.at(toks):  # intermediate results reused later: a longer chain
        if not _descriptive(toks, i) or S.sense("require need involve").at(toks):
            (ups if not toks[i].negated else downs).append(1.0 if not toks[i].negated else -0.5)
    for i, t in enumerate(toks):  # "deeper questions", "shallower", "longer": depth adjectives on their own
        length = t.degree == "comp" and t.lemmas & {"long", "short", "lengthy"}
        if length and not (S.STEP.at(toks[i + 1:i + 4]) or S.CHAIN.at(toks[i + 1:i + 4])) and i not in used:
            value = (1.0 if t.lemmas & {"long", "lengthy"} else -1.0) * _magnitude(toks, i)
            (ups if value > 0 and not t.negated else downs).append(0.0 if t.negated else value)
            continue
        if t.lemmas & {"deep", "shallow", "deepen"} and i not in used and not S.STEP.at(toks[i + 1:i + 3]):
            value = (1.0 if t.lemmas & {"deep", "deepen"} else -1.0) * (1.0 if t.degree or "deepen" in t.lemmas else 0.5)
            value = (0.0 if t.degree == "comp" else -0.5 * value) if t.negated else value  # "avoid any deeper chains" cancels
            (ups if value > 0 else downs).append(value)
    return max(ups) + min(downs)


_PAST = frozenset({"was", "were", "found", "seemed", "proved", "had", "did", "got", "turned", "looked", "after",
                   "when", "if", "once", "whenever", "unless", "since"})
_TOO = frozenset({"too", "overly", "excessively"})


def _descriptive(toks: Toks, i: int) -> bool:
    return any(t.word in _PAST for t in toks if t.clause == toks[i].clause)


def difficulty(toks: Toks, used: frozenset[int] | set[int] = frozenset()) -> float:
    """Depth change from difficulty words: harder +0.5 (much harder +1), easier/simpler -1;
    "too easy" asks for the opposite; a plain description ("found it easy") asks nothing."""
    ups, downs = [0.0], [0.0]
    for i in S.HARD.at(toks) + S.EASY.at(toks):
        if i in used or near(toks, i, S.STYLE, 3, 2):
            continue  # "simple language", "keep the wording plain and simple": style, not difficulty
        t = toks[i]
        hard = i in S.HARD.at(toks)
        too = (i > 0 and toks[i - 1].word in _TOO or "too" in t.lemmas) and not (
            i + 2 < len(toks) and toks[i + 1].word == "for" and (S.WEAK.at(toks[i + 2:i + 5]) or S.sense("strong").at(toks[i + 2:i + 5])))
        # "too hard for weak models" asks for it; "too hard for everyone" does not
        past = _descriptive(toks, i)
        change = bool(t.lemmas & S.CHANGE_VERBS.words)
        if past and not too and not t.degree and not change:
            continue  # a description ("found it easy", "after an easy attempt"), not a request
        if too:
            hard, t = not hard, replace(t, neg=0)
        comparative = t.degree == "comp" or change or bool(near(toks, i, S.sense("more less"), 2, 0))
        if t.word in ("difficulty", "difficulties", "complexity", "challenge", "challenges", "hardness", "bar"):
            # "raise the difficulty", "push difficulty up", "ease up on the difficulty"
            ups_ = near(toks, i, S.UP, 3, 0) + [j for j in _window(toks, i, 0, 2) if toks[j].word in ("up", "upward", "higher")]
            downs_ = near(toks, i, S.DOWN, 3, 0) + [j for j in _window(toks, i, 0, 2) if toks[j].word in ("down", "downward", "lower")]
            downs_ += [j for j in _window(toks, i, 4, 0) if toks[j].word in ("ease", "relax") and toks[j + 1].word in ("up", "off")]
            if not ups_ and not downs_:
                continue
            hard = bool(ups_) and not downs_
            comparative = True
        if "less" in {toks[j].word for j in near(toks, i, S.sense("less"), 2, 0)}:
            hard = not hard
        value = (0.5 if hard else (-1.0 if comparative else -0.5)) * _magnitude(toks, i)
        if too and toks[i].negated and in_clause(toks, i, S.sense("can could")):
            value = -value  # "questions can never be too hard": there is no such excess, so more of it
        elif t.negated or too and toks[i].negated:
            # "not too easy" half; "don't make it harder" cancels; "should not be easy" half reversed
            value = 0.5 * value if too else 0.0 if comparative else -0.5 * value
        (ups if value > 0 else downs).append(value)
    for i in S.TAX.at(toks):  # "stretch the solver further", "challenge the models more"
        if near(toks, i, S.AGENT, 0, 3) and not _descriptive(toks, i):
            value = 0.0 if toks[i].negated else 0.5 * (2.0 if near(toks, i, S.sense("further more harder much"), 0, 5) else 1.0)
            ups.append(value)
    for i in S.EXCESS.at(toks):  # "the reasoning was excessive", "these are getting convoluted": less wanted
        about = S.STEP.at(toks) + S.CHAIN.at(toks) + S.HARD.at(toks) + S.sense("question task item these they it").at(toks)
        others = S.EXCEPTION.at(toks) + S.DISTRACTOR.at(toks) + S.PROVISION.at(toks) + S.STYLE.at(toks)
        if about and not others and not toks[i].negated:
            downs.append(-1.0)
    return max(ups) + min(downs)


def rate_direction(toks: Toks, concept: S.Sense) -> float | None:
    """Direction asked for a countable feature (exceptions, distractors): 1 more, 0.5 allowed,
    2 always, -1 none, -0.5 fewer; None when the sentence does not speak of it."""
    found = None
    for i in concept.at(toks):
        if toks[i].word in ("except",):
            continue
        downs = [j for j in near(toks, i, S.DOWN, 3, 0) if not (j and toks[j - 1].word in ("at", "a"))]
        if downs or near(toks, i, S.sense("rare rarely seldom occasional infrequent"), 3, 3):
            value = -0.5
        elif near(toks, i, S.PERMIT, 4, 4) and not near(toks, i, S.UP, 3, 0):
            value = 0.5
        elif near(toks, i, S.EVERY, 4, 0) or in_clause(toks, i, S.sense("always")):
            value = 2.0
        else:
            value = 1.0
        if toks[i].negated:
            value = -1.0 if value > 0 else 0.5
        found = value
    return found


def only_relevant(toks: Toks) -> bool:
    """"Only relevant provisions", "every provision should be needed": no distractors."""
    if any(near(toks, i, S.ONLY, 3, 0) and near(toks, i, S.PROVISION, 0, 3) for i in S.RELEVANT.at(toks)):
        return True
    if any(near(toks, i, S.ONLY, 3, 0) and near(toks, i, S.NEEDED, 0, 5) and not toks[i].negated
           for i in S.PROVISION.at(toks)):
        return True  # "only the provisions the answer needs"
    if any(not toks[i].negated and i and "be" in toks[i - 1].lemmas and near(toks, i, S.PROVISION, 6, 0)
           and near(toks, i, S.EVERY, 8, 0) for i in S.RELEVANT.at(toks)):
        return True
    # "every provision in the context must bear on the answer"
    return any(not toks[i].negated and near(toks, i, S.sense("must should shall need"), 2, 0)
               and near(toks, i, S.PROVISION, 7, 0) and near(toks, i, S.EVERY, 8, 0)
               for i in S.sense("bear matter contribute relate").at(toks))


def judgement(toks: Toks) -> int:
    """+1 when the sentence calls something too easy / short ("one-step questions are too easy"),
    -1 when it calls it too hard / long, 0 otherwise."""
    if S.USELESS.at(toks) and not [i for i in S.USELESS.at(toks) if toks[i].negated and toks[i].word != "use"]:
        return 1  # "a question that takes one step is of no use / not enough": it asks for more
    for i, t in enumerate(toks):
        if i and toks[i - 1].word in _TOO and not t.negated:
            if t.lemmas & (S.EASY.words | {"short", "shallow", "simple", "few"}):
                return 1
            if t.lemmas & (S.HARD.words | {"long", "deep", "many"}):
                return -1
    return 0


_LIGHT = frozenset({"be", "do", "at", "all", "really", "actually", "directly", "strictly", "even", "in", "any", "way"})
_MATERIAL = S.sense("anything something everything material text information sentence detail statement")


def irrelevance(toks: Toks) -> float | None:
    """Material described as not bearing on the answer ("rules that do not bear on the answer",
    "anything that is not needed"): +1 when asked for, -1 when kept out ("free of ...")."""
    if not (S.PROVISION.at(toks) or _MATERIAL.at(toks)):
        return None
    if S.SEEM.at(toks) and any(t.word == "but" for t in toks) and any(t.word == "not" for t in toks):
        seemed = S.SEEM.at(toks)[0]  # "rules that look applicable but are not"
        return -1.0 if toks[seemed].negated else 1.0
    for j in S.BEARING.at(toks):
        k = j - 1
        while k >= 0 and toks[k].lemmas & _LIGHT and toks[k].clause == toks[j].clause:
            k -= 1
        if k >= 0 and toks[k].word in ("not", "never") and toks[k].clause == toks[j].clause:
            return -1.0 if (toks[j].neg - 1) % 2 else 1.0
    return None


def polarity(toks: Toks, i: int) -> int:
    return -1 if toks[i].negated else 1


def is_writer_clause(toks: Toks, i: int) -> bool:
    """False when a third party ("the grader can check") is the subject, not the writer."""
    return not [j for j in in_clause(toks, i, S.AGENT) if j < i]
