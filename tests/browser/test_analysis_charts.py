"""The ConvViz charts in the 3D scene (issue 16), in headless Chromium against the real app (`layerwalk serve` with
ResNet-18 on the drawn shapes, conftest.server): the charts of a layer appear beside its panel from the analysis
jobs, a filter picked on a chart is framed on the panel and a map clicked on the panel is highlighted on every chart
(one selection, shared with the server and broadcast to every client), a lasso on the t-SNE shows its inputs as
thumbnails that can be picked up and dropped on the input canvas; and a chart costs few draw calls."""

from __future__ import annotations

import csv
import io
import json
import urllib.request

import numpy as np
import pytest
from client_actions import click_at, next_frames
from conftest import api, wait_until
from PIL import Image

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAYER = "layer1.0.conv2"  # 64 filters of 56×56 maps
HIGHLIGHT = (1.0, 0.706, 0.33)


@pytest.fixture()
def charts(server, client):
    put_selection(server.url, {"origin": "test"})  # the session's server keeps the last test's selection
    client.page.evaluate("document.getElementById('lw-help').classList.add('lw-hidden')")
    names = client.page.evaluate(f"window.__layerwalk.charts.open({json.dumps(LAYER)})")
    assert set(names) == {"ranking", "cumulated", "dead", "pca", "tsne"}, names
    yield client
    # leave no selection behind on the session's server: later tests' pages would frame its maps in orange
    put_selection(server.url, {"origin": "test"})


def ch(client, expr: str, arg=None):
    return client.lw(f"(C => {expr})(L.charts)", arg)


def fly(client, expr: str) -> None:
    assert client.lw(expr)
    client.page.wait_for_function("!window.__layerwalk.ctx.locomotion.flying", timeout=30_000)
    next_frames(client.page, 3)


def selection_on_server(url: str) -> dict:
    return api(url, "networks/n0/analysis/selection")


