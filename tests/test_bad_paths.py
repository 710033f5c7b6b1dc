"""Every bad path is one line on stderr and exit 2, never a traceback (issue 27, item 5).

The real CLI runs in subprocesses (``python -m experiments.cli``) on the offline world; a full
disk is a fake ``os.write`` raising ENOSPC part-way through a record (in process). Secrets in
values with harmless names (URLs with credentials, command strings) never reach the records.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness import records
from harness.records import JsonlWriter, RecordWriteError, read_jsonl
from harness.secrets import REDACTED, redact

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "experiments" / "configs" / "demo.yaml"
SWEEP = REPO / "experiments" / "configs" / "sweep_demo.yaml"


def cli(tmp_path: Path, *args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = dict(os.environ)
    environment["AUTODATA_STORE"] = str(tmp_path / "store")
    for name in ("MLFLOW_TRACKING_URI", "DSPY_CACHEDIR"):
        environment.pop(name, None)
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "experiments.cli", *map(str, args)], cwd=REPO, env=environment,
                          capture_output=True, text=True, timeout=180)


def one_line_exit_2(result: subprocess.CompletedProcess, *needles: str) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_out_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    one_line_exit_2(cli(tmp_path, "generate", DEMO, "--docs", "2", "--out", target, "--no-track"),
                    str(target), "not a directory")


def test_out_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")  # a folder cannot be made inside a file (a permission test would pass as root)
    one_line_exit_2(cli(tmp_path, "generate", DEMO, "--docs", "2", "--out", blocker / "out", "--no-track"),
                    str(blocker / "out"), "cannot create")


def test_unreadable_document(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("a readable document about rivers")
    # A file whose read fails (permissions would not stop root, who runs CI): /proc/self/mem is a
    # regular file that answers a read from its start with EIO.
    os.symlink("/proc/self/mem", folder / "c.txt")
    line = one_line_exit_2(cli(tmp_path, "generate", DEMO, "--docs-folder", folder, "--out", tmp_path / "out",
                               "--no-track"), "c.txt")
    assert "cannot read" in line


def test_colliding_document_ids(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("first")
    (folder / "a.md").write_text("second")
    one_line_exit_2(cli(tmp_path, "generate", DEMO, "--docs-folder", folder, "--out", tmp_path / "out", "--no-track"),
                    "a.md", "a.txt", "rename one")


@pytest.mark.parametrize("url, needle", [
    ("postgresql://user:hunter2@127.0.0.1:1/nodb", "cannot open the database"),  # unreachable
    ("mysql+nosuchdriver://u@h/db", "no database driver"),  # driverless
    ("://not a url", "not a database URL"),  # unparsable
])
def test_bad_storage_urls(tmp_path: Path, url: str, needle: str) -> None:
    line = one_line_exit_2(cli(tmp_path, "sweep", SWEEP, "--storage", url, "--out", tmp_path / "out", "--no-track"),
                           needle)
    assert "hunter2" not in line  # the password is redacted from the message


def test_an_unreachable_tracking_server_fails_before_any_work(tmp_path: Path) -> None:
    # Port 1 on 127.0.0.1: nothing listens there, the connection is refused at once.
    out = tmp_path / "out"
    result = cli(tmp_path, "sweep", SWEEP, "--out", out, "--track",
                 env={"MLFLOW_TRACKING_URI": "http://user:hunter2@127.0.0.1:1"})
    line = one_line_exit_2(result, "127.0.0.1:1", "no MLflow server answers", "nothing was run")
    assert "hunter2" not in line
    assert not list(out.glob("trials/*/rounds.jsonl"))  # no candidate was evaluated


def test_deeply_nested_yaml(tmp_path: Path) -> None:
    config = tmp_path / "deep.yaml"
    config.write_text("name: deep\nextra: " + "[" * 5000 + "]" * 5000 + "\n")
    one_line_exit_2(cli(tmp_path, "generate", config, "--no-track"), str(config), "nested deeper")


def test_yaml_alias_bomb_with_docs_is_refused_at_once(tmp_path: Path) -> None:
    config = tmp_path / "bomb.yaml"
    lines = ["name: bomb", 'a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]")
    config.write_text("\n".join(lines) + "\n")
    one_line_exit_2(cli(tmp_path, "generate", config, "--docs", "3", "--no-track"), str(config), "aliases")


def test_recursive_yaml(tmp_path: Path) -> None:
    config = tmp_path / "loop.yaml"
    config.write_text("name: loop\nextra: &x [1, *x]\n")
    one_line_exit_2(cli(tmp_path, "generate", config, "--no-track"), str(config), "refers to itself")


@pytest.mark.parametrize("args, needle", [
    (("sweep", SWEEP, "--workers", "0"), "--workers"),
    (("generate", DEMO, "--docs", "many"), "--docs"),
    (("generate", DEMO, "--no-such-flag"), "--no-such-flag"),
    (("generate", DEMO, "--docs", "2", "--no-track", "--downstream", "gpu"), "downstream.kind: unknown trainer 'gpu'"),
])
def test_bad_cli_values_are_one_line_not_a_usage_box(tmp_path: Path, args: tuple, needle: str) -> None:
    line = one_line_exit_2(cli(tmp_path, *args), needle)
    assert "╭" not in line and "Usage" not in line


def test_unwritable_store_fails_before_any_work(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    out = tmp_path / "out"
    result = cli(tmp_path, "generate", DEMO, "--docs", "2", "--out", out, env={"AUTODATA_STORE": str(blocker / "store")})
    one_line_exit_2(result, "not writable")
    assert not (out / "rounds.jsonl").exists()  # nothing was run


def test_a_full_disk_leaves_no_torn_line_and_says_what_is_kept(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "rows.jsonl"
    writer = JsonlWriter(path)
    writer.write({"n": 1})
    writer.write({"n": 2})
    real_write = os.write
    calls = {"n": 0}

    def full(fd: int, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            return real_write(fd, bytes(data[: len(data) // 2]))  # part of the record fits
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(records.os, "write", full)
    with pytest.raises(RecordWriteError) as stopped:
        writer.write({"n": 3, "text": "a record that does not fit on the disk"})
    assert "2 complete records are kept" in str(stopped.value) and "No space left" in str(stopped.value)
    monkeypatch.setattr(records.os, "write", real_write)
    assert path.read_bytes().endswith(b"\n") and [r["n"] for r in read_jsonl(path)] == [1, 2]
    writer.write({"n": 3})  # space freed: writing goes on where it stopped
    writer.close()
    assert [r["n"] for r in read_jsonl(path)] == [1, 2, 3]


def test_a_full_disk_during_generate_is_one_line_exit_2_and_resume_completes(tmp_path: Path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from experiments.cli import app

    out = tmp_path / "out"
    real_write = os.write
    calls = {"n": 0}

    def fills_up(fd: int, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] >= 6:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(records.os, "write", fills_up)
    result = CliRunner().invoke(app, ["generate", str(DEMO), "--docs", "3", "--out", str(out), "--no-track"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert "No space left" in result.output and "run the same command again" in result.output
    for name in ("rounds.jsonl", "accepted.jsonl"):
        data = (out / name).read_bytes() if (out / name).exists() else b""
        assert not data or data.endswith(b"\n")  # no torn line
    monkeypatch.setattr(records.os, "write", real_write)
    resumed = CliRunner().invoke(app, ["generate", str(DEMO), "--docs", "3", "--out", str(out), "--no-track"])
    assert resumed.exit_code == 0, resumed.output
    accepted = read_jsonl(out / "accepted.jsonl")
    assert len(accepted) == len({a["id"] for a in accepted})


def test_secrets_in_urls_and_command_strings_are_redacted(tmp_path: Path) -> None:
    config = {"models": {"challenger": {"model": "openai/x", "api_base": "https://alice:s3cr3t-pw@api.example.com/v1"}},
              "downstream": {"kind": "command", "command": "python train.py --token tok-12345 --max-tokens 64"},
              "notes": "API_KEY=abcdef123 run"}
    shown = json.dumps(redact(config))
    for secret in ("s3cr3t-pw", "tok-12345", "abcdef123"):
        assert secret not in shown
    assert shown.count(REDACTED) == 3
    assert "--max-tokens 64" in shown and "alice" in shown and "api.example.com" in shown


@pytest.mark.slow
def test_a_token_in_the_downstream_command_reaches_no_file(tmp_path: Path) -> None:
    config = tmp_path / "cmd.yaml"
    config.write_text(DEMO.read_text() + "downstream:\n  kind: command\n  command: 'true --token tok-SECRET-777'\n")
    out = tmp_path / "out"
    cli(tmp_path, "generate", config, "--docs", "2", "--out", out)
    written = [p for p in list(out.rglob("*")) + list((tmp_path / "store").rglob("*")) if p.is_file()]
    assert written
    leaks = [p for p in written if b"tok-SECRET-777" in p.read_bytes()]
    assert not leaks, leaks
