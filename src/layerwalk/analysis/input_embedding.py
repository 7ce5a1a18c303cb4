"""t-SNE of the inputs as one layer sees them (ConvViz, section 7.3): each input is a point; inputs the layer
finds alike cluster together. Layer by layer, the clusters show how the network comes to understand the data.

Features of an input at a (C, H, W) node (``features=``):

* ``"sorted"`` (the thesis): each channel's map sorted ascending, channels concatenated — similar patterns
  anywhere in the image rather than at the same place. Large maps keep ``max_per_channel`` evenly spaced values
  of each sorted map (its quantiles), so an early layer of a 224² network does not need gigabytes.
* ``"gap"``: the channel means (global average pooling).

Above 50 dimensions the features are first reduced to 50 by PCA, as the t-SNE authors recommend (speed and
noise). The embedding is openTSNE's FFT-accelerated t-SNE (``method="opentsne"``, the default: see
BENCHMARKS.md for its speed against scikit-learn's, which ``method="sklearn"`` selects).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.decomposition import PCA

from layerwalk.analysis._inputs import Progress, recorded_batches, sample_items
from layerwalk.errors import LayerwalkError

PCA_DIMS = 50
# openTSNE's optimisation: 250 early-exaggeration iterations then 250 more (its defaults are 250 + 500). Measured on
# scikit-learn's digits and on 10,000 overlapping 50-D blobs (BENCHMARKS.md, issue 16): the trustworthiness of 250 + 250
# is within 0.001 of 250 + 500's and of scikit-learn's TSNE (0.9914 vs 0.9913 vs 0.9919; 0.9651 vs 0.9660 vs 0.9658)
# in 60 % of the time; its learning rate N/12 ("auto") converges in fewer steps than the fixed one of the 2014 paper.
EXAGGERATION_ITERATIONS = 250
ITERATIONS = 250


@dataclass(frozen=True)
class InputEmbedding:
    """2-D t-SNE of ``items`` (dataset indices) at ``node``; ``dominant[i]`` is the channel that dominates input
    i's feature vector (the thesis's colouring), ``labels[i]`` its class index (or -1)."""

    node: str
    features: str
    perplexity: float
    items: tuple[int, ...]
    coords: np.ndarray
    dominant: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]

    def rows(self) -> list[dict]:
        return [{"node": self.node, "item": item, "x": float(x), "y": float(y), "dominant_channel": int(d),
                 "label": int(lab), "class_name": self.class_names[lab] if 0 <= lab < len(self.class_names) else ""}
                for item, (x, y), d, lab in zip(self.items, self.coords, self.dominant, self.labels)]

    def to_dict(self) -> dict:
        return {"node": self.node, "features": self.features, "perplexity": self.perplexity,
                "points": self.rows()}


def layer_features(activations: torch.Tensor, features: str = "sorted", max_per_channel: int = 256) -> np.ndarray:
    """(N, C, H, W) or (N, F) activations → (N, D) feature vectors (see the module docstring)."""
    a = activations.float()
    if a.dim() == 2:
        return a.numpy()
    flat = a.reshape(a.shape[0], a.shape[1], -1)
    if features == "gap":
        return flat.mean(2).numpy()
    if features != "sorted":
        raise LayerwalkError(f"features must be 'sorted' or 'gap', got {features!r}")
    ordered = flat.sort(dim=2).values
    if ordered.shape[2] > max_per_channel:
        keep = torch.linspace(0, ordered.shape[2] - 1, max_per_channel).round().long()
        ordered = ordered[:, :, keep]
    return ordered.reshape(a.shape[0], -1).numpy()


def dominant_channel(activations: torch.Tensor) -> np.ndarray:
    """The channel holding each input's largest value (the largest dimension of its sorted-maps vector)."""
    a = activations.float()
    peaks = a.reshape(a.shape[0], a.shape[1], -1).amax(2) if a.dim() > 2 else a
    return peaks.argmax(1).numpy()


