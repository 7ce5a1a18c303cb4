"""Dataset-wide precompute (top-k + statistics of every displayed layer) against the bare forward pass, against
recording every activation with torchlens and sorting afterwards, and the Ray backend against the local one.

Run:  .venv/bin/python benchmarks/bench_precompute.py [--images 2048] [--shard-size 1024] [--repeats 3] [--ray]
Prints a Markdown table. All rows come from one process and the same images; the forward-pass rows and the
precompute rows decode and preprocess the images the same way (the dataset's PIL images → the model's tensor).
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch

import layerwalk
from layerwalk.data import load_dataset
from layerwalk.precompute import PrecomputeParams, precompute
from layerwalk.precompute.shard import batches


def _bare_forward(net, ds, n, batch_size):
    for batch in batches(0, n, batch_size):
        x = torch.cat([net.preprocess(ds.image(i)) for i in batch])
        with torch.inference_mode():
            net.model(x)


def _torchlens_then_sort(net, ds, n, batch_size, k):
    """The generic route: log every activation with torchlens, keep per-image channel maxima, sort at the end."""
    import torchlens

    maxima: dict[str, list[np.ndarray]] = {}
    for batch in batches(0, n, batch_size):
        x = torch.cat([net.preprocess(ds.image(i)) for i in batch])
        with torch.inference_mode():
            trace = torchlens.trace(net.model, x)
        for i, layer in enumerate(trace.layers):
            t = getattr(layer, "tensor", None)
            if isinstance(t, torch.Tensor) and t.dim() >= 2 and t.shape[0] == len(batch):
                maxima.setdefault(str(i), []).append(t.float().flatten(2).amax(2).numpy() if t.dim() > 2
                                                     else t.float().numpy())
        del trace
    for values in maxima.values():
        np.argsort(-np.concatenate(values), axis=0, kind="stable")[:k]


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=2048)
    parser.add_argument("--shard-size", type=int, default=PrecomputeParams.shard_size,
                        help="images per shard (default: precompute's own default)")
    parser.add_argument("--torchlens-images", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--model", default="covidresnet",
                        help="covidresnet (1×64×64, the default) or any model spec, e.g. torchvision:resnet50 (the "
                             "Fashion-MNIST images are brought to its input size by its preprocessing)")
    parser.add_argument("--ray", action="store_true", help="also time the Ray backend (starts a local Ray)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    ds = load_dataset("fashion-mnist")
    torch.manual_seed(0)
    if args.model == "covidresnet":
        net = layerwalk.Network.from_spec("covidresnet", dataset=ds, input_size=(1, 64, 64), device="cpu")
    else:
        net = layerwalk.Network.from_spec(args.model, dataset=ds, device="cpu")
    n, bs = args.images, args.batch_size
    params = PrecomputeParams(k=16, batch_size=bs, shard_size=args.shard_size, limit=n, what=("topk", "stats"))
    rows: dict[str, list[float]] = {"bare": [], "pre": [], "tl": [], "ray": []}

    def run_pre(backend="local"):
        out = Path(tempfile.mkdtemp())
        try:
            precompute(net, ds, out, params, backend=backend, progress=False)
        finally:
            shutil.rmtree(out)

    m = args.torchlens_images
    _bare_forward(net, ds, bs, bs)  # warm-up
    for _ in range(args.repeats):  # interleaved rounds: load changes hit every row alike
        rows["bare"].append(_timed(lambda: _bare_forward(net, ds, n, bs)))
        rows["pre"].append(_timed(run_pre))
        if m:
            rows["tl"].append(_timed(lambda: _torchlens_then_sort(net, ds, m, bs, 16)))
    if args.ray:
        import ray

        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
        run_pre("ray")  # warm-up: workers start and import torch once
        for _ in range(args.repeats):
            rows["ray"].append(_timed(lambda: run_pre("ray")))
            rows["pre"].append(_timed(run_pre))
        ray.shutdown()
    med = {key: statistics.median(v) for key, v in rows.items() if v}
    print(f"machine: {platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}; "
          f"{args.model} {'×'.join(map(str, net.input_size))} on Fashion-MNIST, {n} images, batch {bs}, "
          f"shards of {params.shard_size}, median of {args.repeats}\n")
    print("| measurement | images/s | ratio |\n|---|---|---|")
    print(f"| bare forward (decode + preprocess + model) | {n / med['bare']:.1f} | 1.00× (baseline) |")
    print(f"| layerwalk precompute, top-k + statistics of {len(net.graph) - 1} layers, local | "
          f"{n / med['pre']:.1f} | **{med['bare'] / med['pre']:.2f}×** of the bare forward |")
    if "tl" in med:
        tl_ratio = (med["tl"] / m) / (med["pre"] / n)
        print(f"| torchlens: record every activation, sort afterwards ({m} images) | "
              f"{m / med['tl']:.1f} | layerwalk is **{tl_ratio:.1f}×** faster |")
    if "ray" in med:
        print(f"| layerwalk precompute, Ray backend (local instance, 2 CPUs) | {n / med['ray']:.1f} | "
              f"overhead **{(med['ray'] / med['pre'] - 1) * 100:+.0f} %** against local |")


if __name__ == "__main__":
    main()
