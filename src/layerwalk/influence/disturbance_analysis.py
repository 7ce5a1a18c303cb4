"""What the disturbance experiment's scores say: the dissertation's Algorithm 2 over the disturbances, the
per-layer comparison of each disturbed copy's influence vector with its original's, a per-layer clustering of those
vectors, and the findings written out from these numbers.

Two views, both with the Pearson distance 1 − ρ and average linkage (as in ``clustering``):

* **profiles** (Algorithm 2, Fig. 6.9): a group's profile is its mean intra-class influence per layer; groups
  whose profiles rise and fall together across the layers cluster together.
* **per-layer vectors**: in one layer, a query's influence vector holds its score for every training image. For each
  test image, the distance between two of its copies is 1 − ρ of their vectors; averaged over the test images this
  gives one distance matrix, one dendrogram and one cut per layer — the layers at which a disturbance changes
  *which* training images the decision relies on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from scipy.stats import spearmanr

from layerwalk.influence.clustering import LayerClustering, cluster_profiles, group_profiles, layer_profiles
from layerwalk.influence.experiment import DisturbanceExperiment

__all__ = ["DisturbanceAnalysis", "LayerVectorClustering", "analyse", "findings", "pearson_rows"]

ORIGINAL = "original"


@dataclass(frozen=True)
class LayerVectorClustering:
    """One layer's clustering of the disturbances by their influence vectors: ``distance`` (D, D) the mean over
    test images of 1 − ρ, scipy ``linkage`` and ``clusters`` (cluster id per disturbance)."""

    layer: str
    distance: np.ndarray
    linkage: np.ndarray
    clusters: tuple[int, ...]


@dataclass(frozen=True)
class DisturbanceAnalysis:
    """Everything the report shows, as numbers.

    Attributes:
        disturbances: names, the original first.
        accuracy: per disturbance, the fraction of its queries the model classifies correctly.
        mean_influence: per disturbance, I_avg — the mean total intra-class influence of its queries (eq. 7).
        overall: Algorithm 2 over the disturbances (profiles averaged over all classes).
        by_class: Algorithm 2 over "disturbance · class" groups.
        layer_similarity: (L, D) per layer, the mean ρ between each copy's influence vector and its original's.
        layer_clusters: per layer, the clustering of the disturbances by their influence vectors.
    """

    disturbances: tuple[str, ...]
    layers: tuple[str, ...]
    accuracy: dict[str, float]
    mean_influence: dict[str, float]
    overall: LayerClustering
    by_class: LayerClustering
    layer_similarity: np.ndarray
    layer_clusters: tuple[LayerVectorClustering, ...]
    cut: int

    def to_dict(self) -> dict:
        return {"disturbances": list(self.disturbances), "layers": list(self.layers), "accuracy": self.accuracy,
                "mean_influence": self.mean_influence, "overall": self.overall.to_dict(),
                "by_class": self.by_class.to_dict(), "layer_similarity": self.layer_similarity.tolist(),
                "cut": self.cut,
                "layer_clusters": [{"layer": c.layer, "distance": c.distance.tolist(), "clusters": list(c.clusters)}
                                   for c in self.layer_clusters]}


def pearson_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Pearson ρ of two (S, N) arrays; a constant row (no influence through that layer) gives ρ = 0 —
    nothing in common — instead of numpy's NaN."""
    a = a - a.mean(1, keepdims=True)
    b = b - b.mean(1, keepdims=True)
    norm = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return np.where(norm > 0, (a * b).sum(1) / np.where(norm > 0, norm, 1), 0.0)


def analyse(experiment: DisturbanceExperiment, clusters: int = 3) -> DisturbanceAnalysis:
    """The numbers behind the report; ``clusters`` is where the dendrograms are cut (the dissertation found 3)."""
    result, queries = experiment.result, experiment.queries
    names = experiment.disturbances
    kinds = np.asarray(queries.disturbance)
    correct = (experiment.predictions == queries.labels).numpy()
    totals = layer_profiles(result).sum(1).numpy()
    accuracy = {d: float(correct[kinds == d].mean()) for d in names}
    mean_influence = {d: float(totals[kinds == d].mean()) for d in names}
    layers = result.layers
    group_names, profiles = group_profiles(result, list(queries.disturbance))
    overall = cluster_profiles(group_names, profiles, layers, clusters)
    class_groups = [f"{d} · {_class_name(experiment, int(c))}" for d, c in zip(queries.disturbance,
                                                                                 queries.labels.tolist())]
    by_names, by_profiles = group_profiles(result, class_groups)
    by_class = cluster_profiles(by_names, by_profiles, layers, clusters)
    vectors = _vectors_by_source(experiment)  # (L, S, D, N)
    original = names.index(ORIGINAL)
    similarity = np.stack([[pearson_rows(v[:, original], v[:, d]).mean() for d in range(len(names))]
                           for v in vectors])
    layer_clusters = tuple(_cluster_layer(layer, v, clusters) for layer, v in zip(layers, vectors))
    return DisturbanceAnalysis(names, layers, accuracy, mean_influence, overall, by_class, similarity, layer_clusters,
                              clusters)


def _class_name(experiment: DisturbanceExperiment, label: int) -> str:
    names = experiment.class_names
    return names[label] if label < len(names) else str(label)


def _vectors_by_source(experiment: DisturbanceExperiment) -> np.ndarray:
    """(L, S, D, N): per layer, per test image, each disturbance's influence vector over the training images."""
    per_layer = experiment.result.scores.per_layer.double().numpy()
    names, queries = experiment.disturbances, experiment.queries
    sources = list(dict.fromkeys(queries.source))
    index = {(s, d): q for q, (s, d) in enumerate(zip(queries.source, queries.disturbance))}
    order = [[index[(s, d)] for d in names] for s in sources]
    return per_layer[:, np.asarray(order)]


