"""Background previews of the editorial console (service/previews.py): bounded uploaded corpora and a bounded
number of jobs running at once."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI

from plugin.db import open_database
from plugin.store.preview_jobs import PreviewJobStore
from service import previews


def test_a_corpus_line_nested_too_deeply_is_skipped_not_a_crash() -> None:
    raw = ("[" * 100_000 + "\n" + '{"text": ' * 5_000 + "\n" + '{"text": "百家乐今晚开局"}\n').encode()
    texts = previews.uploaded_corpus(raw, "corpus.jsonl")
    assert [t.text for t in texts] == ["百家乐今晚开局"]


class _SlowStore:
    """Stands in for the lexicon store (with real preview jobs): each preview waits until ``release`` is set."""

    def __init__(self, db: Path) -> None:
        self.release = threading.Event()
        self.preview_jobs = PreviewJobStore(open_database(str(db)))

    def preview(self, cs_id: int, **_: Any) -> Any:
        self.release.wait(10)
        return SimpleNamespace(to_dict=lambda: {"changeset_id": cs_id})


def _finished(store: _SlowStore, job: previews.PreviewJob) -> bool:
    for _ in range(400):
        if store.preview_jobs.get(job.id).report is not None:  # type: ignore[union-attr]
            return True
        threading.Event().wait(0.025)
    return False


def test_no_more_than_max_running_previews_run_at_once(tmp_path: Path) -> None:
    app, store = FastAPI(), _SlowStore(tmp_path / "guard.db")
    running = [previews.start(app, store, 1, [], None) for _ in range(previews.MAX_RUNNING)]  # type: ignore[arg-type]
    with pytest.raises(previews.PreviewBusy):
        previews.start(app, store, 1, [], None)  # type: ignore[arg-type]
    store.release.set()
    assert all(_finished(store, job) for job in running)
    for _ in range(400):  # the finished jobs leave the running set just after their report is in
        if not getattr(app.state, "preview_running"):
            break
        threading.Event().wait(0.025)
    assert _finished(store, previews.start(app, store, 1, [], None))  # type: ignore[arg-type]


def test_a_corpus_text_with_a_lone_surrogate_does_not_fail_the_preview_job(tmp_path: Path) -> None:
    """The job's report is stored in the database: a text no UTF-8 row can hold failed the whole job."""
    raw = b'{"text": "\\u767e\\u5bb6\\u4e50\\ud800"}\n{"text": "\\u6296\\u7ea2\\u5305"}\n'
    texts = previews.uploaded_corpus(raw, "corpus.jsonl")
    assert [t.text for t in texts] == ["抖红包"]
    jobs = PreviewJobStore(open_database(str(tmp_path / "guard.db")))
    job = jobs.create(1, len(texts), "test")
    jobs.finish(job.id, {"examples": [t.text for t in texts]})
    assert jobs.get(job.id).report == {"examples": ["抖红包"]}  # type: ignore[union-attr]
