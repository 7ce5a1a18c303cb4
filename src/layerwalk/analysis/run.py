"""One entry point for every analysis, shared by the CLI (``layerwalk analyze``) and the HTTP jobs."""

from __future__ import annotations

from layerwalk.analysis._inputs import Progress
from layerwalk.analysis.channel_stats import channel_stats
from layerwalk.analysis.dead_filters import dead_filters
from layerwalk.analysis.filter_pca import filter_pca
from layerwalk.analysis.filters import conv_nodes
from layerwalk.analysis.focus import focus_layers
from layerwalk.analysis.input_embedding import input_embedding
from layerwalk.analysis.receptive_field import receptive_fields
from layerwalk.errors import LayerwalkError

ANALYSES = ("rf", "stats", "dead", "pca", "tsne", "focus")
NEEDS_DATASET = ("stats", "dead", "tsne")


def parse_what(text: str) -> list[str]:
    """``"rf,stats"`` → ``["rf", "stats"]``; an unknown name is an error that lists the valid ones."""
    what = [w.strip() for w in text.split(",") if w.strip()]
    unknown = [w for w in what if w not in ANALYSES]
    if unknown or not what:
        raise LayerwalkError(f"unknown analysis {', '.join(unknown) or '(none)'}; choose from {', '.join(ANALYSES)}")
    return what


def default_embedding_layer(network) -> str:
    """The last conv node: what the thesis embeds first (the deepest features before the classifier)."""
    convs = conv_nodes(network)
    if not convs:
        raise LayerwalkError("this network has no conv layer; pass a layer for the t-SNE")
    return convs[-1]


def run_analysis(network, what: str, *, dataset=None, n: int | None = None, layers: list[str] | None = None,
                 seed: int = 0, features: str = "sorted", perplexity: float = 50.0, method: str = "opentsne",
                 stats=None, channels: list[int] | None = None, top: int = 5, threshold: float = 0.98,
                 image=None, progress: Progress | None = None):
    """Run analysis ``what`` (one of ``ANALYSES``); returns its result object (``rows()``, ``to_dict()``).

    ``layers`` restricts stats, dead and pca to these node ids; the t-SNE embeds ``layers[0]`` (default: the
    last conv node). ``n`` defaults to 20 inputs for stats/dead (the thesis) and 500 for the t-SNE. ``stats``
    (a ``channel_stats`` result over the same inputs) spares the dead-filter analysis a second pass. ``focus``
    projects ``channels`` (default: the ``top`` by maximum) of each of ``layers`` (default: the last conv) for
    ``image`` (default: the network's current input), keeping neurons above ``threshold`` × max.
    """
    if what not in ANALYSES:
        parse_what(what)
    if what in NEEDS_DATASET and dataset is None and network.dataset is None:
        raise LayerwalkError(f"the {what!r} analysis needs a dataset (CLI: --dataset SPEC)")
    for layer in layers or ():
        network.graph.node(layer)
    if what == "rf":
        return receptive_fields(network)
    if what == "stats":
        return channel_stats(network, dataset, n or 20, seed=seed, nodes=layers, progress=progress)
    if what == "dead":
        return dead_filters(network, dataset, n or 20, nodes=layers, seed=seed, stats=stats, progress=progress)
    if what == "pca":
        return PCAs({k: filter_pca(network, k) for k in (layers or conv_nodes(network))})
    if what == "focus":
        return focus_layers(network, layers or [default_embedding_layer(network)], channels, image=image, top=top,
                            threshold=threshold)
    layer = layers[0] if layers else default_embedding_layer(network)
    return input_embedding(network, layer, dataset, n or 500, features=features, perplexity=perplexity,
                           method=method, seed=seed, progress=progress)


class PCAs(dict):
    """PCA results of several layers, with the same ``rows()``/``to_dict()`` as the other analyses."""

    def rows(self) -> list[dict]:
        return [row for pca in self.values() for row in pca.rows()]

    def to_dict(self) -> dict:
        return {"layers": [pca.to_dict() for pca in self.values()]}


def layer_part(what: str, result, layer: str | None) -> tuple[dict, list[dict]]:
    """(JSON document, table rows) of a whole result, or of one layer of it (``layer``); ``NotFoundError``
    naming the analysed layers otherwise."""
    if layer is None or what in ("tsne", "focus"):
        return result.to_dict(), result.rows()
    layers = result.fields if what == "rf" else result.layers if what in ("stats", "dead") else result
    if layer not in layers:
        from layerwalk.errors import NotFoundError

        names = list(layers)
        raise NotFoundError(f"layer {layer!r} is not in this {what} result; it has {len(names)} layers: "
                            f"{', '.join(names[:5])}{' …' if len(names) > 5 else ''}")
    part = layers[layer]
    if what == "rf":
        return part.to_dict(), [part.row()]
    if what == "dead":
        return {"node": layer, "filters": [f.row() for f in part]}, [f.row() for f in part]
    return part.to_dict(), part.rows()
