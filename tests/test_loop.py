"""The inner loop's order and accounting, feedback grouping, records, and the baseline presets."""

from __future__ import annotations

import json

import pytest

from harness.acceptance import Outcome
from harness.config import parse_config
from harness.feedback import format_failures, group_failures
from harness.generate import generate, load_rounds
from harness.models import ModelRegistry
from harness.records import Attempt, Candidate, JsonlWriter, QVResult, RoundRecord, Sample, read_jsonl
from harness.rubric import Criterion
from harness.sim.engine import parse_request

PASSED_WEAK = {Outcome.ACCEPTED, Outcome.FAILED_ON_STRONG}
SOLVED = {Outcome.TOO_EASY, Outcome.ACCEPTED, Outcome.FAILED_ON_STRONG}


def candidates_of(rounds: dict[str, list[RoundRecord]]) -> list[Candidate]:
    return [c for records in rounds.values() for r in records for c in r.candidates]


# --- loop order and call accounting -------------------------------------------------------

@pytest.fixture(scope="module")
def agentic_run(tmp_path_factory):
    config = parse_config({"preset": "agentic", "documents": {"count": 8}})
    from harness.documents import load_documents

    docs = load_documents(config.documents)
    out = tmp_path_factory.mktemp("agentic")
    registry = ModelRegistry(config.models, config.runtime)
    summary = generate(config, docs, out, registry=registry)
    return config, summary, registry, load_rounds(out)


def test_too_easy_candidates_never_reach_the_strong_solver(agentic_run):
    config, _, _, rounds = agentic_run
    k = config.knobs.solver_attempts
    candidates = candidates_of(rounds)
    too_easy = [c for c in candidates if c.decision == Outcome.TOO_EASY]
    assert too_easy, "the run must contain too-easy candidates for this test to mean anything"
    for candidate in too_easy:
        assert candidate.scores("strong") == []
        # Attempts after the ones that already fail the weak check are not requested, or not judged.
        missing = candidate.cancelled_attempts + candidate.unrequested_attempts
        assert len(candidate.scores("weak")) + missing == k
        assert not config.guarded.acceptance.weak_check(candidate.scores("weak")).passed
        if missing:
            shown = candidate.scores("weak")
            assert not config.guarded.acceptance.weak_check(shown + [0.0] * missing).passed
            assert config.guarded.acceptance.weak_check(shown[:-1] + [0.0] * (k - len(shown) + 1)).passed
    for candidate in candidates:
        if candidate.decision == Outcome.FAILED_QUALITY:
            assert candidate.attempts == []  # QV FAIL ends the round before any solver
        if candidate.decision in PASSED_WEAK:
            assert len(candidate.scores("weak")) == k
            missing = candidate.cancelled_attempts + candidate.unrequested_attempts
            assert len(candidate.scores("strong")) + missing == k
    assert any(c.unrequested_attempts + c.cancelled_attempts for c in too_easy), "early decisions must save calls here"


def test_engine_calls_match_the_records_exactly(agentic_run):
    config, _, registry, rounds = agentic_run
    k = config.knobs.solver_attempts
    calls = registry.sim_engine.calls
    candidates = candidates_of(rounds)
    records = [r for rs in rounds.values() for r in rs]
    passed_weak = sum(c.decision in PASSED_WEAK for c in candidates)
    solved = sum(c.decision in SOLVED for c in candidates)
    assert passed_weak > 0
    unrequested = sum(c.unrequested_attempts for c in candidates)  # 0 here: a wave is one shared request
    # An attempt is asked for unless an earlier wave decided; judged unless the ones before it decided.
    assert calls["solver:strong"] + calls["solver:weak"] + unrequested == k * (passed_weak + solved)
    assert calls["solver:strong"] <= k * passed_weak and calls["solver:weak"] <= k * solved
    assert calls["judge:judge"] == sum(len(c.attempts) for c in candidates)
    assert calls["judge:judge"] + sum(c.cancelled_attempts for c in candidates) + unrequested \
        == k * (solved + passed_weak)
    # Waves of several attempts share one request: fewer requests than answers.
    assert registry.sim_engine.requests < calls["total"]
    assert calls["challenger:challenger"] == len(candidates)
    with_qv = sum(c.qv is not None for c in candidates) + sum(r.final_qv is not None for r in records)
    assert calls["qv:qv"] == with_qv
    assert calls["orchestrator:orchestrator"] == sum(r.next_guidance is not None for r in records)
    assert calls["total"] == sum(v for key, v in calls.items() if key != "total")


