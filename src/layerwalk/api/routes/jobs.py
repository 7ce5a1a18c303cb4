"""Background jobs: state, progress, ETA, a server-sent event stream, cancel."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from layerwalk.api import schemas, service
from layerwalk.api.deps import JobDep, StateDep
from layerwalk.api.events import event_stream
from layerwalk.api.state import job_json

router = APIRouter(prefix="/api/jobs", tags=["jobs"], responses=schemas.ERRORS)


@router.get("", operation_id="listJobs", response_model=list[schemas.JobInfo])
def list_jobs(state: StateDep) -> list[dict[str, Any]]:
    """All recent jobs, oldest first."""
    return [job_json(job) for job in state.jobs.list()]


@router.get("/{id}", operation_id="getJob", response_model=schemas.JobInfo)
def get_job(job: JobDep) -> dict[str, Any]:
    """One job's state, progress (0..1), ETA and, when done, its result."""
    return job_json(job)


@router.delete("/{id}", operation_id="cancelJob", response_model=schemas.JobInfo)
def cancel_job(job: JobDep, state: StateDep) -> dict[str, Any]:
    """Ask a job to stop (it stops at its next step)."""
    return job_json(state.jobs.cancel(job.id))


@router.get("/{id}/events", operation_id="jobEvents", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}, "description": "server-sent events"}})
def job_events(job: JobDep, state: StateDep, request: Request) -> StreamingResponse:
    """Server-sent events (`event: job`) for one job until it finishes."""
    current = job_json(job)
    stream = event_stream(state.events, state.settings.heartbeat_seconds, first=[("job", current)],
                          keep=lambda e, d: e == "job" and d["id"] == job.id,
                          last=lambda e, d: e == "job" and d["state"] in ("done", "failed", "cancelled"))
    return service.sse_response(stream)

