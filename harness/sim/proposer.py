"""Simulated proposer: the analyzer and implementer of reflective mutation, with no oracle.

The **analyzer** reads a harness's round records (``harness.feedback.format_round_records``),
counts the decisions and the quality-check reasons, and estimates how deep the too-easy,
failed-on-strong and accepted questions were by bounded re-derivation (``estimate.py``: its
profile's reach and accuracy, so deep chains read as "deeper than I could follow" and some
readings are off by one). It writes a root-cause analysis in varied English. With chance
``MISCAUSE_RATE`` it names the wrong main cause, as a real analyst sometimes does.

The **implementer** reads an analysis (its own kind of prose; any other text falls back to
generic advice) and rewrites one gene: it keeps most of the current text and adds or replaces
1-3 sentences from ``advice.py`` (which carries its own rate of vague, irrelevant and
overshooting advice), now and then the analysis's suggested fix word for word
(``SUGGESTION_COPY_RATE``), sometimes dropping an earlier sentence. Temperature widens the choice of
ideas, the spread of the step counts it names and how much it changes. Nothing here knows which
words any simulated reader responds to: whether a rewrite helps is found by evaluating it.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field

from harness.sim import advice as A
from harness.sim.estimate import DepthSummary, estimate_depth, summarize
from harness.sim.profiles import Profile

MISCAUSE_RATE = 0.10  # the analysis names a wrong main cause
SUGGESTION_COPY_RATE = 0.15  # the implementer takes the analysis's suggested fix word for word
CAUSES = ("easy", "hard", "quality")

_ROUND_SPLIT = re.compile(r"\n(?==== round )")
_GROUP_WORDS = {"too_easy": "too-easy", "failed_on_strong": "strong-failing", "accepted": "accepted"}
_COUNT_WORDS = {
    "too_easy": "{too easy for the weak solver|solved by the weak solver|too easy}",
    "failed_on_strong": "{failed on the strong solver|too hard for the strong solver|missed by the strong solver}",
    "failed_quality_check": "{rejected by the quality check|failed the quality check|stopped by the verifier}",
    "accepted": "{accepted|kept in the dataset}",
}
_HEADERS = ("Root-cause analysis of the rounds:", "What the round records show:", "Diagnosis of this harness:",
            "Reading through the rounds:")
_DEPTH = (
    "Traced by hand, the {G} questions take {about|roughly|around} <n> steps{RANGE}.",
    "The {G} ones needed {about|roughly} <n> steps of reasoning, as far as I can tell{RANGE}.",
    "I make the {G} questions {about|roughly|some} <n> steps deep{RANGE}.",
)
_BEYOND = "{Of these|Among them}, {K} went deeper than I could follow."
_ALL_BEYOND = "The {G} questions went deeper than I could follow (more than <n> steps)."
_CAUSE_OPENERS = ("Main cause:", "Root cause:", "The dominant problem:", "What mostly goes wrong:")
_CAUSE_TEXT = {
    "easy": ("the questions are {too shallow|too easy|not hard enough}; the weak solver {follows|finishes} them",
             "the weak solver {manages|solves} too many questions: they are not hard enough"),
    "hard": ("the questions are {too deep|too hard|too demanding} for the strong solver",
             "even the strong solver {fails|cannot finish} too many questions: they are too hard"),
    "quality": ("too many samples {fail|are rejected at} the quality check",
                "the quality check rejects too many samples before any solver sees them"),
    "none": ("{nothing|no single failure} dominates; most attempts are accepted",),
}


@dataclass
class RoundFacts:
    counts: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    texts: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: {g: [] for g in _GROUP_WORDS})


def read_records(records: str) -> RoundFacts:
    facts = RoundFacts()
    for block in _ROUND_SPLIT.split(records):
        decision = re.search(r"^Decision: (\w+)", block, re.MULTILINE)
        if not decision:
            continue
        kind = decision.group(1)
        facts.counts[kind] += 1
        question = re.search(r"^Question: (.*)", block, re.MULTILINE)
        if kind in facts.texts and question:
            context = block.split("Context:\n", 1)[-1].split("\nDecision:", 1)[0]
            facts.texts[kind].append((context, question.group(1)))
        if kind == "failed_quality_check" and (reason := re.search(r"^QV reason: (\w+)", block, re.MULTILINE)):
            facts.reasons[reason.group(1)] += 1
        for final in re.findall(r"Final QV: FAIL \((\w+)\)", block):
            facts.reasons[final] += 1
    return facts


def _main_cause(counts: Counter[str]) -> str:
    total = sum(counts.values()) or 1
    shares = {"easy": counts["too_easy"], "hard": counts["failed_on_strong"], "quality": counts["failed_quality_check"]}
    cause, n = max(shares.items(), key=lambda kv: kv[1])
    return cause if n and counts["accepted"] / total < 0.5 else "none"


def _depth_sentence(group: str, summary: DepthSummary, rng: random.Random) -> str:
    words = _GROUP_WORDS[group]
    if summary.beyond == summary.n:
        return A.expand(_ALL_BEYOND.replace("{G}", words), rng, summary.low - 1)
    known_high = summary.high if summary.beyond == 0 else summary.high - 1
    high = max(summary.low, known_high)
    spread = "" if high == summary.low else rng.choice((f" ({summary.low} to {high})", f", {summary.low}-{high}"))
    text = rng.choice(_DEPTH).replace("{G}", words).replace("{RANGE}", spread)
    text = A.expand(text, rng, summary.typical)
    if summary.beyond:
        text += " " + A.expand(_BEYOND.replace("{K}", str(summary.beyond)), rng)
    return text


def _suggestion(cause: str, depths: dict[str, DepthSummary], reasons: Counter[str], rng: random.Random) -> str | None:
    if cause == "easy":
        easy = depths.get("too_easy")
        return A.advise(A.DEEPER, rng, easy.typical + 1 if easy and rng.random() < 0.6 else None).text
    if cause == "hard":
        hard = depths.get("failed_on_strong")
        steps = hard.typical - 1 if hard and not hard.beyond and rng.random() < 0.6 else None
        return A.advise(A.SHALLOWER, rng, steps).text
    if cause == "quality":
        top = next((idea for reason, _ in reasons.most_common() if (idea := A.fix_for(reason))), None)
        return A.advise(top or rng.choice((A.NO_LEAK, A.SELF_CONTAINED, A.VERIFY_REFERENCE)), rng).text
    return None


def analyze(records: str, profile: Profile, rng: random.Random) -> str:
    """A root-cause analysis of the round records, written as an analyst with ``profile`` would."""
    facts = read_records(records)
    lines = [rng.choice(_HEADERS)]
    total = sum(facts.counts.values())
    if not total:
        return lines[0] + "\n" + A.expand("{There are no rounds to read.|No rounds were recorded.}", rng)
    parts = []
    for kind, n in facts.counts.most_common():
        label = A.expand(_COUNT_WORDS[kind], rng, sentence=False) if kind in _COUNT_WORDS else kind.replace("_", " ")
        parts.append(f"{n} {label}")
    lines.append(f"Of {total} attempts: " + ", ".join(parts) + ".")
    depths: dict[str, DepthSummary] = {}
    for group, items in facts.texts.items():
        summary = summarize([e for c, q in items if (e := estimate_depth(c, q, profile, rng)) is not None])
        if summary is not None:
            depths[group] = summary
            lines.append(_depth_sentence(group, summary, rng))
    easy = depths.get("too_easy")
    if easy is not None and easy.exception_share < 0.5:
        lines.append(A.expand("{Few|Not many} of the too-easy contexts {had|carried} an exception clause.", rng))
    if easy is not None and easy.unused_mean < 1:
        lines.append(A.expand("The too-easy contexts {had|held} {hardly any|few} provisions beyond the ones the "
                              "answer uses.", rng))
    if facts.reasons:
        named = ", ".join(f"{reason} ({n})" for reason, n in facts.reasons.most_common())
        lines.append(A.expand("The quality check {mostly|most often} objected to: ", rng) + named + ".")
    cause = _main_cause(facts.counts)
    if cause != "none" and rng.random() < MISCAUSE_RATE:
        cause = rng.choice([c for c in CAUSES if c != cause])
    lines.append(f"{rng.choice(_CAUSE_OPENERS)} {A.expand(rng.choice(_CAUSE_TEXT[cause]), rng, sentence=False)}.")
    if (suggestion := _suggestion(cause, depths, facts.reasons, rng)) is not None:
        lines.append(A.expand("{Suggested fix|What I would try|Recommendation}: ", rng) + suggestion)
    return "\n".join(lines)


# --- the implementer ------------------------------------------------------------------------------

_NUM = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten)"
_WORD_NUMBERS = {w: i for i, w in enumerate(("zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                                             "nine", "ten"))}
_STEPS_RE = re.compile(rf"\b{_NUM}\s+(?:reasoning\s+|inference\s+)?steps?\b", re.IGNORECASE)
_COUNT_RE = re.compile(rf"\b{_NUM}\b[^.;:]{{0,40}}?\b(?:steps?|inferences|hops|links|provisions|rule applications)\b",
                       re.IGNORECASE)
_CAUSE_LINE = re.compile(r"(?:cause|problem|goes wrong)[^:]*:(.*)", re.IGNORECASE)
_SUGGESTION = re.compile(r"^(?:Suggested fix|What I would try|Recommendation):\s*(.+)$", re.MULTILINE)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z'\"(])")
_GROUP_MARKERS = (("too_easy", re.compile(r"too[- ]easy|weak solver", re.I)),
                  ("failed_on_strong", re.compile(r"strong", re.I)),
                  ("accepted", re.compile(r"accepted|kept", re.I)))


@dataclass
class Reading:
    """What the implementer takes from an analysis."""

    cause: str | None = None  # "easy", "hard", "quality", "none"
    steps: dict[str, int] = field(default_factory=dict)  # group -> typical steps (a lower bound if beyond)
    beyond: set[str] = field(default_factory=set)
    few_exceptions: bool = False
    few_distractors: bool = False
    reasons: Counter[str] = field(default_factory=Counter)  # writer idea -> weight
    suggestion: str | None = None


def _cause_of(text: str) -> str | None:
    low = text.lower()
    found = [(m.start(), cause) for cause, pattern in (
        ("easy", r"too (?:shallow|easy)|not hard enough|weak solver (?:follows|finishes|manages|solves)"),
        ("hard", r"too (?:deep|hard|demanding)|strong solver (?:fails|cannot)"),
        ("quality", r"quality check|verifier rejects|rejected before"),
        ("none", r"dominates|mostly accepted|most attempts are accepted"),
    ) if (m := re.search(pattern, low))]
    return min(found)[1] if found else None


def read_analysis(analysis: str) -> Reading:
    """The analysis understood: robust to its varied phrasing, tolerant of other text."""
    reading = Reading()
    if m := _SUGGESTION.search(analysis):
        reading.suggestion = m.group(1).strip()
    body = _SUGGESTION.sub("", analysis)
    cause_lines = [m.group(1) for line in body.splitlines() if (m := _CAUSE_LINE.search(line))]
    reading.cause = next((c for c in map(_cause_of, cause_lines) if c), None) or _cause_of(body)
    for line in body.splitlines():
        low = line.lower()
        steps = _STEPS_RE.search(line)
        group = next((g for g, marker in _GROUP_MARKERS if marker.search(line)), None)
        if steps and group and group not in reading.steps:
            n = int(steps.group(1)) if steps.group(1).isdigit() else _WORD_NUMBERS[steps.group(1).lower()]
            if "deeper than" in low:
                reading.beyond.add(group)
                n += 1
            reading.steps[group] = n
        if "exception" in low and re.search(r"\b(?:few|not many|no|none|hardly)\b", low):
            reading.few_exceptions = True
        if "provisions beyond" in low or re.search(r"\b(?:no|few|hardly any) (?:distractors?|decoys?)\b", low):
            reading.few_distractors = True
        if re.search(r"quality|verifier|object|reason", low):
            for code, count in re.findall(r"\b([a-z]+(?:_[a-z]+)+)\b(?:\s*\((\d+)\))?", line):
                if (idea := A.fix_for(code)) is not None:
                    reading.reasons[idea] += int(count or 1)
    return reading


def _weights(gene: str, r: Reading) -> dict[str, float]:
    easy, hard, quality = r.cause == "easy", r.cause == "hard", r.cause in ("quality", "none")
    total = sum(r.reasons.values()) or 1
    if gene == "orchestrator_instructions":
        w = dict.fromkeys(A.ORCHESTRATOR_IDEAS, 0.2)
        w[A.O_QUANTIFY] += 2.0 * (easy or hard)
        w[A.O_HARDER] += 1.5 * easy
        w[A.O_EASIER] += 1.5 * hard
        w[A.O_EXCEPTIONS] += easy * (1.0 + 0.5 * r.few_exceptions)
        w[A.O_DISTRACTORS] += easy * (0.8 + 0.5 * r.few_distractors)
        w[A.O_QUALITY] += 2.0 * quality + 1.0 * bool(r.reasons)
        return w
    if gene == "qv_instructions":
        to_check = {A.NO_LEAK: A.Q_LEAK, A.REASON_NOT_RECALL: A.Q_RECALL, A.RUBRIC_WEIGHTS: A.Q_RUBRIC,
                    A.SELF_CONTAINED: A.Q_CONTEXT, A.VERIFY_REFERENCE: A.Q_REFERENCE, A.LABEL_TYPE: A.Q_TYPE}
        w = dict.fromkeys(A.VERIFIER_IDEAS, 0.3)
        w[A.Q_RECALL] += 1.0 * easy
        w[A.Q_REFERENCE] += 1.0 * hard
        w[A.Q_STRICTER] += 0.5
        for idea, n in r.reasons.items():
            w[to_check[idea]] += 1.5 * n / total
        return w
    w = dict.fromkeys(A.WRITER_IDEAS, 0.2)
    w[A.DEEPER] += 3.0 * easy
    w[A.EXCEPTION] += easy * (1.0 + r.few_exceptions)
    w[A.DISTRACTOR] += easy * (0.8 + r.few_distractors)
    w[A.SHALLOWER] += 3.0 * hard
    w[A.VERIFY_REFERENCE] += 1.0 * hard
    w[A.SELF_CONTAINED] += 0.5 * hard
    for idea, n in r.reasons.items():
        w[idea] += (2.0 if quality else 1.0) * n / total
    if quality and not r.reasons:
        for idea in (A.NO_LEAK, A.SELF_CONTAINED, A.VERIFY_REFERENCE):
            w[idea] += 1.0
    return w


def _target(idea: str, r: Reading, rng: random.Random, temperature: float) -> int | None:
    if idea == A.DEEPER:
        base = r.steps["too_easy"] + 1 if "too_easy" in r.steps else r.steps.get("accepted")
    elif idea == A.SHALLOWER:
        hard = r.steps.get("failed_on_strong") if "failed_on_strong" not in r.beyond else None
        base = hard - 1 if hard is not None else r.steps.get("accepted")
    else:
        return None
    if base is None or rng.random() >= 0.6:
        return None  # relative advice: "longer", "shorter"
    return max(1, base + round(rng.gauss(0, 0.3 + 0.7 * temperature)))


def _pick(weights: dict[str, float], k: int, rng: random.Random, temperature: float) -> list[str]:
    sharp = 1 / (0.4 + temperature)  # low temperature: stick to the analysis; high: wander
    pool = {idea: w ** sharp for idea, w in weights.items()}
    floor = (0.05 + 0.3 * temperature) * sum(pool.values()) / len(pool)
    chosen: list[str] = []
    for _ in range(min(k, len(pool))):
        ideas = sorted(pool)
        idea = rng.choices(ideas, weights=[pool[i] + floor for i in ideas])[0]
        chosen.append(idea)
        del pool[idea]
    return chosen


def implement(gene: str, current: str, analysis: str, rng: random.Random, temperature: float) -> str:
    """The gene rewritten after the analysis: most of the text kept, 1-3 sentences added or replaced."""
    reading = read_analysis(analysis)
    sentences = [s for s in _SENTENCE_SPLIT.split(current.strip()) if s]
    k = 1 + (rng.random() < 0.3 + 0.3 * temperature) + (rng.random() < 0.05 + 0.25 * temperature)
    additions = [A.advise(idea, rng, _target(idea, reading, rng, temperature)).text
                 for idea in _pick(_weights(gene, reading), k, rng, temperature)]
    if gene == "challenger_instructions" and reading.suggestion and rng.random() < SUGGESTION_COPY_RATE:
        additions[-1] = reading.suggestion  # take the analyst's own wording
    for text in additions:
        if text in sentences:
            continue
        if _COUNT_RE.search(text):  # a new step count replaces any earlier one rather than contradicting it
            sentences = [s for i, s in enumerate(sentences) if i == 0 or not _COUNT_RE.search(s)]
        if len(sentences) > 1 and rng.random() < 0.1 + 0.1 * temperature:
            sentences[rng.randrange(1, len(sentences))] = text
        else:
            sentences.append(text)
    if len(sentences) > 2 and rng.random() < 0.05 + 0.1 * temperature + 0.04 * max(0, len(sentences) - 8):
        del sentences[rng.randrange(1, len(sentences) - 1)]  # an earlier sentence, never the one just added
    return " ".join(sentences)
