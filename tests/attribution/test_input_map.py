"""The input-level CAM comes from the deepest layer that still has a spatial map, not from a 1×1 pooling layer."""

from __future__ import annotations

import torch

from layerwalk.attribution import attribute
from layerwalk.attribution.interpolate import interpolate


def test_gradcam_input_map_is_the_deepest_spatial_cam(resnet18_net, x64):
    r = attribute(resnet18_net, "gradcam", targets=[1, 2], inputs=x64, cache_results=False)
    pooled = [lid for lid, m in r.maps.items() if m.shape[-1] * m.shape[-2] == 1]
    assert pooled, "resnet18's global average pool should be among the layers (else this test proves nothing)"
    deepest = [lid for lid, m in r.maps.items() if m.shape[-1] * m.shape[-2] > 1][-1]
    assert deepest == "layer4.1.add"
    expected = interpolate(r.channel_maps[deepest].sum(1, keepdim=True), (64, 64))
    assert torch.allclose(r.input_map.reshape(expected.shape), expected)
    assert float(r.input_map[0].std()) > 0  # not one colour over the whole input
