"""The MLflow UI and the comparison plot on a store a two-objective sweep has logged to.

The real MLflow UI (experiments/ui.py) is started on a free port, answers its health endpoint,
and headless Chromium (Debian's ``chromium``; these tests are skipped with the reason where it
is missing) renders the experiment's runs page with every candidate listed. Stopping the server
leaves none of its processes behind. ``autodata ui --screenshot`` writes a PNG, and
``autodata compare --plot`` draws score by candidate and, for two objectives, the Pareto front.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import signal
import struct
import subprocess
import sys
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import optuna
import pytest
from mlflow import MlflowClient
from optuna.study import StudyDirection
from waiting import poll, poll_quietly

from experiments.ui import stopped_by_signals
from search.storage import open_storage

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "experiments" / "configs" / "demo.yaml"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NAME = "two-objectives"

optuna.logging.set_verbosity(optuna.logging.WARNING)


def cli_env(store: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["AUTODATA_STORE"] = str(store)
    for name in ("MLFLOW_TRACKING_URI", "DSPY_CACHEDIR"):  # the tmp store decides, not inherited values
        env.pop(name, None)
    env["COLUMNS"] = "200"
    return env


def run_cli(*args: str | Path, store: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "experiments.cli", *map(str, args)], cwd=REPO, env=cli_env(store),
                          capture_output=True, text=True, timeout=timeout)


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Traceback" not in result.stdout + result.stderr
    return result


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, data[:8]
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def chromium_or_skip() -> str:
    from experiments.ui import chromium

    browser = chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine (Debian package 'chromium', installed by .ci/run where it can be): "
                    "the MLflow UI cannot be rendered headless")
    return browser


def processes(match) -> list[tuple[int, str, str]]:
    """(pid, state, command line) of every process ``match(pgid, cmdline, environ)`` accepts."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        state, pgid = fields[0], int(fields[2])
        if match(pgid, cmdline, environ):
            found.append((int(entry.name), state, cmdline.replace(b"\0", b" ").decode(errors="replace")[:160]))
    return found


def wait_until_gone(match, polls: int = 60) -> list[tuple[int, str, str]]:
    """The live (non-zombie) processes ``match`` still accepts after polling up to ``polls`` times
    (a hang guard; the test asserts on what is left)."""
    def live() -> list[tuple[int, str, str]]:
        return [p for p in processes(match) if p[1] != "Z"]

    poll_quietly(lambda: not live(), attempts=polls, interval=0.5)
    return live()


