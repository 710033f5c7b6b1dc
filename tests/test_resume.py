"""A generation killed at any moment resumes without losing or duplicating a round or a sample.

Every test runs the real CLI in subprocesses on the offline world, which is deterministic: an
uninterrupted run and a killed-then-resumed run of the same command must produce the same dataset.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from waiting import poll

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "experiments" / "configs" / "demo.yaml"
DOCS = "40"
KILL_AFTER_ROUNDS = 15


def cli_env(store: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["AUTODATA_STORE"] = str(store)
    for name in ("MLFLOW_TRACKING_URI", "DSPY_CACHEDIR"):
        env.pop(name, None)
    return env


def command(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "experiments.cli", "generate", str(DEMO), "--docs", DOCS, "--seed", "0",
            "--out", str(out), *extra]


def run(out: Path, store: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(command(out, *extra), cwd=REPO, env=cli_env(store), capture_output=True, text=True,
                          timeout=120)


def run_ok(out: Path, store: Path, *extra: str) -> dict:
    result = run(out, store, *extra)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return summary_of(out)


def summary_of(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def complete_lines(path: Path) -> int:
    if not path.exists():
        return 0
    return path.read_bytes().count(b"\n")


def read_jsonl(path: Path) -> list[dict]:
    """Strict: every line must be complete, valid JSON."""
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n"), f"{path} ends with a partial line"
    return [json.loads(line) for line in text.splitlines()]


def dataset(out: Path) -> set[tuple[str, str, str]]:
    rows = read_jsonl(out / "accepted.jsonl")
    return {(r["id"], r["sample"]["question"], r["sample"]["reference_answer"]) for r in rows}


def round_keys(out: Path) -> list[tuple[str, int]]:
    return [(r["doc_id"], r["round"]) for r in read_jsonl(out / "rounds.jsonl")]


def kill_mid_run(out: Path, store: Path) -> int:
    """Start the generation, SIGKILL it once some rounds are on disk; return the rounds written."""
    process = subprocess.Popen(command(out), cwd=REPO, env=cli_env(store), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    rounds_file, summary_file = out / "rounds.jsonl", out / "summary.json"
    def written() -> bool:
        assert process.poll() is None, f"run ended before the kill: {process.stderr.read().decode()}"
        return complete_lines(rounds_file) >= KILL_AFTER_ROUNDS

    try:
        poll(written, f"{KILL_AFTER_ROUNDS} rounds on disk", attempts=18_000, interval=0.005)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    assert not summary_file.exists(), "the run finished before it was killed"
    return complete_lines(rounds_file)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store")


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory, store: Path) -> Path:
    """Reference: the same generation run once, start to finish."""
    out = tmp_path_factory.mktemp("uninterrupted") / "out"
    summary = run_ok(out, store)
    assert summary["documents"] == int(DOCS)
    # The reference must be substantial enough that a kill after 15 rounds is mid-run.
    assert summary["rounds"] > 3 * KILL_AFTER_ROUNDS
    return out


@pytest.fixture(scope="module")
def resumed(tmp_path_factory: pytest.TempPathFactory, store: Path) -> tuple[Path, int]:
    """The same generation killed with SIGKILL mid-run, then run again to completion."""
    out = tmp_path_factory.mktemp("resumed") / "out"
    written = kill_mid_run(out, store)
    run_ok(out, store)
    return out, written


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_dataset(uninterrupted: Path, resumed: tuple[Path, int]) -> None:
    out, written_before_kill = resumed
    reference = summary_of(uninterrupted)
    assert KILL_AFTER_ROUNDS <= written_before_kill < reference["rounds"]

    ids = [r["id"] for r in read_jsonl(out / "accepted.jsonl")]
    assert len(ids) == len(set(ids)), "duplicated accepted samples"
    assert dataset(out) == dataset(uninterrupted)
    assert len(ids) == reference["accepted"]

    keys = round_keys(out)
    assert len(keys) == len(set(keys)), "duplicated rounds"
    assert len(keys) == len(round_keys(uninterrupted)) == reference["rounds"]
    assert set(keys) == set(round_keys(uninterrupted))

    summary = summary_of(out)
    for key in ("documents", "rounds", "accepted", "acceptance_rate", "gap_mean", "weak_mean", "strong_mean",
                "harness_hash"):
        assert summary[key] == reference[key], key


@pytest.mark.slow
def test_partial_last_line_is_repaired_on_resume(uninterrupted: Path, resumed: tuple[Path, int], store: Path) -> None:
    out, _ = resumed
    # A writer killed mid-line: the last round is only half on disk, so its sample never reached the dataset.
    rounds_file, accepted_file = out / "rounds.jsonl", out / "accepted.jsonl"
    lines = rounds_file.read_bytes().splitlines(keepends=True)
    last = json.loads(lines[-1])
    rounds_file.write_bytes(b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])
    kept = [line for line in accepted_file.read_bytes().splitlines(keepends=True)
            if (json.loads(line)["doc_id"], json.loads(line)["round"]) != (last["doc_id"], last["round"])]
    accepted_file.write_bytes(b"".join(kept))
    (out / "summary.json").unlink()

    summary = run_ok(out, store)
    keys = round_keys(out)  # strict: the partial line is gone and every line parses
    assert len(keys) == len(set(keys))
    assert (last["doc_id"], last["round"]) in keys  # the lost round was run again
    assert len(keys) == summary_of(uninterrupted)["rounds"] == summary["rounds"]
    ids = [r["id"] for r in read_jsonl(accepted_file)]
    assert len(ids) == len(set(ids))
    assert dataset(out) == dataset(uninterrupted)
    assert summary["acceptance_rate"] == summary_of(uninterrupted)["acceptance_rate"]


@pytest.mark.slow
def test_rerunning_a_finished_generation_makes_no_new_rounds(uninterrupted: Path, store: Path) -> None:
    before = summary_of(uninterrupted)
    lines_before = complete_lines(uninterrupted / "rounds.jsonl")
    accepted_before = (uninterrupted / "accepted.jsonl").read_bytes()

    after = run_ok(uninterrupted, store)
    assert complete_lines(uninterrupted / "rounds.jsonl") == lines_before == before["rounds"]
    assert (uninterrupted / "accepted.jsonl").read_bytes() == accepted_before
    assert after["accepted"] == before["accepted"]
    assert after["acceptance_rate"] == before["acceptance_rate"]
    assert after["rounds"] == before["rounds"]
    assert sum(after["calls_this_session"].values()) == 0  # nothing was recomputed
    # ...and the finished run's counters stand: nothing is overwritten with this session's zeros.
    assert after["endpoint_this_session"]["requests"] == 0
    assert after["endpoint"] == before["endpoint"] and after["endpoint"]["requests"] > 0
    # The finished run's recorded duration stands (not a time bound: the same value, kept).
    assert after["elapsed_s"] == before["elapsed_s"] != 0
    assert after["spent"] == before["spent"]
    assert after["sessions"] == before["sessions"] + 1


def test_resuming_into_a_run_with_another_seed_is_refused(tmp_path: Path, store: Path) -> None:
    out = tmp_path / "out"
    first = subprocess.run(
        [sys.executable, "-m", "experiments.cli", "generate", str(DEMO), "--docs", "3", "--seed", "0",
         "--out", str(out)], cwd=REPO, env=cli_env(store), capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stdout + first.stderr
    rounds_before = (out / "rounds.jsonl").read_bytes()
    run_before = (out / "run.json").read_bytes()

    result = subprocess.run(
        [sys.executable, "-m", "experiments.cli", "generate", str(DEMO), "--docs", "3", "--seed", "1",
         "--out", str(out)], cwd=REPO, env=cli_env(store), capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert str(out) in lines[0] and "different seed" in lines[0]
    # The held run is untouched.
    assert (out / "rounds.jsonl").read_bytes() == rounds_before
    assert (out / "run.json").read_bytes() == run_before
