"""`qinglang evaluate` commands."""

from __future__ import annotations

import click


@click.command(name="evaluate")
def evaluate() -> None:
    """Evaluate the matcher on the shared data set."""
