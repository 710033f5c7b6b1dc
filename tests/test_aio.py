"""aio.run: the event loop, the garbage-collector tuning it applies once per process, and the task
dump on SIGUSR1."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from harness import aio
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


@pytest.mark.skipif(not hasattr(signal, "SIGUSR1"), reason="POSIX signals only")
def test_sigusr1_prints_what_each_task_is_waiting_in(capsys: pytest.CaptureFixture[str]) -> None:
    async def held_on(event: asyncio.Event) -> None:
        await event.wait()

    async def main() -> None:
        event = asyncio.Event()
        waiter = asyncio.create_task(held_on(event), name="the-waiter")
        await asyncio.sleep(0.01)
        os.kill(os.getpid(), signal.SIGUSR1)
        await asyncio.sleep(0.05)  # the handler runs on the loop
        event.set()
        await waiter

    aio.run(main())
    err = capsys.readouterr().err
    assert "--- 2 asyncio tasks ---" in err
    block = err[err.index("the-waiter:"):]
    assert "in held_on" in block and "in wait" in block  # down to asyncio.Event.wait, where it is held
    aio.run(asyncio.sleep(0))  # the handler is removed with its loop: a later run is unaffected
