"""The feature-visualization result panel in real Chromium against the real app (conftest.py): the start image and
the style are chosen on the layer's card, the panel says what it shows (title) and which channel each image is
(numbers read back from its texture), it stands where the layer's fly-to spot sees it, the toast leaves the card's
progress bar free, and a reload shows the server's kept result again."""

from __future__ import annotations

import json

import pytest
from client_actions import click_at, next_frames

pytestmark = pytest.mark.browser

LAYER = "layer1.0.conv1"
CHANNELS = [0, 1, 2, 3]


def fly_to(client, lid: str) -> None:
    assert client.lw(f"L.flyToLayer({json.dumps(lid)})")
    client.page.wait_for_function("!window.__layerwalk.ctx.locomotion.flying", timeout=30_000)
    next_frames(client.page, 3)


def click_card(client, button: str) -> None:
    click_at(client.page, client.lw(f"L.cardButtonScreen({json.dumps(LAYER)}, {json.dumps(button)})"))
    next_frames(client.page)


def run(client) -> dict:
    """Visualize CHANNELS with the card's choice (a few steps); returns the panel's info."""
    got = client.page.evaluate(
        "([lid, channels]) => window.__layerwalk.startFeatureVis(lid, {channels, steps: 3})", [LAYER, CHANNELS])
    assert got == CHANNELS, client.page.eval_on_selector_all(".lw-toast", "els => els.map(e => e.textContent)")
    return info(client)


def info(client) -> dict:
    return client.lw(f"L.featureVisInfo({json.dumps(LAYER)})")


def overlaps(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def assert_in_view(panel: dict) -> None:
    box, view = panel["screen"], panel["viewport"]
    assert panel["screen"]["inFront"], panel
    assert view["left"] <= box["left"] and box["right"] <= view["right"], panel
    assert view["top"] <= box["top"] and box["bottom"] <= view["bottom"], panel


def test_featurevis_panel_titled_numbered_in_view_and_restored(client):
    fly_to(client, LAYER)
    assert client.lw(f"L.featureVisChoice({json.dumps(LAYER)})") == {"start": "noise", "style": "paper"}
    click_card(client, "fv-start")
    assert client.lw(f"L.featureVisChoice({json.dumps(LAYER)})")["start"] == "input"
    click_card(client, "fv-start")  # back to noise, the default
    assert client.lw(f"L.featureVisChoice({json.dumps(LAYER)})")["start"] == "noise"

    noise = run(client)
    name = client.lw(f"L.ctx.store.views.get('n0').panels.get({json.dumps(LAYER)}).node.name")
    assert noise["title"] == f"✦ {name} · channels 0–3 · paper · from noise" and noise["start"] == "noise"
    assert noise["labels"] == CHANNELS and noise["inkedLabels"] == len(CHANNELS) and noise["titleInked"]
    # the toasts (started, done) leave the card's progress bar free
    bar = client.lw(f"L.cardJobBarScreen({json.dumps(LAYER)})")
    toasts = client.page.eval_on_selector_all(".lw-toast", "els => els.map(e => e.getBoundingClientRect().toJSON())")
    assert toasts and not any(overlaps(t, bar) for t in toasts), (toasts, bar)
    # the camera was at the layer's spot: it framed the result with the layer; the layer's fly-to spot sees it too
    client.page.wait_for_function("!window.__layerwalk.ctx.locomotion.flying", timeout=30_000)
    next_frames(client.page, 3)
    assert_in_view(info(client))
    fly_to(client, "layer2.0.conv1")
    fly_to(client, LAYER)
    assert_in_view(info(client))

    click_card(client, "fv-start")
    assert client.lw(f"L.featureVisChoice({json.dumps(LAYER)})") == {"start": "input", "style": "paper"}
    from_input = run(client)
    assert from_input["title"].endswith("from input") and from_input["checksum"] != noise["checksum"]

    click_card(client, "fv-style")
    assert client.lw(f"L.featureVisChoice({json.dumps(LAYER)})")["style"] == "lucid"
    lucid = run(client)
    assert lucid["style"] == "lucid" and " · lucid · " in lucid["title"]
    assert lucid["checksum"] not in (noise["checksum"], from_input["checksum"])

    client.page.reload()
    client.page.wait_for_function("window.__layerwalk && window.__layerwalk.flags.activationsReady", timeout=120_000)
    client.page.wait_for_function(f"window.__layerwalk.featureVisInfo({json.dumps(LAYER)}) !== null", timeout=60_000)
    restored = info(client)
    assert restored["title"] == lucid["title"] and restored["labels"] == CHANNELS
    assert restored["checksum"] == lucid["checksum"]
    fly_to(client, LAYER)
    assert_in_view(info(client))
    assert client.errors == []
