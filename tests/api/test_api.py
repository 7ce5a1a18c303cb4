from __future__ import annotations

import gzip
import io
import threading
import time
import zipfile

import numpy as np
import torch
from fastapi.testclient import TestClient
from PIL import Image

from layerwalk.api.wire import unpack_activations


def png(size=(16, 16), mode="RGB", color=(200, 10, 10)):
    buf = io.BytesIO()
    Image.new(mode, size, color if mode == "RGB" else 0).save(buf, "PNG")
    return buf.getvalue()


def assert_error(r, status, code, *words):
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error", "detail"} and body["error"] == code, body
    for w in words:
        assert w in body["detail"], body
    assert "Traceback" not in r.text


def test_networks_and_datasets(client):
    nets = client.get("/api/networks").json()
    assert len(nets) == 1
    n = nets[0]
    assert n["id"] == "n0" and n["dataset"] == "d0" and len(n["input_shape"]) == 3 and n["num_layers"] > 2
    assert isinstance(n["class_names"], list) and isinstance(n["version"], int)
    ds = client.get("/api/datasets").json()
    assert ds[0]["id"] == "d0" and ds[0]["size"] > 0 and ds[0]["channels"] in (1, 3)
    page = client.get("/api/datasets/d0/items", params={"offset": 1, "limit": 3}).json()
    assert page["offset"] == 1 and [i["index"] for i in page["items"]] == [1, 2, 3] and page["total"] == ds[0]["size"]
    r = client.get("/api/datasets/d0/items/2/image")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    Image.open(io.BytesIO(r.content)).verify()


def test_graph_with_layout(client):
    g = client.get("/api/networks/n0/graph").json()
    assert g["network"] == "n0" and g["nodes"][0]["id"] == "input" and g["nodes"][-1]["id"] == "output"
    assert all("has_weights" in n for n in g["nodes"])
    assert any(n["has_weights"] for n in g["nodes"]) and not g["nodes"][0]["has_weights"]
    layout = g["layout"]
    assert set(layout["nodes"]) == {n["id"] for n in g["nodes"]}
    assert all("from" in e and "points" in e for e in layout["edges"])
    assert layout["nodes"]["input"]["z"] == 0


def test_unknown_ids_are_404_naming_the_valid_range(client):
    assert_error(client.get("/api/networks/n9/graph"), 404, "not_found", "n0")
    assert_error(client.get("/api/networks/n0/layers/nope/activations"), 404, "not_found", "input")
    assert_error(client.get("/api/datasets/d7/items"), 404, "not_found", "d0")
    assert_error(client.get("/api/datasets/d0/items/100000/image"), 404, "not_found", "0…")
    assert_error(client.get("/api/jobs/j42"), 404, "not_found")
    assert_error(client.get("/api/nothing"), 404, "not_found")
    r = client.post("/api/networks/n0/input", json={"source": "dataset", "dataset": "d0", "index": 10**6})
    assert_error(r, 404, "not_found", "valid indices")


def test_invalid_requests_are_422_json(client):
    assert_error(client.post("/api/networks/n0/input", json={"source": "magic"}), 422, "invalid_request")
    bad = client.post("/api/networks/n0/input", content=b"{not json", headers={"content-type": "application/json"})
    assert_error(bad, 422, "invalid_request")
    assert_error(client.get("/api/datasets/d0/items", params={"limit": -1}), 422, "invalid_request", "limit")
    assert_error(client.get("/api/networks/n0/classification", params={"top": "x"}), 422, "invalid_request")


def test_set_input_noise_and_dataset_bumps_version(client):
    v0 = client.get("/api/networks").json()[0]["version"]
    a = client.post("/api/networks/n0/input", json={"source": "noise", "seed": 3}).json()
    assert a["version"] > v0 and a["source"]["source"] == "noise" and a["source"]["seed"] == 3
    assert a["network"] == "n0" and 1 <= len(a["classification"]) <= 5
    assert abs(sum(p["probability"] for p in a["classification"])) <= 1.0001
    b = client.post("/api/networks/n0/input", json={"source": "dataset", "dataset": "d0", "index": 4}).json()
    assert b["version"] > a["version"] and b["source"]["index"] == 4 and "class_name" in b["source"]
    c = client.get("/api/networks/n0/classification", params={"top": 2}).json()
    assert c["version"] == b["version"] and len(c["predictions"]) == 2
    r = client.get("/api/networks/n0/input.png")
    assert r.headers["x-input-version"] == str(b["version"])
    input_shape = client.get("/api/networks").json()[0]["input_shape"]
    assert Image.open(io.BytesIO(r.content)).size[::-1] == tuple(input_shape[1:])


