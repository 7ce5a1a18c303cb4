"""A zoo of real architectures (torchvision and timm, random weights, small inputs): every panel must MEAN what it
says, not only have the right number of elements.

The sample covers every failure family of issue 18: classic CNNs, channels-last blocks (ConvNeXt, EdgeNeXt,
CoAtNet-style), token models (ViT, DeiT, CaiT, Mixer), window attention with the batch folded into dim 0 (Swin,
MaxViT, TinyViT), leaves returning tuples (torchvision ViT's nn.MultiheadAttention), traces that cannot be re-run
(LeViT, EfficientFormer) and functional weight standardisation (NFNet). Per model: capture with both methods and
both details, shapes and values against plain hooks, batch 1 and 2, the (C, H, W) meaning check, fx and dynamic
agreeing on the layers, layout without overlaps, no hooks left, the same graph on re-capture.
"""

import warnings

import pytest
import timm
import torch
import torchvision
from torch import nn
from torchvision.models.convnext import CNBlockConfig

from layerwalk.capture import capture_model
from layerwalk.errors import CaptureError
from layerwalk.layout import layout_graph
from tests.layout.checks import assert_no_overlaps

pytestmark = pytest.mark.slow

# (source, name, input side, builder options): small variants (fewer blocks, narrower) of the same code at small
# inputs, chosen per failure family; 10 classes. torchvision's transformers are built from their classes.
ZOO = [
    ("torchvision", "resnet18", 32, {}),
    ("torchvision", "googlenet", 32, {"aux_logits": False, "init_weights": False}),     # four-way concats
    ("torchvision", "DenseNet", 32, {"growth_rate": 8, "block_config": (2, 2), "num_init_features": 16}),
    ("torchvision", "mobilenet_v3_small", 32, {}),
    ("torchvision", "efficientnet_b0", 32, {}),
    ("torchvision", "shufflenet_v2_x0_5", 32, {}),
    ("torchvision", "squeezenet1_1", 64, {}),
    ("torchvision", "regnet_x_400mf", 32, {}),
    ("torchvision", "ConvNeXt", 32, {"block_setting": "convnext"}),                   # channels last
    ("torchvision", "SwinTransformer", 32, {"patch_size": [4, 4], "embed_dim": 16, "depths": [2, 2],
                                            "num_heads": [2, 4], "window_size": [4, 4]}),  # window attention
    ("torchvision", "VisionTransformer", 32, {"image_size": 32, "patch_size": 8, "num_layers": 2, "num_heads": 2,
                                              "hidden_dim": 32, "mlp_dim": 64}),       # nn.MultiheadAttention
    ("torchvision", "MaxVit", 32, {"input_size": (32, 32), "stem_channels": 16, "partition_size": 2,
                                   "block_channels": [16, 32], "block_layers": [1, 1], "head_dim": 8,
                                   "stochastic_depth_prob": 0.0}),                    # windows and grids
    ("timm", "convnext_atto", 32, {}),
    ("timm", "edgenext_xx_small", 64, {}),                                            # channels last + attention
    ("timm", "coatnet_nano_rw_224", 64, {"img_size": 64}),
    ("timm", "maxvit_nano_rw_256", 64, {"img_size": 64}),
    ("timm", "swin_tiny_patch4_window7_224", 32, {"img_size": 32, "window_size": 4, "embed_dim": 16,
                                                  "depths": (2, 2), "num_heads": (2, 4)}),
    ("timm", "vit_tiny_patch16_224", 32, {"img_size": 32, "depth": 2}),               # tokens with a class token
    ("timm", "deit_tiny_distilled_patch16_224", 32, {"img_size": 32, "depth": 2}),
    ("timm", "cait_xxs24_224", 32, {"img_size": 32, "depth": 2}),                     # class attention
    ("timm", "levit_128s", 64, {"img_size": 64}),                                     # Proxy cached in a dict
    ("timm", "nf_regnet_b0", 32, {}),                                                 # weight standardisation
    ("timm", "poolformer_s12", 32, {}),
    ("timm", "mobilevit_xxs", 64, {}),                                                # unfold/fold patches
    ("timm", "regnety_002", 32, {}),
    ("timm", "ghostnet_100", 32, {}),
    ("timm", "repvit_m0_9", 32, {}),
    ("timm", "resnet18d", 32, {}),
    ("timm", "efficientnet_b0", 32, {}),
    ("timm", "dla34", 32, {}),                                                        # aggregation trees
]


