"""Hands-on probing: occlusion edits of the input, channel ablation, activity flow and feeders of a channel.

Every change of what the network shows (an edit, an ablation) is a new input version, announced like any input
(``input`` event), and the probing state itself (ablation, blocks, selected channel) goes out as a ``probing``
event, so every open client follows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body

from layerwalk.api import probing_schemas as ps
from layerwalk.api import schemas, service
from layerwalk.api.deps import NetworkDep, StateDep
from layerwalk.api.probing_state import probing_store
from layerwalk.api.state import AppState, NetworkEntry
from layerwalk.engine import Snapshot
from layerwalk.errors import NotFoundError
from layerwalk.probing import (
    ClassEffect,
    OcclusionBlock,
    OcclusionResult,
    ablate,
    ablated_channels,
    activity_flow,
    apply_occlusion,
    channel_feeders,
    reset_ablation,
)

router = APIRouter(prefix="/api/networks/{nid}/probing", tags=["probing"], responses=schemas.ERRORS)
_WRAP_LOCK = threading.Lock()


@router.get("", operation_id="getProbingState", response_model=ps.ProbingState)
def get_probing_state(entry: NetworkDep, state: StateDep) -> dict[str, Any]:
    """The current ablation, occlusion blocks and selected channel."""
    return _state_json(state, entry)


# --- occlusion -----------------------------------------------------------------------------------------------
@router.post("/occlusion", operation_id="setOcclusion", response_model=ps.OcclusionResponse)
async def set_occlusion(entry: NetworkDep, state: StateDep,
                        body: Annotated[ps.OcclusionRequest, Body()]) -> dict[str, Any]:
    """Draw these blocks on the un-edited input (clipped to it) and run the forward pass; top-5 before and after."""
    probing = probing_store(state)[entry.id]
    blocks = [OcclusionBlock(b.x, b.y, b.w, b.h, b.fill) for b in body.blocks]

    def run() -> tuple[OcclusionResult, list[dict[str, Any]], list[dict[str, Any]]]:
        with entry.lock, probing.lock:
            base = probing.base_for(entry.network.snapshot)
            source = {"source": "occlusion", "base": {k: v for k, v in base.source.items() if k != "note"}}
            result = apply_occlusion(entry.network, base.image, blocks, before=base.probabilities, source=source)
            result.snapshot.source["blocks"] = probing.blocks = [b.to_dict() for b in result.blocks]
            probing.changes = [{"index": c.index, "name": c.name, "before": c.before, "after": c.after,
                                "change": c.change} for c in result.changes]
            return result, probing.blocks, probing.changes

    result, applied, changes = await service.on_compute_thread(entry, run)
    _announce_input(state, entry, result.snapshot)
    return {**service.input_response(entry, result.snapshot), "blocks": applied, "changes": changes}


@router.post("/occlusion/save", operation_id="saveEditedInput", response_model=ps.SavedItem)
async def save_edited_input(entry: NetworkDep, state: StateDep) -> dict[str, Any]:
    """Add the current input image (e.g. an occlusion edit) to the network's dataset as a new item."""
    from layerwalk.data.added_items import AddedItems

    if entry.dataset is None:
        raise NotFoundError(f"network {entry.id} has no dataset to save the image to; serve it with --dataset")
    snapshot = entry.network.snapshot
    dataset = entry.dataset
    with _WRAP_LOCK:  # two saves at once must not wrap the dataset twice
        if not isinstance(dataset.dataset, AddedItems):
            dataset.dataset = AddedItems(dataset.dataset)
    origin = snapshot.source.get("base", snapshot.source)  # an edit is labelled as the image it was made from
    label = origin.get("label") if isinstance(origin.get("label"), int) else None
    index = dataset.dataset.add(snapshot.input_image, label)
    saved = {"dataset": dataset.id, "index": index, "total": len(dataset.dataset)}
    state.events.publish("dataset", saved)  # every client's dataset panel shows the new item
    return saved


# --- ablation ------------------------------------------------------------------------------------------------
@router.put("/ablation", operation_id="setAblation", response_model=ps.AblationResponse)
async def set_ablation(entry: NetworkDep, state: StateDep,
                       body: Annotated[ps.AblationRequest, Body()]) -> dict[str, Any]:
    """Switch off these channels (replacing the current ablation); only the layers after the first change re-run."""
    for layer in body.layers:
        _known_layer(entry, layer)
    return await _change_ablation(state, entry, lambda: ablate(entry.network, body.layers))


@router.delete("/ablation", operation_id="resetAblation", response_model=ps.AblationResponse)
async def reset(entry: NetworkDep, state: StateDep) -> dict[str, Any]:
    """Switch every channel back on."""
    return await _change_ablation(state, entry, lambda: reset_ablation(entry.network))


async def _change_ablation(state: AppState, entry: NetworkEntry, change: Callable[[], Snapshot]) -> dict[str, Any]:
    def run() -> Snapshot:
        with entry.lock:
            return change()

    before = entry.network.snapshot.version
    snapshot = await service.on_compute_thread(entry, run)
    if snapshot.version != before:
        _announce_input(state, entry, snapshot)
    return {"network": entry.id, "version": snapshot.version, "layers": ablated_channels(entry.network),
            "classification": service.predictions(snapshot, 5)}


