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
    assert len(rows) == 10 and len(captions) == demo.lw("L.ctx.store.datasetPanels[0].items.length") > 0
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
    _text_costs_nothing_per_still_frame(demo)
    assert not demo.errors, demo.errors


def _text_costs_nothing_per_still_frame(demo):
    """All glyphs of all labels are one plain triangle list (software GL pays per instanced quad), and frames in
    which no label changed leave the labels' data texture alone (troika rewrites and re-uploads it every frame)."""
    text = "L.scene.getObjectByName('world-text')"
    glyphs = demo.lw("[...L.ctx.texts.labels].reduce((n, t) => n + (t.textRenderInfo ? "
                     "t.textRenderInfo.glyphAtlasIndices.length : 0), 0)")
    assert glyphs > 1000
    assert not demo.lw(f"{text}.geometry.isInstancedBufferGeometry")
    assert demo.lw(f"{text}.geometry.index.count") == 6 * glyphs
    data = f"{text}.material.uniforms.uTroikaMatricesTexture.value.version"
    demo.lw("L.ctx.gate.continuous = true")
    frame, version = demo.lw("L.renderer.info.render.frame"), demo.lw(data)
    demo.page.wait_for_function(f"window.__layerwalk.renderer.info.render.frame > {frame + 10}", timeout=60_000)
    demo.lw("L.ctx.gate.continuous = false")
    assert demo.lw(data) == version


def test_magnifier_shows_the_layers_colour_bar_and_no_stale_tooltip(demo):
    page = demo.page
    # a layer of maps with values of both signs (a projection conv: no activation after it)
    lid = demo.lw("[...L.ctx.store.views.get('n0').panels.values()].find((p) => p.current && p.current.vmin < 0 && "
                  "p.current.vmax > 0 && p.node.shape.length === 3).node.id")
    demo.lw(f"L.jumpToLayer({json.dumps(lid)})")
    box = demo.lw(f"L.panelScreenBox({json.dumps(lid)})")
    w, h = box["right"] - box["left"], box["bottom"] - box["top"]
    for f in (0.06, 0.1, 0.14, 0.2, 0.26):  # a map, not the gap between maps: its channel shows on hover
        x, y = box["left"] + f * w, box["top"] + f * h
        page.mouse.move(x, y)
        page.wait_for_function("!document.getElementById('lw-tooltip').hidden", timeout=20_000)
        demo.lw("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
        if "channel" in page.inner_text("#lw-tooltip"):
            break
    assert "channel" in page.inner_text("#lw-tooltip")
    page.mouse.click(x, y)
    page.wait_for_function("!document.getElementById('lw-magnifier').hidden", timeout=20_000)
    page.mouse.move(x + 3, y + 3)  # still over the panel, behind the magnifier
    demo.lw("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert page.evaluate("document.getElementById('lw-tooltip').hidden")
    # the legend's range is the layer's (as the server sent it); zero sits at the layer's zero level
    current = demo.lw(f"(({{vmin, vmax, zero_level}}) => ({{vmin, vmax, zero_level}}))"
                      f"(L.ctx.store.views.get('n0').panels.get({json.dumps(lid)}).current)")
    legend = page.evaluate("({...document.querySelector('.lw-mag-legend').dataset})")
    assert float(legend["min"]) == pytest.approx(current["vmin"])
    assert float(legend["max"]) == pytest.approx(current["vmax"])
    assert float(legend["zeroAt"]) == pytest.approx(current["zero_level"] / 255)
    texts = page.evaluate("[...document.querySelectorAll('.lw-mag-legend span')].map((s) => s.textContent)")
    assert len(texts) == 2 and float(texts[0]) == pytest.approx(current["vmin"], rel=0.01)
    # exact colours: the bar's ends are the colormap's full blue and pure white, its pivot black (under the tick)
    px = page.evaluate("""(zeroAt) => {
      const c = document.querySelector('.lw-colorbar'); const g = c.getContext('2d');
      const at = (x) => [...g.getImageData(Math.round(x), 7, 1, 1).data].slice(0, 3);
      return { left: at(0), right: at(c.width - 1), nearZero: at(zeroAt * c.width + 3) };
    }""", float(legend["zeroAt"]))
    assert px["right"] == [255, 255, 255] and px["left"] == [64, 133, 255], px
    assert max(px["nearZero"]) < 40, px
    page.keyboard.press("Escape")
