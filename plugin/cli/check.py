"""`qinglang check` and `qinglang scan`."""

from __future__ import annotations

import click


@click.command()
def check() -> None:
    """Check JSONL {"id","text"} lines from stdin."""


@click.command()
@click.argument("text")
def scan(text: str) -> None:
    """Print the hits in TEXT."""
