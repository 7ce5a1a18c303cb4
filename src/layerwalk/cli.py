"""The ``layerwalk`` command line.

Each sub-command lives in one ``_add_<name>`` function (parser) and one ``_run_<name>`` function (work).
User mistakes (``LayerwalkError``) are printed as one clear message with exit code 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys

from layerwalk.errors import LayerwalkError


def _parse_size(text: str) -> tuple[int, ...]:
    try:
        size = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--input-size must look like 3,224,224, got {text!r}") from None
    if len(size) != 3 or min(size) <= 0:
        raise argparse.ArgumentTypeError(f"--input-size needs three positive numbers C,H,W, got {text!r}")
    return size


# --- graph -------------------------------------------------------------------------------------------------------
def _add_graph(sub) -> None:
    p = sub.add_parser("graph", help="print the captured layer graph of a model")
    p.add_argument("spec", help="model spec: demo, covidresnet, coviddensenet, torchvision:NAME, timm:NAME, "
                                "onnx:PATH, file.py:factory, pkg.mod:factory")
    p.add_argument("--weights", help="weights file (.pt/.pth/.safetensors), loaded without unpickling")
    p.add_argument("--input-size", type=_parse_size, help="C,H,W of the example input (default: the model's)")
    p.add_argument("--detail", choices=["layers", "ops"], default="layers")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(run=_run_graph)


def _run_graph(args) -> int:
    import torch

    from layerwalk.capture import capture
    from layerwalk.data import load_model

    bundle = load_model(args.spec, weights=args.weights)
    size = args.input_size or bundle.input_size
    graph = capture(bundle.model, torch.zeros(1, *size), detail=args.detail)
    if args.json:
        json.dump(graph.to_dict(), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print(graph.summary())
    return 0


# --- featurevis --------------------------------------------------------------------------------------------------
def _add_featurevis(sub) -> None:
    p = sub.add_parser("featurevis", help="feature visualization of a layer's channels (or class neurons)")
    p.add_argument("spec", help="model spec (see 'layerwalk graph')")
    p.add_argument("--layer", required=True, help="layer id or name (see 'layerwalk graph SPEC'); 'output' = classes")
    p.add_argument("--channels", help="e.g. 0-15,20 (default: all)")
    p.add_argument("--style", default="paper", choices=["paper", "lucid", "convviz"],
                   help="paper (default), lucid (decorrelated Fourier image, Adam, Lucid's transforms) or convviz "
                        "(the ConvViz thesis' variant; needs --dataset)")
    p.add_argument("--objective", help="what to maximise, e.g. \"channel - 0.1*tv\" (default: channel)")
    p.add_argument("--steps", type=int, help="default: the style's (paper 200, lucid 256, convviz 100)")
    p.add_argument("--lr", type=float, help="default: the style's (paper 0.2, lucid 0.05, convviz 0.2)")
    p.add_argument("--restarts", type=int, help="convviz: start images tried per channel (default 100)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--start", default="noise", help="noise[:SEED] | dataset:INDEX | image:PATH (default: noise)")
    p.add_argument("--weights", help="weights file (.pt/.pth/.safetensors)")
    p.add_argument("--dataset", help="dataset spec for normalisation/class names and --start dataset:I")
    p.add_argument("--fourier", action="store_true", help="Fourier parameterisation (beyond the paper)")
    p.add_argument("--relu-override", action="store_true", help="redirected ReLU gradient (beyond the paper)")
    p.add_argument("--batch-size", type=int, help="images per pass (default: from free memory)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(run=_run_featurevis)


def _start_image(network, start: str):
    from pathlib import Path

    from layerwalk.data import open_image

    kind, _, arg = start.partition(":")
    if kind == "noise":
        return start
    if kind == "dataset":
        if network.dataset is None:
            raise LayerwalkError("--start dataset:I needs --dataset SPEC")
        return network.dataset.image(int(arg))
    if kind == "image":
        return open_image(Path(arg).read_bytes())
    raise LayerwalkError(f"--start must be noise[:SEED], dataset:INDEX or image:PATH, got {start!r}")


def _run_featurevis(args) -> int:
    from pathlib import Path

    from tqdm import tqdm

    from layerwalk.engine import Network
    from layerwalk.featurevis import featurevis
    from layerwalk.featurevis.report import write_featurevis

    net = Network.from_spec(args.spec, weights=args.weights, dataset=args.dataset, device=args.device)
    bar_format = "{l_bar}{bar}| {elapsed}<{remaining} {postfix}"
    with tqdm(total=1000, unit="‰", desc=f"featurevis {args.layer}", bar_format=bar_format) as bar:
        def progress(fraction, message):
            bar.n = int(fraction * 1000)
            bar.set_postfix_str(message.split(": ", 1)[-1], refresh=False)
            bar.refresh()
        given = {k: v for k, v in (("steps", args.steps), ("lr", args.lr), ("restarts", args.restarts))
                 if v is not None}
        result = featurevis(net, args.layer, args.channels, start=_start_image(net, args.start), seed=args.seed,
                            parameterization="fourier" if args.fourier else "pixel", style=args.style,
                            objective=args.objective, relu_override=args.relu_override, batch_size=args.batch_size,
                            progress=progress, cache=not args.no_cache, **given)
    class_names = net.class_names if result.layer == "output" else None
    written = write_featurevis(result, Path(args.out), class_names=class_names)
    ratio = float((result.final_objective / abs(result.start_objective).clip(1e-6)).mean())
    if result.dead_channels:
        print(f"no start image moved channel(s) {result.dead_channels}: candidate dead filters")
    print(f"{len(result.channels)} images in {args.out} ({result.seconds:.1f} s, {result.cached} from cache); "
          f"contact sheet: {written['contact_sheet']}; objective ×{ratio:.1f} vs. the start image on average")
    return 0


# --- attribute ---------------------------------------------------------------------------------------------------
def _add_attribute(sub) -> None:
    p = sub.add_parser("attribute", help="why this class? attribution maps at every layer for the top classes")
    p.add_argument("spec", help="model spec (see 'layerwalk graph')")
    p.add_argument("--image", help="image:PATH, PATH or dataset:INDEX (default: the dataset's first image or noise)")
    p.add_argument("--dataset", help="dataset spec (normalisation, class names, --image dataset:I)")
    p.add_argument("--weights", help="weights file (.pt/.pth/.safetensors)")
    p.add_argument("--method", default="gradcam", help="see GET /api/attribution/methods (default: gradcam)")
    p.add_argument("--targets", default="top5", help="topK or class indices, e.g. 281,285 (default: top5)")
    p.add_argument("--layers", default="all", help="'all' spatial layers or ids, e.g. layer1,layer4")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="method parameter (repeat)")
    p.add_argument("--sanity", action="store_true", help="also run the cascading model-randomisation check")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(run=_run_attribute)


def _run_attribute(args) -> int:
    from pathlib import Path

    from layerwalk.attribution import attribute
    from layerwalk.attribution.report import write_attribution
    from layerwalk.engine import Network

    net = Network.from_spec(args.spec, weights=args.weights, dataset=args.dataset, device=args.device)
    if args.image:
        image = _start_image(net, args.image if ":" in args.image else f"image:{args.image}")
        net.set_input(image, {"source": "cli", "image": args.image})
    targets = args.targets if args.targets.lower().startswith("top") else _int_list(args.targets, "--targets")
    layers = None if args.layers == "all" else args.layers.split(",")
    params = dict(_key_value(p) for p in args.param)
    result = attribute(net, args.method, targets, layers, sanity=args.sanity, **params)
    written = write_attribution(result, Path(args.out))
    names = ", ".join(f"{t['name']} ({t['probability']:.2f})" for t in result.targets)
    print(f"{result.method} for {names} at {len(result.layers)} layers in {result.cost['seconds']:.1f} s "
          f"({result.cost['passes']} passes): {len(written['maps'])} maps, overview {written['overview']}, "
          f"{written['json']}")
    if result.sanity:
        print(f"sanity (cascading randomisation): rank correlation {result.sanity['rank_correlation']:.2f} — "
              f"{result.sanity['note']}")
    return 0


def _int_list(text: str, option: str) -> list[int]:
    try:
        return [int(v) for v in text.split(",")]
    except ValueError:
        raise LayerwalkError(f"{option} must be topK or comma-separated class indices, got {text!r}") from None


def _key_value(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep:
        raise LayerwalkError(f"--param must look like NAME=VALUE (e.g. steps=64), got {text!r}")
    return name.strip(), value.strip()


# --- analyze -----------------------------------------------------------------------------------------------------
def _add_analyze(sub) -> None:
    p = sub.add_parser("analyze", help="receptive fields, channel statistics, dead filters, PCA of filters, t-SNE "
                                       "of inputs: CSV/JSON tables and PNG plots")
    p.add_argument("spec", help="model spec (see 'layerwalk graph')")
    p.add_argument("--dataset", help="dataset spec (needed by stats, dead and tsne)")
    p.add_argument("--what", default="rf,stats,dead,pca",
                   help="comma list of rf,stats,dead,pca,tsne,focus (default: rf,stats,dead,pca)")
    p.add_argument("--layers", help="comma list of layer ids (default: every layer; tsne: the last conv)")
    p.add_argument("-n", type=int, help="random dataset inputs (default 20; tsne 500)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--features", choices=["sorted", "gap"], default="sorted", help="t-SNE features")
    p.add_argument("--perplexity", type=float, default=50.0)
    p.add_argument("--method", choices=["opentsne", "sklearn"], default="opentsne", help="t-SNE implementation")
    p.add_argument("--item", type=int, default=0, help="focus: the dataset item to look at (default 0)")
    p.add_argument("--channels", help="focus: comma list of filters (default: the --top by maximum activation)")
    p.add_argument("--top", type=int, default=5, help="focus: how many top filters (default 5)")
    p.add_argument("--no-plots", action="store_true", help="tables only")
    p.add_argument("--weights", help="weights file (.pt/.pth/.safetensors)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(run=_run_analyze)


def _run_analyze(args) -> int:
    from layerwalk.analysis.report import write_report
    from layerwalk.analysis.run import parse_what
    from layerwalk.engine import Network

    what = parse_what(args.what)
    net = Network.from_spec(args.spec, weights=args.weights, dataset=args.dataset, device=args.device)
    layers = [v.strip() for v in args.layers.split(",")] if args.layers else None
    channels = [int(c) for c in args.channels.split(",")] if args.channels else None
    image = net.dataset.image(args.item) if "focus" in what and net.dataset is not None else None
    written = write_report(net, what, args.out, plot=not args.no_plots, n=args.n, layers=layers, seed=args.seed,
                           features=args.features, perplexity=args.perplexity, method=args.method,
                           channels=channels, top=args.top, image=image)
    for w, files in written.items():
        print(f"{w}: {files['csv']}, {files['json']}" + (f", {len(files['png'])} PNG" if files["png"] else ""))
    return 0


# --- train / study -----------------------------------------------------------------------------------------------
def _add_train(sub) -> None:
    from layerwalk.train.presets import PRESETS
    from layerwalk.train.strategies import STRATEGIES

    p = sub.add_parser("train", help="train a model with one of the paper's strategies (standard, shuffled, noisy)")
    p.add_argument("--model", default="covidresnet", help="model spec (see 'layerwalk graph')")
    p.add_argument("--dataset", default="fashion-mnist", help="fashion-mnist | imagefolder:PATH (80/20 split)")
    p.add_argument("--strategy", choices=STRATEGIES, default="standard")
    p.add_argument("--preset", choices=sorted(PRESETS), help="the paper's Table 1 settings (epochs, lr, size, …)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--lr", type=float, help="initial learning rate (default: Table 1 for the strategy)")
    p.add_argument("--weight-decay", type=float, help="default: 0.01 for standard, 0 otherwise")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--image-size", help="H,W (default: the model's input size)")
    p.add_argument("--subset", type=int, help="train on this many images (stratified)")
    p.add_argument("--copies", type=int, default=9, help="noisy copies per image (noisy strategy)")
    p.add_argument("--no-flip", action="store_true", help="no horizontal flips in the augmentation")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--threads", type=int, help="CPU threads (default: torch's)")
    p.add_argument("--no-resume", action="store_true", help="start over even if OUT has a checkpoint")
    p.add_argument("--out", required=True, help="output folder (checkpoint, model.safetensors, metrics)")
    p.set_defaults(run=_run_train)


def _hw(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        h, w = (int(v) for v in text.replace("x", ",").split(","))
    except ValueError:
        raise LayerwalkError(f"--image-size must look like 64,64 (H,W), got {text!r}") from None
    return h, w


def _run_train(args) -> int:
    import torch

    from layerwalk.train import TrainConfig, get_preset, train

    if args.threads:
        torch.set_num_threads(args.threads)
    preset = get_preset(args.preset) if args.preset else None
    config = TrainConfig(
        model=preset.model if preset and args.model == "covidresnet" else args.model, dataset=args.dataset,
        strategy=preset.strategy if preset else args.strategy, epochs=args.epochs or (preset.epochs if preset else 10),
        lr=args.lr if args.lr is not None else (preset.lr if preset else None),
        weight_decay=args.weight_decay if args.weight_decay is not None else (preset.weight_decay if preset else None),
        augment=preset.augment if preset else None, flip=not args.no_flip, batch_size=args.batch_size,
        image_size=_hw(args.image_size) or (preset.image_size if preset else None), train_subset=args.subset,
        copies=args.copies, seed=args.seed, device=args.device)
    result = train(config, args.out, resume=not args.no_resume)
    s = result.summary
    print(f"{s['strategy']}: train acc {s['train_acc']:.3f}, test acc {s['test_acc']:.3f} after {s['epochs']} epochs; "
          f"weights: {result.weights} (layerwalk serve --model {config.model} --weights {result.weights} "
          f"--dataset {config.dataset})")
    return 0


def _add_study(sub) -> None:
    p = sub.add_parser("study", help="the paper's memorization study: 3 strategies, figures, spectral measures")
    p.add_argument("--dataset", default="fashion-mnist")
    p.add_argument("--model", default="covidresnet")
    p.add_argument("--budget-minutes", type=float, default=15, help="time budget; the study scales itself to it")
    p.add_argument("--image-size", default="64,64", help="H,W (default 64,64: Fashion-MNIST upscaled)")
    p.add_argument("--train-images", type=int, help="fix the training images per strategy (default: planned from "
                                                     "the budget and the best of 5 throughput measurements)")
    p.add_argument("--epochs", type=int, help="fix the epochs (default: planned)")
    p.add_argument("--copies", type=int, help="override the planned noisy copies (CPU 3, GPU 9)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--threads", type=int, default=2, help="CPU threads (default 2)")
    p.add_argument("--out", required=True, help="output folder (runs/, study.json, report.html)")
    p.set_defaults(run=_run_study)


def _run_study(args) -> int:
    import torch

    from layerwalk.study import run_study

    torch.set_num_threads(args.threads)
    results = run_study(args.out, dataset=args.dataset, model=args.model, budget_minutes=args.budget_minutes,
                        image_size=_hw(args.image_size), device=args.device, seed=args.seed, epochs=args.epochs,
                        copies=args.copies, train_images=args.train_images)
    for s, a in results["accuracy"].items():
        print(f"{s:9s} train acc {a['train_acc']:.3f}  test acc {a['test_acc']:.3f}")
    print(f"{results['verdict']['text']} ({results['verdict']['supports']}/{results['verdict']['total']} supported); "
          f"report: {args.out}/report.html")
    return 0


# --- precompute --------------------------------------------------------------------------------------------------
def _add_precompute(sub) -> None:
    p = sub.add_parser("precompute", help="dataset-wide top-k examples, statistics and crops of every layer "
                                          "(local or on Ray; resumable)")
    p.add_argument("spec", help="model spec (see 'layerwalk graph')")
    p.add_argument("--dataset", required=True,
                   help="dataset spec: photos, fashion-mnist[:train|test], imagefolder:PATH")
    p.add_argument("--weights", help="weights file (.pt/.pth/.safetensors), loaded without unpickling")
    p.add_argument("--what", default="topk,stats,crops,embeddings",
                   help="any of topk,stats,crops,embeddings (default: all)")
    p.add_argument("--embedding-layers", help="comma-separated layers whose pooled activations are embedded "
                                              "(default: the last spatial layer)")
    p.add_argument("--embedding", choices=["pca", "tsne"], default="pca", help="2-D projection of the embeddings")
    p.add_argument("--k", type=int, default=16, help="examples kept per channel, top and bottom (default 16)")
    p.add_argument("--layers", help="comma-separated layer ids (default: every displayed layer)")
    p.add_argument("--limit", type=int, help="only the first N images")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--shard-size", type=int, default=1024, help="images per shard: the unit of resumption")
    p.add_argument("--backend", choices=["local", "ray"], default="local")
    p.add_argument("--address", help="Ray cluster address (default: start a local Ray instance)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--out", required=True, help="folder holding runs; this run goes to OUT/<key>/")
    p.set_defaults(run=_run_precompute)


def _run_precompute(args) -> int:
    from layerwalk.data import load_dataset
    from layerwalk.engine import Network
    from layerwalk.precompute import PrecomputeParams, precompute

    dataset = load_dataset(args.dataset)
    network = Network.from_spec(args.spec, weights=args.weights, dataset=dataset, device=args.device)
    params = PrecomputeParams(k=args.k, batch_size=args.batch_size, shard_size=args.shard_size, limit=args.limit,
                              layers=tuple(args.layers.split(",")) if args.layers else None,
                              what=tuple(w.strip() for w in args.what.split(",") if w.strip()),
                              embedding_layers=tuple(args.embedding_layers.split(",")) if args.embedding_layers
                              else None, embedding=args.embedding)
    result = precompute(network, dataset, args.out, params, backend=args.backend, address=args.address)
    dead = sum(int(d) for d in result.stats()["dead"].to_pylist()) if "stats" in params.what else 0
    print(f"{len(result.layers)} layers over {result.manifest['dataset']['images']} images → {result.dir} "
          f"({dead} dead channels); open it with layerwalk.load_precomputed('{args.out}')")
    return 0


# --- serve -------------------------------------------------------------------------------------------------------
def _add_serve(sub) -> None:
    from layerwalk.server import add_serve_arguments  # the server owns its options

    p = sub.add_parser("serve", help="serve the 3D client and the HTTP API (default: the embedded demo)")
    add_serve_arguments(p)
    p.set_defaults(run=_run_serve)


def _run_serve(args) -> int:
    from layerwalk.server import run_serve

    return run_serve(args)


# --- influence ---------------------------------------------------------------------------------------------------
def _add_influence(sub) -> None:
    from layerwalk.influence.cli import add_influence, add_influence_disturbances  # the package owns its options

    add_influence(sub)
    add_influence_disturbances(sub)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="layerwalk", description="Walk through a PyTorch CNN in 3D and in VR.")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (_add_graph, _add_featurevis, _add_attribute, _add_analyze, _add_serve, _add_train, _add_study,
                _add_precompute, _add_influence):
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = args.run(args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except LayerwalkError as exc:
        print(f"layerwalk: error: {exc.detail}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `layerwalk graph … | head`: the reader is gone; stop quietly as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE


if __name__ == "__main__":
    sys.exit(main())
