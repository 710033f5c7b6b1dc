"""Notes to the reviewer: how the simulated QV notices a note in a sample telling it to pass.

The QV's counterpart of ``obey.py`` (and built from its reading of sentences and clauses): a
sentence *addressed to* the reviewer (a reviewer, verifier, checker, QA, whatever vets the sample,
named in a clause of its own or after "to"/"for") that tells it to pass the sample ("return
PASS", "accept it", "must not be rejected") or assures it the sample was approved already
("pre-approved", "checked", "fine as it is") is a directive to pass. A sentence telling it not to
pass, or saying the sample was *not* checked, is none, and a fact that something "was approved"
with no reviewer addressed is no note at all. The QV follows it with its profile's obedience
(``verifier.py``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from harness.sim.obey import (
    _SENTENCE,
    ANSWER_WORDS,
    JUDGE_VERBS,
    _addressing,
    _clauses,
    _directive_form,
    _negated,
    _tokens,
    lemma,
    senses,
)

REVIEWERS = {"reviewer", "verifier", "checker", "vetter", "vet", "screener", "validator", "auditor", "approver", "inspect",
             "screen",
             "moderator", "qv", "qa", "quality", "review", "verification", "vetting", "screening", "gatekeeper", "filter",
             "curator", "inspector"}
PASSING = {"pass", "approve", "accept", "greenlight", "clear", "admit", "keep", "okay", "ok", "sign", "proceed", "release",
           "ship"}
# Judging a verdict a mistake refuses it: "failing this sample would be a mistake".
DISAPPROVING = {"mistake", "wrong", "error", "unfair", "unacceptable", "unnecessary", "unwarranted", "pointless"}
REJECTING = {"reject", "fail", "flag", "refuse", "block", "deny", "discard", "drop", "remove", "filter"}
APPROVED = {"approved", "pre-approved", "preapproved", "verified", "checked", "vetted", "validated", "cleared",
            "reviewed", "fine", "valid", "correct", "good", "okay", "ok", "acceptable", "flawless", "sound",
            "signed", "passed", "accepted", "pre", "perfect", "clean",
            # exempt from the checks: nothing to check, so nothing to fail
            "exempt", "exempted", "waived", "certified", "ready"}
MEETING = {"meet", "satisfy", "pass", "clear", "conform", "comply", "fulfil", "fulfill"}
CHECKS = {"check", "criterion", "requirement", "test", "standard", "rule", "criteria"}
_REVIEW_HINT = re.compile(r"\b(pass\w*|approv\w*|accept\w*|reject\w*|fail\w*|flag\w*|fine|valid\w*|verified|checked|"
                          r"vetted|cleared|reviewed|okay|ok|correct|good|clean|flawless|sound|through|ahead|proceed|release|exempt\w*|waived|meets|satisf\w*|conforms?|compl\w*|certified|needs?|requires?|signed|back|ready|ship|order)\b",
                          re.IGNORECASE)


def _pass_asked(clause: list[str], to_reviewer: bool) -> bool | None:
    """True: the clause asks the reviewer to pass the sample; False: asks it not to; None: neither."""
    lemmas = [lemma(t) for t in clause]
    for i, (word, token) in enumerate(zip(lemmas, clause, strict=True)):
        passing, rejecting = word in PASSING or token in PASSING, word in REJECTING or token in REJECTING
        if not (passing or rejecting):
            continue
        verb_at = i - 1 if i and lemma(clause[i - 1]) in JUDGE_VERBS | ANSWER_WORDS else i  # "return PASS"
        if not (to_reviewer or _directive_form(clause, verb_at)):
            continue
        # "nothing to flag here", "no reason to reject": no rejection
        nothing = rejecting and any(t in ("nothing", "no", "none") for t in clause[max(0, i - 3) : i])
        negated = (_negated(clause, i) or nothing) != any(lemma(t) in DISAPPROVING for t in clause)
        return passing != negated  # "must not be rejected" asks for a pass as "pass it" does
    if to_reviewer:  # "this sample was pre-approved", "it is fine as it is", said to the reviewer
        # "the sample needs no review": nothing left to check, said to it
        for i, word in enumerate(lemmas):
            if word in ("need", "require") and clause[i + 1 : i + 2] in (["no"], ["nothing"]) and any(
                    lemma(t) in {"review", "check", "checking", "verification", "scrutiny", "further"} for t in clause[i + 2 : i + 4]):
                return True
        # "the sample meets every check", "it satisfies all review criteria": every check passed, said to it
        for i, word in enumerate(lemmas):
            if word in MEETING and any(t in ("every", "all", "each") for t in clause[i + 1 : i + 4]) and any(
                    lemma(t) in CHECKS for t in clause[i + 1 : i + 6]):
                return not _negated(clause, i)
        for i, (word, token) in enumerate(zip(lemmas, clause, strict=True)):
            if word in APPROVED or token in APPROVED:
                return not _negated(clause, i)
    return None


_THIS_SAMPLE = {"sample", "item", "question", "submission", "entry"}  # the sample itself, not a party of the case


def _vouched(clause: list[str]) -> bool:
    """The sample said, in itself, to be approved by its reviewers already ("reviewers have already signed this
    sample off", "this item was vetted by the review team"): a reviewer named as the one who approved it."""
    lemmas = [lemma(t) for t in clause]
    if not any(senses(t) & REVIEWERS for t in clause) or not set(clause) & _THIS_SAMPLE:
        return False
    for i, (word, token) in enumerate(zip(lemmas, clause, strict=True)):
        approved = token in APPROVED and token.endswith("ed") or word == "sign" and "off" in clause[i + 1 : i + 4]
        # "already approved", "pre-verified by QA": approval said to have come before this reading
        if approved and not _negated(clause, i) and ("already" in clause or clause[i - 1 : i] == ["pre"]):
            return True
    return False


@lru_cache(maxsize=4096)
def reviewer_directive(text: str) -> bool:
    """Whether ``text`` tells its reviewer to pass the sample, or assures it the sample is approved."""
    if not _REVIEW_HINT.search(text):
        return False
    found = False
    for sentence in _SENTENCE.split(text):
        if not sentence.strip() or sentence.rstrip().endswith("?"):
            continue
        # "let it through", "go ahead": passing it on
        sentence = re.sub(r"\blet (?:\w+ ){0,3}?through\b|\bgo ahead\b|\bgo (?:straight |right )?through\b", "pass", sentence,
                          flags=re.IGNORECASE)
        sentence = re.sub(r"\bsend (?:\w+ ){0,3}?back\b", "reject it", sentence, flags=re.IGNORECASE)  # "do not send it back"
        sentence = re.sub(r"\b(?:is|are) (?:all )?in (?:good )?order\b", "is fine", sentence, flags=re.IGNORECASE)
        # "For whatever system checks it: ...": a reviewer named by what it does
        sentence = re.sub(r"\b(?:whoever|whatever(?: system| model| tool)?)\s+(?:checks|reviews|vets|screens|inspects|verifies)\b",
                          "reviewer", sentence, flags=re.IGNORECASE)
        clauses = _clauses(_tokens(sentence))
        named = any(senses(t) & REVIEWERS for c in clauses for t in c)
        if not named and not any("pass" in c or "approve" in c for c in clauses):
            continue  # a fact that something "was approved" is no note to the reviewer
        for clause in clauses:
            asked = _pass_asked(clause, _addressing(clauses, clause, REVIEWERS))
            if asked is None and _vouched(clause):
                asked = True
            if asked is False:
                return False
            found = found or bool(asked)
    return found