def put_selection(url: str, body: dict) -> dict:
    req = urllib.request.Request(url + "api/networks/n0/analysis/selection", data=json.dumps(body).encode(),
                                 method="PUT", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def orange_pixels(client, box: dict) -> int:
    """Pixels of the selection colour (#ffb454) inside a screen box: the activation colormap (blue–black–white)
    and the panel's hover tint have none."""
    client.page.evaluate("window.__layerwalk.ctx.gate.invalidate()")
    next_frames(client.page, 3)
    clip = {"x": box["left"] + 2, "y": box["top"] + 2, "width": box["right"] - box["left"] - 4,
            "height": (box["bottom"] - box["top"]) * 0.75}
    img = np.asarray(Image.open(io.BytesIO(client.page.screenshot(clip=clip))).convert("RGB")).astype(int)
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    return int(((r > 200) & (g > 130) & (g < 215) & (b < 140)).sum())


def close(color, target=HIGHLIGHT) -> bool:
    return color is not None and all(abs(c - t) < 0.02 for c, t in zip(color, target))


def test_charts_and_panels_brush_each_other_and_a_lasso_gives_inputs_to_drop(charts, server):
    c = charts
    fly(c, "L.charts.flyToBoard()")
    for name in ("ranking", "cumulated", "dead", "pca", "tsne", "card"):
        box = ch(c, "C.chartBox(arg)", name)
        assert box["visible"] and box["blockedBy"] is None, (name, box)

    # few draw calls: each chart is its board plus one object (instanced bars or one THREE.Points)
    calls = ch(c, "C.drawCalls()")
    assert all(n == 2 for n in calls["perChart"].values()), calls
    assert calls["board"] <= 11 and calls["card"] == 1, calls

    # chart → panel: click the bar of the top-ranked filter
    top = ch(c, "C.state().board.charts.ranking")
    stats = api(server.url, f"networks/n0/analysis/{ch(c, 'C.state().board.jobs.ranking')}/data?layer={LAYER}")
    first = stats["ranking"][0]
    assert top["keys"] == 64
    click_at(c.page, ch(c, "C.keyScreen('ranking', arg)", first))
    c.page.wait_for_function(f"window.__layerwalk.charts.state().frames['n0/{LAYER}']?.join() === '{first}'",
                             timeout=10_000)
    state = ch(c, "C.state()")
    assert state["selection"] == {"layer": LAYER, "filters": [first], "inputs": [], "origin": "chart:ranking"}
    assert all(state["board"]["charts"][n]["highlighted"] == [first] for n in ("ranking", "cumulated", "dead", "pca"))
    assert close(ch(c, "C.colorOf('dead', arg)", first)) and close(ch(c, "C.colorOf('pca', arg)", first))
    other = stats["ranking"][1]
    assert not close(ch(c, "C.colorOf('ranking', arg)", other))
    server_side = selection_on_server(server.url)
    assert (server_side["layer"], server_side["filters"]) == (LAYER, [first])
    export_the_chart(c, first)

    fly(c, f"L.flyToLayer({json.dumps(LAYER)})")
    box = c.lw(f"L.panelScreenBox({json.dumps(LAYER)})")
    assert box["inFront"] and box["blockedBy"] is None, box
    framed = orange_pixels(c, box)
    assert framed > 20, framed

    # panel → charts: click another filter's map on the panel
    pick = stats["ranking"][-1]
    click_at(c.page, ch(c, f"C.tileScreen({json.dumps(LAYER)}, arg)", pick))
    c.page.wait_for_function(f"window.__layerwalk.charts.state().board.charts.ranking.highlighted.join() === '{pick}'",
                             timeout=10_000)
    c.page.keyboard.press("Escape")  # the click also opened the magnifier
    state = ch(c, "C.state()")
    assert state["selection"]["filters"] == [pick] and state["selection"]["origin"] == "panel"
    assert all(state["board"]["charts"][n]["highlighted"] == [pick] for n in ("ranking", "cumulated", "dead", "pca"))
    assert close(ch(c, "C.colorOf('ranking', arg)", pick)) and not close(ch(c, "C.colorOf('ranking', arg)", first))
    assert state["frames"][f"n0/{LAYER}"] == [pick]
    assert selection_on_server(server.url)["filters"] == [pick]

    # from Python (or another client): a selection put on the server reaches the charts and the panel
    put_selection(server.url, {"layer": LAYER, "filters": [first, other], "origin": "python"})
    c.page.wait_for_function(f"window.__layerwalk.charts.state().frames['n0/{LAYER}'].join() === "
                             f"'{','.join(map(str, sorted([first, other])))}'", timeout=10_000)
    assert ch(c, "C.state().board.charts.pca.highlighted") == sorted([first, other])
    focus_squares(c, server, sorted([first, other]))
    receptive_field_on_hover(c, server)
    lasso_then_drop(c, server)
    assert c.errors == []


def export_the_chart(c, top: int) -> None:
    """The card's export buttons save the chart last used (here the ranking: the stats analysis) as PNG and CSV.
    Headless Chromium does not save downloads, so the test records what the button asks the browser to save (the
    link's URL and file name) and fetches that URL itself."""
    c.page.evaluate("""() => { window.__saved = []; const click = HTMLAnchorElement.prototype.click;
        HTMLAnchorElement.prototype.click = function () { window.__saved.push([this.href, this.download]);
        return click.call(this); }; }""")
    click_at(c.page, ch(c, "C.cardScreen({kind: 'export', format: 'png'})"))
    click_at(c.page, ch(c, "C.cardScreen({kind: 'export', format: 'csv'})"))
    (png_url, png_name), (csv_url, csv_name) = c.page.evaluate("window.__saved")
    assert (png_name, csv_name) == (f"stats-{LAYER}.png", f"stats-{LAYER}.csv")
    with urllib.request.urlopen(png_url, timeout=300) as r:  # matplotlib on a busy CPU: a minute seen
        assert r.read()[:8] == b"\x89PNG\r\n\x1a\n"
    with urllib.request.urlopen(csv_url, timeout=60) as r:
        rows = list(csv.DictReader(io.StringIO(r.read().decode())))
    assert len(rows) == 64 and {r["node"] for r in rows} == {LAYER}
    assert next(int(r["rank"]) for r in rows if int(r["channel"]) == top) == 0


def focus_squares(c, server, filters: list[int]) -> None:
    """The card's focus button: the DeconvNet focus of the selected filters on the current input, as squares on the
    input canvas, as many as the server's focus analysis keeps neurons."""
    fly(c, "L.charts.flyToBoard()")
    click_at(c.page, ch(c, "C.cardScreen({kind: 'focus'})"))
    c.page.wait_for_function("(window.__layerwalk.charts.state().overlays.n0?.focusSquares ?? 0) > 0", timeout=60_000)
    job = api(server.url, "networks/n0/analysis", {"what": "focus", "layers": [LAYER], "channels": filters})["job"]
    wait_until(lambda: api(server.url, f"jobs/{job}")["state"] == "done", timeout=60)
    boxes = api(server.url, f"networks/n0/analysis/{job}/data")["filters"]
    assert [f["channel"] for f in boxes] == filters
    assert ch(c, "C.state().overlays.n0.focusSquares") == sum(len(f["boxes"]) for f in boxes)


def receptive_field_on_hover(c, server) -> None:
    """Hovering a pixel of a map draws that unit's receptive field (the server's, for that unit) on the input canvas."""
    fly(c, f"L.flyToLayer({json.dumps(LAYER)})")
    at = ch(c, f"C.tileScreen({json.dumps(LAYER)}, 0)")
    c.page.evaluate("document.exitPointerLock()")
    c.page.mouse.move(at["x"], at["y"])
    c.page.wait_for_function("window.__layerwalk.charts.state().overlays.n0?.field != null", timeout=30_000)
    field = ch(c, "C.state().overlays.n0.field")
    rf = next(n for n in api(server.url, "networks/n0/analysis/receptive-fields")["nodes"] if n["node"] == LAYER)
    units = [[rf["y"]["lo"][y], rf["x"]["lo"][x], rf["y"]["hi"][y], rf["x"]["hi"][x]]
             for y in range(26, 31) for x in range(26, 31)]  # the map's centre, give or take a screen pixel
    assert field in units, (field, units[12])
    assert field[2] - field[0] + 1 == rf["y"]["size"]  # a centre unit's field is not clipped by the image border
    c.page.mouse.move(5, 5)  # off the panel: the field goes away
    c.page.wait_for_function("window.__layerwalk.charts.state().overlays.n0.field === null", timeout=30_000)


def lasso(page, corners, steps: int = 6) -> None:
    """Press at the first corner, move along the polygon's edges (one frame per step) and release."""
    page.evaluate("document.exitPointerLock()")
    page.mouse.move(corners[0]["x"], corners[0]["y"])
    next_frames(page)
    page.mouse.down()
    for a, b in zip(corners, corners[1:] + corners[:1]):
        for i in range(1, steps + 1):
            page.mouse.move(a["x"] + (b["x"] - a["x"]) * i / steps, a["y"] + (b["y"] - a["y"]) * i / steps)
            next_frames(page, 1)
    page.mouse.up()
    next_frames(page)


def lasso_then_drop(c, server) -> None:
    """Lasso the left part of the t-SNE: its inputs are selected and six of them appear as thumbnails; the first,
    picked up and dropped on the input canvas, becomes the network's input. (Part of the test above: the charts'
    analyses run once.)"""
    fly(c, "L.charts.flyToBoard()")
    points = ch(c, "C.plotPoints('tsne')")
    assert len(points) == 32  # every drawn shape (the dataset has fewer than 500 items)
    xs = sorted(p["x"] for p in points)
    gaps = [(xs[i + 1] - xs[i], i) for i in range(len(xs) // 4, 3 * len(xs) // 4)]
    _, i = max(gaps)
    cut = (xs[i] + xs[i + 1]) / 2  # a vertical cut through the widest gap near the middle: no point is near it
    inside = sorted(p["key"] for p in points if p["x"] < cut)
    corners = [ch(c, "C.plotScreen('tsne', arg[0], arg[1])", xy) for xy in
               ((0.01, 0.01), (cut, 0.01), (cut, 0.99), (0.01, 0.99))]
    lasso(c.page, corners)
    c.page.wait_for_function("window.__layerwalk.charts.state().selection.inputs.length > 0", timeout=10_000)
    state = ch(c, "C.state()")
    assert state["selection"]["inputs"] == inside
    assert state["board"]["charts"]["tsne"]["highlighted"] == inside
    assert selection_on_server(server.url)["inputs"] == inside
    thumbs = state["board"]["thumbnails"]
    assert [t["item"] for t in thumbs] == inside[:6]
    c.page.wait_for_function("window.__layerwalk.charts.state().board.thumbnails.every((t) => t.loaded)",
                             timeout=20_000)

    # pick the first thumbnail up and drop it on the input canvas
    item = thumbs[0]["item"]
    click_at(c.page, ch(c, "C.cardScreen({kind: 'thumbnail', index: 0})"))
    assert c.lw("L.carrying") == thumbs[0]["label"]
    version = c.lw("L.networks.n0.version")
    fly(c, "L.flyToStation()")
    click_at(c.page, c.lw("L.stationScreen('n0')"))
    c.page.wait_for_function(f"window.__layerwalk.networks.n0.version > {version}", timeout=30_000)
    dropped = api(server.url, "networks/n0/classification?top=5")["predictions"]
    again = api(server.url, "networks/n0/input", {"source": "dataset", "dataset": "d0", "index": item})
    assert [p["probability"] for p in dropped] == pytest.approx([p["probability"] for p in again["classification"]])
