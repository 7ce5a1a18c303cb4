from __future__ import annotations

from fastapi.testclient import TestClient

from layerwalk.api.middleware import token_matches


def test_token_matches_all_ways():
    assert token_matches("t0k", authorization="Bearer t0k") == (True, False)
    assert token_matches("t0k", header="t0k") == (True, False)
    assert token_matches("t0k", cookie="t0k") == (True, False)
    assert token_matches("t0k", query="t0k") == (True, True)
    assert token_matches("t0k", authorization="Bearer nope", header="x", cookie="y", query="z") == (False, False)
    assert token_matches("t0k") == (False, False)


def test_token_required_when_set(app_factory):
    with TestClient(app_factory(token="s3cret")) as client:
        r = client.get("/api/networks")
        assert r.status_code == 401 and r.json()["error"] == "unauthorized" and "token" in r.json()["detail"]
        assert client.get("/api/networks", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert client.get("/api/networks", headers={"X-Layerwalk-Token": "s3cret"}).status_code == 200
        assert client.get("/openapi.json").status_code == 401
        r = client.get("/?token=s3cret")
        assert r.status_code == 200 and "layerwalk_token=s3cret" in r.headers["set-cookie"]
        assert client.get("/api/networks").status_code == 200  # the cookie now carries the token


def test_no_token_no_auth(client):
    assert client.get("/api/networks").status_code == 200
