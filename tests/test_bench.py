"""The HTTP benchmarks run end to end on a small load and print every ratio they promise.

No wall-clock number is asserted (CI machines differ); what is checked is that each row is there,
is a share of the limit computed from its own calls per second, and is labelled SIMULATED.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^  (?P<label>[^:\n]+?)\s+(?P<rate>\d+\.\d) calls/s =\s+(?P<share>\d+\.\d\d) of limit", re.M)


@pytest.mark.slow
def test_throughput_benchmark_prints_each_ratio_against_the_limit() -> None:
    result = subprocess.run([sys.executable, "experiments/bench/throughput.py", "--calls", "150", "--docs", "3"],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    out = result.stdout
    assert "SIMULATED" in out and "background load before the run:" in out
    assert "limit 640 calls/s" in out  # capacity 32 / 50 ms
    rows = {m["label"]: (float(m["rate"]), float(m["share"])) for m in ROW.finditer(out)}
    assert list(rows) == ["sequential", "concurrent, ceiling 32", "concurrent, ceiling 64 (AIMD)",
                          "concurrent, ceiling 32, cache on", "whole generation (3 docs)"]
    for rate, share in rows.values():
        assert rate > 0 and share == pytest.approx(rate / 640, abs=0.006)
    target = re.search(r"target >= 0\.85 of limit: (met|NOT met) \((\d\.\d\d)\)", out)
    assert target is not None and float(target[2]) == rows["concurrent, ceiling 32"][1]
    assert (target[1] == "met") == (float(target[2]) >= 0.85)
    slow = re.search(r"at latency 250 ms \(limit 128 calls/s\): concurrent (\d+\.\d) calls/s = (\d\.\d\d) of limit", out)
    assert slow is not None and float(slow[2]) == pytest.approx(float(slow[1]) / 128, abs=0.006)


@pytest.mark.slow
def test_generation_cpu_benchmark_prints_both_variants_against_shipped() -> None:
    result = subprocess.run([sys.executable, "experiments/bench/generation_cpu.py", "--rounds", "1", "--docs", "3"],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "SIMULATED" in result.stdout
    variant = re.compile(r"^  (?P<name>.+?)\s+(?P<cpu>\d+\.\d\d) ms/call \(x(?P<ratio>\d+\.\d\d) of shipped\)\s+"
                         r"(?P<rate>\d+\.\d) calls/s = (?P<share>\d\.\d\d) of limit$", re.M)
    rows = {m["name"]: m for m in variant.finditer(result.stdout)}
    assert list(rows) == ["shipped", "DSPy's input formatting"]
    assert rows["shipped"]["ratio"] == "1.00"
    for row in rows.values():
        assert float(row["cpu"]) > 0 and float(row["share"]) == pytest.approx(float(row["rate"]) / 640, abs=0.006)
    assert float(rows["DSPy's input formatting"]["ratio"]) == pytest.approx(
        float(rows["DSPy's input formatting"]["cpu"]) / float(rows["shipped"]["cpu"]), abs=0.01)
