from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layerwalk.layout import channel_grid, layout_graph, panel_size, view_distance

from .checks import assert_edges_avoid_panels, assert_edges_forward, assert_no_overlaps
from .graphs import ALL, GraphBuilder, inception_like, nested_branches, resnet_like


@pytest.mark.parametrize("arrangement", ["conveyor", "wrap"])
@pytest.mark.parametrize("name", sorted(ALL))
def test_invariants_on_hand_built_graphs(name, arrangement):
    layout = layout_graph(ALL[name](), arrangement)
    assert layout["arrangement"] == arrangement
    assert_no_overlaps(layout)
    assert_edges_forward(layout)
    assert_edges_avoid_panels(layout)


@pytest.mark.parametrize("arrangement", ["conveyor", "wrap"])
@pytest.mark.parametrize("name", sorted(ALL))
def test_layout_shape_follows_the_contract(name, arrangement):
    graph = ALL[name]()
    layout = layout_graph(graph, arrangement)
    assert set(layout) == {"nodes", "edges", "bounds", "origin", "arrangement"}
    assert set(layout["nodes"]) == {n["id"] for n in graph["nodes"]}
    for p in layout["nodes"].values():
        assert set(p) == {"x", "y", "z", "width", "height", "stage", "lane", "grid"}
        assert 0.5 <= p["width"] <= 4 and 0.25 <= p["height"] <= 4
        assert p["y"] - p["height"] / 2 > 0  # above the floor
        lo, hi = layout["bounds"]["min"], layout["bounds"]["max"]
        tol = 1e-3  # coordinates are rounded to 0.1 mm
        assert lo[0] - tol <= p["x"] - p["width"] / 2 and p["x"] + p["width"] / 2 <= hi[0] + tol
        assert lo[2] <= p["z"] <= hi[2] and p["y"] + p["height"] / 2 <= hi[1] + tol
    assert layout["nodes"]["input"]["z"] == 0 and layout["origin"] == [layout["nodes"]["input"]["x"], 0]
    edges = {(e["from"], e["to"]) for e in layout["edges"]}
    assert edges == {(p, n["id"]) for n in graph["nodes"] for p in n["precursors"]}
    labels = {n["id"]: n["label"] for n in graph["nodes"]}
    assert all(e["label"] == labels[e["to"]] for e in layout["edges"])


def test_stages_are_longest_paths():
    layout = layout_graph(resnet_like(blocks=1))["nodes"]
    chain = ("input", "conv1", "b0.conv1", "b0.conv2", "b0.conv3", "b0.add")
    assert [layout[n]["stage"] for n in chain] == [0, 1, 2, 3, 4, 5]
    assert layout["b0.downsample"]["stage"] == 2


def test_main_path_on_lane_zero_and_branches_beside_it():
    nodes = layout_graph(resnet_like())["nodes"]
    for n in ("input", "conv1", "b0.conv1", "b0.add", "b1.add", "fc", "output"):
        assert nodes[n]["lane"] == 0 and nodes[n]["x"] == 0
    assert nodes["b0.downsample"]["lane"] != 0


def test_inception_branches_get_distinct_lanes_and_join_on_main():
    nodes = layout_graph(inception_like(modules=1))["nodes"]
    branch_lanes = {nodes[b]["lane"] for b in ("m0.b1", "m0.b2a", "m0.b3a", "m0.b4a")}
    assert len(branch_lanes) == 4
    assert nodes["m0.b2a"]["lane"] == nodes["m0.b2b"]["lane"]  # a branch stays in its lane
    assert nodes["m0.cat"]["lane"] == 0
    assert sorted(branch_lanes) == [-1, 0, 1, 2]  # the main chain runs through one branch, the others beside it


def test_nested_branch_and_dead_end():
    layout = layout_graph(nested_branches())
    nodes = layout["nodes"]
    assert nodes["s2a"]["lane"] != nodes["s2b"]["lane"]
    assert nodes["aux"]["lane"] != 0
    assert_no_overlaps(layout)


def test_lanes_are_reused_after_a_branch_ends():
    nodes = layout_graph(resnet_like(blocks=5))["nodes"]
    lanes = {nodes[f"b{b}.downsample"]["lane"] for b in (0, 2, 4)}
    assert lanes == {1}