# --- activity flow and feeders -------------------------------------------------------------------------------
@router.post("/flow", operation_id="getActivityFlow", response_model=ps.FlowResponse)
async def get_activity_flow(entry: NetworkDep, state: StateDep,
                            body: Annotated[ps.FlowRequest, Body()]) -> dict[str, Any]:
    """Select a channel: how it drives every later layer's channels and the class scores (exact or preview)."""
    _known_layer(entry, body.layer)
    snapshot = entry.network.snapshot
    flow = await service.on_compute_thread(entry, lambda: activity_flow(entry.network, body.layer, body.channel,
                                                                        method=body.method, snapshot=snapshot))
    layers = [{"id": f.id, "strength": f.strength, "top": [{"channel": c, "score": s} for c, s in f.top(body.top)],
               "scores": f.scores.tolist() if body.scores else None} for f in flow.layers]
    result = {"network": entry.id, "version": snapshot.version, "layer": flow.layer, "channel": flow.channel,
              "method": flow.method, "seconds": flow.seconds, "layers": layers,
              "supported": [_effect(c) for c in flow.supported(5)],
              "suppressed": [_effect(c) for c in flow.suppressed(5)]}
    _select(state, entry, "flow", body, result)
    return result


@router.get("/flow", operation_id="getLastActivityFlow", response_model=ps.FlowResponse)
def get_last_activity_flow(entry: NetworkDep, state: StateDep) -> dict[str, Any]:
    """The activity flow computed last (by any client): what a client shows when it follows a selection."""
    return _last(state, entry, "flow")


@router.post("/feeders", operation_id="getChannelFeeders", response_model=ps.FeedersResponse)
async def get_channel_feeders(entry: NetworkDep, state: StateDep,
                              body: Annotated[ps.FlowRequest, Body()]) -> dict[str, Any]:
    """The reverse direction: which channels of the layers right before feed the selected channel most (exact)."""
    _known_layer(entry, body.layer)
    snapshot = entry.network.snapshot
    feeders = await service.on_compute_thread(entry, lambda: channel_feeders(entry.network, body.layer,
                                                                             body.channel, snapshot=snapshot))
    result = {"network": entry.id, "version": snapshot.version, "layer": feeders.layer, "channel": feeders.channel,
              "seconds": feeders.seconds,
              "top": [{"layer": p, "channel": c, "score": s} for p, c, s in feeders.top(body.top)],
              "precursors": {p: s.tolist() for p, s in feeders.scores.items()}}
    _select(state, entry, "feeders", body, result)
    return result


@router.get("/feeders", operation_id="getLastChannelFeeders", response_model=ps.FeedersResponse)
def get_last_channel_feeders(entry: NetworkDep, state: StateDep) -> dict[str, Any]:
    """The feeders computed last (by any client)."""
    return _last(state, entry, "feeders")


# --- helpers -------------------------------------------------------------------------------------------------
def _known_layer(entry: NetworkEntry, layer: str) -> None:
    """404 for a layer this network does not have: most likely a selection made on the model served before (a
    client that loaded its scene then), so the message says how to get the current layers."""
    graph = entry.network.graph
    if layer in graph:
        return
    ids = [n.id for n in graph.nodes]
    shown = ", ".join(ids[:5]) + (f", … {ids[-1]}" if len(ids) > 5 else "")
    raise NotFoundError(f"no layer {layer!r} in network {entry.id} ({entry.network.name}): the model changed since "
                        f"the channel was chosen, or the id is wrong. Reload the page (or GET /api/networks/"
                        f"{entry.id}/graph) and select a channel of one of its {len(ids)} layers again: {shown}")


def _select(state: AppState, entry: NetworkEntry, direction: str, body: ps.FlowRequest,
            result: dict[str, Any]) -> None:
    """Remember the selected channel and its result, and tell every client (``probing`` event)."""
    probing = probing_store(state)[entry.id]
    probing.selection = {"layer": body.layer, "channel": body.channel, "method": body.method, "direction": direction}
    setattr(probing, direction, result)
    state.events.publish("probing", _state_json(state, entry))


def _last(state: AppState, entry: NetworkEntry, direction: str) -> dict[str, Any]:
    result: dict[str, Any] | None = getattr(probing_store(state)[entry.id], direction)
    if result is None:
        what = "activity flow" if direction == "flow" else "feeders"
        raise NotFoundError(f"no {what} has been computed on network {entry.id} yet; select a channel first "
                            f"(POST /api/networks/{entry.id}/probing/{direction})")
    return result


def _effect(c: ClassEffect) -> dict[str, Any]:
    return {"index": c.index, "name": c.name, "score": c.score, "probability": c.probability,
            "probability_without": c.probability_without}


def _announce_input(state: AppState, entry: NetworkEntry, snapshot: Snapshot) -> None:
    state.events.publish("input", {"network": entry.id, "version": snapshot.version, "source": snapshot.source})
    state.events.publish("probing", _state_json(state, entry))


def _state_json(state: AppState, entry: NetworkEntry) -> dict[str, Any]:
    probing = probing_store(state)[entry.id]
    edited = entry.network.snapshot.source.get("source") == "occlusion"
    return {"network": entry.id, "version": entry.network.snapshot.version,
            "ablation": ablated_channels(entry.network), "blocks": probing.blocks if edited else [],
            "changes": probing.changes if edited else [], "selection": probing.selection}
