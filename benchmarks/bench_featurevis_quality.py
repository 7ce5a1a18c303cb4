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
import contextlib
import functools
import json
import os
import platform
import statistics
import sys
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
    return module_path(net, node).replace(".", "_")


def module_path(net, node: str) -> str:
    """The dotted path of the first module whose output equals the layerwalk node's output."""
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
            return name
    raise RuntimeError(f"no module of the model outputs node {node}")


@contextlib.contextmanager
def stop_after(model, module_name: str | None):
    """Stop the model's forward pass (RuntimeError) at the first module call after ``module_name`` has run.

    Lucent's ``render_vis`` catches a RuntimeError from the model and goes on with the activations its hooks
    recorded (it does this itself for images too small for the deeper layers). Nothing after the visualized layer
    contributes to its objective, so the images are the same as with the whole network, only faster: used for the
    quality renders, never for the throughput ones (those run Lucent as its README does).
    """
    if module_name is None:
        yield
        return
    done = [False]
    inside = {id(m) for m in model.modules()}  # not Lucent's own transform modules (its Upsample)

    def pre(module, _inputs):
        if module is model:
            done[0] = False
        elif done[0] and id(module) in inside:
            raise RuntimeError(f"stopped after {module_name} (the objective needs nothing further)")

    def post(*_):
        done[0] = True

    handles = [torch.nn.modules.module.register_module_forward_pre_hook(pre),
               model.get_submodule(module_name).register_forward_hook(post)]
    try:
        yield
    finally:
        for h in handles:
            h.remove()


def lucent_render(net, module: str, units: list[int], steps: int, seed: int, batched: bool = True,
                  stop: str | None = None):
    """Lucent's images (N, 3, H, W) in 0…1 and the seconds it took (``stop``: see ``stop_after``)."""
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
        with stop_after(net.model, stop):
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


def chunk_quality(net, name, layer, target, units, steps, seed) -> tuple[dict, tuple]:
    """Both tools (and the paper's default style, for scale) on one chunk of a group's units, one seed."""
    module = lucent_module(net, target)
    stop = None if layer == "output" else module_path(net, target)
    lucent_px, lucent_s = lucent_render(net, module, units, steps, seed, stop=stop)
    ours_px, ours_s = layerwalk_render(net, layer, units, steps, seed)
    paper_px, _ = layerwalk_render(net, layer, units, steps, seed, style="paper")
    is_class = layer == "output"
    result = {"module": module, "units": units, "seed": seed,
              "lucent": {**measures(net, target, units, lucent_px, is_class), "seconds": lucent_s},
              "layerwalk": {**measures(net, target, units, ours_px, is_class), "seconds": ours_s},
              "paper": measures(net, target, units, paper_px, is_class)}
    print(f"{name} units {units} seed {seed}: Lucent {lucent_s:.0f} s (batched), layerwalk {ours_s:.0f} s",
          flush=True)
    return result, (lucent_px, ours_px)


def pooled(chunks: list[dict]) -> dict:
    """One group's chunk results joined: per tool, per measure, one list over every (unit, seed)."""
    out: dict = {"units": [], "seeds": []}
    for c in chunks:
        out["units"] += c["units"]
        out["seeds"] += [c["seed"]] * len(c["units"])
        for tool in ("lucent", "layerwalk", "paper"):
            for key, values in c[tool].items():
                if isinstance(values, list):
                    out.setdefault(tool, {}).setdefault(key, []).extend(values)
    return out


def save(path, chunks, pictures, meta):
    """Results so far (JSON) and the figure's images (``path + '.pt'``), rewritten after every chunk."""
    with open(path, "w") as f:
        json.dump({"chunks": chunks, **meta}, f, indent=1)
    torch.save({k: list(v) for k, v in pictures.items()}, path + ".pt")


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


