"""A zoo of real architectures: EVERY torchvision classification builder (``list_models(module=torchvision.models)``,
80 in torchvision 0.29; how each one is built is written above ``TORCHVISION_SIDES``) and 38 timm models across
families (random weights, small inputs): every panel must MEAN what it says, not only have the right number of
elements.

The sample covers every failure family of issue 18: classic CNNs, channels-last blocks (ConvNeXt, EdgeNeXt,
CoAtNet-style, MambaOut), token models (ViT, DeiT, CaiT, XCiT, EVA-02, Mixer), window attention with the batch folded
into dim 0 (Swin, MaxViT, TinyViT), leaves returning tuples (torchvision ViT's nn.MultiheadAttention), traces that
cannot be re-run (LeViT, EfficientFormer) and functional weight standardisation (NFNet, BiT's StdConv2d). Per model:
capture with both methods and both details, shapes and values against plain hooks, batch 1 and 2, the (C, H, W)
meaning check, fx and dynamic agreeing on the layers, layout without overlaps, no hooks left, the same graph on
re-capture.

Runtime (118 models, torch 2.14 on CPU, one thread): 156 s of CPU time for the whole file (user 150.9 s + sys 5.2 s,
``/usr/bin/time -v nice -n 19 .venv/bin/pytest tests/capture/test_zoo.py``), about 1.3 s per model; the heaviest
are timm mobileone_s0 (~9 s), resnetv2_50x1_bit and maxvit_nano_rw_256 (~3-4 s). On an idle 2-core machine the wall
time is about the CPU time (~2.6 min); measured on the shared 2-core machine at load average 17 it was 34.5 min of
wall time at 7 % of a core. The earlier 30-model zoo took 239 s of CPU (two threads spinning on a busy machine).
"""

import contextlib
import copy
import inspect
import warnings
from unittest import mock

import pytest
import timm
import torch
import torchvision.models as tvm
from torch import nn
from torchvision.models.convnext import CNBlockConfig
from torchvision.models.regnet import BlockParams

from layerwalk.capture import capture_model
from layerwalk.errors import CaptureError
from layerwalk.layout import layout_graph
from tests.layout.checks import assert_no_overlaps

pytestmark = pytest.mark.slow

# Every torchvision classification builder, at the smallest input its architecture takes, 10 classes. Each one is
# built by ITS OWN builder (``get_model(name, weights=None, num_classes=10)``): its block types and options, its code.
# Builders marked ``NARROW`` are too slow at full size for CI (tens to hundreds of millions of parameters, or
# hundreds of layers); they run with their family's class constructor narrowed (``_NARROWING``): fewer blocks per
# stage and/or narrower stages, every other argument as the builder passes it. How each family is covered:
#   alexnet, googlenet, inception_v3, mnasnet*, mobilenet_v2/v3*, shufflenet_v2*, squeezenet*, efficientnet_b0,
#     regnet_x/y_400mf, resnet18, resnet50, vgg11: as built, full size.
#   convnext_*: ConvNeXt at 1/8 width, <= 2 blocks per stage (CNBlock, layer scale, channels-last LayerNorm kept).
#   densenet*: DenseNet with growth rate and stem at 1/4, <= 2 dense layers per block (concat structure kept).
#   efficientnet_b1-b7, efficientnet_v2_*: EfficientNet with <= 2 blocks per stage (MBConv/FusedMBConv, SE, widths
#     kept).
#   regnet_* (other than 400mf): RegNet with <= 2 blocks per stage, widths and group widths at 1/8 (SE kept).
#   resnet34/101/152, resnext*, wide_resnet*: ResNet with <= 2 blocks per stage (block type, groups, width kept).
#   swin_*/swin_v2_*: SwinTransformer at 1/4 embedding width, <= 2 blocks per stage (shifted windows kept).
#   vit_*: VisionTransformer with 1 encoder layer of 8 dims per head, 2x2 patches (class token kept).
#   maxvit_t: MaxVit at 1/4 width, 1 block per stage, partition 2 on a 64-px input (a 7-partition needs 224 px).
#   vgg* (other than vgg11): the builder's features; VGG's classifier (no width option: 120M parameters) 64 wide.
TORCHVISION_SIDES = {"alexnet": 64, "inception_v3": 75, "squeezenet1_0": 64, "squeezenet1_1": 64,
                     "vit_b_32": 64, "vit_l_32": 64, "vit_h_14": 28, "maxvit_t": 64}  # the rest: 32 px
