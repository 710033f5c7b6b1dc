"""One sweep on several machines, on a real PostgreSQL (tests/postgres.py starts it on 127.0.0.1).

Workers are separate ``autodata sweep`` processes, each with its own ``--out`` and its own host
name (``AUTODATA_HOST``), as on separate machines, sharing one study in PostgreSQL. Skipped, with
the reason printed, only where PostgreSQL or its driver cannot be installed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState
from waiting import poll

from experiments.bench.pg_cluster import Cluster, cluster, why_not

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "experiments" / "configs" / "demo.yaml"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pg() -> Iterator[Cluster]:
    reason = why_not()
    if reason:
        print(f"SKIPPED PostgreSQL tests: {reason}")
        pytest.skip(reason)
    with cluster() as running:
        yield running


def sweep_yaml(tmp_path: Path, name: str, candidates: int) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"name: {name}\nseed: 0\nbase: {DEMO}\n"
        "search:\n"
        "  knobs:\n    challenger_temperature: {low: 0.2, high: 1.2}\n    round_budget: {low: 3, high: 8}\n"
        "  genes: [challenger_instructions, orchestrator_instructions, qv_instructions]\n"
        "  splits: {train: 2, validation: 4, test: 4}\n"
        f"  budget: {{candidates: {candidates}}}\n"
        "  operators: {optuna: 0.4, mutation: 0.4, merge: 0.2}\n"
        "  concurrency: 1\n",
        encoding="utf-8")
    return path


def worker_env(tmp_path: Path, host: str, tracking: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"AUTODATA_STORE": str(tmp_path / f"store-{host}"), "AUTODATA_HOST": host,
                "AUTODATA_HEARTBEAT_S": "1", "AUTODATA_HEARTBEAT_GRACE_S": "4"})
    env.pop("DSPY_CACHEDIR", None)
    env.pop("MLFLOW_TRACKING_URI", None)
    if tracking:
        env["MLFLOW_TRACKING_URI"] = tracking
    return env


def start_worker(config: Path, storage: str, tmp_path: Path, host: str, track: bool = False,
                 tracking: str | None = None) -> subprocess.Popen:
    argv = [sys.executable, "-m", "experiments.cli", "sweep", str(config), "--storage", storage,
            "--out", str(tmp_path / f"out-{host}"), "--track" if track else "--no-track"]
    log = (tmp_path / f"{host}.log").open("w")
    return subprocess.Popen(argv, cwd=REPO, env=worker_env(tmp_path, host, tracking), stdout=log,
                            stderr=subprocess.STDOUT)


def the_study(storage: str) -> optuna.Study:
    from search.storage import open_storage

    names = optuna.get_all_study_names(open_storage(storage))
    assert len(names) == 1, names
    return optuna.load_study(study_name=names[0], storage=open_storage(storage))


def candidates(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    return [t for t in study.get_trials(deepcopy=False)
            if t.state in (TrialState.COMPLETE, TrialState.PRUNED) and not t.user_attrs.get("rejected")
            and "repeat_of" not in t.user_attrs]


def wait_all(workers: list[subprocess.Popen], tmp_path: Path, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout  # a hang guard, not the thing checked
    for worker in workers:
        worker.wait(timeout=max(1.0, deadline - time.monotonic()))
    logs = {p.name: p.read_text() for p in tmp_path.glob("*.log")}
    if any(worker.returncode != 0 for worker in workers):
        # In full on stdout (pytest shows it with the failure): the assertion's repr truncates the log.
        for name, text in logs.items():
            print(f"===== {name}\n{text}")
    for worker in workers:
        assert worker.returncode == 0, logs
    assert not any("Traceback" in text for text in logs.values()), logs


def test_three_workers_on_three_hosts_finish_one_study(pg: Cluster, tmp_path: Path) -> None:
    storage = pg.create_database("three")
    tracking = pg.create_database("three_mlflow")
    budget = 9
    config = sweep_yaml(tmp_path, "three", budget)
    workers = [start_worker(config, storage, tmp_path, f"host{i}", track=True, tracking=tracking) for i in range(3)]
    wait_all(workers, tmp_path)

    study = the_study(storage)
    done = candidates(study)
    assert len(done) == budget  # spent exactly: no worker overshot, none stopped short
    assert not study.get_trials(deepcopy=False, states=(TrialState.RUNNING, TrialState.WAITING))
    hosts = Counter(t.user_attrs["worker"].split(":")[0] for t in done)
    assert len(hosts) >= 2, hosts  # the study was shared, not run by one worker alone
    # Distinct proposal streams: a harness evaluated twice must be a genuine repeat (the same
    # operator producing the same harness from one parent), never two workers replaying one stream.
    hashes = Counter(t.user_attrs["harness_hash"] for t in done)
    repeats = {h: n for h, n in hashes.items() if n > 1}
    print(f"distinct harnesses: {len(hashes)} of {len(done)}; repeats: {repeats}")
    for harness, _ in repeats.items():
        twins = [t for t in done if t.user_attrs["harness_hash"] == harness]
        assert len({t.user_attrs["worker"] for t in twins}) == 1 or all(t.user_attrs["operator"] == "merge" for t in twins), twins
    assert len(hashes) >= budget - 1

    import mlflow

    client = mlflow.MlflowClient(tracking_uri=tracking)
    experiment = client.get_experiment_by_name("three")
    parents = client.search_runs([experiment.experiment_id], filter_string="tags.`autodata.kind` = 'sweep'")
    assert len(parents) == 1, [r.info.run_id for r in parents]
    tests = client.search_runs([experiment.experiment_id], filter_string="tags.`autodata.split` = 'test'")
    keys = Counter(r.data.tags["autodata.trial"] + "/" + r.data.tags.get("autodata.role", "") for r in tests)
    assert tests and all(n == 1 for n in keys.values()), keys  # each test evaluation logged once
    running = client.search_runs([experiment.experiment_id], filter_string="attributes.status = 'RUNNING'")
    assert not running


def test_a_killed_worker_never_restarted_has_its_trials_redone_by_the_others(pg: Cluster, tmp_path: Path) -> None:
    storage = pg.create_database("killed")
    budget = 6
    config = sweep_yaml(tmp_path, "killed", budget)
    doomed = start_worker(config, storage, tmp_path, "doomed")
    def running_trials_of_doomed() -> list[int]:
        assert doomed.poll() is None, (tmp_path / "doomed.log").read_text()
        try:
            study = the_study(storage)
        except Exception:  # the study is not created yet
            return []
        return [t.number for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
                if t.user_attrs.get("worker", "").startswith("doomed:")]

    victim = poll(running_trials_of_doomed, "a trial running on the doomed worker", attempts=1500, interval=0.2)[0]
    survivor = start_worker(config, storage, tmp_path, "survivor")
    time.sleep(0.5)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    wait_all([survivor], tmp_path)

    study = the_study(storage)
    trials = {t.number: t for t in study.get_trials(deepcopy=False)}
    assert trials[victim].state == TrialState.FAIL
    redone = [t for t in trials.values() if t.system_attrs.get("failed_trial") == victim]
    assert len(redone) == 1 and redone[0].state in (TrialState.COMPLETE, TrialState.PRUNED), redone
    assert redone[0].user_attrs["worker"].startswith("survivor:")
    assert len(candidates(study)) == budget
    assert not study.get_trials(deepcopy=False, states=(TrialState.RUNNING, TrialState.WAITING))


class TrackingServer:
    """``mlflow server`` on 127.0.0.1 with its runs in PostgreSQL and artifacts it serves itself,
    as docs/several-machines.md sets it up for workers on several machines."""

    def __init__(self, backend: str, artifacts: Path, log: Path) -> None:
        from experiments.ui import free_port, server_env

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # A bare postgresql:// URL, as the docs give it: SQLAlchemy 2.1 maps it to psycopg 3.
        argv = [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", backend,
                "--artifacts-destination", str(artifacts), "--serve-artifacts",
                "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"]
        self.log = log
        self.process = subprocess.Popen(argv, cwd=artifacts.parent, env=server_env(), start_new_session=True,
                                        stdout=log.open("w"), stderr=subprocess.STDOUT)

    def healthy(self) -> bool:
        import urllib.request

        assert self.process.poll() is None, self.log.read_text()
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(f"{self.url}/health", timeout=2) as reply:
                return reply.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        from experiments.process_group import stop_group

        stop_group(self.process, grace_s=30)
        # MLflow's job consumers (huey) started while the server was going down can outlive it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


def test_a_sweep_logs_to_an_mlflow_server_on_the_same_postgresql(pg: Cluster, tmp_path: Path) -> None:
    storage = pg.create_database("served")
    artifacts = tmp_path / "server-artifacts"
    artifacts.mkdir()
    server = TrackingServer(pg.create_database("served_mlflow"), artifacts, tmp_path / "mlflow-server.txt")
    try:
        poll(server.healthy, "the MLflow server's /health answering 200", attempts=600, interval=0.2)
        budget = 4
        config = sweep_yaml(tmp_path, "served", budget)
        workers = [start_worker(config, storage, tmp_path, f"node{i}", track=True, tracking=server.url)
                   for i in range(2)]
        wait_all(workers, tmp_path)

        study = the_study(storage)
        assert len(candidates(study)) == budget
        # The workers logged to the server, not to a store of their own.
        assert not list(tmp_path.glob("store-node*/mlflow.db"))

        import mlflow

        client = mlflow.MlflowClient(tracking_uri=server.url)
        experiment = client.get_experiment_by_name("served")
        assert experiment is not None
        assert experiment.artifact_location.startswith("mlflow-artifacts:"), experiment.artifact_location
        runs = client.search_runs([experiment.experiment_id], max_results=1000)
        parents = [r for r in runs if r.data.tags.get("autodata.kind") == "sweep"]
        assert len(parents) == 1, [r.info.run_id for r in parents]  # one parent run per study
        parent = parents[0].info.run_id
        children = [r for r in runs if r.data.tags.get("autodata.kind") == "candidate"]
        assert children and all(r.data.tags.get("mlflow.parentRunId") == parent for r in children)
        trials = {r.data.tags["autodata.trial"] for r in children}
        assert {str(t.number) for t in candidates(study)} <= trials  # a child run per candidate
        assert not [r for r in runs if r.info.status == "RUNNING"]
        tests = Counter(r.data.tags["autodata.trial"] + "/" + r.data.tags.get("autodata.role", "")
                        for r in children if r.data.tags.get("autodata.split") == "test")
        assert tests and all(n == 1 for n in tests.values()), tests  # each test evaluation logged once

        # Artifacts went through the server into its --artifacts-destination, and read back from it.
        child = next(r for r in children if r.data.tags.get("autodata.split") == "validation")
        listed = {f.path for f in client.list_artifacts(child.info.run_id, "evaluation")}
        assert "evaluation/scorecard.json" in listed, listed
        local = Path(client.download_artifacts(child.info.run_id, "evaluation/scorecard.json", str(tmp_path)))
        assert json.loads(local.read_text())["metrics"]
        stored = list(artifacts.rglob("scorecard.json"))
        assert stored and any(child.info.run_id in str(p) for p in stored), stored
    finally:
        server.stop()
