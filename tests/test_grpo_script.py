"""experiments/grpo_trl.py: argument parsing and data conversion (training itself needs a GPU and TRL)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from experiments.grpo_trl import completion_text, parse_args, read_samples, split, to_grpo_rows
from objectives.downstream.command import CommandTrainer

RUBRIC = [{"criterion": "concludes Ada is a resident", "weight": 4.0},
          {"criterion": "cites rule 2", "weight": 1.0},
          {"criterion": "claims Ada is a minor", "weight": -2.0}]


def flat_sample(i: int) -> dict:
    return {"context": f"Provisions: rule {i}.\n\nFacts:\nAda is a worker.", "question": f"Is Ada a resident ({i})?",
            "reference_answer": "Yes.", "final_answer": "Yes", "rubric": RUBRIC, "question_type": "rule application"}


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


# --- arguments ---------------------------------------------------------------------------------


def test_required_arguments(capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--output", "r.json"])
    assert exit_info.value.code == 2
    assert "--dataset" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--dataset", "d.jsonl"])
    assert exit_info.value.code == 2
    assert "--output" in capsys.readouterr().err


def test_defaults():
    args = parse_args(["--dataset", "d.jsonl", "--output", "r.json"])
    assert args.dataset == Path("d.jsonl") and args.output == Path("r.json")
    assert args.model == "Qwen/Qwen3-0.6B"
    assert args.judge == "openai/gpt-4o-mini"
    assert args.judge_api_base is None
    assert args.eval_path is None
    assert args.epochs == 1.0
    assert args.generations == 4
    assert args.learning_rate == 1e-6
    assert args.max_completion_length == 768
    assert args.workdir == Path("out/grpo")


def test_options_are_parsed_with_their_types():
    args = parse_args(["--dataset", "d.jsonl", "--output", "r.json", "--model", "Qwen/Qwen3-4B", "--eval", "held.jsonl",
                       "--epochs", "2.5", "--generations", "8", "--learning-rate", "3e-6",
                       "--judge-api-base", "http://localhost:8000/v1", "--workdir", "/tmp/w"])
    assert args.model == "Qwen/Qwen3-4B"
    assert args.eval_path == Path("held.jsonl")
    assert args.epochs == 2.5 and args.generations == 8 and args.learning_rate == pytest.approx(3e-6)
    assert args.judge_api_base == "http://localhost:8000/v1"
    assert args.workdir == Path("/tmp/w")


@pytest.mark.parametrize("bad", [["--generations", "1"], ["--generations", "0"], ["--epochs", "0"], ["--epochs", "-1"]])
def test_invalid_values_are_rejected(capsys, bad):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--dataset", "d.jsonl", "--output", "r.json", *bad])
    assert exit_info.value.code == 2
    assert bad[0] in capsys.readouterr().err


def test_the_documented_command_template_parses(tmp_path: Path):
    # the template from the script's docstring, as autodata's command trainer expands it
    template = ("python experiments/grpo_trl.py --dataset {dataset} --output {output} "
                "--model Qwen/Qwen3-4B --judge openai/gpt-4o-mini --eval held_out.jsonl")
    argv = CommandTrainer(template).argv(tmp_path / "accepted.jsonl", tmp_path / "result.json")
    args = parse_args(argv[2:])
    assert args.dataset == tmp_path / "accepted.jsonl"
    assert args.output == tmp_path / "result.json"
    assert args.model == "Qwen/Qwen3-4B"
    assert args.eval_path == Path("held_out.jsonl")


# --- data --------------------------------------------------------------------------------------


def test_read_samples_from_accepted_rows_and_flat_rows(tmp_path: Path):
    accepted_rows = [{"id": f"sim-0-000{i}:r1:c0", "doc_id": f"sim-0-000{i}", "round": 1, "sample": flat_sample(i),
                      "weak_scores": [0.2], "strong_scores": [0.9]} for i in range(2)]
    from_accepted = read_samples(write_jsonl(tmp_path / "accepted.jsonl", accepted_rows))
    assert from_accepted == [flat_sample(0), flat_sample(1)]
    flat_path = tmp_path / "flat.jsonl"
    flat_path.write_text(json.dumps(flat_sample(5)) + "\n\n" + json.dumps(flat_sample(6)) + "\n", encoding="utf-8")
    assert read_samples(flat_path) == [flat_sample(5), flat_sample(6)]


def test_read_samples_reads_a_real_accepted_file(tmp_path: Path):
    from harness.config import parse_config
    from harness.documents import load_documents
    from harness.generate import ACCEPTED_FILE, generate

    config = parse_config({"documents": {"count": 3}})
    generate(config, load_documents(config.documents), tmp_path / "run")
    rows = [json.loads(line) for line in (tmp_path / "run" / ACCEPTED_FILE).read_text(encoding="utf-8").splitlines()]
    samples = read_samples(tmp_path / "run" / ACCEPTED_FILE)
    assert samples == [row["sample"] for row in rows]
    assert samples, "the run must accept samples for this test to mean anything"


def test_missing_field_names_file_and_line(tmp_path: Path):
    broken = {k: v for k, v in flat_sample(1).items() if k not in ("rubric", "question")}
    path = write_jsonl(tmp_path / "data.jsonl", [flat_sample(0), broken])
    with pytest.raises(ValueError, match=rf"^{re.escape(str(path))}:2: missing field\(s\) question, rubric$"):
        read_samples(path)


def test_to_grpo_rows_builds_a_conversational_prompt_with_the_rubric():
    rows = to_grpo_rows([flat_sample(0), flat_sample(1)])
    assert len(rows) == 2
    row = rows[0]
    assert row["prompt"] == [{"role": "user",
                              "content": "Provisions: rule 0.\n\nFacts:\nAda is a worker.\n\nIs Ada a resident (0)?"}]
    assert row["context"] == flat_sample(0)["context"]
    assert row["question"] == "Is Ada a resident (0)?"
    assert isinstance(row["rubric"], str)  # a string column, so every row has the same type
    assert json.loads(row["rubric"]) == RUBRIC
    assert "reference_answer" not in row and "Yes." not in row["prompt"][0]["content"]  # the answer stays hidden


def test_split_keeps_80_percent_for_training():
    rows = [{"i": i} for i in range(10)]
    train, held = split(rows, None)
    assert train == rows[:8] and held == rows[8:]
    train, held = split([{"i": i} for i in range(5)], None)
    assert [r["i"] for r in train] == [0, 1, 2, 3] and [r["i"] for r in held] == [4]


def test_split_of_one_row_evaluates_on_it():
    train, held = split([{"i": 0}], None)
    assert train == [{"i": 0}] and held == [{"i": 0}]


def test_split_with_a_held_out_list_trains_on_everything():
    rows, held_out = [{"i": i} for i in range(10)], [{"h": 1}, {"h": 2}]
    train, held = split(rows, held_out)
    assert train == rows and held == held_out


def test_completion_text_conversational_and_plain():
    assert completion_text([{"role": "assistant", "content": "Ada is "}, {"role": "assistant", "content": "a resident."}]) \
        == "Ada is a resident."
    assert completion_text([{"role": "assistant"}, "stray"]) == ""
    assert completion_text("plain answer") == "plain answer"
    assert completion_text(42) == "42"


def test_read_samples_names_file_and_line_for_bad_json(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"sample": {"context": "c", "question": "q", "rubric": []}}\n{not json\n[1, 2]\n')
    with pytest.raises(ValueError, match=r"bad\.jsonl:2: not valid JSON"):
        read_samples(path)
    path.write_text("[1, 2]\n")
    with pytest.raises(ValueError, match=r"bad\.jsonl:1: expected a JSON object"):
        read_samples(path)


def test_split_of_nothing_is_an_error():
    with pytest.raises(ValueError, match="no samples"):
        split([], None)
