"""Orientation in headless Chromium against the real app on a small real network (ResNet-18): the layer tree lists
every layer and flies to the one clicked; hiding a layer takes it out of the scene (draw calls, pointer)."""

from __future__ import annotations

import json

import pytest
from client_actions import next_frames

pytestmark = pytest.mark.browser


def wait_still(client) -> None:
    client.page.wait_for_function("!window.__layerwalk.ctx.locomotion.flying", timeout=30_000)
    next_frames(client.page, 3)


def open_tree(client) -> None:
    client.page.evaluate("document.exitPointerLock()")
    client.page.keyboard.press("KeyL")
    client.page.wait_for_selector("#lw-tree:not(.lw-hidden)")


def layer_row(client, lid: str):
    return client.page.locator(f'.lw-tree-layer[data-nid="n0"][data-lid="{lid}"]')


def test_layer_tree_lists_every_layer_and_flies_to_the_clicked_one(client):
    open_tree(client)
    layers = client.lw("L.networks.n0.layers")
    assert sorted(client.lw("L.orientation.treeLayers()")) == sorted(f"n0/{lid}" for lid in layers)
    modules = client.page.eval_on_selector_all(".lw-tree-module", "rs => rs.map(r => r.dataset.path)")
    assert {"layer1", "layer1.0", "layer4.1"} <= set(modules)

    lid = "layer3.1.conv2"
    row = layer_row(client, lid)
    row.locator(".lw-tree-name").click()
    wait_still(client)
    camera = client.lw("L.camera.position.toArray()")
    panel = client.lw(f"L.edgesAt({json.dumps(lid)}).panel")
    assert 0.8 < camera[2] - panel[2] < 8 and abs(camera[0] - panel[0]) < 0.5, (camera, panel)
    box = client.lw(f"L.panelScreenBox({json.dumps(lid)})")
    view = box["viewport"]
    assert box["inFront"] and view["left"] <= box["left"] < box["right"] <= view["right"], box
    assert row.evaluate("r => r.classList.contains('lw-current')")

    # the search box filters the rows
    client.page.fill(".lw-tree-search", "layer4.0")
    shown = client.lw("L.orientation.treeLayers()")
    assert shown and all(r.startswith("n0/layer4.0.") for r in shown), shown
    client.page.fill(".lw-tree-search", "")
    assert client.errors == []


def test_hidden_layer_is_gone_from_the_scene(client):
    lid = "layer2.0.conv1"
    client.lw(f"L.flyToLayer({json.dumps(lid)})")
    wait_still(client)
    before = client.lw("L.stats()")
    centre = client.lw(f"L.screenOf(L.scene.getObjectByName({json.dumps('layer:' + lid)}))")
    open_tree(client)
    layer_row(client, lid).locator(".lw-tree-eye").click()
    next_frames(client.page, 3)
    assert client.lw("L.orientation.hidden()") == [lid]
    after = client.lw("L.stats()")
    assert after["calls"] == before["calls"] - 1, (before, after)
    visible = client.lw("(() => { const s = []; L.scene.traverseVisible(o => s.push(o.name)); return s; })()")
    assert f"layer:{lid}" not in visible
    # the pointer goes through where it stood: hovering there shows no tooltip of that layer
    client.page.evaluate("document.exitPointerLock()")
    client.page.mouse.move(centre["x"], centre["y"])
    next_frames(client.page, 3)
    tooltip = client.page.locator(".lw-tooltip")
    assert lid not in (tooltip.text_content() or "") or tooltip.is_hidden()

    # "only" on a module: everything else of the network is hidden; "show all" brings every layer back
    client.page.locator('.lw-tree-module[data-path="layer1"] .lw-tree-only').click()
    next_frames(client.page, 3)
    hidden = set(client.lw("L.orientation.hidden()"))
    layers = set(client.lw("L.networks.n0.layers"))
    assert hidden == {x for x in layers if not x.startswith("layer1.")}
    assert client.lw("L.stats()")["calls"] < after["calls"] - 10
    client.page.locator(".lw-tree-all").click()
    next_frames(client.page, 3)
    assert client.lw("L.orientation.hidden()") == []
    assert client.lw("L.stats()")["calls"] == before["calls"]
    assert client.errors == []


