"""``python -m plugin.cli ...``: the library's commands without the service (no ``serve``, no environment)."""

from plugin.cli import cli

cli()
