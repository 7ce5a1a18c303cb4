"""Write analyses to a folder: a CSV table and a JSON document per analysis, and PNG pictures (R6: save)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from layerwalk.analysis import plots
from layerwalk.analysis.run import run_analysis


def write_rows(rows: list[dict], path: Path) -> Path:
    """Rows of one table as CSV (header from the first row)."""
    with path.open("w", newline="") as f:
        if rows:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return path


def figures(what: str, result, stats=None) -> dict[str, object]:
    """{file stem: matplotlib figure} for one analysis result."""
    if what == "rf":
        return {"rf": plots.receptive_field_plot(result)}
    if what == "stats":
        return {f"stats-{_safe(k)}": plots.cumulated_maxima_plot(result, k) for k in result.layers}
    if what == "dead":
        return {f"dead-{_safe(k)}": plots.dead_filters_plot(result, k) for k in result.layers}
    if what == "pca":
        return {f"pca-{_safe(k)}": plots.pca_plot(p, stats[k].max if stats and k in stats.layers else None)
                for k, p in result.items()}
    if what == "focus":
        return {"focus": plots.focus_plot(result)}
    return {f"tsne-{_safe(result.node)}": plots.embedding_plot(result)}


def write_report(network, what: list[str], out: Path, *, plot: bool = True, progress=None, **options) -> dict:
    """Run each analysis in ``what`` and write ``{what}.csv``, ``{what}.json`` and PNGs into ``out``.

    ``options`` go to ``run_analysis`` (dataset, n, layers, seed, features, perplexity, method). Returns
    ``{what: {"csv": path, "json": path, "png": [paths]}}``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written, stats = {}, None
    for w in what:
        result = run_analysis(network, w, progress=progress, stats=stats, **options)
        stats = result if w == "stats" else stats
        entry = {"csv": write_rows(result.rows(), out / f"{w}.csv"), "json": out / f"{w}.json", "png": []}
        entry["json"].write_text(json.dumps(result.to_dict()))
        if plot:
            for stem, fig in figures(w, result, stats).items():
                path = out / f"{stem}.png"
                path.write_bytes(plots.png(fig))
                entry["png"].append(path)
        written[w] = entry
    return written


def _safe(node_id: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in node_id)


def chart(what: str, result, layer: str | None = None):
    """The figure of one layer of a result (``layer`` defaults to the first analysed one)."""
    if what == "rf":
        return plots.receptive_field_plot(result)
    if what == "tsne":
        return plots.embedding_plot(result)
    if what == "focus":
        return plots.focus_plot(result)
    layers = list(result.layers if what in ("stats", "dead") else result)
    layer = layer or layers[0]
    if layer not in layers:
        from layerwalk.errors import NotFoundError

        raise NotFoundError(f"layer {layer!r} is not in this {what} result (first layers: {', '.join(layers[:5])})")
    if what == "stats":
        return plots.cumulated_maxima_plot(result, layer)
    if what == "dead":
        return plots.dead_filters_plot(result, layer)
    return plots.pca_plot(result[layer])
