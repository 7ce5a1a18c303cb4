"""The probing HTTP API on a real (tiny) network: occlusion edits, saving them, ablation, activity flow, events."""

from __future__ import annotations

import io

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from layerwalk.api import Settings, create_app
from layerwalk.probing import OcclusionBlock, occlude

from ..api.tiny import tiny_network


@pytest.fixture
def app(tmp_path):
    networks, datasets = tiny_network()
    app = create_app(Settings(client_dist=tmp_path / "none", allowed_hosts=["testserver"]), networks, datasets)
    yield app
    app.state.layerwalk.close()


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


@pytest.fixture
def events(app):
    """Every event the server publishes, in order."""
    seen = []
    broker = app.state.layerwalk.events
    publish = broker.publish
    broker.publish = lambda event, data: (seen.append((event, data)), publish(event, data))[1]
    return seen


def _layers(client):
    return [n["id"] for n in client.get("/api/networks/n0/graph").json()["nodes"]]


def test_an_edit_classifies_as_the_same_edited_image_uploaded_as_a_file(client, events):
    client.post("/api/networks/n0/input", json={"source": "dataset", "dataset": "d0", "index": 4})
    original = Image.open(io.BytesIO(client.get("/api/networks/n0/input.png").content))
    blocks = [{"x": 2, "y": 3, "w": 6, "h": 5}, {"x": 12, "y": -4, "w": 10, "h": 8, "fill": "mean"}]
    r = client.post("/api/networks/n0/probing/occlusion", json={"blocks": blocks})
    assert r.status_code == 200, r.text
    edit = r.json()
    assert edit["blocks"][1] == {"x": 12, "y": 0, "w": 4, "h": 4, "fill": "mean"}  # clipped to the 16×16 image
    assert edit["source"]["source"] == "occlusion" and edit["source"]["base"]["index"] == 4
    assert {c["index"] for c in edit["changes"]} >= {p["index"] for p in edit["classification"]}
    png = client.get("/api/networks/n0/input.png").content
    expected = occlude(original, [OcclusionBlock(**b) for b in edit["blocks"]],
                       mean=client.app.state.layerwalk.datasets[0].dataset.mean)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(png))), np.asarray(expected))
    state = client.get("/api/networks/n0/probing").json()  # what a client that opens now shows
    assert state["blocks"] == edit["blocks"] and state["changes"] == edit["changes"]
    uploaded = client.post("/api/networks/n0/input/upload", files={"file": ("edit.png", png, "image/png")}).json()
    assert uploaded["classification"] == edit["classification"]
    assert ("input", {"network": "n0", "version": edit["version"], "source": edit["source"]}) in events
    followed = [d for e, d in events if e == "probing" and d["version"] == edit["version"]]
    assert followed and followed[-1]["changes"] == edit["changes"]
    assert client.get("/api/networks/n0/probing").json()["changes"] == []  # the upload is not an edit


def test_edits_start_from_the_unedited_input_and_an_empty_list_restores_it(client):
    before = client.post("/api/networks/n0/input", json={"source": "dataset", "dataset": "d0", "index": 2}).json()
    one = client.post("/api/networks/n0/probing/occlusion", json={"blocks": [{"x": 0, "y": 0, "w": 8, "h": 16}]})
    assert [c["before"] for c in one.json()["changes"] if c["index"] == before["classification"][0]["index"]] == \
        [before["classification"][0]["probability"]]
    undo = client.post("/api/networks/n0/probing/occlusion", json={"blocks": []}).json()
    assert undo["classification"] == before["classification"]
    assert all(c["change"] == 0 for c in undo["changes"])
    outside = client.post("/api/networks/n0/probing/occlusion", json={"blocks": [{"x": 40, "y": 40, "w": 5, "h": 5}]})
    assert outside.json()["blocks"] == [] and outside.json()["classification"] == before["classification"]


def test_the_edited_image_is_saved_as_a_new_dataset_item(client, events):
    client.post("/api/networks/n0/input", json={"source": "dataset", "dataset": "d0", "index": 1})
    edit = client.post("/api/networks/n0/probing/occlusion",
                       json={"blocks": [{"x": 4, "y": 4, "w": 8, "h": 8, "fill": "blur"}]}).json()
    saved = client.post("/api/networks/n0/probing/occlusion/save").json()
    assert saved == {"dataset": "d0", "index": 12, "total": 13}
    assert ("dataset", saved) in events  # every client's dataset panel grows
    items = client.get("/api/datasets/d0/items", params={"offset": 12}).json()
    assert items["total"] == 13 and items["items"][0]["label"] == 1  # labelled as the image it was made from
    picked = client.post("/api/networks/n0/input", json={"source": "dataset", "dataset": "d0", "index": 12}).json()
    assert picked["classification"] == edit["classification"]


def test_ablation_changes_the_network_for_every_client_and_reset_restores_it(client, events):
    before = client.get("/api/networks/n0/classification").json()
    layer = _layers(client)[1]
    r = client.put("/api/networks/n0/probing/ablation", json={"layers": {layer: [0, 1, 2, 3]}})  # all 4 channels
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["layers"] == {layer: [0, 1, 2, 3]} and body["version"] == before["version"] + 1
    assert body["classification"] != before["predictions"]
    atlas = client.get(f"/api/networks/n0/layers/{layer}/activations")
    assert atlas.headers["x-input-version"] == str(body["version"])
    assert client.get("/api/networks/n0/probing").json()["ablation"] == {layer: [0, 1, 2, 3]}
    assert [e for e, d in events if d.get("version") == body["version"]] == ["input", "probing"]
    back = client.delete("/api/networks/n0/probing/ablation").json()
    assert back["layers"] == {} and back["classification"] == before["predictions"]


