"""A throwaway PostgreSQL cluster on 127.0.0.1 for tests and the soak benchmark (Debian's ``postgresql``).

``initdb`` and ``pg_ctl`` from ``/usr/lib/postgresql/*/bin`` (``.ci/run`` installs the package when
missing) start a cluster in a temporary folder, on a free port, trusting local connections;
it is stopped at the end. Where the binaries or the driver are missing, ``why_not`` says why
(tests skip with it printed, tests/postgres_fixture.py).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Cluster:
    host: str
    port: int

    def url(self, database: str) -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _bin_dir() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(argv: list[str]) -> list[str]:
    # initdb refuses to run as root: run the server as the package's postgres user then.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


def why_not() -> str | None:
    """Why no cluster can be started here, or None."""
    if _bin_dir() is None:
        return "PostgreSQL is not installed (apt-get install postgresql; .ci/run does it)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'autodata[postgres]')"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: initdb cannot run"
    return None


@contextlib.contextmanager
def cluster() -> Iterator[Cluster]:
    reason = why_not()
    if reason:
        raise RuntimeError(reason)
    bin_dir = _bin_dir()
    assert bin_dir is not None
    root = Path(tempfile.mkdtemp(prefix="autodata-pg-"))
    root.chmod(0o777)
    data, port = root / "data", _free_port()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    subprocess.run(_as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                                 "--no-sync", "-E", "UTF8"]), check=True, capture_output=True)
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"),
                                 "-w", "start"]), check=True, capture_output=True)
    try:
        yield Cluster("127.0.0.1", port)
    finally:
        subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
