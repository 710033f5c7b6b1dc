"""One writer per output folder (harness/outlock.py) and unique document ids.

Two ``generate`` runs on one ``--out``: the second exits 2 at once, naming the holder's host and
PID, and the dataset holds one run's samples (not two). Two files with one stem are refused.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli import cli_env
from waiting import poll

from harness.config import Documents
from harness.documents import DocumentError, load_documents
from harness.outlock import HOLDER_FILE, OutputError, exclusive_output

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "experiments" / "configs" / "demo.yaml"



def generate_argv(out: Path, docs: int = 12) -> list[str]:
    return [sys.executable, "-m", "experiments.cli", "generate", str(DEMO), "--docs", str(docs), "--seed", "0",
            "--out", str(out), "--no-track"]


def test_a_second_holder_in_one_process_is_refused_naming_the_first(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with exclusive_output(out, "autodata generate"):
        assert json.loads((out / HOLDER_FILE).read_text())["pid"] == os.getpid()
        with pytest.raises(OutputError) as refused, exclusive_output(out, "autodata generate"):
            pass
        message = str(refused.value)
        assert f"host {socket.gethostname()}" in message and f"PID {os.getpid()}" in message
    with exclusive_output(out, "again"):  # released at the end: the next run takes it
        pass
    assert not (out / HOLDER_FILE).exists()


def test_out_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("x")
    with pytest.raises(OutputError, match="exists and is not a directory"), exclusive_output(target, "x"):
        pass


@pytest.mark.slow
def test_two_generate_runs_on_one_out_second_exits_2_at_once_and_dataset_is_not_doubled(tmp_path: Path) -> None:
    out, store = tmp_path / "out", tmp_path / "store"
    first = subprocess.Popen(generate_argv(out), cwd=REPO, env=cli_env(store), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        def holding() -> bool:
            assert first.poll() is None, first.communicate()
            return (out / HOLDER_FILE).exists()

        poll(holding, "the first run holding its output folder", attempts=2400, interval=0.05)
        second = subprocess.run(generate_argv(out), cwd=REPO, env=cli_env(store), capture_output=True, text=True,
                                timeout=120)
        still_running = first.poll() is None
        stdout, stderr = first.communicate(timeout=240)
    finally:
        if first.poll() is None:
            first.kill()
    assert second.returncode == 2, second.stdout + second.stderr
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in second.stderr
    assert f"PID {first.pid}" in lines[0] and socket.gethostname() in lines[0]
    assert still_running  # "at once": refused while the first was still working
    assert first.returncode == 0, stdout + stderr
    accepted = [json.loads(line) for line in (out / "accepted.jsonl").read_text().splitlines()]
    summary = json.loads((out / "summary.json").read_text())
    assert len(accepted) == len({a["id"] for a in accepted}) == summary["accepted"]
    assert summary["sessions"] == 1  # the second never wrote a session of its own


def test_colliding_stems_are_refused_naming_both_files(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("alpha text")
    (folder / "a.md").write_text("alpha markdown")
    (folder / "b.txt").write_text("beta")
    with pytest.raises(DocumentError) as refused:
        load_documents(Documents(source="folder", path=str(folder), count=10))
    assert "a.md" in str(refused.value) and "a.txt" in str(refused.value) and "'a'" in str(refused.value)
    (folder / "a.md").unlink()
    assert [d.id for d in load_documents(Documents(source="folder", path=str(folder), count=10)).documents] == ["a", "b"]