def test_activity_flow_lists_later_layers_and_classes_and_is_broadcast(client, events):
    layers = _layers(client)
    r = client.post("/api/networks/n0/probing/flow", json={"layer": layers[1], "channel": 2, "scores": True})
    assert r.status_code == 200, r.text
    flow = r.json()
    assert [f["id"] for f in flow["layers"]] == layers[2:-1]
    assert all(len(f["scores"]) >= len(f["top"]) for f in flow["layers"])
    assert flow["supported"] or flow["suppressed"]
    assert events[-1][0] == "probing" and events[-1][1]["selection"] == {"layer": layers[1], "channel": 2,
                                                                         "method": "ablation", "direction": "flow"}
    preview = client.post("/api/networks/n0/probing/flow", json={"layer": layers[1], "channel": 2,
                                                                  "method": "gradient"})
    assert preview.json()["method"] == "gradient"
    feeders = client.post("/api/networks/n0/probing/feeders", json={"layer": layers[2], "channel": 0}).json()
    assert set(feeders["precursors"]) == {layers[1]} and len(feeders["precursors"][layers[1]]) == 4


@pytest.mark.parametrize("call, status, words", [
    (("post", "flow", {"layer": "gone", "channel": 0}), 404, "no layer 'gone'"),
    (("post", "flow", {"layer": "L1", "channel": 99}), 422, "has 4 channels"),
    (("put", "ablation", {"layers": {"L1": [4]}}), 422, "has 4 channels"),
    (("put", "ablation", {"layers": {"output": [0]}}), 422, "no channels to probe"),
    (("put", "ablation", {"layers": {"L1": [-1]}}), 422, "greater than or equal to 0"),
    (("post", "occlusion", {"blocks": [{"x": 0, "y": 0, "w": 0, "h": 3}]}), 422, "greater than or equal to 1"),
    (("post", "occlusion", {"blocks": [{"x": 0, "y": 0, "w": 3, "h": 3, "fill": "red"}]}), 422, "fill"),
])
def test_bad_requests_get_clear_errors(client, call, status, words):
    method, path, body = call
    layer = _layers(client)[1]
    body = {k: ({layer if x == "L1" else x: y for x, y in v.items()} if isinstance(v, dict) else
                (layer if v == "L1" else v)) for k, v in body.items()}
    r = client.request(method, f"/api/networks/n0/probing/{path}", json=body)
    assert r.status_code == status, r.text
    assert words in r.json()["detail"]


@pytest.mark.parametrize("method, path, body", [
    ("post", "flow", {"layer": "layer3.1.conv2", "channel": 0}),
    ("post", "feeders", {"layer": "layer3.1.conv2", "channel": 0, "method": "ablation"}),
    ("put", "ablation", {"layers": {"layer3.1.conv2": [0]}}),
])
def test_a_layer_the_model_does_not_have_is_refused_naming_it_and_what_to_do(client, events, method, path, body):
    """A client still showing the model served before (another model's layer id) selects or switches off a channel:
    a 404 naming the layer and the network, saying to reload, and listing the layers there are; nothing changes."""
    before = client.get("/api/networks/n0/probing").json()
    r = client.request(method, f"/api/networks/n0/probing/{path}", json=body)
    assert r.status_code == 404, r.text
    detail = r.json()["detail"]
    assert "no layer 'layer3.1.conv2' in network n0" in detail
    assert "Reload the page" in detail and _layers(client)[1] in detail
    assert client.get("/api/networks/n0/probing").json() == before
    assert not [e for e in events if e[0] in ("probing", "input")]


def test_the_last_flow_and_feeders_are_there_for_clients_that_follow(client, events):
    assert client.get("/api/networks/n0/probing/flow").status_code == 404
    layers = _layers(client)
    made = client.post("/api/networks/n0/probing/flow", json={"layer": layers[1], "channel": 1}).json()
    assert client.get("/api/networks/n0/probing/flow").json() == made
    fed = client.post("/api/networks/n0/probing/feeders", json={"layer": layers[2], "channel": 3}).json()
    assert client.get("/api/networks/n0/probing/feeders").json() == fed
    assert events[-1][1]["selection"] == {"layer": layers[2], "channel": 3, "method": "ablation",
                                          "direction": "feeders"}


def test_a_layers_weights_and_first_layer_steps_come_in_the_activation_format(client, app):
    from layerwalk.api.wire import unpack_activations

    model = app.state.layerwalk.networks[0].network.model
    r = client.get("/api/networks/n0/layers/conv.0/weights")
    assert r.status_code == 200, r.text
    header, data = unpack_activations(r.content)
    entries = {e["id"]: e for e in header["layers"]}
    assert entries["weight"]["shape"] == [4, 1, 3, 3] and entries["norms"]["shape"] == [4, 1]
    w = entries["weight"]
    decoded = w["vmin"] + data["weight"].astype(float) * (w["vmax"] - w["vmin"]) / 255
    step = (w["vmax"] - w["vmin"]) / 255
    assert abs(decoded - model.conv[0].weight.detach().numpy()).max() <= step / 2 + 1e-6
    conv = client.get("/api/networks/n0/layers/conv.0/convolution", params={"channel": 2})
    assert conv.status_code == 200, conv.text
    assert float(conv.headers["x-bias"]) == pytest.approx(float(model.conv[0].bias[2].detach()))
    header, data = unpack_activations(conv.content)
    assert [e["id"] for e in header["layers"]] == ["kernel", "convolved", "biased", "output"]
    assert header["layers"][1]["shape"] == [1, 16, 16]
    deeper = client.get("/api/networks/n0/layers/main/convolution", params={"channel": 0})
    assert deeper.status_code == 422 and "does not read the input directly" in deeper.json()["detail"]
    assert client.get("/api/networks/n0/layers/main/weights").status_code == 200
