"""The FastAPI application: ``create_app(config)`` builds the guard state once and mounts the routes.

    from service.app import create_app, ServiceConfig
    app = create_app(ServiceConfig(db_path="qinglang.db"))
    app.state.guard   # GuardState: .live, .rumors, .reviews, .engine, .metrics, .samples, .config

Optional parts are used when they import: ``plugin.store`` (published lexicon versions),
``plugin.rumors`` (rumour index), ``service.admin`` / ``service.proxy`` (extensions: ``install(app)``
and optional ``async start(app)`` / ``async stop(app)``, called from the lifespan) and
``service.auth`` (tokens: the review queue by default, the check endpoints when ``protect_checks`` is on).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib
import logging
import threading
import time
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, AsyncIterator

from fastapi import Depends, FastAPI

from plugin.guard import Guard
from plugin.live import LiveMatcher
from plugin.policy import Policy
from plugin.review import ReviewEngine, ReviewSettings
from plugin.review.store import ReviewStore

from .config import ServiceConfig
from .errors import BodyLimitMiddleware, install_error_handlers
from .headers import install as install_security_headers
from .metrics import GuardMetrics, MetricsMiddleware
from .sampling import SampleRing

__all__ = ["EXTENSIONS", "GuardState", "ServiceConfig", "app_from_env", "create_app"]

log = logging.getLogger("qinglang.service")

#: Extension modules tried in order; each may expose install(app), start(app), stop(app).
EXTENSIONS = ("service.admin", "service.proxy")

_UNSET: Any = object()


@dataclass
class GuardState:
    """Everything the routes share; built once per app."""

    config: ServiceConfig
    live: LiveMatcher
    rumors: Any  # plugin.rumors.RumorIndex | None
    reviews: ReviewStore
    engine: ReviewEngine
    metrics: GuardMetrics
    samples: SampleRing
    checks: Guard  # the pipeline every route calls (plugin.guard.Guard): policy, caches, rumours
    lexicon_store: Any = None  # plugin.store.LexiconStore | None
    rumor_store: Any = None
    extensions: list[ModuleType] = field(default_factory=list)
    started_at: float = field(default_factory=time.time)
    review_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def db_path(self) -> str:
        return self.config.db_path

    @property
    def lexicon_version(self) -> str:
        return str(self.live.version)

    def refresh_rumors(self) -> None:
        """Reload the rumour index from the database (after ``qinglang rumors import``)."""
        self.checks.refresh_rumors()


def _optional(module: str) -> ModuleType | None:
    """Import ``module`` if it exists; a module that exists but fails to import is an error."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            return None
        raise


def _lexicon_store(config: ServiceConfig) -> Any:
    mod = _optional("plugin.store")
    if mod is None or not hasattr(mod, "LexiconStore"):
        return None
    return mod.LexiconStore(config.db_path)


def _build_live(store: Any) -> LiveMatcher:
    """The published lexicon version when there is one, else the bundled lexicons."""
    if store is not None:
        version = store.live_version()
        if version is not None:
            return LiveMatcher(store.build_matcher(version), str(version))
    from plugin import Matcher

    m = Matcher.from_lexicons([], bundled=True)
    return LiveMatcher(m, m.version)


def _rumor_index(config: ServiceConfig) -> tuple[Any, Any]:
    mod = _optional("plugin.rumors")
    if mod is None or not hasattr(mod, "RumorIndex"):
        log.info("plugin.rumors not available: serving without a rumour index")
        return None, None
    store = mod.RumorStore(config.db_path)
    return mod.RumorIndex.from_store(store), store


def warm_up(matcher: Any) -> None:
    """Run a few scans so lazily built tables (pinyin automaton, word segmenter) are ready before
    the first request rather than during it."""
    samples = ["warm up 测试 ceshi abc 123", "今天天气怎么样？"]
    samples += [e.term for e in list(getattr(matcher, "entries", ()))[:20]]
    for text in samples:
        try:
            matcher.scan(text)
            matcher.scan(text, scope="account_name")
        except Exception:  # warm-up is best effort; real requests report real errors
            log.exception("matcher warm-up failed")
            return


