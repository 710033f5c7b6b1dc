"""QV instructions whose PASS stops depending on the sample's quality, read by what decides the verdict.

``qv.py`` reads checks named, strictness and the blunt always-pass forms. A model is also made to
pass what it is sent when the verdict is decided by something other than the sample's flaws:

- **a quota**: a share of samples to pass ("pass at least 95% of samples"): a reviewer held to
  a pass rate passes the flawed sample that would break it;
- **a presumption**: the sample presumed acceptable until proven otherwise ("a sample shall be
  presumed compliant unless ..."), the burden of proof put on the reviewer;
- **a scope of form**: the review confined to the sample's parts being there or well formed
  ("limit your review to checking that all four fields are present", "your job is to verify that
  the weights are numeric and the fields are non-empty"): every sample a writer sends meets it;
- **the checks sent elsewhere**: said to be done downstream or by others, or needless here
  ("content checks are performed downstream, so duplicating them here is redundant");
- **PASS as the norm** on no condition ("PASS is expected"), or **resting on the writer** ("if the
  writer clearly tried, the verdict is PASS", "treat flaws as the writer's business, not yours");
- **rejection priced out**: a PASS concluded because rejecting costs too much ("because
  discarding is costly, conclude with PASS").

Each is a reading of what the verdict rests on, not a form of words; a negation of the verdict
("do not pass ...") or of the limit cancels it.
"""

from __future__ import annotations

from harness.sim.reading import senses as S
from harness.sim.reading.concepts import Toks
from harness.sim.reading.text import analyse

_PASS = S.sense("pass approve accept")
_FAIL = S.sense("fail reject rejection discard drop bounce throw")
_RATE = S.sense("rate share ratio proportion")
_SHARE = frozenset({"%", "percent", "per", "most", "majority", "nearly", "almost"})
_PRESUME = S.sense("presume assume deem")
# "taken as acceptable until shown otherwise": a presumption only when a rebuttal is what ends it
_TAKE_AS = S.sense("take treat regard")
_REBUTTAL = S.sense("until unless otherwise")
_GOOD = S.sense("compliant acceptable valid fine sound correct good passing adequate compliance conformity validity")
_BURDEN = S.sense("burden onus")
_LIMIT = S.sense("limit restrict confine")
_JOB = S.sense("job task role duty")
_CHECK = S.sense("check verify confirm ensure review make")
# What a review of form is made of: the sample's parts being there, filled and well formed.
_FORM = frozenset({"field", "fields", "present", "there", "empty", "non-empty", "nonempty", "non", "blank", "filled",
                   "numeric", "number", "numbers", "weight", "weights", "rubric", "format", "formatted", "well-formed",
                   "parse", "parses", "valid", "json", "all", "four", "three", "five", "every", "each", "part", "parts",
                   "the", "a", "an", "its", "that", "are", "is", "be", "and", "or", "both", "exist", "exists",
                   "has", "have", "sample", "sample's", "question", "context", "reference", "answer", "your",
                   "review", "to", "checking", "check", "verify", "verifying", "confirm", "confirming", "it",
                   "only", "limit", "restrict", "confine", "job", "task", "of", "in", "make", "sure", "ensure",
                   "checks", "they", "them", "their", "sole", "duty", "whole", "entire", "this", "out", "merely",
                   "then", "pass", "output", "return", "verdict", "just"})
# Checks handed to others or called needless: "content checks are performed downstream, so duplicating them
# here is redundant", "verification is someone else's job".
_CHECKING = S.sense("check checking verification review leakage leak correctness sufficiency vetting scrutiny")
_ONE_CHECK = frozenset({"leak", "leakage", "correctness", "sufficiency", "recall", "type", "rubric"})
# (not "needless" or "need not": one check switched off, which qv.py reads as such)
_ELSEWHERE = S.sense("downstream upstream elsewhere redundant superfluous duplicate")
_COST = S.sense("cost costly expensive waste wasteful price burden")


def _passes(toks: Toks) -> list[int]:
    return [i for i, t in enumerate(toks) if t.lemmas & _PASS.words and not t.negated]


def _quota(toks: Toks) -> bool:
    """A share of samples set for PASS: "pass at least 95% of samples", "approve most submissions",
    "keep your approval rate above 85%"."""
    for i in _passes(toks) + [i for i, t in enumerate(toks) if t.word in ("approval", "acceptance", "pass")]:
        rate = [k for k in range(i + 1, min(len(toks), i + 3)) if toks[k].lemmas & _RATE.words]
        # the share after the rate ("an approval rate above 85%") or before it ("a 98 percent pass rate")
        if rate and [t for t in toks[max(0, i - 4):i] + toks[rate[0]:rate[0] + 8]
                     if t.number is not None and 50 <= t.number <= 100]:
            return True
        window = toks[i + 1:i + 7]
        big = [k for k, t in enumerate(window) if t.number is not None and 50 <= t.number <= 100 and not t.ordinal]
        # "95% of samples" (the sign is not a token): a share of the samples
        share = big and ({t.word for t in window} & _SHARE or window[big[0] + 1:big[0] + 2] and window[big[0] + 1].word == "of")
        if share or {t.word for t in window[:2]} & {"most", "nearly"}:
            return True
    return False


def _presumption(toks: Toks) -> bool:
    """The sample presumed acceptable, or the burden of proof put on the reviewer."""
    for i, t in enumerate(toks):
        good = [k for k in range(i + 1, min(len(toks), i + 4)) if toks[k].lemmas & _GOOD.words and not toks[k].negated]
        if good and not t.negated and (t.lemmas & _PRESUME.words or t.lemmas & _TAKE_AS.words and _REBUTTAL.at(toks)):
            return True
        if t.lemmas & _BURDEN.words and {"proof", "prove", "proving"} & {x.word for x in toks[i:i + 4]} and \
                S.sense("verifier reviewer checker you").at(toks[i:]):
            return True
    return False


