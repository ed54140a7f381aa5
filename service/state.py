"""The application state every route shares, and the protocol of the service's extensions.

``create_app`` (:mod:`service.app`) builds one :class:`GuardState` per app and keeps it in
``app.state.guard``; routes reach it with :func:`state_of` (``service.routes.deps.guard_of`` for a
request). An :class:`Extension` is a part of the service that installs its routes when the app is
built and runs background work during the app's lifespan (``service.extensions``: the editorial
admin API and page, the search proxy).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sized
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from plugin.guard import Guard, Verdict
from plugin.live import LiveMatcher
from plugin.review import ReviewEngine
from plugin.review.store import ReviewStore
from plugin.rumors import RumorIndex, RumorStore
from plugin.rumors.proposals import RumorProposals
from plugin.scoring.store import ModelStore
from plugin.store import LexiconStore, TokenStore
from plugin.store.reload import VersionPoller

from .config import ServiceConfig
from .logs import log_decision, log_event
from .metrics import GuardMetrics
from .sampling import SampleRing

if TYPE_CHECKING:  # typing only: the service's modules import fastapi themselves
    import anyio
    from fastapi import FastAPI

__all__ = ["Extension", "GuardState", "state_of"]


class Extension(Protocol):
    """A part of the service: ``install`` adds its routes (and anything else it needs) when the app is
    built; ``start`` / ``stop`` run in the app's lifespan, ``stop`` in reverse order of ``start``."""

    #: Shown in ``/healthz`` (``extensions``).
    name: str

    def install(self, app: FastAPI) -> None:
        """Add routes, handlers or middleware to ``app``."""

    async def start(self, app: FastAPI) -> None:
        """Start background work (the app is about to serve)."""

    async def stop(self, app: FastAPI) -> None:
        """Stop background work and release resources (the app has stopped serving)."""


@dataclass
class GuardState:
    """Everything the routes share; built once per app by ``create_app``."""

    config: ServiceConfig
    live: LiveMatcher
    rumors: RumorIndex | None
    reviews: ReviewStore
    engine: ReviewEngine
    metrics: GuardMetrics
    samples: SampleRing
    #: The pipeline every route calls (``plugin.guard.Guard``): policy, caches, rumours, signals.
    checks: Guard
    lexicon_store: LexiconStore
    #: Published spam-scorer model versions (``plugin.scoring.store``).
    model_store: ModelStore
    rumor_store: RumorStore | None = None
    #: Rumour imports under four-eyes over ``rumor_store`` or the search-engine backend (``service.rumor_admin``;
    #: ``None`` when rumours are off).
    rumor_proposals: RumorProposals | None = None
    extensions: list[Extension] = field(default_factory=list)
    started_at: float = field(default_factory=time.time)
    #: Trending reviews run one batch at a time (the matrix history must see batches in order): across every
    #: process and replica on the database when ``create_app`` sets a :class:`plugin.db.NamedLock`.
    review_lock: AbstractContextManager[Any] = field(default_factory=threading.Lock)
    #: API tokens (opened on first use: ``service.auth.get_tokens``).
    tokens: TokenStore | None = None
    #: Keeps ``live`` on the newest published lexicon version (the editorial extension runs it).
    lexicon_poller: VersionPoller | None = None
    #: Holds the live spam scorer (``model_scoring``; ``None``: off); a published model version swaps in.
    scorer: LiveMatcher | None = None
    #: Keeps ``scorer`` on the newest published model version (``service.model_admin``).
    model_poller: VersionPoller | None = None
    #: Worker threads of the check routes (made on first use: ``service.routes.deps.run_check``).
    check_limiter: anyio.CapacityLimiter | None = None
    #: What looked wrong at start-up (a new or empty database, an empty rumour index): logged as warnings
    #: and shown by ``/readyz``.
    startup_warnings: list[str] = field(default_factory=list)

    @property
    def db_path(self) -> str:
        return self.config.db_path

    @property
    def lexicon_version(self) -> str:
        return str(self.live.version)

    def record_query(self, surface: str, text: str, verdict: Verdict) -> None:
        """Count, log and sample one query decision (``surface``: ``query`` for the check route, ``search``
        for a query through the search proxy)."""
        self.metrics.count_hits(verdict.hits, surface)
        self.metrics.decision(surface, verdict.action)
        log_decision(surface, verdict.action, [h.category for h in verdict.hits], verdict.lexicon_version,
                     text=text, keep_text=self.config.log_texts, pins=len(verdict.pins))
        self.samples.add("query", text)

    def refresh_rumors(self) -> None:
        """Reload the rumour index from the database (after ``qinglang rumors import``); counted in
        ``qinglang_rumor_refreshes_total{outcome}`` and logged when the index changed or the reload failed."""
        try:
            changed = self.checks.refresh_rumors()
        except Exception:
            self.metrics.rumor_refreshes.labels("failed").inc()
            log_event("rumor_refresh_failed", "rumour index refresh failed", level=logging.ERROR, exc_info=True)
            raise
        self.metrics.rumor_refreshes.labels("changed" if changed else "unchanged").inc()
        if changed and isinstance(self.rumors, Sized):
            log_event("rumor_refresh", "rumour index reloaded: %d rumours", len(self.rumors), rumors=len(self.rumors))
        elif changed:  # a search-engine backend: its index was written, memoised matches are forgotten
            log_event("rumor_refresh", "rumour index changed: memoised matches forgotten")


def state_of(app: FastAPI) -> GuardState:
    """The :class:`GuardState` of ``app``."""
    state: GuardState = app.state.guard
    return state
