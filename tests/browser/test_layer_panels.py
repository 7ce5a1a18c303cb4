"""Layer panels in headless Chromium against the fake API: fly-to frames the whole panel with nothing in the way."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.browser


def fly_to(client, lid: str) -> None:
    assert client.lw(f"L.flyToLayer({json.dumps(lid)})")
    client.page.wait_for_function("!window.__layerwalk.ctx.locomotion.flying", timeout=30_000)
    client.page.wait_for_timeout(300)


def visible_panels(client) -> int:
    return client.lw("(() => { let n = 0; L.scene.traverseVisible(o => { if (o.name.startsWith('layer:')) n++; });"
                     " return n; })()")


@pytest.mark.parametrize("lid", ["conv1", "layer1.0.downsample", "layer2.0.conv2", "fc"])
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
    client.page.keyboard.down("KeyS")
    client.page.wait_for_timeout(400)
    client.page.keyboard.up("KeyS")
    client.page.wait_for_timeout(200)
    assert visible_panels(client) == panels
    assert client.errors == []
