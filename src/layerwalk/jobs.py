"""A generic background job system: a thread pool, progress, ETA, cooperative cancel, change listeners.

Job *kinds* are registered by name with a function ``fn(ctx, **params) -> result``; the function reports progress
with ``ctx.progress(fraction, message)`` and checks ``ctx.cancelled`` (or calls ``ctx.check_cancelled()``) between
steps. Listeners (e.g. the HTTP server's event stream) are called from the worker thread on every change.

>>> jobs = JobManager(workers=1)
>>> jobs.register("square", lambda ctx, x: x * x)
>>> job = jobs.submit("square", x=7)
>>> jobs.wait(job.id, timeout=5).result
49
>>> jobs.shutdown()
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from layerwalk.errors import BusyError, LayerwalkError, NotFoundError

__all__ = ["Job", "JobCancelled", "JobContext", "JobManager", "JobState"]

log = logging.getLogger(__name__)


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


class JobCancelled(Exception):
    """Raised inside a job function (by ``ctx.check_cancelled()``) to stop early."""


@dataclass
class Job:
    """One unit of background work; mutated only by its ``JobManager`` (under its lock)."""

    id: str
    kind: str
    params: dict[str, Any]
    state: JobState = JobState.QUEUED
    progress: float = 0.0
    message: str = ""
    result: Any = None
    created: float = field(default_factory=time.monotonic)
    started: float | None = None
    finished: float | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event, repr=False)
    done_event: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def eta_seconds(self) -> float | None:
        """Remaining seconds, extrapolated linearly from the progress so far (None until there is progress)."""
        if self.state is not JobState.RUNNING or self.started is None or self.progress <= 0:
            return 0.0 if self.state.finished else None
        elapsed = time.monotonic() - self.started
        return max(0.0, elapsed / self.progress * (1.0 - self.progress))

    def to_dict(self, result: Callable[[Any], Any] | None = None) -> dict[str, Any]:
        """JSON-ready view; ``result`` turns the raw result into something JSON-ready (default: as is)."""
        eta = self.eta_seconds
        return {"id": self.id, "kind": self.kind, "state": self.state.value, "progress": round(self.progress, 4),
                "eta_seconds": None if eta is None else round(eta, 2), "message": self.message,
                "result": (result or (lambda r: r))(self.result) if self.state is JobState.DONE else None}


class JobContext:
    """Handed to a job function: report progress, ask whether the job was cancelled."""

    def __init__(self, manager: JobManager, job: Job):
        self._manager, self._job = manager, job

    @property
    def job_id(self) -> str:
        return self._job.id

    @property
    def cancelled(self) -> bool:
        return self._job.cancel_event.is_set()

    def check_cancelled(self) -> None:
        if self.cancelled:
            raise JobCancelled

    def progress(self, fraction: float, message: str | None = None) -> None:
        self._manager._update(self._job, progress=min(max(float(fraction), 0.0), 1.0), message=message)


JobFunction = Callable[..., Any]
Listener = Callable[[Job], None]


class JobManager:
    """Runs registered job kinds on a thread pool and remembers the last ``keep`` jobs."""

    def __init__(self, workers: int = 1, max_pending: int = 16, keep: int = 200):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="layerwalk-job")
        self._kinds: dict[str, JobFunction] = {}
        self._jobs: dict[str, Job] = {}
        self._listeners: list[Listener] = []
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._max_pending, self._keep = max_pending, keep

    # --- kinds and listeners ----------------------------------------------------------------------------------
    def register(self, kind: str, fn: JobFunction) -> None:
        self._kinds[kind] = fn

    @property
    def kinds(self) -> list[str]:
        return sorted(self._kinds)

    def add_listener(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    # --- jobs -------------------------------------------------------------------------------------------------
    def submit(self, kind: str, **params: Any) -> Job:
        if kind not in self._kinds:
            raise NotFoundError(f"unknown job kind {kind!r}; known kinds: {', '.join(self.kinds) or 'none'}")
        with self._lock:
            pending = sum(not j.state.finished for j in self._jobs.values())
            if pending >= self._max_pending:
                raise BusyError(f"{pending} jobs are already queued or running; wait or cancel one "
                                "(DELETE /api/jobs/ID)")
            job = Job(id=f"j{next(self._ids)}", kind=kind, params=params)
            self._jobs[job.id] = job
            self._forget_old()
        self._notify(job)
        self._pool.submit(self._run, job)
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise NotFoundError(f"no job {job_id!r}; {self._valid_range()}")
            return job

    def list(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def cancel(self, job_id: str) -> Job:
        """Ask a job to stop; a queued job is cancelled at once, a running one at its next check."""
        job = self.get(job_id)
        job.cancel_event.set()
        with self._lock:
            if job.state is JobState.QUEUED:
                self._finish(job, JobState.CANCELLED, "cancelled before it started")
                return job
        if not job.state.finished:
            self._update(job, message="cancelling")
        return job

    def wait(self, job_id: str, timeout: float | None = None) -> Job:
        job = self.get(job_id)
        job.done_event.wait(timeout)
        return job

    def shutdown(self, wait: bool = True) -> None:
        """Cancel everything and stop the workers."""
        for job in self.list():
            if not job.state.finished:
                self.cancel(job.id)
        self._pool.shutdown(wait=wait, cancel_futures=True)

    # --- internals --------------------------------------------------------------------------------------------
    def _run(self, job: Job) -> None:
        with self._lock:
            if job.state is not JobState.QUEUED:
                return  # cancelled while queued
            job.state, job.started = JobState.RUNNING, time.monotonic()
        self._notify(job)
        try:
            result = self._kinds[job.kind](JobContext(self, job), **job.params)
        except JobCancelled:
            self._finish(job, JobState.CANCELLED, "cancelled")
        except LayerwalkError as exc:
            self._finish(job, JobState.FAILED, exc.detail)
        except Exception as exc:  # a bug in the job function: keep the server alive, log the traceback
            log.exception("job %s (%s) failed", job.id, job.kind)
            self._finish(job, JobState.FAILED, f"{type(exc).__name__}: {exc}")
        else:
            if job.cancel_event.is_set():
                self._finish(job, JobState.CANCELLED, "cancelled")
            else:
                job.result = result
                self._finish(job, JobState.DONE, "done", progress=1.0)

    def _update(self, job: Job, *, progress: float | None = None, message: str | None = None) -> None:
        with self._lock:
            if job.state.finished:
                return
            if progress is not None:
                job.progress = progress
            if message is not None:
                job.message = message
        self._notify(job)

    def _finish(self, job: Job, state: JobState, message: str, progress: float | None = None) -> None:
        with self._lock:
            job.state, job.message, job.finished = state, message, time.monotonic()
            if progress is not None:
                job.progress = progress
        job.done_event.set()
        self._notify(job)

    def _notify(self, job: Job) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(job)
            except Exception:  # a broken listener must not break the job
                log.exception("job listener failed")

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.state.finished]
        for job in finished[: max(0, len(self._jobs) - self._keep)]:
            del self._jobs[job.id]

    def _valid_range(self) -> str:
        if not self._jobs:
            return "there are no jobs yet"
        ids = list(self._jobs)
        return f"known jobs: {ids[0]}…{ids[-1]}" if len(ids) > 1 else f"known job: {ids[0]}"
