"""Graph capture on the architectures the 3D view must handle, with both capture methods."""

import warnings

import pytest
import torch
import torchvision

from layerwalk.capture import capture_model

MODELS = {  # name → input size
    "resnet18": 224, "resnet50": 224, "densenet121": 224, "googlenet": 224, "inception_v3": 299,
    "mobilenet_v3_large": 224, "efficientnet_b0": 224, "convnext_tiny": 224, "vgg16": 224,
}


@pytest.fixture(scope="module")
def captured():
    cache = {}

    def get(name, method):
        if (name, method) not in cache:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)
                model = torchvision.models.get_model(name, weights=None).eval()
            size = MODELS[name]
            cache[name, method] = capture_model(model, torch.zeros(1, 3, size, size), method=method)
        return cache[name, method]
    return get


def _assert_dag(graph):
    seen = set()
    for node in graph:
        assert all(p in seen for p in node.precursors), f"{node.id} comes before one of its precursors"
        seen.add(node.id)
    assert graph.nodes[0].kind == "input" and graph.nodes[-1].kind == "output"


def _assert_reachable(graph):
    reached = {"input"}
    for node in graph.nodes[1:]:
        assert node.precursors, f"{node.id} has no precursor"
        if any(p in reached for p in node.precursors):
            reached.add(node.id)
    assert reached == {n.id for n in graph}, "nodes not reachable from the input"


def _real_shapes(model, size, graph):
    """Shapes of the named modules' outputs from an independent forward pass with plain hooks."""
    shapes, handles, called = {}, [], {}

    def hook_for(path):
        def hook(module, args, output):
            called[path] = sum(p.numel() for p in module.parameters(recurse=False))
            if torch.is_tensor(output):
                shapes.setdefault(path, tuple(output.shape[1:]))
        return hook
    for path, module in model.named_modules():
        if path:
            handles.append(module.register_forward_hook(hook_for(path)))
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    for h in handles:
        h.remove()
    return shapes, sum(called.values())


def _as_panel(shape):
    """(H, W, C) of a square input (ConvNeXt's channels-last Linear layers) is shown as (C, H, W)."""
    if len(shape) == 3 and shape[0] == shape[1] != shape[2]:
        return (shape[2], shape[0], shape[1])
    return shape


@pytest.mark.parametrize("method", ["fx", "dynamic"])
@pytest.mark.parametrize("name", list(MODELS))
def test_graph_is_a_dag_reachable_from_input_with_real_shapes(captured, name, method):
    cm = captured(name, method)
    graph = cm.graph
    assert graph.method == method
    _assert_dag(graph)
    _assert_reachable(graph)
    size = MODELS[name]
    with torch.no_grad():
        outputs = cm.run(torch.randn(2, 3, size, size))
    for node in graph:
        if node.has_activation:
            assert tuple(outputs[node.id].shape) == (2, *node.shape), node.id
    real, called_params = _real_shapes(cm.model, size, graph)
    for node in graph:  # unfolded module nodes must match an independent forward pass
        if node.kind in ("pool", "linear") and node.name in real and not node.folded:
            assert _as_panel(real[node.name]) == node.shape, node.id
    assert graph.node("output").shape == (1000,)
    assert graph.total_params == called_params  # every parameter used in forward, counted once


def test_fx_and_dynamic_agree_on_resnet50(captured):
    fx_graph, dyn_graph = captured("resnet50", "fx").graph, captured("resnet50", "dynamic").graph
    assert [(n.id, n.kind, n.shape, n.precursors) for n in fx_graph] == \
           [(n.id, n.kind, n.shape, n.precursors) for n in dyn_graph]


def test_resnet50_has_16_residual_adds(captured):
    adds = [n for n in captured("resnet50", "fx").graph if n.kind == "add"]
    assert len(adds) == 16
    assert all(len(n.precursors) == 2 for n in adds)
    assert adds[0].id == "layer1.0.add" and "relu" in adds[0].label


def test_googlenet_has_9_four_way_concats(captured):
    concats = [n for n in captured("googlenet", "fx").graph if n.kind == "concat"]
    assert len(concats) == 9
    assert all(len(n.precursors) == 4 for n in concats)


def test_densenet121_a_concat_feeds_every_dense_layer(captured):
    graph = captured("densenet121", "fx").graph
    dense_convs = [n for n in graph if n.kind == "conv" and n.name.endswith(".conv1") and ".denselayer" in n.name]
    assert len(dense_convs) == 58
    for conv in dense_convs:
        (pre,) = conv.precursors
        assert graph.node(pre).kind == "concat", conv.id


def test_layers_detail_folds_conv_norm_act(captured):
    graph = captured("resnet18", "fx").graph
    conv1 = graph.node("conv1")
    assert conv1.folded == ("bn1", "relu") and conv1.label == "conv 7×7/64 s2 · bn · relu"
    assert conv1.params == 64 * 3 * 7 * 7 + 2 * 64 and conv1.module == "conv1"
    assert not any(n.kind in ("norm", "act", "flatten", "reshape") for n in graph)


def test_efficientnet_squeeze_excitation_multiplies(captured):
    graph = captured("efficientnet_b0", "fx").graph
    muls = [n for n in graph if n.kind == "mul"]
    assert len(muls) == 16 and all(len(n.precursors) == 2 for n in muls)
    assert not any(n.kind in ("op", "module") for n in graph)


def test_ops_detail_shows_every_op():
    model = torchvision.models.resnet18().eval()
    graph = capture_model(model, torch.zeros(1, 3, 64, 64), detail="ops").graph
    kinds = [n.kind for n in graph]
    assert kinds.count("norm") == 20 and kinds.count("flatten") == 1
    assert graph.node("bn1").precursors == ("conv1",)
    assert graph.node("layer1.0.relu:1").precursors == ("layer1.0.add",)  # the module called twice: two nodes
