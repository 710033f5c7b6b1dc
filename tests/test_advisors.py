"""The simulated advisors (orchestrator, analyzer, implementer) are honest: no shared vocabulary
with the reader, bounded depth estimates, varied advice with a realistic share of bad advice.

Ground truth for the estimator comes from ``harness.sim.tasks.build_task`` (tests only: the
advisors themselves never import it)."""

from __future__ import annotations

import ast
import random
import re
import statistics
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from harness.feedback import format_failures, format_round_records
from harness.records import Attempt, Candidate, QVResult, RoundRecord, Sample
from harness.sim import advice as A
from harness.sim.estimate import estimate_depth
from harness.sim.intent import OrchestratorStyle
from harness.sim.orchestrator import write_guidance
from harness.sim.profiles import profile
from harness.sim.proposer import MISCAUSE_RATE, analyze, implement, read_analysis
from harness.sim.tasks import Task, TaskSpec, build_task
from harness.sim.world import World

SIM = Path(__file__).resolve().parent.parent / "harness" / "sim"
ADVISORS = ("orchestrator", "proposer", "advice", "estimate")
FORBIDDEN = {"reader", "lexicon", "challenger", "verifier", "tasks"}
ALLOWED = {"logic", "profiles", "intent", "advice", "estimate"}
BOUNDED = replace(profile("orchestrator"), reach=((5, 1.0),), accuracy=0.85)
SEED_CHALLENGER = ("You are a data scientist writing evaluation data from a grounding document. Read the document "
                   "and write one question about a concrete case, with the context a solver needs, a reference "
                   "answer, and a weighted rubric that a grader can check criterion by criterion. Follow the "
                   "guidance from earlier rounds when there is any.")
_COUNT = re.compile(r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten)\b(?: [a-z]+){0,2} "
                    r"(?:steps?|inferences|hops|links|provisions|rule applications)\b", re.I)


def world_tasks(depth: int, count: int, seed: str = "", **spec: object) -> list[Task]:
    docs, rng, tasks = World(7), random.Random(f"advisor-tasks:{depth}:{seed}"), []
    for index in range(20 * count):
        task = build_task(docs.document(index % 50).rules, TaskSpec(depth=depth, **spec), rng)
        if task is not None and task.depth == depth:
            tasks.append(task)
        if len(tasks) == count:
            break
    assert len(tasks) == count
    return tasks


def candidate(index: int, task: Task, decision: str, weak: float, strong: float, qv: str | None = None) -> Candidate:
    sample = Sample(context=task.context, question=task.question, reference_answer=task.reference_answer,
                    final_answer=task.final_answer, rubric=task.rubric, question_type=task.question_type)
    attempts = [] if qv else [Attempt(solver=s, index=0, answer="", final_answer="", verdicts=[], score=v)
                              for s, v in (("weak", weak), ("strong", strong))]
    return Candidate(index=index, sample=sample, decision=decision, attempts=attempts, reason="",
                     qv=QVResult(verdict="FAIL", reason=qv, explanation="check failed") if qv else None)


def rounds(groups: list[tuple[str, list[Task], str | None]]) -> list[RoundRecord]:
    scores = {"too_easy": (0.9, 0.95), "failed_on_strong": (0.2, 0.3), "accepted": (0.3, 0.9),
              "failed_quality_check": (0.0, 0.0)}
    out = []
    for decision, tasks, qv in groups:
        for task in tasks:
            weak, strong = scores[decision]
            out.append(RoundRecord(doc_id=f"d{len(out)}", round=1, harness_hash="h", preset="agentic", seed=0,
                                   guidance="", decision=decision,
                                   candidates=[candidate(0, task, decision, weak, strong, qv)]))
    return out


# --- no shared vocabulary -----------------------------------------------------------------------