def table(results, speed=None) -> str:
    med = statistics.median
    lines = ["| units | objective reached, median (Lucent → layerwalk) | spectral power above ½ Nyquist, median "
             "(Lucent / layerwalk / paper default) | colourfulness median [range] (Lucent / layerwalk) | own class "
             "(Lucent / layerwalk) |", "|---|---|---|---|---|"]
    for name, r in results.items():
        lu, lw, pa = r["lucent"], r["layerwalk"], r["paper"]
        own = (f"{np.mean(lu['own_class']):.0%} / {np.mean(lw['own_class']):.0%}" if lu.get("own_class")
               else "—")
        lines.append(
            f"| {name} | {med(lu['objective']):.3g} → **{med(lw['objective']):.3g}** | {med(lu['hf']):.4f} / "
            f"**{med(lw['hf']):.4f}** ({med(lw['hf']) / max(med(lu['hf']), 1e-12):.2f}×) / {med(pa['hf']):.4f} | "
            f"{med(lu['colour']):.1f} [{min(lu['colour']):.1f}–{max(lu['colour']):.1f}] / {med(lw['colour']):.1f} "
            f"[{min(lw['colour']):.1f}–{max(lw['colour']):.1f}] | {own} |")
    for name, r in results.items():
        lu, lw = r["lucent"]["objective"], r["layerwalk"]["objective"]
        wins = sum(b >= a for a, b in zip(lu, lw))
        lines.append(f"\n{name}: {len(lu)} images (units × seeds {sorted(set(r['seeds']))}); layerwalk's objective ≥ "
                     f"Lucent's on {wins} of {len(lu)}")
    if speed is None:
        return "\n".join(lines)
    lines.append(f"\nthroughput on `{speed['layer']}` ({speed['steps']} steps): Lucent one unit per run "
                 f"{speed['lucent']:.2f} channel-steps/s, layerwalk lucid style batched {speed['layerwalk']:.2f} "
                 f"channel-steps/s: **{speed['layerwalk'] / speed['lucent']:.1f}×**")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=256)
    ap.add_argument("--size", type=int, default=224, help="image size (both tools; default: the model's 224)")
    ap.add_argument("--channels", type=int, default=16, help="channels per layer (the first N after --offset)")
    ap.add_argument("--offset", type=int, default=0, help="first channel (to split a run over processes)")
    ap.add_argument("--classes", default=",".join(map(str, CLASSES)), help="class neurons")
    ap.add_argument("--chunk", type=int, default=4,
                    help="units per chunk: every group's first chunk runs before any group's second, and the JSON "
                         "is rewritten after each, so a run stopped early still covers every group")
    ap.add_argument("--layers", default=LAYERS)
    ap.add_argument("--speed-steps", type=int, default=30, help="steps per throughput run")
    ap.add_argument("--repeats", type=int, default=3, help="throughput rounds (median); 0: no throughput")
    ap.add_argument("--no-quality", dest="quality", action="store_false", help="throughput only")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--seeds", default="0", help="comma-separated seeds; each runs every unit")
    ap.add_argument("--figure", default="docs/screenshots/featurevis_lucid_vs_lucent.png")
    ap.add_argument("--json", default="fv_quality.json", help="all per-unit numbers (and PATH.pt: the images)")
    ap.add_argument("--merge", nargs="+", help="only join these JSON files of earlier runs: table and figure")
    args = ap.parse_args()
    if args.merge:
        return merge(args.merge, args.figure)
    if args.threads:
        torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")  # Lucent/kornia deprecation noise
    load_before = os.getloadavg()
    net = Network.from_spec("demo", input_size=(3, args.size, args.size))
    channels = list(range(args.offset, args.offset + args.channels))
    classes = [int(c) for c in args.classes.split(",") if c]
    groups = {f"`{layer}` ch {channels[0]}–{channels[-1]}": (layer, layer, channels)
              for layer in args.layers.split(",") if channels}
    if classes:
        groups["class neurons " + ",".join(map(str, classes))] = ("output", net.graph.node("output").precursors[0],
                                                                  classes)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {torch.get_num_threads()} torch threads, "
          f"torch {torch.__version__}; {args.steps} steps, {net.input_size[1]}² images; load average before "
          f"{load_before[0]:.1f}", flush=True)
    meta = {"steps": args.steps, "size": args.size, "argv": sys.argv[1:], "load_before": load_before}
    chunks: list[dict] = []
    pictures: dict[str, tuple[list, list]] = {}
    for seed in [int(s) for s in args.seeds.split(",")] if args.quality else []:
        longest = max(len(units) for _, _, units in groups.values())
        for at in range(0, longest, args.chunk):
            for name, (layer, target, units) in groups.items():
                part = units[at:at + args.chunk]
                if not part:
                    continue
                result, (lu, lw) = chunk_quality(net, name, layer, target, part, args.steps, seed)
                chunks.append({"group": name, **result})
                if seed == int(args.seeds.split(",")[0]):
                    lus, lws = pictures.setdefault(name, ([], []))
                    lus.extend(lu)
                    lws.extend(lw)
                save(args.json, chunks, pictures, {**meta, "load_now": os.getloadavg()})
    speed = None
    if args.repeats:
        first = args.layers.split(",")[0]
        speed = throughput(net, first, first, channels, args.speed_steps, args.repeats)
        with open(args.json, "w") as f:
            json.dump({"chunks": chunks, "speed": speed, **meta, "load_now": os.getloadavg()}, f, indent=1)
    if chunks:
        figure(net, {k: (torch.stack(a), torch.stack(b)) for k, (a, b) in pictures.items()}, args.figure)
    print(table(by_group(chunks), speed))
    print(f"\nload average (1 min) before {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f}; figure: "
          f"{args.figure if chunks else '—'}")


def by_group(chunks: list[dict]) -> dict:
    groups: dict[str, list[dict]] = {}
    for c in chunks:
        groups.setdefault(c["group"], []).append(c)
    return {name: pooled(cs) for name, cs in groups.items()}


def merge(paths: list[str], figure_path: str):
    """Join runs that split the units (or seeds) between processes: one table, one figure."""
    chunks: list[dict] = []
    pictures: dict[str, tuple[list, list]] = {}
    for path in paths:
        with open(path) as f:
            chunks += json.load(f)["chunks"]
        for name, (lu, lw) in torch.load(path + ".pt", weights_only=True).items():
            group = name.split(" ch ")[0] if name.startswith("`") else "class neurons"
            a, b = pictures.setdefault(group, ([], []))
            a.extend(lu)
            b.extend(lw)
    for c in chunks:  # "`layer` ch 8–15" and "`layer` ch 0–7" are one group
        c["group"] = c["group"].split(" ch ")[0] if c["group"].startswith("`") else "class neurons"
    figure(None, {k: (torch.stack(a), torch.stack(b)) for k, (a, b) in pictures.items()}, figure_path)
    print(table(by_group(chunks)))


if __name__ == "__main__":
    main()
