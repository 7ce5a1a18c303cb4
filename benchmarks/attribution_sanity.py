"""Adebayo et al.'s model-randomisation sanity check for EVERY attribution method, as the table in
docs/attribution-api.md ("Sanity of each method").

For each method: ``layerwalk.attribute(..., sanity=True)`` on the demo model (EfficientNet-Lite0, ImageNet weights)
with the given photo as input, for the top-k classes, with the method's default parameters. The check
(``layerwalk.attribution.sanity``) re-initialises the weights layer by layer from the top and reports the Spearman
rank correlation of |input map| between the trained and the fully randomised model; below 0.3 it passes.

Run:  nice -n 19 .venv/bin/python benchmarks/attribution_sanity.py [--image 0] [--targets top5] [--methods a,b]
      [--json out.json]
Prints a Markdown table (method, correlation after full randomisation, the cascade, pass/fail, seconds) as each
method finishes, so a long run shows its progress; ``--json`` also writes the numbers.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from layerwalk.attribution import METHODS, attribute
from layerwalk.engine import Network


def sanity_row(net: Network, method: str, targets: str) -> dict:
    start = time.perf_counter()
    result = attribute(net, method, targets, None, sanity=True, cache_results=False)
    check = result.sanity
    return {"method": method, "rank_correlation": check["rank_correlation"], "passes": check["passes"],
            "correlations": check["correlations"], "seconds": round(time.perf_counter() - start, 1)}


def markdown_row(row: dict) -> str:
    cascade = " → ".join(f"{c:.2f}" for c in row["correlations"])
    verdict = "pass" if row["passes"] else "**fail**"
    return f"| `{row['method']}` | {row['rank_correlation']:.3f} | {cascade} | {verdict} | {row['seconds']:.0f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--image", type=int, default=0, help="index of the photo to explain (default: 0)")
    parser.add_argument("--targets", default="top5", help="topK or class indices (default: top5)")
    parser.add_argument("--methods", help="comma-separated subset (default: every registered method)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    net = Network.from_spec("demo", dataset="photos")
    photo = net.dataset.image(args.image)
    net.set_input(photo, {"source": "dataset", "index": args.image})
    methods = args.methods.split(",") if args.methods else list(METHODS)
    top = ", ".join(p.name for p in net.snapshot.classification(top=3))
    print(f"demo model, photo {args.image} (top classes: {top}), targets {args.targets}, "
          f"torch threads {torch.get_num_threads()}\n")
    print("| method | ρ after full randomisation | ρ along the cascade (top layer → all) | sanity (ρ < 0.3) | s |")
    print("|---|---|---|---|---|")
    rows = []
    for method in methods:
        rows.append(sanity_row(net, method, args.targets))
        print(markdown_row(rows[-1]), flush=True)
        if args.json:
            args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
