"""``replay``: re-running the graph from any node reproduces what a full forward pass computes."""

from __future__ import annotations

import pytest
import torch

from layerwalk.capture import capture_model
from layerwalk.capture.replay import EditError, ZeroChannels, downstream

from .models import ChannelsLastBlock, InPlaceReader, TinyBranchNet


def _replays_exactly(cm, x, nodes=None):
    """Re-run from each node with its own recorded value; every later activation must be bit-identical."""
    with torch.inference_mode():
        rec = cm.run(x)
        kept = {k: v.clone() for k, v in rec.items()}
    checked = 0
    for node in nodes or [n.id for n in cm.graph if n.id in rec and n.id != "output"]:
        with torch.inference_mode():
            out = cm.run_from(node, rec[node], rec)
        later = set(downstream(cm, [node]))
        assert set(out) == later, node  # exactly the node and everything after it, nothing before
        for k, v in out.items():
            assert torch.equal(v, kept[k]), f"re-run from {node}: {k} differs by {(v - kept[k]).abs().max()}"
        changed = [k for k in rec if not torch.equal(rec[k], kept[k])]
        assert not changed, f"re-run from {node} wrote into the recording: {changed}"  # in-place ops (y += …)
        checked += 1
    return checked


def test_rerun_from_every_node_of_resnet18_is_exact(net):
    assert net.captured.method == "fx"
    assert _replays_exactly(net.captured, torch.randn(1, 3, 32, 32)) == len(net.graph) - 1


@pytest.mark.parametrize("model", [TinyBranchNet, ChannelsLastBlock])
def test_the_executed_graph_capture_replays_by_a_full_pass_with_the_value_replaced(model):
    cm = capture_model(model().eval(), torch.zeros(1, 3, 8, 8), method="dynamic")
    assert cm.graph.method == "dynamic"
    assert _replays_exactly(cm, torch.randn(1, 3, 8, 8)) == len(cm.graph) - 1
    node = cm.graph.nodes[1].id
    with torch.inference_mode():
        rec = cm.run(torch.randn(1, 3, 8, 8))
        value = rec[node].clone()
        value[:, 0] = 0
        dyn = cm.run_from(node, value, rec)
    fx_cm = capture_model(cm.model, torch.zeros(1, 3, 8, 8), method="fx")
    with torch.inference_mode():
        fx_out = fx_cm.run_from(node, value, fx_cm.run(rec["input"].clone()))
    assert set(dyn) == set(fx_out)
    for k in dyn:
        assert torch.allclose(dyn[k], fx_out[k], atol=1e-6), k


def test_values_changed_in_place_before_a_later_read_are_replayed():
    cm = capture_model(InPlaceReader().eval(), torch.zeros(1, 3, 8, 8), method="fx")
    assert _replays_exactly(cm, torch.randn(1, 3, 8, 8)) == len(cm.graph) - 1


def test_channels_last_layers_are_replayed_through_their_displayed_view():
    cm = capture_model(ChannelsLastBlock().eval(), torch.zeros(1, 3, 8, 8))
    assert cm._displays, "the test needs a node shown through a permutation"
    assert _replays_exactly(cm, torch.randn(1, 3, 8, 8)) == len(cm.graph) - 1
    node = next(iter(cm._displays))
    with torch.inference_mode():
        rec = cm.run(torch.randn(1, 3, 8, 8))
        value = rec[node].clone()
        value[:, 2] = 0
        out = cm.run_from(node, value, rec)
        full = cm.run(rec["input"].clone(), edits={node: ZeroChannels((2,))})
    assert out[node][:, 2].abs().sum() == 0
    for k, v in out.items():
        assert torch.allclose(v, full[k], atol=1e-6), k


def test_a_replaced_value_changes_only_later_nodes_and_matches_a_hooked_forward_pass(net):
    model, cm = net.model, net.captured
    x = torch.randn(1, 3, 32, 32)
    with torch.inference_mode():
        rec = cm.run(x)
    node = "layer2.1.conv2"  # conv2 · bn2: its output is bn2's (a module called once, so a hook can zero it)
    value = rec[node].clone()
    value[:, [3, 17]] = 0

    def zero(module, args, output):
        output = output.clone()
        output[:, [3, 17]] = 0
        return output

    handle = model.layer2[1].bn2.register_forward_hook(zero)
    try:
        with torch.inference_mode():
            brute = cm.run(x.clone())
    finally:
        handle.remove()
    with torch.inference_mode():
        out = cm.run_from(node, value, rec)
    later = set(downstream(cm, [node]))
    assert len(later) > 5
    for k in rec:
        if k in later:
            assert torch.allclose(out[k], brute[k], atol=1e-5), k
        else:
            assert torch.equal(brute[k], rec[k]), f"{k} is not after {node} but changed"
    assert not torch.equal(out["output"], rec["output"])


def test_a_batch_of_variants_runs_at_once(net):
    cm = net.captured
    with torch.inference_mode():
        rec = cm.run(torch.randn(1, 3, 32, 32))
        value = rec["layer1.0.conv1"].repeat(3, 1, 1, 1)
        for i in range(3):
            value[i, i] = 0
        both = cm.run_from("layer1.0.conv1", value, rec, record={"layer1.0.conv2"}, stop_after="layer1.0.conv2")
        single = cm.run_from("layer1.0.conv1", value[1:2], rec, record={"layer1.0.conv2"})
    assert set(both) == {"layer1.0.conv2"}
    assert both["layer1.0.conv2"].shape[0] == 3
    assert torch.allclose(both["layer1.0.conv2"][1:2], single["layer1.0.conv2"], atol=1e-6)


def test_replay_needs_a_full_recording(net):
    cm = net.captured
    with torch.inference_mode():
        rec = cm.run(torch.randn(1, 3, 32, 32), record={"layer1.0.conv1"})
        with pytest.raises(EditError, match="record every layer"):
            cm.run_from("layer1.0.conv1", rec["layer1.0.conv1"], rec)
