"""The HTTP API serves a precomputed run to the network it was made for, and only to it."""

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient
from PIL import Image

from layerwalk.api.app import create_app
from layerwalk.api.config import Settings
from layerwalk.precompute import PrecomputeParams, precompute
from tests.api.tiny import tiny_network


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    (net,), (ds,) = tiny_network()
    out = tmp_path_factory.mktemp("pre")
    run = precompute(net, ds, out, PrecomputeParams(k=4, batch_size=5, shard_size=5), progress=False)
    app = create_app(Settings(precomputed=[out]), networks=[net], datasets=[ds])
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client, client.get("/api/networks").json()[0]["id"], run


def test_topk_rows_are_the_run_s_table(served):
    client, nid, run = served
    r = client.get(f"/api/networks/{nid}/layers/main/topk", params={"channel": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    expected = run.topk("main", channel=2).to_pylist()
    assert [row["image"] for row in body["rows"]] == [row["image"] for row in expected]
    assert len(body["rows"]) == 4 and all(row["channel"] == 2 for row in body["rows"])
    values = [row["value"] for row in body["rows"]]
    assert values == sorted(values, reverse=True)
    bottom = client.get(f"/api/networks/{nid}/layers/main/topk", params={"kind": "bottom", "limit": 1}).json()
    assert len(bottom["rows"]) == 4 and {row["rank"] for row in bottom["rows"]} == {0}  # one row per channel


def test_atlas_and_stats(served, tmp_path):
    client, nid, run = served
    r = client.get(f"/api/networks/{nid}/layers/conv.0/topk.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    (tmp_path / "a.png").write_bytes(r.content)
    assert Image.open(tmp_path / "a.png").size == (2 * 48 + 1, 2 * 48 + 1)  # 4 channels → 2×2 tiles of 48 px
    stats = client.get(f"/api/networks/{nid}/layers/output/stats").json()
    assert stats["images"] == 12 and len(stats["channels"]) == 3
    np.testing.assert_allclose(sum(c["mean"] for c in stats["channels"]), 1.0, rtol=1e-5)  # probabilities
    info = client.get(f"/api/networks/{nid}/precomputed").json()
    assert info["key"] == run.dir.name and info["images"] == 12 and "main" in info["layers"]


def test_errors_name_the_problem(served):
    client, nid, _ = served
    r = client.get(f"/api/networks/{nid}/layers/nope/topk")
    assert r.status_code == 404 and "nope" in r.json()["detail"]
    r = client.get(f"/api/networks/{nid}/layers/input/topk")
    assert r.status_code == 404 and "was not precomputed" in r.json()["detail"]


def test_a_run_of_other_weights_is_not_served(served):
    _, _, run = served
    (other,), (ds,) = tiny_network()
    with torch.no_grad():
        other.model.main.weight.add_(0.01)
    app = create_app(Settings(precomputed=[run.dir.parent]), networks=[other], datasets=[ds])
    with TestClient(app, base_url="http://127.0.0.1") as client:
        nid = client.get("/api/networks").json()[0]["id"]
        r = client.get(f"/api/networks/{nid}/layers/main/topk")
    assert r.status_code == 404 and "no precomputed results" in r.json()["detail"]
