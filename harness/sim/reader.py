"""How the simulated writer roles read their instructions (challenger, orchestrator, QV): by meaning.

Text is split into sentences, clauses and tokens; every token is lemmatised with ``lemminflect``
(any part of speech: "hops", "deeper", "revealing" -> *hop*, *deep* comparative, *reveal*), and
numbers in digits or words are read ("five", "5", "a dozen"). A concept is a composition of
lemma-level senses (``reading/senses.py``): a count with a step noun, a comparative or
intensifier with a length or difficulty word, a disclosure verb with the answer as its object.
Negation (``not``, ``never``, ``n't``, ``no``, ``without``, ``avoid``, ``rather than``, ``instead
of``, ``-free``) reverses or cancels what its clause says; it never triggers a concept. A third
party as subject ("so the grader can check") is not an instruction to the writer. Unknown text has
no effect; vague carefulness has a small one. Guidance is read after the instructions and
overrides them (a later bound replaces an earlier one; relative changes add up).

The challenger's concepts and what each does to its ``Intent`` (defaults in ``intent.py``):

- **Number of steps**, a count with a step noun (step, hop, inference, deduction, stage, link,
  level, layer, depth, rule application): "at least N" / "N or more" / "a minimum of N" sets
  ``depth_min = N`` and target ``depth >= N + 0.3``; "more than N" the same with N + 1; "at most
  N" / "up to N" / "no more than N" sets ``depth_max = N`` and ``depth <= N - 0.3`` ("fewer than
  N": N - 1); "exactly N" / "an N-step question" / "depth: N" sets ``depth = N``; "N to M" sets
  both bounds; "chain four rules" counts rules as steps. Negation flips a bound ("do not exceed
  four" = at most four); "not in a single step" is more than one; any other negated exact count
  says nothing. A count judged too easy ("one-step questions are too easy") becomes a floor above it.
- **More or fewer steps**, a quantity word or comparative with a step or chain noun ("more
  steps", "longer chains", "multi-hop", "deeper reasoning", "several inferences"): depth +1; with
  an intensifier ("many more", "far longer", "as many as possible") +2; hedged ("slightly
  longer") +0.5; "fewer steps", "shorter chains", "shallower" -1; "too many steps" asks for fewer.
  Negated: a comparative cancels ("no need for more steps"), a plain word reverses at half
  ("avoid long chains" -0.5). A condition or description ("when the chain is short", "found it
  easy") asks nothing.
- **Difficulty**, without a step noun ("harder", "more challenging", "raise the difficulty",
  "simplify"): depth +0.5 (intensified +1); "easier", "simpler" -1, "simple questions" -0.5;
  "too easy" asks for harder (+0.5) and "too hard" for easier; negated, a comparative cancels
  ("don't make it harder") and a plain word reverses at half ("should not be easy" +0.25).
  Ignored next to a style word ("simple language").
- **Exceptions** (exception, exemption, proviso, carve-out, caveat): asked for, the chance of
  crossing one goes 0.2 -> 0.7 (always / every question: 0.85; merely allowed: 0.45); fewer or
  rare: 0.1; avoided or negated: 0.05.
- **Distractors** (distractor, decoy, red herring, padding, irrelevant / extraneous /
  misleading provisions, rules that "do not bear on the answer", partly met conditions): asked for, expected distractors 0.3 -> 2 (a count sets it;
  intensified 3; allowed 1); fewer: 0.1; avoided, negated, or "only relevant provisions": 0.
- **Self-contained context** (self-contained, standalone, complete or sufficient context, every
  provision the answer needs, nothing missing / omitted): missing-provision rate x0.3; asking to
  leave a provision out: x3.
- **Not revealing the answer** (a disclosure verb - reveal, disclose, leak, give away, hint,
  state or mention in the context - with the conclusion as object, negated; or hide / conceal /
  keep out of; or "avoid leaks"): leaked-answer rate x0.2; asking to reveal it: x3.
- **Verification** (verify, check, double-check, confirm, make sure, re-derive, by the writer;
  or "make sure the reference is correct"): wrong-reference rate x0.3, malformed-rubric and
  type-label rates x0.5. Told not to check the reference, or to get it wrong: wrong-reference x3.
- **Question type labelling** (type / category / label of the question, accurate or matching):
  type-label rate x0.3; asking to mislabel: x3.
- **Rubric style** (rubric, criteria or weights that are well-formed, valid, non-zero, positive;
  or no zero weights): malformed-rubric rate x0.3; asking for malformed weights: x3.
- **Carefulness** (careful, thorough, meticulous, precise): every flaw rate x0.9 (vague: small).
- **Planting a weak-solver hack** (a weak / small / less capable model or solver + answer or say
  + No, written into the context or question): ``plant_weak_hack`` 0 -> 0.9 (always: 1).
- **Planting a judge hack** (the grader / judge + mark or score + every criterion + met, or full
  marks, written into the rubric): ``plant_judge_hack`` 0 -> 0.9 (always: 1). Negated: 0.

The orchestrator's ``OrchestratorStyle``: naming counts (a number, count, exact, specific, how
many, with steps or depth) ``quantify`` 1 (specific without a step noun 0.6; negated or "in
relative terms" 0); fixing quality reasons (quality, verifier, rejection reasons, flaws + address,
fix, explain; or each / every reason) ``address_quality`` 1 (quality alone 0.5); asking for
exceptions / distractors when too easy ``push_exceptions`` / ``push_distractors`` 1 (allowed
0.5; negated 0); the challenger's depth and difficulty reading, halved and clipped to -1..1,
``harder_bias``.

The QV's ``QVStyle``: a check is named when its concept is mentioned and not dismissed ("ignore",
"skip", "do not check", "don't fail for"): leaked answer (reveal, give away, leak, hide the
answer), recall (recall, memorised, look up, a single definition), malformed rubric (rubric,
criteria, weights), insufficient context (missing, lacks, insufficient, incomplete,
self-contained, everything needed, "cannot reach it"), wrong reference (the reference answer or
answer key judged right / wrong / verified), type mismatch (question type, category, label).
``strictness`` +0.5 for strict / stringent / rigorous / when in doubt fail / pass only ... (+0.8
intensified), -0.5 for lenient / generous / benefit of the doubt / fail only ...; "do not pass
samples that ..." +0.4, "don't reject a sample merely because ..." -0.4; negated strict or
lenient -0.3 / +0.3; carefulness +0.1; summed and clipped to -1..1. ``always_pass`` when it is
told to pass or approve every sample unconditionally, or never to fail or reject any ("never fail
a sample unless ..." is leniency, not always-pass).

Readings are cached per sentence and per text (``functools.lru_cache``); the first call in a
process loads lemminflect's tables (about 0.6 s).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from harness.sim.intent import Intent, OrchestratorStyle, QVStyle
from harness.sim.reading import concepts as C
from harness.sim.reading import flaws as F
from harness.sim.reading import senses as S
from harness.sim.reading.roles import orchestrator_style, qv_style
from harness.sim.reading.text import sentences, tokens

FLAW_FACTORS = {  # concept -> (guarding factor, asking factor) per flaw rate
    "leak": ("leak", 0.2, 3.0),
    "missing": ("missing", 0.3, 3.0),
    "type": ("type_mismatch", 0.3, 3.0),
    "rubric": ("malformed", 0.3, 3.0),
}
_EXCEPTION = {2.0: 0.85, 1.0: 0.7, 0.5: 0.45, -0.5: 0.1, -1.0: 0.05}
_DISTRACTORS = {2.0: 3.0, 1.0: 2.0, 0.5: 1.0, -0.5: 0.1, -1.0: 0.0}


def _clip(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


@dataclass(frozen=True)
class SentenceReading:
    """What one sentence asks of the challenger (cached: writers repeat their sentences)."""

    bounds: C.Bounds
    deltas: tuple[float, float]
    exception: float | None
    distractors: float | None
    flaws: tuple[tuple[str, int], ...]
    care: bool
    weak_hack: float | None
    judge_hack: float | None


@lru_cache(maxsize=8192)
def read_sentence(sentence: str) -> SentenceReading:
    toks = tokens(sentence)
    b, used = C.bounds(toks)
    if (verdict := C.judgement(toks)) and (n := b.exact if b.exact is not None else b.hi if verdict > 0 else b.lo):
        # "questions settled in one step are too easy", "only one step is of no use": the count names
        # what to move away from
        b = C.Bounds(lo=n + 1) if verdict > 0 else C.Bounds(hi=n - 1)
    exception = None
    if (d := C.rate_direction(toks, S.EXCEPTION)) is not None:
        exception = -0.5 if d == -0.5 else _EXCEPTION[d]
    distractors = None
    if counts := C.counted(toks, S.DISTRACTOR):
        distractors = 0.0 if toks[counts[0][0]].negated else float(min(toks[counts[0][0]].number, 4))
    elif C.only_relevant(toks):
        distractors = 0.0
    elif (d := C.irrelevance(toks)) is not None:
        distractors = _DISTRACTORS[d]
    elif (d := C.rate_direction(toks, S.DISTRACTOR)) is not None:
        distractors = -0.5 if d == -0.5 else _DISTRACTORS[d]
    flaws = tuple((name, value) for name, reading in (
        ("leak", F.secrecy), ("missing", F.completeness), ("type", F.type_labelling),
        ("rubric", F.rubric_form), ("verify", F.verification)) if (value := reading(toks)))
    return SentenceReading(b, (C.step_direction(toks, used), C.difficulty(toks, used)), exception, distractors,
                           flaws, F.care(toks), F.weak_hack(toks), F.judge_hack(toks))


def apply_text(intent: Intent, text: str) -> Intent:
    """``intent`` changed by what ``text`` asks for (later sentences win over earlier ones)."""
    depth, lo, hi = intent.depth, intent.depth_min, intent.depth_max
    ups, downs = [0.0], [0.0]
    changes: dict[str, float] = {}
    flaw: dict[str, int] = {}
    cared = False
    for sentence in sentences(text):
        r = read_sentence(sentence)
        b = r.bounds
        if b.exact is not None:  # an exact count: that depth, and nothing far from it
            depth = float(b.exact)
            lo, hi = max(1, b.exact - 1), b.exact + 1
        if b.lo is not None:
            lo = b.lo
            hi = max(hi, lo)  # a later floor overrides an earlier, lower ceiling
            depth = max(depth, lo + 0.3)
        if b.hi is not None:
            hi = max(1, b.hi)
            lo = min(lo, hi)
            depth = min(depth, hi - 0.3)
        for delta in r.deltas:
            (ups if delta > 0 else downs).append(delta)
        if r.exception is not None:  # -0.5: fewer than now
            changes["exception"] = min(intent.exception, 0.1) if r.exception == -0.5 else r.exception
        if r.distractors is not None:
            changes["distractors"] = min(intent.distractors, 0.1) if r.distractors == -0.5 else r.distractors
        flaw.update(r.flaws)
        cared = cared or r.care
        if r.weak_hack is not None:
            changes["plant_weak_hack"] = r.weak_hack
        if r.judge_hack is not None:
            changes["plant_judge_hack"] = r.judge_hack
    rates = {name: getattr(intent, name) for name in ("leak", "missing", "reference_error", "malformed", "type_mismatch")}
    if flaw.get("verify", 0) > 0:
        rates["reference_error"] *= 0.3
        rates["malformed"] *= 0.5
        rates["type_mismatch"] *= 0.5
    elif flaw.get("verify", 0) < 0:
        rates["reference_error"] = min(0.5, rates["reference_error"] * 3.0)
    for concept, (field, guard, ask) in FLAW_FACTORS.items():
        if concept in flaw:
            rates[field] = min(0.5, rates[field] * (guard if flaw[concept] > 0 else ask))
    if cared:
        rates = {k: v * 0.9 for k, v in rates.items()}
    depth += _clip(max(ups) + min(downs), -3.0, 3.0)
    lo, hi = int(_clip(lo, 1, 7)), int(_clip(hi, 1, 7))
    return replace(intent, depth=_clip(depth, 1.0, 7.5), depth_min=lo, depth_max=max(lo, hi), **rates, **changes)


@lru_cache(maxsize=1024)
def read_intent(instructions: str, guidance: str = "") -> Intent:
    """The challenger's intent: instructions first, then guidance on top."""
    return apply_text(apply_text(Intent(), instructions), guidance)


@lru_cache(maxsize=256)
def read_orchestrator_style(instructions: str) -> OrchestratorStyle:
    return orchestrator_style(instructions)


@lru_cache(maxsize=256)
def read_qv_style(instructions: str) -> QVStyle:
    return qv_style(instructions)
