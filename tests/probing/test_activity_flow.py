"""Activity flow: the exact scores equal a brute-force forward pass with the channel zeroed; the preview agrees."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from layerwalk.capture.replay import EditError, ZeroChannels, downstream
from layerwalk.probing import ablate, activity_flow, channel_feeders


def _brute_force(net, layer, channel, edits=None):
    """Every layer's per-channel mean now minus with ``channel`` zeroed, by two plain full forward passes."""
    x = net.snapshot.activations["input"][None]
    both = dict(edits or {})
    both[layer] = ZeroChannels(tuple(sorted({channel, *getattr(both.get(layer), "channels", ())})))
    with torch.inference_mode():
        now, without = net.captured.run(x.clone(), edits=edits), net.captured.run(x.clone(), edits=both)
    return {k: (now[k] - without[k])[0] for k in now}


def _means(t):
    return t.flatten(1).mean(1) if t.dim() > 1 else t


def test_exact_flow_equals_a_brute_force_forward_pass_with_the_channel_zeroed(net):
    flow = activity_flow(net, "layer2.0.conv1", 5)
    brute = _brute_force(net, "layer2.0.conv1", 5)
    later = downstream(net.captured, ["layer2.0.conv1"])
    assert [f.id for f in flow.layers] == [k for k in later if k not in ("layer2.0.conv1", "output")]
    for f in flow.layers:
        assert torch.allclose(f.scores, _means(brute[f.id]), atol=1e-6), f.id
    assert all(flow[k].strength == 0 for k in ["layer3.0.conv1"] if k not in later)
    logits = brute["fc"]
    best = int(logits.argmax())
    assert flow.classes[0].index == best and flow.classes[0].score == pytest.approx(float(logits[best]), abs=1e-6)
    assert flow.supported(3)[0].score > 0 and flow.suppressed(3)[0].score < 0
    assert flow.suppressed(1)[0].index == int(logits.argmin())


def test_flow_on_top_of_an_ablation_compares_against_the_ablated_network(net):
    ablate(net, {"layer3.0.conv1": [0, 1, 2]})
    flow = activity_flow(net, "layer2.1.conv1", 7)
    brute = _brute_force(net, "layer2.1.conv1", 7, net.edits)
    for f in flow.layers:
        assert torch.allclose(f.scores, _means(brute[f.id]), atol=1e-6), f.id


def test_gradient_preview_estimates_the_exact_flow(net):
    exact = activity_flow(net, "layer3.0.conv1", 11)
    preview = activity_flow(net, "layer3.0.conv1", 11, method="gradient")
    assert [f.id for f in preview.layers] == [f.id for f in exact.layers]
    nxt = preview.layers[0]  # the next conv is linear in the channel: first order is exact there
    assert torch.allclose(nxt.scores, exact[nxt.id].scores, atol=1e-5)
    corr = [np.corrcoef(p.scores.numpy(), exact[p.id].scores.numpy())[0, 1] for p in preview.layers
            if exact[p.id].scores.std() > 0]
    assert np.median(corr) > 0.8


def test_feeders_equal_ablating_each_precursor_channel_by_hand(net):
    feeders = channel_feeders(net, "layer1.0.conv2", 3, chunk=24)
    scores = feeders.scores["layer1.0.conv1"]
    assert scores.shape == (64,)
    for c in (0, 17, 63):
        brute = _brute_force(net, "layer1.0.conv1", c)
        assert float(scores[c]) == pytest.approx(float(_means(brute["layer1.0.conv2"])[3]), abs=1e-6)
    join = channel_feeders(net, "layer2.0.add", 0)  # an add has two precursors: the block and the shortcut
    assert set(join.scores) == set(net.graph.node("layer2.0.add").precursors)
    assert join.top(1)[0][2] == max(float(s.abs().max()) for s in join.scores.values()) * np.sign(join.top(1)[0][2])


def test_unknown_channels_are_refused(net):
    with pytest.raises(EditError, match="has 128 channels"):
        activity_flow(net, "layer2.0.conv1", 128)
    with pytest.raises(ValueError, match="method"):
        activity_flow(net, "layer2.0.conv1", 1, method="magic")
