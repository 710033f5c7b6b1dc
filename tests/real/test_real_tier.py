"""A whole generation on a real small model (Gemma 3 270M, base): it must finish, record every
round, count what failed, never time out from over-commitment, and make no request when rerun."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import yaml
from tier import REPO, Served, cli_env

from harness.reply_checks import REASONS

REAL_SMALL = REPO / "experiments/configs/real_small.yaml"
WEAK_ONLY = Path(__file__).with_name("weak_only.yaml")
DECISIONS = {"accepted", "error", "failed_quality_check", "too_easy", "too_hard", "not_discriminative"}


def autodata(served: Served, store: Path, *args: str | Path, timeout: float = 2400) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "experiments.cli", *map(str, args)], cwd=REPO,
                          env=cli_env(served, store), capture_output=True, text=True, timeout=timeout)


def rounds(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "rounds.jsonl").read_text().splitlines() if line.strip()]


def check_run(out: Path, documents: int, round_budget: int) -> dict:
    summary = json.loads((out / "summary.json").read_text())
    records = rounds(out)
    by_doc: dict[str, int] = {}
    errored = 0
    for record in records:
        by_doc[record["doc_id"]] = by_doc.get(record["doc_id"], 0) + 1
        assert record["candidates"], record
        for candidate in record["candidates"]:
            assert candidate["decision"], candidate  # every round recorded with a decision
            if candidate["decision"] == "error":
                assert candidate["reason"], candidate  # and an error says why
                errored += 1
    assert len(by_doc) == documents and all(n >= min(round_budget, 1) for n in by_doc.values()), by_doc
    assert summary["documents_finished"] == documents and summary["stopped"] is None
    assert summary["failure_reasons"].get("error", 0) == errored  # failures counted in the summary
    # Unusable replies, per role and per reason (harness/reply_checks.py): every error round comes
    # from at least one, and each is counted under a known reason.
    parse = summary["parse_failures"]
    assert all(role in summary["models"] and reasons and set(reasons) <= set(REASONS) and min(reasons.values()) > 0
               for role, reasons in parse.items()), parse
    assert summary["parse_failures_total"] == sum(sum(r.values()) for r in parse.values())
    assert summary["parse_failures_total"] >= errored or not errored, (parse, errored)
    errors = summary["endpoint"]["errors"]
    assert errors.get("timeout", 0) == 0, errors  # no request timed out: the limiter found the one slot
    return summary


def test_check_prints_the_table_for_the_gemma_server(served: Served, store: Path) -> None:
    result = autodata(served, store, "check", REAL_SMALL)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 0, result.stdout + result.stderr
    assert "preflight: real-small" in result.stdout and "gemma-3-270m" in result.stdout
    # The table (experiments/cli.py preflight_table): one row per role model; where each window
    # came from is said under the table.
    rows = [line.split() for line in result.stdout.splitlines() if "gemma-3-270m" in line and "yes" in line.split()]
    assert rows, result.stdout
    for cells in rows:
        assert "4096" in cells, cells  # the window, from the server
        # llama-cpp-python's constrained mode is json_object (json_schema is a 500), and it is followed
        assert cells[-1] == "json_object", cells
    assert "window from server /props" in " ".join(result.stdout.split())


def test_every_role_real_completes_and_a_rerun_makes_no_request(served: Served, store: Path, tmp_path: Path) -> None:
    out = tmp_path / "all-real"
    started = time.monotonic()
    first = autodata(served, store, "generate", REAL_SMALL, "--out", out, "--no-track")
    elapsed = time.monotonic() - started
    output = first.stdout + first.stderr
    assert "Traceback" not in output
    assert first.returncode == 0, output
    summary = check_run(out, documents=2, round_budget=2)
    assert summary["structured_modes"] == {served.url: "json_object"}  # found by the preflight, not re-probed
    print(f"all roles real, 2 documents: {elapsed:.0f} s, {summary['endpoint']['requests']} requests, "
          f"rounds {summary['rounds']}, endpoint errors {summary['endpoint']['errors']}, "
          f"parse failures {summary['parse_failures']}, preflight {summary['preflight']}")
    before = served.requests()
    again = autodata(served, store, "generate", REAL_SMALL, "--out", out, "--no-track")
    assert again.returncode == 0, again.stdout + again.stderr
    assert served.requests() == before  # counted at the server: the rerun sent nothing
    rerun = json.loads((out / "summary.json").read_text())
    assert rerun["rounds"] == summary["rounds"]


def test_weak_solver_real_other_roles_simulated(served: Served, store: Path, tmp_path: Path) -> None:
    data = yaml.safe_load(WEAK_ONLY.read_text())
    data["knobs"] = {"round_budget": 2, "solver_attempts": 2}
    data["documents"]["count"] = 2
    config = tmp_path / "weak_only.yaml"
    config.write_text(yaml.safe_dump(data))
    out = tmp_path / "weak-only"
    started = time.monotonic()
    result = autodata(served, store, "generate", config, "--out", out, "--no-track")
    elapsed = time.monotonic() - started
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 0, result.stdout + result.stderr
    summary = check_run(out, documents=2, round_budget=2)
    assert summary["endpoint"]["requests"] > 0
    print(f"weak solver real, 2 documents: {elapsed:.0f} s, {summary['endpoint']['requests']} requests, "
          f"rounds {summary['rounds']}, endpoint errors {summary['endpoint']['errors']}, "
          f"parse failures {summary['parse_failures']}, preflight {summary['preflight']}")
