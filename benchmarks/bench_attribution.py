"""Attribution speed against Captum 0.9 in the same run, same model, same input, same targets.

  gradcam   Grad-CAM at every spatial layer × top-5 on ResNet50 224²: layerwalk's ONE batched pass vs Captum's
            ``LayerGradCam`` looped over layers and targets (it hooks each node's module; one forward/backward
            per call whatever the layer)
  occlusion top-5, window 32 stride 16 (169 windows), the same perturbations per evaluation: layerwalk evaluates
            each window once for all targets vs Captum ``Occlusion`` called per target; the maps must agree
  gshap     GradientShap at three layers × top-5, 16 samples from 4 noise baselines: layerwalk's shared walk vs
            Captum ``LayerGradientShap`` looped over layers and targets
  analyze   wall time of "Analyze network" (the default method, gradcam, top-5, every spatial layer) on the demo
            model (EfficientNet-Lite0) and ResNet50

Each figure interleaves the two sides round by round (machine load hits both alike) and reports medians.
Run:  .venv/bin/python benchmarks/bench_attribution.py [--repeats 3] [--threads 1] [--layers N]
``--layers N`` compares Grad-CAM on N evenly spread layers instead of all (the ratio grows with the layer count).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
import warnings

import torch
import torchvision
from captum import attr as captum

from layerwalk.attribution import attribute, spatial_layers
from layerwalk.engine import Network


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved(ours, theirs, repeats: int) -> tuple[float, float]:
    a, b = [], []
    for _ in range(repeats):
        a.append(timed(ours))
        b.append(timed(theirs))
    return statistics.median(a), statistics.median(b)


def modules_of(net, layers):
    """The module behind each node (a functional op: its nearest enclosing module, e.g. the block of an add)."""
    named = dict(net.model.named_modules())
    found = []
    for lid in layers:
        path = net.graph.node(lid).module or lid.split(":")[0]
        while path not in named and "." in path:
            path = path.rsplit(".", 1)[0]
        found.append(named.get(path, net.model))
    return found


def bench_gradcam(net, x, targets, layers, repeats):
    modules = modules_of(net, layers)

    def ours():
        attribute(net, "gradcam", targets, layers, inputs=x)

    def theirs():
        for module in modules:
            cam = captum.LayerGradCam(net.model, module)
            for t in targets:
                cam.attribute(x, target=t)

    return interleaved(ours, theirs, repeats)


def bench_occlusion(net, x, targets, repeats):
    params = {"window": 32, "stride": 16, "batch": 32}
    ours_result = attribute(net, "occlusion", targets, inputs=x, **params)
    occ = captum.Occlusion(net.model)
    c = x.shape[1]

    def theirs_one(t):
        return occ.attribute(x, target=t, sliding_window_shapes=(c, 32, 32), strides=(c, 16, 16), baselines=0,
                             perturbations_per_eval=32)

    deviation = max(float((ours_result.input_attribution[i:i + 1] - theirs_one(t)).abs().max()
                          / theirs_one(t).abs().max()) for i, t in enumerate(targets[:1]))
    times = interleaved(lambda: attribute(net, "occlusion", targets, inputs=x, **params),
                        lambda: [theirs_one(t) for t in targets], repeats)
    return (*times, deviation)


def bench_gradientshap(net, x, targets, layers, repeats):
    from layerwalk.attribution.baselines import make_baselines

    baselines = make_baselines("noise", x, 4, 0)
    modules = modules_of(net, layers)

    def ours():
        attribute(net, "gradientshap", targets, layers, inputs=x, samples=16, baselines=4, baseline="noise")

    def theirs():
        for module in modules:
            shap = captum.LayerGradientShap(net.model, module)
            for t in targets:
                shap.attribute(x, baselines=baselines, n_samples=16, target=t)

    return interleaved(ours, theirs, repeats)


def analyze_seconds(net, repeats) -> float:
    return statistics.median(timed(lambda: attribute(net, "gradcam", cache_results=False)) for _ in range(repeats))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: leave as is)")
    parser.add_argument("--layers", type=int, default=0, help="Grad-CAM on N spread layers (0: all)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")
    torch.manual_seed(0)
    net = Network(torchvision.models.resnet50(), input_size=(3, 224, 224))
    x = net.snapshot.activations["input"].unsqueeze(0)
    targets = [p.index for p in net.snapshot.classification(5)]
    every = spatial_layers(net)
    layers = every if not args.layers else [every[round(i * (len(every) - 1) / (args.layers - 1))]
                                            for i in range(args.layers)]
    print(f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, "
          f"torch {torch.__version__}; ResNet50 224², targets {targets}")
    ours, theirs = bench_gradcam(net, x, targets, layers, args.repeats)
    print(f"gradcam   {len(layers)} layers × 5: layerwalk {ours:.2f} s, Captum loop {theirs:.2f} s → "
          f"{theirs / ours:.1f}×")
    ours, theirs, dev = bench_occlusion(net, x, targets, args.repeats)
    print(f"occlusion top-5: layerwalk {ours:.2f} s, Captum per target {theirs:.2f} s → {theirs / ours:.1f}× "
          f"(max deviation {dev:.1e} of max |attr|)")
    three = [every[len(every) // 6], every[len(every) // 2], every[-2]]
    ours, theirs = bench_gradientshap(net, x, targets, three, args.repeats)
    print(f"gshap     3 layers {three} × 5: layerwalk {ours:.2f} s, Captum loop {theirs:.2f} s → "
          f"{theirs / ours:.1f}×")
    print(f"analyze   ResNet50: {analyze_seconds(net, args.repeats):.2f} s ({len(every)} layers)")
    demo = Network.from_spec("demo", dataset="photos")
    print(f"analyze   demo (EfficientNet-Lite0): {analyze_seconds(demo, args.repeats):.2f} s "
          f"({len(spatial_layers(demo))} layers)")


if __name__ == "__main__":
    main()
