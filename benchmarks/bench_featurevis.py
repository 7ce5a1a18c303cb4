"""Feature-visualization throughput in channel-steps per second, transforms included, against Lucent in the same run.

Every figure runs ``--steps`` (≥ 50) steps with the paper's transforms on every step but the documented last
``plain_final_steps`` (10), as a real run does. Per layer, interleaved round by round so machine load hits all
alike:
  Lucent    torch-lucent 0.1.8 as its README uses it: ``render_vis(model, "layer:unit")`` — one unit per run, the
            whole network forward and backward, its standard transforms on every step, a 224² image
  single    layerwalk with one channel per pass (forward stopped at the layer, only the channel's own map)
  batched   layerwalk as it runs by default (many channels per pass, batch size from ``auto_batch_size``)
CovidResNet's first conv layer is compared with the paper's reference implementation by its PUBLISHED figure
(56 channel-steps/s on a 2-core CPU: 227 s for 64 channels × 200 steps at 150×175): that code is not runnable here.

Run:  .venv/bin/python benchmarks/bench_featurevis.py [--steps 50] [--repeats 3] [--threads 1]
``--threads 1`` on a shared machine: with two OpenMP threads on two busy cores a pass is up to 10× slower and
the noise swamps every ratio.
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from layerwalk.engine import Network
from layerwalk.featurevis import PaperTransforms, featurevis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.featurevis.per_image_transforms

PAPER_CHANNEL_STEPS_PER_S = 64 * 200 / 227


class PerImageTransforms(PaperTransforms):
    """The paper's transforms as layerwalk applied them before vectorisation (per image; the tests' reference)."""

    def build(self, size, mean, std):
        from tests.featurevis.per_image_transforms import paper_transforms

        return paper_transforms(size, mean, std)


def layerwalk_run(network, layer, channels, steps, batch_size, seed, **overrides):
    """Seconds for one ``featurevis`` run (paper defaults: transforms on all steps but the last 10; no cache)."""
    t0 = time.perf_counter()
    featurevis(network, layer, channels, steps=steps, batch_size=batch_size, start="noise:0", cache=False, seed=seed,
               **overrides)
    return time.perf_counter() - t0


def lucent_run(model, layer, channels, steps, seed):
    """Seconds for Lucent's ``render_vis`` on each unit in turn (its defaults; no display)."""
    from lucent.optvis import param, render

    np.random.seed(seed)
    torch.manual_seed(seed)
    t0 = time.perf_counter()
    for c in channels:
        render.render_vis(model, f"{layer}:{c}", param_f=lambda: param.image(224), thresholds=(steps,),
                          show_image=False, progress=False)
    return time.perf_counter() - t0


def lucent_name(module_path: str) -> str:
    """Lucent's module names: the path joined by ``_`` (``_blocks.3._project_conv`` → ``_blocks_3__project_conv``)."""
    return module_path.replace(".", "_")


