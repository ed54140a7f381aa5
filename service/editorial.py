"""What the lexicon admin API (:mod:`service.admin`) and the editor page (:mod:`service.ui`) share: the
app's lexicon store, the matcher already compiled for a version, reloading after a publish, and the
:class:`~plugin.store.reload.VersionPoller` that keeps ``live`` on the newest published version.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI

from plugin.store import LexiconStore
from plugin.store.reload import VersionPoller

from .state import state_of

__all__ = ["get_store", "live_matcher_for", "record_samples", "reload_now", "start_reloading", "stop_reloading"]

log = logging.getLogger(__name__)


def get_store(app: FastAPI) -> LexiconStore:
    """The app's lexicon store."""
    return state_of(app).lexicon_store


def live_matcher_for(app: FastAPI, version: int) -> Any:
    """The live matcher when it was compiled from ``version`` (previews and publishes compare against it
    instead of compiling the version again), else ``None``."""
    live = state_of(app).live
    return live.current() if str(live.version) == str(version) else None


def record_samples(app: FastAPI, batch: list[tuple[str, str]]) -> None:
    """A sample sink (``GuardState.samples``): remember recent queries, suggestions and candidates in the
    store for previews. Never raises: sampling must never fail a request or the flush task."""
    store = get_store(app)
    for kind, text in batch:
        try:
            store.record_sample(kind, text)
        except Exception:
            log.debug("sample not recorded", exc_info=True)


def reload_now(app: FastAPI) -> None:
    """Reload this process right away after a publish (other processes follow at their next poll)."""
    poller = state_of(app).lexicon_poller
    if poller is not None:
        try:
            poller.check_once()
        except Exception:
            log.exception("reload after publish failed; the poller will retry")


def start_reloading(app: FastAPI) -> None:
    """Pick up a version published while the service was down, then poll the store every
    ``reload_interval`` seconds (a store setting) and swap ``live`` on new versions."""
    state = state_of(app)
    metrics = getattr(state, "metrics", None)  # stand-in states (benches, tests) may have none
    poller = VersionPoller(get_store(app), state.live, on_failure=metrics.reload_failed if metrics else None)
    state.lexicon_poller = poller.catch_up_and_start()


def stop_reloading(app: FastAPI) -> None:
    """Stop the poller and write buffered samples."""
    state = state_of(app)
    if state.lexicon_poller is not None:
        state.lexicon_poller.stop()
        state.lexicon_poller = None
    state.lexicon_store.samples.flush()
