"""The MLflow store survives SIGKILL during its first-time creation, and concurrent first starts
(experiments/store.py): every later command works."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_cli import cli_env
from waiting import poll

from experiments.store import StoreError, ready

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "experiments" / "configs" / "demo.yaml"



CREATE = "from experiments.store import ready; ready()"


@pytest.mark.slow
def test_sigkill_during_first_time_store_creation_ten_times_every_later_command_works(tmp_path: Path) -> None:
    hit = 0
    for attempt in range(10):
        store = tmp_path / f"store{attempt}"
        child = subprocess.Popen([sys.executable, "-c", CREATE], cwd=REPO, env=cli_env(store),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        poll(lambda child=child, store=store: child.poll() is not None or list(store.glob("mlflow.db.creating-*")),
             "the store's creation starting", attempts=24000, interval=0.005)
        time.sleep(0.02 * attempt)  # at a different moment of the migrations each time
        creating = bool(list(store.glob("mlflow.db.creating-*")))
        child.send_signal(signal.SIGKILL)
        child.wait()
        hit += creating and child.returncode == -signal.SIGKILL
        result = subprocess.run([sys.executable, "-m", "experiments.cli", "generate", str(DEMO), "--docs", "1",
                                 "--out", str(tmp_path / f"out{attempt}")], cwd=REPO, env=cli_env(store),
                                capture_output=True, text=True, timeout=240)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Traceback" not in result.stdout + result.stderr
        assert "MLflow: experiment" in result.stdout
    assert hit >= 5  # most kills landed while the store was being made (the rest just after)


def test_a_half_made_store_without_runs_is_moved_aside_and_made_again(tmp_path: Path) -> None:
    store = tmp_path / "mlflow.db"
    with sqlite3.connect(store) as db:  # what a SIGKILL in Alembic's batch migration used to leave
        db.execute("CREATE TABLE experiments (experiment_id INTEGER)")
        db.execute("CREATE TABLE _alembic_tmp_experiments (experiment_id INTEGER)")
        db.execute("CREATE TABLE alembic_version (version_num TEXT)")
        db.execute("INSERT INTO alembic_version VALUES ('x')")
    notes = ready(f"sqlite:///{store}")
    assert len(notes) == 1 and "half made" in notes[0]
    assert list(tmp_path.glob("mlflow.db.half-made-*"))
    assert ready(f"sqlite:///{store}") == []  # whole now


def test_a_half_made_store_with_runs_is_refused_with_what_to_do(tmp_path: Path) -> None:
    store = tmp_path / "mlflow.db"
    with sqlite3.connect(store) as db:
        db.execute("CREATE TABLE runs (run_uuid TEXT)")
        db.execute("INSERT INTO runs VALUES ('r1')")
        db.execute("CREATE TABLE _alembic_tmp_runs (run_uuid TEXT)")
    with pytest.raises(StoreError, match="mlflow db upgrade"):
        ready(f"sqlite:///{store}")


@pytest.mark.slow
def test_three_processes_creating_one_store_at_once_all_succeed(tmp_path: Path) -> None:
    store = tmp_path / "store"
    children = [subprocess.Popen([sys.executable, "-c", CREATE], cwd=REPO, env=cli_env(store),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for child in children:
        _, err = child.communicate(timeout=240)
        assert child.returncode == 0, err
        assert err == ""  # MLflow's INFO lines on creating tables are not a first command's output
    assert ready(f"sqlite:///{store / 'mlflow.db'}") == []


def test_a_server_that_refuses_the_host_name_says_how_to_allow_it() -> None:
    """MLflow's server answers 403 to a Host header that is not localhost or a private IP unless
    started with --allowed-hosts; a stand-in answering that way gets the fix in one line."""
    import http.server
    import threading

    class Refusing(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # what MLflow 3's host guard sends
            body = b"Invalid Host header - possible DNS rebinding attack detected"
            self.send_response(403)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(StoreError, match="--allowed-hosts") as caught:
            ready(f"http://127.0.0.1:{server.server_address[1]}")
        assert "\n" not in str(caught.value)
    finally:
        server.shutdown()
