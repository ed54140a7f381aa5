"""One service replica as its own process (uvicorn, config from ``QINGLANG_*``), for the multi-replica tests
and bench/bench_replicas.py: ``python -m tests.service.replica``. ``QINGLANG_STORE_FAULT`` names a point of
a publish where the process kills itself (SIGKILL), as in tests/plugin/store/test_crash.py."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import httpx

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    import uvicorn

    import plugin.store.store
    from service.app import app_from_env
    from service.config import ServiceConfig

    plugin.store.store.fault_point = os.environ.get("QINGLANG_STORE_FAULT") or None
    config = ServiceConfig.from_env()
    uvicorn.run(app_from_env(), host=config.host, port=config.port, log_level="warning", access_log=False)


@contextlib.contextmanager
def replicas(envs: list[dict[str, str]], *, timeout: float = 60.0) -> Iterator[list[tuple[str, subprocess.Popen]]]:
    """Start one replica per environment (each needs ``QINGLANG_PORT``); yields ``(base_url, process)`` pairs
    once every one answers ``/healthz``; stops them afterwards."""
    procs = []
    for env in envs:
        full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
        procs.append((f"http://127.0.0.1:{env['QINGLANG_PORT']}",
                      subprocess.Popen([sys.executable, "-m", "tests.service.replica"], cwd=ROOT, env=full,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)))
    try:
        end = time.monotonic() + timeout
        for url, proc in procs:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"replica {url} exited: {proc.stderr.read().decode(errors='replace')[-2000:]}")
                try:
                    if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > end:
                    raise RuntimeError(f"replica {url} did not start in {timeout:.0f}s")
                time.sleep(0.1)
        yield procs
    finally:
        for _, proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for _, proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            if proc.stderr is not None:
                proc.stderr.close()


if __name__ == "__main__":
    main()
