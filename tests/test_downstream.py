"""Downstream trainers: the simulated fine-tune, in-context uplift, and an external command."""

from __future__ import annotations

import json
import random
import re
import shlex
import sys
from pathlib import Path

import pytest

from harness.config import parse_config
from harness.documents import load_documents
from harness.generate import ACCEPTED_FILE, generate
from harness.records import AcceptedSample, Sample
from harness.rubric import Criterion
from harness.sim.tasks import Task, TaskSpec, build_task
from harness.sim.trainer import SimTrainer
from harness.sim.world import World
from objectives.downstream.base import DownstreamResult, DownstreamTrainer
from objectives.downstream.command import CommandTrainer
from objectives.downstream.factory import run_downstream
from objectives.downstream.icl import EvalSetError, ICLTrainer, load_eval_samples, world_eval_samples
from objectives.evaluate import truncated
from objectives.run import load_run

# --- the simulated trainer on hand-made samples -----------------------------------------------


def world_tasks(depths: tuple[int, ...], count: int, seed: int = 0, world: int = 7) -> list[Task]:
    """``count`` tasks of the given chain depths, built from documents of an offline world."""
    docs, rng, tasks = World(world), random.Random(f"test-tasks:{seed}"), []
    for index in range(500):
        task = build_task(docs.document(index % 50).rules, TaskSpec(depth=rng.choice(depths)), rng)
        if task is not None and task.depth in depths:
            tasks.append(task)
        if len(tasks) == count:
            return tasks
    raise AssertionError(f"the world has too few tasks of depth {depths}")


def as_accepted(tasks: list[Task], flip: bool = False, prefix: str = "s") -> list[AcceptedSample]:
    """Tasks as accepted samples; ``flip`` mislabels them (final answer contradicts the derivation)."""
    out = []
    for i, task in enumerate(tasks):
        final = task.final_answer
        if flip:
            final = "No" if final == "Yes" else "Yes"
        sample = Sample(context=task.context, question=task.question, reference_answer=task.reference_answer,
                        final_answer=final, rubric=[Criterion.model_validate(c) for c in task.rubric],
                        question_type=task.question_type, skill_tags=task.skill_tags)
        out.append(AcceptedSample(id=f"{prefix}{i:03d}", doc_id="sim-7", round=1, harness_hash="h", preset="agentic",
                                  seed=0, sample=sample, weak_scores=[0.2, 0.3], strong_scores=[0.8, 0.9],
                                  weak_mean=0.25, strong_mean=0.85, gap=0.6))
    return out


@pytest.fixture(scope="module")
def sim_trainer() -> SimTrainer:
    return SimTrainer(seed=0, benchmark_size=300)


@pytest.fixture(scope="module")
def deep() -> list[AcceptedSample]:
    return as_accepted(world_tasks((4, 5), 12))


@pytest.fixture(scope="module")
def shallow() -> list[AcceptedSample]:
    return as_accepted(world_tasks((1,), 12))


def test_sim_trainer_follows_the_protocol(sim_trainer):
    assert isinstance(sim_trainer, DownstreamTrainer)
    assert sim_trainer.name == "sim"


def test_deep_correct_samples_teach_more_than_shallow_ones(sim_trainer, deep, shallow):
    deep_result, shallow_result = sim_trainer.train(deep), sim_trainer.train(shallow)
    for result in (deep_result, shallow_result):
        assert result.ok and result.simulated
        assert result.samples_used == 12
        assert result.reward == pytest.approx(result.after - result.before)
        assert result.details["mislabelled"] == 0 and result.details["unreadable"] == 0
    assert deep_result.before == shallow_result.before  # same learner, same benchmark
    assert deep_result.details["mean_depth"] >= 4
    assert shallow_result.details["mean_depth"] == 1
    print(f"deep gain {deep_result.reward:+.3f}, shallow gain {shallow_result.reward:+.3f}")
    assert deep_result.reward > shallow_result.reward
    assert deep_result.reward > 0


def test_mislabelled_samples_do_harm(sim_trainer, deep):
    correct = sim_trainer.train(deep)
    wrong = sim_trainer.train(as_accepted(world_tasks((4, 5), 12), flip=True))
    assert wrong.details["mislabelled"] == 12
    assert wrong.samples_used == 12
    print(f"correct gain {correct.reward:+.3f}, mislabelled gain {wrong.reward:+.3f}")
    assert wrong.reward < correct.reward
    assert wrong.reward < 0


