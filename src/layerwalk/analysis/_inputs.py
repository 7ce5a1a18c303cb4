"""The inputs an analysis looks at: N random dataset items, run through the network in batches."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import torch

from layerwalk.errors import LayerwalkError

Progress = Callable[[float, str], None]


def sample_items(dataset, n: int, seed: int = 0) -> list[int]:
    """``n`` distinct random item indices (all items, in order, when the dataset has no more than ``n``)."""
    if dataset is None:
        raise LayerwalkError("this analysis needs a dataset: pass dataset=… (e.g. load_dataset('photos'))")
    if n < 1:
        raise LayerwalkError(f"n must be at least 1, got {n}")
    size = len(dataset)
    if size == 0:
        raise LayerwalkError(f"the dataset {dataset.name!r} is empty")
    if size <= n:
        return list(range(size))
    return sorted(np.random.default_rng(seed).choice(size, n, replace=False).tolist())


def reduce_batches(network, dataset, items: list[int], record: set[str], batch_size: int,
                   reduce: Callable[[str, torch.Tensor], None], progress: Progress | None = None) -> None:
    """Calls ``reduce(node_id, float32 CPU activations with the batch dim)`` for every wanted node of every batch,
    inside the forward pass as each output is produced: nothing is kept, so the pass reuses the memory of the
    outputs already reduced (holding every output of a ResNet50 batch of 10 is 1.7 GB, faulted in afresh each
    batch) and reads each one while it is still in the cache."""
    for start in range(0, len(items), batch_size):
        chunk = items[start:start + batch_size]
        x = torch.cat([network.preprocess(dataset.image(i)) for i in chunk]).to(network.device)
        with torch.inference_mode():
            network.captured.run(x, record=record, consume=lambda k, v: reduce(k, v.float().cpu()))
        if progress is not None:
            done = start + len(chunk)
            progress(done / len(items), f"{done}/{len(items)} inputs")


def recorded_batches(network, dataset, items: list[int], record: set[str] | None, batch_size: int,
                     progress: Progress | None = None) -> Iterator[tuple[list[int], dict[str, torch.Tensor]]]:
    """Yields (item indices, {node id: float32 CPU activations with the batch dim}) batch by batch: one forward
    pass per batch records every wanted node."""
    for start in range(0, len(items), batch_size):
        chunk = items[start:start + batch_size]
        x = torch.cat([network.preprocess(dataset.image(i)) for i in chunk]).to(network.device)
        with torch.inference_mode():
            outputs = network.captured.run(x, record=record)
        yield chunk, {k: v.float().cpu() for k, v in outputs.items()}
        if progress is not None:
            done = start + len(chunk)
            progress(done / len(items), f"{done}/{len(items)} inputs")
