"""Channel statistics over N inputs against values written by hand and a brute-force loop."""

from __future__ import annotations

import numpy as np
import pytest

from layerwalk.analysis import channel_stats
from layerwalk.errors import LayerwalkError

WEIGHTS = np.array([1.0, -1.0, 2.0, 0.5])
BIASES = np.array([0.0, 0.1, -1000.0, 0.0])


def test_statistics_equal_the_hand_computed_maps(hand_set):
    network, dataset = hand_set
    stats = channel_stats(network, dataset, n=5, seed=1, batch_size=2)
    assert len(stats.items) == 5 and len(set(stats.items)) == 5
    layer = stats["0"]
    pixels = np.stack([dataset.dataset[i][0].numpy().reshape(-1) for i in stats.items])    # (5, 9)
    maps = np.maximum(pixels[:, None, :] * WEIGHTS[None, :, None] + BIASES[None, :, None], 0)  # (5, 4, 9)
    np.testing.assert_allclose(layer.maxima, maps.max(2), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(layer.mean, maps.mean(2).mean(0), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(layer.fraction_active, (maps > 0).mean(2).mean(0))
    assert layer.max[2] == 0 and layer.fraction_active[2] == 0          # bias −1000: never active
    assert list(layer.ranking) == list(np.lexsort((np.arange(4), -maps.max(2).max(0))))
    assert layer.ranking[0] == 0 and layer.ranking[-1] == 2              # 2·x is dead, x is the brightest


def test_cumulated_bars_equal_a_brute_force_loop(hand_set):
    network, dataset = hand_set
    stats = channel_stats(network, dataset, n=6, seed=2, batch_size=4)
    for node in ("0", "3"):
        running = np.zeros(network.graph.node(node).shape[0])
        for row, item in enumerate(stats.items):
            activation = network.set_input(dataset.image(item)).activations[node].numpy()
            running = running + activation.reshape(activation.shape[0], -1).max(1)
            np.testing.assert_allclose(stats[node].cumulated[row], running, rtol=1e-5, atol=1e-6)


def test_default_nodes_and_seed(hand_set):
    network, dataset = hand_set
    a = channel_stats(network, dataset, n=3, seed=5)
    assert set(a.layers) == {"0", "3"}                 # the conv→relu node and the linear; not input/output
    assert a.items == channel_stats(network, dataset, n=3, seed=5).items
    assert len(channel_stats(network, dataset, n=50).items) == len(dataset)   # asks for more than there are


def test_bad_requests_are_explained(hand_set):
    network, dataset = hand_set
    with pytest.raises(LayerwalkError, match="n must be at least 1"):
        channel_stats(network, dataset, n=0)
    with pytest.raises(LayerwalkError, match="no layer 'nope'"):
        channel_stats(network, dataset, nodes=["nope"])
