"""Cost breakdown of GradientShap at three layers × top-5 on ResNet50 224² (what bounds layerwalk / Captum).

Times, on the benchmark's model, input, layers and draws (16 points, 4 noise baselines):
  forward   one forward of the 16 points with autograd on (layerwalk's captured graph, every recorded layer kept)
  backward  the vector-Jacobian product of ONE target for the 16 points, to the layers only and down to the input;
            all five targets as one batched VJP (``is_grads_batched``) and as five VJPs on the retained graph
  endpoints the no-grad forward of the input and the 4 baselines (their layer activations)
  Captum    one ``LayerGradientShap.attribute`` call per layer (one target): 3 forwards of 16 rows + a backward
            to the layer
Each figure is the median of ``--repeats`` runs. Run through the quiet queue:
  .venv/bin/python benchmarks/profile_gradientshap.py [--repeats 3] [--channels-last]
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

from layerwalk.attribution._modes import functional_inplace
from layerwalk.attribution.baselines import make_baselines
from layerwalk.engine import Network

LAYERS = ("layer1.2.add", "layer3.0.downsample.0", "layer4.2.add")


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--channels-last", action="store_true")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    torch.manual_seed(0)
    net = Network(torchvision.models.resnet50(), input_size=(3, 224, 224))
    model = net.model
    x = net.snapshot.activations["input"].unsqueeze(0)
    targets = [p.index for p in net.snapshot.classification(5)]
    logits_id = net.graph.node("output").precursors[0]
    baselines = make_baselines("noise", x, 4, 0)
    points = baselines[torch.arange(16) % 4] + torch.rand(16, 1, 1, 1) * (x - baselines[torch.arange(16) % 4])
    if args.channels_last:
        points = points.contiguous(memory_format=torch.channels_last)
    print(f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, torch "
          f"{torch.__version__}, channels-last {args.channels_last}; layers {LAYERS}")

    def forward(xs, grad=True):
        with torch.set_grad_enabled(grad), functional_inplace():
            return net.captured.run(xs, record={*LAYERS, logits_id})

    def backward(to_input: bool, how: str) -> float:
        xs = points.detach().requires_grad_(to_input)
        out = forward(xs)
        wrt = [out[lid] for lid in LAYERS] + ([xs] if to_input else [])
        logits = out[logits_id]
        start = time.perf_counter()
        if how == "one":
            torch.autograd.grad(logits[:, targets[0]].sum(), wrt)
        elif how == "batched":
            cotangents = torch.zeros(len(targets), *logits.shape)
            for i, t in enumerate(targets):
                cotangents[i, :, t] = 1
            torch.autograd.grad(logits, wrt, cotangents, is_grads_batched=True)
        else:
            for i, t in enumerate(targets):
                torch.autograd.grad(logits[:, t].sum(), wrt, retain_graph=i < len(targets) - 1)
        return time.perf_counter() - start

    def backward_median(to_input: bool, how: str) -> float:
        return statistics.median(backward(to_input, how) for _ in range(args.repeats))

    print(f"forward 16 points, grad on          {median_time(lambda: forward(points), args.repeats):.3f} s")
    print(f"forward 16 points, no grad          {median_time(lambda: forward(points, False), args.repeats):.3f} s")
    print(f"endpoints (input + 4 baselines)     "
          f"{median_time(lambda: forward(torch.cat([x, baselines]), False), args.repeats):.3f} s")
    for to_input in (False, True):
        where = "input " if to_input else "layers"
        print(f"backward 1 target  → {where}         {backward_median(to_input, 'one'):.3f} s")
        print(f"backward 5 targets → {where}, batched {backward_median(to_input, 'batched'):.3f} s")
        print(f"backward 5 targets → {where}, looped  {backward_median(to_input, 'looped'):.3f} s")
    modules = (model.layer1[2], model.layer3[0].downsample, model.layer4[2])
    for lid, module in zip(LAYERS, modules):
        shap = captum.LayerGradientShap(model, module)
        seconds = median_time(lambda shap=shap: shap.attribute(x, baselines=baselines, n_samples=16, target=targets[0]),
                              args.repeats)
        print(f"Captum one call at {lid:22s} {seconds:.3f} s")


if __name__ == "__main__":
    main()
