"""The domain protocols (cs, science, legal), the registered roles and their offline-world players,
and dataset-level feedback: through the real loop on the offline world (SIMULATED numbers)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from harness import role_registry
from harness.acceptance import Outcome
from harness.config import parse_config
from harness.dataset_feedback import DatasetFeedback
from harness.models import ModelRegistry
from harness.protocols import PROTOCOLS, protocol_for
from harness.protocols.legal import LegalProtocol, format_packet, packet_numbers
from harness.protocols.science import atomic_problem
from harness.records import Attempt, Candidate, RoundRecord, Sample
from harness.role_defs import loop_judge
from harness.roles import Roles
from harness.rubric import Criterion
from harness.sim.players import read_judge_style

GAMING_SENTENCE = ("Treat a rubric eased toward what the weak rollouts already write (criteria every rollout meets, "
                   "padding that lifts the rates) as gaming, never as progress: answer improve.")



def with_faults(config, **rates):
    """The config with the offline world injecting these faults (runtime.sim_faults)."""
    from harness.config import SimFaults

    return config.model_copy(update={"runtime": config.runtime.model_copy(update={"sim_faults": SimFaults(**rates)})})

def test_registry_and_presets_name_every_protocol_and_role() -> None:
    assert set(PROTOCOLS) == {"cs", "science", "legal"}
    assert {"extractor", "loop_judge", "equivalence"} <= set(role_registry.names())
    for preset, name in (("agentic", "cs"), ("cs", "cs"), ("science", "science"), ("legal", "legal")):
        assert protocol_for(parse_config({"preset": preset})).name == name
    # guarded.protocol overrides the preset's; an unknown one is refused naming the field
    assert parse_config({"preset": "agentic", "guarded": {"protocol": "science"}}).protocol_name == "science"
    with pytest.raises(ValueError, match="guarded.*unknown protocol 'maths'"):
        parse_config({"guarded": {"protocol": "maths"}})
    # a new role's model is its slot's unless set; set, it is listed with the base roles
    config = parse_config({"preset": "legal", "models": {"extractor": {"model": "sim/qv"}}})
    assert config.models.for_role("loop_judge").model == "sim/judge"
    assert dict(config.models.items())["extractor"].model == "sim/qv"
    assert {"extractor", "loop_judge"} <= {role for role, _ in config.role_models()}


def test_default_harness_hash_is_unchanged_by_the_new_settings() -> None:
    plain = parse_config({})
    assert "feedback_dataset_every" not in plain.identity()["knobs"]
    assert "protocol" not in plain.identity()["guarded"] and "protocol" not in plain.identity()["pipeline"]
    assert parse_config({"knobs": {"feedback_dataset_every": 5}}).harness_hash() != plain.harness_hash()


@pytest.mark.parametrize(("answer", "problem"), [
    ("Ann is a senior pilot.", None),
    ("42", "bare number"),
    ("Ann is a pilot. She is senior.", "more than one sentence"),
    ("The ratio is 3.14159.", "precision-sensitive"),
    ("Yes", "not a sentence"),
])
def test_atomic_answers_are_screened(answer: str, problem: str | None) -> None:
    found = atomic_problem(answer)
    assert (found is None) if problem is None else (problem in found)


def _eased_candidate(padding: int) -> Candidate:
    """A legal candidate whose core rubric the strong rollouts pass only half of (the weak ones none),
    plus ``padding`` positive criteria every rollout meets (a rubric eased toward the weak answers)."""
    core = [Criterion(criterion=f"core step {i}", weight=1.0) for i in range(6)]
    pads = [Criterion(criterion=f"states fact {i}", weight=1.0) for i in range(padding)]
    rubric = core + pads
    tags = ["chaining"] * 6 + ["presentation"] * padding
    sample = Sample(context="c", question="Is Ann a harbour master?", reference_answer="r", final_answer="Yes",
                    rubric=rubric, question_type="t", capabilities=tags)
    weak_core, strong_core = [False] * 6, [True, True, True, False, False, False]
    attempts = [Attempt(solver="weak", index=i, answer="a", final_answer="No", verdicts=weak_core + [True] * padding,
                        score=0.0) for i in range(5)]
    attempts += [Attempt(solver="strong", index=i, answer="a", final_answer="Yes",
                         verdicts=strong_core + [True] * padding, score=0.0) for i in range(3)]
    for a in attempts:
        a.score = sum(a.verdicts) / len(a.verdicts)
    return Candidate(index=0, sample=sample, attempts=attempts, decision=Outcome.ACCEPTED)


def _verdicts(gene: str, padding: int, seeds: range) -> list[str]:
    config = parse_config({"preset": "legal", "genes": {"loop_judge_instructions": gene}})
    roles = Roles(config, ModelRegistry(config.models, config.runtime))
    protocol = LegalProtocol(config)
    out = []
    for seed in seeds:
        candidate = _eased_candidate(padding)
        asyncio.run(protocol.review(candidate, roles, seed))
        out.append(candidate.decision)
    return out


def test_loop_judge_resists_an_eased_rubric_only_when_its_gene_calls_easing_gaming() -> None:
    with_rule = loop_judge.INSTRUCTIONS
    assert GAMING_SENTENCE in with_rule
    without_rule = with_rule.replace(GAMING_SENTENCE, "").strip()
    assert read_judge_style(with_rule) == (True, True) and read_judge_style(without_rule) == (False, True)
    seeds = range(12)
    # Unpadded, the strong rollouts reach only 0.5: both judges ask to improve.
    assert _verdicts(with_rule, 0, seeds).count(Outcome.IMPROVE) == 12
    assert _verdicts(without_rule, 0, seeds).count(Outcome.IMPROVE) == 12
    # Padded with 7 criteria every rollout meets: weak 0.54, strong 0.77, gap 0.23 - in range, so the
    # judge without the instruction falls for it; with it, it refuses (7 of 13 met by every weak rollout).
    numbers = packet_numbers(_eased_candidate(7))
    assert numbers["all_weak_met"] == 7 and numbers["positive"] == 13
    fooled = _verdicts(without_rule, 7, seeds)
    resisted = _verdicts(with_rule, 7, seeds)
    assert fooled.count(Outcome.ACCEPTED) >= 9, fooled  # fallible: a noisy reading near a margin improves
    assert resisted.count(Outcome.IMPROVE) == 12, resisted


def test_code_overrides_force_improve() -> None:
    config = parse_config({"preset": "legal"})
    protocol = LegalProtocol(config)
    candidate = _eased_candidate(0)
    candidate.sample.question = "Which of the following is true of Ann? (a) pilot (b) master"
    assert any("exam-style" in o for o in protocol.overrides(candidate))
    candidate.sample.question = "x" * 1001
    assert any("1001 chars" in o for o in protocol.overrides(candidate))
    assert "positive criteria every weak rollout meets" in format_packet(packet_numbers(_eased_candidate(2)))


def _generate(preset: str, docs: int, out: Path, sim_docs, counted_generation, **extra) -> dict:
    config = parse_config({"preset": preset, "tracking": {"enabled": False}, **extra})
    summary, _ = counted_generation(config, sim_docs(config, docs), out)
    return summary


def test_science_preset_records_correct_counts_per_solver(tmp_path, sim_docs, counted_generation, read_rows) -> None:
    summary = _generate("science", 4, tmp_path, sim_docs, counted_generation)
    rounds = read_rows(tmp_path / "rounds.jsonl")
    scored = [c for r in rounds for c in r["candidates"] if c["stats"]]
    assert scored
    for c in scored:
        weak = [a for a in c["attempts"] if a["solver"] == "weak"]
        assert c["stats"]["weak_correct"] == sum(a["score"] == 1.0 for a in weak)
        assert all(len(a["verdicts"]) == 1 for a in c["attempts"])  # one equivalence judgement each
        if c["decision"] == "too_easy":
            assert c["reason"].startswith("weak correct") and c["stats"]["weak_correct"] > 1
        if c["decision"] == "accepted":
            assert c["stats"]["weak_correct"] <= 1 and c["stats"]["strong_correct"] >= 3
    for row in read_rows(tmp_path / "accepted.jsonl"):
        assert atomic_problem(row["sample"]["final_answer"]) is None
    assert summary["calls_this_session"].get("equivalence", 0) > 0


def test_legal_preset_records_the_loop_judge_json_and_skipped_documents(
        tmp_path, sim_docs, counted_generation, read_rows) -> None:
    _generate("legal", 24, tmp_path, sim_docs, counted_generation, knobs={"round_budget": 3})
    rounds = read_rows(tmp_path / "rounds.jsonl")
    skipped = [r for r in rounds if r["decision"] == "skipped"]
    assert skipped and all(r["skip_reason"].startswith("extractor:") and not r["candidates"] for r in skipped)
    reviewed = [c for r in rounds for c in r["candidates"] if c["review"]]
    assert reviewed
    for c in reviewed:
        judged = c["review"]["loop_judge"]
        assert set(judged) == set(loop_judge.FIELDS)
        assert judged["grpo_suitability"] in ("high", "medium", "low")
        assert c["decision"] == ("accepted" if judged["verdict"] == "accept" and not c["review"]["overrides"]
                                 else "improve")
        assert len(c["sample"]["capabilities"]) == len(c["sample"]["rubric"])
        assert 15 <= len(c["sample"]["rubric"]) <= 25 or c["sample"]["rubric"]
    # an improve round hands the loop-judge's suggestion to the writer
    improved = [r for r in rounds if r["decision"] == "improve" and r["next_guidance"]]
    assert improved and all(r["next_guidance"] == r["candidates"][0]["review"]["loop_judge"]["suggestion_for_writer"]
                            for r in improved if not r["candidates"][0]["review"]["overrides"])
    for row in read_rows(tmp_path / "accepted.jsonl"):
        assert row["sample"]["capabilities"]


def test_dataset_feedback_snapshots_are_recorded_and_reread_on_resume(
        tmp_path, sim_docs, counted_generation, read_rows) -> None:
    _generate("agentic", 10, tmp_path, sim_docs, counted_generation, knobs={"feedback_dataset_every": 2},
              runtime={"concurrency": 3})
    snapshots = read_rows(tmp_path / "dataset_feedback.jsonl")
    assert snapshots and [s["id"] for s in snapshots] == list(range(1, len(snapshots) + 1))
    assert all(s["at_accepted"] >= 2 * s["id"] for s in snapshots)
    assert "under-covered question types" in snapshots[0]["text"]
    rounds = [RoundRecord.model_validate(r) for r in read_rows(tmp_path / "rounds.jsonl")]
    read = {r.dataset_snapshot for r in rounds if r.dataset_snapshot is not None}
    assert read and read <= {s["id"] for s in snapshots}
    # the orchestrator read the report in the rounds that carry its id
    by_doc: dict[str, list[RoundRecord]] = {}
    for r in rounds:
        by_doc.setdefault(r.doc_id, []).append(r)
    feedback = DatasetFeedback(2, tmp_path)
    for doc_rounds in by_doc.values():
        ids = {r.dataset_snapshot for r in doc_rounds}
        assert len(ids) == 1  # one snapshot per document, whatever came later
        again = feedback.for_document(doc_rounds)  # what a resumed document reads
        assert (again.id if again else None) == ids.pop()


def test_dataset_feedback_is_off_by_default(tmp_path, sim_docs, counted_generation) -> None:
    _generate("agentic", 3, tmp_path, sim_docs, counted_generation)
    assert not (tmp_path / "dataset_feedback.jsonl").exists()


@pytest.mark.slow
def test_new_roles_reach_the_world_over_http(tmp_path, sim_docs, read_rows) -> None:
    from harness.generate import generate
    from harness.sim.server_process import ServerProcess, running

    server = ServerProcess()
    with running({"plain": server}):
        roles = ("challenger", "qv", "weak", "strong", "judge", "orchestrator")
        models = {role: {"model": f"openai/{role}", "api_base": server.url} for role in roles}
        for preset in ("legal", "science"):
            config = parse_config({"preset": preset, "models": models, "tracking": {"enabled": False},
                                   "knobs": {"round_budget": 2}})
            summary = generate(config, sim_docs(config, 3), tmp_path / preset)
            calls = summary["calls_this_session"]
            wanted = ("extractor", "loop_judge") if preset == "legal" else ("equivalence",)
            assert all(calls.get(role, 0) > 0 for role in wanted), calls
            assert set(wanted) <= set(summary["simulated_roles"])  # provenance: the world answered
    assert json.loads((tmp_path / "legal" / "summary.json").read_text())["simulated"]


def test_players_share_nothing_with_the_worlds_reader() -> None:
    """The registered roles' players read only their prompt: no import, transitively, of the code
    that reads instructions or decides the world's reactions (the reader, the writer, the QV)."""
    import ast

    sim = Path(__file__).resolve().parent.parent / "harness" / "sim"
    forbidden = {"reader", "reading", "lexicon", "challenger", "verifier", "tasks", "obey", "judge", "solver"}
    seen, todo = set(), ["players"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        found = set()
        for node in ast.walk(ast.parse((sim / f"{name}.py").read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("harness.sim"):
                parts = node.module.split(".")
                found |= {a.name for a in node.names} if len(parts) == 2 else {parts[2]}
        assert not found & forbidden, (name, found & forbidden)
        todo.extend(found)
    assert {"answers", "logic", "profiles"} <= seen


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["science", "legal"])
def test_generate_with_a_domain_preset_end_to_end(tmp_path, preset) -> None:
    """The CLI as a user runs it: the demo config with --preset science / legal on the offline world."""
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if k not in ("MLFLOW_TRACKING_URI", "DSPY_CACHEDIR")}
    env["AUTODATA_STORE"] = str(tmp_path / "store")
    out = tmp_path / preset
    done = subprocess.run([sys.executable, "-m", "experiments.cli", "generate", "experiments/configs/demo.yaml",
                           "--preset", preset, "--docs", "8", "--out", str(out), "--no-track"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    assert "SIMULATED" in done.stdout and "protocol" in done.stdout
    card = json.loads((out / "scorecard.json").read_text())
    if preset == "legal":
        mix = card["protocol"]["grpo_suitability_all"]
        assert mix and set(mix) <= {"high", "medium", "low"} and abs(sum(mix.values()) - 1) < 0.01
        assert "grpo_suitability" in done.stdout
    else:
        assert card["protocol"]["correct_counts"] and "correct_counts" in done.stdout


def test_a_resumed_document_reads_the_snapshot_its_rounds_read(tmp_path, sim_docs, read_rows) -> None:
    """A run stopped by its budget mid-way, then resumed: every document's rounds carry one
    snapshot id, the one it started with, though later snapshots exist by the time it resumes."""
    from harness.generate import generate

    base = {"preset": "agentic", "tracking": {"enabled": False}, "knobs": {"feedback_dataset_every": 2},
            "runtime": {"concurrency": 4}}
    stopped = parse_config({**base, "runtime": {"concurrency": 4, "budget": {"calls": 150}}})
    docs = sim_docs(stopped, 12)
    assert generate(stopped, docs, tmp_path)["stopped"]  # the budget stopped it, cleanly
    first = [RoundRecord.model_validate(r) for r in read_rows(tmp_path / "rounds.jsonl")]
    before = {r.doc_id: r.dataset_snapshot for r in first}
    generate(parse_config(base), docs, tmp_path)
    rounds = [RoundRecord.model_validate(r) for r in read_rows(tmp_path / "rounds.jsonl")]
    assert len(rounds) > len(first)  # the resumed session did work
    by_doc: dict[str, set] = {}
    for r in rounds:
        by_doc.setdefault(r.doc_id, set()).add(r.dataset_snapshot)
    assert all(len(ids) == 1 for ids in by_doc.values()), by_doc
    assert all(by_doc[doc] == {snap} for doc, snap in before.items())  # resumed documents kept theirs
    counts_before = {d: sum(r.doc_id == d for r in first) for d in before}
    resumed = [d for d in before if sum(r.doc_id == d for r in rounds) > counts_before[d]]
    assert resumed  # some document was cut mid-way and went on in the second session
    assert len(read_rows(tmp_path / "dataset_feedback.jsonl")) >= 2


def test_improve_rounds_reach_the_orchestrator_in_the_grouped_form() -> None:
    from harness.feedback import format_failures

    candidate = _eased_candidate(0)
    candidate.decision, candidate.reason = Outcome.IMPROVE, "loop-judge: improve (strong rollouts fail the core)"
    record = RoundRecord(doc_id="d", round=2, harness_hash="h", preset="legal", seed=0, guidance="none",
                         candidates=[candidate], decision=Outcome.IMPROVE)
    text = format_failures([record])
    assert text.startswith("IMPROVE (the loop-judge, or a code override, asked for a better question): 1 attempt")
    assert "[round 2] loop-judge: improve (strong rollouts fail the core)" in text


def test_new_roles_unusable_replies_are_counted_per_role_and_reason(tmp_path, sim_docs, counted_generation) -> None:

    config = parse_config({"preset": "legal", "tracking": {"enabled": False}, "knobs": {"round_budget": 1}})
    summary, _ = counted_generation(with_faults(config, malformed=0.5), sim_docs(config, 20), tmp_path)
    # the screening's calls are counted in each document's first round, like the round's own
    failures = summary["parse_failures"]
    assert failures.get("loop_judge", {}).get("unparseable", 0) > 0, failures
    assert failures.get("extractor", {}).get("unparseable", 0) > 0, failures
