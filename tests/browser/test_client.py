"""The 3D client in headless Chromium against the real app on a small real network (conftest.py, or
LAYERWALK_URL): loads, renders, every layer is in the scene, pick-and-drop and file upload update the network with
one fetch per input, it follows inputs set elsewhere, and it reconnects after the server was down."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pytest
from client_actions import next_frames, pick_and_drop
from conftest import RealServer, api, classification_text, free_port, open_client, small_network
from PIL import Image

pytestmark = pytest.mark.browser

SHOTS = __import__("pathlib").Path(__file__).resolve().parents[2] / "out" / "screenshots"


def screenshot_stats(page, name: str):
    SHOTS.mkdir(parents=True, exist_ok=True)
    png = page.screenshot(path=str(SHOTS / f"{name}.png"))
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(np.float32)
    colours = len(np.unique(img.reshape(-1, 3)[::7].astype(np.uint8), axis=0))
    return float(img.std()), colours


def markers(client, nid="n0") -> set[str]:
    return set(client.lw(f"L.ctx.store.views.get('{nid}').graph.nodes.filter(n => n.kind === 'marker').map(n => n.id)"))


def test_loads_without_console_errors_and_renders(client, server):
    std, colours = screenshot_stats(client.page, "start")
    assert client.errors == []
    assert std > 15 and colours > 200, f"canvas looks blank (std {std:.1f}, {colours} colours)"
    assert client.lw("L.bannerVisible") is False
    assert client.lw("L.networks.n0.classificationText") == classification_text(server.url)


def test_every_layer_is_in_the_scene_graph(client, server):
    graph = api(server.url, "networks/n0/graph")
    net = client.lw("L.networks.n0")
    assert net["missing"] == []
    assert net["graphNodes"] == [n["id"] for n in graph["nodes"]]
    assert set(net["layers"]) == set(net["graphNodes"]) - markers(client)
    names = client.lw("(() => { const s = new Set(); L.scene.traverse(o => s.add(o.name)); return [...s]; })()")
    assert {f"layer:{lid}" for lid in net["layers"]} <= set(names)


def test_draw_calls_within_budget(client):
    stats = client.lw("L.stats()")
    assert stats["panels"] == stats["layers"] >= 30  # ResNet-18: conv, bn+relu folded, adds, pool, fc
    assert stats["calls"] <= stats["layers"] + 100, stats
    # also from the middle of the network, looking down the conveyor
    assert client.lw("L.flyToLayer('layer3.0.conv1')")
    client.page.wait_for_function("!window.__layerwalk.ctx.locomotion.flying", timeout=30_000)
    frames = client.lw("L.ctx.world.renderer.info.render.frame")
    client.page.wait_for_function(f"window.__layerwalk.ctx.world.renderer.info.render.frame > {frames}", timeout=30_000)
    stats = client.lw("L.stats()")
    assert stats["calls"] <= stats["layers"] + 100, stats
    screenshot_stats(client.page, "layer3")


def test_pick_dataset_image_and_drop_on_input(client, server):
    conv1 = client.lw("L.networks.n0.checksum('conv1')")
    before, after = pick_and_drop(client, 9, "square")  # the start input is item 0, a circle
    assert after["version"] == api(server.url, "networks")[0]["version"] > before["version"]
    assert after["classificationText"] == classification_text(server.url) != before["classificationText"]
    assert client.lw("L.networks.n0.checksum('conv1')") != conv1
    assert client.lw("L.carrying") is None
    assert client.lw("L.lastUpdateMs") > 0
    assert client.errors == []
    screenshot_stats(client.page, "after-drop")


COUNTED = {"activations": re.compile(r"/api/networks/n0/activations$"),
           "classification": re.compile(r"/api/networks/n0/classification\?"),
           "input image": re.compile(r"/api/networks/n0/input\.png\?"),
           "input": re.compile(r"/api/networks/n0/input$")}


def test_one_fetch_per_drop(client):
    """The input event and the POST answer both announce the new version: the client fetches it once."""
    sent: list[str] = []
    client.page.on("request", lambda r: sent.append(r.url))
    posted = lambda r: r.request.method == "POST" and r.url.endswith("/api/networks/n0/input")  # noqa: E731
    for item, label in [(9, "square"), (17, "stripes"), (1, "circle")]:
        sent.clear()
        with client.page.expect_response(posted, timeout=60_000):
            pick_and_drop(client, item, label)
        next_frames(client.page, 5)  # the answer is in (so is the event): a second fetch would have started
        api_calls = [u for u in sent if "/api/" in u and "/events" not in u and "/histograms" not in u]
        counts = {kind: sum(1 for u in api_calls if rx.search(u)) for kind, rx in COUNTED.items()}
        assert counts == {"activations": 1, "classification": 1, "input image": 1, "input": 1}, api_calls


def test_featurevis_job_is_followed_over_its_event_stream(client):
    """Progress comes from the job's server-sent events: no polling of /api/jobs/{id}."""
    sent: list[str] = []
    client.page.on("request", lambda r: sent.append(r.url))
    channels = client.page.evaluate("() => window.__layerwalk.startFeatureVis('conv1', {channels: [0, 1], steps: 3})")
    assert channels == [0, 1]
    jobs = [u for u in sent if "/api/jobs/" in u]
    assert len(jobs) == 1 and re.search(r"/api/jobs/[^/]+/events$", jobs[0]), jobs
    job = client.lw("L.ctx.store.views.get('n0').cards.get('conv1').state.job")
    assert job["state"] == "done" and job["progress"] == 1, job
    assert client.lw("L.scene.getObjectByName('featurevis:conv1') !== undefined")
    assert client.errors == []


