"""``layerwalk study``: train the three strategies, then measure what the paper only looked at (§5).

The study is scaled to a time budget: it times a few training steps, then picks how many training images and
epochs fit (the same images and epochs for all three strategies; the noisy set adds ``copies`` noisy copies of
each). With enough budget (a GPU) it grows to the full training set. All numbers land in ``study.json``, the
figures and the verdict in the self-contained ``report.html``.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from layerwalk.train.spectral import active, bootstrap_ci, bootstrap_diff_ci, high_frequency_fraction, morans_i
from layerwalk.train.strategies import STRATEGIES
from layerwalk.train.trainer import TrainConfig, dataset_splits, train

__all__ = ["StudyPlan", "plan_study", "run_study", "MIN_SIDE"]

MIN_SIDE = 4  # maps smaller than 4×4 have too few frequencies for the spectral measure


@dataclass
class StudyPlan:
    """How big the study is. ``images_per_second``: measured training throughput."""

    image_size: tuple[int, int]
    train_subset: int | None
    test_subset: int
    epochs: int
    copies: int
    batch_size: int
    fv_steps: int
    fv_channels: int
    analysis_images: int
    images_per_second: float
    budget_minutes: float


def _throughput(model_spec: str, channels: int, classes: int, size, batch: int, device) -> float:
    from layerwalk.data import load_model

    model = load_model(model_spec, num_classes=classes, in_channels=channels).model.to(device).train()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    x, y = torch.randn(batch, channels, *size, device=device), torch.randint(0, classes, (batch,), device=device)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        opt.zero_grad()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return batch / min(times[1:])


def plan_study(budget_minutes: float, images_per_second: float, *, train_size: int, image_size=(64, 64),
               copies: int | None = None, epochs: int | None = None) -> StudyPlan:
    """Fit the three trainings into ~60 % of the budget (the rest: evaluation, feature visualization, analysis).

    >>> p = plan_study(15, 40.0, train_size=60000)
    >>> (p.epochs, p.copies, p.train_subset)
    (15, 3, 230)
    """
    big = images_per_second > 400  # a GPU: the paper's 9 copies and more epochs
    copies = copies if copies is not None else (9 if big else 3)
    epochs = epochs or (30 if big else 15)
    passes = 0.6 * budget_minutes * 60 * images_per_second
    per_image = epochs * (2 + copies + 1) + (2 + copies + 1) / 3  # training + one clean evaluation
    n = int(passes / per_image) // 10 * 10
    n = max(50, min(n, train_size))
    return StudyPlan(tuple(image_size), None if n >= train_size else n, 2000 if big else 500, epochs, copies,
                     64 if big else 32, 64 if big else 24, 8, 64 if big else 32, round(images_per_second, 1),
                     budget_minutes)


def run_study(out: str | Path, *, dataset: str = "fashion-mnist", model: str = "covidresnet",
              budget_minutes: float = 15, image_size=(64, 64), device: str = "auto", seed: int = 0,
              epochs: int | None = None, copies: int | None = None, progress: bool = True) -> dict:
    """Plan, train the three strategies, analyse, and write ``study.json`` and ``report.html`` under ``out``.

    Returns the numbers of ``study.json``.
    """
    from layerwalk.data import load_dataset
    from layerwalk.train.report import write_report

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    dev = torch.device("cuda" if device == "auto" and torch.cuda.is_available() else
                       ("cpu" if device == "auto" else device))
    train_ds, test_ds = (load_dataset(s) for s in dataset_splits(dataset))
    plan = _saved_plan(out, budget_minutes, image_size)  # a rerun resumes the same plan (and checkpoints)
    if plan is None:
        ips = _throughput(model, train_ds.channels, len(train_ds.class_names), image_size, 32, dev)
        plan = plan_study(budget_minutes, ips, train_size=len(train_ds), image_size=image_size, copies=copies,
                          epochs=epochs)
        (out / "plan.json").write_text(json.dumps(asdict(plan), indent=1))
    runs = {}
    for strategy in STRATEGIES:
        config = TrainConfig(model=model, dataset=dataset, strategy=strategy, epochs=plan.epochs,
                             image_size=plan.image_size, train_subset=plan.train_subset,
                             test_subset=plan.test_subset, copies=plan.copies, batch_size=plan.batch_size,
                             seed=seed, eval_every=plan.epochs if dev.type == "cpu" else max(1, plan.epochs // 5),
                             device=str(dev))
        runs[strategy] = train(config, out / "runs" / strategy, progress=progress)
    results = {"plan": asdict(plan), "dataset": dataset, "model": model, "device": str(dev),
               "accuracy": {s: r.summary for s, r in runs.items()}}
    results.update(analyse({s: r.model for s, r in runs.items()}, test_ds, train_ds, plan, out, seed))
    results["verdict"] = verdict(results)
    results["minutes"] = round((time.perf_counter() - t0) / 60, 1)
    numbers = {k: v for k, v in results.items() if not k.startswith("_")}  # figures go into the report only
    (out / "study.json").write_text(json.dumps(numbers, indent=1, default=_json_default))
    write_report(results, out)
    return results


def _saved_plan(out: Path, budget_minutes: float, image_size) -> StudyPlan | None:
    path = out / "plan.json"
    if not path.exists():
        return None
    plan = StudyPlan(**json.loads(path.read_text()))
    plan.image_size = tuple(plan.image_size)
    same = plan.budget_minutes == budget_minutes and plan.image_size == tuple(image_size)
    return plan if same else None


def _json_default(v):
    if isinstance(v, (np.floating, np.integer)):
        return v.item()
    if isinstance(v, Path):
        return str(v)
    raise TypeError(type(v))


# --- analysis ----------------------------------------------------------------------------------------------------
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


def analyse(models: dict, test_ds, train_ds, plan: StudyPlan, out: Path, seed: int) -> dict:
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


# --- verdict -----------------------------------------------------------------------------------------------------
def _comparisons(results: dict) -> list[dict]:
    """The paper's predictions as (measure, expected sign of memorizing − standard) pairs."""
    rows = []
    last = results["spectral_layers"][-1] if results["spectral_layers"] else None
    measures = []
    if last:
        measures += [(f"activations {last}: high-frequency fraction", lambda s: results["activations"][s][last]["hf"], +1),
                     (f"activations {last}: Moran's I", lambda s: results["activations"][s][last]["moran"], -1)]
    for key in ("middle", "classes"):
        measures.append((f"feature vis. {key}: high-frequency fraction", lambda s, k=key: results["featurevis"][s][k]["hf"], +1))
    for name, get, sign in measures:
        for other in ("shuffled", "noisy"):
            d, lo, hi = bootstrap_diff_ci(get(other)["values"], get("standard")["values"])
            outcome = "supports" if (lo > 0 if sign > 0 else hi < 0) else \
                "contradicts" if (hi < 0 if sign > 0 else lo > 0) else "inconclusive"
            rows.append({"measure": name, "model": other, "expected": "higher" if sign > 0 else "lower",
                         "difference": [d, lo, hi], "outcome": outcome})
    return rows