def test_activations_binary_format(client):
    v = client.post("/api/networks/n0/input", json={"source": "noise", "seed": 1}).json()["version"]
    r = client.get("/api/networks/n0/activations", headers={"accept-encoding": "identity"})
    assert r.headers["content-type"] == "application/octet-stream" and "content-encoding" not in r.headers
    header, arrays = unpack_activations(r.content)
    assert header["network"] == "n0" and header["version"] == v == int(r.headers["x-input-version"])
    graph = client.get("/api/networks/n0/graph").json()
    assert [layer["id"] for layer in header["layers"]] == [n["id"] for n in graph["nodes"] if n["id"] in arrays]
    assert "input" in arrays and "output" in arrays
    shapes = {n["id"]: n["shape"] for n in graph["nodes"]}
    snapshot = client.app.state.layerwalk.networks[0].network.snapshot
    assert snapshot.version == v
    offset = 0
    for layer in header["layers"]:
        assert layer["shape"] == shapes[layer["id"]] and layer["offset"] == offset
        assert layer["length"] == int(np.prod(layer["shape"])) and 0 <= layer["zero_level"] <= 255
        step = (layer["vmax"] - layer["vmin"]) / 255
        assert layer["vmin"] <= 0 <= layer["vmax"] and abs(layer["vmin"] + layer["zero_level"] * step) <= 1e-5
        decoded = layer["vmin"] + arrays[layer["id"]].astype(np.float64) * step  # what the client computes
        exact = snapshot.activation(layer["id"]).numpy()
        assert np.abs(decoded - exact).max() <= step / 2 + 1e-5, layer["id"]
        offset += layer["length"]
    elements = sum(a.size for a in arrays.values())
    header_len = int.from_bytes(r.content[:4], "little")
    assert len(r.content) == 4 + header_len + elements  # length, header, data — nothing else

    gz = client.get("/api/networks/n0/activations", headers={"accept-encoding": "gzip, deflate"})
    assert gz.headers["content-encoding"] == "gzip"
    assert gz.content == r.content  # httpx decodes gzip transparently

    one = client.get("/api/networks/n0/layers/output/activations")
    h1, a1 = unpack_activations(one.content)
    assert [layer["id"] for layer in h1["layers"]] == ["output"] and np.array_equal(a1["output"], arrays["output"])


def test_zstd_preferred_when_accepted(client):
    import zstandard

    with client.stream("GET", "/api/networks/n0/activations", headers={"accept-encoding": "gzip, br, zstd"}) as r:
        raw = b"".join(r.iter_raw())
    assert r.headers["content-encoding"] == "zstd"
    header, _ = unpack_activations(zstandard.ZstdDecompressor().decompress(raw, max_output_size=1 << 30))
    assert header["network"] == "n0"


def test_gzip_on_the_wire(client):
    with client.stream("GET", "/api/networks/n0/activations", headers={"accept-encoding": "gzip"}) as r:
        raw = b"".join(r.iter_raw())
    assert r.headers["content-encoding"] == "gzip"
    unpack_activations(gzip.decompress(raw))


def test_layer_atlas_and_histograms(client):
    v = client.post("/api/networks/n0/input", json={"source": "noise", "seed": 2}).json()["version"]
    graph = client.get("/api/networks/n0/graph").json()
    conv = next(n for n in graph["nodes"] if n["has_weights"])
    r = client.get(f"/api/networks/n0/layers/{conv['id']}/activations.png")
    assert r.status_code == 200 and r.headers["x-input-version"] == str(v)
    assert Image.open(io.BytesIO(r.content)).mode == "RGB"
    h = client.get(f"/api/networks/n0/layers/{conv['id']}/histograms").json()
    assert h["version"] == v and len(h["activation"]["edges"]) == len(h["activation"]["counts"]) + 1
    assert h["weights"] is not None
    assert client.get("/api/networks/n0/layers/input/histograms").json()["weights"] is None


