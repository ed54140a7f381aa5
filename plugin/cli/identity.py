"""Who a store-changing command acts as: the name of an API token verified against the database's token
table (``--token`` or :attr:`~plugin.cli.settings.CliSettings.token`), or the single operator where the
store's ``single_operator`` setting allows it. Shared by ``qinglang lexicon`` and ``qinglang rumors``."""

from __future__ import annotations

import getpass
import os
from typing import Any, Callable, TypeVar

import click

from .settings import cli_settings

__all__ = ["acting_identity", "acting_options", "os_user"]

_F = TypeVar("_F", bound=Callable[..., Any])


def os_user() -> str:
    """The operating-system user running the command (``uid<N>`` without a passwd entry)."""
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (containers)
        return f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def acting_options(fn: _F) -> _F:
    """Add ``--token`` / ``--single-operator`` to a command that changes a store."""
    fn = click.option("--single-operator", "single_operator", is_flag=True,
                      help="act without a token as single-operator:<os user> (one-person deployments; refused "
                           "unless QINGLANG_SINGLE_OPERATOR=true)")(fn)
    return click.option("--token", default=None, metavar="SECRET",
                        help="API token to act with; the audit records its name (default: the QINGLANG_TOKEN "
                             "environment variable, preferable: a command line is visible to other users)")(fn)


def acting_identity(db_path: str, config: Any, token: str | None, single_operator: bool, needed: str,
                    what: str = "the lexicon store") -> tuple[Any, str]:
    """The actor (and its role) of this command: the verified token's name, or the single operator
    (``config`` is the store's :class:`~plugin.store.StoreConfig`; ``what`` names what the command changes)."""
    from plugin.store import Actor, AuthError, TokenStore

    token = token if token is not None else cli_settings().token
    if single_operator:
        if token:
            raise click.UsageError("give either a token or --single-operator, not both")
        if not config.single_operator:
            raise click.ClickException(
                "--single-operator is refused: the single-operator mode is not enabled for this deployment "
                "(QINGLANG_SINGLE_OPERATOR=true); act with an API token (--token or QINGLANG_TOKEN)")
        return Actor.single(os_user()), "admin"
    if not token or not token.strip():
        hint = " or --single-operator" if config.single_operator else ""
        raise click.ClickException(
            f"this command changes {what} and needs an identity: an API token with role {needed!r} or "
            f"above (--token or QINGLANG_TOKEN; see `qinglang token create`){hint}")
    tokens = TokenStore(db_path)
    try:
        info = tokens.verify(token.strip(), needed)
    except AuthError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        tokens.close()
    return Actor.from_token(info), info.role
