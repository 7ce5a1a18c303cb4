"""Influence speed and accuracy: EK-FAC (Kronfluence) vs LiSSA vs TracIn, in the same run.

  covidresnet  wall time on the Fashion-MNIST CovidResNet (28×28, 10 classes): EK-FAC factor fitting, then
               QUERIES test images scored against TRAIN training images per method (LiSSA at --lissa-depth;
               TracIn with one checkpoint). Weights: a 'layerwalk train' run (--run) or Kaiming-initialised.
  convex       logistic regression on two Fashion-MNIST classes (the leave-one-out test's model): time of EK-FAC
               and of LiSSA for one query, and each one's Pearson correlation with actual leave-one-out retraining
               (30 most influential images) — the ratio "EK-FAC ≥ 20× faster at equal or better correlation".
  mislabeled   the detection curve of flipped labels by self-influence (CovidResNet, 4 Fashion-MNIST classes, 10 %
               flipped; EK-FAC and TracIn on the last layer) for --seeds.
  sensitivity  LiSSA on the convex model over damping × scale × depth: correlation with leave-one-out retraining
               and relative error against the exact (H + λI)⁻¹ (this is what the dissertation's method depends on).

Medians over --repeats. Prints one JSON line per figure (copy them into BENCHMARKS.md with `uptime`).
Run:  .venv/bin/python benchmarks/bench_influence.py [--train 10000 --queries 100 --repeats 3] [--what convex]
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import platform
import shutil
import statistics
import tempfile
import time

import torch
import torch.nn.functional as F

import layerwalk
from layerwalk.influence import EkfacParams, LissaParams, TrainingSet
from layerwalk.influence.ekfac import EkfacInfluence
from layerwalk.influence.layers import influence_layers
from layerwalk.influence.loo import exact_influence, fashion_logistic, loo_loss_changes, pearson


def _timed(fn, repeats: int, warmup: bool = False) -> tuple[float, object]:
    """Median seconds of ``repeats`` calls (after one untimed call if ``warmup``: first-call imports, allocations)."""
    if warmup:
        fn()
    times, out = [], None
    for _ in range(repeats):
        start = time.strftime("%H:%M:%S", time.gmtime())
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        # each call's UTC start: a call that overlaps a FREEZE window of the queue's log was paused, drop it
        _emit(call_started_utc=start, seconds=round(times[-1], 2))
    return statistics.median(times), out


def _fresh() -> str:
    """A new cache folder: every timed EK-FAC call fits its factors again (nothing is reused between repeats)."""
    folder = tempfile.mkdtemp(prefix="bench-influence-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def _emit(**row) -> None:
    print(json.dumps(row), flush=True)


def _fashion(n_train: int, n_queries: int, run: str | None, weights: str | None = None, fit_epochs: int = 0):
    """The CovidResNet and the first ``n_train`` Fashion-MNIST training and ``n_queries`` test images (normalised as
    the model's images were). Weights: a run's, a ``--weights`` file, else Kaiming-initialised and trained for
    ``fit_epochs`` on these training images (untrained, its activations make EK-FAC's covariances singular). The
    timing depends on the number of images, not on which they are."""
    from safetensors.torch import load_file, save_file

    from layerwalk.data import load_dataset, load_model
    from layerwalk.influence.mislabeled import _fit

    if run:
        from layerwalk.influence import load_run_data

        data = load_run_data(run)
        model, normalise = data.model, data.normalise
    else:
        torch.manual_seed(0)
        model = load_model("covidresnet", num_classes=10, in_channels=1).model.eval()
        normalise = lambda pixels: (pixels.float() / 255 - 0.286) / 0.353  # noqa: E731
    sets = []
    for split, n in (("train", n_train), ("test", n_queries)):
        ds = load_dataset(f"fashion-mnist:{split}")
        pixels = torch.from_numpy(ds.images[:n].copy())[:, None]
        sets.append((normalise(pixels), torch.from_numpy(ds.labels[:n]).long()))
    if weights and os.path.exists(weights):
        model.load_state_dict(load_file(weights))
    elif not run and fit_epochs:
        t0 = time.perf_counter()
        _fit(model, *sets[0], epochs=fit_epochs, lr=1e-3, batch_size=64, seed=0)
        _emit(what="covidresnet", step="training (not timed for influence)", epochs=fit_epochs,
              seconds=round(time.perf_counter() - t0, 1))
        if weights:
            save_file(model.state_dict(), weights)
    model.eval()
    return model, TrainingSet(*sets[0], f"bench:fashion:{n_train}:{run}:{weights}"), sets[1][0]


def bench_covidresnet(args) -> None:
    """EK-FAC through ``layerwalk.influence`` end to end (factor fitting on --factor-examples images included,
    nothing cached), then LiSSA and TracIn on the same queries and training images; the ratio is LiSSA's time over
    EK-FAC's, measured in this run."""
    model, train, queries = _fashion(args.train, args.queries, args.run, args.weights, args.fit_epochs)
    layers = influence_layers(model) if args.layers == "all" else influence_layers(model)[-1:]
    base = {"what": "covidresnet", "train": len(train), "queries": len(queries), "layers": len(layers)}
    ekfac = EkfacParams(batch_size=64, factor_examples=args.factor_examples)
    methods = args.methods.split(",")
    if "factors" in methods:
        fits = []
        for _ in range(args.repeats):  # a fresh folder each time: fitted factors are cached on disk
            with tempfile.TemporaryDirectory() as tmp:
                ek = EkfacInfluence(model, layers, train.inputs, train.labels, tmp, ekfac)
                fits.append(_timed(lambda ek=ek: ek.fit_factors(lambda f, m: None), 1)[0])
        _emit(**base, method="ekfac", step="factors", seconds=round(statistics.median(fits), 2),
              all_seconds=[round(f, 2) for f in fits], factor_examples=args.factor_examples)
    seconds = {}
    runs = (("ekfac", {"ekfac": ekfac}), ("tracin", {}),
            ("lissa", {"lissa": LissaParams(depth=args.lissa_depth, scale=50)}))
    for method, options in runs:
        if method not in methods:
            continue
        seconds[method], _ = _timed(lambda method=method, options=options: layerwalk.influence(
            model, train, queries, method=method, layers=args.layers, self_influence=False, cache=False,
            cache_dir=_fresh(), **options), args.repeats)
        pairs = len(train) * len(queries)
        _emit(**base, method=method, step="factors+scores" if method == "ekfac" else "scores",
              seconds=round(seconds[method], 2), per_pair_us=round(1e6 * seconds[method] / pairs, 1),
              **({"lissa_depth": args.lissa_depth} if method == "lissa" else {}))
    if "lissa" in seconds and "ekfac" in seconds:
        _emit(what="covidresnet", ratio_lissa_over_ekfac=round(seconds["lissa"] / seconds["ekfac"], 1),
              load=os.getloadavg())


def bench_mislabeled(args) -> None:
    from layerwalk.influence.mislabeled import detection_curve, flipped_fashion_experiment

    for seed in (int(s) for s in args.seeds.split(",")):
        t0 = time.perf_counter()
        exp = flipped_fashion_experiment(n_train=800, fraction=0.1, epochs=2, seed=seed)
        trained = time.perf_counter() - t0
        for method in ("ekfac", "tracin"):
            t0 = time.perf_counter()
            result = layerwalk.influence(exp.model, exp.train, exp.train.inputs[:1], method=method, layers="last",
                                         cache=False)
            _emit(what="mislabeled", seed=seed, method=method, clean_accuracy=round(exp.clean_accuracy, 3),
                  train_seconds=round(trained, 1), seconds=round(time.perf_counter() - t0, 1),
                  curve=[[f, round(hit, 3)] for f, hit in detection_curve(result.self_influence, exp.flipped)])


def _convex_query(problem) -> int:
    with torch.no_grad():
        return int(F.cross_entropy(problem.model(problem.test_x), problem.test_y, reduction="none").argmax())


def bench_convex(args) -> None:
    problem = fashion_logistic()
    q = _convex_query(problem)
    exact = exact_influence(problem, q)
    top = torch.argsort(exact.abs(), descending=True)[:30].tolist()
    actual = loo_loss_changes(problem, q, top)
    n = len(problem.train)
    _emit(what="convex", method="exact", loo_pearson=round(pearson(exact[top] / n, actual), 4))
    runs = {"ekfac": {"ekfac": EkfacParams(damping=problem.l2, dtype=torch.float64)},
            "lissa": {"lissa": LissaParams(damping=problem.l2, scale=10, depth=args.convex_depth, batch_size=50)}}
    seconds = {}
    for method, options in runs.items():
        t, result = _timed(lambda method=method, options=options: layerwalk.influence(
            problem.model, problem.train, problem.test_x[q:q + 1], method=method, self_influence=False, cache=False,
            cache_dir=_fresh(), query_labels=problem.test_y[q:q + 1], **options), args.repeats, warmup=True)
        scores = result.scores.total[0].double()
        seconds[method] = t
        _emit(what="convex", method=method, seconds=round(t, 3), loo_pearson=round(pearson(scores[top] / n, actual), 4),
              exact_rel_error=round(float((scores - exact).norm() / exact.norm()), 4))
    _emit(what="convex", ratio_lissa_over_ekfac=round(seconds["lissa"] / seconds["ekfac"], 1))


def bench_sensitivity(args) -> None:
    problem = fashion_logistic()
    q = _convex_query(problem)
    n = len(problem.train)
    for damping in (0.001, 0.01, 0.1):
        reference = _exact_with_damping(problem, q, damping)
        for scale in (5.0, 10.0, 50.0):
            for depth in (100, 1000):
                params = LissaParams(damping=damping, scale=scale, depth=depth, batch_size=50)
                t0 = time.perf_counter()
                try:
                    result = layerwalk.influence(problem.model, problem.train, problem.test_x[q:q + 1], method="lissa",
                                                 query_labels=problem.test_y[q:q + 1], lissa=params, cache=False)
                except layerwalk.errors.SpecError:
                    _emit(what="sensitivity", damping=damping, scale=scale, depth=depth, diverged=True)
                    continue
                scores = result.scores.total[0].double()
                row = {"what": "sensitivity", "damping": damping, "scale": scale, "depth": depth,
                       "seconds": round(time.perf_counter() - t0, 2)}
                row["exact_rel_error"] = round(float((scores - reference).norm() / reference.norm()), 4)
                top = torch.argsort(reference.abs(), descending=True)[:30].tolist()
                row["pearson_with_exact_top30"] = round(pearson(scores[top] / n, reference[top] / n), 4)
                _emit(**row)


def _exact_with_damping(problem, q: int, damping: float) -> torch.Tensor:
    """Exact scores with the objective's Hessian plus (damping − λ)I: what LiSSA at that damping converges to."""
    from dataclasses import replace

    shifted = replace(problem, l2=damping)  # the Hessian is the same data term + damping·I
    return exact_influence(shifted, q)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--what", default="convex,sensitivity,covidresnet")
    parser.add_argument("--train", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--run", help="a 'layerwalk train' run folder: its trained weights (default: a Kaiming-"
                        "initialised CovidResNet, whose untrained activations can make EK-FAC's covariances singular)")
    parser.add_argument("--weights", help="covidresnet: a safetensors file of its weights; written after "
                        "--fit-epochs of training when it does not exist yet (later jobs reuse them)")
    parser.add_argument("--fit-epochs", type=int, default=0, help="covidresnet: train the Kaiming-initialised model "
                        "this many epochs on the training images first (AdamW, lr 1e-3)")
    parser.add_argument("--lissa-depth", type=int, default=100)
    parser.add_argument("--factor-examples", type=int, default=1000,
                        help="EK-FAC fits its factors on the first N training images (covidresnet)")
    parser.add_argument("--methods", default="factors,ekfac,tracin,lissa",
                        help="covidresnet: what to time (EK-FAC factor fitting alone, then each method end to end); "
                             "one method per queued job keeps each job under the queue's time limit")
    parser.add_argument("--layers", choices=("all", "last"), default="all", help="covidresnet: layers scored")
    parser.add_argument("--convex-depth", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seeds", default="0,1", help="mislabeled: seeds of the experiment")
    parser.add_argument("--threads", type=int)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    _emit(machine=platform.processor() or platform.machine(), cpus=os.cpu_count(), threads=torch.get_num_threads(),
          torch=torch.__version__, load=os.getloadavg())
    for what in args.what.split(","):
        {"convex": bench_convex, "sensitivity": bench_sensitivity, "covidresnet": bench_covidresnet,
         "mislabeled": bench_mislabeled}[what](args)


if __name__ == "__main__":
    main()
