"""The disturbance experiment as a self-contained HTML page (every figure an inline PNG): the disturbed copies, the
dissertation's dendrograms (Algorithm 2), the layer profiles (Fig. 6.10), each layer's similarity to the original and
its own dendrogram, and the findings written from the numbers. All numbers are also embedded as JSON
(``<script id='numbers'>``) so scripts and tests read exactly what the page shows."""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

import numpy as np

from layerwalk.influence.disturbance_analysis import DisturbanceAnalysis, findings
from layerwalk.influence.experiment import DisturbanceExperiment
from layerwalk.influence.report import img_tag

__all__ = ["write_disturbance_report"]

_CSS = """body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h2{margin-top:32px;border-top:1px solid #ccc;padding-top:16px}img.figure{max-width:100%}
.row{display:flex;gap:6px;align-items:flex-start}.thumb{text-align:center;font-size:11px;width:86px}
.thumb img{image-rendering:pixelated;width:80px;height:80px;border:1px solid #888}
table{border-collapse:collapse}td,th{padding:2px 10px;border-bottom:1px solid #eee;text-align:left}
.layer{font-family:monospace}li{margin:6px 0}"""


def write_disturbance_report(experiment: DisturbanceExperiment, analysis: DisturbanceAnalysis, out: str | Path,
                             title: str = "layerwalk influence: disturbed copies, per-layer clustering") -> Path:
    """Write the report to ``out`` (parent folders created)."""
    result = experiment.result
    intro = (f"<h1>{html.escape(title)}</h1><p>Run <code>{html.escape(experiment.run)}</code>: "
             f"{len(result.query_labels)} queries ({len(set(experiment.queries.source))} test images × "
             f"{len(analysis.disturbances)} versions), "
             f"scored by <b>{html.escape(result.method)}</b> against {len(result.train)} training images through "
             f"{len(analysis.layers)} layers, each query's loss at its true class (the dissertation's intra-class "
             "scores, eq. 6). Positive scores are proponents. Distances are Pearson distances 1 − ρ, trees average "
             "linkage (Algorithm 2).</p>")
    sections = [intro, _examples(experiment), _summary_table(analysis),
                "<h2>What it says</h2><ul class='findings'>"
                + "".join(f"<li>{s}</li>" for s in findings(analysis)) + "</ul>",
                "<h2>Algorithm 2 over the disturbances</h2><p>Each disturbance's layer profile (mean intra-class "
                "influence per layer, averaged over the classes) clustered with the Pearson distance; right: ρ of "
                "the profiles.</p>" + _png(analysis.overall.dendrogram_png("Disturbances, all classes"), "overall"),
                "<h2>Algorithm 2 per class</h2><p>The same with one profile per disturbance and class (Fig. 6.9 of "
                "the dissertation).</p>" + _png(analysis.by_class.dendrogram_png("Disturbance · class"), "by-class"),
                "<h2>Layer profiles</h2><p>Mean intra-class influence per layer (Fig. 6.10).</p>"
                + _png(_profiles_png(analysis), "profiles"),
                "<h2>Per layer: which training images each copy relies on</h2><p>Per layer, ρ between a copy's "
                "influence vector (its score for every training image through that layer) and its original's, "
                "averaged over the test images; below, each layer's own dendrogram of the five versions.</p>"
                + _png(_similarity_png(analysis), "layer-similarity") + _layer_table(analysis)
                + _png(_layer_dendrograms_png(analysis), "layer-dendrograms")]
    numbers = json.dumps(analysis.to_dict()).replace("</", "<\\/")
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
                    f"<style>{_CSS}</style></head><body>{''.join(sections)}"
                    f"<script type='application/json' id='numbers'>{numbers}</script></body></html>",
                    encoding="utf-8")
    return path


def _examples(experiment: DisturbanceExperiment) -> str:
    """The first test image of each class in all its versions, with the model's prediction."""
    q, names = experiment.queries, experiment.class_names
    firsts = list(dict.fromkeys((label, source) for label, source in zip(q.labels.tolist(), q.source)))
    seen: set[int] = set()
    rows = []
    for label, source in firsts:
        if label in seen:
            continue
        seen.add(label)
        cells = []
        for k, (s, d) in enumerate(zip(q.source, q.disturbance)):
            if s == source:
                predicted = int(experiment.predictions[k])
                cells.append(f"<div class='thumb' data-disturbance='{html.escape(d)}'>{img_tag(q.pixels[k], d)}<br>"
                             f"{html.escape(d)}<br>→ {html.escape(_name(names, predicted))}</div>")
        rows.append(f"<h3>{html.escape(_name(names, label))} (test image {source})</h3>"
                    f"<div class='row'>{''.join(cells)}</div>")
    return "<h2>The disturbed copies</h2>" + "".join(rows)


