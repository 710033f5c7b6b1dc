"""The whole pipeline over HTTP against ``serve-sim``: faults, cache, SIGKILL, budget, dead endpoints.

Servers run in their own processes on 127.0.0.1 (harness/sim/server_process.py); every count
below is the server's own (``/stats``), so "no call" means no request reached the endpoint.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from test_cli import REPO, assert_usage_error, cli_env, read_jsonl, run_cli
from waiting import poll

from harness.config import HarnessConfig
from harness.documents import load_documents
from harness.generate import generate
from harness.sim.server_process import ServerProcess, running

ROLES = ("challenger", "qv", "weak", "strong", "judge", "orchestrator")
FAULTS = {"fault_429": 0.05, "fault_500": 0.05, "fault_timeout": 0.05, "fault_malformed": 0.05}


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, ServerProcess]]:
    procs = {
        "plain": ServerProcess(latency_ms=2, capacity=12),
        "slow": ServerProcess(latency_ms=25),
        # 20% of admitted requests faulty; a timeout fault holds its request far past the client's timeout.
        "faulty": ServerProcess(latency_ms=2, fault_seed=7, timeout_s=30, **FAULTS),
        "authed": ServerProcess(api_key="right-key"),
    }
    with running(procs):
        yield procs


def http_config(url: str, docs: int = 6, seed: int = 11, **runtime: object) -> dict:
    return {
        "name": "http-test", "seed": seed, "documents": {"count": docs},
        "models": {role: {"model": f"openai/{role}", "api_base": url} for role in ROLES},
        "runtime": {"concurrency": 6, "max_in_flight": 16, "timeout_s": 1.5, **runtime},
        "tracking": {"enabled": False},
    }


def run_in_process(data: dict, out: Path) -> dict:
    config = HarnessConfig.model_validate(data)
    return generate(config, load_documents(config.documents), out)


def accepted_set(out: Path) -> list[tuple[str, str]]:
    rows = read_jsonl(out / "accepted.jsonl")
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "an accepted sample is duplicated"
    return sorted((r["id"], json.dumps(r["sample"], sort_keys=True)) for r in rows)


def write(tmp_path: Path, data: dict, name: str = "http.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_twenty_percent_faults_change_nothing_but_the_counters(servers, tmp_path: Path) -> None:
    plain, faulty = servers["plain"], servers["faulty"]
    plain.reset()
    clean = run_in_process(http_config(plain.url, cache=False), tmp_path / "clean")
    faulty.reset()
    noisy = run_in_process(http_config(faulty.url, cache=False), tmp_path / "noisy")
    assert accepted_set(tmp_path / "noisy") == accepted_set(tmp_path / "clean")
    assert clean["accepted"] > 0
    assert clean["simulated"] and noisy["simulated"]  # the server answers as sim/<profile>: labelled SIMULATED
    served = faulty.stats()
    errors = noisy["endpoint"]["errors"]
    # Every fault kind happened, and the client counted each one the server served.
    assert served["fault_429"] > 0 and errors["rate_limit"] == served["fault_429"] + served["rate_limited_capacity"]
    assert served["fault_500"] > 0 and errors["server_error"] == served["fault_500"]
    assert served["fault_malformed"] > 0 and errors["malformed"] == served["fault_malformed"]
    assert served["fault_timeout"] > 0 and errors["timeout"] == served["fault_timeout"]
    faults = sum(served[k] for k in FAULTS)
    assert 0.12 < faults / served["total"] < 0.28  # about 20% of requests
    # Every failure is retried but the two refusals of the structured-output probe, json_schema
    # and json_object (serve-sim answers no prompt outside its roles: the text format is kept,
    # harness/structured.py).
    assert errors.get("bad_request", 0) <= 2
    assert noisy["endpoint"]["retries"] == sum(errors.values()) - errors.get("bad_request", 0)
    assert noisy["endpoint"]["ok"] == served["ok"] == clean["endpoint"]["ok"]  # same calls answered


def test_a_finished_generation_run_again_makes_no_endpoint_call(servers, tmp_path: Path) -> None:
    plain = servers["plain"]
    data = http_config(plain.url, seed=23)  # cache on: the default for real endpoints
    plain.reset()
    first = run_in_process(data, tmp_path / "first")
    assert plain.stats()["ok"] == first["spent"]["calls"] > 0
    plain.reset()
    again = run_in_process(data, tmp_path / "first")  # the same directory: nothing left to do
    fresh = run_in_process(data, tmp_path / "fresh")  # a new directory: every call from the cache
    assert plain.stats()["total"] == 0
    assert again["spent"]["calls"] == first["spent"]["calls"]  # carried over, nothing added
    assert fresh["spent"]["calls"] == 0 and fresh["endpoint"]["requests"] == 0
    assert accepted_set(tmp_path / "fresh") == accepted_set(tmp_path / "first")


@pytest.mark.slow
def test_sigkill_over_http_loses_nothing_and_repeats_no_finished_call(servers, tmp_path: Path) -> None:
    slow = servers["slow"]
    data = http_config(slow.url, docs=8, seed=31, concurrency=4)
    slow.reset()
    run_in_process({**data, "runtime": {**data["runtime"], "cache": False}}, tmp_path / "reference")
    reference_choices = slow.stats()["choices"]
    config, out, store = write(tmp_path, data), tmp_path / "killed", tmp_path / "store"
    slow.reset()
    command = [sys.executable, "-m", "experiments.cli", "generate", str(config), "--out", str(out), "--no-track"]
    process = subprocess.Popen(command, cwd=REPO, env=cli_env(store), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    rounds = out / "rounds.jsonl"
    poll(lambda: process.poll() is not None or (rounds.exists() and rounds.read_text().count("\n") >= 6),
         "six rounds on disk", attempts=2400, interval=0.05)
    assert process.poll() is None, "the generation finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    killed_at = len(read_jsonl(out / "rounds.jsonl"))
    result = run_cli("generate", config, "--out", out, "--no-track", store=store, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert accepted_set(out) == accepted_set(tmp_path / "reference")
    assert len(read_jsonl(out / "rounds.jsonl")) == len(read_jsonl(tmp_path / "reference" / "rounds.jsonl"))
    served = slow.stats()
    summary = json.loads((out / "summary.json").read_text())
    # The CLI's preflight ran before the run (outside its budget); the in-process reference had
    # none and probed the structured mode itself (two requests, both refused: not in "ok").
    preflight = summary["preflight"]
    assert preflight["sessions"] == 2 and preflight["cached"]
    # serve-sim answers the text-format checks and the solvers' n = 2 probe; the structured probes
    # are no prompt of any role it plays (a 400: no structured output here), so not all are ok.
    assert preflight["requests"] > preflight["ok"] > 0
    # Solver attempts went out in waves sharing one request (n), in both runs alike.
    assert served["choices"] > served["ok"] and summary["attempts_not_judged"] > 0
    # Only answers in flight at the kill can be asked again (their replies never reached the cache),
    # counted per answer (a request with n carries several): nothing else was paid twice.
    k = 3
    assert served["repeated"] <= data["runtime"]["max_in_flight"] * k
    assert served["choices"] == reference_choices + (preflight["ok"] + 1) + served["repeated"], (served, killed_at)
    # The killed session's spend counts too (from spend.jsonl; it never wrote a summary): every
    # reply the server sent was charged, except those still in flight when the client died.
    spent = json.loads((out / "summary.json").read_text())["spent"]["calls"]
    assert served["ok"] - data["runtime"]["max_in_flight"] <= spent <= served["ok"], (spent, served)
    assert len(read_jsonl(out / "spend.jsonl")) == spent  # one row per charged reply


@pytest.mark.slow
def test_a_budget_stops_the_run_cleanly_and_a_larger_one_resumes_it(servers, tmp_path: Path) -> None:
    plain = servers["plain"]
    data = http_config(plain.url, seed=41, budget={"calls": 60})
    config, out, store = write(tmp_path, data), tmp_path / "out", tmp_path / "store"
    plain.reset()
    result = run_cli("generate", config, "--out", out, "--no-track", store=store)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "call limit reached" in result.stderr and "Traceback" not in result.stdout + result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["stopped"].startswith("call limit reached") and summary["documents_finished"] < 6
    # The preflight's requests came before the run, outside its budget, and are recorded apart
    # (six text-format checks, two refused structured probes, the solvers' n = 2 probe).
    preflight = summary["preflight"]
    assert preflight["requests"] > preflight["ok"] > 0 and not preflight["cached"]
    assert summary["spent"]["calls"] + preflight["ok"] == plain.stats()["ok"]
    assert summary["spent"]["calls"] <= 60
    assert summary["budget"]["calls"] == 60
    data["runtime"]["budget"] = {"calls": 100_000}
    result = run_cli("generate", write(tmp_path, data), "--out", out, "--no-track", store=store)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["stopped"] is None and summary["documents_finished"] == 6
    # The rerun's preflight: the first one's, reused (no new request).
    assert summary["preflight"]["requests"] == preflight["requests"] and summary["preflight"]["cached"]
    # Both sessions, counted once each, and the first session's preflight.
    assert summary["spent"]["calls"] + summary["preflight"]["ok"] == plain.stats()["ok"]
    assert plain.stats()["repeated"] == 0


@pytest.mark.slow
def test_an_endpoint_failing_mid_generate_exits_3_and_a_rerun_resumes(servers, tmp_path: Path) -> None:
    """The server goes away after some rounds: the run stops with exit 3, the round it was in is
    not recorded (every recorded round is whole and none is an error), and a rerun against the
    server, back on its address, finishes with the rounds and samples of an uninterrupted run."""
    port = free_port()
    data = http_config(f"http://127.0.0.1:{port}/v1", docs=6, seed=53, num_retries=1)
    reference = tmp_path / "reference"
    run_in_process({**data, "models": http_config(servers["plain"].url)["models"],
                    "runtime": {**data["runtime"], "cache": False}}, reference)
    config, out, store = write(tmp_path, data), tmp_path / "out", tmp_path / "store"
    rounds = out / "rounds.jsonl"
    with ServerProcess(port=port, latency_ms=25) as server:
        command = [sys.executable, "-m", "experiments.cli", "generate", str(config), "--out", str(out), "--no-track"]
        process = subprocess.Popen(command, cwd=REPO, env=cli_env(store), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        try:
            poll(lambda: process.poll() is not None or (rounds.exists() and rounds.read_text().count("\n") >= 2),
                 "two rounds on disk", attempts=2400, interval=0.05)
            assert process.poll() is None, "the generation finished before its endpoint failed"
            server.stop()
            stdout, stderr = process.communicate(timeout=300)  # a hang guard
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
    assert process.returncode == 3, stdout + stderr
    assert "Traceback" not in stdout + stderr, stderr[-3000:]
    assert "run again to resume" in " ".join((stdout + stderr).split())
    first = read_jsonl(rounds)
    assert first and all(r["decision"] != "error" for r in first), [r["decision"] for r in first]
    keys = [(r["doc_id"], r["round"]) for r in first]
    with ServerProcess(port=port, latency_ms=25):
        again = run_cli("generate", config, "--out", out, "--no-track", store=store, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    final = read_jsonl(rounds)
    assert [(r["doc_id"], r["round"]) for r in final][: len(keys)] == keys  # kept, not redone
    assert sorted((r["doc_id"], r["round"]) for r in final) == \
        sorted((r["doc_id"], r["round"]) for r in read_jsonl(reference / "rounds.jsonl"))
    assert accepted_set(out) == accepted_set(reference)


@pytest.mark.slow
def test_a_token_budget_stops_the_cli_run_with_exit_3(servers, tmp_path: Path) -> None:
    plain = servers["plain"]
    data = http_config(plain.url, seed=43, budget={"tokens": 20_000})
    config, out, store = write(tmp_path, data), tmp_path / "out", tmp_path / "store"
    result = run_cli("generate", config, "--out", out, "--no-track", store=store)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "token limit reached" in result.stderr and "Traceback" not in result.stdout + result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["stopped"].startswith("token limit reached") and summary["documents_finished"] < 6
    spent = summary["spent"]
    assert spent["input_tokens"] + spent["output_tokens"] >= 20_000  # it stopped because the limit was met
    assert summary["budget"]["tokens"] == 20_000


def test_a_dollar_budget_stops_the_run(servers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Priced at $1 per million input and $2 per million output tokens (a price this test sets in
    place of LiteLLM's cost map, which knows no serve-sim model), a $0.02 budget stops the run."""
    from harness.endpoint import client

    monkeypatch.setattr(client, "token_rates", lambda model: (1e-6, 2e-6, 1e-6))
    data = http_config(servers["plain"].url, seed=47, budget={"dollars": 0.02})
    summary = run_in_process(data, tmp_path / "out")
    assert summary["stopped"].startswith("dollar limit reached"), summary["stopped"]
    assert summary["documents_finished"] < 6
    spent = summary["spent"]
    assert spent["dollars"] >= 0.02
    assert spent["dollars"] == pytest.approx(spent["input_tokens"] * 1e-6 + spent["output_tokens"] * 2e-6, rel=1e-3)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("problem", ["refused", "wrong_path", "bad_key"])
