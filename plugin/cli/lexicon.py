"""`qinglang lexicon` commands."""

from __future__ import annotations

import click


@click.group(name="lexicon")
def lexicon() -> None:
    """lexicon commands."""