def verdict(results: dict) -> dict:
    """Count the predictions the data support or contradict (95 % bootstrap intervals of the difference)."""
    rows = _comparisons(results)
    yes = sum(r["outcome"] == "supports" for r in rows)
    no = sum(r["outcome"] == "contradicts" for r in rows)
    if yes >= len(rows) / 2 and no == 0:
        text = "The data support the paper's hypothesis"
    elif no > yes:
        text = "The data contradict the paper's hypothesis"
    else:
        text = "The data neither clearly support nor refute the paper's hypothesis (mixed or inconclusive)"
    acc = results["accuracy"]
    caveats = []
    if acc["shuffled"].get("train_acc", 0) < 0.9:
        caveats.append(f"the shuffled-label model fitted only {acc['shuffled'].get('train_acc', 0):.0%} of its "
                       "training labels, so it had not (yet) memorized its training set as in the paper")
    if acc["noisy"].get("train_acc", 0) < 0.9:
        caveats.append(f"the noisy-samples model fitted only {acc['noisy'].get('train_acc', 0):.0%} of its training "
                       "set")
    if results.get("last_side", 99) < MIN_SIDE:
        caveats.append(f"the last conv layer has {results['last_side']}×{results['last_side']} maps at this image "
                       "size, too few pixels for a spectrum; the activation measures use the deepest block with maps "
                       f"of at least {MIN_SIDE}×{MIN_SIDE}")
    return {"text": text, "supports": yes, "contradicts": no, "total": len(rows), "rows": rows, "caveats": caveats}
