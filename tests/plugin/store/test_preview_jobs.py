"""Preview jobs on the store's database (plugin/store/preview_jobs.py): seen by every process, bounded,
finished once, and reported failed when their process stops beating."""

from __future__ import annotations

import datetime as dt

from plugin.db import open_database
from plugin.store.preview_jobs import PreviewJobStore


def test_a_job_started_by_one_process_is_read_by_another(db_target: str) -> None:
    runner, other = PreviewJobStore(open_database(db_target)), PreviewJobStore(open_database(db_target))
    job = runner.create(7, 300, "host-a:11")
    seen = other.get(job.id)
    assert seen is not None and (seen.changeset_id, seen.total, seen.done, seen.finished) == (7, 300, 0, False)
    runner.progress(job.id, 120, 300)
    assert other.get(job.id).done == 120 and other.get(job.id).percent == 40  # type: ignore[union-attr]
    runner.finish(job.id, {"changeset_id": 7, "changed": 3, "label": "菠菜"})
    done = other.get(job.id)
    assert done is not None and done.report == {"changeset_id": 7, "changed": 3, "label": "菠菜"}
    assert done.done == 300 and done.finished
    runner.fail(job.id, "late failure")  # a finished job stays as it finished
    assert other.get(job.id).error == ""  # type: ignore[union-attr]


def test_a_failed_job_carries_its_error_and_unknown_ids_are_none(db_target: str) -> None:
    jobs = PreviewJobStore(open_database(db_target))
    job = jobs.create(1, 10, "host:1")
    jobs.fail(job.id, "preview failed: " + "x" * 2000)
    got = jobs.get(job.id)
    assert got is not None and got.error.startswith("preview failed") and len(got.error) == 500 and got.finished
    for bad in ("nope", "", "0" * 17, job.id.upper(), "'; DROP TABLE preview_jobs; --"):
        assert jobs.get(bad) is None
    assert jobs.get(job.id) is not None


def test_only_the_newest_jobs_are_kept(db_target: str) -> None:
    jobs = PreviewJobStore(open_database(db_target), keep=3)
    made = [jobs.create(1, 5, "host:1").id for _ in range(5)]
    assert [jobs.get(i) is not None for i in made] == [False, False, True, True, True]


def test_a_job_whose_process_stopped_beating_reads_as_failed(db_target: str) -> None:
    db = open_database(db_target)
    jobs = PreviewJobStore(db, stale_seconds=60)
    job = jobs.create(1, 5, "host-b:42")
    jobs.heartbeat(job.id)
    assert not jobs.get(job.id).finished  # type: ignore[union-attr]
    old = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=61)).isoformat()
    with db.transaction(write=True) as tx:
        tx.execute("UPDATE preview_jobs SET updated_at = ? WHERE id = ?", (old, job.id))
    stale = jobs.get(job.id)
    assert stale is not None and stale.finished and "host-b:42" in stale.error and "again" in stale.error