def _cluster_layer(layer: str, vectors: np.ndarray, clusters: int) -> LayerVectorClustering:
    """Average over test images of the pairwise Pearson distances of their copies' vectors (S, D, N)."""
    d = vectors.shape[1]
    distance = np.zeros((d, d))
    for i in range(d):
        for j in range(i + 1, d):
            # clipped: rounding turns the 1 − ρ of identical vectors into −1e-16, which scipy's linkage refuses
            distance[i, j] = distance[j, i] = max(0.0, 1 - pearson_rows(vectors[:, i], vectors[:, j]).mean())
    tree = linkage(squareform(distance, checks=False), method="average")
    cut = fcluster(tree, t=min(clusters, d), criterion="maxclust")
    return LayerVectorClustering(layer, distance, tree, tuple(int(c) for c in cut))


def findings(analysis: DisturbanceAnalysis) -> list[str]:
    """The report's "what it says": sentences computed from the numbers, nothing assumed."""
    names, a = analysis.disturbances, analysis
    disturbed = [d for d in names if d != ORIGINAL]
    out = [_accuracy_sentence(a, disturbed)]
    out.append(_overall_sentence(a))
    mean_sim = {d: float(a.layer_similarity[:, names.index(d)].mean()) for d in disturbed}
    closest, farthest = max(mean_sim, key=mean_sim.get), min(mean_sim, key=mean_sim.get)  # type: ignore[arg-type]
    out.append(f"Layer by layer, the copy whose influence vectors stay closest to the original's is "
               f"<b>{closest}</b> (mean ρ over the layers {mean_sim[closest]:.2f}); the farthest is <b>{farthest}</b> "
               f"(mean ρ {mean_sim[farthest]:.2f}): that disturbance changes most which training images the model's "
               "decision relies on.")
    depth = np.arange(len(a.layers))
    for d in disturbed:
        column = a.layer_similarity[:, names.index(d)]
        low = a.layers[int(column.argmin())]
        trend = spearmanr(depth, column).statistic if len(depth) > 2 and np.ptp(column) > 0 else 0.0
        direction = ("grows with depth" if trend > 0.5 else "falls with depth" if trend < -0.5
                     else "has no clear trend with depth")
        out.append(f"<b>{d}</b>: its similarity to the original {direction} (Spearman {trend:+.2f} against the layer "
                   f"index); it departs most at <span class='layer'>{low}</span> (ρ {column.min():.2f}) and is "
                   f"closest at <span class='layer'>{a.layers[int(column.argmax())]}</span> "
                   f"(ρ {column.max():.2f}).")
    out.append(_layer_cluster_sentence(a))
    return out


def _accuracy_sentence(a: DisturbanceAnalysis, disturbed: list[str]) -> str:
    parts = ", ".join(f"{d} {100 * a.accuracy[d]:.0f} %" for d in disturbed)
    weakest = min(disturbed, key=lambda d: a.mean_influence[d])
    return (f"The model classifies {100 * a.accuracy[ORIGINAL]:.0f} % of the originals correctly; of the disturbed "
            f"copies: {parts}. The mean intra-class influence I_avg is {a.mean_influence[ORIGINAL]:.3g} for the "
            f"originals and lowest for <b>{weakest}</b> ({a.mean_influence[weakest]:.3g}): of the disturbed copies, "
            "the training images of the right class support that one's decision the least.")


def _overall_sentence(a: DisturbanceAnalysis) -> str:
    c = a.overall
    groups: dict[int, list[str]] = {}
    for name, cluster in zip(c.names, c.clusters):
        groups.setdefault(cluster, []).append(name)
    with_original = groups[c.clusters[c.names.index(ORIGINAL)]]
    listed = "; ".join("{" + ", ".join(g) + "}" for g in groups.values())
    o = c.names.index(ORIGINAL)
    rho = ", ".join(f"{n} {1 - c.distance[o, k]:+.2f}" for k, n in enumerate(c.names) if k != o)
    same = "white background" in with_original
    verdict = ("as in the dissertation (VGG16 on ImageNet: original and white background one cluster, style and "
               "texture apart)" if same and len(with_original) == 2 else
               "unlike the dissertation's VGG16, where original and white background formed one cluster of their own")
    return (f"Algorithm 2 over the layer profiles, cut into {len(groups)} clusters: {listed} — {verdict}. Pearson ρ "
            f"of each copy's profile with the original's: {rho}.")


def _layer_cluster_sentence(a: DisturbanceAnalysis) -> str:
    names = a.disturbances
    o = names.index(ORIGINAL)
    alone = [c.layer for c in a.layer_clusters if sum(k == c.clusters[o] for k in c.clusters) == 1]
    counts = {d: sum(c.clusters[names.index(d)] == c.clusters[o] for c in a.layer_clusters)
              for d in names if d != ORIGINAL}
    together = ", ".join(f"{d} in {n} of {len(a.layers)}" for d, n in counts.items())
    isolated = (f"The original stands alone in its cluster at {len(alone)} layer(s)"
                f"{': ' + ', '.join(alone[:6]) + ('…' if len(alone) > 6 else '') if alone else ''}.")
    return (f"Per-layer clustering of the influence vectors (each layer's tree cut into {a.cut}): each disturbed "
            "copy shares the original's "
            f"cluster at — {together} layers. {isolated}")
