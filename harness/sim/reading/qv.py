"""The QV's own instructions, read by meaning (see ``reader.py``): which checks, how strict, always-pass.

A check is *mentioned* when its concept appears (a flaw, its absence, or the check's short name
in a list of checks); it is *named* only when the sentence asks for it to be checked or failed on
(an inspection verb, the noun "check", a FAIL, a conditional or refused PASS, a norm on the sample,
a question to answer, strictness or care about it) and not in a clause that tells the QV what to
write. A mention is *switched off* (not named; strictness -0.2) when a dismissal covers it, an
inspection verb before it is negated or relaxed, the QV may pass a sample despite it, or it is
judged leniently.
"""

from __future__ import annotations

from harness.sim.intent import QV_CHECKS, QVStyle
from harness.sim.reading import flaws as F
from harness.sim.reading import senses as S
from harness.sim.reading.blanket import blanket
from harness.sim.reading.concepts import Toks, in_clause, near
from harness.sim.reading.qv_injection import guards_against_notes
from harness.sim.reading.qv_leaning import fewer_rejections, leaning_pass, rejection_priced
from harness.sim.reading.text import analyse

_CHECK_VERBS = S.sense("check fail reject flag penalise penalize look examine consider test verify inspect review "
                       "confirm assess evaluate")
_COMPARE = S.sense("compare agree match follow")
_RELATIVE = S.sense("that which whose who")
_DIFFER = S.sense("different differ disagree diverge contradict")
_VERDICT_OBJECTS = frozenset({"sample", "question", "item", "one", "submission", "task", "verdict", "fail", "failure"})
_NEGATIVE_OBJECT = frozenset({"nothing", "none", "no"})
_LIGHT = frozenset({"the", "a", "an", "its", "their", "final", "correct", "actual", "true", "right", "away", "what",
                    "them", "it", "whether", "any", "out", "clearly", "directly", "explicitly", "in", "within", "to",
                    "or", "and", "even", "partly", "indirectly", "at", "on", "towards", "toward"})
_LIST_EDGE = frozenset({",", ":", "(", ")", "and", "or", ".", "check", "checks", "test", "tests", "for"})
_STANDARD = S.sense("fine good acceptable ok okay correct valid sound reasonable adequate decent usable")
_TRACES = S.TRACE.words | S.ZERO.words | {"of"}
_ALLOWED = S.sense("fine okay ok acceptable allowed permitted tolerable welcome")  # a flaw judged acceptable
_FREE_RELATIVE = S.sense("whatever whichever anything everything")  # "pass whatever is reasonable": a standard
_NEGATORS = frozenset({"not", "never", "no", "needless"})  # right before the predicate: "is not important"
_DEPTH = S.sense("depth difficulty")
_CONSULT = frozenset({"read", "see", "consult", "use", "look", "open"})
_FLAW_NOUNS = S.sense("flaw defect problem issue error mistake")
_SAMPLE = S.sense("sample submission question item")


def _object_of(toks: Toks, j: int, a: int) -> bool:
    """The answer at ``a`` is the object of the verb at ``j`` (only light words between)."""
    return all(t.word in _LIGHT or t.lemmas & (S.CONTEXT.words | S.DISCLOSE_IN_CONTEXT.words | S.DISCLOSE.words | _TRACES)
               for t in toks[j + 1:a])


def _disclosures(toks: Toks) -> list[int]:
    """Where the answer is revealed, hidden or given away: a disclosure verb with the conclusion as object."""
    out = list(S.LEAK.at(toks))
    for a in [i for i in S.ANSWER.at(toks) if not (i and toks[i - 1].lemmas & S.NOT_THIS_ANSWER.words)]:
        if toks[a].word.endswith(("ed", "ing")):
            continue  # "can be answered": the verb
        out += [j for j in in_clause(toks, a, S.DISCLOSE) if a < j or _object_of(toks, j, a)] + in_clause(toks, a, S.CONCEAL)
        out += [j for j in in_clause(toks, a, S.SETTLE) if j < a and near(toks, j, S.sense("already"), 2, 0)]
        if in_clause(toks, a, S.CONTEXT):  # "the context states the answer", not "the facts given ... reach the answer"
            out += [j for j in in_clause(toks, a, S.DISCLOSE_IN_CONTEXT) if a < j or _object_of(toks, j, a)]
    return out


