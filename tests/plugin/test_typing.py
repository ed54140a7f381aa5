"""The library type-checks: ``mypy`` (strict on ``plugin/``, configured in pyproject.toml) exits 0."""

from __future__ import annotations

import subprocess
import sys

from tests.paths import ROOT


def test_plugin_is_mypy_strict_clean() -> None:
    proc = subprocess.run([sys.executable, "-m", "mypy", "plugin"], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, f"mypy plugin failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}"
