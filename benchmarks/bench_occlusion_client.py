"""Occlusion edit → every panel and the classification updated in the browser, against a plain new input, on the
same model in the same run (issue 15: target ≤ 1.2×).

    .venv/bin/python benchmarks/bench_occlusion_client.py [--models demo,torchvision:resnet50] [--rounds 5]

Starts the real ``layerwalk serve`` (bench_client.start_server) and opens the client in headless Chromium with a
timing script installed before it loads: time stamps of every POST of a new input (``/input``, a dataset image
dropped on the input canvas by real clicks) and of an occlusion edit (``/probing/occlusion``, sent by the editor's
own code path through the debug hook, with a block at a new place each round), and of the first animation frame
after each completed update (the client counts an update once the last layer panel was drawn). A round is one
plain input then one edit; the two alternate so both see the same machine load. Reported: medians and the ratio
of the medians, and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_client import CHROMIUM, CHROMIUM_ARGS, click, start_server, timing_js  # noqa: E402

TIMING_JS = timing_js(r"/input$|/probing/occlusion$")


def open_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.add_init_script(TIMING_JS)
    page.goto(url)
    page.wait_for_function("window.__layerwalk && window.__layerwalk.flags.activationsReady", timeout=300_000)
    page.wait_for_function("window.__layerwalk.pendingTasks === 0", timeout=120_000)
    page.evaluate("document.getElementById('lw-help').classList.add('lw-hidden')")
    return page


def timed(page, action) -> float:
    """ms from the POST `action` causes to the frame after the last panel of that input was drawn."""
    n_posts, n_updated = page.evaluate("[window.__bench.posts.length, window.__bench.updated.length]")
    action()
    page.wait_for_function(f"window.__bench.posts.length > {n_posts} && window.__bench.updated.length > {n_updated}",
                           timeout=300_000)
    page.wait_for_function("window.__layerwalk.pendingTasks === 0 && !window.__layerwalk.occlusion.state('n0').busy",
                           timeout=120_000)
    page.wait_for_timeout(800)
    post, drawn = page.evaluate(f"[window.__bench.posts[{n_posts}], window.__bench.updated.at(-1)]")
    return drawn - post


def plain_input(page, item: int):
    def act():
        click(page, page.evaluate(f"window.__layerwalk.datasetItemScreen({item})"))
        click(page, page.evaluate("window.__layerwalk.stationScreen('n0')"))
    return act


def occlusion_edit(page, k: int):
    def act():
        [_, h, w] = page.evaluate("window.__layerwalk.occlusion.state('n0').inputShape")
        x, y = int(w * (0.1 + 0.1 * (k % 5))), int(h * (0.15 + 0.08 * (k % 4)))
        blocks = [{"x": x, "y": y, "w": w // 3, "h": h // 4, "fill": "black"}]
        page.evaluate(f"void window.__layerwalk.occlusion.apply({json.dumps(blocks)})")
    return act


def run(models: list[str], rounds: int) -> list[dict]:
    from playwright.sync_api import sync_playwright

    results = []
    for model in models:
        proc, url = start_server(model)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = open_page(browser, url)
                timed(page, plain_input(page, 1))  # warm-up (first fetches, shader compiles)
                timed(page, occlusion_edit(page, 0))
                plain, edit = [], []
                for k in range(rounds):
                    plain.append(timed(page, plain_input(page, 1 + (k + 1) % 6)))
                    edit.append(timed(page, occlusion_edit(page, k + 1)))
                layers = page.evaluate("window.__layerwalk.stats().layers")
                browser.close()
        finally:
            proc.terminate()
            proc.wait(30)
        results.append({"model": model, "layers": layers, "plain_ms": plain, "edit_ms": edit,
                        "ratio": statistics.median(edit) / statistics.median(plain)})
    return results


def markdown(results: list[dict], command: str) -> str:
    lines = [f"`{command}` — headless Debian Chromium (software GL), {platform.machine()}, load average "
             f"{os.getloadavg()[0]:.1f} at the end of the run (shared 2-core machine).", "",
             "| model | layers | plain new input: POST → all panels drawn (median) | occlusion edit (median) | "
             "edit / plain | runs (s, plain; edit) |", "|---|---|---|---|---|---|"]
    for r in results:
        runs = ", ".join(f"{t / 1000:.2f}" for t in r["plain_ms"]) + "; " + ", ".join(
            f"{t / 1000:.2f}" for t in r["edit_ms"])
        lines.append(f"| {r['model']} | {r['layers']} | {statistics.median(r['plain_ms']) / 1000:.2f} s | "
                     f"{statistics.median(r['edit_ms']) / 1000:.2f} s | **{r['ratio']:.2f}×** | {runs} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="demo,torchvision:resnet50")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results = run(args.models.split(","), args.rounds)
    print(json.dumps(results, indent=1))
    print(markdown(results, "python " + " ".join(sys.argv)))


if __name__ == "__main__":
    main()
