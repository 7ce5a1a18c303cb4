from __future__ import annotations

import threading
import time

import pytest

from layerwalk.errors import BusyError, NotFoundError
from layerwalk.jobs import JobManager, JobState


def _steps(ctx, n=5, delay=0.01, gate=None):
    for i in range(n):
        if gate is not None:
            gate.wait(5)
        ctx.check_cancelled()
        time.sleep(delay)
        ctx.progress((i + 1) / n, f"step {i + 1}/{n}")
    return {"steps": n}


@pytest.fixture
def jobs():
    manager = JobManager(workers=1, max_pending=4)
    manager.register("steps", _steps)
    manager.register("boom", lambda ctx: 1 / 0)
    yield manager
    manager.shutdown()


def test_job_runs_to_done_with_progress_events(jobs):
    seen = []
    jobs.add_listener(lambda job: seen.append((job.state, job.progress)))
    job = jobs.wait(jobs.submit("steps", n=4).id, timeout=5)
    assert job.state is JobState.DONE and job.result == {"steps": 4} and job.progress == 1.0
    states = [s for s, _ in seen]
    assert states[0] is JobState.QUEUED and JobState.RUNNING in states and states[-1] is JobState.DONE
    progress = [p for s, p in seen if s is JobState.RUNNING]
    assert progress == sorted(progress) and 0.25 in progress
    d = job.to_dict()
    assert d["state"] == "done" and d["eta_seconds"] == 0 and d["result"] == {"steps": 4} and d["kind"] == "steps"


def test_eta_is_extrapolated_while_running(jobs):
    quarter, release = threading.Event(), threading.Event()

    def quarter_then_hold(ctx):
        time.sleep(0.05)  # a quarter of the work takes 50 ms …
        ctx.progress(0.25, "a quarter")
        quarter.set()
        release.wait(10)  # … then the job holds, still running, while the test reads its ETA

    jobs.register("hold", quarter_then_hold)
    job = jobs.submit("hold")
    try:
        assert quarter.wait(5)
        eta = job.eta_seconds
        elapsed = time.monotonic() - job.started
        assert job.state is JobState.RUNNING
        assert 0.149 <= eta <= 3 * elapsed  # three more quarters at the rate so far (≥ 3 × 50 ms)
    finally:
        release.set()
    assert jobs.wait(job.id, 5).state is JobState.DONE and job.to_dict()["eta_seconds"] == 0


def test_cancel_running_job_cooperatively(jobs):
    started = threading.Event()
    jobs.add_listener(lambda j: started.set() if j.progress > 0 else None)
    job = jobs.submit("steps", n=100, delay=0.01)
    assert started.wait(5)
    jobs.cancel(job.id)
    assert jobs.wait(job.id, 5).state is JobState.CANCELLED
    assert job.progress < 1.0 and job.to_dict()["result"] is None


def test_cancel_queued_job_never_runs(jobs):
    gate = threading.Event()
    first = jobs.submit("steps", n=1, gate=gate)
    second = jobs.submit("steps", n=1)
    jobs.cancel(second.id)
    assert second.state is JobState.CANCELLED
    gate.set()
    assert jobs.wait(first.id, 5).state is JobState.DONE
    assert second.started is None


def test_failing_job_reports_failure_and_pool_survives(jobs):
    job = jobs.wait(jobs.submit("boom").id, 5)
    assert job.state is JobState.FAILED and "ZeroDivisionError" in job.message
    assert jobs.wait(jobs.submit("steps", n=1).id, 5).state is JobState.DONE


def test_unknown_job_and_kind(jobs):
    with pytest.raises(NotFoundError, match="no jobs yet"):
        jobs.get("j99")
    jobs.submit("steps", n=1)
    with pytest.raises(NotFoundError, match="j1"):
        jobs.get("nope")
    with pytest.raises(NotFoundError, match="known kinds: boom, steps"):
        jobs.submit("featurevis")


def test_too_many_pending_jobs_is_busy(jobs):
    gate = threading.Event()
    for _ in range(4):
        jobs.submit("steps", n=1, gate=gate)
    with pytest.raises(BusyError):
        jobs.submit("steps", n=1)
    gate.set()


def test_broken_listener_does_not_break_job(jobs):
    jobs.add_listener(lambda job: 1 / 0)
    assert jobs.wait(jobs.submit("steps", n=1).id, 5).state is JobState.DONE


def test_old_finished_jobs_are_forgotten():
    manager = JobManager(workers=1, keep=3)
    manager.register("noop", lambda ctx: None)
    for _ in range(6):
        manager.wait(manager.submit("noop").id, 5)
    assert len(manager.list()) <= 4
    manager.shutdown()
