"""`qinglang rumors` commands."""

from __future__ import annotations

import click


@click.group(name="rumors")
def rumors() -> None:
    """rumors commands."""