def test_outcome_depends_on_content_not_count(sim_trainer, deep):
    # Same trainer, same count (12), deterministic: any difference comes from what the samples say.
    assert sim_trainer.train(deep) == sim_trainer.train(deep)
    tasks = world_tasks((4, 5), 12)
    other_world = as_accepted(world_tasks((4, 5), 12, world=11))
    half_wrong = as_accepted(tasks[:6]) + as_accepted(tasks[6:], flip=True, prefix="f")
    all_wrong = as_accepted(tasks, flip=True)
    rewards = {name: sim_trainer.train(d).reward
               for name, d in [("deep", deep), ("other world", other_world), ("half wrong", half_wrong),
                               ("all wrong", all_wrong)]}
    print(rewards)
    assert len(set(rewards.values())) == 4, rewards
    assert rewards["all wrong"] < rewards["half wrong"] < rewards["deep"]


def test_unreadable_samples_teach_nothing(sim_trainer, deep):
    garbled = [s.model_copy(update={"sample": s.sample.model_copy(update={"question": "What is the weather?"})})
               for s in deep]
    result = sim_trainer.train(garbled)
    assert result.ok
    assert result.samples_used == 0
    assert result.details["unreadable"] == 12
    assert result.details["mean_depth"] is None
    assert result.reward == 0.0


# --- the shape: agentic data beats cot-self-instruct data, sample for sample ----------


@pytest.mark.slow
def test_agentic_data_gains_more_than_cot_self_instruct_over_three_seeds(tmp_path_factory):
    gains: dict[str, list[float]] = {"agentic": [], "cot-self-instruct": []}
    for seed in (0, 1, 2):
        runs = {}
        for preset in gains:
            config = parse_config({"preset": preset, "seed": seed, "documents": {"count": 30}})
            out = tmp_path_factory.mktemp(f"{preset}-seed{seed}")
            generate(config, load_documents(config.documents), out)
            runs[preset] = load_run(out)
        count = min(len(run.accepted) for run in runs.values())
        assert count >= 5, f"seed {seed}: too few samples to compare ({count})"
        trainer = SimTrainer(seed=seed)
        for preset, run in runs.items():
            cut = truncated(run, count)
            assert len(cut.accepted) == count
            assert [a.id for a in cut.accepted] == sorted(a.id for a in run.accepted)[:count]
            result = trainer.train(cut.accepted)
            assert result.ok and result.samples_used == count
            gains[preset].append(result.reward)
            print(f"seed {seed} {preset}: {count} samples, gain {result.reward:+.3f} "
                  f"({result.before:.3f} -> {result.after:.3f})")
    mean = {preset: sum(values) / len(values) for preset, values in gains.items()}
    print(f"mean gain: agentic {mean['agentic']:+.3f}, cot-self-instruct {mean['cot-self-instruct']:+.3f} (SIMULATED)")
    assert mean["agentic"] > mean["cot-self-instruct"]


# --- in-context uplift, end to end on the offline world ----------------------------------------


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    config = parse_config({"documents": {"count": 6}})
    out = tmp_path_factory.mktemp("icl-run")
    generate(config, load_documents(config.documents), out)
    run = load_run(out)
    assert run.accepted, "the small run must accept samples for these tests to mean anything"
    return config, run, out


def test_icl_trainer_end_to_end_offline(small_run):
    config, run, _ = small_run
    eval_samples = world_eval_samples(12)
    assert len(eval_samples) == 12
    result = ICLTrainer(config, eval_samples, k=4, seed=0).train(run.accepted)
    assert result.ok, result.reason
    assert result.trainer == "icl"
    assert result.simulated is True
    assert 0.0 <= result.before <= 1.0 and 0.0 <= result.after <= 1.0
    assert result.reward == pytest.approx(result.after - result.before)
    k = min(4, len(run.accepted))
    assert result.samples_used == k
    details = result.details
    assert details["eval_samples"] == 12
    assert details["k"] == k
    assert set(details["demo_ids"]) <= {a.id for a in run.accepted}
    assert len(set(details["demo_ids"])) == k
    for field in ("accuracy_before", "accuracy_after"):
        assert 0.0 <= details[field] <= 1.0
        assert (details[field] * 12) == pytest.approx(round(details[field] * 12))  # a count out of 12
    # deterministic: the same dataset, seed and held-out set give the same reward
    assert ICLTrainer(config, eval_samples, k=4, seed=0).train(run.accepted) == result


