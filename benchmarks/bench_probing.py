"""Speed of hands-on probing (issue 15), each against its baseline in the same run.

    .venv/bin/python benchmarks/bench_probing.py [--repeats 5] [--size 224]

* flow: the activity flow of one channel of ResNet50's ``layer2`` (``layer2.0.conv1``, channel 0) by exact
  ablation — zero it, re-run only the layers after it, compare every later channel and the class scores —
  against one full forward pass recording every layer (``Network.set_input`` of a preprocessed tensor). Target
  ≤ 1×. Also the gradient × activation preview (forward-mode JVP of every later layer) and the exact flow from
  ``layer4.0.conv1`` (less of the network after it).
* occlusion: an occlusion edit (three blocks painted on the input, forward pass, top-5 before/after) against a
  plain new input of the same image (``Network.set_input``), on ResNet50 and on the demo (EfficientNet-Lite0).
  The issue's 1.2× target is for the whole round trip to the browser; this is the server's share of it.

Timings alternate between the two sides round by round so load changes hit both; medians are reported. Random
ResNet50 weights (timing does not depend on them); torch threads as the process starts with.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings

import torch
import torchvision

from layerwalk.data import load_model, noise_image
from layerwalk.engine import Network
from layerwalk.probing import OcclusionBlock, activity_flow, apply_occlusion


def _seconds(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _alternate(fns: list, repeats: int) -> list[list[float]]:
    times: list[list[float]] = [[] for _ in fns]
    for fn in fns:
        fn()  # warm-up (allocator, fx interpreter caches)
    for _ in range(repeats):
        for t, fn in zip(times, fns):
            t.append(_seconds(fn))
    return times


def _row(name: str, t: list[float], base: float | None = None) -> str:
    med = statistics.median(t)
    ratio = f"  {med / base:.2f}×" if base else ""
    return f"{name:<58} median {med * 1000:8.1f} ms  (n={len(t)}){ratio}"


def bench_flow(repeats: int, size: int) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = Network(torchvision.models.resnet50().eval(), input_size=(3, size, size), device="cpu")
    x = net.preprocess(noise_image(1, (size, size), 3))
    net.set_input(x)
    fns = [lambda: net.set_input(x),
           lambda: activity_flow(net, "layer2.0.conv1", 0),
           lambda: activity_flow(net, "layer2.0.conv1", 0, method="gradient"),
           lambda: activity_flow(net, "layer4.0.conv1", 0)]
    full, exact, preview, late = _alternate(fns, repeats)
    base = statistics.median(full)
    return [f"ResNet50 {size}×{size}, activity flow of one channel (baseline: one full forward pass):",
            _row("full forward pass (set_input, every layer recorded)", full, base),
            _row("flow layer2.0.conv1 ch0, exact (ablation, partial re-run)", exact, base),
            _row("flow layer2.0.conv1 ch0, preview (gradient × activation)", preview, base),
            _row("flow layer4.0.conv1 ch0, exact", late, base)]


def bench_occlusion(repeats: int, size: int) -> list[str]:
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nets = [("ResNet50", Network(torchvision.models.resnet50().eval(), input_size=(3, size, size),
                                     device="cpu")),
                ("demo (EfficientNet-Lite0)", Network(load_model("demo"), device="cpu"))]
    blocks = [OcclusionBlock(20, 30, 60, 50), OcclusionBlock(120, 100, 40, 80, "mean"),
              OcclusionBlock(150, 10, 50, 50, "blur")]
    for name, net in nets:
        image, before = net.snapshot.input_image, net.snapshot
        plain, edit = _alternate([lambda n=net, i=image: n.set_input(i),
                                  lambda n=net, i=image, b=before: apply_occlusion(n, i, blocks, before=b)], repeats)
        base = statistics.median(plain)
        rows += [f"{name}: occlusion edit vs. a plain new input (server side):",
                 _row("plain new input (set_input of the image)", plain, base),
                 _row("occlusion edit (3 blocks: black, mean, blur)", edit, base)]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--only", default="flow,occlusion")
    args = parser.parse_args()
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, load average {os.getloadavg()[0]:.1f}", flush=True)
    for part in args.only.split(","):
        rows = {"flow": bench_flow, "occlusion": bench_occlusion}[part](args.repeats, args.size)
        print("\n".join(rows), flush=True)
    print(f"# load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
