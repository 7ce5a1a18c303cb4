"""The dissertation's Algorithm 2 (ch. 6.3.2): hierarchical clustering of per-layer influence profiles with the
Pearson distance D = 1 − ρ, through scipy (average linkage), plus the similarity S_ij = (1 − d_ij / d_max) · 100 %.

A query's *layer profile* is, per layer, its mean influence over the training images of its own class (the
intra-class layer-wise score, eq. 6); a group's profile (e.g. "white background · Trouser") is the mean over its
queries. Groups whose profiles rise and fall together across the layers end up in one cluster.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist, squareform

from layerwalk.errors import SpecError
from layerwalk.influence.result import InfluenceResult

__all__ = ["LayerClustering", "layer_profiles", "group_profiles", "cluster_profiles"]


@dataclass(frozen=True)
class LayerClustering:
    """``names`` of the clustered groups, their ``profiles`` (G, L) over ``layers``, ``distance`` (G, G) Pearson
    distances, ``similarity`` (G, G) in %, scipy ``linkage`` matrix and ``clusters`` (cluster id per group)."""

    names: tuple[str, ...]
    layers: tuple[str, ...]
    profiles: np.ndarray
    distance: np.ndarray
    similarity: np.ndarray
    linkage: np.ndarray
    clusters: tuple[int, ...]

    def to_dict(self) -> dict:
        return {"names": list(self.names), "layers": list(self.layers), "profiles": self.profiles.tolist(),
                "distance": self.distance.tolist(), "similarity": self.similarity.tolist(),
                "linkage": self.linkage.tolist(), "clusters": list(self.clusters)}

    def dendrogram_png(self, title: str = "Per-layer influence, Pearson distance") -> bytes:
        """Dendrogram beside the correlation matrix (Fig. 6.9 a/b of the dissertation), as PNG bytes."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from scipy.cluster.hierarchy import dendrogram

        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), gridspec_kw={"width_ratios": [1.2, 1]})
        dendrogram(self.linkage, labels=list(self.names), ax=left, orientation="right", color_threshold=None)
        left.set_xlabel("Pearson distance 1 − ρ")
        left.set_title(title, fontsize=10)
        image = right.imshow(1 - self.distance, vmin=-1, vmax=1, cmap="RdBu_r")
        right.set_xticks(range(len(self.names)), self.names, rotation=70, fontsize=7)
        right.set_yticks(range(len(self.names)), self.names, fontsize=7)
        right.set_title("Pearson ρ of layer profiles", fontsize=10)
        fig.colorbar(image, ax=right, fraction=0.046)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=110)
        plt.close(fig)
        return buffer.getvalue()


def layer_profiles(result: InfluenceResult) -> torch.Tensor:
    """(Q, L): per query and layer, the mean score over training images of the query's class."""
    per_layer, labels = result.scores.per_layer, result.train.labels
    rows = []
    for q, label in enumerate(result.query_labels.tolist()):
        same = labels == label
        if not bool(same.any()):
            raise SpecError(f"query {q} is of class {label}, which has no training images; cannot take an "
                            "intra-class profile")
        rows.append(per_layer[:, q, same].mean(1))
    return torch.stack(rows)


def group_profiles(result: InfluenceResult, groups: Sequence[str]) -> tuple[list[str], torch.Tensor]:
    """Mean layer profile per group name (one name per query, e.g. "texture · Bag"), in first-seen order."""
    if len(groups) != len(result.query_labels):
        raise SpecError(f"{len(groups)} group names for {len(result.query_labels)} queries; give one per query")
    profiles, names = layer_profiles(result), list(dict.fromkeys(groups))
    index = np.asarray(groups)
    return names, torch.stack([profiles[torch.from_numpy(index == n)].mean(0) for n in names])


def cluster_profiles(names: Sequence[str], profiles: torch.Tensor | np.ndarray, layers: Sequence[str],
                     clusters: int = 3) -> LayerClustering:
    """Average-linkage hierarchical clustering with the Pearson distance; ``clusters`` = where to cut the tree."""
    x = np.asarray(profiles, dtype=np.float64)
    if x.shape[0] < 2 or x.shape[1] < 2:
        raise SpecError("clustering needs at least two groups and two layers; use per_layer=True and more queries")
    if np.any(x.std(1) == 0):
        raise SpecError("a group's layer profile is constant, so its Pearson correlation is undefined")
    condensed = pdist(x, metric="correlation")
    tree = linkage(condensed, method="average")
    distance = squareform(condensed)
    similarity = (1 - distance / max(distance.max(), 1e-12)) * 100
    cut = fcluster(tree, t=min(clusters, len(x)), criterion="maxclust")
    return LayerClustering(tuple(names), tuple(layers), x, distance, similarity, tree, tuple(int(c) for c in cut))