def test_upload_image(client):
    r = client.post("/api/networks/n0/input/upload", files={"file": ("cat.txt", png(), "text/plain")})
    assert r.status_code == 200, r.text
    assert r.json()["source"] == {"source": "upload", "name": "cat.txt"}


def test_upload_rejects_non_images_and_oversize(app_factory):
    with TestClient(app_factory(max_upload_bytes=50_000, max_upload_pixels=100_000)) as client:
        def upload(name, data):
            return client.post("/api/networks/n0/input/upload", files={"file": (name, data, "image/png")})

        assert_error(upload("x.png", b"hello"), 400, "bad_image")
        assert_error(upload("x.png", png((400, 400))), 400, "bad_image", "pixels")
        assert_error(upload("x.bin", b"\0" * 200_000), 413, "too_large")
        r = client.post("/api/networks/n0/input/upload", data={"other": "x"})
        assert_error(r, 422, "invalid_request", "file")


def test_decompression_bomb_is_refused(client):
    bomb = png((20_000, 20_000), mode="1")  # ~50 kB on disk, 400 megapixels decoded
    assert len(bomb) < 200_000
    assert_error(client.post("/api/networks/n0/input/upload", files={"file": ("b.png", bomb, "image/png")}), 400,
                 "bad_image")


def test_every_job_kind_is_registered_with_a_result_model(client):
    from layerwalk.api.schemas import JOB_RESULTS

    kinds = set(client.app.state.layerwalk.jobs.kinds)
    assert "featurevis" in kinds and "analysis" in kinds
    assert kinds <= set(JOB_RESULTS), f"declare a result model in schemas.JOB_RESULTS for {kinds - set(JOB_RESULTS)}"
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert {m.__name__ for m in JOB_RESULTS.values()} <= set(schema)  # so the generated client has them


def _dummy_featurevis(ctx, *, entry, layer, channels, steps, start, snapshot):
    from layerwalk.api.featurevis_kind import store_result
    from layerwalk.featurevis import FeatureVisParams, FeatureVisResult

    channels = channels or [0]
    for i in range(4):
        ctx.check_cancelled()
        ctx.progress((i + 1) / 4, f"step {i + 1}")
    images = [Image.new("RGB", (8, 8), (c * 40, 0, 0)) for c in channels]
    n = len(channels)
    return store_result(entry, FeatureVisResult(
        layer=layer, target=layer, channels=channels, images=images, tensors=torch.zeros(n, 1, 8, 8),
        history=np.zeros((4, n)), start_objective=np.zeros(n), final_objective=np.ones(n),
        params=FeatureVisParams(), seconds=0.1))


def test_featurevis_job_lifecycle_with_a_dummy_kind(app_factory):
    with TestClient(app_factory(job_kinds={"featurevis": _dummy_featurevis})) as client:
        graph = client.get("/api/networks/n0/graph").json()
        lid = graph["nodes"][1]["id"]
        assert_error(client.post(f"/api/networks/n0/layers/{lid}/featurevis", json={"channels": [10**6]}), 404,
                     "not_found", "channels")
        body = {"channels": [0, 1], "steps": 4}
        job = client.post(f"/api/networks/n0/layers/{lid}/featurevis", json=body).json()["job"]
        events = client.get(f"/api/jobs/{job}/events").text  # the stream ends when the job finishes
        assert "event: job" in events and '"state":"done"' in events
        info = client.get(f"/api/jobs/{job}").json()
        assert info["state"] == "done" and info["progress"] == 1 and info["result"]["channels"] == [0, 1]
        assert info["eta_seconds"] == 0 and info["result"]["final_objective"] == [1.0, 1.0]
        assert info["result"]["images"] == [f"/api/networks/n0/layers/{lid}/featurevis/{c}.png" for c in (0, 1)]
        red = Image.open(io.BytesIO(client.get(info["result"]["images"][1]).content)).getpixel((0, 0))
        assert red == (40, 0, 0)  # channel 1's own image
        r = client.post("/api/networks/n0/input", json={"source": "featurevis", "layer": lid, "channel": 1})
        assert r.status_code == 200 and r.json()["source"]["source"] == "featurevis"
        assert_error(client.post("/api/networks/n0/input", json={"source": "featurevis", "layer": lid, "channel": 7}),
                     404, "not_found", "featurevis")
        assert client.get("/api/jobs").json()[-1]["id"] == job


