"""Polite and social sentences: a meaningful word inside one is a weak signal, not an order.

"Thanks for the deep work last round!", "Kind regards from all of us who love a good exception":
a real model takes a word like "deep" or "exception" in a thank-you line as a hint of what is
liked, neither ignoring it nor obeying it like an instruction. A sentence is *polite* when it
carries a social formula (thanks, cheers, regards, best wishes, hope, enjoy, sorry, well done,
a nice touch, have a good day, ...). A polite sentence that gives no directive - no norm
("should", "must", "have to", "need to"), no "please" and no clause opening on a bare verb
("keep", "add", "stay") - is *social*: what it says about depth, exceptions, distractors or flaws is read at a
weak strength (``reader.py``: depth within half a step, an exception chance 0.2 -> 0.3, 0.6
distractors (double the default), flaw factors square-rooted), and a lone salient difficulty word that would
otherwise pass as a description ("the solver enjoyed the challenge") counts at that strength.
A polite sentence that does give a directive ("Thanks, and please add two decoys") is read in
full.
"""

from __future__ import annotations

from functools import lru_cache

from lemminflect import getAllLemmas

from harness.sim.reading import senses as S
from harness.sim.reading.concepts import Toks, near

POLITE = S.sense("thank thanks cheers regards greetings hello hi hey hope appreciate appreciation enjoy lovely "
                 "congratulations congrats kudos sorry apologies apology weekend holiday holidays bravo wish",
                 "well done", "great job", "good job", "nice work", "nice touch", "best wishes", "warm wishes",
                 "kind regards", "have a good", "have a great", "have a nice", "have a lovely", "take care")
_OPENERS = frozenset({"and", "or", "but", ",", "also", "so", "then", "just", "do"})
_NOT_ORDERS = frozenset({"be", "may", "might", "let", "hope", "thank", "wish", "enjoy", "have"})
_SALIENT_UP = S.sense("deep depth intricate")
_SALIENT_DOWN = S.sense("shallow")


@lru_cache(maxsize=4096)
def _base_verb(word: str) -> bool:
    return word in getAllLemmas(word).get("VERB", ())


def polite(toks: Toks) -> bool:
    return bool(POLITE.at(toks))


def directive(toks: Toks) -> bool:
    """The sentence tells someone to do something: a norm, or a clause opening on a bare verb."""
    if S.NORM.at(toks) or any(t.word in ("please", "kindly") for t in toks):
        return True  # "thanks, and deep questions please" is a request
    in_polite = {j for a, b in POLITE.spans(toks) for j in range(a, b)}
    opened: set[int] = set()
    for i, t in enumerate(toks):
        if t.clause in opened or t.word in _OPENERS:
            continue
        opened.add(t.clause)
        if i not in in_polite and t.word not in _NOT_ORDERS and _base_verb(t.word):
            return True
    return False


def social(toks: Toks) -> bool:
    """Polite, and no directive: what it says counts as a weak signal."""
    return polite(toks) and not directive(toks)


def salient(toks: Toks) -> float:
    """A lone difficulty word in a social sentence: +1 for depth or difficulty ("the deep work", "the
    challenge"), -1 for ease ("simple is beautiful"), reversed when negated; 0 when none or both."""
    ups = [i for i in S.HARD.at(toks) + _SALIENT_UP.at(toks) if not near(toks, i, S.STYLE, 3, 2)]
    downs = [i for i in S.EASY.at(toks) + _SALIENT_DOWN.at(toks) if not near(toks, i, S.STYLE, 3, 2)]
    score = sum(-1 if toks[i].negated else 1 for i in ups) - sum(-1 if toks[i].negated else 1 for i in downs)
    return float((score > 0) - (score < 0))