def test_icl_with_an_empty_dataset_fails_with_a_reason(small_run):
    config, _, _ = small_run
    result = ICLTrainer(config, world_eval_samples(3)).train([])
    assert result.ok is False
    assert result.reward is None
    assert "empty dataset" in result.reason


def test_world_eval_samples_are_held_out_and_deterministic():
    first, again = world_eval_samples(5, seed=1), world_eval_samples(5, seed=1)
    assert first == again
    assert first != world_eval_samples(5, seed=2)
    assert all(s.final_answer in ("Yes", "No") and s.rubric for s in first)


def test_load_eval_samples_reads_accepted_and_flat_rows(tmp_path: Path, small_run):
    _, run, out = small_run
    flat = tmp_path / "flat.jsonl"
    flat.write_text(json.dumps(run.accepted[0].sample.model_dump(mode="json")) + "\n\n", encoding="utf-8")
    assert load_eval_samples(flat) == [run.accepted[0].sample]
    from_run = load_eval_samples(out / ACCEPTED_FILE)
    assert from_run == [a.sample for a in run.accepted]


@pytest.mark.parametrize("bad_line", ['{"question": "only a question"}', "{not json", "[1, 2, 3]", "42"])
def test_load_eval_samples_errors_name_file_and_line(tmp_path: Path, small_run, bad_line: str):
    _, run, _ = small_run
    path = tmp_path / "eval.jsonl"
    good = json.dumps(run.accepted[0].model_dump(mode="json"))
    path.write_text(f"{good}\n\n{bad_line}\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match=rf"^{re.escape(str(path))}:3: not a sample"):
        load_eval_samples(path)


def test_load_eval_samples_missing_file(tmp_path: Path):
    with pytest.raises(EvalSetError, match="evaluation file not found"):
        load_eval_samples(tmp_path / "nope.jsonl")


# --- the factory -------------------------------------------------------------------------------


def test_factory_runs_the_configured_trainer(small_run):
    config, run, out = small_run
    assert run_downstream("none", config, run, out) is None
    sim = run_downstream("sim", config, run, out)
    assert sim.trainer == "sim" and sim.ok and sim.simulated
    assert sim.samples_used == len(run.accepted)
    with pytest.raises(ValueError, match="unknown downstream trainer 'gpu'"):
        run_downstream("gpu", config, run, out)


def test_factory_turns_setup_problems_into_failed_results(tmp_path: Path, small_run):
    config, run, out = small_run
    no_command = run_downstream("command", config, run, out)  # kind overridden, no command configured
    assert no_command.ok is False and "no downstream.command" in no_command.reason
    bad_eval = tmp_path / "eval.jsonl"
    bad_eval.write_text("{broken\n", encoding="utf-8")
    icl_config = config.model_copy(update={"downstream": config.downstream.model_copy(update={"eval_path": str(bad_eval)})})
    result = run_downstream("icl", icl_config, run, out)
    assert result.ok is False and result.trainer == "icl"
    assert result.reason.startswith(f"{bad_eval}:1:")


# --- the external command ----------------------------------------------------------------------

SUCCESS = """
import json, sys
dataset, output = sys.argv[1], sys.argv[2]
lines = [l for l in open(dataset, encoding="utf-8").read().splitlines() if l.strip()]
json.dump({"reward": 0.25, "before": 0.5, "after": 0.75, "dataset": dataset, "rows": len(lines)},
          open(output, "w", encoding="utf-8"))
"""


def script(tmp_path: Path, name: str, body: str) -> str:
    """A command template running ``body`` as a Python script with the current interpreter."""
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(path))} {{dataset}} {{output}}"


@pytest.fixture
def dataset(tmp_path: Path, deep) -> tuple[list[AcceptedSample], Path, Path]:
    samples = deep[:3]
    path = tmp_path / "data" / ACCEPTED_FILE
    path.parent.mkdir()
    path.write_text("".join(json.dumps(s.model_dump(mode="json")) + "\n" for s in samples), encoding="utf-8")
    return samples, path, tmp_path / "result" / "command_result.json"


def run_command(template: str, dataset, timeout_s: float = 30.0) -> DownstreamResult:
    samples, data_path, output_path = dataset
    return CommandTrainer(template, timeout_s=timeout_s).train(samples, dataset_path=data_path, output_path=output_path)


