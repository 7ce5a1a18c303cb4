"""An emulated Meta Quest 3 in headless Chromium for the VR tests: npm `iwer` (Meta's WebXR emulation runtime).

Nothing of this ships with the client: the page gets iwer's own UMD build (client/node_modules/iwer, a dev
dependency) as a Playwright init script, which replaces Chromium's native `navigator.xr` (hence `forceInstall`)
before the client's code runs. The client then sees an ordinary immersive-vr capable browser.

Controller poses are set in tracking space (the session's local-floor reference space); `L.vr.toTracking()` turns
world points into it, so a test can aim a controller at anything in the scene.
"""

from __future__ import annotations

import math
from pathlib import Path

from conftest import LoadedPage

ROOT = Path(__file__).resolve().parents[2]
IWER_JS = ROOT / "client" / "node_modules" / "iwer" / "build" / "iwer.min.js"
INSTALL = """
;(() => {
  const device = new IWER.XRDevice(IWER.metaQuest3, { stereoEnabled: %s });
  device.installRuntime({ forceInstall: true });
  window.__xrDevice = device;
})();
"""
# A headset's browser runs no window.requestAnimationFrame callbacks while an immersive session presents: the
# session's requestAnimationFrame drives the frames. Chromium with iwer runs both, so without this a client that
# waits for a window frame works here and hangs in a headset. iwer's own device loop (onDeviceFrame, the
# headset's compositor) keeps the window's frames; other callbacks are held until the session ends.
HEADSET_FRAMES = """
;(() => {
  const native = window.requestAnimationFrame.bind(window);
  const cancelNative = window.cancelAnimationFrame.bind(window);
  const held = new Map();
  let nextId = -1;
  const presenting = () => !!window.__xrDevice.activeSession;
  window.requestAnimationFrame = (callback) => {
    if (callback.name === 'onDeviceFrame' || !presenting()) return native(callback);
    held.set(nextId, callback);
    return nextId--;
  };
  window.cancelAnimationFrame = (id) => (id < 0 ? held.delete(id) : cancelNative(id));
  const release = () => {
    if (!presenting() && held.size) {
      const due = [...held.values()];
      held.clear();
      due.forEach((callback) => native(callback));
    }
    setTimeout(release, 50);
  };
  release();
  window.__heldFrames = () => held.size;
})();
"""
# Playwright's default polling of wait_for_function runs on window frames, which HEADSET_FRAMES holds: poll by time
POLL_MS = 50
HANDS = {"left": (-0.22, 1.35, -0.25), "right": (0.22, 1.35, -0.25)}


def aim_quaternion(direction) -> tuple[float, float, float, float]:
    """Quaternion (x, y, z, w) that turns the controller's forward (-z) to `direction` (yaw, then pitch, no roll)."""
    dx, dy, dz = direction
    n = math.sqrt(dx * dx + dy * dy + dz * dz)
    dx, dy, dz = dx / n, dy / n, dz / n
    yaw, pitch = math.atan2(-dx, -dz), math.asin(max(-1.0, min(1.0, dy)))
    sy, cy, sx, cx = math.sin(yaw / 2), math.cos(yaw / 2), math.sin(pitch / 2), math.cos(pitch / 2)
    return (cy * sx, sy * cx, -sy * sx, cy * cx)


class EmulatedQuest:
    """Drives the iwer device of a LoadedPage: enter VR, pose and aim controllers, press buttons, move sticks."""

    def __init__(self, client: LoadedPage):
        self.client, self.page = client, client.page

    def enter(self) -> None:
        self.wait("window.__layerwalk.vr && window.__layerwalk.vr.supported()", timeout=10_000)
        self.page.wait_for_selector("#lw-vr-button:not([hidden])", timeout=10_000)
        self.page.click("#lw-vr-button")
        self.wait("window.__layerwalk.vr.presenting")
        self.wait("window.__layerwalk.vr.pointers.every(p => p.connected)")

    def wait(self, expr: str, timeout=30_000, arg=None) -> None:
        """Wait until the page expression is true (polled by time: window frames may not run while presenting)."""
        self.page.wait_for_function(expr, arg=arg, timeout=timeout, polling=POLL_MS)

    def vr(self, expr: str, arg=None):
        return self.client.lw(f"(V => {expr})(L.vr)", arg)

    def frames(self, n=3) -> None:
        """Let n XR frames pass (the emulator applies poses and button values at frame start)."""
        self.page.evaluate("""n => new Promise(done => {
            const s = window.__layerwalk.renderer.xr.getSession();
            const step = k => k <= 0 ? done() : s.requestAnimationFrame(() => step(k - 1));
            step(n);
        })""", n)

    def pose(self, hand: str, position, quaternion=(0, 0, 0, 1)) -> None:
        self.page.evaluate("""([hand, p, q]) => {
            const c = window.__xrDevice.controllers[hand];
            c.position.set(p[0], p[1], p[2]);
            c.quaternion.set(q[0], q[1], q[2], q[3]);
        }""", [hand, list(position), list(quaternion)])

    def aim(self, hand: str, world_target, position=None) -> None:
        """Hold the controller at `position` (tracking space; default: a natural hand spot) pointing at a world
        point."""
        position = position or HANDS[hand]
        target = self.vr("V.toTracking(arg)", list(world_target))
        self.pose(hand, position, aim_quaternion([t - p for t, p in zip(target, position)]))
        self.frames(3)

    def pointer(self, hand: str) -> dict:
        return next(p for p in self.vr("V.pointers") if p["handedness"] == hand)

    def wait_hover(self, hand: str, name_prefix: str, timeout=10_000) -> None:
        self.wait("""([hand, prefix]) => { const p = window.__layerwalk.vr.pointers.find(p => p.handedness === hand);
                     return p && p.hovered && p.hovered.startsWith(prefix); }""", timeout, [hand, name_prefix])

    def button(self, hand: str, button: str, value: float) -> None:
        self.page.evaluate("([hand, id, v]) => window.__xrDevice.controllers[hand].updateButtonValue(id, v)",
                           [hand, button, value])
        self.frames(3)

    def click(self, hand: str, button="trigger") -> None:
        """Press and release (select for the trigger, squeeze for the grip)."""
        state = "selecting" if button == "trigger" else "squeezing"
        self.button(hand, button, 1)
        self.wait(f"window.__layerwalk.vr.pointers.find(p => p.handedness === '{hand}').{state}")
        self.button(hand, button, 0)
        self.wait(f"!window.__layerwalk.vr.pointers.find(p => p.handedness === '{hand}').{state}")

    def stick(self, hand: str, x: float, y: float) -> None:
        self.page.evaluate("([hand, x, y]) => window.__xrDevice.controllers[hand].updateAxes('thumbstick', x, y)",
                           [hand, x, y])
        self.frames(3)


def open_vr_client(browser, url: str, stereo=True, query="?aa=0", headset_frames=False) -> LoadedPage:
    """Like conftest.open_client, with the emulated headset installed before the client's first line runs;
    `headset_frames`: window frames stop while presenting, as in a headset (wait with EmulatedQuest.wait then)."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(script=IWER_JS.read_text() + INSTALL % ("true" if stereo else "false") +
                         (HEADSET_FRAMES if headset_frames else ""))
    page.goto(url + query)
    page.wait_for_function("window.__layerwalk && window.__layerwalk.flags.activationsReady", timeout=120_000)
    page.wait_for_function("window.__layerwalk.pendingTasks === 0", timeout=60_000)
    return LoadedPage(page, errors)
