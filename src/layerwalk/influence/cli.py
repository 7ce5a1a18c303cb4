"""``layerwalk influence``: which training images made a trained model's decisions (parser and work; the main
CLI only registers ``add_influence``)."""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["add_influence", "add_influence_disturbances"]


def add_influence(sub) -> None:
    from layerwalk.influence.run import METHODS

    p = sub.add_parser("influence", help="training-data attribution of a 'layerwalk train' run: proponents, "
                                         "opponents and self-influence per layer (EK-FAC, LiSSA, TracIn)")
    # dest "folder": "run" is taken by set_defaults(run=...), the command's function
    p.add_argument("folder", metavar="run",
                   help="'layerwalk train' output folder (its config, weights and checkpoints are used)")
    p.add_argument("--method", choices=METHODS, default="ekfac")
    p.add_argument("--queries", default="0-3", help="test-set images to explain, e.g. 0-9,15 (default 0-3)")
    p.add_argument("--train-limit", type=int, help="score only the first N training images")
    p.add_argument("--layers", default="all", help="all | last | comma-separated module paths")
    p.add_argument("--top", type=int, default=8, help="proponents and opponents per query")
    p.add_argument("--damping", type=float, help="added to the Hessian (default: EK-FAC heuristic; LiSSA 0.01)")
    p.add_argument("--lissa-scale", type=float, default=50.0)
    p.add_argument("--lissa-depth", type=int, default=500)
    p.add_argument("--no-self-influence", action="store_true", help="skip each training image's self-influence")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-cache", action="store_true")
    p.add_argument("--out", required=True, help="folder for influence.json and influence.safetensors")
    p.add_argument("--report", help="also write a self-contained HTML report here: each query's top proponents and "
                                    "opponents as thumbnails with scores, overall and per layer")
    p.set_defaults(run=_run_influence)


def add_influence_disturbances(sub) -> None:
    from layerwalk.influence.run import METHODS

    p = sub.add_parser("influence-disturbances",
                       help="the dissertation's experiment on a 'layerwalk train' run: test images with disturbed "
                            "copies (white/inverted background, patch shuffle, texture transfer), per-layer influence, "
                            "hierarchical clustering with the Pearson distance, as a self-contained HTML report")
    p.add_argument("folder", metavar="run", help="'layerwalk train' output folder")
    p.add_argument("--report", required=True, help="the HTML file to write")
    p.add_argument("--classes", help="class indices to use, e.g. 0-9 or 0,1,7 (default: all)")
    p.add_argument("--per-class", type=int, default=4, help="test images per class (default 4)")
    p.add_argument("--method", choices=METHODS, default="ekfac")
    p.add_argument("--layers", default="all", help="all | comma-separated module paths (at least two)")
    p.add_argument("--train-limit", type=int, help="score only the first N training images")
    p.add_argument("--clusters", type=int, default=3, help="where to cut the dendrograms (default 3)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", help="also write the report's numbers as JSON here")
    p.add_argument("--no-cache", action="store_true")
    p.set_defaults(run=_run_disturbances)


def _run_disturbances(args) -> int:
    from tqdm import tqdm

    from layerwalk.influence.disturbance_analysis import analyse, findings
    from layerwalk.influence.disturbance_report import write_disturbance_report
    from layerwalk.influence.experiment import run_disturbance_experiment

    bar = tqdm(total=100, unit="%", desc=f"influence of disturbed copies ({args.method})")
    experiment = run_disturbance_experiment(
        args.folder, classes=parse_indices(args.classes, "--classes") if args.classes else None,
        per_class=args.per_class, method=args.method,
        layers=args.layers if args.layers == "all" else args.layers.split(","), train_limit=args.train_limit,
        seed=args.seed, cache=not args.no_cache,
        progress=lambda f, m: (bar.update(round(100 * f) - bar.n), bar.set_postfix_str(m)))
    bar.close()
    analysis = analyse(experiment, clusters=args.clusters)
    write_disturbance_report(experiment, analysis, args.report)
    if args.json:
        Path(args.json).write_text(json.dumps(analysis.to_dict(), indent=1))
    for sentence in findings(analysis):
        print("-", _plain(sentence))
    print(f"wrote {args.report}")
    return 0


