"""The offline world behind its seams (issue 24 item 6): only the model registry, the document
sources, the serve-sim command and the benchmarks import ``harness.sim``, and nothing the world
imports from ``harness`` imports it back (no package cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {"harness/models.py", "harness/documents.py", "experiments/cli.py"}  # + experiments/bench/


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return out


def _sources() -> list[Path]:
    return [p for top in ("harness", "objectives", "search", "experiments") for p in (ROOT / top).rglob("*.py")]


def test_only_the_seams_import_the_offline_world() -> None:
    outside = {str(p.relative_to(ROOT)) for p in _sources()
               if not p.is_relative_to(ROOT / "harness" / "sim") and not p.is_relative_to(ROOT / "experiments" / "bench")
               and any(m == "harness.sim" or m.startswith("harness.sim.") for m in _imports(p))}
    assert outside <= ALLOWED, sorted(outside - ALLOWED)
    assert "experiments/cli.py" in outside  # the check reads imports made inside functions too (serve-sim)


def test_what_the_world_imports_from_harness_never_imports_the_world() -> None:
    world = [p for p in (ROOT / "harness" / "sim").rglob("*.py")]
    used = {m for p in world for m in _imports(p) if m.startswith("harness.") and not m.startswith("harness.sim")}
    assert used, "the world imports nothing of harness: this test would check nothing"
    cyclic = {m for m in used if any(i.startswith("harness.sim") for i in _imports(ROOT / (m.replace(".", "/") + ".py")))}
    assert cyclic == set(), sorted(cyclic)
