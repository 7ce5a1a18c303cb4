"""Attribution speed against Captum 0.9 in the same run, same model, same input, same targets.

  gradcam   Grad-CAM at every spatial layer × top-5 on ResNet50 224²: layerwalk's ONE batched pass vs Captum's
            ``LayerGradCam`` looped over layers and targets (it hooks each node's module; one forward/backward
            per call whatever the layer)
  occlusion top-5, window 32 stride 16 (169 windows), the same perturbations per evaluation: layerwalk evaluates
            each window once for all targets vs Captum ``Occlusion`` called per target; the maps must agree
  gshap     GradientShap at three layers × top-5, 16 samples from 4 noise baselines: layerwalk's shared walk (each
            point forwarded once for every target and layer) vs Captum ``LayerGradientShap`` looped over layers and
            targets; first the same output as Captum's loop (layer maps only), then ours with the input map too.
            The maps' deviation from Captum is checked on Captum's own random draws
  analyze   wall time of "Analyze network" (the default method, gradcam, top-5, every spatial layer) on the demo
            model (EfficientNet-Lite0) and ResNet50

Each figure interleaves the two sides round by round (machine load hits both alike) and reports medians.
Run:  .venv/bin/python benchmarks/bench_attribution.py [--repeats 3] [--threads 1] [--layers N] [--only gshap]
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


# The dissertation's conv1 / conv3 / conv5 setting on ResNet50 (early, middle, late), at nodes whose output is
# exactly a module's output, so Captum's hook sees the tensor our node records (a folded conv→bn→relu node ends at
# a ReLU module that its block calls three times; Captum cannot hook one call of it).
GSHAP_LAYERS = {"layer1.2.add": lambda m: m.layer1[2], "layer3.0.downsample.0": lambda m: m.layer3[0].downsample,
                "layer4.2.add": lambda m: m.layer4[2]}


def bench_gradientshap(net, x, targets, repeats, input_map):
    """Same draws definition on both sides: 16 points, 4 noise baselines, no added noise, the same layers and
    targets. ``input_map``: ours also attributes to the input (Captum's loop does not)."""
    from layerwalk.attribution.baselines import make_baselines

    baselines = make_baselines("noise", x, 4, 0)
    modules = [module(net.model) for module in GSHAP_LAYERS.values()]

    def ours():
        attribute(net, "gradientshap", targets, list(GSHAP_LAYERS), inputs=x, samples=16, baselines=4,
                  baseline="noise", input_map=input_map)

    def theirs():
        for module in modules:
            shap = captum.LayerGradientShap(net.model, module)
            for t in targets:
                shap.attribute(x, baselines=baselines, n_samples=16, target=t)

    return interleaved(ours, theirs, repeats)


def gradientshap_deviation(net, x, targets) -> float:
    """Max deviation from Captum of our maps on Captum's own draws (numpy's global generator: baseline indices,
    then fractions), relative to max |attribution|, over the three layers and the first target."""
    import numpy as np

    from layerwalk.attribution._pass import PassEngine
    from layerwalk.attribution.base import AttributionContext
    from layerwalk.attribution.baselines import make_baselines
    from layerwalk.attribution.gradient_shap import shap_at_points

    baselines = make_baselines("noise", x, 4, 0)
    np.random.seed(0)
    pick = torch.as_tensor(np.random.choice(4, 16))
    alpha = torch.as_tensor(np.random.uniform(0.0, 1.0, 16), dtype=x.dtype).view(-1, 1, 1, 1)
    points = baselines[pick] + alpha * (x - baselines[pick])
    ctx = AttributionContext(PassEngine(net), x, torch.tensor(targets[:1]), list(GSHAP_LAYERS),
                             {"batch": 64, "input_map": False})
    ours = shap_at_points(ctx, baselines, pick, points).layer_maps
    worst = 0.0
    for lid, module in GSHAP_LAYERS.items():
        np.random.seed(0)
        theirs = captum.LayerGradientShap(net.model, module(net.model)).attribute(
            x, baselines=baselines, n_samples=16, target=targets[0])
        worst = max(worst, float((ours[lid] - theirs).abs().max() / theirs.abs().max()))
    return worst


def analyze_seconds(net, repeats) -> float:
    return statistics.median(timed(lambda: attribute(net, "gradcam", cache_results=False)) for _ in range(repeats))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: leave as is)")
    parser.add_argument("--layers", type=int, default=0, help="Grad-CAM on N spread layers (0: all)")
    parser.add_argument("--only", default="", help="comma-separated subset: gradcam,occlusion,gshap,analyze")
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
    only = set(args.only.split(",")) if args.only else {"gradcam", "occlusion", "gshap", "analyze"}
    if "gradcam" in only:
        ours, theirs = bench_gradcam(net, x, targets, layers, args.repeats)
        print(f"gradcam   {len(layers)} layers × 5: layerwalk {ours:.2f} s, Captum loop {theirs:.2f} s → "
              f"{theirs / ours:.1f}×")
    if "occlusion" in only:
        ours, theirs, dev = bench_occlusion(net, x, targets, args.repeats)
        print(f"occlusion top-5: layerwalk {ours:.2f} s, Captum per target {theirs:.2f} s → {theirs / ours:.1f}× "
              f"(max deviation {dev:.1e} of max |attr|)")
    if "gshap" in only:
        print(f"gshap     3 layers {list(GSHAP_LAYERS)} × 5, max deviation from Captum on its draws "
              f"{gradientshap_deviation(net, x, targets):.1e} of max |attr|")
        for input_map in (False, True):
            ours, theirs = bench_gradientshap(net, x, targets, args.repeats, input_map)
            print(f"gshap     layer maps{' + input map' if input_map else ''}: layerwalk {ours:.2f} s, Captum loop "
                  f"{theirs:.2f} s → {theirs / ours:.1f}×")
    if "analyze" in only:
        print(f"analyze   ResNet50: {analyze_seconds(net, args.repeats):.2f} s ({len(every)} layers)")
        demo = Network.from_spec("demo", dataset="photos")
        print(f"analyze   demo (EfficientNet-Lite0): {analyze_seconds(demo, args.repeats):.2f} s "
              f"({len(spatial_layers(demo))} layers)")


if __name__ == "__main__":
    main()
