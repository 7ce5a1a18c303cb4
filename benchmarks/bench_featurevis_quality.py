"""Feature-visualization quality and speed: layerwalk's Lucid style against Lucent, side by side in one run.

Same demo model (EfficientNet-Lite0, ImageNet weights), same units, same steps, same image size (the model's 224²):
``--channels`` channels of each of ``--layers`` and six class neurons. Lucent (torch-lucent 0.1.8) runs with its
defaults (Fourier + decorrelated colour, Adam 0.05, its standard transforms) and the demo model's own input
normalisation in place of its ImageNet one; it optimises the module whose output IS the layerwalk node (found by
comparing outputs), so both maximise the same numbers. To keep the run affordable Lucent renders each group's units
as ONE batch (its ``batch=`` objectives) — the same algorithm; its throughput is measured separately, one unit per
``render_vis`` as its README uses it.

Per group the table gives: the objective each reaches (median over units; the same layerwalk objective evaluated
on both final images, no transforms), the share of spectral power above half Nyquist (median), Hasler–Süsstrunk
colourfulness (median and range), and for the class neurons the fraction of images the model classifies as their
own class. Also the paper's default style on the same units (its spectral share, for scale). Then throughput:
channel-steps/s of the Lucid style batched vs. Lucent one unit per run, median of ``--repeats`` interleaved rounds.

Run:  nice -n 19 .venv/bin/python benchmarks/bench_featurevis_quality.py [--steps 256] [--channels 16]
      [--size 224] [--threads 1] [--figure docs/screenshots/featurevis_lucid_vs_lucent.png] [--json out.json]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import time
import warnings

import numpy as np
import torch
from PIL import Image, ImageDraw

from layerwalk.engine import Network
from layerwalk.featurevis import featurevis
from layerwalk.featurevis.objective_eval import BoundObjective
from layerwalk.featurevis.objectives import channel
from layerwalk.featurevis.quality import colourfulness, high_frequency_share

CLASSES = [1, 130, 285, 417, 949, 980]  # goldfish, flamingo, Egyptian cat, balloon, strawberry, volcano
LAYERS = "_blocks.3._project_conv.conv2d,_blocks.6._expand_conv.conv2d"


def lucent_module(net, node: str) -> str:
    """Lucent's name (path joined by ``_``) of the first module whose output equals the layerwalk node's output."""
    x = torch.randn(1, *net.input_size)
    outputs: list[tuple[str, torch.Tensor]] = []
    hooks = [m.register_forward_hook(lambda _m, _i, o, n=name: outputs.append((n, o)))
             for name, m in net.model.named_modules() if name]
    with torch.no_grad():
        want = net.captured.run(x, record={node})[node]
        net.model(x)
    for h in hooks:
        h.remove()
    for name, out in outputs:
        if isinstance(out, torch.Tensor) and out.shape == want.shape and torch.allclose(out, want, atol=1e-5):
            return name.replace(".", "_")
    raise RuntimeError(f"no module of the model outputs node {node}")


def lucent_render(net, module: str, units: list[int], steps: int, seed: int, batched: bool = True):
    """Lucent's images (N, 3, H, W) in 0…1 and the seconds it took."""
    from lucent.optvis import objectives, param, render, transform

    torch.manual_seed(seed)
    np.random.seed(seed)
    mean, std = (torch.tensor(v).view(1, -1, 1, 1) for v in (net.mean, net.std))
    transforms = transform.standard_transforms + [lambda x: (x - mean) / std]
    size = net.input_size[-1]
    t0 = time.perf_counter()
    groups = [units] if batched else [[u] for u in units]
    images = []
    for group in groups:
        obj = sum(objectives.channel(module, u, batch=i) for i, u in enumerate(group))
        out = render.render_vis(net.model, obj, param_f=functools.partial(param.image, size, batch=len(group)),
                                transforms=transforms, thresholds=(steps,), preprocess=False, show_image=False,
                                progress=False)
        images.append(torch.from_numpy(np.asarray(out[-1])).permute(0, 3, 1, 2).float())
    return torch.cat(images), time.perf_counter() - t0


def layerwalk_render(net, layer, units, steps, seed, style="lucid"):
    t0 = time.perf_counter()
    r = featurevis(net, layer, units, style=style, steps=steps, seed=seed, cache=False, start="noise:0")
    mean, std = (torch.tensor(v).view(1, -1, 1, 1) for v in (net.mean, net.std))
    return (r.tensors * std + mean).clamp(0, 1), time.perf_counter() - t0


def measures(net, target, units, pixels, is_class: bool) -> dict:
    """Objective (layerwalk's, no transforms), spectral share, colourfulness, own-class hits per image."""
    mean, std = (torch.tensor(v).view(1, -1, 1, 1) for v in (net.mean, net.std))
    x = (pixels - mean) / std
    with torch.no_grad():
        objective = BoundObjective(net, channel(), target)(x, units)[0].numpy()
        hits = (net.model(x).argmax(1).numpy() == np.array(units)) if is_class else None
    arrays = pixels.permute(0, 2, 3, 1).numpy()   # floats: uint8 rounding would add high-frequency noise
    return {"objective": objective.tolist(), "hf": [high_frequency_share(a) for a in arrays],
            "colour": [colourfulness(a) for a in arrays], "own_class": None if hits is None else hits.tolist()}


