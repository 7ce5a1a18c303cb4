"""Capture on small hand-built models: every construct the issue names, with values that can be checked."""

import threading

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import layerwalk
from layerwalk.capture import capture_model
from layerwalk.errors import CaptureError


class InplaceResidual(nn.Module):
    """``out += identity`` and an in-place ReLU: the recorded conv output must be the value before the add."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 1, bias=False)
        self.relu = nn.ReLU(inplace=True)
        nn.init.constant_(self.conv.weight, -1.0)

    def forward(self, x):
        out = self.conv(x)
        out += x
        out = self.relu(out)
        return out.flatten(1)


class Functional(nn.Module):
    """Functional ops only, a module called twice, and a Python branch on a tensor value."""

    def __init__(self, branch_on_value=False):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.branch_on_value = branch_on_value
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        a = F.relu(self.conv(x))
        b = self.conv(x)                 # the same module, called twice → two nodes
        if self.branch_on_value and b.sum() > 1e9:   # data-dependent control flow: torch.fx cannot trace it
            b = b * 2
        y = torch.cat([a, b], dim=1) + 1.0
        return self.fc(y.mean((2, 3)))


@pytest.mark.parametrize("method", ["fx", "dynamic"])
def test_inplace_ops_record_values_before_they_are_overwritten(method):
    model = InplaceResidual()
    cm = capture_model(model, torch.zeros(1, 1, 2, 2), detail="ops", method=method)
    x = torch.tensor([[[[1.0, 2.0], [3.0, -4.0]]]])
    with torch.no_grad():
        out = cm.run(x)
    assert torch.equal(out["conv"], -x)                      # before ``out += x`` changed it in place
    assert torch.equal(out["relu"], torch.zeros_like(x))     # -x + x = 0, relu → 0
    kinds = [n.kind for n in cm.graph]
    assert kinds == ["input", "conv", "add", "act", "flatten", "output"]


@pytest.mark.parametrize("method", ["fx", "dynamic"])
def test_functional_ops_and_module_called_twice(method):
    cm = capture_model(Functional(), torch.zeros(1, 3, 8, 8), detail="ops", method=method)
    g = cm.graph
    assert [n.id for n in g if n.kind == "conv"] == ["conv", "conv:1"]
    assert g.node("relu").precursors == ("conv",)
    cat = next(n for n in g if n.kind == "concat")
    assert cat.precursors == ("relu", "conv:1") and cat.shape == (8, 8, 8)
    add = next(n for n in g if n.kind == "add")
    assert add.precursors == (cat.id,)
    assert g.node("fc").shape == (2,)


def test_control_flow_falls_back_to_the_executed_graph():
    cm = capture_model(Functional(branch_on_value=True), torch.zeros(1, 3, 8, 8))
    assert cm.graph.method == "dynamic"
    with torch.no_grad():
        out = cm.run(torch.randn(3, 3, 8, 8))
    assert out["output"].shape == (3, 2)
    assert torch.allclose(out["output"].sum(1), torch.ones(3))


class ScalarGate(nn.Module):
    """Branches on a scalar computed from an activation (and scales by another): scalars are not layers."""

    def __init__(self):
        super().__init__()
        self.a, self.b, self.fc = nn.Conv2d(3, 4, 3), nn.Conv2d(4, 4, 3), nn.Linear(4, 2)

    def forward(self, x):
        y = torch.relu(self.a(x))
        if y.mean() > -1e9:
            y = self.b(y) / (y.std() + 1)
        return self.fc(y.mean((2, 3)))


@pytest.mark.parametrize("example_batch", [1, 2])
def test_scalars_computed_for_control_flow_are_not_nodes(example_batch):
    cm = capture_model(ScalarGate(), torch.zeros(example_batch, 3, 10, 10))
    assert cm.graph.method == "dynamic"
    assert all(n.shape != () for n in cm.graph), [(n.id, n.shape) for n in cm.graph]
    net = layerwalk.Network(ScalarGate(), input_size=(3, 10, 10), mean=(0.5,) * 3, std=(0.25,) * 3)
    assert set(net.snapshot.activations) >= {"a", "b", "output"}


def test_capture_leaves_no_hooks_and_no_function_mode():
    model = Functional(branch_on_value=True)
    cm = capture_model(model, torch.zeros(1, 3, 8, 8))
    cm.run(torch.zeros(1, 3, 8, 8), stop_after="conv")
    for m in model.modules():
        assert not m._forward_hooks and not m._forward_pre_hooks
    assert not torch.overrides._get_current_function_mode_stack()
    model(torch.zeros(1, 3, 8, 8))  # still an ordinary module


def test_stop_after_returns_early():
    cm = capture_model(Functional(), torch.zeros(1, 3, 8, 8))
    out = cm.run(torch.zeros(1, 3, 8, 8), stop_after="conv")
    assert "conv" in out and "output" not in out and "fc" not in out


def test_unknown_layer_in_stop_after_is_a_clear_error():
    cm = capture_model(Functional(), torch.zeros(1, 3, 8, 8))
    with pytest.raises(layerwalk.errors.NotFoundError, match="no layer 'nope'.*layers: input"):
        cm.run(torch.zeros(1, 3, 8, 8), stop_after="nope")


def test_model_that_fails_on_the_example_names_the_input_size():
    with pytest.raises(CaptureError, match=r"input of shape \(1, 1, 8, 8\).*--input-size"):
        capture_model(Functional(), torch.zeros(1, 1, 8, 8))


class Tracked(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3)
        self.conv2 = nn.Conv2d(3, 4, 3)
        self.head = layerwalk.Marker("two branches")
        self.t1 = layerwalk.Tracker("left", tracked_module=self.conv1)
        self.t2 = layerwalk.Tracker("right")
        self.t_sum = layerwalk.Tracker("sum", precursors=[self.t1, "right"])
        self.t_pool = layerwalk.Tracker("pooled")
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        x = self.head(x)
        s = self.t_sum(self.t1(self.conv1(x)) + self.t2(F.relu(self.conv2(x))))
        return self.fc(self.t_pool(s.mean((2, 3))))


@pytest.mark.parametrize("method", ["fx", "dynamic"])
def test_trackers_and_markers_are_the_only_nodes(method):
    cm = capture_model(Tracked(), torch.zeros(1, 3, 8, 8), method=method)
    g = cm.graph
    assert g.method == "trackers"
    assert [(n.id, n.kind) for n in g] == [("input", "input"), ("head", "marker"), ("t1", "tracker"),
                                          ("t2", "tracker"), ("t_sum", "tracker"), ("t_pool", "tracker"),
                                          ("output", "output")]
    assert g.node("t1").name == "left" and g.node("t1").module == "conv1" and g.node("t1").params == 4 * 27 + 4
    assert g.node("t1").precursors == ("head",)        # inferred through the marker
    assert g.node("t_sum").precursors == ("t1", "t2")   # explicit, by object and by name
    assert g.node("head").text == "two branches" and not g.node("head").has_activation
    assert g.node("output").precursors == ("t_pool",)
    out = cm.run(torch.randn(1, 3, 8, 8))
    assert set(out) == {"input", "t1", "t2", "t_sum", "t_pool", "output"}


def test_models_can_be_built_and_captured_concurrently():
    graphs, errors = [], []

    def work():
        try:
            graphs.append([n.id for n in layerwalk.capture(Tracked(), torch.zeros(1, 3, 8, 8))])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(graphs) == 8 and all(g == graphs[0] for g in graphs)


def test_graph_round_trips_through_json():
    g = layerwalk.capture(Tracked(), torch.zeros(1, 3, 8, 8))
    again = type(g).from_dict(g.to_dict())
    assert again == g


def test_dynamic_recording_in_two_threads_on_one_model_does_not_mix():
    """A feature-visualization job and a new input may run the same model at once."""
    model = Functional(branch_on_value=True)
    cm = capture_model(model, torch.zeros(1, 3, 8, 8))
    assert cm.graph.method == "dynamic"
    xs = [torch.randn(1, 3, 8, 8) for _ in range(2)]
    expected = [cm.run(x)["fc"] for x in xs]
    bad = []

    def work(i):
        for _ in range(20):
            if not torch.allclose(cm.run(xs[i])["fc"], expected[i]):
                bad.append(i)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not bad


@pytest.mark.parametrize("method", ["fx", "dynamic"])
@pytest.mark.parametrize("first", ["layers", "ops"])
def test_graph_at_the_other_detail_equals_a_second_capture(method, first):
    """``graph_at`` folds the same capture again (receptive fields use both details of one capture)."""
    import torchvision

    model, x = torchvision.models.resnet18(num_classes=3), torch.zeros(1, 3, 32, 32)
    cm = capture_model(model, x, detail=first, method=method)
    for detail in ("layers", "ops"):
        assert cm.graph_at(detail) == capture_model(model, x, detail=detail, method=method).graph
    assert cm.graph_at(first) is cm.graph
    assert len(cm.graph_at("ops")) > len(cm.graph_at("layers"))


@pytest.mark.parametrize("method", ["fx", "dynamic"])
def test_consumed_outputs_equal_recorded_ones_even_when_changed_in_place_later(method):
    """``run(consume=…)`` hands each output over as it is produced (nothing kept): the values are what ``run``
    records — the conv's output before ``out += x`` overwrites it — and the model output comes last."""
    model = InplaceResidual()
    cm = capture_model(model, torch.zeros(1, 1, 2, 2), detail="ops", method=method)
    x = torch.tensor([[[[1.0, 2.0], [3.0, -4.0]]]])
    seen: list[tuple[str, torch.Tensor]] = []
    with torch.no_grad():
        recorded = cm.run(x)
        kept = cm.run(x, consume=lambda k, v: seen.append((k, v.clone())))
    assert kept == {}
    assert [k for k, _ in seen] == [n.id for n in cm.graph]   # in graph order, the model output last
    for k, v in seen:
        assert torch.equal(v, recorded[k]), k
    assert torch.equal(dict(seen)["conv"], -x)
