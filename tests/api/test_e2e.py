"""End-to-end: the real ``layerwalk serve`` (demo model, photos dataset) over HTTP."""

from __future__ import annotations

import io
import threading
import time

import httpx
import numpy as np
import pytest
from PIL import Image

from layerwalk.api.wire import unpack_activations

from .live import LiveServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server():
    live = LiveServer()
    yield live
    assert live.stop() == 0


def _png(size=(300, 200)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buf, "PNG")
    return buf.getvalue()


def test_demo_is_served(server):
    with server.client() as c:
        assert server.base.startswith("http://127.0.0.1:") and server.token is None
        nets = c.get("/api/networks").json()
        assert nets[0]["spec"] == "demo" and nets[0]["input_shape"] == [3, 224, 224]
        assert c.get("/api/datasets").json()[0]["size"] > 0
        assert c.get("/").status_code == 200
        assert c.get("/openapi.json").json()["info"]["title"] == "layerwalk"


def test_every_demo_layer_with_parameters_has_weight_histograms(server):
    """Issue 17: the demo's convs (EfficientNet-Lite0's padding-wrapped Conv2d) said "no weights"."""
    with server.client() as c:
        nodes = c.get("/api/networks/n0/graph").json()["nodes"]
        with_params = [n for n in nodes if n["params"]]
        assert len(with_params) == 50 and all(n["has_weights"] for n in with_params)
        for n in with_params:
            weights = c.get(f"/api/networks/n0/layers/{n['id']}/histograms").json()["weights"]
            assert weights is not None and sum(weights["counts"]) > 0, n["id"]


def test_inputs_and_consistent_activations(server):
    with server.client() as c:
        a = c.post("/api/networks/n0/input", json={"source": "dataset", "dataset": "d0", "index": 1})
        assert a.status_code == 200 and a.json()["classification"]
        b = c.post("/api/networks/n0/input", json={"source": "noise", "seed": 7}).json()
        assert b["version"] > a.json()["version"]
        up = c.post("/api/networks/n0/input/upload", files={"file": ("photo.png", _png(), "image/png")}).json()
        assert up["version"] > b["version"] and up["source"]["source"] == "upload"
        r = c.get("/api/networks/n0/activations", headers={"Accept-Encoding": "gzip, zstd"})
        assert "content-encoding" not in r.headers  # loopback: sending beats compressing
        header, arrays = unpack_activations(r.content)
        assert header["version"] == up["version"] == int(r.headers["x-input-version"])
        graph = c.get("/api/networks/n0/graph").json()
        assert set(arrays) <= {n["id"] for n in graph["nodes"]} and "output" in arrays


SEEDS = (100, 101, 102)  # noise inputs whose activations differ in every layer


def _differs_everywhere(a: dict, b: dict) -> bool:
    return all(not np.array_equal(a[k], b[k]) for k in a if k in b and a[k].size > 1)


def test_readers_never_see_a_mix_while_inputs_change(server):
    """Every response's data belongs to the version it names: each known input's activations are recorded
    alone first, then readers check every layer of every response against the input of its version."""
    reference, seed_of, reads, stop = {}, {}, [], threading.Event()
    with server.client() as c:
        for seed in SEEDS:
            seed_of[c.post("/api/networks/n0/input", json={"source": "noise", "seed": seed}).json()["version"]] = seed
            reference[seed] = unpack_activations(c.get("/api/networks/n0/activations").content)[1]
    assert _differs_everywhere(reference[SEEDS[0]], reference[SEEDS[1]])

    def writer():
        with server.client() as c:
            i = 0
            while not stop.is_set():
                seed = SEEDS[i % len(SEEDS)]
                r = c.post("/api/networks/n0/input", json={"source": "noise", "seed": seed})
                seed_of[r.json()["version"]] = seed
                i += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        with server.client() as c:
            while len({h["version"] for h, _ in reads}) < 4:
                r = c.get("/api/networks/n0/activations")
                header, arrays = unpack_activations(r.content)
                assert header["version"] == int(r.headers["x-input-version"])
                reads.append((header, arrays))
                single = c.get("/api/networks/n0/layers/output/activations")
                reads.append(unpack_activations(single.content))
    finally:
        stop.set()
        t.join()
    for header, arrays in reads:
        expected = reference[seed_of[header["version"]]]
        mixed = [layer for layer, a in arrays.items() if not np.array_equal(a, expected[layer])]
        assert not mixed, f"version {header['version']}: layers {mixed} hold another input's data"


def test_event_stream_sees_input_from_another_client(server):
    got, connected = [], threading.Event()

    def listen():
        with httpx.Client(base_url=server.base, timeout=30) as c, c.stream("GET", "/api/events") as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            for line in r.iter_lines():
                connected.set()
                got.append(line)
                if line.startswith("data:") and '"seed":4242' in line:
                    return

    t = threading.Thread(target=listen, daemon=True)
    t.start()
    assert connected.wait(10)  # the first line (retry:) is sent after the stream subscribed
    with server.client() as c:
        v = c.post("/api/networks/n0/input", json={"source": "noise", "seed": 4242}).json()["version"]
    t.join(20)
    assert "event: input" in got and any(f'"version":{v}' in line for line in got)


def test_client_mistakes_are_json_4xx(server):
    with server.client() as c:
        for r in (c.get("/api/networks/n5/graph"), c.get("/api/networks/n0/layers/zzz/histograms"),
                  c.get("/api/datasets/d0/items/999999/image"), c.get("/api/jobs/j77")):
            assert r.status_code == 404 and r.json()["error"] == "not_found" and r.json()["detail"]
        r = c.post("/api/networks/n0/input/upload", files={"file": ("x.jpg", b"GIF89a not really", "image/jpeg")})
        assert 400 <= r.status_code < 500 and r.json()["error"] == "bad_image"
        r = c.post("/api/networks/n0/layers/output/featurevis", json={"channels": [10**5]})
        assert r.status_code == 404 and "channels" in r.json()["detail"]


def test_shutdown_with_an_open_event_stream_is_clean():
    live = LiveServer()
    opened = threading.Event()

    def listen():
        try:
            with httpx.Client(base_url=live.base, timeout=30) as c, c.stream("GET", "/api/events") as r:
                for _ in r.iter_lines():
                    opened.set()
        except httpx.HTTPError:
            pass

    threading.Thread(target=listen, daemon=True).start()
    assert opened.wait(10)
    t0 = time.monotonic()
    assert live.stop() == 0
    assert time.monotonic() - t0 < 10


def test_token_required_when_auth_is_on():
    live = LiveServer("--host", "127.0.0.2", "--auth")
    try:
        assert live.token and "?token=" in live.url
        assert httpx.get(live.base + "api/networks").status_code == 401
        with live.client() as c:
            assert c.get("/api/networks").status_code == 200
        r = httpx.get(live.url)
        assert r.status_code == 200 and "layerwalk_token" in r.headers["set-cookie"]
    finally:
        live.stop()
