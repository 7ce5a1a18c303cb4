"""What a desktop user does in the 3D client, for the browser tests: click a screen point, pick a dataset image
up and drop it on the input canvas, drag with the mouse. The client reads the mouse once per animation frame, so
each step waits for frames to pass (a condition), not for a fixed time."""

from __future__ import annotations

FRAMES_JS = ("(n) => new Promise((done) => { const f = () => (--n <= 0 ? done() : requestAnimationFrame(f)); "
             "requestAnimationFrame(f); })")


def next_frames(page, n: int = 2) -> None:
    """Return once `n` animation frames have run (the render loop has seen every input given before)."""
    page.evaluate(FRAMES_JS, n)


def click_at(page, at) -> None:
    """Click a screen point (from the debug API: x, y, visible); mouse look (pointer lock) off first, so moving
    the mouse cannot turn the camera."""
    page.evaluate("document.exitPointerLock()")
    assert at and at["visible"], at
    page.mouse.move(at["x"], at["y"])
    next_frames(page)  # the hover is picked by the render loop
    page.mouse.click(at["x"], at["y"])


def pick_and_drop(client, item: int, label: str, nid: str = "n0") -> tuple[dict, dict]:
    """Pick dataset item `item` up (it must be carried as `label`), drop it on the network's input canvas and wait
    until every layer is updated; returns the network's debug state before and after."""
    before = client.lw(f"L.networks.{nid}")
    click_at(client.page, client.lw(f"L.datasetItemScreen({item})"))
    assert client.lw("L.carrying") == label
    updates = client.lw("L.updates")
    click_at(client.page, client.lw(f"L.stationScreen('{nid}')"))
    client.page.wait_for_function(f"window.__layerwalk.networks.{nid}.version > {before['version']}", timeout=30_000)
    client.page.wait_for_function(f"window.__layerwalk.updates > {updates} && window.__layerwalk.pendingTasks === 0",
                                  timeout=60_000)
    return before, client.lw(f"L.networks.{nid}")


def drag(page, start, dx: float, dy: float, steps: int = 12) -> None:
    """Press the left button at a screen point, move by (dx, dy) pixels in steps (one frame each), release."""
    page.evaluate("document.exitPointerLock()")
    assert start and start["visible"], start
    page.mouse.move(start["x"], start["y"])
    next_frames(page)
    page.mouse.down()
    for i in range(1, steps + 1):
        page.mouse.move(start["x"] + dx * i / steps, start["y"] + dy * i / steps)
        next_frames(page, 1)
    next_frames(page)
    page.mouse.up()
    next_frames(page)
