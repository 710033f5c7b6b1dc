"""The CLI's smaller messages: which flag is wrong, the offline world and a user's documents, one
line per preflight cause, a check table that fits 80 columns, and help without flag type labels."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

import autodata
from experiments.cli import app, preflight_table
from harness.preflight import Check, failures

DEMO = str(autodata.config_path("demo"))


def _cli(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def test_docs_0_and_an_empty_docs_folder_are_blamed_on_the_flag(tmp_path: Path) -> None:
    zero = _cli("generate", DEMO, "--docs", "0", "--no-track")
    assert zero.exit_code == 2
    assert zero.output.strip() == "error: --docs: expected a number of documents of at least 1, got 0"
    (tmp_path / "empty").mkdir()
    empty = _cli("generate", DEMO, "--docs-folder", str(tmp_path / "empty"), "--no-track")
    assert empty.exit_code == 2
    assert empty.output.strip() == f"error: --docs-folder {tmp_path / 'empty'}: no usable documents"
    assert "documents.count" not in zero.output and DEMO not in empty.output


def test_the_offline_world_says_it_reads_only_its_own_documents(tmp_path: Path) -> None:
    corpus = autodata.config_path("real_endpoints").parent / "corpus"  # a user's documents (the shipped sample)
    result = _cli("generate", DEMO, "--docs-folder", str(corpus), "--docs", "1", "--no-track", "--out",
                  str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert "offline world: it reads only the documents it generates (documents.source: sim)" in result.output
    assert "gave up after" not in result.output  # refused at once, not retried 7 times
    assert "Traceback" not in result.output


def _unreachable(role: str, model: str) -> Check:
    return Check(roles=[role], model=model, endpoint="http://127.0.0.1:8000/v1", reachable=False,
                 problem="cannot connect: is the server running, and is api_base right?")


def test_one_cause_at_one_endpoint_is_one_line() -> None:
    checks = [_unreachable(role, f"openai/{role}") for role in ("challenger", "qv", "weak")]
    (line,) = failures(checks)
    assert line.count("is the server running") == 1
    assert line.startswith("role 'challenger' (model openai/challenger), role 'qv' (model openai/qv), "
                           "role 'weak' (model openai/weak) at http://127.0.0.1:8000/v1: not reachable: cannot connect")
    (single,) = failures(checks[:1])
    assert single.startswith("role 'challenger' (model openai/challenger at http://127.0.0.1:8000/v1): not reachable")


def test_the_check_table_fits_80_columns_without_breaking_words() -> None:
    checks = [
        Check(roles=[role], model=f"openai/{role}", endpoint="http://127.0.0.1:8000/v1", reachable=True,
              authenticated=True, chat_format=True, structured="json_schema", structured_follows=False,
              tokens_per_s=2068.0, offline_world=True)
        for role in ("challenger", "qv", "weak", "strong", "judge", "orchestrator")
    ] + [Check(roles=["weak", "strong"], model="openai/gemma-3-270m", endpoint="http://127.0.0.1:8391/v1",
               reachable=True, authenticated=True, structured="json_object", structured_follows=True,
               tokens_per_s=3.0, context_window="4096 (server /props)")]
    console = Console(width=80, record=True)
    console.print(preflight_table(checks, "preflight: x"))
    text = console.export_text()
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 80
    for word in ("orchestrator", "challenger", "gemma-3-270m", "json_schema", "json_object"):
        assert word in text, text
    assert "…" not in text


def test_help_shows_no_type_label_on_flags() -> None:
    for args in (["--help"], ["generate", "--help"], ["export", "--help"]):
        shown = _cli(*args)
        assert shown.exit_code == 0
        assert "<bool>" not in shown.output, args
    assert "<int>" in _cli("generate", "--help").output  # options that take a value keep theirs