def test_minimap_marks_the_camera_and_flies_where_clicked(client):
    client.lw("L.flyToStation()")
    wait_still(client)
    start = client.lw("L.orientation.marker")
    camera = client.lw("L.camera.position.toArray()")
    assert start == pytest.approx(client.lw(f"L.orientation.mapPoint({camera[0]}, {camera[2]})"), abs=0.5)

    lid = "layer4.0.conv2"
    client.lw(f"L.flyToLayer({json.dumps(lid)})")
    wait_still(client)
    moved = client.lw("L.orientation.marker")
    assert moved["y"] < start["y"] - 20, (start, moved)  # deeper into the network = up the map
    assert client.lw("L.orientation.current")["lid"] == lid
    layers = client.lw("L.networks.n0.layers")
    caption = client.page.text_content(".lw-minimap-caption")
    assert caption.startswith(f"layer {layers.index(lid) + 1} of {len(layers)}"), caption

    target = "layer1.1.conv1"
    panel = client.lw(f"L.edgesAt({json.dumps(target)}).panel")
    at = client.lw(f"L.orientation.mapPoint({panel[0]}, {panel[2]})")
    client.page.mouse.click(at["x"], at["y"])
    wait_still(client)
    camera = client.lw("L.camera.position.toArray()")
    assert 0.8 < camera[2] - panel[2] < 8 and abs(camera[0] - panel[0]) < 0.5, (camera, panel)
    after = client.lw("L.orientation.marker")
    assert after["y"] > moved["y"] + 20
    assert client.errors == []


@pytest.mark.slow
@pytest.mark.parametrize("which", ["real_demo", "real_resnet50"])
def test_from_every_fly_to_spot_no_other_panel_covers_the_layer(browser, request, which):
    """The spacing leaves the panels before a layer behind the viewer who looks at it: projected to the screen
    from each layer's fly-to spot (1280×800), no other panel covers more than 10 % of it — with the panels fly-to
    would hide counted as shown. ResNet50 also stays within its draw-call budget with everything visible."""
    from conftest import open_client

    server = request.getfixturevalue(which)
    client = open_client(browser, server.url)
    try:
        covers = client.lw("L.orientation.coverFromFlySpots('n0')")
        assert len(covers) == len(client.lw("L.networks.n0.layers"))
        bad = [c for c in covers if c["worst"] > 0.10]
        assert bad == [], bad
        assert client.lw("L.ctx.store.views.get('n0').graph.layout.arrangement") == "wrap"  # "auto" wraps both
        if which == "real_resnet50":
            next_frames(client.page, 3)
            stats = client.lw("L.stats()")
            assert stats["calls"] <= stats["layers"] + 150, stats
        assert client.errors == []
    finally:
        client.page.close()


def test_stage_and_block_names_stand_over_their_groups(client):
    labels = client.lw("L.orientation.groupLabels()")
    by_kind = {k: {lab["text"]: lab["at"] for lab in labels if lab["kind"] == k} for k in ("stage", "block", "network")}
    assert set(by_kind["stage"]) == {"layer1", "layer2", "layer3", "layer4"}
    assert {"layer1.0", "layer1.1", "layer4.1"} <= set(by_kind["block"])
    assert list(by_kind["network"]) == [client.lw("L.networks.n0.name")]
    panels = {lid: client.lw(f"L.edgesAt({json.dumps(lid)}).panel") for lid in ("layer3.0.conv1", "layer3.1.add")}
    x, y, z = by_kind["stage"]["layer3"]
    assert y > 1.0 and min(p[2] for p in panels.values()) <= z <= max(p[2] for p in panels.values()) + 1e-6
    frames = client.lw("L.scene.getObjectByName('module-frames').geometry.attributes.position.count")
    assert frames == 8 * len(by_kind["block"])  # a rectangle (4 segments) around every block