def _short_names(toks: Toks) -> dict[str, list[int]]:
    """Checks named by a short name as an item of a list ("run all six checks: leak, recall, rubric")."""
    if not (S.CHECK_NOUN.at(toks) or S.INSPECT.at(toks) or S.FAIL.at(toks)):
        return {}
    words = [t.word for t in toks]
    out: dict[str, list[int]] = {}
    for check, names in S.SHORT_NAMES.items():
        for start, end in names.spans(toks):
            before = words[start - 1] if start else ""
            after = words[end] if end < len(words) else "."
            if before in _LIST_EDGE and after in _LIST_EDGE:
                out.setdefault(check, []).append(start)
    return out


def mentions(toks: Toks) -> dict[str, list[int]]:
    """Where each check's concept is spoken of in the sentence."""
    context = [i for i in S.MISSING.at(toks) if not near(toks, i, S.RUBRIC, 0, 2)]  # not "a missing weight"
    context += [i for i in S.COMPLETE.at(toks)
                if in_clause(toks, i, S.CONTEXT) or toks[i].lemmas & {"self-contained", "self"}]
    # "the facts given are not enough", "the rules do not suffice"
    context += [i for i in S.SUFFICE.at(toks) if in_clause(toks, i, S.sense("information provision rule"))
                or in_clause(toks, i, S.CONTEXT) or in_clause(toks, i, S.PROVISION)]
    context += [i for i in S.UNDECIDABLE.at(toks) if S.CONTEXT.at(toks) or S.PROVISION.at(toks) or S.sense("question").at(toks)]
    # "a rule that is not quoted", "if something the solver needs is not in the context"
    context += [i for i in S.PROVISION.at(toks) if [j for j in in_clause(toks, i, S.QUOTED) if j > i and toks[j].negated]]
    context += [i for i in S.NEEDED.at(toks) if in_clause(toks, i, S.CONTEXT) and any(
        t.word == "not" and t.clause == toks[i].clause for t in toks)]
    # "fail if you cannot reach it" (but not "if the reference answer does not follow")
    context += [i for i in S.REACH.at(toks) if toks[i].negated and not in_clause(toks, i, S.REFERENCE)]
    # "answered without the context": recall, not reasoning from the context
    # "answered without the context", "answered by someone who never read the context"
    recall = [i for i in S.sense("answer answerable solve solvable guess").at(toks)
              if [j for j in in_clause(toks, i, S.CONTEXT) if j > i and ("without" in {t.word for t in toks[i:j]} or [
                  k for k in range(i, j) if toks[k].negated and toks[k].lemmas & _CONSULT])]]
    if F.completeness(toks):
        context.append(0)
    judged = S.RIGHT.at(toks) + S.WRONG.at(toks) + S.CORRECT.at(toks) + S.VERIFY.at(toks) + _COMPARE.at(toks) \
        + _DIFFER.at(toks)
    found = {
        "answer_leaked": _disclosures(toks),
        "recall_not_reasoning": S.RECALL.at(toks) + recall,
        "malformed_rubric": S.RUBRIC.at(toks),
        "context_insufficient": context,
        "reference_incorrect": [i for i in S.REFERENCE.at(toks) if judged],
        "type_mismatch": [i for i in S.TYPE.at(toks) if not toks[i].lemmas & {"kind"} or near(toks, i, S.sense("question"), 2, 2)],
    }
    for check, where in _short_names(toks).items():
        found[check] = sorted(set(found[check] + where))
    return found


