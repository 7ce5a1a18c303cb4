"""Issue 12 as tests: DNS rebinding (Host) and cross-site (Origin/Referer/Sec-Fetch-Site) requests are refused for
every state-changing route and for private reads (dataset images, activations), same-origin pages keep working;
the literal-loopback rule for tokens; HEAD; 413 for chunked bodies; an empty channel list is a 422."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from layerwalk.api import Settings

REBOUND = {"host": "evil.example:5570"}
CROSS_SITE = [{"origin": "http://evil.example"}, {"origin": "null"}, {"referer": "http://evil.example/page.html"},
              {"sec-fetch-site": "cross-site"}, {"origin": "http://localhost:8080"}]  # another local web app too
SAME_ORIGIN = [{}, {"origin": "http://testserver"}, {"referer": "http://testserver/?pr=1"},
               {"sec-fetch-site": "same-origin"}]
PRIVATE_READS = ["/api/datasets/d0/items/0/image", "/api/networks/n0/activations", "/api/networks/n0/input.png",
                 "/api/networks/n0/layers/{lid}/activations", "/api/networks/n0/layers/{lid}/activations.png"]


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("L", (20, 20), 90).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def api(app_factory):
    app = app_factory()
    with TestClient(app) as client:
        lid = next(n["id"] for n in client.get("/api/networks/n0/graph").json()["nodes"] if n["kind"] == "conv")
        yield client, app, lid


def _state_changing_routes(app, lid: str) -> list[tuple[str, str]]:
    ids = {"nid": "n0", "lid": lid, "did": "d0"}
    paths = app.openapi()["paths"]
    routes = [(method.upper(), re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), "j0"), path))
              for path, operations in paths.items() for method in operations
              if method in ("post", "put", "patch", "delete")]
    assert len(routes) >= 4, routes  # input, upload, featurevis, job cancel at least
    return routes


def _request(client, method: str, path: str, headers: dict):
    if path.endswith("/upload"):
        return client.request(method, path, headers=headers, files={"file": ("x.png", _png(), "image/png")})
    if path.endswith("/input"):
        return client.request(method, path, headers=headers, json={"source": "noise", "seed": 3})
    return client.request(method, path, headers=headers, json={})


def _refused(r, code: str) -> None:
    assert r.status_code == 403, (r.status_code, r.text)
    body = r.json()
    assert set(body) == {"error", "detail"} and body["error"] == code and body["detail"], body


def test_rebound_host_is_refused_everywhere(api):
    client, app, lid = api
    for method, path in _state_changing_routes(app, lid):
        _refused(_request(client, method, path, REBOUND), "forbidden_host")
    for path in PRIVATE_READS:
        _refused(client.get(path.format(lid=lid), headers=REBOUND), "forbidden_host")
    for name in ("localhost.evil.example", "127.0.0.1.nip.io", "evil.example"):
        _refused(client.get("/api/networks", headers={"host": f"{name}:5570"}), "forbidden_host")
    assert client.get("/", headers=REBOUND).status_code == 403  # the client page too


@pytest.mark.parametrize("host", ["127.0.0.1:5570", "localhost:5570", "[::1]:5570", "127.0.0.2", "LOCALHOST"])
def test_loopback_hosts_are_served(api, host):
    client, _, _ = api
    assert client.get("/api/datasets/d0/items/0/image", headers={"host": host}).status_code == 200


@pytest.mark.parametrize("headers", CROSS_SITE)
def test_cross_site_requests_are_refused(api, headers):
    client, app, lid = api
    state = app.state.layerwalk
    version = client.get("/api/networks").json()[0]["version"]
    for method, path in _state_changing_routes(app, lid):
        _refused(_request(client, method, path, headers), "cross_site")
    for path in PRIVATE_READS:
        _refused(client.get(path.format(lid=lid), headers=headers), "cross_site")
    assert client.get("/api/networks").json()[0]["version"] == version  # the upload did not replace the input
    assert state.jobs.list() == []  # no featurevis job was started


def test_cross_site_simple_post_starts_no_job(api):
    """The classic CSRF: a form or ``fetch(no-cors)`` with a text/plain body, which needs no preflight."""
    client, app, lid = api
    r = client.post(f"/api/networks/n0/layers/{lid}/featurevis", content=b"x",
                    headers={"content-type": "text/plain", "origin": "http://evil.example"})
    _refused(r, "cross_site")
    assert app.state.layerwalk.jobs.list() == []


@pytest.mark.parametrize("headers", SAME_ORIGIN)
def test_same_origin_and_non_browser_requests_work(api, headers):
    client, _, lid = api
    before = client.get("/api/networks").json()[0]["version"]
    r = client.post("/api/networks/n0/input/upload", headers=headers, files={"file": ("x.png", _png(), "image/png")})
    assert r.status_code == 200 and r.json()["version"] > before, r.text
    for path in PRIVATE_READS:
        assert client.get(path.format(lid=lid), headers=headers).status_code == 200, path


def test_vite_dev_proxy_and_configured_origins(app_factory):
    # `npm run dev`: the browser talks to localhost:5173, which forwards /api with its own Host
    with TestClient(app_factory()) as client:
        r = client.post("/api/networks/n0/input", json={"source": "noise", "seed": 1},
                        headers={"host": "localhost:5173", "origin": "http://localhost:5173"})
        assert r.status_code == 200, r.text
    with TestClient(app_factory(cors_origins=["http://localhost:5173"])) as client:
        r = client.post("/api/networks/n0/input", json={"source": "noise", "seed": 1},
                        headers={"origin": "http://localhost:5173"})
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "http://localhost:5173"
        _refused(client.post("/api/networks/n0/input", json={"source": "noise", "seed": 1},
                             headers={"origin": "http://localhost:5174"}), "cross_site")


def test_allowed_hosts_and_wildcard_bind(app_factory):
    with TestClient(app_factory(allowed_hosts=["testserver", "vr.example.org"])) as client:
        assert client.get("/api/networks", headers={"host": "vr.example.org"}).status_code == 200
        _refused(client.get("/api/networks", headers={"host": "vr.example.com"}), "forbidden_host")
    with TestClient(app_factory(host="0.0.0.0", token="t")) as client:  # every interface: the token guards
        r = client.get("/api/networks", headers={"host": "my-desktop.lan:5570", "authorization": "Bearer t"})
        assert r.status_code == 200


@pytest.mark.parametrize(("host", "needs_token"), [
    ("127.0.0.1", False), ("127.0.0.2", False), ("127.255.255.254", False), ("::1", False), ("[::1]", False),
    ("localhost", False), ("localhost.evil.example", True), ("localhost.", True), ("localhostx", True),
    ("0.0.0.0", True), ("::", True), ("192.168.1.20", True), ("my-desktop", True), ("128.0.0.1", True)])
def test_only_literal_loopback_binds_without_token(host, needs_token):
    assert (Settings(host=host).token is not None) is needs_token


def test_auth_flags_override_the_host_rule():
    assert Settings(host="127.0.0.1", auth=True).token
    assert Settings(host="0.0.0.0", auth=False).token is None
    assert Settings(host="127.0.0.1", token="mine").token == "mine"


def test_head_answers_like_get(client):
    r = client.head("/api/networks")
    assert r.status_code == 200 and r.content == b"" and r.headers["content-type"] == "application/json"
    assert client.head("/api/datasets/d0/items/0/image").headers["content-type"] == "image/png"
    r = client.head("/api/events")  # a stream that never ends on GET: HEAD returns at once
    assert r.status_code == 200 and r.content == b"" and r.headers["content-type"].startswith("text/event-stream")
    assert client.head("/api/networks/n9/graph").status_code == 404


def test_chunked_oversize_upload_is_413(app_factory):
    with TestClient(app_factory(max_upload_bytes=50_000)) as client:
        boundary = "b0undary"
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\n"
                "Content-Type: image/png\r\n\r\n").encode()

        def chunks():  # no Content-Length: httpx sends it chunked
            yield head
            for _ in range(40):
                yield b"\0" * 4096
            yield f"\r\n--{boundary}--\r\n".encode()

        r = client.post("/api/networks/n0/input/upload", content=chunks(),
                        headers={"content-type": f"multipart/form-data; boundary={boundary}"})
        assert r.status_code == 413, r.text
        assert r.json()["error"] == "too_large" and "MiB" in r.json()["detail"]
        r = client.post("/api/networks/n0/input", content=(b" " * 1000 for _ in range(200)),
                        headers={"content-type": "application/json"})
        assert r.status_code == 413 and r.json()["error"] == "too_large"


def test_empty_channel_list_is_422(api):
    client, _, lid = api
    r = client.post(f"/api/networks/n0/layers/{lid}/featurevis", json={"channels": []})
    assert r.status_code == 422 and r.json()["error"] == "invalid_request" and "channels" in r.json()["detail"]
