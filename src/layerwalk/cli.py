"""The ``layerwalk`` command line.

Each sub-command lives in one ``_add_<name>`` function (parser) and one ``_run_<name>`` function (work).
User mistakes (``LayerwalkError``) are printed as one clear message with exit code 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import json
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
    p.add_argument("spec", help="model spec: demo, covidresnet, coviddensenet, torchvision:NAME, file.py:factory, pkg.mod:factory")
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
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--lr", type=float, default=0.2)
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
    with tqdm(total=1000, unit="‰", desc=f"featurevis {args.layer}", bar_format="{l_bar}{bar}| {elapsed}<{remaining} {postfix}") as bar:
        def progress(fraction, message):
            bar.n = int(fraction * 1000)
            bar.set_postfix_str(message.split(": ", 1)[-1], refresh=False)
            bar.refresh()
        result = featurevis(net, args.layer, args.channels, start=_start_image(net, args.start), steps=args.steps,
                            lr=args.lr, seed=args.seed, parameterization="fourier" if args.fourier else "pixel",
                            relu_override=args.relu_override, batch_size=args.batch_size, progress=progress,
                            cache=not args.no_cache)
    written = write_featurevis(result, Path(args.out), class_names=net.class_names if result.layer == "output" else None)
    ratio = float((result.final_objective / abs(result.start_objective).clip(1e-6)).mean())
    print(f"{len(result.channels)} images in {args.out} ({result.seconds:.1f} s, {result.cached} from cache); "
          f"contact sheet: {written['contact_sheet']}; objective ×{ratio:.1f} vs. the start image on average")
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="layerwalk", description="Walk through a PyTorch CNN in 3D and in VR.")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (_add_graph, _add_featurevis, _add_serve):
        try:
            add(sub)
        except ImportError:  # a part still being built; the others keep working
            continue
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except LayerwalkError as exc:
        print(f"layerwalk: error: {exc.detail}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
