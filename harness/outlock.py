"""One writer per output directory: an exclusive lock on ``--out`` for the whole run.

Two runs appending to one ``OUT/`` would double its dataset (each resumes from the same records
and writes its own rounds). A run therefore holds ``OUT/.autodata.lock`` (``filelock``: an OS lock
the kernel releases when the process dies, so a SIGKILLed run never leaves a stale lock) and
writes who holds it to ``OUT/.autodata.lock.holder``. A second run on the same folder fails at
once, naming the holder's host and PID. The holder is a separate file because taking the lock
opens the lock file (and may truncate it) before it knows whether it got the lock.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_FILE = ".autodata.lock"
HOLDER_FILE = ".autodata.lock.holder"


class OutputError(ValueError):
    """``--out`` cannot be used (phrased for the user: one line naming the folder)."""


def usable_output(out: Path) -> Path:
    """``out`` as a writable directory (created when missing), or an OutputError saying why not."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a directory (--out must be a folder)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{out}: cannot create the output folder ({error.strerror or error})") from None
    probe = out / f".autodata.probe.{os.getpid()}"
    try:  # os.access says yes to root on a read-only file system: try a real write
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise OutputError(f"{out}: the output folder is not writable ({error.strerror or error})") from None
    return out


def holder(out: Path) -> str:
    """Who holds ``out`` (host, PID, command), as its holder file says."""
    try:
        info = json.loads((out / HOLDER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "another process (holder unknown)"
    return f"{info.get('command', 'a run')} on host {info.get('host', '?')}, PID {info.get('pid', '?')}"


@contextlib.contextmanager
def exclusive_output(out: Path, command: str) -> Iterator[Path]:
    """Hold ``out`` for the duration; OutputError at once when another run holds it."""
    usable_output(out)
    lock = FileLock(str(out / LOCK_FILE), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise OutputError(f"{out}: in use by {holder(out)}; one run writes to an output folder at a time "
                          "(wait for it, or use another --out)") from None
    except OSError as error:
        if error.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
            raise OutputError(f"{out}: cannot lock the output folder ({error.strerror})") from None
        raise
    info = {"host": socket.gethostname(), "pid": os.getpid(), "command": command, "since": time.time()}
    (out / HOLDER_FILE).write_text(json.dumps(info) + "\n", encoding="utf-8")
    try:
        yield out
    finally:
        with contextlib.suppress(OSError):
            (out / HOLDER_FILE).unlink()
        lock.release()
