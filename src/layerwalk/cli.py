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
    for add in (_add_graph, _add_serve):
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
