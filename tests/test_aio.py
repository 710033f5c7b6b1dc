"""aio.run: the event loop, and the garbage-collector tuning it applies once per process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from harness.env import REPO_ROOT

SCRIPT = textwrap.dedent("""
    import gc, json, weakref
    from harness import aio

    before = {"threshold": gc.get_threshold()[0], "frozen": gc.get_freeze_count()}

    async def value():
        return 42

    result = aio.run(value())
    aio.run(value())  # a second run tunes nothing again

    class Node:
        pass

    node = Node()
    node.self = node  # a reference cycle made after tuning: still collected
    alive = weakref.ref(node)
    del node
    gc.collect()
    print(json.dumps({"before": before, "result": result, "threshold": gc.get_threshold()[0],
                      "frozen": gc.get_freeze_count(), "cycle_collected": alive() is None}))
""")


def test_run_tunes_the_collector_once_and_cycles_are_still_collected() -> None:
    # A fresh interpreter: this test process has already run event loops.
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["before"] == {"threshold": 700, "frozen": 0}  # CPython's defaults
    assert seen["result"] == 42
    assert seen["threshold"] > seen["before"]["threshold"]  # raised: fewer collections of the young generation
    assert seen["frozen"] > 1000  # the imported modules' objects
    assert seen["cycle_collected"] is True
