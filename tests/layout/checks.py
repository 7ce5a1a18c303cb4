"""Geometric invariants every layout must satisfy."""

from __future__ import annotations

EPS = 1e-6


def assert_no_overlaps(layout: dict) -> None:
    panels = list(layout["nodes"].items())
    for i, (a, pa) in enumerate(panels):
        for b, pb in panels[i + 1:]:
            if abs(pa["z"] - pb["z"]) > EPS:
                continue  # different depth: vertical panels facing +z cannot overlap
            apart_x = abs(pa["x"] - pb["x"]) >= (pa["width"] + pb["width"]) / 2 - EPS
            apart_y = abs(pa["y"] - pb["y"]) >= (pa["height"] + pb["height"]) / 2 - EPS
            assert apart_x or apart_y, f"panels {a} and {b} overlap: {pa} {pb}"


def assert_edges_forward(layout: dict) -> None:
    """Edges start and end at their panels and run forward (towards -z); in the wrap, an edge into a later column
    may also run sideways and back, but only along the corridor between two columns, clear of every panel."""
    nodes = layout["nodes"]
    wrap = layout.get("arrangement") == "wrap"
    for e in layout["edges"]:
        pts = e["points"]
        assert pts[0] == [nodes[e["from"]]["x"], nodes[e["from"]]["z"]], e
        assert pts[-1] == [nodes[e["to"]]["x"], nodes[e["to"]]["z"]], e
        for (x0, z0), (x1, z1) in zip(pts, pts[1:]):
            if z1 < z0 - EPS:
                continue
            assert wrap, f"edge {e['from']}→{e['to']} does not go forward: {pts}"
            if z1 > z0 + EPS:  # back to the front of a later column: a vertical run clear of every panel's x range
                assert abs(x1 - x0) < EPS, f"edge {e['from']}→{e['to']} runs back diagonally: {pts}"
                for nid, p in nodes.items():
                    assert abs(x0 - p["x"]) > p["width"] / 2, f"edge {e['from']}→{e['to']} runs back through {nid}"
            else:  # sideways: never at the depth of a panel it would cross
                for nid, p in nodes.items():
                    crosses = min(x0, x1) < p["x"] + p["width"] / 2 and max(x0, x1) > p["x"] - p["width"] / 2
                    assert not (crosses and abs(z0 - p["z"]) < EPS), f"edge {e['from']}→{e['to']} crosses {nid}"


def assert_edges_avoid_panels(layout: dict) -> None:
    """No edge polyline passes through the floor footprint of a panel other than its ends (at the panel's z)."""
    nodes = layout["nodes"]
    for e in layout["edges"]:
        pts = e["points"]
        for nid, p in nodes.items():
            if nid in (e["from"], e["to"]):
                continue
            for (x0, z0), (x1, z1) in zip(pts, pts[1:]):
                if abs(z1 - z0) > EPS and min(z0, z1) - EPS < p["z"] < max(z0, z1) + EPS:  # either direction
                    t = (z0 - p["z"]) / (z0 - z1)
                    x = x0 + t * (x1 - x0)
                    assert abs(x - p["x"]) >= p["width"] / 2 - EPS, f"edge {e['from']}→{e['to']} crosses panel {nid}"
