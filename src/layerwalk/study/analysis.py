"""What the study measures on the three trained networks: spectral measures of activations (block outputs) and
of feature visualizations, activation figures of a few test images."""

from __future__ import annotations

import math

import numpy as np
import torch

from layerwalk.study.measures import active, bootstrap_ci, high_frequency_fraction, morans_i
from layerwalk.study.plan import StudyPlan

__all__ = ["analyse", "analysis_layers", "spectral_layers", "MIN_SIDE"]

MIN_SIDE = 4  # maps smaller than 4×4 have too few frequencies for the spectral measure


def _networks(models: dict, test_ds, train_ds, size):
    from layerwalk.engine import Network

    return {s: Network(m.eval().cpu(), dataset=test_ds, input_size=(test_ds.channels, *size), mean=train_ds.mean,
                       std=train_ds.std, name=f"{s}") for s, m in models.items()}


def analysis_layers(network) -> dict[str, str]:
    """{"first": first conv, "middle": a block output halfway, "last": the last conv-layer output}."""
    spatial = [n for n in network.graph.nodes if n.kind in ("conv", "add", "concat") and len(n.shape) == 3]
    blocks = [n for n in spatial if n.kind in ("add", "concat")] or spatial
    return {"first": spatial[0].id, "middle": blocks[(len(blocks) - 1) // 2].id, "last": spatial[-1].id}


def spectral_layers(network) -> list[str]:
    """Block outputs with maps of at least ``MIN_SIDE``² pixels, plus the last conv layer if it qualifies."""
    spatial = [n for n in network.graph.nodes if len(n.shape) == 3 and min(n.shape[1:]) >= MIN_SIDE
               and n.kind in ("conv", "add", "concat")]
    nodes = [n for n in spatial if n.kind != "conv"] or spatial
    seen, ids = set(), []
    for n in reversed(nodes):  # one per resolution: the last block output at each map size
        if n.shape[1:] not in seen:
            seen.add(n.shape[1:])
            ids.append(n.id)
    return list(reversed(ids))


def _example_indices(test_ds, count: int, seed: int) -> list[int]:
    from layerwalk.train.strategies import pick_subset

    return pick_subset(test_ds, count, seed + 99)


def analyse(models: dict, test_ds, train_ds, plan: StudyPlan, seed: int) -> dict:
    """Every measure of the study for the trained ``models`` (strategy → model); keys starting with ``_`` hold
    figures for the report."""
    nets = _networks(models, test_ds, train_ds, plan.image_size)
    any_net = next(iter(nets.values()))
    layers = analysis_layers(any_net)
    spec_layers = spectral_layers(any_net)
    last_side = min(any_net.graph.node(layers["last"]).shape[1:])
    examples = _example_indices(test_ds, 4, seed)
    indices = _example_indices(test_ds, plan.analysis_images, seed + 1)
    activations = {s: _activation_stats(net, test_ds, indices, spec_layers) for s, net in nets.items()}
    figures = {s: _activation_figures(net, test_ds, examples, layers) for s, net in nets.items()}
    fv = {s: _featurevis(net, layers, plan, seed) for s, net in nets.items()}
    inputs = _input_stats(any_net, test_ds, indices)
    return {"layers": layers, "spectral_layers": spec_layers, "last_side": last_side, "examples": examples,
            "activations": activations, "inputs": inputs, "featurevis": {s: v["stats"] for s, v in fv.items()},
            "_figures": figures, "_fv_images": {s: v["sheets"] for s, v in fv.items()}}


def _per_image(maps: torch.Tensor) -> dict[str, float]:
    live = active(maps)
    if not live.any():
        return {"hf": math.nan, "moran": math.nan, "active": 0.0}
    m = maps[torch.from_numpy(live)]
    return {"hf": float(np.nanmean(high_frequency_fraction(m))), "moran": float(np.nanmean(morans_i(m))),
            "active": float((maps.flatten(1).max(1).values > 0).float().mean())}


def _summarise(values: list[dict], keys=("hf", "moran", "active")) -> dict:
    return {k: {"values": [v[k] for v in values], "ci": bootstrap_ci([v[k] for v in values])} for k in keys}


def _activation_stats(net, test_ds, indices: list[int], layer_ids: list[str]) -> dict:
    rows: dict[str, list[dict]] = {lid: [] for lid in layer_ids}
    for i in indices:
        snap = net.set_input(test_ds.image(i))
        for lid in layer_ids:
            rows[lid].append(_per_image(snap.activations[lid]))
    return {lid: _summarise(v) for lid, v in rows.items()}


def _input_stats(net, test_ds, indices: list[int]) -> dict:
    maps = torch.stack([net.preprocess(test_ds.image(i))[0] for i in indices])
    return _summarise([_per_image(m) for m in maps], keys=("hf", "moran"))


def _activation_figures(net, test_ds, examples: list[int], layers: dict) -> list[dict]:
    from layerwalk.engine.colormap import atlas, colormap

    figures = []
    for i in examples:
        snap = net.set_input(test_ds.image(i))
        row = {"index": i, "label": test_ds.class_name(i), "input": snap.input_image,
               "predicted": snap.classification(top=1)[0].name}
        for key in ("middle", "last"):
            enc = snap.encoded(layers[key])
            row[key] = colormap(atlas(enc.data, gap=1, fill=enc.zero_level), enc.zero_level)
        figures.append(row)
    return figures


def _featurevis(net, layers: dict, plan: StudyPlan, seed: int) -> dict:
    from layerwalk.featurevis import featurevis

    sheets, stats = {}, {}
    for key, layer in (("first", layers["first"]), ("middle", layers["middle"]), ("classes", "output")):
        count = net.graph.node(net.graph.node(layer).precursors[0] if layer == "output" else layer).shape[0]
        channels = list(range(min(count, plan.fv_channels if key != "classes" else count)))
        result = featurevis(net, layer, channels, start=f"noise:{seed}", steps=plan.fv_steps, seed=seed,
                            cache=False)
        gray = result.tensors.mean(1)  # (channels, H, W) in the model's input space
        sheets[key] = {"images": result.images, "labels": [net.class_names[c] if key == "classes" else f"#{c}"
                                                           for c in channels]}
        stats[key] = {"layer": layer, "hf": {"values": high_frequency_fraction(gray).tolist(),
                                             "ci": bootstrap_ci(high_frequency_fraction(gray))},
                      "moran": {"values": morans_i(gray).tolist(), "ci": bootstrap_ci(morans_i(gray))}}
    return {"sheets": sheets, "stats": stats}
