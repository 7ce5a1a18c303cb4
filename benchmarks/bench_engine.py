"""Recording + encoding every displayed layer vs. the bare forward pass (issue: foundation, speed target ≤ 1.3×).

Run:  .venv/bin/python benchmarks/bench_engine.py [--repeats 7] [--models resnet50,densenet121]
Prints a Markdown table; both timings come from the same process, interleaved, so the ratio is fair.
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import time
import warnings

import torch
import torchvision

from layerwalk.engine import Network


def _time(fn, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def bench(name: str, repeats: int) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = torchvision.models.get_model(name, weights=None).eval()
    net = Network(model, input_size=(3, 224, 224), device="cpu")
    x = torch.randn(1, 3, 224, 224)

    def bare():
        with torch.inference_mode():
            model(x)

    def record_and_encode():
        snap = net.set_input(x)
        for node in net.graph:
            if node.has_activation:
                snap.encoded(node.id)

    for fn in (bare, record_and_encode):  # warm-up
        fn()
    bare_t, rec_t = [], []
    for _ in range(repeats):  # interleaved so drifts in machine load hit both alike
        bare_t += _time(bare, 1)
        rec_t += _time(record_and_encode, 1)
    elements = sum(t.numel() for t in net.snapshot.activations.values())
    return {"model": name, "layers": len(net.graph), "elements": elements,
            "bare_ms": 1000 * statistics.median(bare_t), "record_ms": 1000 * statistics.median(rec_t),
            "ratio": statistics.median(r / b for r, b in zip(rec_t, bare_t))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--models", default="resnet50,densenet121")
    args = ap.parse_args()
    rows = [bench(m, args.repeats) for m in args.models.split(",")]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, "
          f"torch {torch.__version__}; median of {args.repeats}; peak RSS of the process {peak_mb:.0f} MiB\n")
    print("| model | displayed layers | activation elements | bare forward (ms) | record + encode all (ms) "
          "| ratio (median of per-round ratios) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['layers']} | {r['elements']:,} | {r['bare_ms']:.1f} | {r['record_ms']:.1f} "
              f"| {r['ratio']:.2f}× |")


if __name__ == "__main__":
    main()
