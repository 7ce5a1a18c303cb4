"""The occlusion editor and the output legend (issue 15) in real Chromium, desktop and the emulated headset, against
the real app on a small real network (its own server: saving an edit adds an item to the dataset, which the other
tests' shared server must not see)."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from client_actions import click_at, drag, next_frames
from conftest import _real_server, api, classification_text, draw_shapes, open_client, small_network
from PIL import Image
from vr_emulator import IWER_JS, EmulatedQuest, open_vr_client

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SETTLED = ("(() => { const L = window.__layerwalk, s = L.occlusion.state('n0'); "
           "return !s.busy && s.version === L.networks.n0.version && L.pendingTasks === 0; })()")


@pytest.fixture(scope="module")
def occl_server(tmp_path_factory):
    yield from _real_server(*small_network(draw_shapes(tmp_path_factory.mktemp("occl-shapes"))))


@pytest.fixture()
def occl_client(browser, occl_server):
    api(occl_server.url, "networks/n0/input", {"source": "dataset", "dataset": "d0", "index": 9})  # a square
    page = open_client(browser, occl_server.url)
    page.page.evaluate("document.getElementById('lw-help').classList.add('lw-hidden')")  # it covers the tools
    yield page
    page.page.close()


def _settle(client, after_version: int) -> dict:
    """Wait until the editor has an edit newer than `after_version`, none is running and every panel shows it."""
    client.page.wait_for_function(f"window.__layerwalk.occlusion.state('n0').version > {after_version}",
                                  timeout=120_000)
    try:
        client.page.wait_for_function(SETTLED, timeout=120_000)
    except Exception as e:
        state = client.lw("[L.occlusion.state('n0'), L.networks.n0.version, L.pendingTasks]")
        raise AssertionError(f"the edit did not settle: {state}") from e
    return client.lw("L.occlusion.state('n0')")


def _image_region(client, box) -> np.ndarray:
    """The rendered pixels (RGB) of the input image between fractions box = (x0, y0, x1, y1), from a screenshot."""
    next_frames(client.page, 3)
    shot = np.asarray(Image.open(io.BytesIO(client.page.screenshot())).convert("RGB")).astype(np.float32)
    a, b = client.lw("L.occlusion.imageScreen(arg[0], arg[1])", box[:2]), client.lw(
        "L.occlusion.imageScreen(arg[0], arg[1])", box[2:])
    assert a["visible"] and b["visible"]
    return shot[int(a["y"]) + 3:int(b["y"]) - 3, int(a["x"]) + 3:int(b["x"]) - 3]


def test_draw_a_block_undo_and_save_with_the_mouse(occl_client, occl_server):
    client, url = occl_client, occl_server.url
    before = client.lw("L.networks.n0")
    first_layer = before["graphNodes"][1]
    checksum0 = client.lw(f"L.networks.n0.checksum({json.dumps(first_layer)})")
    inner = (0.35, 0.35, 0.65, 0.65)
    shown0 = _image_region(client, inner)

    start = client.lw("L.occlusion.imageScreen(0.25, 0.25)")
    end = client.lw("L.occlusion.imageScreen(0.75, 0.75)")
    drag(client.page, start, end["x"] - start["x"], end["y"] - start["y"])
    state = _settle(client, -1)

    size = state["inputShape"][-1]
    [block] = state["blocks"]
    assert block["fill"] == "black"
    assert block["x"] == pytest.approx(0.25 * size, abs=0.03 * size)
    assert block["w"] == pytest.approx(0.5 * size, abs=0.04 * size)
    assert api(url, "networks/n0/probing")["blocks"] == state["blocks"]  # the server ran this edit
    after = client.lw("L.networks.n0")
    assert after["classificationText"] == classification_text(url) != before["classificationText"]
    assert client.lw(f"L.networks.n0.checksum({json.dumps(first_layer)})") != checksum0  # the first layer changed
    # before/after per class: the rows are the classes after the edit, the changes say by how much
    changes = {c["index"]: c for c in state["changes"]}
    assert all(r["index"] in changes for r in state["rows"])
    assert [r["probability"] for r in state["rows"][:5]] == [changes[r["index"]]["after"] for r in state["rows"][:5]]
    assert any(abs(c["change"]) > 1e-4 for c in changes.values())
    # the block is on the canvas: black where the square's colour was
    shown = _image_region(client, inner)
    assert shown.mean() < 12 and shown0.mean() > shown.mean() + 40, (shown0.mean(), shown.mean())

    # save: the dataset panel counts the new item and shows its page
    total = api(url, "datasets")[0]["size"]
    click_at(client.page, client.lw("L.occlusion.toolScreen('save')"))
    client.page.wait_for_function(f"window.__layerwalk.ctx.store.datasetPanels[0].size === {total + 1}", timeout=30_000)
    client.page.wait_for_function(
        f"window.__layerwalk.ctx.store.datasetPanels[0].items.some(i => i.index === {total})", timeout=30_000)
    assert api(url, "datasets")[0]["size"] == total + 1

    # undo: the un-edited input's classification, and the blocks gone
    version = state["version"]
    click_at(client.page, client.lw("L.occlusion.toolScreen('undo')"))
    state = _settle(client, version)
    assert state["blocks"] == [] and state["changes"] is None
    assert client.lw("L.networks.n0.classificationText") == before["classificationText"] == classification_text(url)
    assert client.lw(f"L.networks.n0.checksum({json.dumps(first_layer)})") == checksum0
    assert client.errors == []


def test_a_second_client_follows_the_edit_and_blocks_outside_are_clipped(browser, occl_client, occl_server):
    other = open_client(browser, occl_server.url)
    try:
        version = occl_client.lw("L.occlusion.state('n0').version")
        occl_client.page.evaluate("window.__layerwalk.occlusion.apply([{x: -40, y: 10, w: 80, h: 30, fill: 'mean'},"
                                  " {x: 500, y: 500, w: 9, h: 9, fill: 'black'}])")
        state = _settle(occl_client, version)
        assert state["blocks"] == [{"x": 0, "y": 10, "w": 40, "h": 30, "fill": "mean"}]  # clipped, the 2nd dropped
        other.page.wait_for_function(f"window.__layerwalk.occlusion.state('n0').version === {state['version']}",
                                     timeout=30_000)
        other.page.wait_for_function(SETTLED, timeout=60_000)
        seen = other.lw("L.occlusion.state('n0')")
        assert seen["blocks"] == state["blocks"] and seen["changes"] == state["changes"]
        assert other.lw("L.networks.n0.classificationText") == occl_client.lw("L.networks.n0.classificationText")
        # a new input ends the edit in every client
        api(occl_server.url, "networks/n0/input", {"source": "dataset", "dataset": "d0", "index": 2})
        other.page.wait_for_function("window.__layerwalk.occlusion.state('n0').blocks.length === 0", timeout=30_000)
        assert other.errors == []
    finally:
        other.page.close()


def test_the_output_legend_chooses_the_class(occl_client, occl_server):
    client = occl_client
    # stand 1.6 m in front of the legend (it faces +z like the output panel beside it)
    client.page.evaluate("""() => { const L = window.__layerwalk, o = L.scene.getObjectByName('output-legend');
        const p = o.getWorldPosition(L.camera.position.clone());
        L.camera.position.set(p.x, p.y, p.z + 1.6); L.camera.lookAt(p); L.ctx.locomotion.syncFromCamera(); }""")
    next_frames(client.page, 3)
    predictions = api(occl_server.url, "networks/n0/classification?top=5")["predictions"]
    legend = client.lw("L.occlusion.legend('n0')")
    assert legend["rows"] == [p["index"] for p in predictions]
    assert legend["names"] == [p["name"] for p in predictions]
    click_at(client.page, client.lw("L.occlusion.legendScreen(2)"))
    chosen = predictions[2]["index"]
    client.page.wait_for_function(f"window.__layerwalk.occlusion.legend('n0').chosenClass === {chosen}", timeout=10_000)
    client.page.wait_for_function(f"window.__layerwalk.attribution.state('n0').target === {chosen}", timeout=60_000)
    next_frames(client.page, 3)
    assert client.lw("L.occlusion.legend('n0').chosen") == chosen
    assert client.errors == []


def test_trigger_drag_draws_a_block_in_vr(browser, occl_server):
    if not IWER_JS.exists():
        pytest.skip("client/node_modules/iwer missing (cd client && npm install)")
    api(occl_server.url, "networks/n0/input", {"source": "dataset", "dataset": "d0", "index": 9})
    client = open_vr_client(browser, occl_server.url)
    try:
        quest = EmulatedQuest(client)
        quest.enter()
        before = client.lw("L.networks.n0.classificationText")
        quest.aim("right", client.lw("L.occlusion.imageWorld(0.2, 0.3)"))
        quest.wait_hover("right", "input-station")
        quest.button("right", "trigger", 1)
        for k in range(1, 7):  # the ray sweeps to the opposite corner while the trigger is held
            f = 0.2 + 0.4 * k / 6, 0.3 + 0.4 * k / 6
            quest.aim("right", client.lw("L.occlusion.imageWorld(arg[0], arg[1])", list(f)))
        quest.button("right", "trigger", 0)
        state = _settle(client, -1)
        size = state["inputShape"][-1]
        [block] = state["blocks"]
        assert block["x"] == pytest.approx(0.2 * size, abs=0.04 * size)
        assert block["y"] == pytest.approx(0.3 * size, abs=0.04 * size)
        assert block["w"] == pytest.approx(0.4 * size, abs=0.05 * size)
        assert api(occl_server.url, "networks/n0/probing")["blocks"] == state["blocks"]
        assert client.lw("L.networks.n0.classificationText") == classification_text(occl_server.url) != before
        assert client.errors == []
    finally:
        client.page.close()
