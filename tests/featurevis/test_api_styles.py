"""The featurevis HTTP job takes a style and a JSON objective and reports both (real job, tiny network)."""

from fastapi.testclient import TestClient

from layerwalk.api import Settings, create_app
from tests.api.tiny import tiny_network


def _client(tmp_path):
    networks, datasets = tiny_network()
    app = create_app(Settings(client_dist=tmp_path / "none", allowed_hosts=["testserver"]), networks, datasets)
    return TestClient(app), app


def test_lucid_style_with_a_json_objective_runs_and_reports_it(tmp_path, monkeypatch):
    monkeypatch.setenv("LAYERWALK_CACHE", str(tmp_path / "cache"))
    client, app = _client(tmp_path)
    with client:
        lid = client.get("/api/networks/n0/graph").json()["nodes"][1]["id"]
        body = {"channels": [0, 1], "steps": 3, "style": "lucid",
                "objective": [{"term": "channel"}, {"term": "tv", "weight": -0.1}]}
        job = client.post(f"/api/networks/n0/layers/{lid}/featurevis", json=body).json()["job"]
        info = app.state.layerwalk.jobs.wait(job, 120)
        assert info.state.value == "done", info
        result = client.get(f"/api/jobs/{job}").json()["result"]
        assert result["style"] == "lucid" and result["objective"] == "channel() - 0.1*tv()"
        assert result["dead_channels"] == [] and len(result["final_objective"]) == 2
        bad = client.post(f"/api/networks/n0/layers/{lid}/featurevis", json={"objective": [{"term": "nope"}]})
        assert bad.status_code == 422 and "Traceback" not in bad.text
        bad = client.post(f"/api/networks/n0/layers/{lid}/featurevis",
                          json={"objective": [{"term": "direction"}]})
        assert bad.status_code in (400, 422) and "vector" in bad.text
    app.state.layerwalk.close()
