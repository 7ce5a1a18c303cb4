"""Issue 17, feedback, in headless Chromium against the real app: loading states while thumbnails and activations
are on their way (the requests are held back, the canvases' pixels read), the standing notice for a network with
random weights, and error toasts that name a network by its name."""

from __future__ import annotations

import json

import pytest
from conftest import api, open_client

pytestmark = pytest.mark.browser

# canvas pixels (the panels' 2D canvases): how many are bright inside a box; text drawn there makes some bright
BRIGHT_JS = """([canvas, x, y, w, h]) => { const d = canvas.getContext('2d').getImageData(x, y, w, h).data;
  let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 360) n++; return n; }"""
PIXELS_JS = """([canvas, x, y, w, h]) => Array.from(canvas.getContext('2d').getImageData(x, y, w, h).data)"""
DATASET = "L.ctx.datasetPanels[0]"
STATION = "L.ctx.views.get('n0').station"
# first thumbnail's square on the dataset canvas (dataset-panel.ts: cells of 1024/6 px, thumbnails 132 px, grid at 64)
THUMB0 = [(1024 / 6 - 132) / 2, 64, 132, 132]
# the loading band across the middle of the station's image (input-station.ts: 512 px wide, image from y = 368)
BAND = [0, 368 + 256 - 36, 512, 72]


def _lw(page, expr: str):
    return page.evaluate(f"() => {{ const L = window.__layerwalk; return {expr}; }}")


def _canvas(page, obj: str, box, js=BRIGHT_JS):
    """`js` over a box of the 2D canvas that a panel (`obj`: an expression of L) shows"""
    return page.evaluate(f"(box) => {{ const L = window.__layerwalk; "
                         f"return ({js})([{obj}.object.material.uniforms.map.value.image, ...box]); }}", box)


def test_thumbnails_and_activations_show_that_they_are_loading(browser, server):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    held = []
    page.route("**/items/*/image", lambda r: held.append(r))  # held back until released below
    page.route("**/networks/n0/activations", lambda r: held.append(r))
    try:
        page.goto(server.url + "?aa=0")
        page.wait_for_function(f"(() => {{ const L = window.__layerwalk; return L && L.flags.sceneReady && "
                               f"{DATASET} && {DATASET}.items.length > 0 && {STATION}.loading; }})()", timeout=120_000)
        page.wait_for_timeout(300)  # a few frames: the canvases are painted
        shown = _lw(page, f"{DATASET}.items.length")
        assert _lw(page, f"{DATASET}.loading") == shown > 0
        assert _canvas(page, DATASET, THUMB0) > 40  # "loading…" in the empty square (it was plain dark before)
        assert _lw(page, f"{STATION}.loading") == "loading activations…"
        assert _canvas(page, STATION, BAND) > 200
        before = _canvas(page, DATASET, THUMB0, PIXELS_JS)

        for route in held:
            route.continue_()
        page.unroute("**/items/*/image")
        page.unroute("**/networks/n0/activations")
        page.wait_for_function("window.__layerwalk.flags.activationsReady", timeout=120_000)
        page.wait_for_function(f"(() => {{ const L = window.__layerwalk; return {DATASET}.loading === 0 && "
                               f"{STATION}.loading === null; }})()", timeout=60_000)
        page.wait_for_timeout(300)
        after = _canvas(page, DATASET, THUMB0, PIXELS_JS)
        assert sum(abs(a - b) for a, b in zip(before, after)) / len(after) > 10  # the image replaced the note
        assert _canvas(page, STATION, BAND) != 0  # the input image, no longer the band
    finally:
        page.close()


def test_random_weights_get_a_standing_notice(client, server):
    info = api(server.url, "networks")[0]
    assert info["random_weights"] == "every layer"  # ResNet-18 without the torch hub cache
    notice = client.page.locator("#lw-weights")
    assert notice.is_visible()
    text = notice.inner_text()
    assert info["name"] in text and "random weights (every layer)" in text and "--weights" in text
    box = notice.bounding_box()
    for other in (".lw-search", ".lw-tree-open", ".lw-help"):
        o = client.page.locator(other).bounding_box()
        assert o and (box["x"] + box["width"] <= o["x"] or o["x"] + o["width"] <= box["x"]
                      or box["y"] + box["height"] <= o["y"] or o["y"] + o["height"] <= box["y"]), (other, box, o)
    client.page.click(".lw-weights-close")
    assert client.page.locator("#lw-weights").count() == 0


@pytest.mark.slow
def test_a_trained_network_has_no_notice(browser, real_demo):
    demo = open_client(browser, real_demo.url)
    try:
        assert api(real_demo.url, "networks")[0]["random_weights"] is None
        assert demo.page.locator("#lw-weights").count() == 0
    finally:
        demo.page.close()


def test_error_toasts_name_the_network(client, server):
    name = api(server.url, "networks")[0]["name"]
    body = json.dumps({"error": "internal", "detail": "the test broke it on purpose"})
    client.page.route("**/networks/n0/classification*",
                      lambda r: r.fulfill(status=500, content_type="application/json", body=body))
    api(server.url, "networks/n0/input", {"source": "dataset", "dataset": "d0", "index": 1})  # → event → reload
    toast = client.page.locator(".lw-toast-error", has_text="the test broke it on purpose")
    toast.wait_for(timeout=60_000)
    assert toast.inner_text().startswith(f"Could not load the classification of {name}:"), toast.inner_text()
    assert "n0" not in toast.inner_text()
