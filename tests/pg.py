"""A throw-away PostgreSQL cluster for tests: ``initdb`` + ``pg_ctl`` in a temporary directory, listening on
loopback only, on a free port (the ``pg_server`` / ``pg_url`` fixtures in tests/conftest.py).

The binaries come from the Debian package ``postgresql`` (``/usr/lib/postgresql/<major>/bin``; ``.ci/run``
installs it). PostgreSQL refuses to run as root: as root, the cluster runs as the user ``nobody`` (``runuser``),
who is given the directory. Without the binaries a test skips locally and FAILS in CI (``CI`` set).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from tests.service.server import free_port

__all__ = ["PgServer", "pg_bin_dir", "start_cluster"]

RUN_AS = "nobody"


def pg_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin directory, or None."""
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
                  if Path(p).parent.name.isdigit() else 0)
    for d in reversed(dirs):
        if (Path(d) / "initdb").exists() and (Path(d) / "pg_ctl").exists():
            return Path(d)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def _as_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", RUN_AS, "--", *cmd] if os.geteuid() == 0 else cmd


@dataclass
class PgServer:
    """A running cluster: ``url(dbname)`` connects as the superuser ``postgres`` (trust on loopback)."""

    bin_dir: Path
    data_dir: Path
    port: int

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self) -> str:
        """A fresh, empty database; returns its URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        subprocess.run(_as_user([str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w",
                                 "stop"]), capture_output=True, timeout=60)
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def start_cluster() -> PgServer:
    """Start a cluster (raises ``RuntimeError`` saying why it could not)."""
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="qg-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, RUN_AS)
        os.chmod(root, 0o700)
    init = subprocess.run(_as_user([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                                    "--no-locale", "-E", "UTF8"]), capture_output=True, text=True, timeout=120)
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {init.stderr.strip()[-500:]}")
    port = free_port()
    opts = (f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=300 -c shared_buffers=32MB")
    start = subprocess.run(_as_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"),
                                     "-w", "-t", "60", "start"]), capture_output=True, text=True, timeout=90)
    if start.returncode != 0:
        log = (root / "log").read_text(errors="replace")[-500:] if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"pg_ctl start failed: {start.stderr.strip()[-300:]} {log}")
    return PgServer(bin_dir, data, port)
