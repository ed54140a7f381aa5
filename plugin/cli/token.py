"""`qinglang token` commands (API tokens for the service)."""

from __future__ import annotations

import click


@click.group(name="token")
def token() -> None:
    """Manage API tokens."""
