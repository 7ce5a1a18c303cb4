"""Receptive fields from the captured graph: the thesis's values, and exact agreement with gradient support."""

from __future__ import annotations

import pytest
import torch
import torchvision

from layerwalk.analysis import receptive_fields
from layerwalk.analysis.empirical_rf import measure_receptive_fields
from layerwalk.data import load_model

from .models import MultiPath, thesis_network


def assert_matches_gradients(model, input_size, units_per_node=None):
    """Every measured unit's gradient support equals the computed field; returns how many nodes were checked."""
    fields = receptive_fields(model, input_size)
    measured = measure_receptive_fields(model, input_size, units_per_node=units_per_node)
    assert measured, "no spatial node was measured"
    for node_id, units in measured.items():
        field = fields[node_id]
        assert field.known, field.note
        for row, col, *box in units:
            assert field.unit_box(row, col) == tuple(box), (node_id, row, col)
    return len(measured)


def test_thesis_network_effective_filter_sizes():
    """Thesis, section 6.3 and appendix C: 3, 5, 7 | 12, 16, 20 | 30, 38, 46 for the nine convs."""
    fields = receptive_fields(thesis_network(), (1, 64, 64))
    convs = [f for f in fields.fields.values() if f.kind == "conv"]
    assert [f.y.size for f in convs] == [3, 5, 7, 12, 16, 20, 30, 38, 46]
    assert [f.x.size for f in convs] == [3, 5, 7, 12, 16, 20, 30, 38, 46]
    assert [f.y.stride for f in convs] == [1, 1, 1, 2, 2, 2, 4, 4, 4]
    assert [f.y.offset for f in convs][:3] == [-1, -2, -3]  # padding 1 per conv


def test_vgg16_last_conv_and_pool5():
    features = torchvision.models.vgg.make_layers(torchvision.models.vgg.cfgs["D"])  # VGG16's conv part
    fields = receptive_fields(features, (3, 224, 224))
    assert (fields["28"].y.size, fields["30"].y.size) == (196, 212)
    assert fields["30"].y.stride == 32


def test_thesis_network_matches_gradient_support_for_every_unit():
    assert assert_matches_gradients(thesis_network(size=48), (1, 48, 48)) == 12  # the last field (46) fits


def test_multipath_union_misalignment_and_every_unit():
    model = MultiPath()
    fields = receptive_fields(model, (3, 40, 40))
    add = next(f for f in fields.fields.values() if f.kind == "add")
    assert add.misaligned and len(add.path_sizes) == 2
    # stem: 5 at stride 2, offset -2. wide: + (2·2)·2 = 13 from -6 (centre 0); narrow: + 1·2 = 7 from -2
    # (the pad is on the bottom/right only: centre 1). The union is the wide path's field.
    assert sorted(s[0] for s in add.path_sizes) == [7, 13]
    assert (add.y.size, add.y.stride, add.y.offset) == (13, 2, -6)
    assert assert_matches_gradients(model, (3, 40, 40)) >= 5


def test_unknown_geometry_is_reported_not_guessed():
    class Upsampling(torch.nn.Module):
        def forward(self, x):
            return torch.nn.functional.interpolate(x, scale_factor=2.0).mean((2, 3))

    fields = receptive_fields(Upsampling(), (3, 8, 8))
    resized = next(f for f in fields.fields.values() if f.kind == "resize")
    assert not resized.known and "interpolate" in resized.note


@pytest.mark.slow
@pytest.mark.parametrize("spec,size", [("torchvision:vgg16", 64), ("torchvision:resnet50", 64),
                                       ("torchvision:googlenet", 64), ("torchvision:densenet121", 48),
                                       ("demo", 64)])
def test_torchvision_models_match_gradient_support(spec, size):
    model = load_model(spec).model
    assert assert_matches_gradients(model, (3, size, size), units_per_node=3) > 10
