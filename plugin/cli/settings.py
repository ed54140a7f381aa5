"""What a deployment sets for the library's commands. The library reads no environment variable: the
``qinglang`` program (``service.cli``) builds a :class:`CliSettings` from the ``QINGLANG_*`` variables and
hands it to every command as click's context object; without one the defaults apply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import click

from plugin.store import StoreConfig

__all__ = ["CliSettings", "cli_settings"]


@dataclass(frozen=True)
class CliSettings:
    """Settings of the library commands."""

    #: API token the lexicon commands act with when ``--token`` is not given.
    token: str | None = None
    #: Evaluation data directory of ``qinglang evaluate`` when ``--data`` is not given.
    data_dir: str | None = None
    #: The lexicon store's settings, read when a command opens the store (a bad value fails that command only).
    store: Callable[[], StoreConfig] = StoreConfig


def cli_settings() -> CliSettings:
    """The settings of the running command (the defaults outside a command or when none were given)."""
    ctx = click.get_current_context(silent=True)
    found = ctx.find_object(CliSettings) if ctx is not None else None
    return found if found is not None else CliSettings()
