"""Dependency aliases: ``NetworkDep``, ``DatasetDep``, ``LayerDep``, ``SnapshotDep``, ``JobDep``, ``StateDep``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from layerwalk.api.state import AppState, DatasetEntry, NetworkEntry
from layerwalk.capture import GraphNode
from layerwalk.engine import Snapshot
from layerwalk.jobs import Job


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.layerwalk
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_network(state: StateDep, nid: Annotated[str, Path(description="network id, e.g. n0")]) -> NetworkEntry:
    return state.network(nid)


NetworkDep = Annotated[NetworkEntry, Depends(get_network)]


def get_dataset(state: StateDep, did: Annotated[str, Path(description="dataset id, e.g. d0")]) -> DatasetEntry:
    return state.dataset(did)


DatasetDep = Annotated[DatasetEntry, Depends(get_dataset)]


def get_snapshot(entry: NetworkDep) -> Snapshot:
    """The network's current input snapshot, read ONCE per request: everything in a response comes from it."""
    return entry.network.snapshot


SnapshotDep = Annotated[Snapshot, Depends(get_snapshot)]


def get_layer(entry: NetworkDep, lid: Annotated[str, Path(description="layer (graph node) id")]) -> GraphNode:
    return entry.network.graph.node(lid)


LayerDep = Annotated[GraphNode, Depends(get_layer)]


def get_job(state: StateDep, job_id: Annotated[str, Path(alias="id", description="job id, e.g. j1")]) -> Job:
    return state.jobs.get(job_id)


JobDep = Annotated[Job, Depends(get_job)]
