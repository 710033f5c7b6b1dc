"""The documentation: the site builds without a warning, the README stays a newcomer's page,
and every command the docs quote exists (it answers ``--help``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PAGES = sorted((REPO / "docs").glob("*.md")) + [REPO / "README.md"]
FENCE = re.compile(r"```[a-z]*\n(.*?)```", re.S)
AUTODATA = re.compile(r"(?:^|[\s/])autodata ([a-z][a-z-]+)")
SCRIPT = re.compile(r"python (experiments/bench/[a-z_]+\.py)")


def quoted(pattern: re.Pattern[str]) -> set[str]:
    """What ``pattern`` finds in the docs' code blocks and inline code."""
    found: set[str] = set()
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        blocks = FENCE.findall(text) + re.findall(r"`([^`\n]+)`", text)
        for block in blocks:
            found.update(pattern.findall(block))
    return found


@pytest.mark.slow
def test_the_site_builds_without_warnings(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                          cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr, done.stderr
    assert (tmp_path / "site" / "api" / "index.html").exists()


def test_the_readme_is_short_and_opens_with_the_two_commands() -> None:
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) < 200
    first_block = "\n".join(lines[:6])
    assert "make demo" in first_block and "make test" in first_block


def test_the_docs_quote_commands() -> None:
    # The checks below must have something to check.
    assert {"generate", "sweep", "ablate", "compare", "ui", "serve-sim", "check"} <= quoted(AUTODATA)
    assert "experiments/bench/inner_loop.py" in quoted(SCRIPT)


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(quoted(AUTODATA)))
def test_every_quoted_autodata_command_exists(command: str) -> None:
    done = subprocess.run([sys.executable, "-m", "experiments.cli", command, "--help"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"autodata {command} --help: {done.stdout}{done.stderr}"


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(quoted(SCRIPT)))
def test_every_quoted_benchmark_exists(script: str) -> None:
    done = subprocess.run([sys.executable, script, "--help"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{script} --help: {done.stdout}{done.stderr}"


def test_every_quoted_make_target_exists() -> None:
    targets = quoted(re.compile(r"\bmake ([a-z][a-z-]+)"))
    assert {"demo", "test"} <= targets
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for target in targets:
        assert re.search(rf"^{re.escape(target)}:", makefile, re.M), f"make {target} is quoted but not a target"