def _plain(sentence: str) -> str:
    import re

    return re.sub(r"<[^>]+>", "", sentence)


def parse_indices(text: str, option: str = "--queries") -> list[int]:
    """"0-3,7" → [0, 1, 2, 3, 7]."""
    from layerwalk.errors import SpecError

    out: list[int] = []
    try:
        for part in text.split(","):
            lo, _, hi = part.partition("-")
            out.extend(range(int(lo), int(hi or lo) + 1))
    except ValueError:
        raise SpecError(f"{option} must look like 0-9,15, got {text!r}") from None
    return out


def _run_influence(args) -> int:
    from safetensors.torch import save_file
    from tqdm import tqdm

    from layerwalk.errors import SpecError
    from layerwalk.influence.lissa import LissaParams
    from layerwalk.influence.run import influence
    from layerwalk.influence.run_data import load_run_data

    data = load_run_data(args.folder)
    queries = parse_indices(args.queries)
    if max(queries) >= len(data.test):
        raise SpecError(f"--queries goes up to {max(queries)}, but the test set has {len(data.test)} images")
    train = data.train if args.train_limit is None else data.train.subset(range(min(args.train_limit,
                                                                                     len(data.train))))
    layers = args.layers if args.layers in ("all", "last") else args.layers.split(",")
    bar = tqdm(total=100, unit="%", desc=f"influence ({args.method})")
    result = influence(data.model, train, data.test.inputs[queries], method=args.method, layers=layers,
                       self_influence=not args.no_self_influence and args.method != "lissa",
                       damping=args.damping, seed=args.seed, cache=not args.no_cache,
                       checkpoints=args.folder if args.method == "tracin" else None,
                       lissa=LissaParams(scale=args.lissa_scale, depth=args.lissa_depth),
                       progress=lambda f, m: (bar.update(round(100 * f) - bar.n), bar.set_postfix_str(m)))
    bar.close()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    summary = result.to_dict(top=args.top) | {"queries_test_indices": queries}
    (out / "influence.json").write_text(json.dumps(summary, indent=1))
    tensors = {"per_layer": result.scores.per_layer.contiguous()}
    if result.self_influence_per_layer is not None:
        tensors["self_influence"] = result.self_influence_per_layer.contiguous()
    save_file(tensors, str(out / "influence.safetensors"), metadata={"layers": json.dumps(list(result.layers))})
    if args.report:
        from layerwalk.influence.report import write_report

        pixels = data.test.display if data.test.display is not None else data.test.inputs
        write_report(result, pixels[queries], args.report, top=args.top,
                     query_names=[f"test image {i} (labelled {_label(data.test, i)})" for i in queries],
                     title=f"layerwalk influence: {Path(args.folder).name}")
        print(f"wrote {args.report}")
    _print_summary(summary, queries)
    print(f"wrote {out / 'influence.json'} and {out / 'influence.safetensors'} ({result.seconds:.1f} s"
          f"{', cached' if result.cached else ''})")
    return 0


def _label(images, i: int) -> str:
    label = int(images.labels[i])
    return images.class_names[label] if label < len(images.class_names) else str(label)


def _print_summary(summary: dict, queries: list[int]) -> None:
    for test_index, q in zip(queries, summary["queries"]):
        pro = ", ".join(f"#{r['index']} {r['class_name']} {r['score']:+.3g}" for r in q["proponents"][:3])
        con = ", ".join(f"#{r['index']} {r['class_name']} {r['score']:+.3g}" for r in q["opponents"][:3])
        print(f"test {test_index} (class {q['label']}): proponents {pro}; opponents {con}")
    if summary["self_influence"]:
        top = ", ".join(f"#{r['index']} {r['class_name']}" for r in summary["self_influence"][:5])
        print(f"highest self-influence (check their labels): {top}")
