"""The ``influence`` job over HTTP: proponents and opponents of the current input, with image URLs."""

import pytest
from fastapi.testclient import TestClient

from layerwalk.api import Settings, create_app

from ..api.tiny import tiny_network


@pytest.fixture
def client(tmp_path):
    networks, datasets = tiny_network()
    app = create_app(Settings(client_dist=tmp_path / "none", allowed_hosts=["testserver"]), networks, datasets)
    with TestClient(app) as c:
        yield c
    app.state.layerwalk.close()


def _finish(client, job: str) -> dict:
    client.get(f"/api/jobs/{job}/events")  # the stream ends when the job ends
    return client.get(f"/api/jobs/{job}").json()


@pytest.mark.parametrize("method", ["ekfac", "tracin"])
def test_influence_job_ranks_the_training_images(client, method):
    client.post("/api/networks/n0/input", json={"source": "dataset", "dataset": "d0", "index": 4})
    r = client.post("/api/networks/n0/influence", json={"method": method, "top": 4, "layer_top": 2})
    assert r.status_code == 200, r.text
    info = _finish(client, r.json()["job"])
    assert info["state"] == "done", info["message"]
    result = info["result"]
    assert result["network"] == "n0" and result["method"] == method and result["train_size"] == 12
    assert len(result["proponents"]) == 4 and len(result["opponents"]) == 4
    scores = [p["score"] for p in result["proponents"]]
    assert scores == sorted(scores, reverse=True) and scores[0] > result["opponents"][0]["score"]
    assert {entry["layer"] for entry in result["layers"]} == {"conv.0", "main", "side", "head"}
    assert all(entry["node"] for entry in result["layers"])
    assert len(result["self_influence"]) == 4
    image = client.get(result["proponents"][0]["image"])
    r = client.post("/api/networks/n0/influence", json={"method": method, "top": 4, "self_top": 10})
    ranked = _finish(client, r.json()["job"])["result"]["self_influence"]
    assert len(ranked) == 10 and [e["score"] for e in ranked] == sorted((e["score"] for e in ranked), reverse=True)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"


def test_bad_influence_requests_are_clear_errors(client):
    r = client.post("/api/networks/n0/influence", json={"method": "magic"})
    assert r.status_code == 422
    r = client.post("/api/networks/n0/influence", json={"dataset": "d9"})
    assert r.status_code == 404 and "d9" in r.json()["detail"]
