"""What a precompute run computes and how it is cut into pieces."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from layerwalk.errors import LayerwalkError

WHAT = ("topk", "stats", "crops", "embeddings")


@dataclass(frozen=True)
class PrecomputeParams:
    """Args:
        k: dataset examples kept per channel (top-k by spatial max and bottom-k by spatial min).
        batch_size: images per forward pass.
        shard_size: images per shard (rounded up to a multiple of ``batch_size``): the unit of resumption
            and of distribution.
        layers: node ids (default: every displayed node but the input).
        limit: only the first ``limit`` images of the dataset.
        what: any of ``topk``, ``stats``, ``crops`` (one atlas per layer of each channel's top example),
            ``embeddings`` (every image's spatially pooled activations of ``embedding_layers``, projected to 2-D).
        embedding_layers: layers whose pooled activations are kept (default: the last layer with a spatial map).
        embedding: ``pca`` (scikit-learn) or ``tsne`` (openTSNE, perplexity 50 as in ConvViz).
        tile: pixel size of a crop in the atlases.
        threads: CPU threads per forward pass (default: torch's current setting). Every backend runs shards
            with the same number, because the float results of a CPU conv depend on it and the backends must
            give byte-identical results.
    """

    k: int = 16
    batch_size: int = 32
    shard_size: int = 1024
    layers: tuple[str, ...] | None = None
    limit: int | None = None
    what: tuple[str, ...] = WHAT
    tile: int = 48
    threads: int | None = None
    embedding_layers: tuple[str, ...] | None = None
    embedding: str = "pca"

    def __post_init__(self):
        if self.k < 1 or self.batch_size < 1 or self.shard_size < 1 or self.tile < 8:
            raise LayerwalkError("k, batch_size and shard_size must be ≥ 1 and tile ≥ 8")
        if self.embedding not in ("pca", "tsne"):
            raise LayerwalkError(f"unknown embedding {self.embedding!r}; choose pca or tsne")
        unknown = set(self.what) - set(WHAT)
        if unknown:
            raise LayerwalkError(f"unknown --what {sorted(unknown)}; choose from {', '.join(WHAT)}")
        shard = -(-self.shard_size // self.batch_size) * self.batch_size
        object.__setattr__(self, "shard_size", shard)

    def to_dict(self) -> dict:
        """What determines the shards' content (``what``, ``tile`` and ``threads`` only shape the output)."""
        return {k: v for k, v in asdict(self).items() if k not in ("what", "tile", "threads", "embedding")}