def compare(name, network, layer, channels, args, lucent_channels=2):
    """Lucent / single / batched rates (channel-steps/s, median of ``args.repeats`` interleaved rounds)."""
    runs = {"lucent": [], "single": [], "batched": [], "per_image": []}
    module = network.graph.node(layer).module
    few = channels[:lucent_channels]
    layerwalk_run(network, layer, channels, 2, None, 0)  # warm-up (first-pass checks, allocator)
    for r in range(args.repeats):
        if args.lucent:
            runs["lucent"].append(len(few) * args.steps / lucent_run(network.model, lucent_name(module), few,
                                                                     args.steps, r))
        runs["single"].append(len(few) * args.steps / layerwalk_run(network, layer, few, args.steps, 1, r))
        runs["batched"].append(len(channels) * args.steps / layerwalk_run(network, layer, channels, args.steps,
                                                                          None, r))
        if args.per_image:
            runs["per_image"].append(len(channels) * args.steps / layerwalk_run(
                network, layer, channels, args.steps, None, r, transforms=PerImageTransforms()))
    med = {k: statistics.median(v) for k, v in runs.items() if v}
    rows = []
    if "lucent" in med:
        rows.append((f"{name}, Lucent `render_vis` (1 unit/run, whole network)", med["lucent"], "1.00× (baseline)"))
    base = med.get("lucent")
    rows.append((f"{name}, layerwalk 1 channel/pass", med["single"],
                 f"{med['single'] / base:.1f}×" if base else "—"))
    batched_vs = f"**{med['batched'] / base:.1f}×** vs Lucent; " if base else ""
    rows.append((f"{name}, layerwalk batched ({len(channels)} channels)", med["batched"],
                 f"{batched_vs}batching alone {med['batched'] / med['single']:.2f}×"))
    if "per_image" in med:
        rows.append((f"{name}, layerwalk batched, per-image transforms (before vectorising them)", med["per_image"],
                     f"vectorised transforms: {med['batched'] / med['per_image']:.2f}× faster"))
    return rows, med


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--no-lucent", dest="lucent", action="store_false")
    ap.add_argument("--layers", default="block3,block1,covid,extras")
    ap.add_argument("--per-image", action="store_true",
                    help="also run the per-image transforms (the code before vectorisation) in the same rounds")
    args = ap.parse_args()
    if args.steps < 50:
        ap.error("--steps must be ≥ 50: with fewer, the 10 plain final steps are too large a share")
    if args.threads:
        torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")  # Lucent/kornia deprecation noise
    torch.manual_seed(0)
    demo = Network.from_spec("demo")
    todo = args.layers.split(",")
    print(f"machine: {platform.machine()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}; "
          f"{args.steps} steps per run (transforms on the first {args.steps - 10}), median of {args.repeats} "
          "interleaved rounds\n")
    print("| measurement | channel-steps/s | ratio |")
    print("|---|---|---|", flush=True)
    if "block3" in todo:
        show(compare("demo `_blocks.3._project_conv.conv2d` (28×28)", demo, "_blocks.3._project_conv.conv2d",
                     list(range(40)), args)[0])
    # EfficientNet-Lite0 has no 64-channel layer: 64 of the 96 channels of its second expand conv (112×112).
    if "block1" in todo:
        show(compare("demo `_blocks.1._expand_conv.conv2d` (112×112), 64 of 96 channels", demo,
                     "_blocks.1._expand_conv.conv2d", list(range(64)), args)[0])
    if "covid" in todo:
        from layerwalk.data import load_model

        covid = Network(load_model("covidresnet", num_classes=101), input_size=(3, 150, 175), mean=(0.5,) * 3,
                        std=(0.25,) * 3)
        rows, med = compare("CovidResNet `conv1`, 150×175", covid, "conv1", list(range(64)),
                            argparse.Namespace(**{**vars(args), "lucent": False}))
        show(rows + [("CovidResNet `conv1`, the paper's reference implementation (its PUBLISHED figure, not run "
                      "here)", PAPER_CHANNEL_STEPS_PER_S,
                      f"layerwalk batched: **{med['batched'] / PAPER_CHANNEL_STEPS_PER_S:.1f}×**")])
    if "extras" in todo:
        extras(demo, args.steps)
    print(f"\npeak RSS of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


def show(rows):
    for label, value, ratio in rows:
        print(f"| {label} | {value:.1f} | {ratio} |", flush=True)


def extras(demo, steps):
    """Whole-layer and class-neuron times a user waits for, extrapolated to 200 steps from one run each."""
    layer = "_blocks.1._expand_conv.conv2d"
    rate = 96 * steps / layerwalk_run(demo, layer, list(range(96)), steps, None, 0)
    classes = list(range(0, 1000, 63))  # 16 classes spread over ImageNet
    class_rate = len(classes) * steps / layerwalk_run(demo, "output", classes, steps, None, 0)
    print(f"\nfull layer `{layer}` (96 channels × 200 steps): {96 * 200 / rate / 60:.1f} min "
          f"(extrapolated from {steps} steps at {rate:.1f} channel-steps/s)")
    print(f"all 1000 class neurons × 200 steps: {1000 * 200 / class_rate / 60:.0f} min "
          f"(extrapolated from {len(classes)} classes × {steps} steps at {class_rate:.2f} channel-steps/s)")


if __name__ == "__main__":
    main()