def test_rounds_follow_the_loop(agentic_run):
    config, summary, _, rounds = agentic_run
    assert len(rounds) == 8
    for records in rounds.values():
        assert [r.round for r in records] == list(range(1, len(records) + 1))
        assert len(records) <= config.knobs.round_budget
        # the loop ends on acceptance: only the last round may have a chosen candidate
        assert all(r.chosen is None for r in records[:-1])
        last = records[-1]
        assert last.chosen is not None or len(records) == config.knobs.round_budget
        assert records[0].guidance == "none"
        for earlier, later in zip(records, records[1:], strict=False):
            assert earlier.next_guidance  # every failed round before the budget gets guidance
            assert later.guidance == earlier.next_guidance
        if last.chosen is not None:
            assert last.final_qv is not None
            assert last.in_dataset == last.final_qv.passed
            assert last.candidates[last.chosen].decision == Outcome.ACCEPTED
    assert summary["accepted"] == sum(r[-1].in_dataset for r in rounds.values())


def test_weak_first_off_runs_strong_on_too_easy(tmp_path, sim_docs):
    config = parse_config({"preset": "agentic", "pipeline": {"weak_first": False}, "documents": {"count": 6}})
    registry = ModelRegistry(config.models, config.runtime)
    generate(config, sim_docs(config, 6), tmp_path, registry=registry)
    candidates = candidates_of(load_rounds(tmp_path))
    too_easy = [c for c in candidates if c.decision == Outcome.TOO_EASY]
    assert too_easy
    assert all(len(c.scores("strong")) == 3 for c in too_easy)
    solved = sum(c.decision in SOLVED for c in candidates)
    assert registry.sim_engine.calls["solver:strong"] == 3 * solved


# --- feedback grouping --------------------------------------------------------------------

def sample(question: str) -> Sample:
    return Sample(
        context=f"Provisions:\nRule 1. A person who is a registered operator is a bonded carrier.\n\nFacts:\n{question}",
        question=question,
        reference_answer="Conclusion: Yes, Amara Okafor is a bonded carrier.",
        final_answer="Yes",
        rubric=[Criterion(criterion="c", weight=1.0)],
        question_type="rule application",
    )


def attempts(solver: str, *scores: float) -> list[Attempt]:
    return [Attempt(solver=solver, index=i, answer="", final_answer="", verdicts=[], score=s)
            for i, s in enumerate(scores)]


def record(round_number: int, candidates: list[Candidate]) -> RoundRecord:
    return RoundRecord(doc_id="d", round=round_number, harness_hash="h", preset="agentic", seed=0,
                       guidance="none", candidates=candidates, decision="mixed")


def hand_records() -> list[RoundRecord]:
    easy1 = Candidate(index=0, sample=sample("Is Easy One a bonded carrier?"), attempts=attempts("weak", 1, 0.75, 0.5),
                      decision=Outcome.TOO_EASY, reason="weak mean 0.75 > 0.65")
    hard = Candidate(index=1, sample=sample("Is Hard One a bonded carrier?"),
                     attempts=attempts("weak", 0.25, 0.25, 0.25) + attempts("strong", 0.5, 0.5, 0.5),
                     decision=Outcome.FAILED_ON_STRONG, reason="strong mean 0.50 < 0.60")
    bad = Candidate(index=2, sample=sample("Is Leaky One a bonded carrier?"),
                    qv=QVResult(verdict="FAIL", reason="answer_leaked", explanation="check failed: answer leaked"),
                    decision=Outcome.FAILED_QUALITY, reason="answer_leaked")
    broken = Candidate(index=3, decision="error", reason="challenger: AdapterParseError: SECRET-ERROR-TEXT")
    errored_late = Candidate(index=4, sample=sample("Is Errored One a bonded carrier?"),
                             decision="error", reason="weak: TimeoutError: SECRET-TIMEOUT")
    easy2 = Candidate(index=0, sample=sample("Is Easy Two a bonded carrier?"), attempts=attempts("weak", 0.75, 0.75, 0.75),
                      decision=Outcome.TOO_EASY)
    accepted = Candidate(index=1, sample=sample("Is Good One a bonded carrier?"), decision=Outcome.ACCEPTED)
    return [record(1, [easy1, hard, bad, broken, errored_late]), record(2, [easy2, accepted])]


