"""Feature-visualization throughput in channel-steps per second (issue: feature visualization).

1. Batched vs. one channel at a time (as Lucent and other per-unit tools do) on 64 channels of the demo model.
2. CovidResNet's first conv layer (64 channels, 150×175 input as in the paper's Caltech set-up), against the
   paper's reference implementation: 56 channel-steps/s on a 2-core CPU (227 s for 64 channels × 200 steps).
3. Wall time for a full layer and, extrapolated from a measured sample, for all 1000 class neurons of the demo.

Run:  .venv/bin/python benchmarks/bench_featurevis.py [--steps 10] [--repeats 3]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch

from layerwalk.engine import Network
from layerwalk.featurevis import featurevis

PAPER_CHANNEL_STEPS_PER_S = 64 * 200 / 227


def rate(network, layer, channels, steps, batch_size, repeats) -> float:
    """Median channel-steps per second over ``repeats`` runs (no cache)."""
    times = []
    for r in range(repeats):
        t0 = time.perf_counter()
        featurevis(network, layer, channels, steps=steps, batch_size=batch_size, start="noise:0", cache=False, seed=r)
        times.append(time.perf_counter() - t0)
    return len(channels) * steps / statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    demo = Network.from_spec("demo")
    layer = "_blocks.1._expand_conv.conv2d"  # 96 channels at 112×112; EfficientNet-Lite0 has no 64-channel layer
    chans = list(range(64))
    batched = rate(demo, layer, chans, args.steps, 64, args.repeats)
    single = rate(demo, layer, chans[:8], args.steps, 1, args.repeats)  # 8 channels suffice for a per-channel rate

    from layerwalk.data import load_model

    bundle = load_model("covidresnet", num_classes=101)
    covid = Network(bundle, input_size=(3, 150, 175), mean=(0.5,) * 3, std=(0.25,) * 3)
    covid_rate = rate(covid, "conv1", chans, args.steps, 64, args.repeats)

    classes = list(range(0, 1000, 125))
    class_rate = rate(demo, "output", classes, args.steps, len(classes), 1)
    full_layer = 96 * 200 / rate(demo, layer, list(range(96)), args.steps, 64, 1)

    print(f"machine: {platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}; "
          f"{args.steps} steps per run, median of {args.repeats} runs\n")
    print("| measurement | channel-steps/s | ratio |")
    print("|---|---|---|")
    print(f"| demo `{layer}`, 64 channels, one channel at a time | {single:.1f} | 1.00× (baseline) |")
    print(f"| demo `{layer}`, 64 channels, batched (64 per pass) | {batched:.1f} | {batched / single:.2f}× |")
    print(f"| paper reference, CovidResNet conv1, 150×175 (published) | {PAPER_CHANNEL_STEPS_PER_S:.1f} | 1.00× (baseline) |")
    print(f"| layerwalk, CovidResNet conv1, 150×175, stop at the layer | {covid_rate:.1f} | "
          f"{covid_rate / PAPER_CHANNEL_STEPS_PER_S:.1f}× |")
    print(f"\nfull layer `{layer}` (96 channels × 200 steps): {full_layer / 60:.1f} min (extrapolated from {args.steps} steps)")
    print(f"all 1000 class neurons × 200 steps: {1000 * 200 / class_rate / 3600:.1f} h "
          f"(extrapolated from {len(classes)} classes × {args.steps} steps at {class_rate:.2f} channel-steps/s)")


if __name__ == "__main__":
    main()
