"""Feature-visualization throughput in channel-steps per second (issue: feature visualization).

For each layer, in the same run, with the same optimisation loop and transforms:
  per-unit  one channel per pass through the whole network, computing the whole layer (as Lucent and other
            per-unit tools do: ``render_vis(model, "layer:unit")`` runs ``model(image)`` and reads the layer by hook)
  single    layerwalk with one channel per pass (forward stopped at the layer, only the channel's own map)
  batched   layerwalk as it runs by default (many channels per pass, batch size from memory)
The ratios batched/per-unit (what a user gains over per-unit tools) and batched/single (what batching alone adds)
are reported side by side. CovidResNet's first conv layer is also compared with the paper's reference
implementation: 56 channel-steps/s on a 2-core CPU (227 s for 64 channels × 200 steps at 150×175).

Run:  .venv/bin/python benchmarks/bench_featurevis.py [--steps 10] [--repeats 3]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch

from layerwalk.engine import Network
from layerwalk.featurevis import FeatureVisParams, featurevis
from layerwalk.featurevis.core import _frozen, _stats, resolve_layer, start_tensor
from layerwalk.featurevis.render import optimise

PAPER_CHANNEL_STEPS_PER_S = 64 * 200 / 227


def layerwalk_rate(network, layer, channels, steps, batch_size, repeats) -> float:
    """Median channel-steps per second of ``featurevis`` over ``repeats`` runs (no cache)."""
    featurevis(network, layer, channels, steps=2, batch_size=batch_size, start="noise:0", cache=False)  # warm-up
    times = []
    for r in range(repeats):
        t0 = time.perf_counter()
        featurevis(network, layer, channels, steps=steps, batch_size=batch_size, start="noise:0", cache=False, seed=r)
        times.append(time.perf_counter() - t0)
    return len(channels) * steps / statistics.median(times)


def per_unit_rate(network, layer, channels, steps, repeats) -> float:
    """The per-unit tools' way: one image per pass, the whole network runs, the whole layer is computed."""
    _, target = resolve_layer(network, layer)
    start = start_tensor(network, "noise:0")[0].unsqueeze(0)
    params = FeatureVisParams(steps=steps)
    times = []
    for r in range(repeats):
        t0 = time.perf_counter()
        for c in channels:
            def objective(x, c=c):
                out = network.captured.run(x, record={target})[target]   # no stop: the whole network runs
                return out[:, c].reshape(1, -1).mean(1), out
            with torch.enable_grad(), _frozen(network.model):
                optimise(start.clone(), objective, params, [r * 1000 + c], tuple(network.input_size[1:]),
                         _stats(network))
        times.append(time.perf_counter() - t0)
    return len(channels) * steps / statistics.median(times)


def compare(name, network, layer, channels, args, per_unit_channels=8):
    per_unit = per_unit_rate(network, layer, channels[:per_unit_channels], args.steps, args.repeats)
    single = layerwalk_rate(network, layer, channels[:per_unit_channels], args.steps, 1, args.repeats)
    batched = layerwalk_rate(network, layer, channels, args.steps, None, args.repeats)
    return [
        (f"{name}, per-unit tool style (1 channel/pass, whole network)", per_unit, "1.00× (baseline)"),
        (f"{name}, layerwalk 1 channel/pass", single, f"{single / per_unit:.2f}×"),
        (f"{name}, layerwalk batched ({len(channels)} channels)", batched,
         f"**{batched / per_unit:.1f}×** (batching alone: {batched / single:.2f}×)"),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    torch.manual_seed(0)
    demo = Network.from_spec("demo")
    rows = []
    # EfficientNet-Lite0 has no 64-channel layer: 64 of the 96 channels of its second expand conv (112×112), and
    # its first layer (32 channels).
    block1 = "_blocks.1._expand_conv.conv2d"
    rows += compare(f"demo `{block1}`", demo, block1, list(range(64)), args)
    rows += compare("demo `_conv_stem.conv2d`", demo, "_conv_stem.conv2d", list(range(32)), args)

    from layerwalk.data import load_model

    covid = Network(load_model("covidresnet", num_classes=101), input_size=(3, 150, 175), mean=(0.5,) * 3,
                    std=(0.25,) * 3)
    rows += compare("CovidResNet `conv1`, 150×175", covid, "conv1", list(range(64)), args)
    covid_rate = rows[-1][1]
    rows.append(("CovidResNet `conv1`, paper's reference implementation (published)", PAPER_CHANNEL_STEPS_PER_S,
                 f"layerwalk batched: **{covid_rate / PAPER_CHANNEL_STEPS_PER_S:.1f}×**"))

    classes = list(range(0, 1000, 63))  # 16 classes spread over ImageNet
    class_rate = layerwalk_rate(demo, "output", classes, args.steps, None, 1)
    full_layer_rate = layerwalk_rate(demo, block1, list(range(96)), args.steps, None, 1)

    print(f"machine: {platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}; "
          f"{args.steps} steps per run, median of {args.repeats} runs\n")
    print("| measurement | channel-steps/s | ratio |")
    print("|---|---|---|")
    for label, value, ratio in rows:
        print(f"| {label} | {value:.1f} | {ratio} |")
    print(f"\nfull layer `{block1}` (96 channels × 200 steps): {96 * 200 / full_layer_rate / 60:.1f} min "
          f"(extrapolated from {args.steps} steps at {full_layer_rate:.1f} channel-steps/s)")
    print(f"all 1000 class neurons × 200 steps: {1000 * 200 / class_rate / 60:.0f} min "
          f"(extrapolated from {len(classes)} classes × {args.steps} steps at {class_rate:.2f} channel-steps/s)")


if __name__ == "__main__":
    main()