def test_command_success_reads_the_reward_and_gets_the_dataset_path(tmp_path: Path, dataset):
    samples, data_path, output_path = dataset
    result = run_command(script(tmp_path, "ok.py", SUCCESS), dataset)
    assert result.ok, result.reason
    assert result.trainer == "command"
    assert result.reward == pytest.approx(0.25)
    assert (result.before, result.after) == (pytest.approx(0.5), pytest.approx(0.75))
    assert result.samples_used == 3
    assert result.simulated is False
    # {dataset} was the dataset file (3 rows), {output} the file the result was read from
    assert result.details == {"dataset": str(data_path), "rows": 3}
    assert json.loads(output_path.read_text(encoding="utf-8"))["reward"] == 0.25


def test_command_template_substitution(tmp_path: Path):
    trainer = CommandTrainer("train --data {dataset} --out={output} --tag 'a b'")
    assert trainer.argv(tmp_path / "d.jsonl", tmp_path / "r.json") == [
        "train", "--data", str(tmp_path / "d.jsonl"), f"--out={tmp_path / 'r.json'}", "--tag", "a b"]


def test_command_not_found(dataset):
    result = run_command("autodata-no-such-command-xyz {dataset} {output}", dataset)
    assert result.ok is False
    assert result.reason == "command not found: autodata-no-such-command-xyz"


def test_command_nonzero_exit_records_code_and_stderr_tail(tmp_path: Path, dataset):
    body = "import sys\nprint('x' * 1000, file=sys.stderr)\nprint('CUDA out of memory', file=sys.stderr)\nsys.exit(3)\n"
    result = run_command(script(tmp_path, "exit3.py", body), dataset)
    assert result.ok is False
    assert result.reason == "exited with code 3"
    stderr = result.details["stderr"]
    assert stderr.endswith("CUDA out of memory")
    assert len(stderr) <= 300  # the tail, not the whole log


def test_command_timeout(tmp_path: Path, dataset):
    result = run_command(script(tmp_path, "slow.py", "import time\ntime.sleep(5)\n"), dataset, timeout_s=1)
    assert result.ok is False
    assert "timed out" in result.reason and "1 s" in result.reason


def test_command_bad_json(tmp_path: Path, dataset):
    body = "import sys\nopen(sys.argv[2], 'w').write('{\"reward\": 0.25,')\n"
    result = run_command(script(tmp_path, "bad.py", body), dataset)
    assert result.ok is False
    assert "not valid JSON" in result.reason
    assert str(dataset[2]) in result.reason


@pytest.mark.parametrize("payload", [{"before": 0.5, "after": 0.75}, {"reward": "0.25"}, {"reward": None},
                                     {"reward": True}, {"reward": float("nan")}, [0.25]])
def test_command_reward_must_be_a_finite_number(tmp_path: Path, dataset, payload):
    body = f"import sys\nopen(sys.argv[2], 'w').write({json.dumps(payload)!r})\n"
    result = run_command(script(tmp_path, "reward.py", body), dataset)
    assert result.ok is False
    assert "field 'reward' must be a finite number" in result.reason


def test_command_that_writes_nothing_is_not_read_from_a_stale_result(tmp_path: Path, dataset):
    _, _, output_path = dataset
    output_path.parent.mkdir(parents=True, exist_ok=True)
    output_path.write_text('{"reward": 0.9}', encoding="utf-8")  # left over from an earlier run
    result = run_command(script(tmp_path, "quiet.py", "pass\n"), dataset)
    assert result.ok is False
    assert result.reason == f"wrote no result to {output_path}"


def test_command_setup_errors(tmp_path: Path, dataset):
    samples, data_path, output_path = dataset
    assert "needs dataset_path" in CommandTrainer("x {dataset}").train(samples).reason
    bad_template = run_command("train {dataset} {unknown}", dataset)
    assert bad_template.ok is False and bad_template.reason.startswith("bad command template")
    assert run_command("   ", dataset).reason == "empty command"


def test_the_sim_trainer_learns_the_configured_worlds_weak_solver() -> None:
    # World 1's weak solver reaches less far than world 0's (mean reach 2.4 against 3.3), so the
    # same benchmark scores it lower before any training.
    from harness.sim.profiles import profile

    zero, one = SimTrainer(seed=0, benchmark_size=300), SimTrainer(seed=0, benchmark_size=300, world_seed=1)
    assert one.learner == profile("weak", 1) != zero.learner
    assert one.hard.accuracy(one.learner) < zero.hard.accuracy(zero.learner)