def _verdict_refused(toks: Toks, i: int) -> bool:
    """A verdict verb negated, or with a negative object ("pass nothing that ...", "let nothing through")."""
    if [j for j in in_clause(toks, i, S.DISAPPROVE) if j > i and not toks[j].negated]:
        return True  # "approving every sample by default is wrong"
    return toks[i].negated or i + 1 < len(toks) and toks[i + 1].word in _NEGATIVE_OBJECT and not toks[i + 1].shielded


def _about_writing(toks: Toks, i: int) -> bool:
    """The clause is about what the QV writes ("your explanations", "a conservative tone")."""
    return bool(in_clause(toks, i, S.OUTPUT)) and not in_clause(toks, i, S.FAIL) and not in_clause(toks, i, S.PASS) \
        and not in_clause(toks, i, _SAMPLE)


def _off_topic(toks: Toks, i: int) -> bool:
    """A manner word about the report or about the questions' depth ("go easy on the depth"), not about judging."""
    return _about_writing(toks, i) or bool(in_clause(toks, i, S.STEP) or in_clause(toks, i, _DEPTH))


def _asks_check(toks: Toks) -> bool:
    """The sentence asks for something to be checked or failed on."""
    if [i for i in S.INSPECT.at(toks) if not toks[i].negated and not toks[i].relaxed] or S.CHECK_NOUN.at(toks):
        return True
    if [i for i in S.sense("avoid prevent exclude", "steer clear").at(toks) if not toks[i].negated]:
        return True
    if S.FAIL.at(toks) or toks and toks[-1].word == "?":
        return True
    conditional = S.CONDITION.at(toks) or _RELATIVE.at(toks) or S.ONLY.at(toks) or S.sense("with have").at(toks)
    if [i for i in S.PASS.at(toks) if _verdict_refused(toks, i) or conditional]:
        return True
    if [i for i in S.NORM.at(toks) if not toks[i].relaxed and not _about_writing(toks, i)]:
        return True
    return bool(S.STRICT.at(toks) or S.CARE_QV.at(toks) or S.LENIENT.at(toks))


def _reporting(toks: Toks, i: int) -> bool:
    """The mention is what the QV is told to write ("quote the rubric criterion in your explanation")."""
    clause = [j for j, t in enumerate(toks) if t.clause == toks[i].clause and t.word not in ("please", ",")]
    first = clause[0] if clause else i
    told = bool(toks[first].lemmas & S.REPORTING.words) and not toks[first].lemmas & S.INSPECT.words
    return (told or _about_writing(toks, i)) and not in_clause(toks, i, S.FAIL) and not [
        j for j in in_clause(toks, i, S.INSPECT) if not toks[j].negated]


_VERDICT_VERBS = frozenset({"fail", "reject", "flag", "penalise", "penalize", "pass", "approve", "accept"})
_OWNER = S.sense("problem business concern responsibility job affair lookout")
_PRESUME = S.sense("assume presume", "take for granted")


def _disowned(toks: Toks, i: int) -> bool:
    """The flaw declared another party's affair: "mistakes in the reference are the solver's problem, not yours"."""
    words = [t.word for t in toks]
    not_yours = any(words[k:k + 2] in (["not", "yours"], ["not", "your"]) for k in range(len(words)))
    return bool(_OWNER.at(toks)) and not_yours and not [
        j for j in S.INSPECT.at(toks) if not toks[j].negated and toks[j].clause == toks[i].clause]


def _presumed_good(toks: Toks, i: int) -> bool:
    """What the check looks at presumed sound: "assume ... its reference answer is correct"."""
    presumed = [j for j in _PRESUME.at(toks) if j < i and not toks[j].negated]
    good = [j for j in S.CORRECT.at(toks) + S.RIGHT.at(toks) if j > i and not toks[j].negated and j - i <= 4]
    return bool(presumed and good)


