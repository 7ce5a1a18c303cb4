"""PCA of the filters of a conv layer (ConvViz, section 7.2): each filter's flattened weights as one point, so
similar (redundant) filters land close together and dead ones gather near the centre."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA

from layerwalk.analysis.filters import conv_nodes, effective_filters


@dataclass(frozen=True)
class FilterPCA:
    """2-D PCA of one conv node's filters: ``coords[c]`` is filter ``c``; ``explained`` the variance ratio of
    the two components."""

    node: str
    coords: np.ndarray
    explained: tuple[float, float]

    def rows(self) -> list[dict]:
        return [{"node": self.node, "channel": c, "pc1": float(x), "pc2": float(y)}
                for c, (x, y) in enumerate(self.coords)]

    def to_dict(self) -> dict:
        return {"node": self.node, "explained": list(self.explained), "points": self.rows()}


def filter_pca(network, node_id: str | None = None) -> FilterPCA | dict[str, FilterPCA]:
    """PCA (scikit-learn, Euclidean, 2 components) of the filters of conv node ``node_id`` — as the network
    applies them, i.e. with a following BatchNorm folded in — or of every conv node when ``node_id`` is None.

    >>> filter_pca(net, "layer1.0.conv1").coords.shape   # doctest: +SKIP
    (64, 2)
    """
    if node_id is None:
        return {k: filter_pca(network, k) for k in conv_nodes(network)}
    weights, _ = effective_filters(network, node_id)
    flat = weights.reshape(weights.shape[0], -1).double().numpy()
    components = min(2, *flat.shape)
    pca = PCA(n_components=components, svd_solver="full").fit(flat)
    coords = np.zeros((flat.shape[0], 2))
    coords[:, :components] = pca.transform(flat)
    explained = tuple(float(v) for v in np.pad(pca.explained_variance_ratio_, (0, 2 - components)))
    return FilterPCA(node_id, coords, explained)
