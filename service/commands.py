"""Service commands added to the ``qinglang`` CLI: ``serve``."""

from __future__ import annotations

import os

import click

from .config import SETTINGS, ServiceConfig

_HELP = {s.name: s.help for s in SETTINGS}


def register(cli: click.Group) -> None:
    """Attach the service commands to ``cli``."""
    cli.add_command(serve)


@click.command()
@click.option("--host", default=None, help=f"{_HELP['host']} [default: 127.0.0.1; env QINGLANG_HOST]")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help=f"{_HELP['port']} [default: 8080]")
@click.option("--db", "db_path", default=None, help=f"{_HELP['db_path']} [default: qinglang.db]")
@click.option("--upstream", "upstream_url", default=None, help=_HELP["upstream_url"])
@click.option("--workers", default=None, type=click.IntRange(1, 64), help=_HELP["workers"] + " [default: 1]")
@click.option("--max-body-bytes", default=None, type=click.IntRange(1), help=_HELP["max_body_bytes"])
@click.option("--log-level", default=None, type=click.Choice(["critical", "error", "warning", "info", "debug"]))
def serve(host: str | None, port: int | None, db_path: str | None, upstream_url: str | None, workers: int | None,
          max_body_bytes: int | None, log_level: str | None) -> None:
    """Start the guard service (bundled lexicons, or the newest published version in --db).

    Every setting can also come from a QINGLANG_<NAME> environment variable; see docs/service.md.
    OpenAPI docs are served at /docs.
    """
    import uvicorn

    try:
        config = ServiceConfig.from_env(host=host, port=port, db_path=db_path, upstream_url=upstream_url,
                                        workers=workers, max_body_bytes=max_body_bytes, log_level=log_level)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"qinglang-guard on http://{config.host}:{config.port} (db {config.db_path}, "
               f"{config.workers} worker{'s' if config.workers > 1 else ''}); docs at /docs", err=True)
    common = dict(host=config.host, port=config.port, log_level=config.log_level, access_log=False,
                  timeout_graceful_shutdown=10)
    if config.workers == 1:
        from .app import create_app

        uvicorn.run(create_app(config), **common)
    else:
        # each worker process builds its own app from the same settings
        os.environ.update(config.to_env())
        uvicorn.run("service.app:app_from_env", factory=True, workers=config.workers, **common)