def test_cancel_a_job(app_factory):
    started = threading.Event()

    def slow(ctx, **kw):
        started.set()
        while True:
            ctx.check_cancelled()
            time.sleep(0.01)  # a step of work

    with TestClient(app_factory(job_kinds={"featurevis": slow})) as client:
        job = client.post("/api/networks/n0/layers/output/featurevis", json={}).json()["job"]
        assert started.wait(10)
        r = client.delete(f"/api/jobs/{job}")
        assert r.status_code == 200
        assert client.app.state.layerwalk.jobs.wait(job, 10).state.value == "cancelled"
        assert client.get(f"/api/jobs/{job}").json()["state"] == "cancelled"


def test_index_page_lists_networks(client):
    r = client.get("/")
    assert r.status_code == 200 and "n0" in r.text and "text/html" in r.headers["content-type"]
    assert client.get("/openapi.json").status_code == 200 and client.get("/docs").status_code == 200


def test_built_client_is_served(app_factory, tmp_path):
    from layerwalk.api import Settings, create_app

    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<!doctype html><title>3d client</title>")
    from .conftest import make_networks

    nets, ds = make_networks()
    app = create_app(Settings(client_dist=dist, allowed_hosts=["testserver"]), nets, ds)
    with TestClient(app) as client:
        assert "3d client" in client.get("/").text
        assert client.get("/api/networks").status_code == 200
        assert_error(client.get("/missing.js"), 404, "not_found")
    app.state.layerwalk.close()


def test_export_zip(client):
    v = client.post("/api/networks/n0/input", json={"source": "noise", "seed": 5}).json()["version"]
    graph = client.get("/api/networks/n0/graph").json()
    lid = graph["nodes"][1]["id"]
    r = client.get(f"/api/networks/n0/layers/{lid}/export")
    assert r.status_code == 200 and r.headers["x-input-version"] == str(v)
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert "meta.json" in names and "activations.npy" in names and any(n.endswith(".png") for n in names)


def test_real_featurevis_job_images_and_feedback(client, tmp_path, monkeypatch):
    monkeypatch.setenv("LAYERWALK_CACHE", str(tmp_path / "fv-cache"))
    graph = client.get("/api/networks/n0/graph").json()
    lid = next(n["id"] for n in graph["nodes"] if n["kind"] == "conv")
    assert_error(client.get(f"/api/networks/n0/layers/{lid}/featurevis.png"), 404, "not_found", "POST")
    assert client.get("/api/networks/n0/featurevis").json() == []
    body = {"channels": [0, 1], "steps": 3, "start": "input"}
    job = client.post(f"/api/networks/n0/layers/{lid}/featurevis", json=body).json()["job"]
    client.get(f"/api/jobs/{job}/events")  # ends when the job ends
    info = client.get(f"/api/jobs/{job}").json()
    assert info["state"] == "done", info
    result = info["result"]
    assert result["channels"] == [0, 1] and len(result["images"]) == 2 and result["grid"] == [2, 1]
    assert result["start"] == "input" and result["style"] == "paper"
    assert client.get("/api/networks/n0/featurevis").json() == [result]  # what a reloaded client restores
    atlas = Image.open(io.BytesIO(client.get(result["atlas"]).content))
    one = Image.open(io.BytesIO(client.get(result["images"][1]).content))
    assert atlas.width > one.width and atlas.mode == "RGB"
    assert_error(client.get(f"/api/networks/n0/layers/{lid}/featurevis/5.png"), 404, "not_found", "[0, 1]")
    r = client.post("/api/networks/n0/input", json={"source": "featurevis", "layer": lid, "channel": 1})
    assert r.status_code == 200 and r.json()["source"]["channel"] == 1