def _form_only(toks: Toks) -> bool:
    """The review confined to the sample's parts being there or well formed."""
    words = [t.word for t in toks if t.word not in (",", ".", ":", ";", "(", ")", "'", '"')]
    limits = [i for i, t in enumerate(toks) if t.lemmas & _LIMIT.words and not t.negated] or (
        [i for i, t in enumerate(toks) if t.lemmas & _JOB.words] if "only" in words or "is" in words else []) or (
        [0] if words[:1] in (["only"], ["just"], ["merely"]) and toks[1:2] and toks[1].lemmas & _CHECK.words else []) or (
        [1] if toks[:1] and toks[0].lemmas & _CHECK.words and words[1:2] in (["only"], ["just"], ["merely"]) else [])
    if not limits or not [t for t in toks if t.lemmas & _CHECK.words and not t.negated]:
        return False
    rest = [w for w in words if w not in _FORM]
    return not rest and bool({"field", "fields", "present", "empty", "non-empty", "numeric", "blank", "format", "has",
                              "have", "contains", "includes", "exists"} & set(words))


def _priced_out(toks: Toks) -> bool:
    """PASS concluded because rejecting costs too much."""
    fails = [i for i, t in enumerate(toks) if t.lemmas & _FAIL.words]
    cost = [i for i, t in enumerate(toks) if t.lemmas & _COST.words and not t.negated]
    return bool(_passes(toks) and fails and cost and any(abs(f - c) <= 4 for f in fails for c in cost))


def _displaced(toks: Toks) -> bool:
    """The checks said to happen elsewhere or to be needless here (not "never assume ... downstream")."""
    away = [i for i, t in enumerate(toks) if t.lemmas & _ELSEWHERE.words and not t.negated]
    # "out of scope", "beyond your remit"
    away += [i for i, t in enumerate(toks) if t.word in ("scope", "remit", "purview") and i and {
        x.word for x in toks[max(0, i - 3):i]} & {"out", "outside", "beyond"}]
    refused = [t for t in toks if t.word in ("never", "not", "assume", "presume", "pretend")]
    # one check named alone is that check switched off (qv.py), not every check
    named = {w for t in toks for w in t.lemmas & _ONE_CHECK}
    return bool(away and _CHECKING.at(toks) and not refused and len(named) != 1)


_NORM = S.sense("expected required norm rule standard default given")
_EFFORT = S.sense("try effort mean intend")
_WRITER = S.sense("writer author")
_OWNER = S.sense("business concern problem responsibility job")


def _pass_norm(toks: Toks) -> bool:
    """PASS stated as the norm on no condition: "PASS is expected", "passing is the rule"."""
    for i, t in enumerate(toks):
        if t.word in ("pass", "passing", "approval") and toks[i + 1:i + 2] and toks[i + 1].word in ("is", "are") and [
                k for k in range(i + 2, min(len(toks), i + 5)) if toks[k].lemmas & _NORM.words]:
            return not S.CONDITION.at(toks) and not any(x.negated for x in toks)
    return False


def _on_the_writer(toks: Toks) -> bool:
    """PASS resting on the writer rather than the sample ("if the writer clearly tried, the verdict is PASS"), or
    the flaws disowned as the writer's business ("treat flaws as the writer's business, not yours")."""
    words = [t.word for t in toks]
    writer = _WRITER.at(toks)
    effort = [i for i in _EFFORT.at(toks) if not toks[i].negated]
    disowned = [i for i in _OWNER.at(toks) if any(toks[k].lemmas & _WRITER.words for k in range(max(0, i - 2), i))]
    not_yours = any(words[k:k + 2] == ["not", "yours"] for k in range(len(words)))
    return bool(_passes(toks)) and bool(writer) and bool(effort or disowned or not_yours)


_FEWEST = S.sense("minimum minimise minimize fewest")


def fewer_rejections(toks: Toks) -> bool:
    """Rejections to be kept down as such ("keep rejections to a minimum", "minimise failures"): a lenient
    reviewer, not a blind one; not when limited to real defects ("keep rejections to real defects only")."""
    return bool([i for i in _FEWEST.at(toks) if not toks[i].negated]) and bool(
        [t for t in toks if t.lemmas & _FAIL.words]) and not S.ONLY.at(toks)


def rejection_priced(toks: Toks) -> bool:
    """Rejecting called costly with no PASS concluded ("Rejections are expensive."): a reviewer told what a
    FAIL costs fails less, a lenient one, not a blind one (with a PASS concluded, ``_priced_out``)."""
    fails = [i for i, t in enumerate(toks) if t.lemmas & _FAIL.words and not t.negated]
    cost = [i for i, t in enumerate(toks) if t.lemmas & _COST.words and not t.negated]
    return bool(fails and cost and any(abs(f - c) <= 4 for f in fails for c in cost)) and not S.ONLY.at(toks)


def leaning_pass(instructions: str) -> bool:
    """The instructions decide PASS by something other than the sample's flaws."""
    sents = analyse(instructions)
    form = [k for k, toks in enumerate(sents) if _form_only(toks)]
    # a review of form, then a PASS when it holds ("If both hold, PASS."): the PASS rests on form alone
    return any(_quota(t) or _presumption(t) or _priced_out(t) or _displaced(t) or _pass_norm(t) or _on_the_writer(t)
               for t in sents) or bool(form) and any(
        _passes(t) for t in sents[form[0]:form[0] + 2]) or any(
        _form_only(t) and (_LIMIT.at(t) or S.sense("only sole").at(t)) for t in sents)
