"""Service commands added to the ``qinglang`` CLI: ``serve``."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import textwrap
from pathlib import Path
from typing import Any, Iterator

import click

from .config import SETTINGS, ServiceConfig

__all__ = ["serve", "uvicorn_options"]

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


def uvicorn_options(config: ServiceConfig) -> dict[str, Any]:
    """The uvicorn settings ``qinglang serve`` runs with. The HTTP parser is h11, told to stop buffering a
    request head past ``max_header_bytes`` (httptools has no such bound: a head trickling in byte by byte would
    grow without limit before the app could refuse it), and closing a connection whose head is not complete
    within ``HEAD_TIMEOUT_SECONDS`` (:class:`service.h11_protocol.BoundedH11Protocol`); the app itself answers a
    complete oversized head with 431 (``service.errors.HeaderLimitMiddleware``)."""
    from .h11_protocol import BoundedH11Protocol

    return {"host": config.host, "port": config.port, "log_level": config.log_level, "access_log": False,
            "timeout_graceful_shutdown": 10, "log_config": None, "http": BoundedH11Protocol,
            "h11_max_incomplete_event_size": config.max_header_bytes}


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
@click.option("--log-format", default=None, type=click.Choice(["auto", "json", "text"]), help=_help("log_format"))
def serve(host: str | None, port: int | None, db_path: str | None, upstream_url: str | None, workers: int | None,
          max_body_bytes: int | None, rumor_backend: str | None, rumor_url: str | None, log_level: str | None,
          log_format: str | None) -> None:
    """Start the guard service (bundled lexicons, or the newest published version in --db).

    OpenAPI docs are served at /docs.
    """
    import uvicorn

    try:
        config = ServiceConfig.from_env(host=host, port=port, db_path=db_path, upstream_url=upstream_url,
                                        workers=workers, max_body_bytes=max_body_bytes, log_level=log_level,
                                        log_format=log_format, rumor_backend=rumor_backend, rumor_url=rumor_url)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    from .logs import configure_logging, log_event

    configure_logging(config.log_format, config.log_level)
    log_event("startup", "qinglang-guard on http://%s:%s (db %s, %d worker%s); docs at /docs", config.host,
              config.port, config.public()["db_path"], config.workers, "s" if config.workers > 1 else "",
              db_path=config.public()["db_path"], workers=config.workers)
    if config.workers == 1:
        from .app import create_app

        uvicorn.run(create_app(config), **uvicorn_options(config))
    else:
        # each worker process builds its own app from the same settings; their metrics meet in one directory
        os.environ.update(config.to_env())
        with multiprocess_metrics_dir():
            uvicorn.run("service.app:app_from_env", factory=True, workers=config.workers, **uvicorn_options(config))


@contextlib.contextmanager
def multiprocess_metrics_dir() -> Iterator[str]:
    """prometheus-client's multiprocess directory for worker processes started inside the block: the one
    ``PROMETHEUS_MULTIPROC_DIR`` names (its ``*.db`` files from an earlier run are removed first, as
    prometheus-client requires), else a fresh temporary directory removed afterwards."""
    from .metrics import MULTIPROC_ENV

    given = os.environ.get(MULTIPROC_ENV)
    if given:
        Path(given).mkdir(parents=True, exist_ok=True)
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        yield given
        return
    made = tempfile.mkdtemp(prefix="qinglang-metrics-")
    os.environ[MULTIPROC_ENV] = made
    try:
        yield made
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(made, ignore_errors=True)
