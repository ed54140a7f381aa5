"""Previews of a draft on a chosen corpus, run in the background when they are long: the editor page
(:mod:`service.ui`) starts a job and shows its progress (the page refreshes itself) and then its report.

Jobs are recorded in the store's database (:class:`plugin.store.preview_jobs.PreviewJobStore`): a refresh
landing on another worker or replica shows the same job. Each job runs in the process that started it, which
limits how many it runs at once (:data:`MAX_RUNNING`).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from typing import Any, Iterator

from fastapi import FastAPI

from plugin.store import LexiconStore
from plugin.store.preview import CorpusText, sample_texts
from plugin.store.preview_jobs import PreviewJob
from plugin.store.store import replica_name

__all__ = ["HEARTBEAT_SECONDS", "MAX_RUNNING", "MAX_UPLOAD_BYTES", "MAX_UPLOAD_TEXTS", "SYNC_TEXTS", "PreviewBusy",
           "PreviewJob", "corpus_of", "get", "slot", "start", "uploaded_corpus"]

#: Previews of at most this many texts run within the request; longer ones run as a job.
SYNC_TEXTS = 1000
#: Jobs running at once per process (each holds its corpus and a core); a further start is refused.
MAX_RUNNING = 2
#: A running job's heartbeat (progress writes count as one) at least this often.
HEARTBEAT_SECONDS = 10.0
#: Progress is written at most this often.
PROGRESS_SECONDS = 0.5
#: Largest uploaded corpus file, and most texts taken from it.
MAX_UPLOAD_BYTES = 900_000
MAX_UPLOAD_TEXTS = 20_000


_START_LOCK = threading.Lock()
log = logging.getLogger(__name__)


class PreviewBusy(Exception):
    """:data:`MAX_RUNNING` previews are already running in this process."""


def _running(app: FastAPI) -> set[str]:
    running = getattr(app.state, "preview_running", None)
    if running is None:
        running = app.state.preview_running = set()
    return running


@contextlib.contextmanager
def _free_slot(running: set[str]) -> Iterator[None]:
    """Hold the start lock while one of this process's preview slots is free (the block adds its id to
    ``running``); :class:`PreviewBusy` when :data:`MAX_RUNNING` are taken."""
    with _START_LOCK:
        if len(running) >= MAX_RUNNING:
            raise PreviewBusy(f"{MAX_RUNNING} previews are running already; try again when one has finished")
        yield


@contextlib.contextmanager
def slot(app: FastAPI) -> Iterator[None]:
    """Hold one of this process's :data:`MAX_RUNNING` preview slots while a preview runs in the request
    (the API's preview route, the console's short previews); :class:`PreviewBusy` when none is free."""
    running = _running(app)
    token = f"request-{uuid.uuid4().hex}"
    with _free_slot(running):
        running.add(token)
    try:
        yield
    finally:
        running.discard(token)


def corpus_of(store: LexiconStore, name: str) -> list[CorpusText]:
    """A named corpus: ``default`` (the bundled titles and the recent texts the service recorded) or
    ``queries`` (the recent search queries only)."""
    if name == "queries":
        return store.samples.texts(["query"])
    return store.preview_corpus()


def uploaded_corpus(raw: bytes, filename: str) -> list[CorpusText]:
    """Texts of an uploaded corpus file (UTF-8; JSONL with ``text`` / ``title`` when named ``*.jsonl``,
    else one text a line), at most :data:`MAX_UPLOAD_TEXTS`."""
    text = raw.decode("utf-8")
    name = filename.rsplit("/", 1)[-1][:80] or "upload"
    return sample_texts(text.splitlines(), f"upload:{name}", jsonl=name.endswith(".jsonl"), limit=MAX_UPLOAD_TEXTS)


def start(app: FastAPI, store: LexiconStore, cs_id: int, corpus: list[CorpusText], base_matcher: Any) -> PreviewJob:
    """Run the preview of draft ``cs_id`` on ``corpus`` in a thread; returns the job at once.
    :class:`PreviewBusy` when :data:`MAX_RUNNING` jobs are still running in this process."""
    running = _running(app)
    jobs = store.preview_jobs
    with _free_slot(running):
        job = jobs.create(cs_id, len(corpus), replica_name())
        running.add(job.id)
    stop = threading.Event()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_SECONDS or done >= total:
            last[0] = now
            jobs.progress(job.id, done, total)

    def beat() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            try:
                jobs.heartbeat(job.id)
            except Exception:  # a missed beat only risks the job reading as stale later
                log.debug("preview heartbeat failed", exc_info=True)

    def run() -> None:
        try:
            report = store.preview(cs_id, base_matcher=base_matcher, corpus=corpus, progress=progress).to_dict()
            jobs.finish(job.id, report)
        except Exception as exc:  # shown on the page; the draft is untouched by a preview
            jobs.fail(job.id, f"preview failed: {exc}")
        finally:
            stop.set()
            running.discard(job.id)

    try:
        threading.Thread(target=beat, name=f"preview-beat-{job.id}", daemon=True).start()
        threading.Thread(target=run, name=f"preview-{job.id}", daemon=True).start()
    except BaseException:
        stop.set()
        running.discard(job.id)
        jobs.fail(job.id, "preview could not start")
        raise
    return job


def get(store: LexiconStore, job_id: str) -> PreviewJob | None:
    """The job ``job_id`` (started by any worker or replica on the store's database), if it is kept."""
    return store.preview_jobs.get(job_id)
