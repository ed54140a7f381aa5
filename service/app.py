"""The FastAPI application: ``create_app(config)`` builds the guard state once and mounts the routes.

    from service.app import create_app, ServiceConfig
    app = create_app(ServiceConfig(db_path="qinglang.db"))
    app.state.guard   # service.state.GuardState: .live, .rumors, .reviews, .engine, .metrics, .samples, .config

The lexicon store (published lexicon versions) and the rumour index read the same SQLite file.
Extensions (:class:`~service.state.Extension`, by default ``service.extensions.default_extensions``:
the editorial admin API and page, and the search proxy when ``upstream_url`` is set) install their
routes here; their ``start`` / ``stop`` run in the lifespan. API tokens (``service.auth``) guard the
review queue by default and the check endpoints when ``protect_checks`` is on.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from typing import Any, AsyncIterator, Callable, Sequence

from fastapi import Depends, FastAPI

from plugin import Matcher
from plugin.guard import Guard
from plugin.live import LiveMatcher
from plugin.policy import Policy
from plugin.review import ReviewEngine
from plugin.review.store import ReviewStore
from plugin.rumors import RumorIndex, RumorStore
from plugin.scoring import SpamScorer
from plugin.scoring.loop import AuditSampler
from plugin.scoring.signal import ModelSignal
from plugin.scoring.store import ModelStore
from plugin.store import LexiconStore

from .auth import require_role
from .config import ServiceConfig
from .errors import BodyLimitMiddleware, install_error_handlers
from .extensions import default_extensions
from .headers import install as install_security_headers
from .metrics import GuardMetrics, MetricsMiddleware
from .routes import checks, reviews as review_routes, system, trending
from .sampling import SampleRing
from .state import Extension, GuardState, state_of

__all__ = ["GuardState", "ServiceConfig", "app_from_env", "create_app"]

log = logging.getLogger("qinglang.service")

_UNSET: Any = object()


def _build_live(store: LexiconStore) -> LiveMatcher:
    """The published lexicon version when there is one, else the bundled lexicons."""
    version = store.live_version()
    if version is not None:
        return LiveMatcher(store.build_matcher(version), str(version))
    m = Matcher.from_lexicons([], bundled=True)
    return LiveMatcher(m, m.version)


def _build_scorer(config: ServiceConfig, store: ModelStore) -> LiveMatcher | None:
    """The holder of the live spam scorer when ``model_scoring`` is on: the newest published model
    version, else ``model_path``, else the bundled model (``None`` when off)."""
    if not config.model_scoring:
        return None
    version = store.live_version()
    if version is not None:
        try:
            return LiveMatcher(store.build_scorer(version), str(version))
        except Exception:  # serve the configured model; the poller retries the published one
            log.exception("model version %s failed to load", version)
    scorer = SpamScorer.load(config.model_path) if config.model_path else SpamScorer.bundled()
    return LiveMatcher(scorer, "")


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
    rumors: RumorIndex | None = _UNSET,
    extensions: Sequence[Extension] | None = None,
) -> FastAPI:
    """Build the service. ``matcher`` / ``rumors`` override what would be built from ``config``
    (tests share one compiled matcher this way; ``rumors=None`` disables the rumour index);
    ``extensions`` replaces :func:`~service.extensions.default_extensions`."""
    config = config or ServiceConfig.from_env()
    lexicon_store = LexiconStore(config.db_path, config.store)
    live = LiveMatcher(matcher, getattr(matcher, "version", "")) if matcher is not None else _build_live(lexicon_store)
    warm_up(live.current())
    live.on_swap(lambda new, _version: warm_up(new))
    rumor_store = None
    if rumors is _UNSET:
        rumor_store = RumorStore(config.db_path)
        rumors = RumorIndex.from_store(rumor_store)
    reviews = ReviewStore(config.db_path)
    engine = ReviewEngine(settings=config.review)
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=config.review.matrix_history_hours)
    for cand, seen_at, item_id in reviews.recent_items(since=since, limit=config.review.matrix_history_size):
        engine.remember([cand], seen_at, [item_id])

    metrics = GuardMetrics()
    policy = Policy.default(suggestion_drop_action=config.suggestion_drop_action,
                            suggestion_rumor_check=config.suggestion_rumor_check)
    model_store = ModelStore(config.db_path, config.store)
    scorer = _build_scorer(config, model_store)
    guard = GuardState(
        config=config, live=live, rumors=rumors, reviews=reviews, engine=engine, metrics=metrics,
        samples=SampleRing(config.recent_sample_size),
        checks=Guard(live, rumors, policy, cache_size=config.check_cache_size,
                     signals=[ModelSignal(scorer)] if scorer is not None else []),
        lexicon_store=lexicon_store, model_store=model_store, rumor_store=rumor_store, scorer=scorer,
    )
    if scorer is not None and config.model_audit_rate > 0:  # scored sample of the traffic: drift, audit rows
        guard.samples.add_sink(AuditSampler(model_store, scorer.current, rate=config.model_audit_rate,
                                            limit=config.model_audit_limit, policy=policy))
    metrics.probes["lexicon_version"] = lambda: guard.live.version
    metrics.probes["review_queue_pending"] = lambda: guard.reviews.count("pending")
    metrics.probes["rumor_index_size"] = lambda: len(guard.rumors) if guard.rumors is not None else None

    app = FastAPI(
        title="qinglang-guard",
        version=_version(),
        description="Guardrail for search queries, search suggestions and trending-list (热搜) candidates.",
        lifespan=_lifespan,
    )
    app.state.guard = guard
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=config.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    install_security_headers(app)  # outermost: also on 413s and errors

    # The review queue and audit trail need a reader token unless ``protect_reviews`` is off (deciding
    # needs a reviewer token: service.routes.reviews); ``protect_checks`` guards the check routes.
    check_deps = [Depends(require_role("reader"))] if config.protect_checks else []
    app.include_router(checks.router, dependencies=check_deps)
    app.include_router(trending.router, dependencies=check_deps)
    app.include_router(review_routes.router,
                       dependencies=[Depends(require_role("reader"))] if config.protect_reviews else [])
    app.include_router(system.router)

    for extension in default_extensions(config) if extensions is None else extensions:
        extension.install(app)
        guard.extensions.append(extension)
    return app


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("qinglang-guard")
    except Exception:
        return "0"


async def _periodic(interval: float, fn: Callable[[], object], what: str) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(fn)
        except Exception:
            log.exception("background %s failed", what)


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    guard = state_of(app)
    tasks = [asyncio.create_task(_periodic(guard.config.sample_flush_seconds, guard.samples.drain, "sample flush"))]
    refresh = guard.config.rumors.refresh_seconds
    if guard.rumors is not None and refresh > 0:
        tasks.append(asyncio.create_task(_periodic(refresh, guard.refresh_rumors, "rumour refresh")))
    started: list[Extension] = []
    try:
        for extension in guard.extensions:
            await extension.start(app)
            started.append(extension)
        yield
    finally:
        for extension in reversed(started):
            try:
                await extension.stop(app)
            except Exception:
                log.exception("stopping %s failed", extension.name)
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
