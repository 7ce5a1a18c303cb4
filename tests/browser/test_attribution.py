"""Attribution in the 3D client (issue 14), in headless Chromium against the real app (`layerwalk serve` with
ResNet-18 on the real photos, conftest.server): a panel toggled to attribution shows other pixels (the red of "for
the class" appears), another target class on the input canvas changes the maps, the output card's "Analyze
network" button runs Grad-CAM for the top-5 with progress and shows the result with its sanity badge and the input
overlay, channel importance orders and frames the maps; and the same by controller in emulated VR."""

from __future__ import annotations

import io
import json
import urllib.request

import numpy as np
import pytest
from client_actions import click_at
from PIL import Image
from vr_emulator import IWER_JS, EmulatedQuest, open_vr_client

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ANALYSIS_TIMEOUT = 240_000  # ms: Grad-CAM for 5 classes + the sanity cascade on a busy 2-core CPU
LAYER = "layer1.0.conv2"  # 64 maps of 56×56 in the first residual block


def _predictions(url: str) -> list[dict]:
    with urllib.request.urlopen(url + "api/networks/n0/classification?top=5", timeout=60) as r:
        return json.load(r)["predictions"]


def _top5(url: str) -> list[int]:
    return [p["index"] for p in _predictions(url)]


def _names(url: str) -> list[str]:
    return [p["name"] for p in _predictions(url)]


@pytest.fixture(autouse=True)
def _no_help_overlay(request):
    """The controls overlay (HTML, orange keys) would stand in front of the panels in the screenshots."""
    if "client" in request.fixturenames:
        request.getfixturevalue("client").page.evaluate("document.getElementById('lw-help').classList.add('lw-hidden')")


def attr(client, expr: str, arg=None):
    return client.lw(f"(A => {expr})(L.attribution)", arg)


def wait_analysis(page, timeout=ANALYSIS_TIMEOUT) -> None:
    page.wait_for_function("(() => { const s = window.__layerwalk.attribution.state('n0');"
                           " return s.result !== null && !s.running; })()", timeout=timeout)
    page.wait_for_function("window.__layerwalk.pendingTasks === 0", timeout=60_000)


def wait_drawn(page, frames=3) -> None:
    """Wait until the renderer has drawn a few more frames (the scene skips frames in which nothing changed)."""
    page.evaluate("window.__layerwalk.ctx.gate.invalidate()")
    start = page.evaluate("window.__layerwalk.renderer.info.render.frame")
    page.wait_for_function(f"window.__layerwalk.renderer.info.render.frame >= {start + frames}", timeout=30_000)


def show_layer(client, lid: str) -> dict:
    assert client.lw(f"L.flyToLayer({json.dumps(lid)})")
    client.page.wait_for_function("!window.__layerwalk.ctx.locomotion.flying", timeout=30_000)
    box = client.lw(f"L.panelScreenBox({json.dumps(lid)})")
    assert box["inFront"] and box["blockedBy"] is None, box
    return box


def panel_pixels(client, box: dict) -> np.ndarray:
    """The panel as it is on screen (RGB floats): inside its edges, without the bottom fifth where its card (with
    the orange active button) may stand in front of it."""
    wait_drawn(client.page)
    v = box["viewport"]
    left, top = max(box["left"], v["left"]) + 3, max(box["top"], v["top"]) + 3
    right, bottom = min(box["right"], v["right"]) - 3, min(box["bottom"], v["bottom"]) - 3
    bottom -= (bottom - top) / 5
    clip = {"x": left, "y": top, "width": right - left, "height": bottom - top}
    png = client.page.screenshot(clip=clip)
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(np.float32)


def changed(a: np.ndarray, b: np.ndarray) -> float:
    """Share of pixels that differ visibly (by more than 8 levels in some channel)."""
    return float((np.abs(a - b).max(-1) > 8).mean())


def red_fraction(img: np.ndarray) -> float:
    """Share of reddish pixels ("for the class", red to pink): the activation colormap (blue–black–white) has no
    pixel whose red exceeds its blue by more than the hover highlight (13 levels)."""
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    return float(((r - b > 20) & (r - g > 12)).mean())


