"""One shard of a precompute run: a contiguous range of dataset images → per-layer partial results.

A shard is a pure function of (network, dataset, image range, parameters); its result merges exactly with any
other shard's (``merge_shards``), so a backend only has to map shards and fold the results in index order.
Batches are aligned to global multiples of the batch size, so every image is always computed in the same batch
— the same floating-point result whatever the shard size or backend.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import zstandard
from safetensors.numpy import load as load_arrays
from safetensors.numpy import save as save_arrays

from layerwalk.engine.reductions import MapReductions, reduce_maps
from layerwalk.precompute import stats as stats_mod
from layerwalk.precompute import topk as topk_mod
from layerwalk.precompute.params import PrecomputeParams


@dataclass(frozen=True)
class LayerPartial:
    top: topk_mod.TopK
    bottom: topk_mod.TopK
    stats: stats_mod.ChannelStats
    features: np.ndarray | None = None  # (images, C) spatial means, in image order (embedding layers only)


ShardResult = dict[str, LayerPartial]


def batches(start: int, stop: int, batch_size: int) -> list[range]:
    """Image ranges of the batches covering [start, stop), cut at global multiples of ``batch_size``."""
    cuts = [start, *range((start // batch_size + 1) * batch_size, stop, batch_size), stop]
    return [range(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


def as_channel_maps(t: torch.Tensor) -> torch.Tensor:
    """(B, C, …) → (B, C, P) float32 on the CPU; a 1-D layer (B, F) becomes (B, F, 1)."""
    t = t.detach().float().cpu()
    return t.reshape(t.shape[0], t.shape[1] if t.dim() > 1 else 1, -1)


def compute_shard(network, dataset, start: int, stop: int, params: PrecomputeParams,
                  layers: Sequence[str], progress: Callable[[int], None] | None = None) -> ShardResult:
    """Top-k, bottom-k and statistics of ``layers`` over images [start, stop) of ``dataset``."""
    result: dict[str, LayerPartial | None] = dict.fromkeys(layers)
    record = set(layers)
    with torch_threads(params.threads):
        _fill(result, network, dataset, start, stop, params, record, progress)
    return {layer: partial for layer, partial in result.items() if partial is not None}


@contextlib.contextmanager
def torch_threads(n: int | None):
    before = torch.get_num_threads()
    if n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


# Per-(image, channel) reductions are pooled over several batches before the top-k selection and the statistics:
# selecting from each batch of 32 spent more time in numpy call overhead than in the work. Bounded in memory: a
# flush happens once the pooled rows × channels of all layers reach this many entries (7 numbers each, ≈ 110 MB).
_POOL_ENTRIES = 2_000_000


def _fill(result, network, dataset, start, stop, params, record, progress) -> None:
    layers = list(result)
    embed = set(params.embedding_layers or ())
    pending: dict[str, list[tuple[MapReductions, np.ndarray, int]]] = {layer: [] for layer in layers}
    entries = 0
    for batch in batches(start, stop, params.batch_size):
        x = torch.cat([network.preprocess(dataset.image(i)) for i in batch]).to(network.device)
        entries += _reduce_batch(network, x, np.arange(batch.start, batch.stop, dtype=np.int64), record, pending)
        if entries >= _POOL_ENTRIES:
            _flush(result, pending, params.k, embed)
            entries = 0
        if progress:
            progress(len(batch))
    _flush(result, pending, params.k, embed)


def _reduce_batch(network, x: torch.Tensor, index: np.ndarray, record: set[str],
                  pending: dict[str, list[tuple[MapReductions, np.ndarray, int]]]) -> int:
    """Reduces every recorded output of one batch INSIDE its forward pass, as each is produced: it is read while
    still in the cache and never kept, so the pass reuses its memory (ResNet50's outputs of a batch of 32 are
    2.2 GB; reducing them after the pass took 1.2× the CPU time). Returns the (image, channel) rows added."""
    rows = 0

    def reduce(layer: str, output: torch.Tensor) -> None:
        nonlocal rows
        maps = as_channel_maps(output)
        pending[layer].append((reduce_maps(maps), index, maps.shape[2]))
        rows += maps.shape[0] * maps.shape[1]

    with torch.inference_mode():
        network.captured.run(x, record=record, consume=reduce)
    return rows


def _flush(result, pending, k: int, embed: set[str]) -> None:
    for layer, parts in pending.items():
        if parts:
            result[layer] = _merge_partial(result[layer], _partial_of(parts, k, layer in embed), k)
            parts.clear()


def _partial_of(parts: list[tuple[MapReductions, np.ndarray, int]], k: int, embed: bool) -> LayerPartial:
    """Top-k, bottom-k, statistics (and spatial means) of several batches' reductions, in image order."""
    r = MapReductions(*(np.concatenate(field) for field in zip(*(p[0] for p in parts))))
    index = np.concatenate([p[1] for p in parts])
    positions = parts[0][2]
    return LayerPartial(
        top=_topk_from(r.max, r.max_at, index, k, largest=True),
        bottom=_topk_from(r.min, r.min_at, index, k, largest=False),
        stats=stats_mod.of_batch(r, positions),
        features=(r.sum / positions).astype(np.float32) if embed else None,
    )