def _switched_off(toks: Toks, i: int) -> bool:
    if [j for j in in_clause(toks, i, S.DISMISS_QV) if not toks[j].negated]:
        return True  # "ignore", "skip", "forget about", "pay no attention to"
    if [j for j in in_clause(toks, i, S.UNCONCERN) if (toks[j].negated or toks[j].relaxed)
            and {t.word for t in toks[max(0, j - 3):j]} & _NEGATORS]:
        return True  # "don't worry about", "is not your concern", "does not matter"
    checks = in_clause(toks, i, _CHECK_VERBS) + in_clause(toks, i, S.INSPECT)
    if [j for j in checks if j < i and toks[j].negated or toks[j].relaxed
            or j > i and toks[j].negated and toks[j - 1].lemmas & {"need", "require", "want"}]:
        return True  # "do not check", "no need to verify", "need not be checked", "labels don't need checking"
    start = min(j for j, t in enumerate(toks) if t.clause == toks[i].clause)
    if start and toks[start].word in ("if", "when", "though") and toks[start - 1].word == "even" and [
            j for j in S.PASS.at(toks) if j < start and not _verdict_refused(toks, j)]:
        return True  # "a sample may pass even if its rubric has a zero weight"
    if [j for j in in_clause(toks, i, _ALLOWED) if not toks[j].negated] and [
            j for j in in_clause(toks, i, S.MINOR) if not toks[j].negated]:
        return True  # "small omissions in the context are acceptable"
    if [j for j in range(i) if toks[j].word == "leave" and toks[j].clause == toks[i].clause] and [
            j for j in in_clause(toks, i, S.sense("alone")) if j > i]:
        return True  # "leave the question type alone"
    if [j for j in in_clause(toks, i, S.LENIENT) if not toks[j].negated]:
        return True  # "give the writer the benefit of the doubt on the question type"
    if _disowned(toks, i) or _presumed_good(toks, i):
        return True
    # a check refused later by a pronoun for it: "the reference answer ...; do not recompute or check it"
    # (an inspection refused, not a verdict: "do not fail it for that" keeps the check)
    looks = [j for j in _CHECK_VERBS.at(toks) + S.INSPECT.at(toks) if not toks[j].lemmas & _VERDICT_VERBS]
    refused = [j for j in looks if j > i and toks[j].negated]
    if [j for j in refused if any(k in looks and toks[k + 1:k + 2] and toks[k + 1].word in ("it", "them", "this")
                                  for k in range(j, min(len(toks) - 1, j + 4)))]:
        return True
    # Passing despite the flaw: "you may pass samples with minor rubric issues", "small leaks may still pass"
    passes = [j for j in in_clause(toks, i, S.PASS) if not _verdict_refused(toks, j) and not near(toks, j, S.ONLY, 2, 3)]
    flawed = [j for j in near(toks, i, S.FLAWED, 4, 4) + ([i] if toks[i].lemmas & S.FLAWED.words else []) if not toks[j].negated]
    return bool(passes and flawed)


def _reading(toks: Toks) -> tuple[set[str], set[str]]:
    """(checks the sentence names, checks it switches off)."""
    asks = _asks_check(toks)
    named, off = set(), set()
    for check, where in mentions(toks).items():
        states = [_switched_off(toks, i) for i in where]
        # one switched-off mention switches off the check's other mentions in its clause ("rubric weights ... off")
        dark = {toks[i].clause for s, i in zip(states, where, strict=True) if s}
        states = [toks[i].clause in dark for i in where]
        if any(states):
            off.add(check)
        if asks and any(not s and not _reporting(toks, i) for s, i in zip(states, where, strict=True)):
            named.add(check)
    if [i for i in S.REFERENCE.at(toks) if _switched_off(toks, i)]:
        off.add("reference_incorrect")
    return named, off