def quality(net, groups, steps, seed) -> tuple[dict, dict]:
    results, pictures = {}, {}
    for name, (layer, target, units) in groups.items():
        module = lucent_module(net, target)
        lucent_px, lucent_s = lucent_render(net, module, units, steps, seed)
        ours_px, ours_s = layerwalk_render(net, layer, units, steps, seed)
        paper_px, _ = layerwalk_render(net, layer, units, steps, seed, style="paper")
        is_class = layer == "output"
        results[name] = {"module": module, "units": units,
                         "lucent": {**measures(net, target, units, lucent_px, is_class), "seconds": lucent_s},
                         "layerwalk": {**measures(net, target, units, ours_px, is_class), "seconds": ours_s},
                         "paper": measures(net, target, units, paper_px, is_class)}
        pictures[name] = (lucent_px, ours_px)
        print(f"{name}: Lucent {lucent_s:.0f} s (batched), layerwalk {ours_s:.0f} s", flush=True)
    return results, pictures


def throughput(net, layer, target, units, steps, repeats, lucent_units=2) -> dict:
    module = lucent_module(net, target)
    few = units[:lucent_units]
    runs: dict[str, list[float]] = {"lucent": [], "layerwalk": []}
    for r in range(repeats):
        _, s = lucent_render(net, module, few, steps, r, batched=False)
        runs["lucent"].append(len(few) * steps / s)
        _, s = layerwalk_render(net, layer, units, steps, r)
        runs["layerwalk"].append(len(units) * steps / s)
    return {k: statistics.median(v) for k, v in runs.items()} | {"runs": runs, "layer": layer, "steps": steps}


def figure(net, pictures, path, per_row=8):
    tile, label_w = 96, 120
    rows = [(f"{name}\n{who}", px[:per_row]) for name, pair in pictures.items()
            for who, px in zip(("Lucent", "layerwalk lucid"), pair)]
    sheet = Image.new("RGB", (label_w + tile * per_row, tile * len(rows)), (24, 24, 28))
    draw = ImageDraw.Draw(sheet)
    for j, (label, px) in enumerate(rows):
        draw.text((4, j * tile + tile // 3), label, fill=(230, 230, 230))
        for i, p in enumerate(px):
            image = Image.fromarray((p.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8))
            sheet.paste(image.resize((tile, tile), Image.Resampling.LANCZOS), (label_w + i * tile, j * tile))
    sheet.save(path)


def table(results, speed) -> str:
    med = statistics.median
    lines = ["| units | objective reached, median (Lucent → layerwalk) | spectral power above ½ Nyquist, median "
             "(Lucent / layerwalk / paper default) | colourfulness median [range] (Lucent / layerwalk) | own class "
             "(Lucent / layerwalk) |", "|---|---|---|---|---|"]
    for name, r in results.items():
        lu, lw, pa = r["lucent"], r["layerwalk"], r["paper"]
        own = (f"{np.mean(lu['own_class']):.0%} / {np.mean(lw['own_class']):.0%}" if lu["own_class"] is not None
               else "—")
        lines.append(
            f"| {name} | {med(lu['objective']):.3g} → **{med(lw['objective']):.3g}** | {med(lu['hf']):.4f} / "
            f"**{med(lw['hf']):.4f}** ({med(lw['hf']) / max(med(lu['hf']), 1e-12):.2f}×) / {med(pa['hf']):.4f} | "
            f"{med(lu['colour']):.1f} [{min(lu['colour']):.1f}–{max(lu['colour']):.1f}] / {med(lw['colour']):.1f} "
            f"[{min(lw['colour']):.1f}–{max(lw['colour']):.1f}] | {own} |")
    lines.append(f"\nthroughput on `{speed['layer']}` ({speed['steps']} steps): Lucent one unit per run "
                 f"{speed['lucent']:.2f} channel-steps/s, layerwalk lucid style batched {speed['layerwalk']:.2f} "
                 f"channel-steps/s: **{speed['layerwalk'] / speed['lucent']:.1f}×**")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=256)
    ap.add_argument("--size", type=int, default=224, help="image size (both tools; default: the model's 224)")
    ap.add_argument("--channels", type=int, default=16, help="channels per layer (the first N)")
    ap.add_argument("--layers", default=LAYERS)
    ap.add_argument("--speed-steps", type=int, default=30, help="steps per throughput run")
    ap.add_argument("--repeats", type=int, default=3, help="throughput rounds (median)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--figure", default="docs/screenshots/featurevis_lucid_vs_lucent.png")
    ap.add_argument("--json", help="also write all per-unit numbers here")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")  # Lucent/kornia deprecation noise
    load_before = os.getloadavg()
    net = Network.from_spec("demo", input_size=(3, args.size, args.size))
    groups = {}
    for layer in args.layers.split(","):
        groups[f"`{layer}` ch 0–{args.channels - 1}"] = (layer, layer, list(range(args.channels)))
    groups["class neurons " + ",".join(map(str, CLASSES))] = ("output", net.graph.node("output").precursors[0],
                                                              CLASSES)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {torch.get_num_threads()} torch threads, "
          f"torch {torch.__version__}; {args.steps} steps, {net.input_size[1]}² images; load average before "
          f"{load_before[0]:.1f}", flush=True)
    results, pictures = quality(net, groups, args.steps, args.seed)
    first = args.layers.split(",")[0]
    speed = throughput(net, first, first, list(range(args.channels)), args.speed_steps, args.repeats)
    figure(net, pictures, args.figure)
    load_after = os.getloadavg()
    print(table(results, speed))
    print(f"\nload average (1 min) before {load_before[0]:.1f}, after {load_after[0]:.1f}; figure: {args.figure}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "speed": speed, "load": [load_before, load_after], "steps": args.steps},
                      f, indent=1)


if __name__ == "__main__":
    main()