def _topk_from(values: np.ndarray, at: np.ndarray, index: np.ndarray, k: int, largest: bool) -> topk_mod.TopK:
    return topk_mod.select_in_order(values.astype(np.float32), index, at.astype(np.int64), k, largest)


def _merge_partial(a: LayerPartial | None, b: LayerPartial, k: int) -> LayerPartial:
    if a is None:
        return b
    features = None if a.features is None else np.concatenate([a.features, b.features])
    return LayerPartial(topk_mod.merge(a.top, b.top, k), topk_mod.merge(a.bottom, b.bottom, k),
                        stats_mod.merge(a.stats, b.stats), features)


def merge_shards(a: ShardResult | None, b: ShardResult, k: int) -> ShardResult:
    """Exact merge of two shard results (associative; fold shards in index order for byte-identical sums)."""
    if a is None:
        return b
    return {layer: _merge_partial(a[layer], b[layer], k) for layer in a}


# --- serialisation (safetensors: no pickle anywhere) ------------------------------------------------------------
def to_bytes(result: ShardResult) -> bytes:
    arrays: dict[str, np.ndarray] = {}
    sizes = {}
    for layer, part in result.items():
        for name, t in (("top", part.top), ("bottom", part.bottom)):
            arrays[f"{layer}|{name}|values"] = t.values
            arrays[f"{layer}|{name}|indices"] = t.indices
            arrays[f"{layer}|{name}|locations"] = t.locations
        for name, value in part.stats.arrays().items():
            arrays[f"{layer}|stats|{name}"] = np.ascontiguousarray(value)
        if part.features is not None:
            arrays[f"{layer}|features"] = part.features
        sizes[layer] = [part.stats.images, part.stats.positions]
    # One metadata entry: safetensors orders several in a hash map, which would make equal shards differ in bytes.
    layout = json.dumps({"layers": list(result), "sizes": sizes})
    # zstd: the per-channel histograms are mostly zeros (a shard shrinks ~20×).
    return zstandard.ZstdCompressor(level=3).compress(save_arrays(arrays, metadata={"layout": layout}))


def from_bytes(data: bytes) -> ShardResult:
    data = zstandard.ZstdDecompressor().decompress(data)
    layout = json.loads(_metadata(data)["layout"])
    arrays = load_arrays(data)
    layers, sizes = layout["layers"], layout["sizes"]
    out: ShardResult = {}
    def tk(layer: str, name: str, largest: bool) -> topk_mod.TopK:
        return topk_mod.TopK(arrays[f"{layer}|{name}|values"], arrays[f"{layer}|{name}|indices"],
                             arrays[f"{layer}|{name}|locations"], largest)

    for layer in layers:
        stat_arrays = {f: arrays[f"{layer}|stats|{f}"] for f in
                       ("sum", "sum_sq", "active", "max", "min", "max_histogram")}
        images, positions = sizes[layer]
        out[layer] = LayerPartial(tk(layer, "top", True), tk(layer, "bottom", False),
                                  stats_mod.ChannelStats(images, positions, **stat_arrays),
                                  arrays.get(f"{layer}|features"))
    return out


def _metadata(data: bytes) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors buffer (its header is 8 bytes of length, then JSON)."""
    n = int.from_bytes(data[:8], "little")
    return json.loads(data[8:8 + n]).get("__metadata__", {})