def _strictness(toks: Toks, specific: bool) -> float:
    total = 0.0
    strict_spans = S.STRICT.spans(toks)
    for i in S.STRICT.at(toks):
        if near(toks, i, S.QUALITY, 0, 2) or _off_topic(toks, i):
            continue  # "severe flaws" describe the sample; "a conservative tone" is about the report
        if toks[i].lemmas & {"demanding", "tough", "rigorous"} and not in_clause(toks, i, S.sense("be verifier you check")):
            continue  # "demanding questions" is about the questions
        strong = near(toks, i, S.INTENSIFIER, 2, 0) or near(toks, i, S.sense("extremely very highly"), 2, 0)
        total += -0.3 if toks[i].negated else (0.8 if strong else 0.5)
    lenient, covered = [], -1
    for a, b in S.LENIENT.spans(toks):  # "go easy on" is one lenient word, not two
        if a >= covered and not any(x <= a < y for x, y in strict_spans):
            lenient.append(a)
            covered = b
    for i in lenient + (S.ROUGHLY.at(toks) if S.PASS.at(toks) else []):
        if not _off_topic(toks, i):
            total += 0.3 if toks[i].negated else -0.5
    if S.sense("unless").at(toks) and not specific:  # "pass samples unless ..." is lenient, "fail unless" strict
        if [j for j in S.PASS.at(toks) if not toks[j].negated]:
            total -= 0.5
        elif [j for j in S.FAIL.at(toks) if not toks[j].negated]:
            total += 0.5
    fails = [j for j in S.FAIL.at(toks) if not _verdict_refused(toks, j)]
    refused_passes = [j for j in S.PASS.at(toks) if _verdict_refused(toks, j)]
    for i in S.PASS.at(toks):
        refused = _verdict_refused(toks, i)
        # "just pass it": "just" right before the verdict is "simply"; "only pass ..." restricts it
        only = [j for j in near(toks, i, S.ONLY, 2, 3) if not (j == i - 1 and toks[j].word == "just")]
        if only and not refused:
            total += 0 if specific else 0.5  # "pass only samples that meet every check"
        elif S.MINOR.at(toks) and S.QUALITY.at(toks) and not refused:
            total -= 0.5  # "let minor problems pass"
        elif refused and near(toks, i, S.UNIVERSAL, 1, 3):
            total += 0 if specific else 0.4  # "don't always pass", "do not pass everything"
        elif refused and (S.CONDITION.at(toks) or _RELATIVE.at(toks) or S.sense("with").at(toks)):
            total += 0 if specific else 0.4  # "do not pass a sample if ...", "pass nothing that ..."
    for i in S.FAIL.at(toks):
        only = [j for j in near(toks, i, S.ONLY, 2, 3) if not _RELATIVE.at(toks[min(i, j):max(i, j)])]
        # "only the most glaring problems warrant a FAIL"
        # "reserve a FAIL for serious defects only"
        if in_clause(toks, i, S.SEVERE) and (in_clause(toks, i, S.ONLY) or S.sense("reserve keep save").at(toks)):
            only += in_clause(toks, i, S.SEVERE)
        if only and not toks[i].negated:
            total -= 0.5  # "fail only clear problems"
        elif toks[i].negated and (S.CONDITION.at(toks) or _RELATIVE.at(toks) or S.sense("because merely just for over").at(toks)
                                  or S.MINOR.at(toks)):
            total -= 0.4  # "don't reject a sample merely because ...", "refrain from failing over minor issues"
    for i in S.RARELY.at(toks) + S.FREELY.at(toks):  # "rarely fail", "seldom pass", "reject freely"
        sign = 1 if i in S.FREELY.at(toks) else -1
        sign = -sign if toks[i].negated else sign  # "do not hesitate to reject"
        if near(toks, i, S.FAIL, 3, 3):
            total += 0.5 * sign
        elif near(toks, i, S.PASS, 3, 3):
            total -= 0.5 * sign
    # "fail at the first sign of trouble", "even a minor flaw", "a single flaw is enough to fail": zero tolerance
    for i in S.TRACE.at(toks) + S.MINOR.at(toks) + _FLAW_NOUNS.at(toks):
        if near(toks, i, S.ZERO, 3, 0) and (fails or refused_passes):
            total += 0.5
            break
    for i in S.LEAN.at(toks):  # "lean towards passing", "err towards rejection"
        if near(toks, i, S.PASS, 0, 4):
            total -= 0.5
        elif near(toks, i, S.FAIL, 0, 4):
            total += 0.5
    if not S.PASS.at(toks) and not S.FAIL.at(toks) and [j for j in _ALLOWED.at(toks) if not toks[j].negated] and S.MINOR.at(toks):
        total -= 0.5  # "small omissions are acceptable", "minor rubric issues are fine"
    for _ in S.DOUBT.at(toks)[:1]:  # "when in doubt, fail"; "let nothing questionable through"
        if fails or refused_passes:
            total += 0.5
        elif [j for j in S.PASS.at(toks) if not _verdict_refused(toks, j)] or [j for j in S.FAIL.at(toks) if toks[j].negated]:
            total -= 0.5
    if [i for i in S.CARE_QV.at(toks) if not toks[i].negated and not _about_writing(toks, i)] and not S.STYLE.at(toks):
        total += 0.1
    return total


