"""Matplotlib pictures of the analysis tables (the PNG export; the data come first, see ``run.py``)."""

from __future__ import annotations

import io

import numpy as np

from layerwalk.analysis.channel_stats import ChannelStats
from layerwalk.analysis.dead_filters import DeadFilters
from layerwalk.analysis.filter_pca import FilterPCA
from layerwalk.analysis.input_embedding import InputEmbedding
from layerwalk.analysis.receptive_field import ReceptiveFields


def _figure(width: float = 7, height: float = 4.5):
    from matplotlib.figure import Figure  # the object API: no global pyplot state, safe in server threads

    fig = Figure(figsize=(width, height), dpi=100)
    return fig, fig.add_subplot()


def png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def receptive_field_plot(rf: ReceptiveFields):
    fig, ax = _figure(9, 4)
    spatial = [f for f in rf.fields.values() if f.y is not None and f.y.size is not None]
    ax.plot([f.y.size for f in spatial], marker=".", label="size (H)")
    ax.plot([f.y.stride for f in spatial], marker=".", label="stride (H)")
    bad = [i for i, f in enumerate(spatial) if f.misaligned]
    ax.scatter(bad, [spatial[i].y.size for i in bad], color="red", zorder=3, label="misaligned paths")
    ax.axhline(rf.input_size[1], color="grey", linestyle=":", label="input height")
    ax.set(xlabel="node (graph order)", ylabel="input pixels", title="Receptive field per node")
    ax.legend()
    return fig


def cumulated_maxima_plot(stats: ChannelStats, node: str):
    """Maxima stacked input by input, channels ordered by their maximum (the thesis's figure 19)."""
    layer = stats[node]
    order = layer.ranking
    fig, ax = _figure(max(6, len(order) * 0.06), 4)
    colors = _palette(len(layer.items))
    bottom = np.zeros(len(order))
    for row, _item in enumerate(layer.items):
        heights = np.clip(layer.maxima[row, order], 0, None)
        ax.bar(np.arange(len(order)), heights, bottom=bottom, width=1.0, color=colors[row], linewidth=0)
        bottom += heights
    ax.set(xlabel="channel, ordered by maximum activation", ylabel="max activation, stacked over inputs",
           title=f"{node}: cumulated max activation over {len(layer.items)} inputs")
    return fig


def dead_filters_plot(report: DeadFilters, node: str):
    rows = report.layers[node]
    fig, ax = _figure(6, 5)
    points = ax.scatter([r.energy for r in rows], [r.negative_pct for r in rows],
                        c=[r.max_activation for r in rows], cmap="YlOrRd", edgecolors="k", linewidths=0.3)
    for r in rows:
        if r.dead:
            ax.annotate(str(r.channel), (r.energy, r.negative_pct), fontsize=7)
    ax.set(xscale="log", xlabel="filter energy (sum of squared weights)", ylabel="% negative weights",
           title=f"{node}: {sum(r.dead for r in rows)} of {len(rows)} filters never activate")
    fig.colorbar(points, ax=ax, label="max activation")
    return fig


def pca_plot(pca: FilterPCA, activation: np.ndarray | None = None):
    fig, ax = _figure(6, 5)
    ax.scatter(pca.coords[:, 0], pca.coords[:, 1], c=activation, cmap="YlOrRd" if activation is not None else None,
               edgecolors="k", linewidths=0.3)
    for c, (x, y) in enumerate(pca.coords):
        ax.annotate(str(c), (x, y), fontsize=6)
    ax.set(xlabel=f"PC1 ({pca.explained[0]:.0%})", ylabel=f"PC2 ({pca.explained[1]:.0%})",
           title=f"{pca.node}: PCA of the filters")
    return fig


def embedding_plot(emb: InputEmbedding, color_by: str = "dominant"):
    fig, ax = _figure(6, 5.5)
    values = emb.dominant if color_by == "dominant" else emb.labels
    ax.scatter(emb.coords[:, 0], emb.coords[:, 1], c=values % 20, cmap="tab20", s=8, vmin=0, vmax=19)
    ax.set(xticks=[], yticks=[], title=f"{emb.node}: t-SNE of {len(emb.items)} inputs ({emb.features} features, "
                                       f"perplexity {emb.perplexity:g}), colour: {color_by}")
    return fig


def _palette(n: int):
    from matplotlib import colormaps

    cmap = colormaps["tab20"]
    return [cmap(i % 20) for i in range(n)]


# Tableau 10, in the client's order (client/src/charts/chart-data.ts PALETTE): the squares of a layer or filter have
# the same colour on the input canvas in the scene and in this 2D export.
FOCUS_PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
                 "#bab0ac")


def focus_plot(focus, fill: bool = True):
    """The input with each kept neuron's receptive field as a square: one colour per filter, or per layer when
    the focus spans several layers (opacity 0.3 when filled, as in the thesis's figures 17 and 18); the legend
    names what each colour is."""
    from matplotlib.patches import Patch, Rectangle

    fig, ax = _figure(6, 6)
    ax.imshow(focus.input_image, cmap="gray" if focus.input_image.mode == "L" else None)
    layers = list(dict.fromkeys(f.layer for f in focus.filters))
    by_layer = len(layers) > 1
    keys = layers if by_layer else [f"{f.layer}:{f.channel}" for f in focus.filters]
    colors = {k: FOCUS_PALETTE[i % len(FOCUS_PALETTE)] for i, k in enumerate(keys)}
    for f in focus.filters:
        color = colors[f.layer if by_layer else f"{f.layer}:{f.channel}"]
        for y0, x0, y1, x1 in f.boxes:
            ax.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0 + 1, y1 - y0 + 1, facecolor=color if fill else "none",
                                   edgecolor=color, alpha=0.3 if fill else 1.0, linewidth=1))
    counts = dict.fromkeys(keys, 0)
    for f in focus.filters:
        counts[f.layer if by_layer else f"{f.layer}:{f.channel}"] += len(f.boxes)
    handles = [Patch(facecolor=colors[k], edgecolor=colors[k], label=f"{k} ({counts[k]})") for k in keys]
    ax.legend(handles=handles,
              loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, title="squares" if by_layer else "filter")
    what = f"{len(layers)} layers" if by_layer else ", ".join(layers) or "no filter"
    ax.set(xticks=[], yticks=[], title=f"DeconvNet focus: {what}")
    return fig
