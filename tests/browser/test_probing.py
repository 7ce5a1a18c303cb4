"""Activity flow, feeders, ablation and the filter view (issue 15) in headless Chromium against the real app
(`layerwalk serve` with ResNet-18 on the drawn shapes, conftest.server), desktop and the emulated Quest: a clicked
tile's flow frames the server's exact top channels in every later layer and draws its routes as one LineSegments,
the preview comes first, a second client follows; switching channels off changes the classification and a reset
restores it; the filter view of the first layer shows its weights; the VR trigger selects a tile."""

from __future__ import annotations

import json
import struct
import urllib.request

import numpy as np
import pytest
from client_actions import click_at, next_frames
from conftest import api, classification_text, open_client, wait_until
from vr_emulator import IWER_JS, EmulatedQuest, open_vr_client

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAYER, CHANNEL = "layer2.0.conv1", 5
TOP = 8


def request(url: str, path: str, method: str, body: dict | None = None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + "api/" + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.read()


@pytest.fixture()
def probe(server, client):
    client.page.evaluate("document.getElementById('lw-help').classList.add('lw-hidden')")
    # the session's server keeps whatever input the tests before set (a canvas edit, a plain image…), on which the
    # chosen channel can be dead: start from the first dataset item, and let the page show it
    dataset = json.loads(request(server.url, "datasets", "GET"))[0]["id"]
    request(server.url, "networks/n0/probing/ablation", "DELETE")  # an earlier test's ablation would zero the flow
    version = json.loads(request(server.url, "networks/n0/input", "POST",
                                 {"source": "dataset", "dataset": dataset, "index": 0}))["version"]
    client.page.wait_for_function(f"window.__layerwalk.networks.n0.version >= {version}", timeout=60_000)
    client.page.wait_for_function("window.__layerwalk.pendingTasks === 0", timeout=60_000)
    yield client
    request(server.url, "networks/n0/probing/ablation", "DELETE")  # the session's server outlives this test
    request(server.url, "networks/n0/analysis/selection", "PUT", {"origin": "test"})


def P(client, expr: str, arg=None):
    return client.lw(f"(P => {expr})(L.probing)", arg)


def fly_to(client, layer: str) -> None:
    assert client.lw(f"L.flyToLayer({json.dumps(layer)})")
    client.page.wait_for_function("!window.__layerwalk.ctx.locomotion.flying", timeout=30_000)
    next_frames(client.page, 3)


def click_toolbar(client, button: str) -> None:
    """Click a button of the probing toolbar (under the method picker, right of the input canvas)."""
    assert client.lw("L.flyToStation()")
    client.page.wait_for_function("!window.__layerwalk.ctx.locomotion.flying", timeout=30_000)
    next_frames(client.page, 3)
    click_at(client.page, P(client, f"P.buttonScreen('{button}')"))


def wait_shown(client, key: str, timeout=60_000) -> None:
    client.page.wait_for_function("([k]) => window.__layerwalk.probing.state()?.shown === k", arg=[key],
                                  timeout=timeout)


def server_top(url: str, layer: str, channel: int) -> dict[str, tuple[set[int], float]]:
    """The server's exact flow, ranked here: per later layer the channels with the TOP largest |score| (and the
    smallest |score| among them, so ties at the cut are allowed)."""
    flow = json.loads(request(url, "networks/n0/probing/flow", "POST",
                              {"layer": layer, "channel": channel, "scores": True}))
    out = {}
    for f in flow["layers"]:
        s = np.abs(np.array(f["scores"]))
        order = np.argsort(-s, kind="stable")[:TOP]
        order = [int(c) for c in order if s[c] > 0]
        if order:
            out[f["id"]] = (set(order), float(s[order[-1]]), s)
    return out


def test_a_selected_tiles_flow_frames_the_exact_top_channels_and_draws_its_routes(probe, browser, server):
    other = open_client(browser, server.url)  # a second client follows through the event stream
    try:
        probe.page.keyboard.press("KeyP")  # off → flow
        assert P(probe, "P.state().mode") == "flow"
        fly_to(probe, LAYER)
        # record what is shown, frame by frame: the preview must come before the exact flow
        probe.page.evaluate("""() => { window.__seen = []; const f = () => { const s = window.__layerwalk.probing
            .state()?.shown; if (s && window.__seen.at(-1) !== s) window.__seen.push(s); requestAnimationFrame(f); };
            f(); }""")
        click_at(probe.page, P(probe, f"P.tileScreen({json.dumps(LAYER)}, {CHANNEL})"))
        wait_shown(probe, f"flow/{LAYER}/{CHANNEL}/ablation")
        seen = probe.page.evaluate("window.__seen")
        assert seen == [f"flow/{LAYER}/{CHANNEL}/gradient", f"flow/{LAYER}/{CHANNEL}/ablation"], seen

        state = P(probe, "P.state()")
        exact = server_top(server.url, LAYER, CHANNEL)
        assert set(state["highlighted"]) == set(exact)
        assert len(exact) > 20  # every later layer of ResNet-18, through the adds, to fc
        for lid, channels in state["highlighted"].items():
            top, cut, scores = exact[lid]
            assert len(channels) == len(top), lid
            assert all(scores[c] >= cut - 1e-6 for c in channels), (lid, channels, top)
        routes = sum(min(3, len(c)) for c in state["highlighted"].values())
        assert state["segments"] == routes
        scene = probe.lw("""(() => { const n = {}; L.scene.traverse(o => { const k = o.name.split(':')[0];
            if (['flow-lines', 'flow-frames'].includes(k) && o.visible) n[k] = (n[k] || 0) + 1; }); return n; })()""")
        assert scene == {"flow-lines": 1, "flow-frames": len(exact)}  # all routes in ONE LineSegments
        flow = api(server.url, "networks/n0/probing/flow")
        assert [c["name"] for c in state["card"]["supported"]] == [c["name"] for c in flow["supported"]]
        assert state["card"]["status"].startswith("exact, by ablation")

        wait_shown(other, f"flow/{LAYER}/{CHANNEL}/ablation")
        assert P(other, "P.state().highlighted") == state["highlighted"]

        probe.page.keyboard.press("KeyP")  # flow → feeders
        click_at(probe.page, P(probe, f"P.tileScreen({json.dumps(LAYER)}, {CHANNEL})"))
        wait_shown(probe, f"feeders/{LAYER}/{CHANNEL}/ablation")
        feeders = api(server.url, "networks/n0/probing/feeders")
        highlighted = P(probe, "P.state().highlighted")
        assert {(lid, c) for lid, cs in highlighted.items() for c in cs} == \
            {(t["layer"], t["channel"]) for t in feeders["top"] if t["score"] != 0}
        assert P(probe, "P.state().segments") == sum(len(c) for c in highlighted.values())
        assert probe.errors == [] and other.errors == []
    finally:
        other.page.close()


def test_switching_channels_off_changes_the_classification_and_reset_restores_it(probe, server):
    before = probe.lw("L.networks.n0")
    click_toolbar(probe, "ablate")
    assert P(probe, "P.state().mode") == "ablate"
    fly_to(probe, "conv1")
    click_at(probe.page, P(probe, "P.tileScreen('conv1', 3)"))
    probe.page.wait_for_function("window.__layerwalk.probing.state().ablatedFrames.conv1?.length === 1")
    assert api(server.url, "networks/n0/probing")["ablation"] == {"conv1": [3]}
    # a range: every filter of the layer selected (as a ranking chart's range would), then X switches them off
    request(server.url, "networks/n0/analysis/selection", "PUT",
            {"layer": "conv1", "filters": list(range(64)), "origin": "test"})
    probe.page.wait_for_function("window.__layerwalk.charts.state().selection.filters.length === 64")
    probe.page.keyboard.press("KeyX")
    probe.page.wait_for_function("window.__layerwalk.probing.state().ablatedFrames.conv1?.length === 64")
    probe.page.wait_for_function(f"window.__layerwalk.networks.n0.version > {before['version'] + 1}", timeout=30_000)
    probe.page.wait_for_function("window.__layerwalk.pendingTasks === 0", timeout=60_000)
    wait_until(lambda: probe.lw("L.networks.n0.classificationText") == classification_text(server.url))
    ablated = probe.lw("L.networks.n0")
    assert ablated["classificationText"] != before["classificationText"]
    probe.page.keyboard.press("Shift+KeyX")
    probe.page.wait_for_function("Object.keys(window.__layerwalk.probing.state().ablatedFrames).length === 0")
    wait_until(lambda: probe.lw("L.networks.n0.classificationText") == before["classificationText"])
    assert api(server.url, "networks/n0/probing")["ablation"] == {}
    request(server.url, "networks/n0/analysis/selection", "PUT", {"origin": "test"})
    assert probe.errors == []


def decode_weights(url: str, layer: str) -> np.ndarray:
    payload = request(url, f"networks/n0/layers/{layer}/weights", "GET")
    (n,) = struct.unpack_from("<I", payload)
    header = json.loads(payload[4:4 + n])
    w = next(e for e in header["layers"] if e["id"] == "weight")
    q = np.frombuffer(payload, np.uint8, w["length"], 4 + n + w["offset"]).reshape(w["shape"])
    return w["vmin"] + q.astype(float) * (w["vmax"] - w["vmin"]) / 255


def test_the_filter_view_of_the_first_layer_shows_its_weights(probe, server):
    click_toolbar(probe, "filters")
    fly_to(probe, "conv1")
    calls = probe.lw("L.stats().calls")
    click_at(probe.page, P(probe, "P.tileScreen('conv1', 0)"))
    probe.page.wait_for_function("window.__layerwalk.probing.filters('conv1')?.strip", timeout=30_000)
    shown = P(probe, "P.filters('conv1')")
    assert shown["view"] == "rgb"
    assert shown["strip"] == {"layer": "conv1", "channel": 0, "bias": 0, "batchNorm": True}  # conv1 · bn1 · relu
    weights = decode_weights(server.url, "conv1")  # (64, 3, 7, 7)
    m = np.abs(weights).max()
    for c in (0, 17, 63):
        cell = P(probe, f"P.filters('conv1').cellPixels({c})")
        img = np.array(cell["data"], np.float64).reshape(cell["height"], cell["width"], 4)
        s = min(cell["width"], cell["height"]) / 7
        ox, oy = (cell["width"] - 7 * s) / 2, (cell["height"] - 7 * s) / 2
        for y in range(7):
            for x in range(7):
                px = img[int(oy + (y + 0.5) * s), int(ox + (x + 0.5) * s), :3]
                expected = 255 * (0.5 + weights[c, :, y, x] / (2 * m))
                assert np.abs(px - expected).max() <= 2.5, (c, y, x, px, expected)
    next_frames(probe.page, 3)
    assert probe.lw("L.stats().calls") >= calls + 2  # the kernels' quad and the convolution strip are drawn
    assert P(probe, "P.toggleFilters('conv1')") == "kernels"
    assert P(probe, "P.toggleFilters('conv1')") == "norms"
    assert P(probe, "P.toggleFilters('conv1')") == "maps"
    assert P(probe, "P.filters('conv1')") is None
    assert probe.errors == []


def test_the_vr_trigger_selects_a_tile_and_shows_its_flow(browser, server):
    if not IWER_JS.exists():
        pytest.skip("client/node_modules/iwer missing (cd client && npm install)")
    client = open_vr_client(browser, server.url)
    try:
        q = EmulatedQuest(client)
        q.enter()
        q.aim("right", P(client, "P.buttonWorld('flow')"))
        q.wait_hover("right", "probe-toolbar")
        q.click("right")
        assert P(client, "P.state().mode") == "flow"
        # from the station the input panel stands between the hand and conv1 (the wrapped layout): fly to the layer,
        # which in VR stands the user in front of it on the next XR frame
        assert client.lw("L.flyToLayer('conv1')") is True
        q.wait("!window.__layerwalk.ctx.locomotion.flying")
        q.aim("right", P(client, "P.tileWorld('conv1', 2)"))
        q.wait_hover("right", "layer:conv1")
        q.click("right")
        client.page.wait_for_function("window.__layerwalk.probing.state()?.shown?.startsWith('flow/conv1/2/')",
                                      timeout=60_000)  # the preview or already the exact flow
        state = P(client, "P.state()")
        assert state["segments"] > 0 and len(state["highlighted"]) > 20
        assert client.errors == []
    finally:
        client.page.close()