def test_toggling_a_panel_to_attribution_changes_its_texture(client):
    lid = LAYER
    box = show_layer(client, lid)
    before = panel_pixels(client, box)
    assert red_fraction(before) < 0.002
    placeholder = attr(client, "A.panel(arg).attrTexture", lid)

    # the card's "attr" button, clicked: without a result, Grad-CAM for the top-5 runs first
    click_at(client.page, client.lw(f"L.cardButtonScreen({json.dumps(lid)}, 'mode-attribution')"))
    wait_analysis(client.page)
    state = attr(client, "A.state()")
    assert state["result"]["method"] == "gradcam" and lid in state["result"]["layers"]
    assert state["result"]["targets"] == _top5_of(client)
    panel = attr(client, "A.panel(arg)", lid)
    assert panel["mode"] == "attribution" and panel["modeUniform"] == 1 and panel["hasAttr"] == 1
    assert panel["attrTexture"] != placeholder and panel["attrChecksum"] is not None
    shown = panel_pixels(client, box)
    assert np.abs(shown - before).mean() > 10, "the panel looks the same in attribution mode"
    assert red_fraction(shown) > 0.01, red_fraction(shown)

    click_at(client.page, client.lw(f"L.cardButtonScreen({json.dumps(lid)}, 'mode-blend')"))
    assert attr(client, "A.panel(arg).modeUniform", lid) == 2
    blend = panel_pixels(client, box)
    assert np.abs(blend - shown).mean() > 3 and np.abs(blend - before).mean() > 3
    click_at(client.page, client.lw(f"L.cardButtonScreen({json.dumps(lid)}, 'mode-activations')"))
    assert np.abs(panel_pixels(client, box) - before).mean() < 2  # back to exactly the activations
    assert client.errors == []


def _top5_of(client) -> list[int]:
    return client.lw("(v => v.cards.get(v.outputId).state.top.map(p => p.index))(L.ctx.store.views.get('n0'))")


