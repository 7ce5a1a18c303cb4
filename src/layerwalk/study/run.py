"""``layerwalk study``: train the three strategies, then measure what the paper only looked at (§5).

The study is scaled to a time budget (``layerwalk.study.plan``); with enough budget (a GPU) it grows to the full
training set. All numbers land in ``study.json``, the figures and the verdict in the self-contained
``report.html``.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from layerwalk.engine import resolve_device
from layerwalk.study.analysis import analyse
from layerwalk.study.plan import StudyPlan, measure_throughput, plan_study, save_plan, saved_plan
from layerwalk.study.table5 import compare_table5
from layerwalk.study.verdict import verdict
from layerwalk.train.strategies import STRATEGIES
from layerwalk.train.trainer import TrainConfig, TrainResult, dataset_splits, train

__all__ = ["run_study"]


def run_study(out: str | Path, *, dataset: str = "fashion-mnist", model: str = "covidresnet",
              budget_minutes: float = 15, image_size=(64, 64), device: str = "auto", seed: int = 0,
              epochs: int | None = None, copies: int | None = None, train_images: int | None = None,
              progress: bool = True) -> dict:
    """Plan, train the three strategies, analyse, and write ``study.json`` and ``report.html`` under ``out``.

    ``train_images``, ``epochs`` and ``copies`` fix the scale instead of planning it from the budget.

    Returns the numbers of ``study.json`` (and, under ``_`` keys, the report's figures).
    """
    from layerwalk.data import load_dataset
    from layerwalk.study.report import write_report

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    dev = resolve_device(device)
    train_ds, test_ds = (load_dataset(s) for s in dataset_splits(dataset))
    # a rerun resumes the same plan (and checkpoints)
    plan = saved_plan(out, budget_minutes, image_size, train_images=train_images, epochs=epochs, copies=copies)
    if plan is None:
        ips = measure_throughput(model, train_ds.channels, len(train_ds.class_names), image_size, 32, dev)
        plan = plan_study(budget_minutes, ips, train_size=len(train_ds), image_size=image_size,
                          gpu=dev.type == "cuda", copies=copies, epochs=epochs, train_images=train_images)
        save_plan(out, plan)
    runs = train_strategies(out, plan, model=model, dataset=dataset, device=dev, seed=seed, progress=progress)
    results = {"plan": asdict(plan), "dataset": dataset, "model": model, "device": str(dev),
               "accuracy": {s: r.summary for s, r in runs.items()}}
    results.update(analyse({s: r.model for s, r in runs.items()}, test_ds, train_ds, plan, seed))
    results["table5"] = compare_table5(results["accuracy"], len(train_ds.class_names))
    results["verdict"] = verdict(results)
    results["minutes"] = round((time.perf_counter() - t0) / 60, 1)
    numbers = {k: v for k, v in results.items() if not k.startswith("_")}  # figures go into the report only
    (out / "study.json").write_text(json.dumps(numbers, indent=1, default=_json_default))
    write_report(results, out)
    return results


def train_strategies(out: Path, plan: StudyPlan, *, model: str, dataset: str, device: torch.device, seed: int,
                     progress: bool) -> dict[str, TrainResult]:
    """Train the standard, shuffled-label and noisy-samples models with the plan's images and epochs."""
    every = plan.epochs if device.type == "cpu" else max(1, plan.epochs // 5)
    runs = {}
    for strategy in STRATEGIES:
        config = TrainConfig(model=model, dataset=dataset, strategy=strategy, epochs=plan.epochs,
                             image_size=plan.image_size, train_subset=plan.train_subset,
                             test_subset=plan.test_subset, copies=plan.copies, batch_size=plan.batch_size,
                             seed=seed, eval_every=every, device=str(device))
        runs[strategy] = train(config, out / "runs" / strategy, progress=progress)
    return runs


def _json_default(v):
    if isinstance(v, (np.floating, np.integer)):
        return v.item()
    if isinstance(v, Path):
        return str(v)
    raise TypeError(type(v))
