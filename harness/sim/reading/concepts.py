"""The world's concepts, recognised in one sentence by composing senses (see ``senses.py``).

Each function reads the tokens of one sentence (``text.tokens``) and returns what the sentence
says about its concept: a direction (+1 asks for more of it, -1 for less or none, 0 nothing),
or a strength (counts and their bounds are read in ``counts.py``). Negation reverses a direction;
it never creates one.
"""

from __future__ import annotations

from dataclasses import replace

from harness.sim.reading import senses as S
from harness.sim.reading.text import Token

Toks = tuple[Token, ...]
_FILLER = frozenset({"the", "number", "of", "count", "amount", "a", "down", "up", "total", "in", "on", "back", "off"})


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
