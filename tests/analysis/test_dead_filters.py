"""Dead filters: channels killed on purpose are all found, no live channel is flagged, and the reasons fit."""

from __future__ import annotations

import numpy as np
import torch
import torchvision

from layerwalk.analysis import channel_stats, dead_filters
from layerwalk.data import TorchDataset
from layerwalk.engine import Network

KILLED = [3, 17, 40]


class _Noise(torch.utils.data.Dataset):
    def __len__(self):
        return 24

    def __getitem__(self, i):
        return torch.rand(3, 32, 32, generator=torch.Generator().manual_seed(i)), 0


def test_filters_killed_through_the_batchnorm_bias_are_found_and_only_they():
    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=3)
    with torch.no_grad():
        model.bn1.bias[KILLED] = -1e3            # the conv has no bias: the folded BatchNorm bias kills them
        model.layer1[0].conv1.weight[5] = -model.layer1[0].conv1.weight[5].abs()   # all weights negative
    dataset = TorchDataset(_Noise(), name="noise")
    network = Network(model, dataset=dataset, input_size=(3, 32, 32), device="cpu")
    report = dead_filters(network, n=20, nodes=["conv1", "layer1.0.conv1"])
    live = channel_stats(network, n=20, nodes=["conv1"])["conv1"].max > 0   # brute-force ground truth
    assert set(KILLED) <= set(report.dead("conv1"))
    assert set(report.dead("conv1")) == set(np.nonzero(~live)[0])
    stem = {f.channel: f for f in report.layers["conv1"]}
    assert all("negative bias" in stem[c].reason and stem[c].bias < -900 for c in KILLED)
    assert not any(f.dead or f.reason for c, f in stem.items() if live[c])
    filter5 = report.layers["layer1.0.conv1"][5]
    assert filter5.negative_pct == 100 and filter5.dead and "all weights negative" in filter5.reason


def test_percent_negative_and_energy_by_hand(hand_set):
    network, dataset = hand_set
    report = dead_filters(network, dataset, n=5)
    rows = report.layers["0"]
    assert [r.negative_pct for r in rows] == [0, 100, 0, 0]
    np.testing.assert_allclose([r.energy for r in rows], [1, 1, 4, 0.25])
    np.testing.assert_allclose([r.bias for r in rows], [0, 0.1, -1000, 0])
    assert rows[2].dead and "negative bias" in rows[2].reason
    assert not rows[0].dead and rows[0].max_activation > 0
