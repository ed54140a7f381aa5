"""Service commands added to the ``qinglang`` CLI: ``serve`` (and ``token``)."""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    """Attach the service commands to ``cli``."""
    cli.add_command(serve)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--db", default="qinglang.db", show_default=True, help="SQLite file (rumours, reviews, lexicon versions)")
def serve(host: str, port: int, db: str) -> None:
    """Start the guard service on the embedded defaults."""
    raise click.ClickException("service not built yet")
