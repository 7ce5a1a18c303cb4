"""The 3D client in headless Chromium against a REAL `layerwalk serve` (demo model and ResNet50): loads without
console errors, renders, every layer is in the scene, pick-and-drop and upload change the classification and the
first layer's texture, draw calls stay within budget."""

from __future__ import annotations

import io
import json
import urllib.request

import pytest
from client_actions import click_at, pick_and_drop
from conftest import open_client
from PIL import Image
from test_client import _drop_file, screenshot_stats

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _post_input(url: str, body: dict) -> dict:
    req = urllib.request.Request(url + "api/networks/n0/input", method="POST", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(req, timeout=60).read())


@pytest.fixture()
def demo(browser, real_demo):
    p = open_client(browser, real_demo.url)
    yield p
    p.page.close()


def wait_camera_still(page, timeout=30_000) -> None:
    """Wait until a fly-to is over (frames are slow in software GL while the server computes)."""
    page.wait_for_function("!window.__layerwalk.ctx.locomotion.flying", timeout=timeout)


def first_layer(client) -> str:
    return client.lw("L.networks.n0.graphNodes")[1]


def test_demo_loads_without_console_errors_and_renders(demo):
    std, colours = screenshot_stats(demo.page, "real-demo-start")
    assert demo.errors == []
    assert std > 15 and colours > 200, f"canvas looks blank (std {std:.1f}, {colours} colours)"
    assert demo.lw("L.bannerVisible") is False
    net = demo.lw("L.networks.n0")
    assert net["name"].startswith("EfficientNet-Lite0")
    assert "%" in net["classificationText"]


def test_demo_every_layer_is_in_the_scene_graph(demo):
    net = demo.lw("L.networks.n0")
    assert net["missing"] == [] and set(net["layers"]) == set(net["graphNodes"]) - _markers(demo)
    names = demo.lw("(() => { const s = new Set(); L.scene.traverse(o => s.add(o.name)); return [...s]; })()")
    assert all(f"layer:{lid}" in names for lid in net["layers"])
    stats = demo.lw("L.stats()")
    assert stats["panels"] == stats["layers"] == len(net["layers"])
    assert stats["calls"] <= stats["layers"] + 100, stats


def _markers(client) -> set[str]:
    return set(client.lw("L.ctx.store.views.get('n0').graph.nodes.filter(n => n.kind === 'marker').map(n => n.id)"))


def test_demo_pick_dataset_image_and_drop_on_input(demo, real_demo):
    # start from chelsea the cat, set elsewhere: the client follows the server's event stream
    version = demo.lw("L.networks.n0.version")
    _post_input(real_demo.url, {"source": "dataset", "dataset": "d0", "index": 0})
    demo.page.wait_for_function(f"window.__layerwalk.networks.n0.version > {version}", timeout=30_000)
    demo.page.wait_for_function("window.__layerwalk.pendingTasks === 0 && "
                                "window.__layerwalk.networks.n0.classificationText.includes('cat')", timeout=60_000)
    lid = first_layer(demo)
    texture = demo.lw(f"L.networks.n0.checksum({json.dumps(lid)})")
    before, after = pick_and_drop(demo, 1, "coffee")
    assert after["classificationText"] != before["classificationText"]
    assert "espresso" in after["classificationText"] or "cup" in after["classificationText"]
    assert demo.lw(f"L.networks.n0.checksum({json.dumps(lid)})") != texture
    assert demo.lw("L.carrying") is None
    assert demo.lw("L.lastUpdateMs") > 0
    assert demo.errors == []


def test_demo_upload_image_file(demo):
    version = demo.lw("L.networks.n0.version")
    lid = first_layer(demo)
    texture = demo.lw(f"L.networks.n0.checksum({json.dumps(lid)})")
    buf = io.BytesIO()
    img = Image.new("RGB", (96, 64), (250, 20, 120))
    img.paste((20, 200, 40), (0, 0, 48, 32))
    img.save(buf, "PNG")
    _drop_file(demo.page, "pink.png", buf.getvalue(), "image/png")
    demo.page.wait_for_function(f"window.__layerwalk.networks.n0.version > {version}", timeout=30_000)
    demo.page.wait_for_function("window.__layerwalk.pendingTasks === 0", timeout=60_000)
    assert "pink.png" in demo.page.inner_text("#lw-toasts")
    assert demo.lw(f"L.networks.n0.checksum({json.dumps(lid)})") != texture
    assert demo.errors == []


def test_demo_non_image_file_changes_nothing(demo, real_demo):
    version = demo.lw("L.networks.n0.version")
    demo.errors.clear()
    _drop_file(demo.page, "notes.txt", b"not an image", "text/plain")
    demo.page.wait_for_function("document.querySelector('#lw-toasts').innerText.includes('notes.txt')", timeout=10_000)
    # the toast shows the server's refusal: the server kept its input, so no input event can follow
    networks = json.loads(urllib.request.urlopen(real_demo.url + "api/networks", timeout=30).read())
    assert networks[0]["version"] == version
    assert demo.lw("L.networks.n0.version") == version


def test_resnet50_scene_has_every_layer_within_draw_budget(browser, real_resnet50):
    client = open_client(browser, real_resnet50.url)
    try:
        net = client.lw("L.networks.n0")
        assert net["missing"] == [] and set(net["layers"]) == set(net["graphNodes"]) - _markers(client)
        assert len(net["layers"]) >= 70  # conv→bn→relu folded: stem, 16 bottlenecks, pool, fc, output
        stats = client.lw("L.stats()")
        assert stats["panels"] == stats["layers"]
        assert stats["calls"] <= stats["layers"] + 100, stats
        assert client.lw("L.flyToLayer('layer3.0')")
        wait_camera_still(client.page)
        frame = client.lw("L.renderer.info.render.frame")
        client.page.wait_for_function(f"window.__layerwalk.renderer.info.render.frame > {frame}", timeout=30_000)
        stats = client.lw("L.stats()")
        assert stats["calls"] <= stats["layers"] + 100, stats
        std, _ = screenshot_stats(client.page, "real-resnet50-layer3")
        assert std > 10
        assert client.errors == []
    finally:
        client.page.close()


def test_demo_featurevis_panel_pick_and_drop(demo, real_demo):
    lid = first_layer(demo)
    channels = demo.page.evaluate("(lid) => window.__layerwalk.startFeatureVis(lid, {channels: [0, 1, 2, 3], "
                                  "steps: 5})",
                                  lid)
    assert channels == [0, 1, 2, 3]
    names = demo.lw("(() => { const s = []; L.scene.traverse(o => s.push(o.name)); return s; })()")
    assert names.count(f"featurevis:{lid}") == 1
    assert demo.lw(f"L.flyToFeatureVis({json.dumps(lid)})")
    wait_camera_still(demo.page)
    screenshot_stats(demo.page, "real-demo-featurevis")
    click_at(demo.page, demo.lw(f"L.featureVisScreen({json.dumps(lid)}, 2)"))
    assert demo.lw("L.carrying") == f"{lid} #2"
    version = demo.lw("L.networks.n0.version")
    demo.lw("L.flyToStation()")
    wait_camera_still(demo.page)
    click_at(demo.page, demo.lw("L.stationScreen('n0')"))
    demo.page.wait_for_function(f"window.__layerwalk.networks.n0.version > {version}", timeout=30_000)
    source = json.loads(urllib.request.urlopen(real_demo.url + "api/networks", timeout=30).read())[0]
    assert demo.errors == []
    assert source["version"] > version