def _drop_file(page, name: str, data: bytes, mime: str):
    page.evaluate("""([name, b64, mime]) => {
        const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], name, { type: mime }));
        window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }""", [name, base64.b64encode(data).decode(), mime])


def test_upload_image_file(client, server):
    version = client.lw("L.networks.n0.version")
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (250, 20, 120)).save(buf, "PNG")
    _drop_file(client.page, "pink.png", buf.getvalue(), "image/png")
    # the toast lives 4 s: wait for it first (on a loaded machine the panels can take longer than that)
    client.page.wait_for_function("document.querySelector('#lw-toasts').innerText.includes('Uploaded pink.png')",
                                  timeout=30_000)
    client.page.wait_for_function(f"window.__layerwalk.networks.n0.version > {version}", timeout=30_000)
    client.page.wait_for_function("window.__layerwalk.pendingTasks === 0", timeout=60_000)
    assert client.lw("L.networks.n0.classificationText") == classification_text(server.url)
    assert client.errors == []


def test_non_image_file_shows_message_and_changes_nothing(client, server):
    version = client.lw("L.networks.n0.version")
    text = client.lw("L.networks.n0.classificationText")
    client.errors.clear()
    _drop_file(client.page, "notes.txt", b"not an image", "text/plain")
    client.page.wait_for_function("document.querySelector('#lw-toasts').innerText.includes('notes.txt')",
                                  timeout=10_000)
    toast = client.page.inner_text("#lw-toasts")
    assert 'Could not upload "notes.txt" to n0' in toast and "HTTP 4" in toast, toast
    assert api(server.url, "networks")[0]["version"] == version
    assert client.lw("L.networks.n0.version") == version
    assert client.lw("L.networks.n0.classificationText") == text


def test_follows_input_changes_made_elsewhere(client, server):
    version = client.lw("L.networks.n0.version")
    answer = api(server.url, "networks/n0/input", {"source": "dataset", "dataset": "d0", "index": 3})
    client.page.wait_for_function(f"window.__layerwalk.networks.n0.version >= {answer['version']}", timeout=30_000)
    client.page.wait_for_function("window.__layerwalk.pendingTasks === 0", timeout=60_000)
    assert answer["version"] > version
    assert client.lw("L.networks.n0.classificationText") == classification_text(server.url)


@pytest.mark.slow
def test_server_down_shows_banner_and_reconnects(browser, shapes_folder):
    server = RealServer(*small_network(shapes_folder), port=free_port()).start()
    try:
        client = open_client(browser, server.url)
        server.stop()
        client.page.wait_for_function("window.__layerwalk.bannerVisible", timeout=30_000)
        std, _ = screenshot_stats(client.page, "server-down")
        assert std > 15, "page went blank while the server is down"
        server.start()
        client.page.wait_for_function("!window.__layerwalk.bannerVisible", timeout=60_000)
        # the restarted server has a fresh input: the client reloads it
        client.page.wait_for_function("window.__layerwalk.pendingTasks === 0", timeout=60_000)
        assert client.lw("L.networks.n0.version") == api(server.url, "networks")[0]["version"]
        client.page.close()
    finally:
        server.stop()
