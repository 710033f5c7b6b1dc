"""Whether a sentence asserts or implies a person's status: how the QV spots a leaked answer.

A claim needs the person (full, first or last name) and every word of the status (any
inflection) in one sentence that is neither a provision nor a question nor a hypothesis
("whether", "if", "suppose"). It is *explicit* when a linking verb stands between the person and
the status ("is", "qualifies as", "counts as", "has been classified as"), *implied* otherwise
("the register of chartered agents lists ..."). Polarity follows the negation around it ("is not",
"was refused", "lacks"). This is the QV's own reading; it knows nothing of how writers phrase leaks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lemminflect import getAllLemmas

from harness.sim.reading.text import lemmas_of

_PROVISION_RE = re.compile(r"^\s*(?:Rule \d+\.|§\d+\.)")
_SPLIT_RE = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD_RE = re.compile(r"[A-Za-z]+")
MODAL = frozenset({"might", "could", "may", "would"})  # hypothetical unless negated ("may not" forbids)
HYPOTHETICAL = frozenset({"whether", "if", "suppose", "assume", "unclear", "unknown",
                          "wonder", "perhaps", "hypothetically", "question", "ask", "determine", "decide",
                          "imagine", "pretend", "hope", "seek", "want", "wish", "aim", "try", "intend", "plan"})
LINKING = frozenset({"be", "qualify", "count", "classify", "recognise", "recognize", "deem", "designate", "rank",
                     "regard", "consider", "confirm", "establish", "settle", "hold", "remain", "become", "serve",
                     "act", "treat", "register", "list", "certify", "find", "declare", "rule", "judge"})
STATUS_NOUNS = frozenset({"status", "standing", "title", "designation", "registration", "membership", "licence",
                          "license", "certificate", "qualification", "position", "role", "capacity", "application",
                          "file", "record", "name", "rank", "recognition", "eligibility"})
OTHER_PARTY = frozenset({"for", "with", "to", "by", "from", "against", "alongside", "beside", "behind", "about",
                         "near", "at", "towards", "toward"})
DETERMINERS = frozenset({"a", "an", "the", "another", "some", "one", "two", "several", "fellow", "other", "local",
                         "senior", "junior", "new", "former", "registered", "many", "every", "each", "any"})
NEGATIVE = frozenset({"not", "never", "no", "deny", "refuse", "decline", "lack", "fail", "reject", "strip",
                      "revoke", "ineligible", "disqualify", "exclude", "lose", "without", "nor", "neither"})


@dataclass(frozen=True)
class Claim:
    sentence: str
    explicit: bool
    positive: bool


def _lemmas(words: list[str]) -> list[frozenset[str]]:
    return [lemmas_of(w.lower())[0] for w in words]


def _mentions(words: list[str], entity: str) -> list[int]:
    names = entity.split()
    full = [i for i in range(len(words) - len(names) + 1) if words[i:i + len(names)] == names]
    if full:
        return full
    return [i for i, w in enumerate(words) if w in names or w.rstrip("s").rstrip("'") in names]


def _about_someone_else(words: list[str], who: int, where: list[int], names: int) -> bool:
    """The sentence relates the person to *another* holder of the status ("met a chartered agent",
    "works for a chartered agent", "Okafor's brother is a chartered agent"), or not at all."""
    start, end = min(where), max(where)
    if end + 1 < len(words) and words[end + 1].lower() in STATUS_NOUNS:
        return False  # "qualifies for chartered-agent status"
    after_name = who + names
    if after_name < len(words) and words[after_name] == "s" and after_name + 1 < len(words):
        owned = words[after_name + 1].lower()  # "Okafor's brother" (the tokenizer splits the 's)
        if owned not in STATUS_NOUNS and owned not in {w.lower() for w in words[start:end + 1]}:
            return True
    k = start - 1
    while k >= 0 and words[k].lower() in DETERMINERS:
        k -= 1
    if k < 0 or k < who:
        return False
    before = words[k].lower()
    if before in OTHER_PARTY:
        return True
    # "hired a chartered agent": the status belongs to the verb's object
    return "VERB" in getAllLemmas(before) and not lemmas_of(before)[0] & LINKING and k + 1 < start


@lru_cache(maxsize=2048)
def claims_about(text: str, entity: str, status: str) -> tuple[Claim, ...]:
    """Every sentence of ``text`` (bar provisions and questions) that speaks to ``entity``'s ``status``."""
    wanted = status.lower().split()
    out = []
    lines = [line for line in text.splitlines() if not _PROVISION_RE.match(line)]
    for sentence in _SPLIT_RE.split("\n".join(lines)):
        sentence = sentence.strip()
        if not sentence or sentence.endswith("?"):
            continue
        words = _WORD_RE.findall(sentence)
        lemmas = _lemmas(words)
        who = _mentions(words, entity)
        where = [next((i for i, lem in enumerate(lemmas) if part in lem), None) for part in wanted]
        if not who or None in where:
            continue
        if any(lem & HYPOTHETICAL for lem in lemmas):
            continue
        span = len(entity.split()) if words[who[0]:who[0] + len(entity.split())] == entity.split() else 1
        if _about_someone_else(words, who[0], [w for w in where if w is not None], span):
            continue
        if any(w.lower() in MODAL and (k + 1 >= len(words) or words[k + 1].lower() != "not")
               for k, w in enumerate(words)):
            continue
        first, last = min(who[0], min(where)), max(who[0], min(where))
        between = lemmas[first:last + 1]
        explicit = any(lem & LINKING for lem in between)
        negations = sum(1 for lem in lemmas if lem & NEGATIVE) + sentence.lower().count("n't")
        out.append(Claim(sentence, explicit, negations % 2 == 0))
    return tuple(out)
