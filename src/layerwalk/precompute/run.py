"""``precompute()``: map the shards of a dataset over a backend, fold them in order, write the result."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch
from tqdm.auto import tqdm

from layerwalk.errors import LayerwalkError
from layerwalk.featurevis.cache import weights_fingerprint
from layerwalk.precompute.backends import run_local, run_ray
from layerwalk.precompute.params import PrecomputeParams
from layerwalk.precompute.results import Precomputed, load_precomputed, write_results
from layerwalk.precompute.shard import from_bytes, merge_shards
from layerwalk.precompute.store import RunStore, run_key


def default_layers(network) -> list[str]:
    return [n.id for n in network.graph if n.has_activation and n.id != "input"]


def _check_layers(network, layers) -> list[str]:
    valid = default_layers(network)
    unknown = [layer for layer in layers if layer not in valid]
    if unknown:
        raise LayerwalkError(f"unknown layer(s) {', '.join(map(repr, unknown))}; valid layer ids are "
                             f"{', '.join(valid[:12])}{' …' if len(valid) > 12 else ''} (`layerwalk graph SPEC`)")
    return list(layers)


def _check_embedding_layers(network, layers, chosen) -> tuple[str, ...]:
    if chosen is None:  # the last spatial map: the features a classifier head pools
        spatial = [layer for layer in layers if len(network.graph.node(layer).shape) == 3]
        return tuple(spatial[-1:] or layers[-1:])
    missing = [layer for layer in chosen if layer not in layers]
    if missing:
        raise LayerwalkError(f"embedding layer(s) {', '.join(map(repr, missing))} are not among the precomputed "
                             "layers; add them to --layers")
    return tuple(chosen)


def shard_ranges(n: int, shard_size: int) -> list[tuple[int, int]]:
    return [(s, min(s + shard_size, n)) for s in range(0, n, shard_size)]


def precompute(network, dataset, out: str | Path, params: PrecomputeParams | None = None, *,
               backend: str = "local", address: str | None = None, progress: bool = True) -> Precomputed:
    """Top-k dataset examples, statistics and crop atlases of every displayed layer over a whole dataset.

    Resumable: finished shards are kept (``OUT/<key>/shards``) and rerunning the same call continues where it
    stopped, with a byte-identical result. ``backend="ray"`` runs the shards as Ray tasks (a local Ray instance,
    or the cluster at ``address``).

    Args:
        network: a ``layerwalk.Network``.
        dataset: an ``ImageDataset`` (``layerwalk.data.load_dataset(spec)``).
        out: directory that holds runs; each run lives in ``out/<key>``.
        params: ``PrecomputeParams`` (k, batch and shard size, layers, limit, what).
        backend: ``"local"`` (one process) or ``"ray"``.
        address: Ray cluster address (``ray start --head`` prints it); ``None`` starts a local instance.

    Returns:
        The finished run (``Precomputed``): ``.topk(layer, channel)``, ``.stats(layer)``, ``.histograms(layer)``.
    """
    params = params or PrecomputeParams()
    if params.threads is None:
        params = dataclasses.replace(params, threads=torch.get_num_threads())
    layers = _check_layers(network, params.layers or default_layers(network))
    embedding_layers = _check_embedding_layers(network, layers, params.embedding_layers)
    params = dataclasses.replace(params, embedding_layers=embedding_layers)
    n = min(len(dataset), params.limit or len(dataset))
    if n == 0:
        raise LayerwalkError(f"dataset {dataset.name!r} has no images to precompute")
    key = run_key(weights_fingerprint(network.model),
                  {"input_size": list(network.input_size), "mean": list(network.mean), "std": list(network.std)},
                  {"spec": getattr(dataset, "spec", dataset.name), "length": n},
                  {**params.to_dict(), "layers": layers})
    store = RunStore(out, key)
    if store.complete:
        return load_precomputed(store.dir)
    store.clean_temporaries()
    shards = shard_ranges(n, params.shard_size)
    todo = [i for i in range(len(shards)) if not store.is_done(i)]
    bar = tqdm(total=n, initial=n - sum(b - a for i, (a, b) in enumerate(shards) if i in todo), unit="img",
               desc=f"precompute {network.name}", disable=not progress)
    runner = run_ray if backend == "ray" else run_local if backend == "local" else None
    if runner is None:
        raise LayerwalkError(f"unknown backend {backend!r}; choose local or ray")
    kwargs = {"address": address} if backend == "ray" else {}
    runner(network, dataset, [(i, *shards[i]) for i in todo], params, layers, store, bar.update, **kwargs)
    bar.close()
    result = None
    for i in range(len(shards)):
        result = merge_shards(result, from_bytes(store.read_shard(i)), params.k)
    manifest = {
        "key": key, "format": 1, "network": network.name, "spec": network.spec,
        "weights": weights_fingerprint(network.model), "input_size": list(network.input_size),
        "dataset": {"name": dataset.name, "spec": getattr(dataset, "spec", None), "images": n},
        "params": {**params.to_dict(), "layers": layers, "what": list(params.what), "embedding": params.embedding},
        "layers": [{"id": layer, "shape": list(network.graph.node(layer).shape)} for layer in layers],
        "class_names": list(network.class_names),
    }
    write_results(store, result, manifest, network, dataset, params.what, params.tile)
    return load_precomputed(store.dir)
