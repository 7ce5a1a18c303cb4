"""The attribution method picker (issue 14) and the dataset-examples mode of the panels (issue 22), in headless
Chromium against a real `layerwalk serve --precomputed DIR`.

One server for both: ResNet-18 with random weights saved to a safetensors file (so the precompute and `layerwalk
serve` load the same network and the server finds the run by its weights' hash), the drawn-shapes image folder of
conftest, and a precompute of one layer (k = 9, the library call behind `layerwalk precompute`).
"""

from __future__ import annotations

import io
import json
import struct
import urllib.request

import numpy as np
import pytest
from client_actions import click_at
from conftest import RealServer, api, open_client
from PIL import Image
from test_attribution import changed, panel_pixels, show_layer, wait_drawn
from vr_emulator import IWER_JS, EmulatedQuest, open_vr_client

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAYER = "layer1.0.conv2"  # 64 maps of 56×56
METHOD = "guided_backprop"  # not the default (gradcam); one backward pass, so the run (with its sanity check) is short


@pytest.fixture(scope="module")
def precomputed_server(shapes_folder, tmp_path_factory):
    import torchvision
    from safetensors.torch import save_file

    from layerwalk.engine import Network
    from layerwalk.precompute import PrecomputeParams, precompute

    tmp = tmp_path_factory.mktemp("precomputed")
    weights = tmp / "resnet18.safetensors"
    save_file(torchvision.models.resnet18().state_dict(), weights)
    model = ("--model", "torchvision:resnet18", "--weights", str(weights))
    dataset = ("--dataset", f"imagefolder:{shapes_folder}:all")
    net = Network.from_spec(model[1], weights=weights, dataset=dataset[1])
    precompute(net, net.dataset, tmp / "runs", PrecomputeParams(k=9, layers=(LAYER,), what=("topk", "stats", "crops"),
                                                              batch_size=16), progress=False)
    server = RealServer(*model, *dataset, "--precomputed", str(tmp / "runs")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def page(browser, precomputed_server):
    p = open_client(browser, precomputed_server.url)
    p.page.evaluate("document.getElementById('lw-help').classList.add('lw-hidden')")
    yield p
    p.page.close()


def screen_of(client, world) -> dict:
    assert world is not None
    return client.lw("L.screenOf(new L.camera.position.constructor(...arg))", world)


def parse_maps(body: bytes) -> dict[str, bytes]:
    """Layer id → uint8 data of the binary activation format."""
    (n,) = struct.unpack("<I", body[:4])
    header = json.loads(body[4:4 + n])
    return {layer["id"]: body[4 + n + layer["offset"]:4 + n + layer["offset"] + layer["length"]]
            for layer in header["layers"]}


def checksum(data: bytes) -> int:
    """The client's checksum of a map (attribution-debug.ts)."""
    h, step = 0, max(1, len(data) // 4096)
    for i in range(0, len(data), step):
        h = (h * 31 + data[i]) & 0xFFFFFFFF
    return h


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.read()


def test_method_picker_runs_the_chosen_method_and_the_panels_show_its_maps(page, precomputed_server):
    url = precomputed_server.url
    assert page.lw("L.attribution.picker()")["selected"] == "gradcam"
    page.page.wait_for_function("window.__layerwalk.attribution.picker().methods.length > 0", timeout=30_000)
    names = {m["name"] for m in api(url, "attribution/methods")}
    assert set(page.lw("L.attribution.picker().methods")) == names  # every registered method can be picked
    posted: list[dict] = []
    page.page.on("request", lambda r: r.method == "POST" and r.url.endswith("/attributions")
                 and posted.append(json.loads(r.post_data)))
    before = panel_pixels(page, show_layer(page, LAYER))

    assert page.lw("L.flyToStation()")
    page.page.wait_for_function("!window.__layerwalk.ctx.locomotion.flying", timeout=30_000)
    click_at(page.page, screen_of(page, page.lw(f"L.attribution.methodWorld('{METHOD}')")))
    page.page.wait_for_function(f"(() => {{ const s = window.__layerwalk.attribution.state('n0');"
                                f" return s.result && s.result.method === '{METHOD}' && !s.running; }})()",
                                timeout=120_000)
    page.page.wait_for_function("window.__layerwalk.pendingTasks === 0", timeout=60_000)
    assert [p["method"] for p in posted] == [METHOD]
    assert page.lw("L.attribution.picker()") == {"selected": METHOD, "running": None, "methods": page.lw(
        "L.attribution.picker().methods")}
    state = page.lw("L.attribution.state()")
    assert state["method"] == METHOD and state["mode"] == "attribution"
    title = state["card"]["title"]
    assert title.startswith("Guided Backprop") or METHOD.split("_")[0] in title.lower()

    # the panel holds exactly the server's map of this method for the selected class, and looks different
    key = state["result"]["key"]
    maps = parse_maps(fetch(f"{url}api/networks/n0/attributions/{key}/maps?target={state['target']}"))
    assert page.lw(f"L.attribution.panel('{LAYER}').attrChecksum") == checksum(maps[LAYER])
    shown = panel_pixels(page, show_layer(page, LAYER))
    assert changed(shown, before) > 0.2, changed(shown, before)
    assert page.errors == []


def test_dataset_examples_mode_crops_fan_out_ranking_and_drop(page, precomputed_server):
    url = precomputed_server.url
    box = show_layer(page, LAYER)
    before = panel_pixels(page, box)
    click_at(page.page, page.lw(f"L.cardButtonScreen('{LAYER}', 'examples')"))
    page.page.wait_for_function(f"window.__layerwalk.examples.state('{LAYER}').shown.includes('{LAYER}')",
                                timeout=30_000)
    state = page.lw(f"L.examples.state('{LAYER}')")
    atlas = Image.open(io.BytesIO(fetch(f"{url}api/networks/n0/layers/{LAYER}/topk.png"))).convert("RGB")
    assert (state["crops"]["width"], state["crops"]["height"]) == atlas.size  # the panel wears the run's atlas
    assert page.lw("L.ctx.store.views.get('n0').cards.get(arg).state.examples", LAYER) is True

    # on screen: the crops, laid out like the atlas (closer to it than to the activations shown before)
    wait_drawn(page.page)
    shown = panel_pixels(page, box)
    h, w = shown.shape[:2]
    full_h = round(h * 5 / 4)  # panel_pixels leaves out the bottom fifth of the panel
    expected = np.asarray(atlas.resize((w, full_h), Image.BILINEAR)).astype(np.float32)[:h]
    assert changed(shown, before) > 0.3
    assert np.abs(shown - expected).mean() < 0.6 * np.abs(before - expected).mean()

    # hovering a tile fans out that channel's top-9 with the server's values
    channel = 5
    tile = screen_of(page, page.lw(f"L.examples.tileWorld('{LAYER}', {channel})"))
    page.page.evaluate("document.exitPointerLock()")
    page.page.mouse.move(tile["x"], tile["y"])
    page.page.wait_for_function(
        f"(() => {{ const s = window.__layerwalk.examples.state('{LAYER}'); return s.fanVisible &&"
        f" s.fanOf.channel === {channel} && s.fan.length === 9 && s.fan.every(e => e.loaded); }})()", timeout=30_000)
    rows = api(url, f"networks/n0/layers/{LAYER}/topk?channel={channel}&limit=9")["rows"]
    state = page.lw(f"L.examples.state('{LAYER}')")
    expected = [(r["image"], round(r["value"], 4)) for r in rows]
    assert [(e["image"], round(e["value"], 4)) for e in state["fan"]] == expected
    assert f"channel {channel}" in state["fanTitle"] and state["selectedUniform"] == channel

    # a click on the tile sorts the dataset panel by "most activating for this channel"
    page.page.mouse.click(tile["x"], tile["y"])
    page.page.wait_for_function("window.__layerwalk.ctx.store.datasetPanels[0].ranking !== null", timeout=30_000)
    ranked = page.lw("L.ctx.store.datasetPanels[0].items.map(i => i.index)")
    assert ranked == [r["image"] for r in rows]
    assert f"ch {channel}" in page.lw("L.ctx.store.datasetPanels[0].ranking")

    # pick an example from the fan-out and drop it on the input canvas: the network's input becomes that image
    i = next(k for k, r in enumerate(rows) if r["image"] != 0)  # the server starts on image 0
    version = page.lw("L.networks.n0.version")
    page.lw("(() => { const V = L.camera.position.constructor; const at = new V(...L.examples.fanWorld(4));"
            " L.ctx.locomotion.flyTo(at.clone().add(new V(0, 0, 2.2)), at); })()")  # step back to see the fan
    page.page.wait_for_function("!window.__layerwalk.ctx.locomotion.flying", timeout=30_000)
    click_at(page.page, screen_of(page, page.lw(f"L.examples.fanWorld({i})")))
    assert page.lw("L.carrying") == f"image {rows[i]['image']}"
    assert page.lw("L.flyToStation()")
    page.page.wait_for_function("!window.__layerwalk.ctx.locomotion.flying", timeout=30_000)
    click_at(page.page, page.lw("L.stationScreen('n0')"))
    page.page.wait_for_function(f"window.__layerwalk.networks.n0.version > {version}", timeout=30_000)
    dropped = fetch(f"{url}api/networks/n0/input.png")
    api(url, "networks/n0/input", {"source": "dataset", "dataset": "d0", "index": rows[i]["image"]})
    assert dropped == fetch(f"{url}api/networks/n0/input.png")
    assert page.errors == []


def test_vr_controller_picks_a_method_and_pins_a_channel_s_examples(browser, precomputed_server):
    if not IWER_JS.exists():
        pytest.skip("client/node_modules/iwer missing (cd client && npm install)")
    client = open_vr_client(browser, precomputed_server.url)
    try:
        posted: list[dict] = []
        client.page.on("request", lambda r: r.method == "POST" and r.url.endswith("/attributions")
                       and posted.append(json.loads(r.post_data)))
        quest = EmulatedQuest(client)
        quest.enter()
        client.page.wait_for_function("window.__layerwalk.attribution.picker().methods.length > 0", timeout=30_000)

        def press(world_point, hover_prefix):
            quest.vr("V.placeRig(arg[0], arg[2] + 1.2, 0)", world_point)
            quest.aim("right", world_point)
            quest.wait_hover("right", hover_prefix)
            quest.click("right")

        press(client.lw("L.attribution.methodWorld('saliency')"), "method-picker")
        client.page.wait_for_function("window.__layerwalk.attribution.picker().selected === 'saliency'", timeout=10_000)
        client.page.wait_for_function("window.__layerwalk.attribution.state().running", timeout=30_000)
        assert client.lw("L.attribution.state().method") == "saliency"

        press(quest.vr(f"V.cardButtonWorld('n0', '{LAYER}', 'examples')"), "info-cards")
        client.page.wait_for_function(f"window.__layerwalk.examples.state('{LAYER}').shown.includes('{LAYER}')",
                                      timeout=30_000)
        press(client.lw(f"L.examples.tileWorld('{LAYER}', 3)"), f"layer:{LAYER}")
        client.page.wait_for_function(f"(() => {{ const s = window.__layerwalk.examples.state('{LAYER}');"
                                      " return s.fanVisible && s.fanOf.channel === 3 && s.fan.length === 9; })()",
                                      timeout=30_000)
        # the trigger selected the tile: the dataset panel lists that channel's most activating images
        client.page.wait_for_function("(window.__layerwalk.ctx.store.datasetPanels[0].ranking || '').endsWith('ch 3')",
                                      timeout=30_000)
        assert [p["method"] for p in posted] == ["saliency"]
        assert client.errors == []
    finally:
        client.page.close()
