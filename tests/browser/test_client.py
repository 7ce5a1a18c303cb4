"""The 3D client in headless Chromium against the fake API (or LAYERWALK_URL): loads, renders, every layer is
in the scene, pick-and-drop and file upload update the network, draw calls stay within budget."""

from __future__ import annotations

import base64
import io
import json
import urllib.request

import numpy as np
import pytest
from PIL import Image

from client_actions import pick_and_drop
from conftest import open_client

pytestmark = pytest.mark.browser

SHOTS = __import__("pathlib").Path(__file__).resolve().parents[2] / "out" / "screenshots"


def screenshot_stats(page, name: str):
    SHOTS.mkdir(parents=True, exist_ok=True)
    png = page.screenshot(path=str(SHOTS / f"{name}.png"))
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(np.float32)
    colours = len(np.unique(img.reshape(-1, 3)[::7].astype(np.uint8), axis=0))
    return float(img.std()), colours


def test_loads_without_console_errors_and_renders(client):
    std, colours = screenshot_stats(client.page, "start")
    assert client.errors == []
    assert std > 15 and colours > 200, f"canvas looks blank (std {std:.1f}, {colours} colours)"
    assert client.lw("L.bannerVisible") is False


def test_every_layer_is_in_the_scene_graph(client):
    nets = client.lw("L.networks")
    for net in nets.values():
        assert net["missing"] == []
        assert set(net["layers"]) == set(net["graphNodes"])
        names = client.lw("(() => { const s = new Set(); L.scene.traverse(o => s.add(o.name)); return [...s]; })()")
        for lid in net["graphNodes"]:
            assert f"layer:{lid}" in names


def test_draw_calls_within_budget(client):
    stats = client.lw("L.stats()")
    assert stats["panels"] == stats["layers"] >= 100
    assert stats["calls"] <= stats["layers"] + 100, stats
    # also from the middle of the network, looking down the conveyor
    assert client.lw("L.flyToLayer('layer3.0.conv1')")
    client.page.wait_for_timeout(2000)
    stats = client.lw("L.stats()")
    assert stats["calls"] <= stats["layers"] + 100, stats
    screenshot_stats(client.page, "layer3")


def test_pick_dataset_image_and_drop_on_input(client):
    conv1 = client.lw("L.networks.n0.checksum('conv1')")
    before, after = pick_and_drop(client, 2, "triangle")  # item 2 is a triangle; the start input is a circle
    assert after["classificationText"] != before["classificationText"]
    assert after["classificationText"].startswith("triangle")
    assert client.lw("L.networks.n0.checksum('conv1')") != conv1
    assert client.lw("L.carrying") is None
    assert client.lw("L.lastUpdateMs") > 0
    assert client.errors == []
    screenshot_stats(client.page, "after-drop")


def _drop_file(page, name: str, data: bytes, mime: str):
    page.evaluate("""([name, b64, mime]) => {
        const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], name, { type: mime }));
        window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }""", [name, base64.b64encode(data).decode(), mime])


def test_upload_image_file(client):
    version = client.lw("L.networks.n0.version")
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (250, 20, 120)).save(buf, "PNG")
    _drop_file(client.page, "pink.png", buf.getvalue(), "image/png")
    client.page.wait_for_function(f"window.__layerwalk.networks.n0.version > {version}", timeout=30_000)
    assert "pink.png" in client.page.inner_text("#lw-toasts")
    assert client.errors == []


def test_non_image_file_shows_message_and_changes_nothing(client):
    version = client.lw("L.networks.n0.version")
    text = client.lw("L.networks.n0.classificationText")
    client.errors.clear()
    _drop_file(client.page, "notes.txt", b"not an image", "text/plain")
    client.page.wait_for_function("document.querySelector('#lw-toasts').innerText.includes('notes.txt')", timeout=10_000)
    toast = client.page.inner_text("#lw-toasts")
    assert "not an image" in toast or "image" in toast.lower()
    client.page.wait_for_timeout(500)
    assert client.lw("L.networks.n0.version") == version
    assert client.lw("L.networks.n0.classificationText") == text


def test_follows_input_changes_made_elsewhere(client, server):
    version = client.lw("L.networks.n0.version")
    req = urllib.request.Request(server.url + "api/networks/n0/input", method="POST",
                                 data=json.dumps({"source": "dataset", "dataset": "shapes", "index": 3}).encode(),
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
    client.page.wait_for_function(f"window.__layerwalk.networks.n0.version > {version}", timeout=30_000)
    client.page.wait_for_function("window.__layerwalk.networks.n0.classificationText.startsWith('stripes')", timeout=30_000)


@pytest.mark.slow
def test_server_down_shows_banner_and_reconnects(browser, server):
    if server.proc is None:
        pytest.skip("needs the fake server (restartable)")
    client = open_client(browser, server.url)
    server.stop()
    client.page.wait_for_function("window.__layerwalk.bannerVisible", timeout=30_000)
    std, _ = screenshot_stats(client.page, "server-down")
    assert std > 15, "page went blank while the server is down"
    server.start()
    client.page.wait_for_function("!window.__layerwalk.bannerVisible", timeout=30_000)
    client.page.close()