NARROW = {
    "convnext_tiny", "convnext_small", "convnext_base", "convnext_large",
    "densenet121", "densenet161", "densenet169", "densenet201",
    "efficientnet_b1", "efficientnet_b2", "efficientnet_b3", "efficientnet_b4", "efficientnet_b5", "efficientnet_b6",
    "efficientnet_b7", "efficientnet_v2_s", "efficientnet_v2_m", "efficientnet_v2_l",
    "regnet_x_800mf", "regnet_x_1_6gf", "regnet_x_3_2gf", "regnet_x_8gf", "regnet_x_16gf", "regnet_x_32gf",
    "regnet_y_800mf", "regnet_y_1_6gf", "regnet_y_3_2gf", "regnet_y_8gf", "regnet_y_16gf", "regnet_y_32gf",
    "regnet_y_128gf",
    "resnet34", "resnet101", "resnet152", "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d",
    "wide_resnet50_2", "wide_resnet101_2",
    "swin_t", "swin_s", "swin_b", "swin_v2_t", "swin_v2_s", "swin_v2_b",
    "vit_b_16", "vit_b_32", "vit_l_16", "vit_l_32", "vit_h_14", "maxvit_t",
    "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
}
TORCHVISION = [("torchvision", name, TORCHVISION_SIDES.get(name, 32), {})
               for name in tvm.list_models(module=tvm)]

# timm: one or more models per family, small variants (fewer blocks, narrower) at small inputs, chosen per failure
# family.
TIMM = [
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
    ("timm", "mixer_s16_224", 32, {"img_size": 32}),                                  # token-mixing MLPs
    ("timm", "xcit_nano_12_p16_224", 32, {"img_size": 32, "depth": 2}),               # cross-covariance attention
    ("timm", "pvt_v2_b0", 32, {}),                                                    # spatial-reduction attention
    ("timm", "eva02_tiny_patch14_224", 28, {"img_size": 28, "depth": 2}),             # rotary position embedding
    ("timm", "efficientformer_l1", 224, {"depths": (1, 1, 1, 1), "embed_dims": (16, 32, 48, 64)}),  # fixed 7x7 bias
    ("timm", "efficientvit_b0", 32, {}),                                              # linear attention
    ("timm", "tiny_vit_5m_224", 64, {}),                                              # window attention
    ("timm", "mobileone_s0", 32, {}),                                                 # re-parameterisable branches
    ("timm", "mobilenetv4_conv_small", 32, {}),
    ("timm", "rexnet_100", 32, {}),
    ("timm", "hgnetv2_b0", 32, {}),
    ("timm", "dpn68", 32, {}),                                                        # dual path: split + concat
    ("timm", "ese_vovnet19b_slim", 32, {}),                                           # one-shot aggregation
    ("timm", "resnest14d", 32, {}),                                                   # split attention (radix)
    ("timm", "skresnet18", 32, {}),                                                   # selective kernels
    ("timm", "hrnet_w18_small", 32, {}),                                              # multi-resolution fusion
    ("timm", "mambaout_femto", 32, {}),                                               # gated convs, channels last
    ("timm", "starnet_s1", 32, {}),
    ("timm", "gernet_s", 32, {}),
    ("timm", "resnetv2_50x1_bit", 32, {}),                                            # StdConv2d
]
ZOO = TORCHVISION + TIMM


def _scaled_convnext(args):
    args["block_setting"] = [CNBlockConfig(c.input_channels // 8, c.out_channels and c.out_channels // 8,
                                           min(c.num_layers, 2)) for c in args["block_setting"]]


def _scaled_densenet(args):
    args["growth_rate"] //= 4
    args["num_init_features"] //= 4
    args["block_config"] = tuple(min(n, 2) for n in args["block_config"])