def test_group_failures_counts():
    groups = group_failures(hand_records())
    assert {outcome: len(items) for outcome, items in groups.items()} == {
        Outcome.TOO_EASY: 2, Outcome.FAILED_ON_STRONG: 1, Outcome.FAILED_QUALITY: 1, Outcome.IMPROVE: 0
    }
    assert [(r, c.sample.question) for r, c in groups[Outcome.TOO_EASY]] == [
        (1, "Is Easy One a bonded carrier?"), (2, "Is Easy Two a bonded carrier?")
    ]


def test_format_failures_groups_and_hides_errors():
    text = format_failures(hand_records())
    easy_at = text.index("TOO EASY (the weak solver scored too high): 2 attempts")
    strong_at = text.index("FAILED ON STRONG (the strong solver did not do well enough, or the gap was too small): 1 attempt\n")
    quality_at = text.index("FAILED QUALITY CHECK (rejected before any solver saw it): 1 attempt\n")
    assert easy_at < strong_at < quality_at
    easy_block, strong_block, quality_block = text[easy_at:strong_at], text[strong_at:quality_at], text[quality_at:]
    assert "[round 1] weak mean 0.75\nQuestion: Is Easy One a bonded carrier?" in easy_block
    assert "[round 2] weak mean 0.75\nQuestion: Is Easy Two a bonded carrier?" in easy_block
    assert ("[round 1] weak mean 0.25, strong mean 0.50, gap 0.25 (strong mean 0.50 < 0.60)\n"
            "Question: Is Hard One a bonded carrier?") in strong_block
    assert "[round 1] reason: answer_leaked (check failed: answer leaked)" in quality_block
    assert "Context:\nProvisions:\nRule 1." in quality_block  # attempts are shown whole, not summarised
    # errors and accepted samples are not feedback
    for hidden in ("SECRET", "Errored One", "Good One", "error"):
        assert hidden not in text


def test_format_failures_nothing_failed():
    only_errors = [record(1, [Candidate(index=0, decision="error", reason="boom")])]
    assert format_failures(only_errors) == "no failed attempts"
    assert format_failures([]) == "no failed attempts"


# --- records ------------------------------------------------------------------------------

