"""The server keeps the latest feature visualization per layer, bounded, written by job threads while requests read."""

from __future__ import annotations

import threading

import numpy as np
import torch
from PIL import Image

from layerwalk.api.state import FeatureVisStore
from layerwalk.featurevis import FeatureVisParams, FeatureVisResult


def _result(layer: str, channels: list[int]) -> FeatureVisResult:
    n = len(channels)
    return FeatureVisResult(layer=layer, target=layer, channels=channels,
                            images=[Image.new("RGB", (2, 2), (c, 0, 0)) for c in channels],
                            tensors=torch.zeros(n, 3, 2, 2), history=np.zeros((1, n)), start_objective=np.zeros(n),
                            final_objective=np.ones(n), params=FeatureVisParams(), seconds=0.0)


def test_keeps_the_most_recent_layers_only():
    store = FeatureVisStore(layers=3)
    for i in range(5):
        store.put(_result(f"l{i}", [0]))
    store.put(_result("l2", [0, 7]))  # visualised again: now the most recent
    store.put(_result("l5", [0]))
    assert [store.result(f"l{i}") is not None for i in range(6)] == [False, False, True, False, True, True]
    assert store.image("l2", 7).getpixel((0, 0)) == (7, 0, 0) and store.image("l2", 3) is None


def test_concurrent_writers_and_readers():
    store, errors = FeatureVisStore(layers=4), []

    def write(k: int) -> None:
        for i in range(200):
            store.put(_result(f"w{k}-{i % 6}", [i % 5]))

    def read() -> None:
        for i in range(400):
            try:
                store.image(f"w0-{i % 6}", i % 5)
            except Exception as exc:  # a dict changed during iteration would show here
                errors.append(exc)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(3)] + [threading.Thread(target=read)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors and len(store._results) <= 4