def test_analyze_button_runs_with_progress_and_shows_result_badge_and_overlay(client, server):
    out = client.lw("L.ctx.store.views.get('n0').outputId")
    client.lw("L.flyToStation()")
    client.page.wait_for_function("!window.__layerwalk.ctx.locomotion.flying", timeout=30_000)
    station_before = client.page.screenshot()
    show_layer(client, out)
    # record every job state the output card shows while the analysis runs
    client.page.evaluate("""out => { const card = window.__layerwalk.ctx.store.views.get('n0').cards.get(out);
        window.__jobs = []; const t = setInterval(() => { const j = card.state.job;
        if (j) window.__jobs.push([j.state, j.progress]);
        if (j && j.state === 'done') clearInterval(t); }, 30); }""", out)
    click_at(client.page, client.lw(f"L.cardButtonScreen({json.dumps(out)}, 'analyze')"))
    wait_analysis(client.page)
    jobs = client.page.evaluate("window.__jobs")
    assert jobs and jobs[0][0] in ("queued", "running") and jobs[-1] == ["done", 1], jobs
    state = attr(client, "A.state()")
    top5 = _top5(server.url)
    assert state["result"]["targets"] == top5 and state["target"] == top5[0]
    assert state["mode"] == "attribution"
    assert state["card"]["title"] == f"Grad-CAM · 5 classes · {len(state['result']['layers'])} layers"
    # the sanity badge says what the server's cascading-randomisation check found
    sanity = state["result"]["sanity"]
    assert sanity is not None and state["card"]["sanity"]["passes"] is sanity["passes"], (sanity, state["card"])
    assert ("✓" if sanity["passes"] else "✗") in state["card"]["sanity"]["text"]
    assert f"{sanity['rank_correlation']:.2f}" in state["card"]["sanity"]["text"]
    assert f"why “{_names(server.url)[0]}”?" in state["stationNote"]
    # every spatial layer of the result got its map; the others show their activations
    for lid in state["result"]["layers"][:: max(1, len(state["result"]["layers"]) // 8)]:
        assert attr(client, "A.panel(arg).hasAttr", lid) == 1
    # the input canvas shows the input-level map over the image
    client.lw("L.flyToStation()")
    client.page.wait_for_function("!window.__layerwalk.ctx.locomotion.flying", timeout=30_000)
    box = station_box(client)
    before = crop(station_before, box)
    after = crop(client.page.screenshot(), box)
    assert np.abs(after - before).mean() > 5
    assert red_fraction(after) > red_fraction(before) + 0.01
    assert client.errors == []


def station_box(client) -> dict:
    """Screen box of the input canvas' image (the lower 512 of its 512×800 pixels), 5 % inside its edges."""
    return client.lw("""(() => { const s = L.ctx.store.views.get('n0').station.object; s.updateMatrixWorld();
        const V = L.camera.position.constructor; const g = s.geometry.parameters;
        const top = -g.height / 2 + g.width;
        const a = L.screenOf(s.localToWorld(new V(-0.45 * g.width, -g.height / 2 + 0.05 * g.width, 0)));
        const b = L.screenOf(s.localToWorld(new V(0.45 * g.width, top - 0.05 * g.width, 0)));
        return {left: Math.min(a.x, b.x), right: Math.max(a.x, b.x), top: Math.min(a.y, b.y),
                bottom: Math.max(a.y, b.y)}; })()""")


def crop(png: bytes, box: dict) -> np.ndarray:
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(np.float32)
    return img[int(box["top"]):int(box["bottom"]), int(box["left"]):int(box["right"])]


def bar_screen(client, i: int) -> dict:
    return client.lw("L.screenOf(new L.camera.position.constructor(...L.attribution.barWorld(arg)))", i)


def test_choosing_another_target_class_changes_the_maps(client):
    lid = LAYER
    client.lw("L.flyToStation()")
    client.page.wait_for_function("!window.__layerwalk.ctx.locomotion.flying", timeout=30_000)
    # a click on the first class bar explains it (the analysis runs first), then the third class
    click_at(client.page, bar_screen(client, 0))
    wait_analysis(client.page)
    state = attr(client, "A.state()")
    first, third = state["result"]["targets"][0], state["result"]["targets"][2]
    assert state["target"] == first
    maps_first = attr(client, "A.panel(arg).attrChecksum", lid)
    note_first = state["stationNote"]
    click_at(client.page, bar_screen(client, 2))
    client.page.wait_for_function(f"window.__layerwalk.attribution.state('n0').target === {third}", timeout=30_000)
    client.page.wait_for_function(
        f"window.__layerwalk.attribution.panel({json.dumps(lid)}).attrChecksum !== {maps_first}", timeout=60_000)
    assert attr(client, "A.state().stationNote") != note_first  # the input canvas names the class it explains
    # the panel on screen changes with the target
    box = show_layer(client, lid)
    third_pixels = panel_pixels(client, box)
    attr(client, "A.selectTarget(arg)", first)
    client.page.wait_for_function(
        f"window.__layerwalk.attribution.panel({json.dumps(lid)}).attrChecksum === {maps_first}", timeout=60_000)
    assert changed(panel_pixels(client, box), third_pixels) > 0.05
    assert client.errors == []


def test_channel_importance_orders_and_frames_the_maps(client):
    lid = LAYER
    attr(client, "A.analyze()")
    wait_analysis(client.page)
    box = show_layer(client, lid)
    attr(client, "A.setNetworkMode('activations')")
    grid = panel_pixels(client, box)
    click_at(client.page, client.lw(f"L.cardButtonScreen({json.dumps(lid)}, 'importance')"))
    assert attr(client, "A.panel(arg).importance", lid) == "sorted"
    # the most important channel (largest score for the selected class) now sits in the top-left cell
    top = client.lw(f"""(() => {{ const p = L.ctx.store.views.get('n0').panels.get({json.dumps(lid)});
        const a = p.atlas;
        return p.hitAt({{x: a.cellW / 2 / a.width, y: 1 - a.cellH / 2 / a.height}}).channel; }})()""")
    expected = client.page.evaluate(f"""async () => {{ const s = window.__layerwalk.attribution.state();
        const res = await (await fetch('api/networks/n0/attributions/' + s.result.key)).json();
        const t = res.targets.findIndex(x => x.index === s.target);
        const sc = res.layers.find(l => l.id === {json.dumps(lid)}).channel_scores[t];
        return sc.indexOf(Math.max(...sc)); }}""")
    assert top == expected
    sorted_pixels = panel_pixels(client, box)
    assert np.abs(sorted_pixels - grid).mean() > 3
    click_at(client.page, client.lw(f"L.cardButtonScreen({json.dumps(lid)}, 'importance')"))
    assert attr(client, "A.panel(arg)", lid)["frames"] == 1
    framed = panel_pixels(client, box)
    assert red_fraction(framed) > red_fraction(grid) + 0.005  # frames: red = for the class
    assert client.errors == []


def test_vr_analyze_select_target_and_toggle_by_controller(browser, server):
    if not IWER_JS.exists():
        pytest.skip("client/node_modules/iwer missing (cd client && npm install)")
    client = open_vr_client(browser, server.url)
    try:
        quest = EmulatedQuest(client)
        quest.enter()
        out = client.lw("L.ctx.store.views.get('n0').outputId")

        def press(world_point, hover_prefix):
            quest.vr("V.placeRig(arg[0], arg[2] + 1.2, 0)", world_point)
            quest.aim("right", world_point)
            quest.wait_hover("right", hover_prefix)
            quest.click("right")

        press(quest.vr(f"V.cardButtonWorld('n0', {json.dumps(out)}, 'analyze')"), "info-cards")
        wait_analysis(client.page)
        state = attr(client, "A.state()")
        assert state["result"]["method"] == "gradcam" and state["mode"] == "attribution"
        assert state["card"]["sanity"]["passes"] is state["result"]["sanity"]["passes"]
        lid = LAYER
        maps_first = attr(client, "A.panel(arg).attrChecksum", lid)

        second = state["result"]["targets"][1]
        press(attr(client, "A.barWorld(1)"), "input-station")
        client.page.wait_for_function(f"window.__layerwalk.attribution.state('n0').target === {second}", timeout=30_000)
        client.page.wait_for_function(
            f"window.__layerwalk.attribution.panel({json.dumps(lid)}).attrChecksum !== {maps_first}", timeout=60_000)

        press(quest.vr(f"V.cardButtonWorld('n0', {json.dumps(lid)}, 'mode-blend')"), "info-cards")
        assert attr(client, "A.panel(arg)", lid)["modeUniform"] == 2
        quest.frames(3)
        stats = client.lw("L.stats()")
        assert stats["calls"] <= 2 * (stats["layers"] + 100), stats  # still one draw per panel and eye
        assert client.errors == []
    finally:
        client.page.close()