def test_read_jsonl_ignores_a_partial_last_line(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"a": 1}\n\n{"a": 2}\n{"a": 3, "b": "trunc', encoding="utf-8")
    assert read_jsonl(path) == [{"a": 1}, {"a": 2}]
    path.write_text('{"a": 1}\n{"a": 2}', encoding="utf-8")  # parses, but no newline: the write was cut short
    assert read_jsonl(path) == [{"a": 1}]
    assert read_jsonl(tmp_path / "missing.jsonl") == []


def test_jsonl_writer_truncates_partial_line_before_appending(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_bytes(b'{"a": 1}\n{"a": 2}\n{"a": 3, "b": "tru')
    with JsonlWriter(path, durable=False) as writer:
        assert path.read_bytes() == b'{"a": 1}\n{"a": 2}\n'  # repaired on open
        writer.write({"a": 4})
        writer.write(Attempt(solver="weak", index=0, answer="x", final_answer="Yes", verdicts=[True], score=1.0))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines][:3] == [{"a": 1}, {"a": 2}, {"a": 4}]
    assert json.loads(lines[3])["solver"] == "weak"
    assert read_jsonl(path) == [json.loads(line) for line in lines]


def test_jsonl_writer_keeps_a_complete_file_and_creates_missing(tmp_path):
    path = tmp_path / "deep" / "rows.jsonl"
    with JsonlWriter(path) as writer:
        writer.write({"a": 1})
    with JsonlWriter(path) as writer:
        writer.write({"a": 2})
    assert read_jsonl(path) == [{"a": 1}, {"a": 2}]


# --- baseline presets ---------------------------------------------------------------------

def test_cot_self_instruct_one_shot_with_consistency_filter(tmp_path, sim_docs, read_rows):
    config = parse_config({"preset": "cot-self-instruct", "documents": {"count": 8}})
    registry = ModelRegistry(config.models, config.runtime)
    summary = generate(config, sim_docs(config, 8), tmp_path, registry=registry)
    rounds = load_rounds(tmp_path)
    assert len(rounds) == 8
    assert all(len(records) == 1 for records in rounds.values())  # exactly one round per document
    decisions = []
    for (record,) in rounds.values():
        (candidate,) = record.candidates
        decisions.append(candidate.decision)
        assert candidate.qv is None  # no QV gate
        assert len(candidate.scores("weak")) == len(candidate.scores("strong")) == 3
        assert candidate.sample.plan  # planned first (chain of thought)
        assert candidate.consistency is not None
        assert (candidate.decision == Outcome.KEPT) == candidate.consistency["consistent"]
        assert record.in_dataset == (candidate.decision == Outcome.KEPT)
        assert record.final_qv is None and record.next_guidance is None
    assert set(decisions) <= {Outcome.KEPT, Outcome.FILTERED}
    assert Outcome.KEPT in decisions
    assert summary["accepted"] == decisions.count(Outcome.KEPT)
    assert registry.sim_engine.calls["solver:strong"] == 3 * 8
    assert registry.sim_engine.calls["orchestrator:orchestrator"] == 0
    assert registry.sim_engine.calls["qv:qv"] == 0
    resolved = json.loads((tmp_path / "config.resolved.json").read_text(encoding="utf-8"))
    assert resolved["pipeline"]["plan"] is True and resolved["pipeline"]["consistency_filter"] is True


def test_self_instruct_challenger_never_sees_the_document(tmp_path, sim_docs):
    config = parse_config({"preset": "self-instruct", "documents": {"count": 4}})
    docs = sim_docs(config, 4)
    registry = ModelRegistry(config.models, config.runtime)
    seen = []
    original = registry.sim_engine.reply

    def spy(request):
        parsed = parse_request(request)
        if "rubric" in parsed.outputs and "question" in parsed.outputs:
            seen.append(parsed)
        return original(request)

    registry.sim_engine.reply = spy
    generate(config, docs, tmp_path, registry=registry)
    assert len(seen) == 4
    titles = {d.title for d in docs.documents}
    for parsed in seen:
        assert "document" not in parsed.inputs
        assert parsed.inputs["topic"] in titles
        for doc in docs.documents:
            assert doc.text not in parsed.inputs["topic"]
    resolved = json.loads((tmp_path / "config.resolved.json").read_text(encoding="utf-8"))
    assert resolved["pipeline"]["grounded"] is False
    assert all(len(records) == 1 for records in load_rounds(tmp_path).values())
    decisions = {c.decision for c in candidates_of(load_rounds(tmp_path))}
    assert decisions == {Outcome.KEPT}  # no solver gate and no consistency filter


def test_grounded_challenger_does_see_the_document(tmp_path, sim_docs):
    config = parse_config({"preset": "grounded-self-instruct", "documents": {"count": 2}})
    docs = sim_docs(config, 2)
    registry = ModelRegistry(config.models, config.runtime)
    seen = []
    original = registry.sim_engine.reply

    def spy(request):
        parsed = parse_request(request)
        if "rubric" in parsed.outputs and "question" in parsed.outputs:
            seen.append(parsed.inputs)
        return original(request)

    registry.sim_engine.reply = spy
    generate(config, docs, tmp_path, registry=registry)
    assert sorted(i["document"] for i in seen) == sorted(d.text.strip() for d in docs.documents)
