"""Layer panels in headless Chromium against the real app on a small real network: a dragged panel takes its
floor edges and their labels along and reset puts everything back; fly-to frames the whole panel with nothing in
the way."""

from __future__ import annotations

import json

import pytest
from client_actions import click_at, drag, next_frames

pytestmark = pytest.mark.browser


def fly_to(client, lid: str) -> None:
    assert client.lw(f"L.flyToLayer({json.dumps(lid)})")
    client.page.wait_for_function("!window.__layerwalk.ctx.locomotion.flying", timeout=30_000)
    next_frames(client.page)


def panel_screen(client, lid: str):
    return client.lw(f"L.screenOf(L.scene.getObjectByName({json.dumps('layer:' + lid)}))")


def edge_end_at(edge: dict, lid: str) -> list[float]:
    return edge["start"] if edge["from"] == lid else edge["end"]


def edge_far_end(edge: dict, lid: str) -> list[float]:
    return edge["end"] if edge["from"] == lid else edge["start"]


def test_dragged_panel_takes_its_edges_along_and_reset_puts_them_back(client):
    lid = "layer2.0.downsample.0"  # in a side lane: both its edges switch lanes (bent routes)
    fly_to(client, lid)
    home = client.lw(f"L.edgesAt({json.dumps(lid)})")
    assert len(home["edges"]) == 2
    for e in home["edges"]:
        assert edge_end_at(e, lid) == pytest.approx([home["panel"][0], home["panel"][2]], abs=1e-3)

    drag(client.page, panel_screen(client, lid), -220, 0)
    moved = client.lw(f"L.edgesAt({json.dumps(lid)})")
    dx, dz = moved["panel"][0] - home["panel"][0], moved["panel"][2] - home["panel"][2]
    assert abs(dx) > 0.3, moved
    for before, after in zip(home["edges"], moved["edges"]):
        assert edge_end_at(after, lid) == pytest.approx([moved["panel"][0], moved["panel"][2]], abs=1e-3)
        assert edge_far_end(after, lid) == pytest.approx(edge_far_end(before, lid), abs=1e-5)
        # the label rides on the edge's midpoint, which moves half as far as the panel end
        assert after["label"] == pytest.approx([before["label"][0] + dx / 2, before["label"][1] + dz / 2], abs=1e-3)
    assert client.errors == []

    click_at(client.page, client.lw(f"L.cardButtonScreen({json.dumps(lid)}, 'reset')"))
    client.page.wait_for_function("([lid, x, z]) => { const p = window.__layerwalk.edgesAt(lid).panel; "
                                  "return Math.abs(p[0] - x) < 1e-6 && Math.abs(p[2] - z) < 1e-6; }",
                                  arg=[lid, home["panel"][0], home["panel"][2]], timeout=10_000)
    back = client.lw(f"L.edgesAt({json.dumps(lid)})")
    assert back["panel"] == pytest.approx(home["panel"], abs=1e-6)
    for before, after in zip(home["edges"], back["edges"]):
        assert after["start"] == pytest.approx(before["start"], abs=1e-5)
        assert after["end"] == pytest.approx(before["end"], abs=1e-5)
        assert after["label"] == pytest.approx(before["label"], abs=1e-5)


def visible_panels(client) -> int:
    return client.lw("(() => { let n = 0; L.scene.traverseVisible(o => { if (o.name.startsWith('layer:')) n++; });"
                     " return n; })()")


@pytest.mark.parametrize("lid", ["conv1", "layer2.0.downsample.0", "layer2.0.conv2", "fc"])
def test_fly_to_frames_the_whole_panel_with_nothing_in_the_way(client, lid):
    panels = visible_panels(client)
    fly_to(client, lid)
    box = client.lw(f"L.panelScreenBox({json.dumps(lid)})")
    view = box["viewport"]
    assert box["inFront"], box
    assert view["left"] <= box["left"] and box["right"] <= view["right"], box
    assert view["top"] <= box["top"] and box["bottom"] <= view["bottom"], box
    # not a speck in the distance either: the panel fills a good share of the height or the width
    fill = max((box["bottom"] - box["top"]) / (view["bottom"] - view["top"]),
               (box["right"] - box["left"]) / (view["right"] - view["left"]))
    assert fill > 0.35, box
    assert box["blockedBy"] is None, box

    # the panels hidden for the view come back once the camera walks away
    start = client.lw("L.camera.position.toArray()")
    client.page.keyboard.down("KeyS")
    client.page.wait_for_function("(p) => window.__layerwalk.camera.position.distanceTo("
                                  "{x: p[0], y: p[1], z: p[2]}) > 1", arg=start, timeout=30_000)
    client.page.keyboard.up("KeyS")
    client.page.wait_for_function(f"(() => {{ let n = 0; window.__layerwalk.scene.traverseVisible(o => {{ "
                                  f"if (o.name.startsWith('layer:')) n++; }}); return n === {panels}; }})()",
                                  timeout=30_000)
    assert client.errors == []