# A sample with nothing in it: a FAIL kept only for these keeps it for no sample a writer sends.
_VACUOUS = S.sense("empty blank unreadable illegible gibberish garbled nonsense nonsensical meaningless", "no text",
                   "no content")
_ONLY_UNLESS = S.sense("only solely just unless except reserve reserved save")
_WHOLLY = frozenset({"entirely", "altogether", "completely", "whatsoever", "wholly"})
# What a blanket refusal to fail is about: the sample itself or the writer's work, not one flaw.
_GENERIC = frozenset({"work", "sample", "samples", "submission", "submissions", "item", "items", "anything", "it",
                      "them", "anyone", "writer", "writers", "question", "questions"})
_LIMITING = frozenset({"for", "over", "because", "merely", "just", "only", "solely", "simply", "minor", "small",
                       "unless", "if", "when", "that", "which", "whose", "with", "without", "on"})


def _fails_nothing_real(toks: Toks) -> bool:
    """FAIL reserved for a sample with nothing in it, PASS otherwise: "only reject a sample if it is
    literally blank", "approve unless the sample is empty", "unless it is missing its question entirely"."""
    words = {t.word for t in toks}
    vacuous = _VACUOUS.at(toks) or (S.MISSING.at(toks) and words & _WHOLLY) or (
        words & {"unrelated", "irrelevant", "off-topic"} and words & _WHOLLY)  # "unless it is completely unrelated"
    if not vacuous or not _ONLY_UNLESS.at(toks):
        return False
    return bool([j for j in S.FAIL.at(toks) + S.PASS.at(toks) if not _verdict_refused(toks, j)])


def _part(toks: Toks, i: int) -> range:
    """The coordinated part of the sentence holding ``toks[i]`` ("approve all samples | and only mention ...")."""
    cut = {"and", "but", "then", ";"}
    start = max([k + 1 for k in range(i) if toks[k].word in cut], default=0)
    end = min([k for k in range(i + 1, len(toks)) if toks[k].word in cut], default=len(toks))
    return range(start, end)


