"""The collector tuning of bulk jobs: set while one runs, restored exactly when the last ends."""

from __future__ import annotations

import gc

from jobs.process import BULK_GC_THRESHOLD, bulk_gc


def test_bulk_gc_tunes_while_jobs_run_and_restores_after_the_last() -> None:
    before = gc.get_threshold()
    with bulk_gc():
        assert gc.get_threshold() == (BULK_GC_THRESHOLD, *before[1:])
        assert gc.get_freeze_count() > 0
        with bulk_gc():  # a second job in the same process
            assert gc.get_threshold()[0] == BULK_GC_THRESHOLD
        # The first job is still running: still tuned.
        assert gc.get_threshold()[0] == BULK_GC_THRESHOLD
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_bulk_gc_restores_when_the_job_fails() -> None:
    before = gc.get_threshold()
    try:
        with bulk_gc():
            raise RuntimeError("the job failed")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
