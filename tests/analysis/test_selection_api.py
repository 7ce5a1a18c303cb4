"""The linked views' shared selection (issue 16, R5): one state per network, validated, and broadcast on the event
stream so every client (desktop, headset, notebook) sees the same highlight."""

from __future__ import annotations

import asyncio

from layerwalk.api.events import event_stream

from .test_api import client  # noqa: F401  (the fixture: the hand-set network behind the real app)


def test_selection_starts_empty_and_keeps_what_was_put(client):  # noqa: F811
    assert client.get("/api/networks/n0/analysis/selection").json() == {
        "layer": None, "filters": [], "inputs": [], "origin": "", "network": "n0", "seq": 0}
    r = client.put("/api/networks/n0/analysis/selection", json={"layer": "0", "filters": [2, 0], "origin": "python"})
    assert r.status_code == 200 and r.json()["seq"] == 1
    r = client.put("/api/networks/n0/analysis/selection", json={"inputs": [4, 1], "origin": "chart"})
    assert r.json()["seq"] == 2
    now = client.get("/api/networks/n0/analysis/selection").json()
    assert (now["layer"], now["filters"], now["inputs"], now["origin"]) == (None, [], [4, 1], "chart")


def test_bad_selections_name_the_problem(client):  # noqa: F811
    r = client.put("/api/networks/n0/analysis/selection", json={"layer": "0", "filters": [9]})
    assert r.status_code == 400 and "channels 0…3" in r.json()["detail"]
    r = client.put("/api/networks/n0/analysis/selection", json={"filters": [1]})
    assert r.status_code == 400 and "layer" in r.json()["detail"]
    r = client.put("/api/networks/n0/analysis/selection", json={"layer": "nope", "filters": [1]})
    assert r.status_code == 404
    assert client.get("/api/networks/n0/analysis/selection").json()["seq"] == 0  # nothing was stored


def test_a_selection_is_broadcast_on_the_event_stream(client):  # noqa: F811
    broker = client.app.state.layerwalk.events

    async def run():
        stream = event_stream(broker, heartbeat=5)
        await anext(stream)  # subscribed
        pending = asyncio.ensure_future(anext(stream))
        await asyncio.to_thread(client.put, "/api/networks/n0/analysis/selection",
                                json={"layer": "3", "filters": [1], "origin": "panel"})
        return await asyncio.wait_for(pending, 10)

    text = asyncio.run(run())
    assert text.startswith("event: selection\n")
    assert '"filters":[1]' in text and '"layer":"3"' in text and '"seq":1' in text
