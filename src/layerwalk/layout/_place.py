"""Place a layer graph on a workshop floor: stages along -z, branches in lanes along x, edges as floor polylines.

Algorithm (all deterministic, no randomness):

1. stage = longest path from the input (so every edge goes to a larger stage, i.e. more negative z);
2. the main lane (lane 0) is the longest chain back from the output; every stage has a node on it;
3. every other node joins a *chain* (it continues the chain of a precursor whose chain ends there, else starts one);
   a chain reserves its lane from the stage after its fork until the stage before its last join, and chains get
   lanes by interval colouring, closest to the lane they fork from (+1, -1, +2, -2, …);
4. lane widths come from the widest panel in the lane; a stage gap is at least the distance a viewer stands from
   the panels behind it to see them whole, so from a layer's fly-to spot the layers before it are behind the viewer
   (the conveyor no longer hides the panel one looks at); edges switch lanes only between stages and take a side
   rail when their lane is blocked.

Arrangements: ``"conveyor"`` (the paper's: one line of stages along -z) and ``"wrap"`` (the same line cut into
columns of about ``WRAP_LENGTH`` metres standing side by side, like text wrapped into newspaper columns; cuts go
where the fewest edges cross, and an edge into a later column runs back along the corridor between the columns).
``"auto"`` wraps networks whose conveyor would be longer than ``AUTO_WRAP_LENGTH``.
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
# The viewer the spacing is made for: the client's 68° vertical field of view, 0.9 of it used for framing, at a
# 16:10 window; the layer's card (0.48 m) stands under its panel. A headset's wider view only needs less room.
VIEW_TAN = math.tan(math.radians(34)) * 0.9
VIEW_ASPECT = 1.6
CARD_WIDTH = 0.64
VIEW_MARGIN = 0.5  # metres between the viewer and the panel behind them
ARRANGEMENTS = ("auto", "conveyor", "wrap")
AUTO_WRAP_LENGTH = 120.0
WRAP_LENGTH = 45.0
CORRIDOR = 3.0  # floor between two columns of the wrap: room to walk and for the edges running back
ENTRY = 1.2  # how far in front of a column's first stage the edges coming from an earlier column arrive


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


def view_distance(size: PanelSize) -> float:
    """How far in front of a panel a viewer stands to see it and its card whole (the client's fly-to spot)."""
    half_height = (FLOOR_CLEARANCE + size.height) / 2
    half_width = max(size.width, CARD_WIDTH) / 2
    return max(half_height / VIEW_TAN, half_width / (VIEW_TAN * VIEW_ASPECT)) * 1.1 + 0.1


def layout_graph(graph: Any, arrangement: str = "conveyor") -> dict[str, Any]:
    """Lay out a ``LayerGraph`` (or its dict) and return the LAYOUT dict of docs/architecture.md.

    ``arrangement``: ``"conveyor"`` (one line), ``"wrap"`` (columns side by side) or ``"auto"`` (wrap when the
    conveyor would be longer than ``AUTO_WRAP_LENGTH`` metres); the result says which one was used.

    >>> g = {"nodes": [{"id": "input", "shape": [3, 8, 8], "precursors": []},
    ...                {"id": "output", "shape": [10], "precursors": ["input"], "label": "linear"}]}
    >>> layout_graph(g)["nodes"]["output"]["stage"]
    1
    """
    if arrangement not in ARRANGEMENTS:
        raise ValueError(f"unknown arrangement {arrangement!r}: use one of {', '.join(ARRANGEMENTS)}")
    nodes = layout_nodes(graph)
    if not nodes:
        return {"nodes": {}, "edges": [], "bounds": {"min": [0, 0, 0], "max": [0, 0, 0]}, "origin": [0.0, 0.0],
                "arrangement": "conveyor" if arrangement == "auto" else arrangement}
    return _Placer(nodes).run(arrangement)


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

    def run(self, arrangement: str) -> dict[str, Any]:
        self.stage = self._stages()
        self.lane = self._lanes()
        self._positions()
        if arrangement == "auto":
            arrangement = "wrap" if -self.stage_z[-1] > AUTO_WRAP_LENGTH else "conveyor"
        self.column = [0] * len(self.stage_z)  # column of each stage
        if arrangement == "wrap":
            self._wrap()
        out_nodes = {n.id: self._node_dict(n.id) for n in self.nodes}
        edges = [self._edge(p, n.id) for n in self.nodes for p in self.prec[n.id]]
        first = self.nodes[0].id
        return {"nodes": out_nodes, "edges": edges, "bounds": self._bounds(edges),
                "origin": [self.x[first], self.z[first]], "arrangement": arrangement}

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
        view_d: dict[int, float] = defaultdict(float)
        for n in self.nodes:
            view_d[self.stage[n.id]] = max(view_d[self.stage[n.id]], view_distance(self.size[n.id]))
        self.stage_z = [0.0]
        for s in range(last):
            gap = max(STAGE_GAP + 0.25 * max(stage_w[s], stage_w[s + 1]), view_d[s + 1] + VIEW_MARGIN)
            self.stage_z.append(self.stage_z[-1] - gap)
        self.col_x = [0.0]  # x shift of each column (the wrap)
        self.x = {n.id: self.lane_x[self.lane[n.id]] for n in self.nodes}
        self.z = {n.id: self.stage_z[self.stage[n.id]] for n in self.nodes}
        self.occupied: dict[int, set[int]] = defaultdict(set)
        for n in self.nodes:
            self.occupied[self.lane[n.id]].add(self.stage[n.id])

    # --- the wrap: columns side by side ------------------------------------------------------------------------
    def _wrap(self) -> None:
        starts = self._column_starts()
        for c, s0 in enumerate(starts):
            end = starts[c + 1] if c + 1 < len(starts) else len(self.stage_z)
            top = self.stage_z[s0]
            for s in range(s0, end):
                self.column[s] = c
                self.stage_z[s] -= top
        lo: dict[int, float] = defaultdict(lambda: math.inf)
        hi: dict[int, float] = defaultdict(lambda: -math.inf)
        for n in self.nodes:  # a column's extent: its lanes with half a lane gap each side (where the rails run)
            c, lane = self.column[self.stage[n.id]], self.lane[n.id]
            half = (self.lane_w[lane] + LANE_GAP) / 2
            lo[c] = min(lo[c], self.lane_x[lane] - half)
            hi[c] = max(hi[c], self.lane_x[lane] + half)
        self.col_x = [0.0]
        for c in range(1, len(starts)):
            self.col_x.append(self.col_x[-1] + hi[c - 1] - lo[c] + CORRIDOR)
        self.corridor_x = [self.col_x[c] + hi[c] + CORRIDOR / 2 for c in range(len(starts))]
        self.col_start = starts
        for n in self.nodes:
            self.x[n.id] = self.lane_x[self.lane[n.id]] + self.col_x[self.column[self.stage[n.id]]]
            self.z[n.id] = self.stage_z[self.stage[n.id]]

    def _column_starts(self) -> list[int]:
        """First stage of each column: columns of about equal length, cut where the fewest layers feed across the
        cut (after a join, not inside a block), then the fewest edges."""
        sources: list[set[str]] = [set() for _ in range(len(self.stage_z) + 1)]  # of edges from stage < b to >= b
        edges = [0] * (len(self.stage_z) + 1)
        for n in self.nodes:
            for p in self.prec[n.id]:
                for b in range(self.stage[p] + 1, self.stage[n.id] + 1):
                    sources[b].add(p)
                    edges[b] += 1
        crossing = [(len(sources[b]), edges[b]) for b in range(len(edges))]
        total = -self.stage_z[-1]
        target = total / max(1, math.ceil(total / WRAP_LENGTH))
        starts = [0]
        while -self.stage_z[-1] + self.stage_z[starts[-1]] > 1.3 * target:
            z0 = self.stage_z[starts[-1]]
            window = [b for b in range(starts[-1] + 1, len(self.stage_z))
                      if 0.7 * target <= z0 - self.stage_z[b] <= 1.3 * target]
            if not window:
                break
            starts.append(min(window, key=lambda b: (crossing[b], abs(z0 - self.stage_z[b] - target))))
        return starts

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
        if self.column[sa] != self.column[sb]:
            return self._edge_dict(a, b, self._wrapped_route(a, b))
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
            rail = self._rail(la, self.column[sa])
            points = [[xa, za], [rail, za - d_out], [rail, zb + d_in], [xb, zb]]
        return self._edge_dict(a, b, points)

    def _edge_dict(self, a: str, b: str, points: list[list[float]]) -> dict[str, Any]:
        return {"from": a, "to": b, "label": self.by_id[b].label,
                "points": [[round(x, 4), round(z, 4)] for x, z in points]}

    def _rail(self, lane: int, column: int) -> float:
        """x of the side rail in the gap next to a lane (outwards from the main lane)."""
        side = 1 if lane >= 0 else -1
        return self.col_x[column] + self.lane_x[lane] + side * (self.lane_w[lane] + LANE_GAP) / 2

    def _wrapped_route(self, a: str, b: str) -> list[list[float]]:
        """Into a later column: out behind a, across to the corridor right of a's column, back along it to the front
        of b's column, across to b's lane (or its rail, if panels stand in the lane before b) and down to b. Every
        such edge shares the corridor and the entry line, so they read as one bundle."""
        sa, sb, lb = self.stage[a], self.stage[b], self.lane[b]
        xa, za, xb, zb = self.x[a], self.z[a], self.x[b], self.z[b]
        corridor, out = self.corridor_x[self.column[sa]], za - 0.3
        points = [[xa, za], [xa, out], [corridor, out], [corridor, ENTRY]]
        top = self.col_start[self.column[sb]]
        if self._lane_free(lb, top - 1, sb):
            return [*points, [xb, ENTRY], [xb, zb]]
        rail, d_in = self._rail(lb, self.column[sb]), 0.25 * (self.stage_z[sb - 1] - zb)
        return [*points, [rail, ENTRY], [rail, zb + d_in], [xb, zb]]

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