def create_app(
    config: ServiceConfig | None = None,
    *,
    matcher: Any = None,
    rumors: Any = _UNSET,
    review_settings: ReviewSettings | None = None,
) -> FastAPI:
    """Build the service. ``matcher`` / ``rumors`` override what would be built from ``config``
    (tests share one compiled matcher this way; ``rumors=None`` disables the rumour index)."""
    config = config or ServiceConfig.from_env()
    lexicon_store = _lexicon_store(config)
    live = LiveMatcher(matcher, getattr(matcher, "version", "")) if matcher is not None else _build_live(lexicon_store)
    warm_up(live.current())
    live.on_swap(lambda new, _version: warm_up(new))
    rumor_store = None
    if rumors is _UNSET:
        rumors, rumor_store = _rumor_index(config)
    overrides: dict[str, Any] = {"matrix_history_size": config.matrix_history_size,
                                 "matrix_history_hours": config.matrix_history_hours,
                                 "naive_timezone": config.review_timezone}
    if config.placeholder_sources is not None:
        overrides["placeholder_sources"] = tuple(config.placeholder_sources)
    settings = (review_settings or ReviewSettings()).replace(**overrides)
    reviews = ReviewStore(config.db_path)
    engine = ReviewEngine(settings=settings)
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=config.matrix_history_hours)
    for cand, seen_at, item_id in reviews.recent_items(since=since, limit=config.matrix_history_size):
        engine.remember([cand], seen_at, [item_id])

    metrics = GuardMetrics()
    policy = Policy.default(suggestion_drop_action=config.suggestion_drop_action,
                            suggestion_rumor_check=config.suggestion_rumor_check)
    guard = GuardState(
        config=config, live=live, rumors=rumors, reviews=reviews, engine=engine, metrics=metrics,
        samples=SampleRing(config.recent_sample_size),
        checks=Guard(live, rumors, policy, cache_size=config.check_cache_size),
        lexicon_store=lexicon_store, rumor_store=rumor_store,
    )
    metrics.probes["lexicon_version"] = lambda: guard.live.version
    metrics.probes["review_queue_pending"] = lambda: guard.reviews.count("pending")
    metrics.probes["rumor_index_size"] = lambda: (len(guard.rumors) if guard.rumors is not None and hasattr(guard.rumors, "__len__") else None)

    app = FastAPI(
        title="qinglang-guard",
        version=_version(),
        description="Guardrail for search queries, search suggestions and trending-list (热搜) candidates.",
        lifespan=_lifespan,
    )
    app.state.guard = guard
    app.state.lexicon_store = lexicon_store  # shared with service.admin (one store per app)
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=config.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    install_security_headers(app)  # outermost: also on 413s and errors

    from .routes import checks, reviews as review_routes, system, trending

    check_deps = _check_dependencies(config)
    app.include_router(checks.router, dependencies=check_deps)
    app.include_router(trending.router, dependencies=check_deps)
    app.include_router(review_routes.router, dependencies=_review_dependencies(config))
    app.include_router(system.router)

    for name in EXTENSIONS:
        if name == "service.proxy" and not config.upstream_url:
            continue
        mod = _optional(name)
        if mod is None:
            continue
        install = getattr(mod, "install", None)
        if install is not None:
            install(app)
        guard.extensions.append(mod)
        record = getattr(mod, "record_sample", None)
        if record is not None:  # e.g. service.admin keeps recent texts for lexicon previews
            guard.samples.add_sink(_sample_sink(app, record))
    return app


def _sample_sink(app: FastAPI, record: Any) -> Any:
    def sink(batch: list[tuple[str, str]]) -> None:
        for kind, text in batch:
            record(app, kind, text)

    return sink


def _check_dependencies(config: ServiceConfig) -> list[Any]:
    if not config.protect_checks:
        return []
    auth = _optional("service.auth")
    if auth is None:
        raise RuntimeError("protect_checks is on but service.auth is not available")
    return [Depends(auth.require_role("reader"))]


def _review_dependencies(config: ServiceConfig) -> list[Any]:
    """The review queue and audit trail need a reader token unless ``protect_reviews`` is turned off
    (deciding needs a reviewer token: ``service.routes.reviews``); ``protect_checks`` is separate."""
    if not config.protect_reviews:
        return []
    auth = _optional("service.auth")
    if auth is None:
        raise RuntimeError("protect_reviews is on but service.auth is not available")
    return [Depends(auth.require_role("reader"))]


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("qinglang-guard")
    except Exception:
        return "0"


async def _periodic(interval: float, fn: Any, what: str) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(fn)
        except Exception:
            log.exception("background %s failed", what)


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    guard: GuardState = app.state.guard
    tasks = [asyncio.create_task(_periodic(guard.config.sample_flush_seconds, guard.samples.drain, "sample flush"))]
    if guard.rumors is not None and guard.config.rumor_refresh_seconds > 0:
        tasks.append(asyncio.create_task(_periodic(guard.config.rumor_refresh_seconds, guard.refresh_rumors, "rumour refresh")))
    started: list[ModuleType] = []
    try:
        for mod in guard.extensions:
            start = getattr(mod, "start", None)
            if start is not None:
                await start(app)
            started.append(mod)
        yield
    finally:
        for mod in reversed(started):
            stop = getattr(mod, "stop", None)
            if stop is not None:
                try:
                    await stop(app)
                except Exception:
                    log.exception("stopping %s failed", mod.__name__)
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t
        guard.samples.drain()


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory service.app:app_from_env`` (config from ``QINGLANG_*``)."""
    logging.basicConfig(level=logging.INFO)
    return create_app(ServiceConfig.from_env())