def _name(names: tuple[str, ...], label: int) -> str:
    return names[label] if label < len(names) else str(label)


def _summary_table(a: DisturbanceAnalysis) -> str:
    o = a.overall.names.index("original")
    rows = "".join(
        f"<tr data-disturbance='{html.escape(d)}'><td>{html.escape(d)}</td><td>{100 * a.accuracy[d]:.1f} %</td>"
        f"<td>{a.mean_influence[d]:.4g}</td><td>{1 - a.overall.distance[o, a.overall.names.index(d)]:+.3f}</td>"
        f"<td>{a.overall.clusters[a.overall.names.index(d)]}</td>"
        f"<td>{a.layer_similarity[:, k].mean():.3f}</td></tr>" for k, d in enumerate(a.disturbances))
    return ("<h2>Summary</h2><table class='summary'><tr><th>version</th><th>accuracy</th><th>I_avg</th>"
            "<th>profile ρ with original</th><th>cluster (Algorithm 2)</th><th>mean per-layer ρ with original</th>"
            f"</tr>{rows}</table>")


def _layer_table(a: DisturbanceAnalysis) -> str:
    head = "".join(f"<th>{html.escape(d)}</th>" for d in a.disturbances)
    rows = []
    for k, c in enumerate(a.layer_clusters):
        groups: dict[int, list[str]] = {}
        for d, cluster in zip(a.disturbances, c.clusters):
            groups.setdefault(cluster, []).append(d)
        cells = "".join(f"<td>{a.layer_similarity[k, j]:.3f}</td>" for j in range(len(a.disturbances)))
        listed = " | ".join(", ".join(g) for g in groups.values())
        rows.append(f"<tr><td class='layer'>{html.escape(c.layer)}</td>{cells}<td>{html.escape(listed)}</td></tr>")
    return (f"<table class='layers'><tr><th>layer</th>{head}<th>clusters (cut into {a.cut})</th></tr>"
            f"{''.join(rows)}</table>")


def _png(data: bytes, name: str) -> str:
    return f"<img class='figure' data-figure='{name}' src='data:image/png;base64,{base64.b64encode(data).decode()}'>"


def _figure_bytes(fig) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _profiles_png(a: DisturbanceAnalysis) -> bytes:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(11, 4))
    for name, row in zip(a.overall.names, a.overall.profiles):
        ax.plot(range(len(a.layers)), row, marker="o", ms=3, label=name)
    ax.axhline(0, color="#999", lw=0.5)
    ax.set_xticks(range(len(a.layers)), a.layers, rotation=70, fontsize=7)
    ax.set_ylabel("mean intra-class influence")
    ax.legend(fontsize=8)
    return _figure_bytes(fig)


def _similarity_png(a: DisturbanceAnalysis) -> bytes:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(11, 2.8))
    image = ax.imshow(a.layer_similarity.T, vmin=-1, vmax=1, cmap="RdBu_r", aspect="auto")
    ax.set_yticks(range(len(a.disturbances)), a.disturbances, fontsize=8)
    ax.set_xticks(range(len(a.layers)), a.layers, rotation=70, fontsize=7)
    ax.set_title("ρ of each copy's influence vector with its original's, per layer", fontsize=10)
    fig.colorbar(image, ax=ax, fraction=0.03)
    return _figure_bytes(fig)


def _layer_dendrograms_png(a: DisturbanceAnalysis) -> bytes:
    from scipy.cluster.hierarchy import dendrogram

    plt = _pyplot()
    cols = 4
    rows = int(np.ceil(len(a.layer_clusters) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(12, 2.2 * rows), squeeze=False)
    for ax, c in zip(axes.flat, a.layer_clusters):
        dendrogram(c.linkage, labels=list(a.disturbances), ax=ax, orientation="right", color_threshold=None)
        ax.set_title(c.layer, fontsize=8, family="monospace")
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(a.layer_clusters):]:
        ax.axis("off")
    return _figure_bytes(fig)
