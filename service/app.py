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
from plugin.models import Surface
from plugin.rumors import RumorIndex, RumorStore
from plugin.rumors.decision import PinTiers, default_model
from plugin.store import LexiconStore

from .auth import require_role
from .config import RumorSettings, ServiceConfig
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


def rumor_tiers(settings: RumorSettings) -> tuple[PinTiers | None, dict[Surface, PinTiers]]:
    """The learned decision's tiers from the settings: the index's (``None``: the model's own) and the
    surfaces with their own pin probability. Invalid combinations raise ``RumorError`` at start-up."""
    model = default_model()
    if model is None or settings.decision != "learned":
        return None, {}
    base = model.tiers
    pin = settings.pin_probability if settings.pin_probability is not None else base.pin
    related = settings.related_probability if settings.related_probability is not None else min(base.related, pin)
    veto = settings.veto_probability if settings.veto_probability is not None else min(base.veto, pin)
    index = PinTiers(pin, related, veto)
    surfaces: dict[Surface, PinTiers] = {}
    for surface, value in ((Surface.SUGGESTION, settings.suggestion_pin_probability),
                           (Surface.TRENDING, settings.trending_pin_probability)):
        if value is not None:
            surfaces[surface] = PinTiers(value, min(related, value), min(veto, value))
    return index, surfaces


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
    index_tiers, surface_tiers = rumor_tiers(config.rumors)
    if rumors is _UNSET:
        rumor_store = RumorStore(config.db_path)
        if config.rumors.decision == "threshold":
            rumors = RumorIndex.from_store(rumor_store, model=None)
        else:
            rumors = RumorIndex.from_store(rumor_store, tiers=index_tiers)
    reviews = ReviewStore(config.db_path)
    engine = ReviewEngine(settings=config.review)
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=config.review.matrix_history_hours)
    for cand, seen_at, item_id in reviews.recent_items(since=since, limit=config.review.matrix_history_size):
        engine.remember([cand], seen_at, [item_id])

    metrics = GuardMetrics()
    policy = Policy.default(suggestion_drop_action=config.suggestion_drop_action,
                            suggestion_rumor_check=config.suggestion_rumor_check)
    guard = GuardState(
        config=config, live=live, rumors=rumors, reviews=reviews, engine=engine, metrics=metrics,
        samples=SampleRing(config.recent_sample_size),
        checks=Guard(live, rumors, policy, cache_size=config.check_cache_size, rumor_tiers=surface_tiers),
        lexicon_store=lexicon_store, rumor_store=rumor_store,
    )
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
