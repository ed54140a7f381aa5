"""Service commands added to the ``qinglang`` CLI: ``serve``."""

from __future__ import annotations

import os
import textwrap

import click

from .config import SETTINGS, ServiceConfig

__all__ = ["serve"]

_BY_NAME = {s.name: s for s in SETTINGS}


def _help(name: str) -> str:
    s = _BY_NAME[name]
    return f"{s.help} [env var: {s.env}; default: {s.default}]"


def _epilog() -> str:
    """Every setting's variable, by section (``\\b``: click keeps the lines as they are)."""
    lines = ["\b", 'Every setting is also an environment variable (docs/service.md "Settings"); options win:']
    for section in dict.fromkeys(s.section for s in SETTINGS):
        names = " ".join(s.env for s in SETTINGS if s.section == section)
        lines += textwrap.wrap(names, 100, initial_indent=f"  {section}: ", subsequent_indent="    ")
    return "\n".join(lines)


@click.command(epilog=_epilog())
@click.option("--host", default=None, help=_help("host"))
@click.option("--port", default=None, type=click.IntRange(1, 65535), help=_help("port"))
@click.option("--db", "db_path", default=None, help=_help("db_path"))
@click.option("--upstream", "upstream_url", default=None, help=_help("upstream_url"))
@click.option("--workers", default=None, type=click.IntRange(1, 64), help=_help("workers"))
@click.option("--max-body-bytes", default=None, type=click.IntRange(1), help=_help("max_body_bytes"))
@click.option("--rumor-backend", default=None, type=click.Choice(["embedded", "opensearch"]),
              help=_help("rumor_backend"))
@click.option("--rumor-url", default=None, help=_help("rumor_url"))
@click.option("--log-level", default=None, type=click.Choice(["critical", "error", "warning", "info", "debug"]),
              help=_help("log_level"))
def serve(host: str | None, port: int | None, db_path: str | None, upstream_url: str | None, workers: int | None,
          max_body_bytes: int | None, rumor_backend: str | None, rumor_url: str | None, log_level: str | None) -> None:
    """Start the guard service (bundled lexicons, or the newest published version in --db).

    OpenAPI docs are served at /docs.
    """
    import uvicorn

    try:
        config = ServiceConfig.from_env(host=host, port=port, db_path=db_path, upstream_url=upstream_url,
                                        workers=workers, max_body_bytes=max_body_bytes, log_level=log_level,
                                        rumor_backend=rumor_backend, rumor_url=rumor_url)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"qinglang-guard on http://{config.host}:{config.port} (db {config.public()['db_path']}, "
               f"{config.workers} worker{'s' if config.workers > 1 else ''}); docs at /docs", err=True)
    if config.workers == 1:
        from .app import create_app

        uvicorn.run(create_app(config), host=config.host, port=config.port, log_level=config.log_level,
                    access_log=False, timeout_graceful_shutdown=10)
    else:
        # each worker process builds its own app from the same settings
        os.environ.update(config.to_env())
        uvicorn.run("service.app:app_from_env", factory=True, workers=config.workers, host=config.host,
                    port=config.port, log_level=config.log_level, access_log=False, timeout_graceful_shutdown=10)