def embed(features: np.ndarray, perplexity: float = 50.0, method: str = "opentsne", seed: int = 0,
          progress: Progress | None = None) -> np.ndarray:
    """2-D t-SNE of (N, D) features (PCA to 50 dimensions first when D > 50); openTSNE reports ``progress``
    (fraction of its 500 iterations) every 50 iterations."""
    n = features.shape[0]
    if n < 4:
        raise LayerwalkError(f"t-SNE needs at least 4 inputs, got {n}")
    x = features.astype(np.float64)
    if x.shape[1] > PCA_DIMS and n > PCA_DIMS:
        x = PCA(n_components=PCA_DIMS, random_state=seed).fit_transform(x)
    perplexity = min(perplexity, (n - 1) / 3)
    if method == "opentsne":
        from openTSNE import TSNE

        # Threads only pay off on large inputs; below that, waking them costs more than the work (measured: 200
        # points take 0.8 s on one thread and 20 s with all threads on a busy 2-core machine).
        jobs = -1 if n >= 5000 else 1
        def report(iteration, error, embedding):
            # openTSNE restarts its count after the 250 early-exaggeration iterations; both phases end on a multiple
            # of 50, so the calls are counted instead
            report.calls += 1
            total = EXAGGERATION_ITERATIONS + ITERATIONS
            progress(min(report.calls * 50 / total, 1.0), f"t-SNE iteration {report.calls * 50}/{total}")

        report.calls = 0
        callbacks = dict(callbacks=report, callbacks_every_iters=50) if progress is not None else {}
        return np.asarray(TSNE(perplexity=perplexity, initialization="pca", random_state=seed, n_jobs=jobs,
                               neighbors=_neighbor_search(n), early_exaggeration_iter=EXAGGERATION_ITERATIONS,
                               n_iter=ITERATIONS, verbose=False, **callbacks).fit(x))
    if method == "sklearn":
        from sklearn.manifold import TSNE

        return TSNE(perplexity=perplexity, init="pca", random_state=seed).fit_transform(x)
    raise LayerwalkError(f"method must be 'opentsne' or 'sklearn', got {method!r}")


# Up to here, openTSNE's exact neighbour search (scikit-learn's brute force: one BLAS distance product) beats its
# approximate index: 10,000 × 50 points took 1.4 s exact against 8–12 s with Annoy on the same busy 2-core machine
# (and exact is what scikit-learn's TSNE uses). The product grows as n², the index as n log n: beyond this size the
# approximate search is kept.
_EXACT_NEIGHBORS_UP_TO = 30_000


def _neighbor_search(n: int) -> str:
    return "exact" if n <= _EXACT_NEIGHBORS_UP_TO else "auto"


def input_embedding(network, node_id: str, dataset=None, n: int = 500, *, features: str = "sorted",
                    perplexity: float = 50.0, method: str = "opentsne", seed: int = 0, batch_size: int = 32,
                    progress: Progress | None = None) -> InputEmbedding:
    """t-SNE of ``n`` random dataset items as node ``node_id`` sees them.

    Args:
        network: an engine ``Network``; dataset: an ``ImageDataset`` (default: the network's).
        n: inputs (all of the dataset if it has fewer); features: ``"sorted"`` or ``"gap"``.
        perplexity: 50 by default (the thesis); lowered to (n − 1)/3 for small n.
        method: ``"opentsne"`` or ``"sklearn"``; seed: sampling and embedding seed.

    >>> emb = input_embedding(net, "layer3.5.add", n=300)   # doctest: +SKIP
    >>> emb.coords.shape                                     # doctest: +SKIP
    (300, 2)
    """
    node = network.graph.node(node_id)
    if node.kind in ("input", "output") and len(node.shape) != 3:
        raise LayerwalkError(f"{node_id!r} has no activation map to embed; pick a layer")
    dataset = dataset if dataset is not None else network.dataset
    items = sample_items(dataset, n, seed)
    feats, dominant = [], []
    for _, acts in recorded_batches(network, dataset, items, {node.id}, batch_size,
                                    None if progress is None else lambda f, m: progress(0.8 * f, m)):
        feats.append(layer_features(acts[node.id], features))
        dominant.append(dominant_channel(acts[node.id]))
    tsne_progress = None if progress is None else lambda f, m: progress(0.8 + 0.2 * f, m)
    coords = embed(np.concatenate(feats), perplexity, method, seed, tsne_progress)
    labels = np.array([-1 if (lab := dataset.label(i)) is None else lab for i in items])
    return InputEmbedding(node.id, features, float(min(perplexity, (len(items) - 1) / 3)), tuple(items), coords,
                          np.concatenate(dominant), labels, tuple(dataset.class_names))
