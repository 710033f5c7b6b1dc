"""Soak: three sweep workers on PostgreSQL against serve-sim with faults, one SIGKILLed every N s.

Three ``autodata sweep`` processes, each with its own ``--out``, store and host name (as on
three machines), share one study in a throwaway PostgreSQL (experiments/bench/pg_cluster.py) and
log to one MLflow store in the same cluster. Every role is served over HTTP by ``serve-sim``
with injected 500s and 429s. Every ``--kill-every`` seconds, for ``--duration`` seconds, a random
worker is SIGKILLed and started again at once; then the workers finish the study (bounded by
``--finish-timeout``). Reported, each with its target:

- trials lost (killed and never redone), duplicated (one budget slot evaluated twice), stuck
  (RUNNING or WAITING at the end), over budget: all 0;
- repeated paid calls (serve-sim answered a request it had already answered OK), told apart by
  who paid: each worker names itself to serve-sim (``/c/<host>/v1``, the same URL at every start,
  as a restarted machine keeps its endpoint), and each restart begins a new session of that name.
  A restarted worker re-paying what an earlier start of it had paid is a kill's repeat, with the
  target: at most the answers that worker had in flight at its kills (answers, as repeats are
  counted: a request with n carries n). Repeats within one process (two candidates evaluated
  at once sending one request before either is cached) and across
  workers (separate machines keep separate caches: a parent screened by two workers, the seed
  tested for each worker's report, a killed trial redone by another worker) are reported apart;
  and for each kill's repeat, how long before the kill its answer had gone out to that worker's
  earlier start (serve-sim dates answers per client): a reply in flight is a fraction of a second
  old, one paid long before the kill was lost by the worker (target: none over 1 s);
- duplicate MLflow runs (parent runs per study beyond one; child runs per trial and split
  beyond one): 0.

SIMULATED replies (the offline world).

    .venv/bin/python experiments/bench/soak.py [--duration 240] [--kill-every 20] [--candidates 16]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SERVE_SIM = REPO / "experiments" / "configs" / "serve_sim.yaml"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def sweep_yaml(folder: Path, candidates: int) -> Path:
    path = folder / "soak.yaml"
    path.write_text(
        f"name: soak\nseed: 0\nbase: {SERVE_SIM}\n"
        "harness:\n  documents: {source: sim, count: 40}\n  runtime: {concurrency: 8, max_in_flight: 16}\n"
        "search:\n"
        "  knobs:\n    challenger_temperature: {low: 0.2, high: 1.2}\n    round_budget: {low: 3, high: 8}\n"
        "  genes: [challenger_instructions, orchestrator_instructions, qv_instructions]\n"
        "  splits: {train: 2, validation: 4, test: 4}\n"
        f"  budget: {{candidates: {candidates}}}\n"
        "  operators: {optuna: 0.4, mutation: 0.4, merge: 0.2}\n"
        "  concurrency: 2\n", encoding="utf-8")
    return path


def stats(url: str) -> dict:
    with _OPENER.open(url.removesuffix("/v1") + "/stats", timeout=10) as reply:
        return json.loads(reply.read())


class Worker:
    def __init__(self, host: str, folder: Path, config: Path, storage: str, tracking: str, sim_url: str) -> None:
        self.host, self.folder, self.sim_url = host, folder, sim_url
        self.argv = [sys.executable, "-m", "experiments.cli", "sweep", str(config), "--storage", storage,
                     "--out", str(folder / f"out-{host}")]
        self.env = {**os.environ, "AUTODATA_STORE": str(folder / f"store-{host}"), "AUTODATA_HOST": host,
                    "MLFLOW_TRACKING_URI": tracking, "PYTHONUNBUFFERED": "1",  # a killed worker's log is whole
                    "AUTODATA_HEARTBEAT_S": "2", "AUTODATA_HEARTBEAT_GRACE_S": "8"}
        self.env.pop("DSPY_CACHEDIR", None)
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        # One URL per worker, the same at every start: a restart reuses its preflight (kept in its
        # store under the endpoint's URL) as a restarted machine would. The harness hash keeps
        # ${AUTODATA_SERVE_SIM_URL} unexpanded, so all workers run the same harness.
        url = self.sim_url.removesuffix("/v1") + f"/c/{self.host}/v1"
        log = (self.folder / f"{self.host}.log").open("a")
        self.process = subprocess.Popen(self.argv, cwd=REPO, env={**self.env, "AUTODATA_SERVE_SIM_URL": url},
                                        stdout=log, stderr=subprocess.STDOUT)


def repeat_cause(pair: str) -> tuple[str, str | None]:
    """A repeat as serve-sim labels it ("<paid before, comma-separated>><paid again>", each payer
    "<worker>#<session>", a session per start): within one process; by a restarted worker for what
    an earlier start of it paid (a kill's, with the latest such start); or only for other workers'."""
    before, again = pair.split(">")
    earlier = before.split(",")
    if again in earlier:
        return "within_a_process", None
    worker = again.split("#")[0]
    mine = [int(e.split("#")[1]) for e in earlier if e.split("#")[0] == worker]
    return ("after_a_kill", f"{worker}#{max(mine)}") if mine else ("across_workers", None)


def classify_repeats(by_client: dict[str, int]) -> dict[str, int]:
    """Repeats counted by cause (``repeat_cause``)."""
    out = {"after_a_kill": 0, "within_a_process": 0, "across_workers": 0}
    for pair, count in by_client.items():
        out[repeat_cause(pair)[0]] += count
    return out


def kill_ages(repeats: list[list], kills: dict[str, list[float]]) -> list[tuple[float, str]]:
    """For each repeat a restarted worker paid for what an earlier start of it had paid: how long
    before the kill that ended that start the answer had gone out to it (seconds), and its role.
    Replies still on their way, or received but not yet kept, when the kill came are a fraction of
    a second old."""
    ages = []
    for pair, answered_at, *role in repeats:
        _, start = repeat_cause(pair)
        if start is None:
            continue  # within one process, or only other workers paid before
        worker, session = start.split("#")
        ages.append((kills[worker][int(session)] - answered_at[start], (role or ["?"])[0]))  # kill k ended start k
    return ages


def summarize_ages(ages: list[tuple[float, str]]) -> dict[str, object]:
    seconds = sorted(a for a, _ in ages)
    return {"count": len(seconds), "max": round(seconds[-1], 3) if seconds else 0.0,
            "median": round(seconds[len(seconds) // 2], 3) if seconds else 0.0,
            "over_1s": sum(a > 1.0 for a in seconds),
            "over_1s_by_role": dict(Counter(role for a, role in ages if a > 1.0))}


def new_session(sim_url: str, client: str) -> None:
    request = urllib.request.Request(sim_url.removesuffix("/v1") + f"/c/{client}/session", data=b"", method="POST")
    with _OPENER.open(request, timeout=10):
        pass


def pick_victim(alive: list[Worker], sim_url: str, rng: random.Random, polls: int = 50) -> tuple[Worker, int]:
    """A worker with calls in flight when one has them within ``polls`` looks (a kill then cuts
    work off, which is what resume must survive), else any; with its answers in flight."""
    for _ in range(polls):
        flying = stats(sim_url)["choices_in_flight_by_client"]  # answers, as repeats are counted
        busy = [w for w in alive if flying.get(w.host, 0) > 0]
        if busy:
            victim = rng.choice(busy)
            return victim, flying[victim.host]
        time.sleep(0.1)
    return rng.choice(alive), 0


def count_trials(storage: str, budget: int) -> dict[str, int]:
    import optuna
    from optuna.trial import TrialState

    from search.storage import given_up as is_given_up
    from search.storage import open_storage

    (name,) = optuna.get_all_study_names(open_storage(storage))
    trials = optuna.load_study(study_name=name, storage=open_storage(storage)).get_trials(deepcopy=False)
    counted = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED) and not t.user_attrs.get("rejected")
               and "repeat_of" not in t.user_attrs]
    # The trial each redo redoes directly: the last of Optuna's retry history (its "failed_trial" is
    # the first of a chain), or the PID path's redo_of.
    redone_from = Counter(t.system_attrs["retry_history"][-1] for t in trials if t.system_attrs.get("retry_history"))
    redone_from.update(t.user_attrs["redo_of"] for t in trials if "redo_of" in t.user_attrs)
    killed = [t for t in trials if t.state == TrialState.FAIL and not t.user_attrs.get("rejected")
              and not t.user_attrs.get("cancelled") and "error" not in t.user_attrs]
    given_up = [t for t in killed if redone_from[t.number] == 0 and is_given_up(t)]
    slots = Counter(t.user_attrs.get("slot") for t in counted)
    return {
        "candidates": len(counted), "budget": budget, "trials": len(trials),
        "killed_trials": len(killed),
        # Killed RETRIES + 1 times over (a trial that kills its worker every time): not redone again,
        # by design; its budget slot goes to a new candidate.
        "given_up_after_redos": len(given_up),
        "lost": sum(1 for t in killed if redone_from[t.number] == 0 and t not in given_up),
        "duplicated": sum(n - 1 for n in slots.values() if n > 1) + sum(n - 1 for n in redone_from.values() if n > 1),
        "stuck": sum(1 for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)),
        "over_budget": max(0, len(counted) - budget),
        "distinct_harnesses": len({t.user_attrs.get("harness_hash") for t in counted}),
        "repeats_served_from_store": sum(1 for t in trials if "repeat_of" in t.user_attrs),
    }


def count_runs(tracking: str) -> dict[str, int]:
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=tracking)
    experiment = client.get_experiment_by_name("soak")
    if experiment is None:
        return {"parent_runs": 0, "duplicate_runs": 0, "running_runs": 0}
    runs = client.search_runs([experiment.experiment_id], max_results=5000)
    parents = [r for r in runs if r.data.tags.get("autodata.kind") == "sweep"]
    children = Counter((r.data.tags.get("autodata.trial"), r.data.tags.get("autodata.split"), r.data.tags.get("autodata.role"))
                       for r in runs if r.data.tags.get("autodata.kind") == "candidate" and r.info.status == "FINISHED")
    return {"parent_runs": len(parents), "duplicate_runs": max(0, len(parents) - 1) + sum(n - 1 for n in children.values() if n > 1),
            "running_runs": sum(1 for r in runs if r.info.status == "RUNNING")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=240.0, help="seconds of kills")
    parser.add_argument("--kill-every", type=float, default=20.0)
    parser.add_argument("--candidates", type=int, default=16)
    parser.add_argument("--finish-timeout", type=float, default=900.0)
    parser.add_argument("--fault-500", type=float, default=0.05)
    parser.add_argument("--fault-429", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from experiments.bench.pg_cluster import cluster
    from harness.sim.server_process import ServerProcess

    folder = Path(tempfile.mkdtemp(prefix="autodata-soak-"))
    rng = random.Random(args.seed)
    config = sweep_yaml(folder, args.candidates)
    started = time.monotonic()
    with cluster() as pg, ServerProcess(latency_ms=20, fault_500=args.fault_500, fault_429=args.fault_429,
                                        fault_seed=args.seed) as server:
        storage, tracking = pg.create_database("soak"), pg.create_database("soak_mlflow")
        workers = [Worker(f"host{i}", folder, config, storage, tracking, server.url) for i in range(3)]
        for worker in workers:
            worker.start()
        kills, in_flight_at_kills, busy_kills = 0, 0, 0
        killed_at: dict[str, list[float]] = {w.host: [] for w in workers}
        while time.monotonic() - started < args.duration:
            time.sleep(args.kill_every)
            alive = [w for w in workers if w.process is not None and w.process.poll() is None]
            if not alive:
                break
            victim, busy = pick_victim(alive, server.url, rng)
            in_flight_at_kills += busy
            busy_kills += busy > 0
            killed_at[victim.host].append(time.monotonic())
            victim.process.send_signal(signal.SIGKILL)
            victim.process.wait()
            kills += 1
            new_session(server.url, victim.host)  # what the restart pays from here on is its own session's
            victim.start()
        deadline = time.monotonic() + args.finish_timeout
        codes = {}
        for worker in workers:
            try:
                codes[worker.host] = worker.process.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.process.kill()
                codes[worker.host] = "timeout"
        served = stats(server.url)
        result = {"kills": kills, "kills_with_calls_in_flight": busy_kills, "worker_exit_codes": codes, "seconds": round(time.monotonic() - started),
                  **count_trials(storage, args.candidates), **count_runs(tracking),
                  "paid_calls": served.get("ok", 0), "repeated_paid_calls": served.get("repeated", 0),
                  "repeated_paid_calls_by_cause": classify_repeats(served.get("repeated_by_client", {})),
                  "answers_in_flight_at_kills": in_flight_at_kills,
                  "repeated_after_a_kill_answered_before_it_s": summarize_ages(kill_ages(served.get("repeats", []),
                                                                                         killed_at)),
                  "faults": {k: served.get(k, 0) for k in ("fault_500", "fault_429", "rate_limited_capacity")
                             if k in served}}
    print(json.dumps(result, indent=2))
    print(f"SIMULATED (offline world over HTTP). Logs and outputs in {folder}")


if __name__ == "__main__":
    main()
