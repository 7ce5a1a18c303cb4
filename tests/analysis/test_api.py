"""The analysis routes: receptive fields, an analysis job with progress, its JSON, CSV and PNG."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from layerwalk.api import Settings, create_app

from .conftest import hand_set_network


@pytest.fixture
def client(tmp_path):
    network, dataset = hand_set_network()
    app = create_app(Settings(client_dist=tmp_path / "no-client"), [network], [dataset])
    with TestClient(app, base_url="http://127.0.0.1") as c:  # a loopback Host, as the site guard wants
        yield c
    app.state.layerwalk.close()


def _finish(client, job_id: str) -> dict:
    client.app.state.layerwalk.jobs.wait(job_id, timeout=120)   # the job manager's own completion condition
    job = client.get(f"/api/jobs/{job_id}").json()
    assert job["state"] == "done", job
    return job


def test_receptive_fields_route(client):
    r = client.get("/api/networks/n0/analysis/receptive-fields")
    assert r.status_code == 200
    nodes = {n["node"]: n for n in r.json()["nodes"]}
    conv = nodes["0"]
    assert (conv["y"]["size"], conv["y"]["stride"], conv["y"]["offset"]) == (1, 1, 0)
    assert conv["y"]["lo"] == [0, 1, 2] and nodes["3"]["box"] == [0, 0, 2, 2]


def test_stats_job_json_csv_and_chart(client):
    r = client.post("/api/networks/n0/analysis", json={"what": "stats", "n": 5, "seed": 1})
    assert r.status_code == 200
    job = _finish(client, r.json()["job"])
    result = job["result"]
    assert result["analysis"] == "stats" and set(result["layers"]) == {"0", "3"} and job["progress"] == 1
    data = client.get(result["data"], params={"layer": "0"}).json()
    maxima = [row["max"] for row in data["channels"]]
    assert maxima[2] == 0 and data["ranking"][-1] == 2 and len(data["items"]) == 5
    table = list(csv.DictReader(io.StringIO(client.get(result["csv"]).text)))
    assert len(table) == 4 + 2 and {row["node"] for row in table} == {"0", "3"}
    png = client.get(result["chart"], params={"layer": "0"})
    assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"


def test_dead_filter_job_says_why(client):
    job = _finish(client, client.post("/api/networks/n0/analysis", json={"what": "dead", "n": 5}).json()["job"])
    filters = client.get(job["result"]["data"], params={"layer": "0"}).json()["filters"]
    assert [f["dead"] for f in filters] == [False, filters[1]["dead"], True, False]
    assert "negative bias" in filters[2]["reason"]


def test_bad_requests_name_the_problem(client):
    r = client.post("/api/networks/n0/analysis", json={"what": "stats", "layers": ["nope"]})
    assert r.status_code == 404 and "nope" in r.json()["detail"]
    assert client.post("/api/networks/n0/analysis", json={"what": "magic"}).status_code == 422
    r = client.get("/api/networks/n0/analysis/j999/data")
    assert r.status_code == 404


def test_focus_job_on_the_current_input(client):
    client.post("/api/networks/n0/input", json={"source": "dataset", "dataset": "d0", "index": 3})
    job = _finish(client, client.post("/api/networks/n0/analysis",
                                      json={"what": "focus", "layers": ["0"], "channels": [0, 3]}).json()["job"])
    assert job["result"]["analysis"] == "focus" and job["result"]["layers"] == ["0"]
    filters = client.get(job["result"]["data"]).json()["filters"]
    assert [f["channel"] for f in filters] == [0, 3]
    brightest = max(v for row in client.app.state.layerwalk.networks[0].network.dataset.dataset[3][0][0].tolist()
                    for v in row)
    for f, w in zip(filters, (1.0, 0.5)):           # channel c is relu(w_c·x): its peak is w_c × the brightest pixel
        values = [n[2] for n in f["neurons"]]
        assert abs(max(values) - brightest * w) < 1e-5 and min(values) >= 0.98 * brightest * w - 1e-6
    assert client.get(job["result"]["chart"]).content[:4] == b"\x89PNG"


def test_one_filter_as_the_dead_filter_details_show_it(client):
    r = client.get("/api/networks/n0/analysis/filter", params={"layer": "0", "channel": 2})
    assert r.status_code == 200
    f = r.json()
    assert (f["weights"], f["bias"], f["energy"], f["negative_pct"]) == ([[[2.0]]], -1000.0, 4.0, 0.0)
    one = client.get("/api/networks/n0/analysis/filter", params={"layer": "0", "channel": 1}).json()
    assert one["negative_pct"] == 100
    r = client.get("/api/networks/n0/analysis/filter", params={"layer": "0", "channel": 4})
    assert r.status_code == 400 and "0…3" in r.json()["detail"]
    r = client.get("/api/networks/n0/analysis/filter", params={"layer": "3", "channel": 0})   # the linear layer
    assert r.status_code == 404 and "conv" in r.json()["detail"]
