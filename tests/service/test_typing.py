"""The service type-checks: ``mypy --strict`` (configured in pyproject.toml) exits 0 on ``service/``."""

from __future__ import annotations

import subprocess
import sys

from tests.paths import ROOT


def test_service_is_mypy_strict_clean() -> None:
    proc = subprocess.run([sys.executable, "-m", "mypy", "service"], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, f"mypy service failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}"
