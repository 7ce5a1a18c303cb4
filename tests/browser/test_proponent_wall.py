"""The proponent wall (issue 20) in headless Chromium against the real `layerwalk serve`: its button runs the
server's influence job for the current input, the wall shows exactly the job's proponents and opponents as
thumbnails, one of them picked up and dropped on the input becomes the network's input, and the wall then follows
the new input."""

from __future__ import annotations

import io
import json
import urllib.request

import numpy as np
import pytest
from client_actions import click_at
from PIL import Image

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.read()


def screen_of(client, world) -> dict:
    assert world is not None
    return client.lw("L.screenOf(new L.camera.position.constructor(...arg))", world)


def look_at_wall(client) -> None:
    client.lw("(() => { const V = L.camera.position.constructor; "
              "L.ctx.locomotion.flyTo(new V(...L.influence.eyeWorld()), new V(...L.influence.runWorld())); })()")
    client.page.wait_for_function("!window.__layerwalk.ctx.locomotion.flying", timeout=30_000)


EMPTY_CELL = np.array([11, 13, 18])  # the wall's fill of a cell whose image has not arrived (#0b0d12)


def differs_from_empty(client, at, half: int = 12) -> float:
    """Mean colour distance of a small square of the screen around a point from an empty cell."""
    png = client.page.screenshot(clip={"x": at["x"] - half, "y": at["y"] - half, "width": 2 * half,
                                       "height": 2 * half})
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3).astype(float)
    return float(np.abs(pixels - EMPTY_CELL).sum(1).mean())


def wait_for_wall(client, condition: str, timeout: float = 120_000) -> None:
    """Wait until the wall's state meets `condition` (JS over `s`); on a timeout, say what the wall showed."""
    try:
        client.page.wait_for_function(
            f"(() => {{ const s = window.__layerwalk.influence.state(); return {condition}; }})()", timeout=timeout)
    except Exception as e:  # noqa: BLE001 - re-raised with the wall's state
        raise AssertionError(f"{condition}: {client.lw('L.influence.state()')} {client.errors}") from e


def test_proponent_wall_shows_the_jobs_images_and_one_can_be_dropped_on_the_input(client, server):
    url = server.url
    look_at_wall(client)
    assert client.lw("L.influence.state()")["entries"] == []
    click_at(client.page, screen_of(client, client.lw("L.influence.runWorld()")))
    wait_for_wall(client, "s.entries.length === 16 && s.entries.every((e) => e.loaded) && !s.running")
    state = client.lw("L.influence.state()")
    job = json.loads(fetch(f"{url}api/jobs/{state['job']}"))
    assert job["state"] == "done" and job["kind"] == "influence"
    result = job["result"]
    version = client.lw("L.networks.n0.version")
    assert state["version"] == result["version"] == version
    shown = [(e["kind"], e["index"], e["score"]) for e in state["entries"]]
    expected = ([("proponent", r["index"], r["score"]) for r in result["proponents"]]
                + [("opponent", r["index"], r["score"]) for r in result["opponents"]])
    assert shown == expected and len(result["proponents"]) == len(result["opponents"]) == 8
    # the thumbnails are drawn: the cells show images (coloured shapes on random backgrounds), not the empty fill
    distances = [differs_from_empty(client, screen_of(client, client.lw(f"L.influence.entryWorld({i})")))
                 for i in range(16)]
    assert sum(d > 30 for d in distances) >= 14, distances

    # pick up an image from the wall (one that is not the current input) and drop it on the input canvas
    i = next(k for k, e in enumerate(state["entries"]) if e["index"] != 0)  # the server starts on image 0
    index = state["entries"][i]["index"]
    click_at(client.page, screen_of(client, client.lw(f"L.influence.entryWorld({i})")))
    assert client.lw("L.carrying") == f"image {index}"
    assert client.lw("L.flyToStation()")
    client.page.wait_for_function("!window.__layerwalk.ctx.locomotion.flying", timeout=30_000)
    click_at(client.page, client.lw("L.stationScreen('n0')"))
    client.page.wait_for_function(f"window.__layerwalk.networks.n0.version > {version}", timeout=30_000)
    dropped = fetch(f"{url}api/networks/n0/input.png")
    new_version = client.lw("L.networks.n0.version")

    # the wall follows the input: it recomputes for the dropped image once it is drawn again
    look_at_wall(client)
    wait_for_wall(client, f"s.version === {new_version} && s.entries.length === 16 && s.entries.every((e) => e.loaded)")
    again = json.loads(fetch(f"{url}api/jobs/{client.lw('L.influence.state()')['job']}"))["result"]
    assert again["version"] == new_version
    assert [e["index"] for e in client.lw("L.influence.state()")["entries"][:8]] == \
        [r["index"] for r in again["proponents"]]
    urllib.request.urlopen(urllib.request.Request(f"{url}api/networks/n0/input", method="POST",
                                                  data=json.dumps({"source": "dataset", "dataset": "d0",
                                                                   "index": index}).encode(),
                                                  headers={"Content-Type": "application/json"}), timeout=60).read()
    assert dropped == fetch(f"{url}api/networks/n0/input.png")  # the drop set exactly that training image
    assert client.errors == []
