"""Issue 17, text and legends, in headless Chromium at 1280×800 and the default pixel ratio against the real demo
(`layerwalk serve`): the SDF text is measured on screen (its laid-out box projected to CSS pixels), never
eyeballed; one draw call carries all of it."""

from __future__ import annotations

import json

import pytest
from conftest import open_client

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LEGIBLE_PX = 12


@pytest.fixture()
def demo(browser, real_demo):
    p = open_client(browser, real_demo.url)
    p.page.wait_for_function("!window.__layerwalk.textBusy", timeout=60_000)
    yield p
    p.page.close()


def _on_screen(box) -> bool:
    return box is not None and box["left"] >= 0 and box["right"] <= 1280 and box["top"] >= 0 and box["bottom"] <= 800


def test_text_is_legible_from_where_people_look(demo):
    page = demo.page
    # from the start spot: every classification row (name and probability) and every dataset caption
    rows = demo.lw("L.textBoxes('rows')")
    captions = demo.lw("L.textBoxes('captions', '0')")
    assert len(rows) == 10 and len(captions) == demo.lw("L.ctx.datasetPanels[0].items.length") > 0
    for box in rows + captions:
        assert _on_screen(box) and box["height"] >= LEGIBLE_PX, box
    # from each layer's fly-to spot: its title and its shape line, inside the view
    layers = demo.lw("L.networks.n0.layers")
    assert len(layers) == 62
    small = []
    for lid in layers:
        assert demo.lw(f"L.jumpToLayer({json.dumps(lid)})")
        name, shape = demo.lw(f"L.textBoxes('title', 'n0', {json.dumps(lid)})")
        assert _on_screen(name) and _on_screen(shape), (lid, name, shape)
        small += [(lid, box["text"], round(box["height"], 1)) for box in (name, shape) if box["height"] < LEGIBLE_PX]
    assert not small, small
    # the text is one batched mesh: the scene still costs about one draw call per layer
    page.evaluate("window.__layerwalk.jumpToLayer('input')")
    frame = demo.lw("L.renderer.info.render.frame")
    page.wait_for_function(f"window.__layerwalk.renderer.info.render.frame > {frame}", timeout=30_000)
    stats = demo.lw("L.stats()")
    assert stats["calls"] <= stats["layers"] + 150, stats
    assert demo.lw("L.scene.getObjectByName('world-text').isMesh")
    assert not demo.errors, demo.errors
