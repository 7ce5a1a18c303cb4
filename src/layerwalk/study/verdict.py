"""The verdict: do the measures differ between the memorizing models and the standard one as the paper predicts?"""

from __future__ import annotations

from layerwalk.study.analysis import MIN_SIDE
from layerwalk.study.measures import bootstrap_diff_ci, bootstrap_paired_diff_ci
from layerwalk.study.power import power_row
from layerwalk.study.table5 import FITTED

__all__ = ["verdict"]


def _comparisons(results: dict) -> list[dict]:
    """The paper's predictions as (measure, expected sign of memorizing − standard) pairs. Activations are
    measured on the same test images under every model and compared image by image (paired); feature
    visualizations of channel c in two differently trained models have nothing in common (independent)."""
    rows = []
    last = results["spectral_layers"][-1] if results["spectral_layers"] else None
    measures = []
    if last:
        measures += [(f"activations {last}: high-frequency fraction",
                      lambda s: results["activations"][s][last]["hf"], +1, True),
                     (f"activations {last}: Moran's I", lambda s: results["activations"][s][last]["moran"], -1,
                      True)]
    for key in ("middle", "classes"):
        measures.append((f"feature vis. {key}: high-frequency fraction",
                         lambda s, k=key: results["featurevis"][s][k]["hf"], +1, False))
    for name, get, sign, paired in measures:
        for other in ("shuffled", "noisy"):
            a, b = get(other)["values"], get("standard")["values"]
            d, lo, hi = (bootstrap_paired_diff_ci if paired else bootstrap_diff_ci)(a, b)
            outcome = "supports" if (lo > 0 if sign > 0 else hi < 0) else \
                "contradicts" if (hi < 0 if sign > 0 else lo > 0) else "inconclusive"
            rows.append({"measure": name, "model": other, "expected": "higher" if sign > 0 else "lower",
                         "difference": [d, lo, hi], "outcome": outcome, "power": power_row(a, b, paired=paired)})
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
    if acc["shuffled"].get("train_acc", 0) < FITTED:
        caveats.append(f"the shuffled-label model fitted only {acc['shuffled'].get('train_acc', 0):.0%} of its "
                       "training labels, so it had not (yet) memorized its training set as in the paper")
    if acc["noisy"].get("train_acc", 0) < FITTED:
        caveats.append(f"the noisy-samples model fitted only {acc['noisy'].get('train_acc', 0):.0%} of its training "
                       "set")
    if results.get("last_side", 99) < MIN_SIDE:
        caveats.append(f"the last conv layer has {results['last_side']}×{results['last_side']} maps at this image "
                       "size, too few pixels for a spectrum; the activation measures use the deepest block with maps "
                       f"of at least {MIN_SIDE}×{MIN_SIDE}")
    return {"text": text, "supports": yes, "contradicts": no, "total": len(rows), "rows": rows, "caveats": caveats}