def test_endpoint_problems_before_any_work_name_the_role_and_model(servers, tmp_path: Path, problem: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    url = {"refused": f"http://127.0.0.1:{free_port()}/v1", "wrong_path": servers["plain"].root + "/nowhere/v1",
           "bad_key": servers["authed"].url}[problem]
    data = http_config(url, num_retries=2)
    if problem == "bad_key":
        monkeypatch.setenv("HTTP_TEST_KEY", "wrong-key")
        for spec in data["models"].values():
            spec["api_key_env"] = "HTTP_TEST_KEY"
    store = tmp_path / "store"
    result = run_cli("generate", write(tmp_path, data), "--out", tmp_path / "out", "--no-track", store=store)
    expected = {"refused": "cannot connect", "wrong_path": "not found: check api_base",
                "bad_key": "authentication failed"}[problem]
    message = assert_usage_error(result, "role 'challenger' (model openai/challenger", expected)
    assert "wrong-key" not in result.stdout + result.stderr  # the key is never printed
    assert message


def test_a_sweep_candidate_whose_endpoint_is_down_fails_alone(tmp_path: Path) -> None:
    import asyncio

    from search.config import load_sweep_config
    from search.sweep import Sweep

    port = free_port()
    server = ServerProcess(port=port)
    base = http_config(f"http://127.0.0.1:{port}/v1", docs=4, num_retries=1)
    base["documents"] = {"count": 12}
    sweep_yaml = {
        "name": "http-sweep", "base": "harness.yaml",
        "search": {"knobs": {"challenger_temperature": {"low": 0.3, "high": 1.2}}, "objectives": [{"metric": "acceptance_rate"}],
                   "splits": {"train": 4, "validation": 4, "test": 4}, "budget": {"candidates": 4},
                   "operators": {"optuna": 1.0, "mutation": 0.0, "merge": 0.0}, "concurrency": 1},
    }
    write(tmp_path, base, "harness.yaml")
    config = load_sweep_config(write(tmp_path, sweep_yaml, "sweep.yaml"))
    sweep = Sweep(config, tmp_path / "sweep", storage=f"sqlite:///{tmp_path}/optuna.db")
    events: list[tuple[str, int, str]] = []

    def outage(event: object) -> None:
        # The endpoint goes down while candidate 2 is evaluated, and comes back after it.
        kind, number = type(event).__name__, getattr(event, "number", -1)
        events.append((kind, number, getattr(event, "state", "")))
        if kind == "CandidateStarted" and number == 2:
            server.stop()
        elif kind == "CandidateFinished" and number == 2:
            server.start().wait_ready()

    sweep.callbacks.append(outage)
    try:
        server.start().wait_ready()
        asyncio.run(sweep.run())
    finally:
        server.stop()
    finished = {number: state for kind, number, state in events if kind == "CandidateFinished"}
    assert finished[2] == "failed", events
    # It fails alone: the candidates before and after it were evaluated against the endpoint.
    assert [n for n, state in finished.items() if state == "failed"] == [2], events
    # (screened out = evaluated on the train split and not kept: evaluated all the same)
    assert len([n for n, state in finished.items() if state in ("complete", "screened_out")]) >= 3, events
