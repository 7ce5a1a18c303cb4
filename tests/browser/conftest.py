"""Fixtures for real-browser tests of the 3D client: the real app (`layerwalk serve`) on a small real network,
headless Chromium.

`server` is `layerwalk serve --model torchvision:resnet18 --dataset imagefolder:SHAPES` on a folder of drawn shapes
(`draw_shapes`: 4 classes, 2 pages of the dataset panel). ResNet-18 has random weights unless they are in the torch
hub cache: the tests compare what the client shows with what the server answers, never with a fixed class. Set
LAYERWALK_URL to run the same tests against a running `layerwalk serve` instead.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CLIENT_DIST = ROOT / "src" / "layerwalk" / "client_dist" / "index.html"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--use-angle=swiftshader",
                 "--enable-unsafe-swiftshader"]
SHAPES = ("circle", "square", "stripes", "triangle")  # class folders, in the dataset's (sorted) order
SHAPES_PER_CLASS = 8


def draw_shapes(folder: Path) -> Path:
    """An image folder of coloured shapes on random backgrounds: item k is a SHAPES[k // SHAPES_PER_CLASS]."""
    rng = random.Random(0)
    for name in SHAPES:
        (folder / name).mkdir(parents=True)
        for i in range(SHAPES_PER_CLASS):
            img = Image.new("RGB", (96, 96), tuple(rng.randrange(0, 90) for _ in range(3)))
            draw, colour = ImageDraw.Draw(img), tuple(rng.randrange(120, 256) for _ in range(3))
            x, y, r = rng.randrange(30, 66), rng.randrange(30, 66), rng.randrange(14, 28)
            if name == "circle":
                draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
            elif name == "square":
                draw.rectangle((x - r, y - r, x + r, y + r), fill=colour)
            elif name == "triangle":
                draw.polygon([(x, y - r), (x - r, y + r), (x + r, y + r)], fill=colour)
            else:
                for k in range(0, 96, 12):
                    draw.rectangle((k, 0, k + 5, 95), fill=colour)
            img.save(folder / name / f"{i}.png")
    return folder


def small_network(folder: Path) -> tuple[str, ...]:
    return ("--model", "torchvision:resnet18", "--dataset", f"imagefolder:{folder}:all")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout=30.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not answer within {timeout}s")


def wait_until(condition, timeout: float = 30.0, every: float = 0.2) -> None:
    """Poll `condition()` until it is true; fail after `timeout` seconds."""
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(every)


def api(url: str, path: str, body: dict | None = None):
    """GET (or POST `body` as JSON to) `url + "api/" + path` and return the parsed answer."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + "api/" + path, data=data, method="GET" if body is None else "POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)


def classification_text(url: str, nid: str = "n0") -> str:
    """What the input canvas should say for the server's current input (the client's format, top 5)."""
    predictions = api(url, f"networks/{nid}/classification?top=5")["predictions"]
    return "; ".join(f"{p['name']} {p['probability'] * 100:.1f}%" for p in predictions)


@pytest.fixture(scope="session")
def chromium_path():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    if not CLIENT_DIST.exists():
        npm = shutil.which("npm")
        if not npm:
            pytest.skip("client not built and npm missing")
        subprocess.run([npm, "run", "build"], cwd=ROOT / "client", check=True)
    return CHROMIUM


@pytest.fixture(scope="session")
def playwright_instance():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance, chromium_path):
    b = playwright_instance.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture(scope="session")
def shapes_folder(tmp_path_factory) -> Path:
    return draw_shapes(tmp_path_factory.mktemp("shapes"))


@pytest.fixture(scope="session")
def resnet18_server(shapes_folder):
    """The real app on the small network, shared by the session (or LAYERWALK_URL if set)."""
    if os.environ.get("LAYERWALK_URL"):
        yield type("External", (), {"url": os.environ["LAYERWALK_URL"].rstrip("/") + "/", "proc": None})()
        return
    yield from _real_server(*small_network(shapes_folder))


@pytest.fixture()
def server(resnet18_server):
    """The shared server with its first network's input back at the first image (a circle)."""
    api(resnet18_server.url, "networks/n0/input", {"source": "dataset", "dataset": "d0", "index": 0})
    return resnet18_server


class LoadedPage:
    def __init__(self, page, errors):
        self.page, self.errors = page, errors

    def lw(self, expr: str, arg=None):
        return self.page.evaluate(f"(arg) => {{ const L = window.__layerwalk; return {expr}; }}", arg)


def open_client(browser, url: str, ready=True, query="?aa=0") -> LoadedPage:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url + query)
    if ready:
        page.wait_for_function("window.__layerwalk && window.__layerwalk.flags.activationsReady", timeout=120_000)
        page.wait_for_function("window.__layerwalk.pendingTasks === 0", timeout=60_000)
    return LoadedPage(page, errors)


@pytest.fixture()
def quest(browser, server):
    """A VR client of ``server`` in an emulated Quest that has entered its XR session (shared by the VR tests)."""
    from vr_emulator import IWER_JS, EmulatedQuest, open_vr_client  # here: vr_emulator imports this module

    if not IWER_JS.exists():
        pytest.skip("client/node_modules/iwer missing (cd client && npm install)")
    client = open_vr_client(browser, server.url)
    q = EmulatedQuest(client)
    q.enter()
    yield q
    client.page.close()


@pytest.fixture()
def client(browser, server):
    p = open_client(browser, server.url)
    yield p
    p.page.close()


class RealServer:
    """A real `layerwalk serve` on `port` (0: the server picks a free one and prints its URL)."""

    def __init__(self, *args: str, port: int = 0):
        self.args, self.port = args, port
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self, timeout=300.0):
        """Start (or restart, on the same port if one was given) and wait until the API answers."""
        exe = Path(sys.executable).with_name("layerwalk")
        cmd = [str(exe) if exe.exists() else "layerwalk", "serve", *self.args, "--port", str(self.port)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline, lines = time.time() + timeout, []
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"layerwalk serve exited: {''.join(lines)[-2000:]}")
            lines.append(line)
            if line.strip().startswith("http://"):
                self.url = line.strip().rstrip("/") + "/"
                threading.Thread(target=self.proc.stdout.read, daemon=True).start()  # keep draining
                wait_for(self.url + "api/networks")
                return self
        raise RuntimeError(f"layerwalk serve did not print its URL within {timeout}s: {''.join(lines)[-2000:]}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None


def _real_server(*args: str):
    s = RealServer(*args).start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="session")
def real_demo():
    """`layerwalk serve` with the demo (EfficientNet-Lite0 + photos), shared by the session."""
    yield from _real_server()


@pytest.fixture(scope="session")
def real_resnet50():
    """`layerwalk serve --model torchvision:resnet50 --dataset photos`, shared by the session."""
    yield from _real_server("--model", "torchvision:resnet50", "--dataset", "photos")
