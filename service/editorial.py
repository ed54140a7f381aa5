"""What the lexicon admin API (:mod:`service.admin`) and the editor page (:mod:`service.ui`) share: the
app's lexicon store, the matcher already compiled for a version, reloading after a publish, and the
:class:`~plugin.store.reload.VersionPoller` that keeps ``live`` on the newest published version.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any, Iterator

from fastapi import FastAPI

from plugin.store import LexiconStore
from plugin.store.reload import VersionPoller

from .errors import ServiceError
from .state import state_of

__all__ = ["MAX_WHOLE_LEXICON_READS", "VALIDATION_CACHE", "draft_issues", "get_store", "live_matcher_for",
           "record_samples", "reload_now", "start_reloading", "stop_reloading", "whole_lexicon_read"]

#: Work over a whole lexicon version or draft that any reader (or, for imports, editor) can start (validating a
#: draft, diffing, exporting or listing another version than the live one, importing a file: seconds at 1M entries)
#: running at once per process; a further one gets 429 ``busy``.
MAX_WHOLE_LEXICON_READS = 2
#: Validated drafts remembered per process: a draft's issues change only with its revision, so a reader
#: reloading the draft does not validate it again.
VALIDATION_CACHE = 64
_SLOTS_LOCK = threading.Lock()

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


@contextlib.contextmanager
def whole_lexicon_read(app: FastAPI, what: str) -> Iterator[None]:
    """Hold one of this process's :data:`MAX_WHOLE_LEXICON_READS` slots while ``what`` runs; a
    :class:`~service.errors.ServiceError` 429 ``busy`` (with ``Retry-After``) when none is free."""
    with _SLOTS_LOCK:
        running: int = getattr(app.state, "whole_lexicon_reads", 0)
        if running >= MAX_WHOLE_LEXICON_READS:
            raise ServiceError(429, "busy", f"{what}: {MAX_WHOLE_LEXICON_READS} whole-lexicon reads (draft "
                                            "validations, diffs, exports) are running in this process; try again "
                                            "in a few seconds", headers={"Retry-After": "5"})
        app.state.whole_lexicon_reads = running + 1
    try:
        yield
    finally:
        with _SLOTS_LOCK:
            app.state.whole_lexicon_reads -= 1


def draft_issues(app: FastAPI, cs: dict[str, Any]) -> list[dict[str, Any]]:
    """The validation issues of draft ``cs`` (a :meth:`~plugin.store.LexiconStore.changeset` answer; ``[]``
    unless it is a draft): remembered per (id, revision), else validated in a :func:`whole_lexicon_read` slot."""
    if cs["status"] != "draft":
        return []
    cache: dict[tuple[int, int], list[dict[str, Any]]] | None = getattr(app.state, "draft_issues", None)
    if cache is None:
        cache = app.state.draft_issues = {}
    key = (int(cs["id"]), int(cs["revision"]))
    found = cache.get(key)
    if found is not None:
        return found
    with whole_lexicon_read(app, f"validating change-set #{key[0]}"):
        issues = [i.to_dict() for i in get_store(app).validate_changeset(key[0])]
    with _SLOTS_LOCK:
        if len(cache) >= VALIDATION_CACHE:
            cache.pop(next(iter(cache)))
        cache[key] = issues
    return issues


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
