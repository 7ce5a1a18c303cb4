"""Place a layer graph on a workshop floor: stages along -z, branches in lanes along x, edges as floor polylines.

Algorithm (all deterministic, no randomness):

1. stage = longest path from the input (so every edge goes to a larger stage, i.e. more negative z);
2. the main lane (lane 0) is the longest chain back from the output; every stage has a node on it;
3. every other node joins a *chain* (it continues the chain of a precursor whose chain ends there, else starts one);
   a chain reserves its lane from the stage after its fork until the stage before its last join, and chains get
   lanes by interval colouring, closest to the lane they fork from (+1, -1, +2, -2, …);
4. lane widths come from the widest panel in the lane, stage gaps from the widest panels around the gap, so no two
   panels overlap; edges switch lanes only between stages and take a side rail when their lane is blocked.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from layerwalk.layout._graph import LayoutNode, layout_nodes
from layerwalk.layout._grid import grid_shape

MIN_WIDTH, MAX_WIDTH = 0.5, 4.0
MIN_HEIGHT, MAX_HEIGHT = 0.25, 4.0
FLOOR_CLEARANCE = 0.5  # panels float above the floor so the edges on the floor stay visible
LANE_GAP = 0.6
STAGE_GAP = 1.0


@dataclass(frozen=True)
class PanelSize:
    width: float
    height: float
    grid: tuple[int, int]  # (cols, rows) of the channel atlas


def channel_grid(shape: tuple[int, ...]) -> tuple[int, int]:
    """Near-square (cols, rows) grid for the C maps of a (C, H, W) shape; a vector (F,) is F maps of 1×1."""
    return grid_shape(shape[0] if shape else 1)


def panel_size(shape: tuple[int, ...]) -> PanelSize:
    """Panel size in metres: grows with the fourth root of the element count, aspect of the channel atlas."""
    cols, rows = channel_grid(shape)
    map_h = shape[1] if len(shape) >= 3 else 1
    map_w = math.prod(shape[2:]) if len(shape) >= 3 else (shape[1] if len(shape) == 2 else 1)
    aspect = (cols * map_w) / (rows * map_h)
    side = min(max(0.12 * max(1, math.prod(shape)) ** 0.25, MIN_WIDTH), MAX_WIDTH)
    width, height = (side, side / aspect) if aspect >= 1 else (side * aspect, side)
    return PanelSize(_clamp(width, MIN_WIDTH, MAX_WIDTH), _clamp(height, MIN_HEIGHT, MAX_HEIGHT), (cols, rows))


def layout_graph(graph: Any) -> dict[str, Any]:
    """Lay out a ``LayerGraph`` (or its dict) and return the LAYOUT dict of docs/architecture.md.

    >>> g = {"nodes": [{"id": "input", "shape": [3, 8, 8], "precursors": []},
    ...                {"id": "output", "shape": [10], "precursors": ["input"], "label": "linear"}]}
    >>> layout_graph(g)["nodes"]["output"]["stage"]
    1
    """
    nodes = layout_nodes(graph)
    if not nodes:
        return {"nodes": {}, "edges": [], "bounds": {"min": [0, 0, 0], "max": [0, 0, 0]}, "origin": [0.0, 0.0]}
    return _Placer(nodes).run()


def _clamp(v: float, lo: float, hi: float) -> float:
    return min(max(v, lo), hi)


class _Placer:
    def __init__(self, nodes: list[LayoutNode]):
        self.nodes = nodes
        self.by_id = {n.id: n for n in nodes}
        self.prec = {n.id: [p for p in dict.fromkeys(n.precursors) if p in self.by_id and p != n.id] for n in nodes}
        self.consumers: dict[str, list[str]] = defaultdict(list)
        for n in nodes:
            for p in self.prec[n.id]:
                self.consumers[p].append(n.id)
        self.size = {n.id: panel_size(n.shape) for n in nodes}

    def run(self) -> dict[str, Any]:
        self.stage = self._stages()
        self.lane = self._lanes()
        self._positions()
        out_nodes = {n.id: self._node_dict(n.id) for n in self.nodes}
        edges = [self._edge(p, n.id) for n in self.nodes for p in self.prec[n.id]]
        first = self.nodes[0].id
        return {"nodes": out_nodes, "edges": edges, "bounds": self._bounds(edges),
                "origin": [self.x[first], self.z[first]]}

    # --- stages and lanes -------------------------------------------------------------------------------------
    def _stages(self) -> dict[str, int]:
        stage: dict[str, int] = {}
        for n in self.nodes:  # topological order, so precursors are already placed
            stage[n.id] = 1 + max((stage[p] for p in self.prec[n.id] if p in stage), default=-1)
        return stage

    def _main_path(self) -> set[str]:
        node: str | None = self.nodes[-1].id
        main: set[str] = set()
        while node is not None:
            main.add(node)
            precs = self.prec[node]
            node = max(precs, key=lambda p: self.stage[p]) if precs else None  # max() keeps the first of ties
        return main

    def _chains(self, main: set[str]) -> list[list[str]]:
        chains: list[list[str]] = []
        chain_of: dict[str, int] = {}
        for n in self.nodes:
            if n.id in main:
                continue
            cont = next((chain_of[p] for p in self.prec[n.id]
                         if p in chain_of and chains[chain_of[p]][-1] == p and self.stage[p] == self.stage[n.id] - 1),
                        None)
            if cont is None:
                chains.append([])
                cont = len(chains) - 1
            chains[cont].append(n.id)
            chain_of[n.id] = cont
        return chains

    def _interval(self, chain: list[str]) -> tuple[int, int]:
        head_precs = [self.stage[p] for p in self.prec[chain[0]]]
        start = min(head_precs) + 1 if head_precs else self.stage[chain[0]]
        exits = [self.stage[c] - 1 for n in chain for c in self.consumers[n]]
        return start, max([self.stage[chain[-1]], *exits])

    def _lanes(self) -> dict[str, int]:
        main = self._main_path()
        lane = dict.fromkeys(main, 0)
        taken: dict[int, list[tuple[int, int]]] = defaultdict(list)
        taken[0].append((0, max(self.stage.values())))
        chains = [(self._interval(c), c) for c in self._chains(main)]
        order = {n.id: i for i, n in enumerate(self.nodes)}
        for (start, end), chain in sorted(chains, key=lambda t: (t[0][0], order[t[1][0]])):
            precs = self.prec[chain[0]]
            parent = lane.get(precs[0], 0) if precs else 0
            chosen = next(c for c in _lane_candidates(parent)
                          if all(end + 1 < s or e + 1 < start for s, e in taken[c]))
            taken[chosen].append((start, end))
            lane.update(dict.fromkeys(chain, chosen))
        return lane

    # --- coordinates ------------------------------------------------------------------------------------------
    def _positions(self) -> None:
        lane_w: dict[int, float] = defaultdict(float)
        stage_w: dict[int, float] = defaultdict(float)
        for n in self.nodes:
            lane_w[self.lane[n.id]] = max(lane_w[self.lane[n.id]], self.size[n.id].width)
            stage_w[self.stage[n.id]] = max(stage_w[self.stage[n.id]], self.size[n.id].width)
        self.lane_x = {0: 0.0}
        for side in (1, -1):
            k = side
            while k in lane_w or any(abs(lane) > abs(k) and lane * side > 0 for lane in lane_w):
                prev = k - side
                self.lane_x[k] = self.lane_x[prev] + side * ((lane_w[prev] + lane_w[k]) / 2 + LANE_GAP)
                k += side
        self.lane_w = lane_w
        last = max(self.stage.values())
        self.stage_z = [0.0]
        for s in range(last):
            self.stage_z.append(self.stage_z[-1] - (STAGE_GAP + 0.25 * max(stage_w[s], stage_w[s + 1])))
        self.x = {n.id: self.lane_x[self.lane[n.id]] for n in self.nodes}
        self.z = {n.id: self.stage_z[self.stage[n.id]] for n in self.nodes}
        self.occupied: dict[int, set[int]] = defaultdict(set)
        for n in self.nodes:
            self.occupied[self.lane[n.id]].add(self.stage[n.id])

    def _node_dict(self, nid: str) -> dict[str, Any]:
        size = self.size[nid]
        return {"x": round(self.x[nid], 4), "y": round(FLOOR_CLEARANCE + size.height / 2, 4),
                "z": round(self.z[nid], 4),
                "width": round(size.width, 4), "height": round(size.height, 4), "stage": self.stage[nid],
                "lane": self.lane[nid], "grid": list(size.grid)}

    # --- edges ------------------------------------------------------------------------------------------------
    def _lane_free(self, lane: int, sa: int, sb: int) -> bool:
        return not any(sa < s < sb for s in self.occupied[lane])

    def _edge(self, a: str, b: str) -> dict[str, Any]:
        sa, sb, la, lb = self.stage[a], self.stage[b], self.lane[a], self.lane[b]
        xa, za, xb, zb = self.x[a], self.z[a], self.x[b], self.z[b]
        d_out = 0.25 * (za - self.stage_z[sa + 1])  # a quarter of the gap after a
        d_in = 0.25 * (self.stage_z[sb - 1] - zb)  # a quarter of the gap before b
        if la == lb and self._lane_free(la, sa, sb):
            points = [[xa, za], [xb, zb]]
        elif sb == sa + 1:
            points = [[xa, za], [xa, za - d_out], [xb, zb + d_in], [xb, zb]]
        elif self._lane_free(lb, sa, sb):  # switch lanes right after a
            points = [[xa, za], [xb, za - 2 * d_out], [xb, zb]]
        elif self._lane_free(la, sa, sb):  # stay in a's lane, switch right before b
            points = [[xa, za], [xa, zb + 2 * d_in], [xb, zb]]
        else:  # side rail in the gap next to a's lane
            side = 1 if la >= 0 else -1
            rail = self.lane_x[la] + side * (self.lane_w[la] + LANE_GAP) / 2
            points = [[xa, za], [rail, za - d_out], [rail, zb + d_in], [xb, zb]]
        return {"from": a, "to": b, "label": self.by_id[b].label,
                "points": [[round(x, 4), round(z, 4)] for x, z in points]}

    def _bounds(self, edges: list[dict[str, Any]]) -> dict[str, list[float]]:
        xs, zs, top = [], [], 0.0
        for n in self.nodes:
            half = self.size[n.id].width / 2
            xs += [self.x[n.id] - half, self.x[n.id] + half]
            zs.append(self.z[n.id])
            top = max(top, FLOOR_CLEARANCE + self.size[n.id].height)
        for e in edges:
            xs += [p[0] for p in e["points"]]
            zs += [p[1] for p in e["points"]]
        return {"min": [round(min(xs), 4), 0.0, round(min(zs), 4)],
                "max": [round(max(xs), 4), round(top, 4), round(max(zs), 4)]}


def _lane_candidates(parent: int) -> Iterator[int]:
    k = 1
    while True:
        yield parent + k
        yield parent - k
        k += 1
