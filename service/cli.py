"""Console entry point: the library CLI plus the service commands (``serve``)."""

from __future__ import annotations

from plugin.cli import cli
from service.commands import register

register(cli)


def main() -> None:
    """Run the ``qinglang`` command."""
    cli()