def pending_sigint(pid: int) -> bool:
    """SIGINT is pending for ``pid`` (queued to it or its thread group, /proc/<pid>/status)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True  # gone already: it got the signal
    masks = [int(line.split()[1], 16) for line in status.splitlines() if line.startswith(("SigPnd:", "ShdPnd:"))]
    return any(mask & (1 << (signal.SIGINT - 1)) for mask in masks)


def kill_all(found: list[tuple[int, str, str]]) -> None:
    for pid, _, _ in found:
        with contextlib.suppress(ProcessLookupError):  # gone meanwhile
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("ui")
    store, storage = root / "store", f"sqlite:///{root / 'optuna.db'}"
    config = root / f"{NAME}.yaml"
    config.write_text(
        f"name: {NAME}\nseed: 0\nbase: {DEMO}\n"
        "search:\n"
        "  knobs:\n"
        "    challenger_temperature: {low: 0.2, high: 1.2}\n"
        "    round_budget: {low: 3, high: 8}\n"
        "  genes: [challenger_instructions, orchestrator_instructions, qv_instructions]\n"
        "  objectives:\n"
        "    - {metric: acceptance_rate, direction: maximize}\n"
        "    - {metric: calls_per_accepted, direction: minimize}\n"
        "  splits: {train: 2, validation: 4, test: 3}\n"
        "  budget: {candidates: 4}\n"
        "  operators: {optuna: 0.5, mutation: 0.5, merge: 0}\n"
        "  screen_margin: 1.0\n"  # nothing screened out: every candidate reaches validation
        "  concurrency: 2\n",
        encoding="utf-8",
    )
    ok(run_cli("sweep", config, "--storage", storage, "--out", root / "out", store=store))
    client = MlflowClient(tracking_uri=f"sqlite:///{store / 'mlflow.db'}")
    experiment = client.get_experiment_by_name(NAME)
    runs = client.search_runs([experiment.experiment_id])
    candidates = [r for r in runs if r.data.tags.get("autodata.split") in ("train", "validation")]
    report = json.loads((root / "out" / "report.json").read_text(encoding="utf-8"))
    study = optuna.load_study(study_name=report["study"], storage=open_storage(storage))
    return SimpleNamespace(root=root, store=store, client=client, experiment=experiment, runs=runs,
                           candidates=candidates, study=study, report=report)


@pytest.fixture(scope="module")
def screenshot_job(swept: SimpleNamespace):
    """``autodata ui --screenshot`` started in the background: it starts an MLflow server of its own
    (10-40 s), so it runs while the in-process server is tested; the screenshot test waits for it."""
    from experiments.ui import chromium

    if chromium() is None:
        yield None
        return
    shot = swept.root / "shots" / "compare.png"
    stdout, stderr = swept.root / "screenshot.out", swept.root / "screenshot.err"
    argv = [sys.executable, "-m", "experiments.cli", "ui", "--screenshot", str(shot), "--experiment", NAME]
    with stdout.open("w") as out, stderr.open("w") as err:
        process = subprocess.Popen(argv, cwd=REPO, env=cli_env(swept.store), stdout=out, stderr=err, text=True)
    job = SimpleNamespace(process=process, shot=shot, stdout=stdout, stderr=stderr)
    yield job
    if process.poll() is None:  # a test failed before waiting for it: Ctrl-C, so the command stops its server
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
    marker = f"AUTODATA_STORE={swept.store}\0".encode()
    kill_all(processes(lambda group, cmdline, environ: marker in environ))  # only ones started for this store


# --- compare --plot with two objectives --------------------------------------------------------------


@pytest.mark.slow
def test_two_objective_sweep_is_logged_and_compare_plots_the_pareto_front(
        swept: SimpleNamespace, screenshot_job: SimpleNamespace | None, monkeypatch: pytest.MonkeyPatch) -> None:
    # (screenshot_job: the screenshot command starts now, in the background, and is checked last.)
    assert swept.study.directions == [StudyDirection.MAXIMIZE, StudyDirection.MINIMIZE]
    parent = next(r for r in swept.runs if r.data.tags.get("autodata.kind") == "sweep")
    assert [o["metric"] for o in json.loads(parent.data.params["search.objectives"])] == [
        "acceptance_rate", "calls_per_accepted"]
    assert len(swept.candidates) == swept.report["budget"]["candidates"] == 4
    trials = {t.number: t for t in swept.study.get_trials()}
    for run in swept.candidates:
        assert run.data.tags["autodata.split"] == "validation", run.info.run_name
        values = trials[int(run.data.tags["autodata.trial"])].values
        assert run.data.metrics["validation/acceptance_rate"] == pytest.approx(values[0])
        assert run.data.metrics.get("validation/calls_per_accepted", 0.0) == pytest.approx(values[1])
    assert swept.report["pareto"], "two objectives: the report names the Pareto front"

    # compare --plot, in-process (the CLI's --plot calls this; tests/test_tracking.py runs the CLI).
    import matplotlib.pyplot as plt

    from experiments import compare

    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{swept.store / 'mlflow.db'}")
    monkeypatch.setattr("mlflow.tracking._tracking_service.utils._tracking_uri", None)
    figures = []
    close = plt.close
    monkeypatch.setattr(plt, "close", lambda figure=None: (figures.append(figure), close(figure)))
    frame = compare.runs(NAME)
    assert sorted(frame["tags.mlflow.runName"]) == sorted(
        r.info.run_name for r in swept.runs if r.data.tags.get("autodata.kind") == "candidate")
    plot = compare.plot(NAME, frame, swept.root / "plots" / "compare.png")
    assert plot == (swept.root / "plots" / "compare.png").resolve()
    width, height = png_size(plot)
    # Two panels side by side (score by candidate, and the Pareto front): wider than two squares.
    assert width > 2 * height, (width, height)
    assert plot.stat().st_size > 20_000
    [figure] = figures
    score, pareto = figure.axes[:2]
    assert (score.get_xlabel(), score.get_ylabel()) == ("candidate index (trial)", "validation/acceptance_rate")
    assert (pareto.get_xlabel(), pareto.get_ylabel()) == ("acceptance_rate", "calls_per_accepted")
    points = [(r.data.metrics["validation/acceptance_rate"], r.data.metrics["validation/calls_per_accepted"])
              for r in swept.candidates if "validation/calls_per_accepted" in r.data.metrics]
    front = sorted(p for p in points if not any(q[0] >= p[0] and q[1] <= p[1] and q != p for q in points))
    [line] = [line for line in pareto.get_lines() if line.get_label() == "Pareto front"]
    drawn = sorted(zip(line.get_xdata(), line.get_ydata(), strict=True))
    assert len(drawn) == len(front) >= 1, (drawn, points)
    for (x, y), (fx, fy) in zip(drawn, front, strict=True):
        assert (x, y) == (pytest.approx(fx), pytest.approx(fy)), (drawn, front)
    assert len(pareto.collections[0].get_offsets()) == len(points)


# --- the MLflow UI ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_mlflow_ui_lists_the_candidate_runs_and_stops_cleanly(swept: SimpleNamespace, screenshot_job: SimpleNamespace,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    chromium_or_skip()
    from experiments.ui import UIServer, rendered_dom
    from experiments.views import view_url

    monkeypatch.setenv("AUTODATA_STORE", str(swept.store))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{swept.store / 'mlflow.db'}")
    server = UIServer()
    server.start()  # returns once /health answered
    pgid = server.process.pid  # its own session: the process group is the server's
    port = server.port

    def ours(group: int, cmdline: bytes, environ: bytes) -> bool:
        return group == pgid or f"--port\0{port}\0".encode() in cmdline

    try:
        with urllib.request.urlopen(f"{server.url}/health", timeout=10) as response:
            assert response.status == 200 and response.read().strip() == b"OK"
        running = [p for p in processes(ours) if p[1] != "Z"]
        assert any("uvicorn" in cmd for _, _, cmd in running), running
        assert os.getpgid(server.process.pid) == pgid
        # The experiment opens on autodata's saved view (experiments/views.py): candidates best first
        # by validation acceptance, with validation and test acceptance and calls per accepted
        # sample as columns.
        dom = rendered_dom(f"{server.url}/{view_url(swept.experiment.experiment_id)}")
        # Seed against best: MLflow's side-by-side page, the gene texts as readable text.
        parent = next(r for r in swept.runs if r.data.tags.get("autodata.kind") == "sweep")
        pair_dom = rendered_dom(f"{server.url}/{parent.data.tags['autodata.seed_vs_best']}")
    finally:
        server.stop()
    assert server.process.returncode is not None
    assert "You need to enable JavaScript" not in re.sub(r"<noscript>.*?</noscript>", "", dom, flags=re.S)
    assert NAME in dom
    assert "Error loading shared view state" not in dom
    for column in ("validation/acceptance_rate", "test/acceptance_rate", "validation/calls_per_accepted",
                   "test/calls_per_accepted"):
        header = 'role="columnheader" tabindex="-1" aria-colindex="'
        shown = re.search(rf'{re.escape(header)}\d+" col-id="metrics.`{re.escape(column)}`"', dom)
        assert shown, f"column {column} is not shown by the saved view"
    seed_genes, best_genes = swept.report["seed_genes"], swept.report["best_genes"]
    for genes in (seed_genes, best_genes):
        for text in genes.values():
            first_line = html.escape(text.splitlines()[0][:80], quote=False)
            assert first_line in pair_dom, first_line
    names = [r.info.run_name for r in swept.candidates]
    missing = [n for n in names if not re.search(rf">\s*{re.escape(n)}\s*<", dom)]
    assert not missing, f"candidate runs not listed in the rendered UI: {missing} ({len(dom)} chars of DOM)"
    # Best first: a run with higher acceptance is listed before one with lower acceptance.
    acceptance = {r.info.run_name: r.data.metrics["validation/acceptance_rate"] for r in swept.candidates}
    position = {n: re.search(rf">\s*{re.escape(n)}\s*<", dom).start() for n in acceptance
                if re.search(rf">\s*{re.escape(n)}\s*<", dom)}
    for a in position:
        for b in position:
            if acceptance[a] > acceptance[b]:
                assert position[a] < position[b], (a, acceptance[a], b, acceptance[b])
    # Stopped: no mlflow, uvicorn or huey process of that server is left.
    left = wait_until_gone(ours)
    assert left == [], left
    # Whatever of the group is still listed is a zombie waiting to be reaped, never a live process.
    assert all(state == "Z" for _, state, _ in processes(ours)), processes(ours)


@pytest.mark.slow
def test_ui_screenshot_writes_a_png_of_the_comparison(swept: SimpleNamespace, screenshot_job: SimpleNamespace) -> None:
    chromium_or_skip()
    job = screenshot_job
    job.process.wait(timeout=240)
    result = ok(subprocess.CompletedProcess(job.process.args, job.process.returncode,
                                            job.stdout.read_text(), job.stderr.read_text()))
    shot = job.shot
    pair_shot = shot.with_name(f"{shot.stem}-seed-vs-best{shot.suffix}")
    for written in (shot, pair_shot):
        assert written.is_file(), written
        assert written.stat().st_size > 20_000  # a rendered page, not a blank one
    output = " ".join(result.stdout.split())
    view = f"#/experiments/{swept.experiment.experiment_id}/runs?viewStateShareKey=autodata"
    assert re.search(rf"screenshot of http://127\.0\.0\.1:\d+/{re.escape(view)} written to {re.escape(str(shot))}", output)
    match = re.search(r"screenshot of http://127\.0\.0\.1:\d+/#/compare-runs\?runs=(\[.*?\])&experiments=(\[.*?\]) "
                      rf"written to {re.escape(str(pair_shot))}", output)
    assert match, output
    assert json.loads(match.group(2)) == [swept.experiment.experiment_id]
    tests = {r.data.tags["autodata.trial"]: r.info.run_id for r in swept.runs if r.data.tags.get("autodata.split") == "test"}
    pair = [tests[str(swept.report[who]["trial"])] for who in ("seed", "best")]
    # The seed alone when it is the best (experiments/tracking.py).
    assert json.loads(match.group(1).replace(", ", ",")) == list(dict.fromkeys(pair))
    # The command's server is gone with it: nothing started with this store is left running.
    marker = f"AUTODATA_STORE={swept.store}\0".encode()
    left = wait_until_gone(lambda group, cmdline, environ: marker in environ)
    assert left == [], left


@pytest.fixture
def ui_store(tmp_path: Path):
    """A fresh store for one ``autodata ui``; any process started for it is killed at teardown, so a
    failing test leaves no MLflow server (and its workers) running on the machine."""
    store = tmp_path / "store"
    yield store
    marker = f"AUTODATA_STORE={store}\0".encode()
    kill_all(processes(lambda group, cmdline, environ: marker in environ))


@pytest.mark.slow
def test_ctrl_c_while_the_ui_starts_leaves_no_server_behind(ui_store: Path) -> None:
    """The server runs in its own session (so it can be stopped as a group): a Ctrl-C that reaches
    only ``autodata ui`` while it waits for the server's health must still stop the server.

    The command is started with SIGINT ignored, as a non-interactive shell starts a background job
    (CI scripts do): Python then keeps ignoring it unless the command installs its own handler."""
    store = ui_store
    marker = f"AUTODATA_STORE={store}\0".encode()

    def server(group: int, cmdline: bytes, environ: bytes) -> bool:
        return marker in environ and b"mlflow\0ui" in cmdline

    process = subprocess.Popen([sys.executable, "-m", "experiments.cli", "ui"], cwd=REPO, env=cli_env(store),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    def started() -> list[tuple[int, str, str]]:
        assert process.poll() is None, process.communicate()
        return [p for p in processes(server) if p[1] != "Z"]

    group = None
    try:
        found = poll(started, "autodata ui starting an MLflow server")
        # Frozen, the server cannot answer /health: the command is certainly still waiting for it
        # when the Ctrl-C arrives (an event, not a guess at how long the server takes to start).
        group = os.getpgid(found[0][0])
        os.killpg(group, signal.SIGSTOP)
        assert process.poll() is None
        process.send_signal(signal.SIGINT)
        # The command answers by sending SIGINT to the server's group: pending while it is frozen,
        # and then it may run again. (A member that ignores SIGINT never shows it pending: then
        # the group stays frozen and the command's SIGKILL after its grace period ends it.)
        members = [pid for pid, _, _ in found]
        if poll_quietly(lambda: any(pending_sigint(pid) for pid in members), attempts=100):
            os.killpg(group, signal.SIGCONT)
        stdout, stderr = process.communicate(timeout=90)  # a hang guard
    finally:
        if group is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGCONT)
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    assert process.returncode != 0, stdout + stderr
    assert "Traceback" not in stdout + stderr
    assert "MLflow UI:" not in stdout  # it never got as far as serving
    assert wait_until_gone(lambda group, cmdline, environ: marker in environ) == []


@pytest.mark.slow
def test_sigterm_while_the_ui_serves_stops_its_server(ui_store: Path) -> None:
    """``kill`` on ``autodata ui`` (SIGTERM, as a process manager or CI teardown sends it) stops the
    server it started in its own session; by default Python would exit at once and leave it running."""
    store = ui_store
    marker = f"AUTODATA_STORE={store}\0".encode()
    process = subprocess.Popen([sys.executable, "-m", "experiments.cli", "ui"], cwd=REPO, env=cli_env(store),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        serving = process.stdout.readline()  # printed once the server answered its health check
        assert serving.startswith("MLflow UI: http://127.0.0.1:"), serving + process.communicate()[1]
        url = serving.split()[2]
        with urllib.request.urlopen(f"{url}/health", timeout=10) as response:
            assert response.status == 200
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    assert process.returncode == 0, stdout + stderr
    assert "Traceback" not in stdout + stderr
    assert wait_until_gone(lambda group, cmdline, environ: marker in environ) == []
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{url}/health", timeout=5)


class _RaisesSigtermWhenCollected:
    """Sends SIGTERM from ``__del__``: the handler runs inside it, and Python ignores (prints and
    drops) what ``__del__`` raises, as it did in CI with importlib's module-lock weakref callback."""

    def __del__(self) -> None:
        signal.raise_signal(signal.SIGTERM)


def test_a_signal_whose_keyboard_interrupt_is_lost_still_stops_the_server(capsys: pytest.CaptureFixture[str]) -> None:
    """The command waits on its server; if the KeyboardInterrupt is swallowed, the server must already
    have been asked to stop, or the wait never ends (the CI hang of test_sigterm_while_the_ui_serves...)."""
    before = (signal.getsignal(signal.SIGTERM), sys.unraisablehook)
    server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True)
    try:
        with stopped_by_signals(lambda: server) as stop:
            _RaisesSigtermWhenCollected()  # collected at once; its KeyboardInterrupt is lost
            assert stop.requested
            server.wait(timeout=30)  # returns because the handler already sent SIGINT to the group
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert server.returncode == -signal.SIGINT
    assert "KeyboardInterrupt" not in capsys.readouterr().err  # handled, so not printed as an ignored error
    assert (signal.getsignal(signal.SIGTERM), sys.unraisablehook) == before
