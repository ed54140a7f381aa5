"""Previews of a draft on a chosen corpus, run in the background when they are long: the editor page
(:mod:`service.ui`) starts a job and shows its progress (the page refreshes itself) and then its report.

Jobs live in the process that started them (``app.state.preview_jobs``, the newest :data:`KEEP`): with
several workers, put the console behind sticky sessions or accept that a refresh on another worker asks to
run the preview again.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from plugin.store import LexiconStore
from plugin.store.preview import CorpusText, sample_texts

__all__ = ["KEEP", "MAX_RUNNING", "MAX_UPLOAD_BYTES", "MAX_UPLOAD_TEXTS", "SYNC_TEXTS", "PreviewBusy", "PreviewJob",
           "corpus_of", "get", "start", "uploaded_corpus"]

#: Previews of at most this many texts run within the request; longer ones run as a job.
SYNC_TEXTS = 1000
#: Jobs kept per process (oldest dropped first).
KEEP = 20
#: Jobs running at once per process (each holds its corpus and a core); a further start is refused.
MAX_RUNNING = 2
#: Largest uploaded corpus file, and most texts taken from it.
MAX_UPLOAD_BYTES = 900_000
MAX_UPLOAD_TEXTS = 20_000


_START_LOCK = threading.Lock()


@dataclass
class PreviewJob:
    """One background preview: progress (``done`` of ``total`` texts), then ``report`` or ``error``."""

    id: str
    changeset_id: int
    total: int
    done: int = 0
    report: dict[str, Any] | None = None
    error: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 100


class PreviewBusy(Exception):
    """:data:`MAX_RUNNING` previews are already running in this process."""


def _running(app: FastAPI) -> set[str]:
    running = getattr(app.state, "preview_running", None)
    if running is None:
        running = app.state.preview_running = set()
    return running


def _jobs(app: FastAPI) -> "OrderedDict[str, PreviewJob]":
    jobs = getattr(app.state, "preview_jobs", None)
    if jobs is None:
        jobs = app.state.preview_jobs = OrderedDict()
    return jobs


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
    :class:`PreviewBusy` when :data:`MAX_RUNNING` jobs are still running (dropped jobs count until they end)."""
    job = PreviewJob(uuid.uuid4().hex[:16], cs_id, len(corpus))
    running = _running(app)
    with _START_LOCK:
        if len(running) >= MAX_RUNNING:
            raise PreviewBusy(f"{MAX_RUNNING} previews are running already; try again when one has finished")
        running.add(job.id)
    jobs = _jobs(app)
    jobs[job.id] = job
    while len(jobs) > KEEP:
        jobs.popitem(last=False)

    def progress(done: int, total: int) -> None:
        job.done, job.total = done, total

    def run() -> None:
        try:
            job.report = store.preview(cs_id, base_matcher=base_matcher, corpus=corpus, progress=progress).to_dict()
        except Exception as exc:  # shown on the page; the draft is untouched by a preview
            job.error = f"preview failed: {exc}"[:500]
        finally:
            running.discard(job.id)

    try:
        threading.Thread(target=run, name=f"preview-{job.id}", daemon=True).start()
    except BaseException:
        running.discard(job.id)
        raise
    return job


def get(app: FastAPI, job_id: str) -> PreviewJob | None:
    """The job ``job_id`` of this process, if it still has it."""
    return _jobs(app).get(job_id)
