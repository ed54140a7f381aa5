"""The ``qinglang`` program: the library's commands (``plugin.cli``) and ``serve``, with the deployment's
environment read in.

The library reads no environment variable. Here the ``QINGLANG_*`` variables become the commands'
:class:`~plugin.cli.settings.CliSettings`: ``QINGLANG_TOKEN`` (the token the lexicon commands act with),
``QINGLANG_SHARED_DATA`` (``qinglang evaluate``'s data), ``QINGLANG_CACHE_DIR`` (the tables' snapshots) and the lexicon store's settings
(``QINGLANG_FOUR_EYES``, ``QINGLANG_SINGLE_OPERATOR`` ...: :data:`service.config.SETTINGS`, section ``store``).
"""

from __future__ import annotations

import os
from typing import Mapping

import click

from plugin import snapshot
from plugin.cli import cli as library_cli
from plugin.cli.settings import CliSettings

from .commands import serve
from .config import store_settings_from_env

__all__ = ["CACHE_DIR_ENV", "DATA_ENV", "TOKEN_ENV", "cli", "cli_settings_from_env", "main"]

#: The API token of the lexicon commands that change the store (``--token`` wins).
TOKEN_ENV = "QINGLANG_TOKEN"
#: The evaluation data of ``qinglang evaluate`` (``--data`` wins).
DATA_ENV = "QINGLANG_SHARED_DATA"
#: Where the snapshots of the process-wide tables live (``plugin.snapshot``; empty: none).
CACHE_DIR_ENV = "QINGLANG_CACHE_DIR"


def cli_settings_from_env(environ: Mapping[str, str] | None = None) -> CliSettings:
    """The library commands' settings from ``QINGLANG_*`` variables (the store section is read when a command
    opens the store, so a bad store variable fails only the commands that use the store)."""
    env = os.environ if environ is None else environ
    return CliSettings(token=env.get(TOKEN_ENV) or None, data_dir=env.get(DATA_ENV) or None,
                       store=lambda: store_settings_from_env(env))


@click.group(name="qinglang", help=library_cli.help, context_settings=library_cli.context_settings)
@click.version_option(package_name="qinglang-guard")
@click.pass_context
def cli(ctx: click.Context) -> None:
    if CACHE_DIR_ENV in os.environ:
        snapshot.configure(os.environ[CACHE_DIR_ENV])
    ctx.obj = cli_settings_from_env()


for _name, _command in library_cli.commands.items():
    cli.add_command(_command, _name)
cli.add_command(serve)


def main() -> None:
    """Run the ``qinglang`` command."""
    cli()


if __name__ == "__main__":  # python -m service.cli ...
    main()