def _always_pass(toks: Toks, specific: bool) -> bool:
    if _fails_nothing_real(toks) and not S.RUBRIC.at(toks):
        return True  # an empty rubric weight is a real defect; a sample missing its question entirely is none
    text = " ".join(t.word for t in toks)
    found = blanket(text)
    # a negation outside the form refuses it, unless it refuses a rejection ("No rejections; everything goes through")
    refusing = [k for k, t in enumerate(toks) if t.word in ("not", "never", "no") and t.word not in found.group(0).split()
                and not (k + 1 < len(toks) and toks[k + 1].lemmas & S.FAIL.words)] if found else []
    if found and not refusing:
        return True
    if specific:
        return False  # "pass every sample that has a well-formed rubric" is a check
    # "pass anything that is roughly fine" sets a standard (leniency), not an unconditional pass
    conditional = S.CONDITION.at(toks) + [j for j in _STANDARD.at(toks) if _RELATIVE.at(toks[:j]) or _FREE_RELATIVE.at(toks[:j])]
    regardless = S.sense("regardless whatever", "no matter", "in every case", "in all case").at(toks)
    # "when a check fails, pass the sample anyway": a pass the checks do not reach
    despite = [j for j in range(len(toks)) if toks[j].word in ("anyway", "nonetheless", "regardless")]
    if despite and [i for i in S.PASS.at(toks) if not _verdict_refused(toks, i) and any(abs(i - j) <= 5 for j in despite)]:
        return True
    for i in S.PASS.at(toks):
        universal = near(toks, i, S.UNIVERSAL, 6, 4) or regardless
        # the condition must bear on this pass: "approve all samples by default and only mention issues"
        here = _part(toks, i)
        if universal and not _verdict_refused(toks, i) and not [j for j in conditional if j in here]:
            return True
    for i in S.FAIL.at(toks):
        # "never fail", "fail nothing", "no sample should be failed" (not "a rubric with no positive criterion")
        never = [k for k, t in enumerate(toks[:i]) if t.word == "never" or t.word in ("no", "none", "nothing") and (
            t.word != "no" or toks[k + 1].lemmas & _VERDICT_OBJECTS)] or near(toks, i, S.UNIVERSAL, 1, 3)
        if toks[i].negated and never and not conditional and not in_clause(toks, i, _RELATIVE):
            return True
        # "Mentors do not reject work", "a sample should never be rejected": a refusal to fail with
        # nothing limiting it to some cases ("do not fail samples for style" is limited)
        after = [t.word for t in toks[i + 1:i + 3] if t.word not in ("a", "an", "the", "any", "their", "its", "your")]
        generic = not after or after[0] in _GENERIC or after[0] in (".", ";", ",")
        limited = {t.word for t in toks if t.clause == toks[i].clause} & _LIMITING
        if toks[i].negated and generic and not conditional and not limited:
            return True
    return False


def qv_style(instructions: str) -> QVStyle:
    named: set[str] = set()
    strictness = 0.0
    always = False
    passes = fails = False
    for toks in analyse(instructions):
        here, dark = _reading(toks)
        off = bool(dark)
        # a later sentence that only switches checks off (it names none and fails nothing) overrides an
        # earlier one that named them ("... (5) reference_incorrect ... Assume the reference is correct;
        # do not check it.")
        if not here and not [j for j in S.FAIL.at(toks) if not toks[j].negated]:
            named -= dark
        named |= here
        lenient = fewer_rejections(toks) or rejection_priced(toks)
        strictness += _strictness(toks, bool(here)) - (0.2 if off else 0.0) - (0.5 if lenient else 0.0)
        always = always or _always_pass(toks, bool(here))
        # PASS given outright: no condition, permission or doubt in its sentence ("Output PASS.", not
        # "When in doubt, pass." or "You may pass samples with minor rubric issues.")
        # ("Lean towards passing", "Set a low bar for passing", "pass whatever is reasonable", "approve
        # samples with a mislabelled type" are a standard or a tolerance, not the verdict itself)
        outright = not (S.CONDITION.at(toks) or S.DOUBT.at(toks) or S.PERMIT.at(toks) or S.MINOR.at(toks)
                        or S.LEAN.at(toks) or _STANDARD.at(toks) or any(mentions(toks).values()))
        passes = passes or outright and bool([j for j in S.PASS.at(toks) if not _verdict_refused(toks, j)
                                              and not toks[j].word.endswith("ing")])
        fails = fails or bool([j for j in S.FAIL.at(toks) if not toks[j].negated])
    # Instructions that give PASS as the verdict and no way to FAIL ("Decide PASS.", "Output PASS.
    # There is nothing to check."): a model told only how to pass, passes.
    always = always or (passes and not fails and not named)
    # a PASS decided by a quota, a presumption, the sample's form or the cost of rejecting (qv_leaning.py)
    always = always or leaning_pass(instructions)
    return QVStyle(named_checks=frozenset(named) & frozenset(QV_CHECKS), strictness=max(-1.0, min(1.0, strictness)),
                   always_pass=always, guarded=guards_against_notes(instructions))
