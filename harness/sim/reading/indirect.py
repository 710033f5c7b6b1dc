"""Depth described without naming it: who could answer, how fast, and how much must be put together.

Writers often say how deep a question should be by describing it: "a question a first-year
student could answer at a glance is what we want to avoid", "the reader should have to connect
several provisions before the conclusion follows", "the solver should work through the rules
one after another". Three meaning classes, composed from senses like every other concept:

- **Ease of answering**: answering (or settling, solving, reaching the verdict) done at once - an
  immediacy ("at a glance", "instantly", "straight away", "on first reading", "a lookup", "without
  thinking", "in seconds") - or by a novice who is able to ("a beginner should be able to solve
  it", "solvable by a beginner"). Asked for, it is a shallow
  question (depth -1); negated, avoided or judged of little value, a deeper one (+1).
- **Provisions put together**: a plural of rules or provisions with a verb that joins them
  ("connect", "juggle", "string together", "work through", "interact", "depend on") and a quantity
  word ("several", "more", "many", "a number of"): +1 (intensified +2), "fewer" -1; negated, a comparative cancels and a plain word
  reverses at half, as with step nouns. ("Combine" is not among these verbs: the seed harness's
  own guidance says "combine more provisions", and it must read as it always has so that honest
  runs stay byte-identical.)
- **In sequence**: "one after another", "one by one", "in succession" about rules, steps or a
  joining verb, when no count is named: +1.
"""

from __future__ import annotations

from harness.sim.reading import senses as S
from harness.sim.reading.concepts import Toks, _magnitude, in_clause, near

IMMEDIATE = S.sense("instantly immediately instant glance glimpse lookup look-up straightaway offhand effortlessly",
                    "straight away", "right away", "first reading", "first read", "first sight", "on sight",
                    "quick look", "single look", "one look", "off the top", "without thinking", "without effort",
                    "in seconds", "in a second", "in no time")
NOVICE = S.sense("novice beginner newcomer first-year freshman layperson layman amateur untrained", "first year")
ABLE = S.sense("can could able")
ANSWERING = S.sense("answer solve settle decide reach crack resolve verdict conclusion outcome answerable solvable",
                    "get to")
JOIN = S.sense("connect join integrate juggle weave interlink interact interplay depend rely hinge",
               "string together", "piece together", "put together", "work through", "tie together", "trace through",
               "trace", "draw on")
# How many provisions: "several", "many", "a number of", "a series of" (a count is read by ``counts.py``)
SOME = S.sense("several multiple many numerous various", "a number of", "a series of", "a range of")
SEQUENCE = S.sense("", "one after another", "one after the other", "one by one", "in succession", "each in turn")
LITTLE_VALUE = S.sense("", "of little value", "of little use", "of no value", "little point", "no point")


def ease(toks: Toks) -> float:
    """-1 when the sentence asks for a question answered at once or by a novice, +1 when it rejects one."""
    if not ANSWERING.at(toks):
        return 0.0
    marks = list(IMMEDIATE.at(toks))
    marks += [i for i in NOVICE.at(toks) if near(toks, i, ABLE, 0, 4) and near(toks, i, ANSWERING, 0, 7)
              or [j for j in near(toks, i, ANSWERING, 4, 0) if toks[j].word.endswith("able")]]  # "solvable by a beginner"
    if not marks:
        return 0.0
    rejected = all(toks[i].negated for i in marks)
    if (LITTLE_VALUE.at(toks) or S.USELESS.at(toks)) and not any(toks[i].negated for i in LITTLE_VALUE.at(toks)):
        rejected = not rejected  # "questions anyone could answer immediately are of little value"
    return 1.0 if rejected else -1.0


def joined(toks: Toks, used: set[int]) -> float:
    """Depth change from provisions to be put together ("connect several provisions") or worked
    through in sequence ("one after another")."""
    ups, downs = [0.0], [0.0]
    for p in S.PROVISION.at(toks):
        if p in used or not near(toks, p, JOIN, 6, 3):
            continue
        for j in sorted(set(near(toks, p, S.UP, 3, 0) + near(toks, p, SOME, 3, 0))) + near(toks, p, S.DOWN, 3, 0):
            if j in used or toks[j].number is not None or toks[j].word == "few" and j and toks[j - 1].word == "a":
                continue  # "a few rules" is an amount; a count is read by ``bounds``
            value = (1.0 if j in S.UP.at(toks) or j in SOME.at(toks) else -1.0) * _magnitude(toks, j)
            if toks[j].negated:
                value = 0.0 if toks[j].degree == "comp" or toks[j].word in ("more", "fewer") else -0.5 * value
            (ups if value > 0 else downs).append(value)
    if not used:
        for i in SEQUENCE.at(toks):
            about = in_clause(toks, i, S.PROVISION) + in_clause(toks, i, S.STEP) + in_clause(toks, i, JOIN)
            if about:
                (downs if toks[i].negated else ups).append(-0.5 if toks[i].negated else 1.0)
    return max(ups) + min(downs)