def _build(source: str, name: str, options: dict) -> nn.Module:
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if source == "timm":
            return timm.create_model(name, pretrained=False, num_classes=10, **options).eval()
        if name[0].isupper():  # a class of torchvision.models, built small
            if options.get("block_setting") == "convnext":
                options = {"block_setting": [CNBlockConfig(16, 32, 2), CNBlockConfig(32, None, 1)]}
            return getattr(torchvision.models, name)(num_classes=10, **options).eval()
        return torchvision.models.get_model(name, weights=None, num_classes=10, **options).eval()


@pytest.fixture(scope="module", params=ZOO, ids=[f"{s}:{n}" for s, n, _, _ in ZOO])
def zoo_model(request):
    source, name, side, options = request.param
    model = _build(source, name, options)
    x = torch.randn(2, 3, side, side, generator=torch.Generator().manual_seed(1))
    return model, x


def _capture(model, x, method, detail="layers"):
    try:
        return capture_model(model, torch.zeros(1, *x.shape[1:]), detail=detail, method=method)
    except CaptureError:
        if method == "fx":
            return None  # torch.fx cannot trace it: the dynamic path is the one that counts
        raise


def _plain_hook_outputs(model, x):
    """Every leaf module's output from an independent forward pass with ordinary forward hooks."""
    outputs, handles = {}, []

    def keep(path):
        def hook(module, args, out):  # returns None: a hook's return value would replace the output
            if torch.is_tensor(out):
                outputs.setdefault(path, out)
        return hook
    for path, module in model.named_modules():
        if path:
            handles.append(module.register_forward_hook(keep(path)))
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()
    return outputs


def _assert_meaning(model, graph):
    """A 2-D feature map of a square input is (C, H, W) with H == W; a conv's C is its out_channels."""
    modules = dict(model.named_modules())
    for node in graph:
        if len(node.shape) == 3:
            assert node.shape[1] == node.shape[2], f"{node.id}: {node.shape} is not (C, H, W) of a square input"
        module = modules.get(node.module) if node.module else None
        if node.kind == "conv" and isinstance(module, nn.Conv2d) and len(node.shape) == 3:
            assert node.shape[0] == module.out_channels, f"{node.id}: {node.shape} vs conv/{module.out_channels}"
        if node.kind == "linear" and isinstance(module, nn.Linear) and len(node.shape) == 3 and not node.folded:
            assert node.shape[0] == module.out_features, f"{node.id}: {node.shape} vs linear/{module.out_features}"


def _assert_records(cm, model, x):
    with torch.no_grad():
        one, two = cm.run(x[:1]), cm.run(x)
    hooks = _plain_hook_outputs(model, x)
    for node in cm.graph:
        if not node.has_activation:
            continue
        assert tuple(one[node.id].shape) == (1, *node.shape), node.id    # batch 1 and 2 give the same shapes
        assert tuple(two[node.id].shape) == (2, *node.shape), node.id
        raw = hooks.get(node.name)
        if raw is not None and not node.folded and node.kind not in ("output", "input"):
            # the same values, whatever the layout the panel shows them in
            assert torch.allclose(two[node.id].flatten().sort().values, raw.flatten().sort().values,
                                  atol=1e-5, rtol=1e-4), node.id


def _weighted_layers(graph):
    return {n.module for n in graph if n.params}


def _assert_no_hooks(model):
    for module in model.modules():
        assert not module._forward_hooks and not module._forward_pre_hooks
    assert not torch.overrides._get_current_function_mode_stack()


def test_zoo(zoo_model):
    model, x = zoo_model
    graphs = {}
    for method in ("fx", "dynamic"):
        cm = _capture(model, x, method)
        if cm is None:
            continue
        _assert_no_hooks(model)
        _assert_meaning(model, cm.graph)
        _assert_records(cm, model, x)
        graphs[method] = cm.graph
    if "fx" in graphs and not graphs["fx"].notes and not graphs["dynamic"].notes:
        assert _weighted_layers(graphs["fx"]) == _weighted_layers(graphs["dynamic"])
    auto = capture_model(model, torch.zeros(1, *x.shape[1:]))
    assert auto.graph.to_dict() == graphs[auto.method].to_dict()       # the same graph on re-capture
    ops = capture_model(model, torch.zeros(1, *x.shape[1:]), detail="ops").graph
    _assert_meaning(model, ops)
    assert {n.module for n in ops if n.params} >= _weighted_layers(auto.graph)
    assert_no_overlaps(layout_graph(auto.graph))
    _assert_no_hooks(model)
