"""CovidResNet and CovidDenseNet match Tables 3 and 4 of the paper: parameter counts and every stage's size."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from layerwalk.data import CovidDenseNet, CovidResNet, load_model


def _params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _stage_sizes(model: nn.Module, stages: list[str]) -> dict[str, tuple[int, int]]:
    """Output size (W, H) of each named stage for a 250×180 (W×H) input, recorded by forward hooks."""
    sizes, handles = {}, []
    for name in stages:
        hook = (lambda n: lambda m, i, out: sizes.__setitem__(n, (out.shape[-1], out.shape[-2])))(name)
        handles.append(model.get_submodule(name).register_forward_hook(hook))
    try:
        with torch.no_grad():
            model.eval()(torch.zeros(1, 3, 180, 250))
    finally:
        for h in handles:
            h.remove()
    return sizes


def test_parameter_counts_match_the_paper():
    assert _params(CovidResNet(num_classes=2)) == pytest.approx(4.98e6, rel=0.01)
    assert _params(CovidDenseNet(num_classes=2)) == pytest.approx(1.63e6, rel=0.01)
    assert _params(CovidResNet()) == 4_980_802
    assert _params(CovidDenseNet()) == 1_633_538


def test_covidresnet_stage_sizes_match_table_3():
    table3 = {"conv1": (125, 90), "maxpool": (63, 45), "layer1": (63, 45), "layer2": (32, 23),
              "layer3": (16, 12), "layer4": (8, 6), "avgpool": (1, 1)}
    assert _stage_sizes(CovidResNet(), list(table3)) == table3


def test_covidresnet_block_widths():
    model = CovidResNet()
    assert [len(getattr(model, f"layer{i}")) for i in range(1, 5)] == [2, 1, 1, 1]
    assert [getattr(model, f"layer{i}")[0].conv2.out_channels for i in range(1, 5)] == [64, 128, 256, 512]
    assert model.layer1[0].downsample is None
    assert model.layer2[0].downsample[0].kernel_size == (1, 1)


def test_coviddensenet_stage_sizes_match_table_4():
    table4 = {"conv1": (125, 90), "maxpool": (63, 45), "dense1": (63, 45), "trans1.conv": (63, 45),
              "trans1": (31, 22), "dense2": (31, 22), "trans2.conv": (31, 22), "trans2": (15, 11),
              "dense3": (15, 11), "trans3.conv": (15, 11), "trans3": (7, 5), "dense4": (7, 5), "avgpool": (1, 1)}
    assert _stage_sizes(CovidDenseNet(), list(table4)) == table4


def test_coviddensenet_blocks_and_transitions_follow_table_4():
    model = CovidDenseNet()
    assert [len(getattr(model, f"dense{i}")) for i in range(1, 5)] == [6, 10, 2, 1]
    assert [getattr(model, f"trans{i}").conv.out_channels for i in range(1, 4)] == [128, 256, 512]
    layer = model.dense1[0]
    assert (layer.conv1.kernel_size, layer.conv1.out_channels) == ((1, 1), 128)
    assert (layer.conv2.kernel_size, layer.conv2.out_channels) == ((3, 3), 32)


@pytest.mark.parametrize("spec", ["covidresnet", "coviddensenet"])
def test_load_model_options(spec):
    bundle = load_model(spec, num_classes=5, in_channels=1)
    assert bundle.input_size == (1, 180, 250)
    assert bundle.mean is None and bundle.class_names is None
    assert not bundle.model.training
    assert bundle.model(torch.zeros(2, 1, 180, 250)).shape == (2, 5)
    assert "random init" in bundle.name


def test_kaiming_init_gives_relu_friendly_scale():
    conv = CovidResNet().layer4[0].conv1  # fan_out = 512·9: std should be sqrt(2 / fan_out)
    assert conv.weight.std().item() == pytest.approx((2 / (512 * 9)) ** 0.5, rel=0.05)
