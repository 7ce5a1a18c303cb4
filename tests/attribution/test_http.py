"""The attribution routes against a tiny real CNN: job → result → binary maps → overlay PNG; errors; cancel."""

from __future__ import annotations

import io

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from layerwalk.api import Settings, create_app
from layerwalk.api.wire import unpack_activations
from layerwalk.attribution import attribute, cache
from layerwalk.attribution.figures import red_white_blue

from ..api.tiny import tiny_network


@pytest.fixture
def served(tmp_path):
    networks, datasets = tiny_network()
    app = create_app(Settings(client_dist=tmp_path / "none", allowed_hosts=["testserver"]), networks, datasets)
    with TestClient(app) as client:
        yield client, networks[0]
    app.state.layerwalk.close()


def _finish(client, body) -> dict:
    r = client.post("/api/networks/n0/attributions", json=body)
    assert r.status_code == 200, r.text
    job = r.json()["job"]
    client.get(f"/api/jobs/{job}/events")  # the stream ends when the job ends
    info = client.get(f"/api/jobs/{job}").json()
    assert info["state"] == "done", info
    return client.get(f"/api/networks/n0/attributions/{info['result']['key']}").json()


def test_gradcam_job_result_maps_and_overlay(served):
    client, net = served
    result = _finish(client, {"method": "gradcam"})
    top = [p.index for p in net.snapshot.classification(5)]
    assert [t["index"] for t in result["targets"]] == top  # default: the current top-5 (3 classes here)
    assert result["version"] == net.snapshot.version and result["cost"]["passes"] == 1
    expected = attribute(net, "gradcam", top)  # the library's own call, same input
    layer = result["layers"][-1]
    assert np.allclose(layer["channel_scores"], expected.channel_scores[layer["id"]].numpy(), atol=1e-5)

    target = top[1]
    r = client.get(result["maps"], params={"target": target})
    assert r.status_code == 200 and r.headers["x-input-version"] == str(result["version"])
    header, arrays = unpack_activations(r.content)
    assert header["target"] == target and header["method"] == "gradcam" and header["view"] == "channels"
    entry = next(e for e in header["layers"] if e["id"] == layer["id"])
    decoded = entry["vmin"] + arrays[layer["id"]].astype(float) * (entry["vmax"] - entry["vmin"]) / 255
    truth = expected.channel_maps[layer["id"]][1].numpy()
    assert decoded.shape == truth.shape
    assert np.abs(decoded - truth).max() <= (entry["vmax"] - entry["vmin"]) / 255 + 1e-6
    assert arrays[layer["id"]].min() < entry["zero_level"] < arrays[layer["id"]].max()  # signed around the pivot

    _, layer_view = unpack_activations(client.get(result["maps"], params={"target": target, "view": "layer"}).content)
    assert layer_view[layer["id"]].shape == (1, *layer["shape"][1:])

    png = client.get(result["input"], params={"target": target, "overlay": "false"})
    image = np.asarray(Image.open(io.BytesIO(png.content)))
    assert image.shape[:2] == tuple(net.input_size[1:])
    assert np.array_equal(image, red_white_blue(expected.input_map[1].numpy()))
    blended = np.asarray(Image.open(io.BytesIO(client.get(result["input"], params={"target": target}).content)))
    assert blended.shape == image.shape and not np.array_equal(blended, image)  # the input shows through


def test_methods_listed_with_parameters(served):
    client, _ = served
    methods = {m["name"]: m for m in client.get("/api/attribution/methods").json()}
    assert {"gradcam", "integrated_gradients", "occlusion", "shapley_sampling", "guided_backprop"} <= set(methods)
    assert "steps" in [p["name"] for p in methods["integrated_gradients"]["params"]]
    assert methods["occlusion"]["layer_maps"] is False
    assert "fail" in methods["guided_backprop"]["sanity"]


@pytest.mark.parametrize(("body", "status", "names"), [
    ({"method": "gradcamm"}, 404, "gradcam++"),
    ({"method": "gradcam", "layers": ["nope"]}, 404, "conv"),
    ({"method": "gradcam", "layers": ["head"]}, 422, "spatial"),
    ({"method": "gradcam", "targets": [7]}, 404, "0…2"),
    ({"method": "integrated_gradients", "params": {"stepz": 3}}, 400, "steps"),
    ({"method": "integrated_gradients", "params": {"steps": 100000}}, 400, "at most 1024"),
])
def test_bad_requests_name_the_valid_choices(served, body, status, names):
    client, _ = served
    r = client.post("/api/networks/n0/attributions", json=body)
    assert r.status_code == status, r.text
    assert names in r.json()["detail"]


def test_unknown_key_and_target_are_404(served):
    client, _ = served
    assert client.get("/api/networks/n0/attributions/abc/maps").status_code == 404
    result = _finish(client, {"method": "saliency", "targets": [0]})
    r = client.get(result["maps"], params={"target": 2})
    assert r.status_code == 404 and "[0]" in r.json()["detail"]


def test_cancelled_job_caches_nothing(served):
    client, net = served
    job = client.post("/api/networks/n0/attributions",
                      json={"method": "smoothgrad", "params": {"samples": 10000, "batch": 1}}).json()["job"]
    while (info := client.get(f"/api/jobs/{job}").json())["progress"] == 0 and info["state"] != "failed":
        pass  # condition, not a sleep: the first chunk of the path reports progress
    client.delete(f"/api/jobs/{job}")
    client.get(f"/api/jobs/{job}/events")
    assert client.get(f"/api/jobs/{job}").json()["state"] == "cancelled"
    assert cache.lookup(net, "anything") is None and not cache._results.get(net)
