"""The VR layer menu on the left wrist (issue 15's per-layer toggles in VR), in headless Chromium with the emulated
Quest (vr_emulator.py) against the real app (ResNet-18, conftest.server): X opens and closes it; with the right
controller's ray and trigger, open a stage and a block, hide one layer (gone from the scene, fewer draw calls),
show only a stage, show all (everything back, the same draw calls as before)."""

from __future__ import annotations

import pytest
from vr_emulator import EmulatedQuest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAYER = "layer3.0.conv1"


def menu(q: EmulatedQuest, expr: str, arg=None):
    return q.vr(f"(M => {expr})(V.menu)", arg)


def press(q: EmulatedQuest, target: dict) -> None:
    """Aim the right controller at a menu target and pull the trigger."""
    point = menu(q, "M.targetWorld(arg)", target)
    assert point is not None, target
    q.aim("right", point)
    q.wait_hover("right", "wrist-menu")
    q.click("right")
    q.frames(2)


def open_row(q: EmulatedQuest, label: str) -> None:
    """Page to the row named `label` and open it (a module)."""
    for _ in range(5):
        rows = [r["label"] for r in menu(q, "M.rows")]
        if label in rows:
            press(q, {"kind": "open", "row": rows.index(label)})
            return
        press(q, {"kind": "next"})
    raise AssertionError(f"no row {label!r} in the menu: {rows}")


def row_index(q: EmulatedQuest, label: str) -> int:
    rows = [r["label"] for r in menu(q, "M.rows")]
    assert label in rows, rows
    return rows.index(label)


def settled_calls(q: EmulatedQuest) -> int:
    """Draw calls of one stereo frame once nothing changes any more (two equal frames in a row)."""
    last = None
    for _ in range(20):
        q.frames(2)
        calls = q.client.lw("L.stats().calls")
        if calls == last:
            return calls
        last = calls
    raise AssertionError("the draw calls did not settle")


def test_the_wrist_menu_hides_a_layer_shows_only_a_stage_and_shows_all(quest):
    q = quest
    hidden = lambda: q.client.lw("L.orientation.hidden('n0')")  # noqa: E731
    panel_visible = lambda lid: q.client.lw(f"L.scene.getObjectByName('layer:{lid}').visible")  # noqa: E731
    # stand 3 m in front of layer3.0.conv1, left hand at the usual spot: the menu is open above its wrist
    centre = q.vr("V.worldOf(arg)", f"layer:{LAYER}")
    q.vr("V.placeRig(arg[0], arg[2] + 3, 0)", centre)
    q.pose("left", (-0.22, 1.25, -0.3))
    q.frames(3)
    assert menu(q, "M.open") is True
    # X on the left controller closes and opens it
    q.button("left", "x-button", 1)
    q.button("left", "x-button", 0)
    assert menu(q, "M.open") is False
    q.button("left", "x-button", 1)
    q.button("left", "x-button", 0)
    assert menu(q, "M.open") is True
    assert hidden() == []
    # measured with the ray on the menu (its hit dot drawn), as in every measurement below
    q.aim("right", menu(q, "M.targetWorld(arg)", {"kind": "showAll"}))
    q.wait_hover("right", "wrist-menu")
    before = settled_calls(q)

    # the root lists the network's modules and layers; open layer3, then its block 0, hide conv1 by its eye
    open_row(q, "layer3")
    assert menu(q, "M.place.path") == "layer3"
    open_row(q, "0")
    assert menu(q, "M.place.path") == "layer3.0"
    press(q, {"kind": "eye", "row": row_index(q, "conv1")})
    assert hidden() == [LAYER]
    assert panel_visible(LAYER) is False
    assert menu(q, "M.rows")[row_index(q, "conv1")]["hidden"] == "all"
    one_hidden = settled_calls(q)
    assert one_hidden <= before - 2, (before, one_hidden)  # its panel is drawn by neither eye any more

    # back to the root: "only" on layer3 hides every other layer of the network
    press(q, {"kind": "back"})
    press(q, {"kind": "back"})
    assert menu(q, "M.place.path") == ""
    stage = q.client.lw("[...L.ctx.store.views.get('n0').panels.keys()].filter(l => l.startsWith('layer3.'))")
    everything = q.client.lw("[...L.ctx.store.views.get('n0').panels.keys()]")
    for _ in range(5):
        if "layer3" in [r["label"] for r in menu(q, "M.rows")]:
            break
        press(q, {"kind": "next"})
    press(q, {"kind": "only", "row": row_index(q, "layer3")})
    assert sorted(hidden()) == sorted(set(everything) - set(stage))
    assert panel_visible(LAYER) is True and panel_visible("conv1") is False
    only_stage = settled_calls(q)
    assert only_stage < before, (before, only_stage)

    # show all: every layer back, and the same draw calls as before anything was hidden
    press(q, {"kind": "showAll"})
    assert hidden() == []
    assert all(panel_visible(lid) for lid in everything)
    assert settled_calls(q) == before
    assert q.client.errors == []
