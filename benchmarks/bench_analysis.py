"""Speed of the ConvViz analyses (issue 16), each against its baseline in the same run.

    .venv/bin/python benchmarks/bench_analysis.py [--repeats 3] [--only rf,stats,tsne,views]

* rf: receptive fields of every node of ResNet50 (``receptive_fields``, capture included) vs. the gradient-based
  measurement that yields the same information — every row and column of every spatial node (the diagonal units,
  ``measure_receptive_fields(units_per_node=None)``) — and vs. its cheapest form, one unit per node. 128² input
  so the full measurement finishes; target ≥ 100×.
* stats: ``channel_stats`` over 20 photos vs. 20 bare forward passes of the same preprocessed inputs in the same
  batches (10); target ≤ 1.3×.
* tsne: openTSNE (what layerwalk uses) vs. scikit-learn's TSNE on 10,000 points (50-D overlapping Gaussian blobs, as
  after layerwalk's PCA step), same perplexity 50 and PCA initialisation; target ≥ 3×, at the same trustworthiness.
* views: each view of the demo model on Fashion-MNIST (rf, stats n=20, dead, pca of every conv, t-SNE n=500 of the
  last conv, focus of the top 5 filters) in seconds.

Timings alternate between the two sides round by round so load changes hit both; medians are reported.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings

import numpy as np
import torch
import torchvision

from layerwalk import analysis
from layerwalk.analysis.empirical_rf import measure_receptive_fields
from layerwalk.analysis.input_embedding import embed
from layerwalk.engine import Network


def _seconds(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _alternate(a, b, repeats: int) -> tuple[list[float], list[float]]:
    ta, tb = [], []
    for _ in range(repeats):
        ta.append(_seconds(a))
        tb.append(_seconds(b))
    return ta, tb


def bench_rf(repeats: int) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = torchvision.models.resnet50().eval()
    size = (3, 128, 128)
    ours, full = _alternate(lambda: analysis.receptive_fields(model, size),
                            lambda: measure_receptive_fields(model, size, units_per_node=None), 1)
    one, _ = _alternate(lambda: measure_receptive_fields(model, size, units_per_node=1), lambda: None, 1)
    more = [_seconds(lambda: analysis.receptive_fields(model, size)) for _ in range(repeats - 1)]
    t = statistics.median(ours + more)
    return [f"| ResNet50 {size[1]}², every node, every unit: `receptive_fields` | {t:.2f} s | 1.00× |",
            f"| gradient support, every row and column of every node (same information) | {full[0]:.1f} s | "
            f"**{full[0] / t:.0f}×** slower |",
            f"| gradient support, one unit per node | {one[0]:.1f} s | {one[0] / t:.0f}× slower |"]


def bench_stats(repeats: int) -> list[str]:
    from layerwalk.data import load_dataset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = torchvision.models.resnet50().eval()
    data = load_dataset("fashion-mnist:test")
    net = Network(model, dataset=data, input_size=(3, 224, 224), device="cpu")
    items = analysis.channel_stats(net, data, n=20, nodes=["fc"]).items   # the 20 items channel_stats draws
    batches = [torch.cat([net.preprocess(data.image(i)) for i in items[k:k + 10]]) for k in (0, 10)]

    def bare():
        with torch.inference_mode():
            for x in batches:
                model(x)

    def stats():
        analysis.channel_stats(net, data, n=20)

    bare(), stats()
    b, s = _alternate(bare, stats, repeats)
    ratio = statistics.median(y / x for x, y in zip(b, s))
    return [f"| ResNet50, 20 bare forward passes of preprocessed tensors (2 batches of 10) | "
            f"{1000 * statistics.median(b):.0f} ms | 1.00× |",
            f"| `channel_stats(n=20)` on Fashion-MNIST (load, preprocess, record all {len(net.graph)} layers, "
            f"reduce) | {1000 * statistics.median(s):.0f} ms | **{ratio:.2f}×** |"]


def bench_tsne(repeats: int) -> list[str]:
    from sklearn.datasets import make_blobs
    from sklearn.manifold import trustworthiness

    x, _ = make_blobs(10_000, n_features=50, centers=10, random_state=0, cluster_std=4.0)  # overlapping clusters
    out: dict[str, np.ndarray] = {}

    def run(method):
        out[method] = embed(x, 50, method)

    ours, theirs = _alternate(lambda: run("opentsne"), lambda: run("sklearn"), repeats)
    o, t = statistics.median(ours), statistics.median(theirs)
    # trustworthiness on the first 5,000 points (the full 10,000² distance matrices would dominate the run)
    tw = {m: trustworthiness(x[:5000], e[:5000], n_neighbors=10) for m, e in out.items()}
    return [f"| scikit-learn TSNE, 10,000 × 50 | {t:.1f} s | 1.00× | trustworthiness {tw['sklearn']:.4f} |",
            f"| openTSNE (layerwalk's default, 250 + 250 iterations) | {o:.1f} s | **{t / o:.1f}×** faster | "
            f"trustworthiness {tw['opentsne']:.4f} |"]


def bench_views() -> None:
    net = Network.from_spec("demo", dataset="fashion-mnist:test")
    steps = [("rf", lambda: analysis.receptive_fields(net)),
             ("stats (20 inputs, every layer)", lambda: analysis.channel_stats(net, n=20)),
             ("dead (20 inputs, every conv)", lambda: analysis.dead_filters(net, n=20)),
             ("pca (every conv)", lambda: analysis.filter_pca(net)),
             ("t-SNE (500 inputs, last conv, sorted maps)",
              lambda: analysis.input_embedding(net, "_conv_head.conv2d", n=500)),
             ("focus (top 5 filters, one layer)", lambda: analysis.focus(net, "_blocks.10._project_conv.conv2d"))]
    for name, fn in steps:
        print(f"| demo: {name} | {_seconds(fn):.1f} s |", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tsne-repeats", type=int, default=1, help="scikit-learn's t-SNE of 10,000 points is slow")
    parser.add_argument("--only", default="rf,stats,tsne,views")
    args = parser.parse_args()
    only = args.only.split(",")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {torch.get_num_threads()} threads, "
          f"torch {torch.__version__}, load average {os.getloadavg()[0]:.1f}; median of {args.repeats}\n")
    for name, fn in (("rf", bench_rf), ("stats", bench_stats), ("tsne", bench_tsne)):
        if name in only:
            print("| measurement | time | ratio |\n|---|---|---|", flush=True)
            print("\n".join(fn(args.tsne_repeats if name == "tsne" else args.repeats)) + "\n", flush=True)
    if "views" in only:
        print("| view | time |\n|---|---|", flush=True)
        bench_views()


if __name__ == "__main__":
    main()