def _sim_imports(name: str) -> set[str]:
    tree = ast.parse((SIM / f"{name}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "harness.sim":
                found.update(alias.name for alias in node.names)
            elif node.module.startswith("harness.sim."):
                found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[2] for a in node.names if a.name.startswith("harness.sim."))
    return found


def _literals(name: str) -> set[str]:
    tree = ast.parse((SIM / f"{name}.py").read_text())
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body
                  and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return {n.value.lower() for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings}


def test_advisors_import_nothing_of_the_reader_transitively() -> None:
    seen, todo = set(), list(ADVISORS)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        imports = _sim_imports(name)
        assert not imports & FORBIDDEN, (name, imports & FORBIDDEN)
        assert imports <= ALLOWED, (name, imports - ALLOWED)
        todo.extend(imports)
    assert {"logic", "profiles"} <= seen  # the walk did follow the imports


def test_advisors_copy_no_string_of_the_readers_tables() -> None:
    theirs = set().union(*(_literals(m) for m in FORBIDDEN if (SIM / f"{m}.py").exists()))
    theirs = {s for s in theirs if len(s) >= 6 and " " in s}  # phrases, not format strings or single words
    ours = set().union(*(_literals(m) for m in ADVISORS))
    assert not ours & theirs, sorted(ours & theirs)


# --- bounded estimates --------------------------------------------------------------------------


def _estimates(depth: int, prof=BOUNDED, count: int = 120, **spec: object) -> list:
    rng = random.Random(f"estimates:{depth}")
    return [estimate_depth(t.context, t.question, prof, rng) for t in world_tasks(depth, count, **spec)]


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_estimates_within_reach_are_unbiased_with_the_profiles_error_rate(depth: int) -> None:
    estimates = _estimates(depth, exception=depth > 1, distractors=1)
    errors = [e.steps - depth for e in estimates if not e.beyond]
    exact = sum(e == 0 for e in errors) / len(estimates)
    assert 0.72 <= exact <= 0.97  # accuracy 0.85: right most of the time, not always
    assert abs(statistics.fmean(errors)) < 0.2  # no systematic bias
    assert all(abs(e) <= 1 for e in errors)  # a misreading is one step off
    assert sum(e.beyond for e in estimates) / len(estimates) < 0.15


def test_a_chain_past_reach_is_never_counted_exactly() -> None:
    estimates = _estimates(7)
    exactly = sum(not e.beyond and e.steps == 7 for e in estimates) / len(estimates)
    assert exactly == 0.0  # a reach-5 reader cannot count to 7
    assert sum(e.beyond for e in estimates) / len(estimates) >= 0.9
    assert all(e.steps <= 6 for e in estimates)  # at most a lower bound of reach + 1
    # reach is drawn per estimate: half the readings of a depth-5 chain go past a 3-or-7 reader
    split = replace(BOUNDED, reach=((3, 0.5), (7, 0.5)), accuracy=1.0)
    beyond = statistics.fmean(e.beyond for e in _estimates(5, prof=split, count=200))
    assert 0.38 <= beyond <= 0.62


def test_a_perfect_reader_with_long_reach_counts_exactly() -> None:
    perfect = replace(BOUNDED, reach=((8, 1.0),), accuracy=1.0)
    estimates = _estimates(6, prof=perfect)
    assert statistics.fmean(not e.beyond and e.steps == 6 for e in estimates) >= 0.95


# --- advice -------------------------------------------------------------------------------------


def test_advice_is_fallible_but_mostly_meant_and_overshoots_only_a_number() -> None:
    rng = random.Random(5)
    n = 4000
    deeper = Counter(A.advise(A.DEEPER, rng, 4).kind for _ in range(n))
    plain = Counter(A.advise(A.NO_LEAK, rng).kind for _ in range(n))
    for kinds in (deeper, plain):
        # Every kind of bad advice happens, and together they stay a minority: what was meant wins.
        assert all(kinds[kind] > 0 for kind in ("vague", "style", "misread")), kinds
        assert kinds["meant"] > n / 2, kinds
        assert sum(kinds.values()) == n
    # Overshooting needs a count to overshoot: advice to go deeper has one, advice not to leak none.
    assert deeper["overshoot"] > 0 and plain["overshoot"] == 0
    for _ in range(300):
        advice = A.advise(A.DEEPER, rng, 4)
        if advice.kind == "overshoot" and (m := _COUNT.search(advice.text)):
            value = m.group(1)
            assert (int(value) if value.isdigit() else A._NUMBER_WORDS.index(value.lower())) in (6, 7)
        if advice.kind == "meant":
            assert re.search(r"\b(4|four)\b", advice.text), advice.text


def test_one_idea_comes_out_in_many_words() -> None:
    rng = random.Random(0)
    for idea in (*A.WRITER_IDEAS, *A.ORCHESTRATOR_IDEAS, *A.VERIFIER_IDEAS):
        texts = {A.say(idea, rng) for _ in range(60)}
        assert len(texts) >= 3, (idea, texts)
        assert all(t[0].isupper() and t.endswith(".") for t in texts)
    assert len({A.say(A.DEEPER, rng, 5) for _ in range(60)}) >= 20


# --- the implementer ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def easy_analysis() -> str:
    records = rounds([("too_easy", world_tasks(2, 8), None), ("accepted", world_tasks(4, 2), None),
                      ("failed_quality_check", world_tasks(3, 2), "answer_leaked")])
    text = format_round_records(records)
    # the first of the analyst's draws that names the true main cause (one in ten names a wrong one) and
    # suggests no step count of its own (the implementer sometimes copies it, which would fix the numbers below)
    readings = ((a, read_analysis(a)) for a in (analyze(text, BOUNDED, random.Random(s)) for s in range(40)))
    return next(a for a, r in readings if r.cause == "easy" and not _COUNT.search(r.suggestion or ""))


def _added(original: str, new: str) -> list[str]:
    old = set(re.split(r"(?<=[.!?])\s+", original))
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z'\"(])", new) if s not in old]


def test_fifty_rewrites_add_varied_sentences(easy_analysis: str) -> None:
    rewrites = [implement("challenger_instructions", SEED_CHALLENGER, easy_analysis, random.Random(s), 0.7)
                for s in range(50)]
    added = [_added(SEED_CHALLENGER, r) for r in rewrites]
    assert all(1 <= len(a) <= 3 for a in added)
    per_rewrite = Counter(s for a in added for s in set(a))
    assert len(per_rewrite) >= 10
    assert max(per_rewrite.values()) <= 0.3 * len(rewrites), per_rewrite.most_common(3)
    seed_sentences = re.split(r"(?<=[.!?])\s+", SEED_CHALLENGER)
    kept = statistics.fmean(sum(s in r for s in seed_sentences) / len(seed_sentences) for r in rewrites)
    assert 0.8 <= kept < 1.0  # most of the current text stays; now and then a sentence goes


def test_rewrites_follow_the_analysis_but_not_always(easy_analysis: str) -> None:
    assert read_analysis(easy_analysis).cause == "easy"
    # easy-cause rewrites name step counts near one past what the too-easy questions took (2)
    counts = []
    for s in range(200):
        new = implement("challenger_instructions", SEED_CHALLENGER, easy_analysis, random.Random(s), 0.7)
        for m in _COUNT.finditer(" ".join(_added(SEED_CHALLENGER, new))):
            value = m.group(1).lower()
            counts.append(int(value) if value.isdigit() else A._NUMBER_WORDS.index(value))
    assert 25 <= len(counts) <= 120  # numbers sometimes, relative advice otherwise
    assert 2.5 <= statistics.median(counts) <= 4
    assert len(set(counts)) >= 3  # noisy, not one magic number


def test_temperature_widens_the_step_counts(easy_analysis: str) -> None:
    def spread(temperature: float) -> float:
        counts = []
        for s in range(300):
            new = implement("challenger_instructions", SEED_CHALLENGER, easy_analysis, random.Random(s), temperature)
            counts += [int(m.group(1)) for m in _COUNT.finditer(new) if m.group(1).isdigit()]
        return statistics.pstdev(counts)

    assert spread(1.2) > spread(0.0) + 0.2


def test_implementer_reads_other_text_and_still_rewrites() -> None:
    assert read_analysis("Main cause: questions are too shallow; the weak solver chains that far.").cause == "easy"
    assert read_analysis("Root cause: even the strong solver fails them.").cause == "hard"
    foreign = "The harness is fine overall, though some samples look odd."
    assert read_analysis(foreign).cause is None
    new = implement("qv_instructions", "Check samples. Decide PASS or FAIL.", foreign, random.Random(1), 0.7)
    assert new.startswith("Check samples.") and new != "Check samples. Decide PASS or FAIL."


def test_analyzer_names_a_wrong_cause_at_a_realistic_rate() -> None:
    text = format_round_records(rounds([("too_easy", world_tasks(2, 6), None),
                                        ("failed_on_strong", world_tasks(6, 2), None)]))
    causes = Counter(read_analysis(analyze(text, BOUNDED, random.Random(s))).cause for s in range(300))
    wrong = 1 - causes["easy"] / 300
    assert wrong == pytest.approx(MISCAUSE_RATE, abs=0.05)
    assert set(causes) <= {"easy", "hard", "quality"}
    analyses = {analyze(text, BOUNDED, random.Random(s)) for s in range(20)}
    assert len(analyses) == 20  # varied wording
    # the depth-6 strong failures are past a reach-5 analyst: reported as beyond, never as 6
    for analysis in analyses:
        reading = read_analysis(analysis)
        assert "failed_on_strong" in reading.beyond and reading.steps["failed_on_strong"] == 6, analysis


# --- the orchestrator ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def easy_report() -> str:
    return format_failures(rounds([("too_easy", world_tasks(2, 4), None),
                                   ("failed_quality_check", world_tasks(3, 1), "context_insufficient")]))


def test_orchestrator_quantifies_only_when_its_style_says_so(easy_report: str) -> None:
    relative = [write_guidance(OrchestratorStyle(), easy_report, BOUNDED, random.Random(s)) for s in range(100)]
    assert not any(_COUNT.search(g) for g in relative), [g for g in relative if _COUNT.search(g)][:2]
    quantified = [write_guidance(OrchestratorStyle(quantify=1.0), easy_report, BOUNDED, random.Random(s))
                  for s in range(100)]
    named = [m.group(1).lower() for g in quantified if (m := _COUNT.search(g))]
    assert 60 <= len(named) <= 90  # bad advice replaces the count now and then
    values = [int(v) if v.isdigit() else A._NUMBER_WORDS.index(v) for v in named]
    assert statistics.median(values) in (3, 4)  # one past the too-easy questions (depth 2), noisily
    assert len(set(values)) >= 2
    harder = [write_guidance(OrchestratorStyle(quantify=1.0, harder_bias=1.0), easy_report, BOUNDED,
                             random.Random(s)) for s in range(100)]
    pushed = [int(m.group(1)) for g in harder if (m := _COUNT.search(g)) and m.group(1).isdigit()]
    assert statistics.median(pushed) >= statistics.median(values) + 1.5


def test_orchestrator_addresses_quality_and_exceptions_by_style(easy_report: str) -> None:
    def share(style: OrchestratorStyle, pattern: str) -> float:
        texts = [write_guidance(style, easy_report, BOUNDED, random.Random(s)) for s in range(100)]
        return sum(bool(re.search(pattern, t, re.I)) for t in texts) / len(texts)

    context = r"\bcontext\b"  # the only quality reason in the report: insufficient context
    assert share(OrchestratorStyle(), context) <= 0.05
    assert share(OrchestratorStyle(address_quality=1.0), context) >= 0.6
    exception = r"exception|unless"
    assert share(OrchestratorStyle(), exception) <= 0.05
    assert share(OrchestratorStyle(push_exceptions=1.0), exception) >= 0.6


def test_advisors_are_deterministic_for_a_fixed_rng(easy_report: str, easy_analysis: str) -> None:
    records = format_round_records(rounds([("too_easy", world_tasks(3, 3), None)]))
    style = OrchestratorStyle(quantify=0.5, address_quality=0.5, push_exceptions=0.5)
    for seed in range(5):
        assert analyze(records, BOUNDED, random.Random(seed)) == analyze(records, BOUNDED, random.Random(seed))
        assert write_guidance(style, easy_report, BOUNDED, random.Random(seed)) == \
            write_guidance(style, easy_report, BOUNDED, random.Random(seed))
        assert implement("orchestrator_instructions", "Supervise.", easy_analysis, random.Random(seed), 0.7) == \
            implement("orchestrator_instructions", "Supervise.", easy_analysis, random.Random(seed), 0.7)
    assert len({write_guidance(style, easy_report, BOUNDED, random.Random(s)) for s in range(10)}) >= 8
