"""3D client speed in headless Debian Chromium (software GL): full ResNet50 scene vs an empty scene, and
"drop image → all panels updated".

    .venv/bin/python benchmarks/bench_client.py [--model torchvision:resnet50] [--frames 60] [--rounds 3]
        [--drops 7] [--write BENCHMARKS.md]
    .venv/bin/python benchmarks/bench_client.py --drops-only [--models demo,torchvision:resnet50] [--drops 7]
        [--baseline-dist DIR]

``--drops-only`` measures the user-visible figure for each model: time from the POST of the new input (seen in the
page, by wrapping ``fetch``) to the animation frame after the last layer panel was drawn, and the requests the page
sent for each drop (activations, classification, input image) — one fetch per input is the goal. With
``--baseline-dist DIR`` (an older client built with ``npx vite build --outDir DIR``) a second server of the same
model serves that build and the two clients drop in turn, so both see the same machine load.

Starts the real ``layerwalk serve --model … --dataset photos --port 0``, opens the client twice in the same
browser — the network (``?continuous=1``) and the same renderer with no network (``?continuous=1&empty=1``) —
and alternates between them so both see the same machine load. ``continuous=1`` draws every frame (the client
normally skips frames in which nothing changed). Frame time = median interval between animation frames; the
drop is a real click on a dataset thumbnail and a click on the input canvas, timed by the client from the drop to
the frame after the last layer texture was uploaded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--use-angle=swiftshader",
                 "--enable-unsafe-swiftshader"]
FRAMES_JS = """(n) => new Promise((resolve) => {
  const t = []; let last = null;
  const f = (now) => { if (last !== null) t.push(now - last); last = now;
                       if (t.length < n) requestAnimationFrame(f); else resolve(t); };
  requestAnimationFrame(f); })"""
OVERVIEW_JS = """() => { const L = window.__layerwalk, c = L.camera,
  b = L.ctx.store.views.get('n0').graph.layout.bounds;
  const cz = (b.min[2] + b.max[2]) / 2, depth = b.max[2] - b.min[2];
  c.position.set(b.max[0] + 0.35 * depth, 0.3 * depth, b.max[2] + 2); c.lookAt((b.min[0] + b.max[0]) / 2, 0, cz);
  L.ctx.locomotion.syncFromCamera(); }"""


def start_server(model: str, client_dist: Path | None = None) -> tuple[subprocess.Popen, str]:
    """`layerwalk serve` for `model` on a free port (serving another build of the client if `client_dist` is set)."""
    exe = Path(sys.executable).with_name("layerwalk")
    network = [] if model == "demo" else ["--model", model, "--dataset", "photos"]  # no flags: the embedded demo
    env = {**os.environ, **({"LAYERWALK_CLIENT_DIST": str(client_dist)} if client_dist else {})}
    proc = subprocess.Popen([str(exe), "serve", *network, "--port", "0"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in proc.stdout:
        if line.strip().startswith("http://"):
            threading.Thread(target=proc.stdout.read, daemon=True).start()
            return proc, line.strip().rstrip("/") + "/"
    raise RuntimeError("layerwalk serve exited before printing its URL")


def open_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(url)
    page.wait_for_function("window.__layerwalk && window.__layerwalk.flags.activationsReady", timeout=300_000)
    page.wait_for_function("window.__layerwalk.pendingTasks === 0", timeout=120_000)
    page.wait_for_timeout(1500)
    return page


def frame_times(page, n: int) -> list[float]:
    return page.evaluate(FRAMES_JS, n)[3:]


def measure(page, other, n: int) -> list[float]:
    other.evaluate("window.__layerwalk.ctx.gate.paused = true")
    page.evaluate("window.__layerwalk.ctx.gate.paused = false")
    page.wait_for_timeout(300)
    return frame_times(page, n)


def click(page, at) -> None:
    page.evaluate("document.exitPointerLock()")
    assert at and at["visible"], at
    page.mouse.move(at["x"], at["y"])
    page.wait_for_timeout(150)
    page.mouse.click(at["x"], at["y"])


def drop_times(page, drops: int) -> list[float]:
    times = []
    for i in range(drops):
        updates = page.evaluate("window.__layerwalk.updates")
        click(page, page.evaluate(f"window.__layerwalk.datasetItemScreen({1 + i % 6})"))
        click(page, page.evaluate("window.__layerwalk.stationScreen('n0')"))
        page.wait_for_function(f"window.__layerwalk.updates > {updates}", timeout=120_000)
        times.append(page.evaluate("window.__layerwalk.lastUpdateMs"))
        page.wait_for_timeout(500)
    return times


def timing_js(posts: str) -> str:
    """Installed before the client loads: time stamps of every POST whose URL matches the regular expression
    `posts` and of the first animation frame after each completed update (the client counts an update once the
    textures of its last layer were drawn)."""
    return """(() => {
  const bench = window.__bench = { posts: [], updated: [] };
  const fetch0 = window.fetch;
  window.fetch = function (input, init) {
    const method = (init && init.method) || (input instanceof Request ? input.method : 'GET');
    const url = input instanceof Request ? input.url : String(input);
    if (method === 'POST' && new RegExp(POSTS).test(url)) bench.posts.push(performance.now());
    return fetch0.apply(this, arguments);
  };
  let seen = null;
  const tick = () => {
    const L = window.__layerwalk;
    if (L && L.updates !== seen) { if (seen !== null) bench.updated.push(performance.now()); seen = L.updates; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()""".replace("POSTS", json.dumps(posts))


TIMING_JS = timing_js(r"/input(/upload)?$")
COUNTED = {"activations": re.compile(r"/activations$"), "classification": re.compile(r"/classification\?"),
           "input image": re.compile(r"/input\.png\?")}


def open_timed_page(browser, url: str):
    """The client with TIMING_JS installed, loaded, and the list the URLs it requests are appended to."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.add_init_script(TIMING_JS)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url))
    page.goto(url)
    page.wait_for_function("window.__layerwalk && window.__layerwalk.flags.activationsReady", timeout=300_000)
    page.wait_for_function("window.__layerwalk.pendingTasks === 0", timeout=120_000)
    return page, sent


def one_drop(page, sent: list[str], item: int) -> tuple[float, dict]:
    """Drop dataset image `item`: ms from the input POST to the last panel drawn, and how many requests of each
    kind the page sent for it (counted after the page has been quiet for a second)."""
    n_posts, n_updated = page.evaluate("[window.__bench.posts.length, window.__bench.updated.length]")
    sent.clear()
    click(page, page.evaluate(f"window.__layerwalk.datasetItemScreen({item})"))
    click(page, page.evaluate("window.__layerwalk.stationScreen('n0')"))
    page.wait_for_function(f"window.__bench.updated.length > {n_updated} && window.__bench.posts.length > {n_posts}",
                           timeout=120_000)
    page.wait_for_function("window.__layerwalk.pendingTasks === 0", timeout=120_000)
    page.wait_for_timeout(1000)
    post, drawn = page.evaluate(f"[window.__bench.posts[{n_posts}], window.__bench.updated.at(-1)]")
    return drawn - post, {k: sum(1 for u in sent if rx.search(u)) for k, rx in COUNTED.items()}


def run_drops(args) -> list[dict]:
    """Per model: drops on this client (and, with --baseline-dist, on that build of the client, served by a second
    server of the same model): the two alternate drop by drop so that both see the same machine load."""
    from playwright.sync_api import sync_playwright

    clients = {"this client": None, **({"baseline": args.baseline_dist} if args.baseline_dist else {})}
    results = []
    for model in args.models.split(","):
        servers = {name: start_server(model, dist) for name, dist in clients.items()}
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                pages = {name: open_timed_page(browser, url) for name, (_, url) in servers.items()}
                runs = {name: ([], []) for name in clients}
                for i in range(args.drops):
                    for name, (page, sent) in pages.items():
                        ms, counts = one_drop(page, sent, 1 + i % 6)
                        runs[name][0].append(ms)
                        runs[name][1].append(counts)
                layers = next(iter(pages.values()))[0].evaluate("window.__layerwalk.stats().layers")
                browser.close()
        finally:
            for proc, _ in servers.values():
                proc.terminate()
                proc.wait(30)
        for name, (times, counts) in runs.items():
            results.append({"model": model, "client": name, "layers": layers, "post_to_drawn_ms": times,
                            "median_ms": statistics.median(times), "requests_per_drop": counts})
    return results


def drops_markdown(results: list[dict], command: str) -> str:
    load = os.getloadavg()[0]
    lines = [f"`{command}` — headless Debian Chromium (software GL), load average {load:.1f} at the end of the run "
             "(shared 2-core machine, other engineers' jobs running: absolute times are noisy).", "",
             "| client | model | layers | POST input → last panel drawn (median) | drops (s) | requests per drop |",
             "|---|---|---|---|---|---|"]
    for r in results:
        per = r["requests_per_drop"]
        kinds = ", ".join(f"{k} {'/'.join(sorted({str(c[k]) for c in per}))}" for k in COUNTED)
        drops = ", ".join(f"{t / 1000:.2f}" for t in r["post_to_drawn_ms"])
        lines.append(f"| {r['client']} | {r['model']} | {r['layers']} | **{r['median_ms'] / 1000:.2f} s** | {drops} "
                     f"| {kinds} |")
    return "\n".join(lines)


def run(args) -> dict:
    from playwright.sync_api import sync_playwright

    proc, url = start_server(args.model)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            full = open_page(browser, url + "?continuous=1")
            empty = open_page(browser, url + "?continuous=1&empty=1")
            gl = full.evaluate("""() => { const gl = window.__layerwalk.renderer.getContext();
                const e = gl.getExtension('WEBGL_debug_renderer_info');
                return gl.getParameter(e ? e.UNMASKED_RENDERER_WEBGL : gl.RENDERER); }""")
            pixel_ratio = full.evaluate("window.__layerwalk.renderer.getPixelRatio()")
            views = {"start": None, "overview": OVERVIEW_JS}
            samples = {v: {"full": [], "empty": []} for v in views}
            info = {}
            for _ in range(args.rounds):
                for view, js in views.items():
                    if js:
                        full.evaluate(js)
                    else:
                        full.evaluate("window.__layerwalk.flyToStation()")
                        full.wait_for_function("!window.__layerwalk.ctx.locomotion.flying", timeout=60_000)
                    full.wait_for_timeout(500)
                    # one page draws at a time (they share the GPU process): the other one is paused
                    samples[view]["full"] += measure(full, empty, args.frames)
                    info[view] = full.evaluate("window.__layerwalk.stats()")
                    samples[view]["empty"] += measure(empty, full, args.frames)
            empty.close()
            full.evaluate("window.__layerwalk.flyToStation()")
            full.wait_for_function("!window.__layerwalk.ctx.locomotion.flying", timeout=60_000)
            drops = drop_times(full, args.drops)
            layers = full.evaluate("window.__layerwalk.stats().layers")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(30)
    result = {"model": args.model, "gl": gl, "pixel_ratio": pixel_ratio, "layers": layers, "views": {},
              "drop_ms": drops, "drop_median_ms": statistics.median(drops)}
    for view in views:
        f, e = statistics.median(samples[view]["full"]), statistics.median(samples[view]["empty"])
        result["views"][view] = {"full_ms": f, "empty_ms": e, "ratio": f / e, "calls": info[view]["calls"],
                                 "triangles": info[view]["triangles"], "textures": info[view]["textures"]}
    return result


def markdown(r: dict, command: str) -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    load = os.getloadavg()[0]
    lines = [
        "## Client", "",
        f"`{command}` — {r['model']} ({r['layers']} layers) in headless Debian Chromium, 1280×800, "
        f"WebGL = {r['gl']}, pixel ratio {r['pixel_ratio']} (software GL → 0.75, no MSAA); "
        f"{cpu}, {os.cpu_count()} CPUs, load average {load:.1f} during the run (shared machine).", "",
        "| view | full scene (median frame) | empty scene (same renderer, `?empty=1`) | ratio | draw calls "
        "| triangles |",
        "|---|---|---|---|---|---|",
    ]
    for name, v in r["views"].items():
        lines.append(f"| {name} | {v['full_ms']:.1f} ms | {v['empty_ms']:.1f} ms | {v['ratio']:.1f}× | "
                     f"{v['calls']} (≤ {r['layers']} layers + 100) | {v['triangles']} |")
    drops = ", ".join(f"{t / 1000:.2f}" for t in r["drop_ms"])
    lines += ["", f"Drop image → all {r['layers']} panels updated (click on the input canvas → server forward pass → "
              f"binary activations → every layer texture uploaded and drawn): median "
              f"**{r['drop_median_ms'] / 1000:.2f} s** over {len(r['drop_ms'])} drops ({drops} s).", ""]
    return "\n".join(lines)


def write_section(path: Path, text: str) -> None:
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(r"^## Client\n.*?(?=^## |\Z)", re.S | re.M)
    new = pattern.sub(lambda _: text + "\n", old) if pattern.search(old) else old.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(new)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="torchvision:resnet50")
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--drops", type=int, default=7)
    ap.add_argument("--write", type=Path)
    ap.add_argument("--drops-only", action="store_true", help="only time POST input → last panel drawn")
    ap.add_argument("--models", default="demo,torchvision:resnet50", help="with --drops-only: comma-separated")
    ap.add_argument("--baseline-dist", type=Path,
                    help="with --drops-only: another build of the client (vite build --outDir DIR) to alternate with")
    args = ap.parse_args()
    if args.drops_only:
        results = run_drops(args)
        print(json.dumps(results, indent=1))
        print(drops_markdown(results, "python benchmarks/bench_client.py" + "".join(f" {a}" for a in sys.argv[1:])))
        return
    r = run(args)
    print(json.dumps(r, indent=1))
    text = markdown(r, "python benchmarks/bench_client.py" + "".join(f" {a}" for a in sys.argv[1:] if a))
    print(text)
    if args.write:
        write_section(args.write, text)


if __name__ == "__main__":
    main()