def test_channel_grid_is_near_square():
    assert channel_grid((64, 8, 8)) == (8, 8)
    assert channel_grid((3, 224, 224)) == (2, 2)
    assert channel_grid((1000,)) == (32, 32)
    assert channel_grid((10,)) == (4, 3)
    for c in range(1, 300):
        cols, rows = channel_grid((c, 4, 4))
        assert cols * rows >= c and cols * (rows - 1) < c and abs(cols - rows) <= 1


def test_panel_size_grows_with_elements_and_is_clamped():
    small, big, huge = panel_size((1, 4, 4)), panel_size((64, 56, 56)), panel_size((4096, 224, 224))
    assert small.width == 0.5 and huge.width == 4.0
    assert small.width < big.width < huge.width


def test_accepts_objects_with_attributes():
    from types import SimpleNamespace

    g = resnet_like(blocks=1)
    graph = SimpleNamespace(nodes=[SimpleNamespace(**n) for n in g["nodes"]])
    assert layout_graph(graph) == layout_graph(g)


def test_empty_and_single_node():
    assert layout_graph({"nodes": []})["nodes"] == {}
    one = layout_graph({"nodes": [{"id": "input", "shape": [3, 8, 8], "precursors": []}]})
    assert one["edges"] == [] and one["nodes"]["input"]["stage"] == 0


@st.composite
def random_dags(draw):
    n = draw(st.integers(2, 40))
    g = GraphBuilder((3, 16, 16))
    ids = ["input"]
    for i in range(1, n):
        k = draw(st.integers(1, min(3, len(ids))))
        precs = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=k, unique=True))
        c = draw(st.sampled_from([1, 3, 16, 64, 512, 2048]))
        hw = draw(st.sampled_from([1, 7, 28, 112]))
        ids.append(g.add(f"n{i}", precs, (c, hw, hw)))
    return g.finish(ids[-1])


@settings(max_examples=150, deadline=None)
@given(random_dags(), st.sampled_from(["conveyor", "wrap"]))
def test_invariants_on_random_dags(graph, arrangement):
    layout = layout_graph(graph, arrangement)
    assert_no_overlaps(layout)
    assert_edges_forward(layout)
    assert_edges_avoid_panels(layout)


def test_stage_gaps_leave_room_to_view_each_panel():
    """From a panel's viewing spot (view_distance in front of it) every panel of an earlier stage is behind."""
    layout = layout_graph(resnet_like(blocks=4))
    nodes = layout["nodes"]
    for nid, p in nodes.items():
        eye_z = p["z"] + view_distance(panel_size(tuple(next(n["shape"] for n in resnet_like(blocks=4)["nodes"]
                                                                if n["id"] == nid))))
        for other, q in nodes.items():
            if q["stage"] < p["stage"]:
                assert q["z"] > eye_z, (nid, other)


def test_wrap_cuts_a_long_network_into_columns_of_similar_length():
    graph = resnet_like(blocks=40, size=56)
    conveyor, wrap = layout_graph(graph, "conveyor"), layout_graph(graph, "wrap")
    length = -conveyor["bounds"]["min"][2]
    assert length > 200
    assert -wrap["bounds"]["min"][2] < 0.35 * length
    columns = sorted({round(p["x"] - p["lane"] * 0, 1) for p in wrap["nodes"].values() if p["lane"] == 0})
    assert len(columns) >= 4
    assert layout_graph(graph, "auto")["arrangement"] == "wrap"
    assert layout_graph(resnet_like(blocks=1), "auto")["arrangement"] == "conveyor"
    # every wrap cut is after an add (where only one edge crosses), never inside a block
    for e in wrap["edges"]:
        a, b = wrap["nodes"][e["from"]], wrap["nodes"][e["to"]]
        if a["x"] != b["x"] and a["lane"] == b["lane"] == 0:
            assert e["from"].endswith(".add") or e["from"] == "conv1", e


def test_unknown_arrangement_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown arrangement 'spiral'.*conveyor"):
        layout_graph(resnet_like(blocks=1), "spiral")