def _scaled_efficientnet(args):
    setting = [copy.copy(c) for c in args["inverted_residual_setting"]]
    for c in setting:
        c.num_layers = min(c.num_layers, 2)
    args["inverted_residual_setting"] = setting


def _scaled_regnet(args):
    p = args["block_params"]
    args["block_params"] = BlockParams([min(d, 2) for d in p.depths], [w // 8 for w in p.widths],
                                       [g // 8 for g in p.group_widths], p.bottleneck_multipliers, p.strides,
                                       p.se_ratio)


def _scaled_resnet(args):
    args["layers"] = [min(n, 2) for n in args["layers"]]


def _scaled_swin(args):
    args["embed_dim"] //= 4
    args["depths"] = [min(d, 2) for d in args["depths"]]


def _scaled_vit(args):
    hidden = args["num_heads"] * 8
    args["mlp_dim"] = args["mlp_dim"] * hidden // args["hidden_dim"]
    args["hidden_dim"], args["num_layers"] = hidden, 1
    args["image_size"] = 2 * args["patch_size"]


def _scaled_maxvit(args):
    args["stem_channels"] //= 4
    args["block_channels"] = [c // 4 for c in args["block_channels"]]
    args["block_layers"] = [1] * len(args["block_layers"])
    args["head_dim"], args["partition_size"], args["input_size"] = 8, 2, (64, 64)


# (torchvision module, class the builder calls, rewrite of the constructor arguments)
_NARROWING = {
    "convnext": (tvm.convnext, "ConvNeXt", _scaled_convnext),
    "densenet": (tvm.densenet, "DenseNet", _scaled_densenet),
    "efficientnet": (tvm.efficientnet, "EfficientNet", _scaled_efficientnet),
    "regnet": (tvm.regnet, "RegNet", _scaled_regnet),
    "resnet": (tvm.resnet, "ResNet", _scaled_resnet),
    "resnext": (tvm.resnet, "ResNet", _scaled_resnet),
    "wide": (tvm.resnet, "ResNet", _scaled_resnet),
    "swin": (tvm.swin_transformer, "SwinTransformer", _scaled_swin),
    "vit": (tvm.vision_transformer, "VisionTransformer", _scaled_vit),
    "maxvit": (tvm.maxvit, "MaxVit", _scaled_maxvit),
}


@contextlib.contextmanager
def _narrowed(name: str):
    """While the builder of ``name`` runs, its family's class takes the narrowed arguments."""
    if name.startswith("vgg"):
        with mock.patch.object(tvm.vgg, "VGG", _vgg_with_narrow_classifier):
            yield
        return
    module, cls_name, rewrite = next(v for family, v in _NARROWING.items() if name.startswith(family))
    cls = getattr(module, cls_name)
    signature = inspect.signature(cls)

    def build(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        rewrite(bound.arguments)
        return cls(*bound.args, **bound.kwargs)
    with mock.patch.object(module, cls_name, build):
        yield


_VGG = tvm.vgg.VGG


def _vgg_with_narrow_classifier(features: nn.Module, **kwargs) -> nn.Module:
    with torch.device("meta"):  # VGG's 4096-wide classifier is never allocated
        model = _VGG(nn.Identity(), **kwargs)
    model.features = features
    linears = [i for i, m in enumerate(model.classifier) if isinstance(m, nn.Linear)]
    for i in linears:
        old = model.classifier[i]
        model.classifier[i] = nn.Linear(old.in_features if i == linears[0] else 64,
                                        old.out_features if i == linears[-1] else 64)
    return model


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    """Small inputs gain nothing from threads, and on a busy machine idle OpenMP threads spin (100x the CPU time)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _build(source: str, name: str, options: dict) -> nn.Module:
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if source == "timm":
            return timm.create_model(name, pretrained=False, num_classes=10, **options).eval()
        with _narrowed(name) if name in NARROW else contextlib.nullcontext():
            return tvm.get_model(name, weights=None, num_classes=10, **options).eval()


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


def test_the_zoo_holds_every_torchvision_builder():
    names = set(tvm.list_models(module=tvm))
    assert {name for source, name, _, _ in ZOO if source == "torchvision"} == names
    assert names >= NARROW, NARROW - names  # a renamed builder must not silently run at full size


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
