"""Channel ablation on the engine ``Network``: only later layers change, later inputs stay ablated, reset restores."""

from __future__ import annotations

import pytest
import torch

from layerwalk.capture.replay import EditError, ZeroChannels, downstream
from layerwalk.errors import NotFoundError
from layerwalk.probing import ablate, ablated_channels, reset_ablation


def test_ablation_changes_exactly_the_later_layers_as_a_full_pass_would(net):
    before = net.snapshot
    snap = ablate(net, {"layer2.0.conv2": [1, 5, 9]})
    assert snap.version == before.version + 1
    later = set(downstream(net.captured, ["layer2.0.conv2"]))
    with torch.inference_mode():
        full = net.captured.run(before.activations["input"][None].clone(),
                                edits={"layer2.0.conv2": ZeroChannels((1, 5, 9))})
    for k, v in snap.activations.items():
        assert torch.allclose(v, full[k][0], atol=1e-5), k
        if k not in later:
            assert torch.equal(v, before.activations[k]), f"{k} is before the ablated layer but changed"
    assert snap.activations["layer2.0.conv2"][[1, 5, 9]].abs().sum() == 0
    assert not torch.equal(snap.activations["output"], before.activations["output"])
    assert ablated_channels(net) == {"layer2.0.conv2": [1, 5, 9]}


def test_every_channel_of_a_layer_may_be_ablated_and_reset_restores_the_input(net):
    before = net.snapshot
    snap = ablate(net, {"layer3.0.conv1": range(256), "layer1.0.conv1": [0]})
    assert snap.activations["layer3.0.conv1"].abs().sum() == 0
    back = reset_ablation(net)
    for k, v in back.activations.items():
        assert torch.allclose(v, before.activations[k], atol=1e-6), k


def test_changing_the_set_reruns_from_the_first_changed_layer(net):
    live = int(net.snapshot.activations["layer4.0.conv1"].flatten(1).abs().sum(1).argmax())
    a = ablate(net, {"layer1.0.conv1": [3], "layer4.0.conv1": [live]})
    b = ablate(net, {"layer1.0.conv1": [3]})  # switching layer4's channel back on restores its value
    assert a.activations["layer4.0.conv1"][live].abs().sum() == 0
    assert not torch.equal(a.activations["output"], b.activations["output"])
    with torch.inference_mode():
        full = net.captured.run(b.activations["input"][None].clone(), edits={"layer1.0.conv1": ZeroChannels((3,))})
    for k, v in b.activations.items():
        assert torch.allclose(v, full[k][0], atol=1e-5), k


def test_a_new_input_is_shown_with_the_ablation(net):
    ablate(net, {"layer2.0.conv1": [0, 1]})
    snap = net.set_input(torch.randn(1, 3, 32, 32))
    assert snap.activations["layer2.0.conv1"][[0, 1]].abs().sum() == 0


def test_bad_ablations_name_the_problem(net):
    with pytest.raises(NotFoundError, match="no layer 'layer9'"):
        ablate(net, {"layer9": [0]})
    with pytest.raises(EditError, match="has 64 channels"):
        ablate(net, {"layer1.0.conv1": [64]})
    with pytest.raises(EditError, match="no channels to probe"):
        ablate(net, {"output": [0]})
    assert net.edits == {}
